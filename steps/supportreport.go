package steps

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/fix401/fix401/probe"
)

// ReportSchema is the version of the support report's JSON form
// (docs/report.schema.json).
const ReportSchema = 1

// ReportKind is the "kind" of every support report.
const ReportKind = "fix401-support-report"

// SupportReport is the evidence a site administrator needs when the steps
// did not fix it: the address, when, the OS and fix401 version; the
// diagnosis, findings and verdict; what the server said (challenges, its
// clues, request ids); the redirect chain; every re-test; every step tried
// with its outcome and the person's answers; who to contact; and what the
// administrator should check. Every string is redacted and sanitized: it
// can be sent as is. It is written as Markdown for people or JSON for
// tools (EncodeReport).
type SupportReport struct {
	Schema      int             `json:"schema"`
	Kind        string          `json:"kind"`
	GeneratedAt time.Time       `json:"generated_at"`
	Fix401      string          `json:"fix401_version"`
	OS          ReportOS        `json:"os"`
	Session     ReportSession   `json:"session"`
	URL         string          `json:"url"`
	Method      string          `json:"method"`
	Outcome     ReportOutcome   `json:"outcome"`
	AdminChecks []string        `json:"admin_checks"`
	Contacts    []probe.Contact `json:"contacts"`
	SecurityTxt SecurityTxt     `json:"security_txt"`
	FirstCheck  *ReportCheck    `json:"first_check"`
	// LatestCheck is the most recent check when it is not the first one.
	LatestCheck *ReportCheck     `json:"latest_check"`
	Retests     []ReportRetest   `json:"retests"`
	Steps       []ReportStep     `json:"steps"`
	Refreshes   []RefreshAttempt `json:"oauth_refreshes"`
	// NotIncluded says which secrets the report leaves out.
	NotIncluded []string `json:"not_included"`
	Notes       []string `json:"notes"`
}

// ReportOS names the operating system.
type ReportOS struct {
	GOOS string `json:"goos"`
	Arch string `json:"arch"`
	Name string `json:"name"`
}

// ReportSession says what kind of run made the report and how it ended.
type ReportSession struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"` // "wizard" or "check"
	StartedAt *time.Time `json:"started_at"`
	// State is "resolved", "not_resolved", "interrupted", "in_progress"
	// (a report written on demand) or "checked" (fix401 check).
	State       string     `json:"state"`
	ResumedFrom *time.Time `json:"resumed_from"`
}

// The report states.
const (
	ReportResolved    = "resolved"
	ReportNotResolved = "not_resolved"
	ReportInterrupted = "interrupted"
	ReportInProgress  = "in_progress"
	ReportChecked     = "checked"
)

// ReportOutcome is the result in a few fields.
type ReportOutcome struct {
	Resolved         bool          `json:"resolved"`
	FixedBy          int           `json:"fixed_by"`
	FixedByTitle     string        `json:"fixed_by_title"`
	FirstStatus      int           `json:"first_status"`
	FirstStatusText  string        `json:"first_status_text"`
	LatestStatus     int           `json:"latest_status"`
	LatestStatusText string        `json:"latest_status_text"`
	Verdict          probe.Verdict `json:"verdict"`
	Summary          string        `json:"summary"`
}

// ReportCheck is one check: what came back and what fix401 made of it.
type ReportCheck struct {
	At               time.Time          `json:"at"`
	URL              string             `json:"url"`
	FinalURL         string             `json:"final_url"`
	Method           string             `json:"method"`
	Status           int                `json:"status"`
	StatusText       string             `json:"status_text"`
	Verdict          probe.Verdict      `json:"verdict"`
	Summary          string             `json:"summary"`
	Findings         []probe.Finding    `json:"findings"`
	RecommendedSteps []int              `json:"recommended_steps"`
	Challenges       []ReportChallenge  `json:"challenges"`
	RequestIDs       []string           `json:"request_ids"`
	ServerDate       *time.Time         `json:"server_date"`
	ClockSkewSeconds int64              `json:"clock_skew_seconds"`
	Redirects        []probe.HopJSON    `json:"redirects"`
	Tokens           []probe.TokenJSON  `json:"tokens"`
	Failure          *probe.FailureJSON `json:"failure"`
	Proxy            *probe.ProxyJSON   `json:"proxy"`
}

// ReportChallenge is one challenge with the server's own clues pulled out.
type ReportChallenge struct {
	// Header is WWW-Authenticate or Proxy-Authenticate.
	Header           string            `json:"header"`
	Scheme           string            `json:"scheme"`
	Realm            string            `json:"realm"`
	Error            string            `json:"error"`
	ErrorDescription string            `json:"error_description"`
	ErrorURI         string            `json:"error_uri"`
	Scope            string            `json:"scope"`
	Params           map[string]string `json:"params"`
	Raw              string            `json:"raw"`
}

// ReportStatus is one answer in a re-test.
type ReportStatus struct {
	Status     int    `json:"status"`
	StatusText string `json:"status_text"`
	Verdict    string `json:"verdict"`
	Failure    string `json:"failure"`
}

// ReportRetest is one re-test: when, after which step, what changed, the
// answer before and after, and the outcome.
type ReportRetest struct {
	At        time.Time    `json:"at"`
	Step      int          `json:"step"`
	StepTitle string       `json:"step_title"`
	Change    string       `json:"change"`
	Before    ReportStatus `json:"before"`
	After     ReportStatus `json:"after"`
	// Outcome is one of no_change, progress, fixed, works_in_browser,
	// still_ok, broken.
	Outcome string `json:"outcome"`
	// Answer is "works" or "still fails" when the person said how it goes
	// in their browser; empty otherwise.
	Answer string `json:"answer"`
}

// ReportStep is one of the ten steps: its state, the person's answer and
// how its re-tests went.
type ReportStep struct {
	Number int    `json:"number"`
	Title  string `json:"title"`
	// Position is its place in the recommended order (1–10).
	Position int `json:"position"`
	// State is pending, done, skipped or fixed.
	State       string `json:"state"`
	Answer      string `json:"answer"`
	Retests     int    `json:"retests"`
	LastOutcome string `json:"last_outcome"`
}

// ReportMeta is what a report needs besides the session.
type ReportMeta struct {
	// Version is fix401's version; OS names the system.
	Version string
	OS      ReportOS
	// Now is when the report is written (the session's clock if zero).
	Now time.Time
	// State is one of the report states; empty derives it from the session.
	State string
}

var outcomeIDs = [...]string{"no_change", "progress", "fixed", "works_in_browser", "still_ok", "broken"}

// ID is the outcome's machine name, as the JSON report writes it.
func (o Outcome) ID() string {
	if int(o) < len(outcomeIDs) {
		return outcomeIDs[o]
	}
	return "unknown"
}

var stateIDs = [...]string{"pending", "current", "done", "skipped", "fixed"}

// SupportReport builds the support report of the session as it is now.
func (s *Session) SupportReport(meta ReportMeta) SupportReport {
	s.learnSecrets()
	r := s.Redactor
	now := meta.Now
	if now.IsZero() {
		now = s.Env.now()
	}
	rep := SupportReport{
		Schema: ReportSchema, Kind: ReportKind, GeneratedAt: now.UTC(),
		Fix401: probe.Sanitize(meta.Version), OS: ReportOS{GOOS: probe.Sanitize(meta.OS.GOOS), Arch: probe.Sanitize(meta.OS.Arch), Name: probe.Sanitize(meta.OS.Name)},
		AdminChecks: []string{}, Contacts: s.Contacts(), SecurityTxt: s.SecurityTxt,
		Retests: []ReportRetest{}, Steps: []ReportStep{}, Refreshes: append([]RefreshAttempt{}, s.Refreshes...),
		NotIncluded: []string{}, Notes: []string{},
	}
	if rep.Fix401 == "" {
		rep.Fix401 = "unknown"
	}
	if rep.Contacts == nil {
		rep.Contacts = []probe.Contact{}
	}
	if rep.SecurityTxt.Contacts == nil {
		rep.SecurityTxt.Contacts = []probe.Contact{}
	}
	rep.Session = ReportSession{ID: s.ID, Kind: "wizard", State: meta.State}
	if !s.Started.IsZero() {
		t := s.Started.UTC()
		rep.Session.StartedAt = &t
	}
	if s.Resumed != nil {
		t := s.Resumed.From.UTC()
		rep.Session.ResumedFrom = &t
	}
	if rep.Session.State == "" {
		switch {
		case s.Resolved():
			rep.Session.State = ReportResolved
		case s.Phase == PhaseAllTried:
			rep.Session.State = ReportNotResolved
		default:
			rep.Session.State = ReportInProgress
		}
	}
	_, left := s.savedRequest()
	rep.NotIncluded = append(rep.NotIncluded, left...)
	rep.URL = r.URL(s.Request.URL)
	rep.Method = methodOf(s.Request)

	rep.FirstCheck = s.firstCheck()
	if s.Last != nil && (s.Last != s.Initial || s.savedFirst != nil) {
		rep.LatestCheck = s.checkSection(s.Last)
	}
	first, latest := s.firstSnap(), s.lastSnap()
	rep.Outcome = ReportOutcome{
		Resolved: s.Resolved(), FixedBy: s.FixedBy, FixedByTitle: probe.StepTitle(s.FixedBy),
		FirstStatus: first.Status, FirstStatusText: first.StatusText(),
		LatestStatus: latest.Status, LatestStatusText: latest.StatusText(),
		Verdict: latest.Verdict,
	}
	rep.Outcome.Summary = outcomeSentence(rep.Outcome, rep.Session.State)

	lastOutcome := map[int]Outcome{}
	retests := map[int]int{}
	for _, h := range s.History {
		rt := ReportRetest{At: h.At.UTC(), Step: h.Step, StepTitle: probe.StepTitle(h.Step), Change: r.Text(h.Change),
			Before: reportStatus(h.Before), After: reportStatus(h.After), Outcome: h.Outcome.ID()}
		if h.Answer != nil {
			rt.Answer = answerText(*h.Answer)
		}
		rep.Retests = append(rep.Retests, rt)
		if h.Step != 0 {
			lastOutcome[h.Step] = h.Outcome
			retests[h.Step]++
		}
	}
	for _, n := range s.Order {
		st := ReportStep{Number: n, Title: probe.StepTitle(n), Position: s.Position(n), State: stateIDs[s.States[n]], Retests: retests[n]}
		if a, ok := s.Answers[n]; ok {
			st.Answer = answerText(a)
		}
		if o, ok := lastOutcome[n]; ok {
			st.LastOutcome = o.ID()
		}
		rep.Steps = append(rep.Steps, st)
	}
	rep.AdminChecks = s.adminChecks(rep.FirstCheck, rep.LatestCheck)
	if s.Resumed != nil {
		rep.Notes = append(rep.Notes, "The session was cut short and resumed (saved "+s.Resumed.From.UTC().Format("2006-01-02 15:04 UTC")+").")
	}
	if !s.SecurityTxt.Asked {
		rep.Notes = append(rep.Notes, "The site's security.txt was not looked up (that needs the person's consent: it is one more request).")
	}
	return rep
}

// ReportFromResult builds the report of a single check (fix401 check
// --report): the check's diagnosis, challenges and redirect chain, with no
// steps tried.
func ReportFromResult(res *probe.Result, meta ReportMeta, contacts []probe.Contact, contactsErr error, asked bool) SupportReport {
	s := NewSession(Env{Now: func() time.Time {
		if !meta.Now.IsZero() {
			return meta.Now
		}
		return time.Now()
	}}, res.Request)
	s.addSecrets(res.Request)
	s.Initial, s.Last = res, res
	s.Order = NormalizeOrder(res.Diagnosis.Steps)
	s.Started = res.Exchange.Facts.Now
	if s.Started.IsZero() {
		s.Started = s.Env.now()
	}
	s.ID = NewSessionID(s.Started)
	if asked {
		s.applySupport(ContactsFetched{Contacts: contacts, Err: contactsErr})
		s.Error, s.Notice = "", ""
	}
	if meta.State == "" {
		meta.State = ReportChecked
	}
	rep := s.SupportReport(meta)
	rep.Session.Kind = "check"
	rep.Outcome.Resolved = Snap(res).OK()
	rep.Outcome.Summary = outcomeSentence(rep.Outcome, rep.Session.State)
	return rep
}

func methodOf(req probe.Request) string {
	m := strings.ToUpper(strings.TrimSpace(req.Method))
	if m == "" {
		m = "GET"
		if req.Body != "" {
			m = "POST"
		}
	}
	return probe.Sanitize(m)
}

func answerText(works bool) string {
	if works {
		return "works"
	}
	return "still fails"
}

func reportStatus(sn Snapshot) ReportStatus {
	return ReportStatus{Status: sn.Status, StatusText: sn.StatusText(), Verdict: probe.Sanitize(string(sn.Verdict)), Failure: probe.Sanitize(string(sn.Failure))}
}

func outcomeSentence(o ReportOutcome, state string) string {
	switch {
	case state == ReportChecked && o.Resolved:
		return "The address answered " + o.LatestStatusText + "."
	case state == ReportChecked:
		return "The address answered " + o.LatestStatusText + "."
	case o.Resolved && o.FixedBy != 0:
		return fmt.Sprintf("Resolved: step %d (%s) fixed it (%s → %s).", o.FixedBy, o.FixedByTitle, o.FirstStatusText, o.LatestStatusText)
	case o.Resolved:
		return "Resolved: the address answers " + o.LatestStatusText + "."
	case state == ReportInterrupted:
		return "Not resolved: the session was stopped while the address still " + Answers(o.LatestStatusText, true) + "."
	}
	return "Not resolved: the address still " + Answers(o.LatestStatusText, false) + " (it first " + Answers(o.FirstStatusText, true) + ")."
}

// Answers phrases what an address answers for a sentence: "answers 401
// Unauthorized", or "gets no answer" when nothing answered; past gives
// "answered …" / "got no answer".
func Answers(statusText string, past bool) string {
	switch {
	case statusText == probe.StatusText(0) && past:
		return "got no answer"
	case statusText == probe.StatusText(0):
		return "gets no answer"
	case past:
		return "answered " + statusText
	}
	return "answers " + statusText
}

func (s *Session) firstSnap() Snapshot {
	if s.savedFirst != nil {
		return Snapshot{Status: s.savedFirst.Status, Verdict: s.savedFirst.Verdict}
	}
	return Snap(s.Initial)
}

// firstCheck is the first check as the report shows it.
func (s *Session) firstCheck() *ReportCheck {
	if s.savedFirst != nil {
		c := *s.savedFirst
		return &c
	}
	if s.Initial == nil {
		return nil
	}
	return s.checkSection(s.Initial)
}

// maxRaw bounds a challenge's raw text in a report.
const maxRaw = 2000

// checkSection turns a check into its report form. It starts from the
// check's own JSON document (probe's redaction: the exchange's and the
// request's secrets) and passes every string through the session's
// redactor too.
func (s *Session) checkSection(res *probe.Result) *ReportCheck {
	r := s.Redactor
	j := res.JSON()
	c := &ReportCheck{
		At: j.CheckedAt, URL: r.URL(j.URL), FinalURL: r.URL(j.FinalURL), Method: probe.Sanitize(j.Method),
		Status: j.Status, StatusText: j.StatusText, Verdict: j.Verdict, Summary: r.Text(j.Summary),
		Findings: []probe.Finding{}, RecommendedSteps: append([]int{}, j.Steps...), Challenges: []ReportChallenge{},
		RequestIDs: []string{}, ServerDate: j.ServerDate, ClockSkewSeconds: j.ClockSkewSecs,
		Redirects: []probe.HopJSON{}, Tokens: []probe.TokenJSON{},
	}
	if c.Method == "" {
		c.Method = methodOf(res.Request)
	}
	for _, f := range j.Findings {
		f.ID, f.Title, f.Detail, f.Evidence = probe.Sanitize(f.ID), r.Text(f.Title), r.Text(f.Detail), r.Text(f.Evidence)
		if f.Steps == nil {
			f.Steps = []int{}
		}
		c.Findings = append(c.Findings, f)
	}
	add := func(header string, cs []probe.Challenge) {
		for _, ch := range cs {
			rc := ReportChallenge{Header: header, Scheme: r.Text(ch.Scheme), Realm: r.Text(ch.Param("realm")), Error: r.Text(ch.Param("error")),
				ErrorDescription: r.Text(ch.Param("error_description")), ErrorURI: r.URL(ch.Param("error_uri")), Scope: r.Text(ch.Param("scope")),
				Params: map[string]string{}, Raw: clip(r.Text(ch.Raw), maxRaw)}
			if rc.Raw == "" {
				rc.Raw = rc.Scheme
			}
			for k, v := range ch.Params {
				rc.Params[r.Text(k)] = clip(r.Text(v), maxRaw)
			}
			c.Challenges = append(c.Challenges, rc)
		}
	}
	add("WWW-Authenticate", res.Diagnosis.Challenges)
	add("Proxy-Authenticate", res.Diagnosis.ProxyChallenges)
	for _, id := range j.RequestIDs {
		c.RequestIDs = append(c.RequestIDs, r.Text(id))
	}
	for _, h := range j.Redirects {
		h.URL, h.Location, h.Method, h.RemoteAddr = r.URL(h.URL), r.URL(h.Location), probe.Sanitize(h.Method), probe.Sanitize(h.RemoteAddr)
		sent := make([]probe.CredentialJSON, 0, len(h.CredentialsSent))
		for _, cr := range h.CredentialsSent {
			cr.Name, cr.Value = r.Text(cr.Name), r.Text(cr.Value)
			sent = append(sent, cr)
		}
		h.CredentialsSent = sent
		dropped := make([]probe.DropJSON, 0, len(h.CredentialsDropped))
		for _, d := range h.CredentialsDropped {
			d.Name, d.Reason = r.Text(d.Name), r.Text(d.Reason)
			dropped = append(dropped, d)
		}
		h.CredentialsDropped = dropped
		c.Redirects = append(c.Redirects, h)
	}
	for _, t := range j.Tokens {
		t.Where, t.Alg, t.Issuer, t.Subject = r.Text(t.Where), r.Text(t.Alg), r.Text(t.Issuer), r.Text(t.Subject)
		for i := range t.Audience {
			t.Audience[i] = r.Text(t.Audience[i])
		}
		for i := range t.Scopes {
			t.Scopes[i] = r.Text(t.Scopes[i])
		}
		c.Tokens = append(c.Tokens, t)
	}
	if j.Failure != nil {
		f := *j.Failure
		f.Message = r.Text(f.Message)
		c.Failure = &f
	}
	if j.Proxy != nil {
		p := *j.Proxy
		p.URL, p.Source = r.URL(p.URL), r.Text(p.Source)
		c.Proxy = &p
	}
	return c
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// EncodeReport writes the report in the form the file name asks for:
// JSON for a name ending in .json, Markdown otherwise.
func EncodeReport(rep SupportReport, path string) ([]byte, error) {
	if IsJSONReport(path) {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			return nil, fmt.Errorf("steps: encoding the report: %w", err)
		}
		return b.Bytes(), nil
	}
	return []byte(rep.Markdown()), nil
}

// IsJSONReport reports whether a report file name asks for JSON.
func IsJSONReport(path string) bool {
	return strings.EqualFold(filepath.Ext(path), ".json")
}

// DecodeReport reads a report's JSON form. Unknown fields are ignored (a
// newer fix401 may add some); a report of another schema is refused.
func DecodeReport(data []byte) (SupportReport, error) {
	var rep SupportReport
	if err := json.Unmarshal(data, &rep); err != nil {
		return rep, fmt.Errorf("steps: not a fix401 report: %w", err)
	}
	if rep.Kind != ReportKind {
		return rep, fmt.Errorf("steps: not a fix401 report (kind %q)", probe.Sanitize(clip(rep.Kind, 40)))
	}
	if rep.Schema != ReportSchema {
		return rep, fmt.Errorf("steps: a report of schema %d; this fix401 reads schema %d", rep.Schema, ReportSchema)
	}
	return rep, nil
}

// Short is the report's short summary, for the clipboard or a chat
// message: the address and the answer, what was found and tried, the
// request id, who to contact, and where the full report is (path, when
// not empty).
func (rep SupportReport) Short(path string) string {
	var b strings.Builder
	when := rep.GeneratedAt.Format("2006-01-02 15:04 UTC")
	fmt.Fprintf(&b, "fix401 support report for %s (%s)\n", rep.URL, when)
	b.WriteString(rep.Outcome.Summary + "\n")
	if c := rep.mainCheck(); c != nil {
		for _, ch := range c.Challenges {
			fmt.Fprintf(&b, "Server asked: %s: %s\n", ch.Header, clip(ch.Raw, 200))
		}
		var found []string
		for _, f := range c.Findings {
			if f.Severity != probe.SevInfo {
				found = append(found, f.Title+" ["+f.ID+"]")
			}
		}
		if len(found) > 0 {
			b.WriteString("Found: " + strings.Join(found, "; ") + "\n")
		}
		if len(c.RequestIDs) > 0 {
			b.WriteString("Request id: " + strings.Join(c.RequestIDs, ", ") + " at " + c.At.UTC().Format("2006-01-02 15:04:05 UTC") + "\n")
		}
	}
	var tried, skipped []string
	for _, st := range rep.Steps {
		switch st.State {
		case "done", "fixed":
			t := fmt.Sprintf("%d (%s)", st.Number, outcomeWords(st.LastOutcome))
			if st.Answer != "" {
				t = fmt.Sprintf("%d (%s; in the browser: %s)", st.Number, outcomeWords(st.LastOutcome), st.Answer)
			}
			tried = append(tried, t)
		case "skipped":
			skipped = append(skipped, fmt.Sprint(st.Number))
		}
	}
	if len(tried) > 0 {
		b.WriteString("Steps tried: " + strings.Join(tried, ", ") + "\n")
	}
	if len(skipped) > 0 {
		b.WriteString("Steps skipped: " + strings.Join(skipped, ", ") + "\n")
	}
	if len(rep.Contacts) > 0 {
		b.WriteString("Contact: " + rep.Contacts[0].Value + "\n")
	}
	if path != "" {
		b.WriteString("Full report: " + probe.Sanitize(path) + "\n")
	}
	return b.String()
}

// mainCheck is the check that describes the current state best.
func (rep SupportReport) mainCheck() *ReportCheck {
	if rep.LatestCheck != nil {
		return rep.LatestCheck
	}
	return rep.FirstCheck
}

func outcomeWords(id string) string {
	for i, x := range outcomeIDs {
		if x == id {
			return Outcome(i).String()
		}
	}
	if id == "" {
		return "not re-tested"
	}
	return probe.Sanitize(id)
}
