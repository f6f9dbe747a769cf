package steps

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/fix401/fix401/probe"
)

// RecordSchema is the version of the saved-session format.
const RecordSchema = 1

// Record is a session as saved after every step, so that a session cut
// short (ctrl+c, a crash, a closed laptop) can be resumed: the request
// without any credential, every answer, outcome and re-test, and where the
// person was. It never holds a secret: passwords, tokens, cookie values,
// credential headers, token query parameters, the request body and the
// OAuth secrets are left out, and NotSaved says which were.
type Record struct {
	Schema   int       `json:"schema"`
	ID       string    `json:"id"`
	Started  time.Time `json:"started"`
	Updated  time.Time `json:"updated"`
	Finished bool      `json:"finished"`
	// Request is what the checks send, credentials removed.
	Request SavedRequest `json:"request"`
	// NotSaved lists in plain words what was left out.
	NotSaved []string `json:"not_saved"`
	// Phase and Current say where the person was: "diagnosis", "step"
	// (with Current), "all-tried" or "resolved".
	Phase   string       `json:"phase"`
	Current int          `json:"current"`
	Order   []int        `json:"order"`
	States  []string     `json:"states"` // steps 1–10
	Answers map[int]bool `json:"answers"`
	FixedBy int          `json:"fixed_by"`
	// History is every re-test, oldest first.
	History []SavedRetest `json:"history"`
	// First is the first check as the report shows it; Last the latest
	// answer.
	First       *ReportCheck     `json:"first"`
	Last        SavedSnapshot    `json:"last"`
	Contacts    []probe.Contact  `json:"contacts"`
	SecurityTxt SecurityTxt      `json:"security_txt"`
	OAuth       SavedOAuth       `json:"oauth"`
	Refreshes   []RefreshAttempt `json:"oauth_refreshes"`
}

// SavedRequest is the request without credentials.
type SavedRequest struct {
	URL     string        `json:"url"`
	Method  string        `json:"method,omitempty"`
	Headers []probe.Field `json:"headers,omitempty"`
	// User is the user name of Basic/Digest login (never the password); it
	// fills step 1's field on resume.
	User            string   `json:"user,omitempty"`
	CookieNames     []string `json:"cookie_names,omitempty"`
	CookieFile      string   `json:"cookie_file,omitempty"`
	Proxy           string   `json:"proxy,omitempty"`
	Insecure        bool     `json:"insecure,omitempty"`
	TimeoutMS       int64    `json:"timeout_ms,omitempty"`
	LocationTrusted bool     `json:"location_trusted,omitempty"`
	MaxRedirects    int      `json:"max_redirects,omitempty"`
}

// SavedSnapshot is a Snapshot with its URL redacted.
type SavedSnapshot struct {
	Status  int               `json:"status"`
	Verdict probe.Verdict     `json:"verdict,omitempty"`
	Summary string            `json:"summary,omitempty"`
	Failure probe.FailureKind `json:"failure,omitempty"`
	URL     string            `json:"url,omitempty"`
}

// SavedRetest is one re-test.
type SavedRetest struct {
	At      time.Time     `json:"at"`
	Step    int           `json:"step"`
	Change  string        `json:"change"`
	Before  SavedSnapshot `json:"before"`
	After   SavedSnapshot `json:"after"`
	Outcome string        `json:"outcome"`
	Answer  *bool         `json:"answer,omitempty"`
}

// SavedOAuth is what is kept of the OAuth configuration: never the client
// secret or the refresh token.
type SavedOAuth struct {
	TokenURL        string   `json:"token_url,omitempty"`
	ClientID        string   `json:"client_id,omitempty"`
	Scopes          []string `json:"scopes,omitempty"`
	HadSecret       bool     `json:"had_client_secret,omitempty"`
	HadRefreshToken bool     `json:"had_refresh_token,omitempty"`
}

// Saveable reports whether there is anything worth saving: a first check
// that finished.
func (s *Session) Saveable() bool { return s.Initial != nil || s.savedFirst != nil }

// Record returns the session as it is saved: no secrets, server text
// sanitized. finished marks a session that cannot be resumed any more.
func (s *Session) Record(finished bool) Record {
	s.learnSecrets()
	r := s.Redactor
	if s.ID == "" {
		if s.Started.IsZero() {
			s.Started = s.Env.now()
		}
		s.ID = NewSessionID(s.Started)
	}
	req, notSaved := s.savedRequest()
	rec := Record{
		Schema: RecordSchema, ID: s.ID, Started: s.Started.UTC(), Updated: s.Env.now().UTC(),
		Finished: finished || s.Phase == PhaseResolved,
		Request:  req, NotSaved: notSaved,
		Order: append([]int(nil), s.Order...), Answers: map[int]bool{}, FixedBy: s.FixedBy,
		History: []SavedRetest{}, First: s.firstCheck(), Last: s.saveSnap(s.lastSnap()),
		Contacts: s.Contacts(), SecurityTxt: s.SecurityTxt, Refreshes: append([]RefreshAttempt(nil), s.Refreshes...),
	}
	rec.Phase, rec.Current = s.resumePoint()
	for n := 1; n <= NumSteps; n++ {
		rec.States = append(rec.States, s.States[n].String())
	}
	for k, v := range s.Answers {
		rec.Answers[k] = v
	}
	for _, h := range s.History {
		rec.History = append(rec.History, SavedRetest{
			At: h.At.UTC(), Step: h.Step, Change: r.Text(h.Change), Before: s.saveSnap(h.Before), After: s.saveSnap(h.After),
			Outcome: h.Outcome.String(), Answer: h.Answer,
		})
	}
	if rec.Contacts == nil {
		rec.Contacts = []probe.Contact{}
	}
	if rec.SecurityTxt.Contacts == nil {
		rec.SecurityTxt.Contacts = []probe.Contact{}
	}
	if rec.Refreshes == nil {
		rec.Refreshes = []RefreshAttempt{}
	}
	rec.OAuth = SavedOAuth{TokenURL: stripURL(s.OAuth.TokenURL, r), ClientID: r.Text(s.OAuth.ClientID),
		Scopes: s.OAuth.Scopes, HadSecret: s.OAuth.ClientSecret != "", HadRefreshToken: s.OAuth.RefreshToken != ""}
	return rec
}

// lastSnap is the latest answer: the last check, or a resumed session's.
func (s *Session) lastSnap() Snapshot {
	if s.Last != nil {
		return Snap(s.Last)
	}
	if s.savedLast != nil {
		return *s.savedLast
	}
	return Snapshot{}
}

// resumePoint is where a resumed session continues: the step in progress
// (a running re-test belongs to its step), or the screen the person was on.
func (s *Session) resumePoint() (string, int) {
	switch s.Phase {
	case PhaseStep:
		return PhaseStep.String(), s.Current
	case PhaseRetesting:
		if s.retestFor != 0 {
			return PhaseStep.String(), s.retestFor
		}
		if s.Current != 0 && s.returnTo == PhaseStep {
			return PhaseStep.String(), s.Current
		}
		return s.returnTo.String(), s.Current
	case PhaseResult:
		if next := s.NextPending(s.retestFor); next != 0 {
			return PhaseStep.String(), next
		}
		return PhaseAllTried.String(), s.Current
	case PhaseURL, PhaseProbing:
		return PhaseDiagnosis.String(), 0
	}
	return s.Phase.String(), s.Current
}

func (s *Session) saveSnap(sn Snapshot) SavedSnapshot {
	return SavedSnapshot{Status: sn.Status, Verdict: sn.Verdict, Summary: s.Redactor.Text(sn.Summary), Failure: sn.Failure, URL: s.Redactor.URL(sn.URL)}
}

func (ss SavedSnapshot) snapshot() Snapshot {
	return Snapshot{Status: ss.Status, Verdict: probe.Verdict(probe.Sanitize(string(ss.Verdict))), Summary: probe.Sanitize(ss.Summary),
		Failure: probe.FailureKind(probe.Sanitize(string(ss.Failure))), URL: probe.Sanitize(ss.URL)}
}

// learnSecrets tells the session's redactor every secret the request, the
// checks and the OAuth configuration hold, so that nothing written later
// can show one.
func (s *Session) learnSecrets() {
	s.Redactor.Add(s.Request.Secrets()...)
	s.Redactor.Add(s.OAuth.Secrets()...)
	for _, res := range []*probe.Result{s.Initial, s.Last} {
		if res == nil {
			continue
		}
		s.Redactor.Add(res.Request.Secrets()...)
		s.Redactor.Add(res.Exchange.Facts.Secrets...)
		for _, c := range res.Exchange.Facts.Original {
			s.Redactor.Add(c.Value)
		}
		for _, h := range res.Exchange.Hops {
			for _, c := range h.Sent {
				s.Redactor.Add(c.Value)
			}
			for _, c := range probe.CredentialsOf(h.RequestHeader, nil) {
				s.Redactor.Add(c.Value)
			}
		}
	}
}

// savedRequest is the request without credentials, and what was left out.
func (s *Session) savedRequest() (SavedRequest, []string) {
	req := s.Request
	r := s.Redactor
	var left []string
	out := SavedRequest{Method: probe.Sanitize(req.Method), Insecure: req.Insecure, TimeoutMS: req.Timeout.Milliseconds(),
		LocationTrusted: req.LocationTrusted, MaxRedirects: req.MaxRedirects, CookieFile: probe.Sanitize(req.CookieFile)}
	u, removed := cleanURL(req.URL)
	out.URL = r.Text(u)
	for _, what := range removed {
		left = append(left, what)
	}
	if req.HasUser || req.User != "" {
		out.User = probe.Sanitize(req.User)
		if req.Password != "" {
			left = append(left, fmt.Sprintf("the password for %q", probe.Sanitize(req.User)))
		}
	}
	if req.Bearer != "" {
		left = append(left, "the bearer token")
	}
	for _, h := range req.Headers {
		name := strings.TrimSpace(h.Name)
		if probe.IsSecretHeader(name) || looksSecret(name) || r.Text(h.Value) != probe.Sanitize(h.Value) {
			left = append(left, "the "+probe.Sanitize(name)+" header")
			continue
		}
		out.Headers = append(out.Headers, probe.Field{Name: probe.Sanitize(name), Value: probe.Sanitize(h.Value)})
	}
	if len(req.Cookies) > 0 {
		names := make([]string, 0, len(req.Cookies))
		for _, c := range req.Cookies {
			names = append(names, probe.Sanitize(c.Name))
		}
		out.CookieNames = names
		left = append(left, fmt.Sprintf("the values of %d cookie(s) (%s)", len(names), clipList(names, 5)))
	}
	if req.Body != "" {
		left = append(left, "the request body")
	}
	if req.Proxy != "" {
		p, removed := cleanURL(req.Proxy)
		out.Proxy = r.Text(p)
		if len(removed) > 0 {
			left = append(left, "the proxy's password")
		}
	}
	if s.OAuth.ClientSecret != "" {
		left = append(left, "the OAuth client secret")
	}
	if s.OAuth.RefreshToken != "" {
		left = append(left, "the OAuth refresh token")
	}
	// A resumed session still lacks what its saved form left out, unless
	// given again; saying so once more is harmless.
	if s.Resumed != nil {
		for _, l := range s.Resumed.LeftOut {
			if !containsString(left, l) {
				left = append(left, l)
			}
		}
	}
	if left == nil {
		left = []string{}
	}
	return out, left
}

func clipList(list []string, n int) string {
	if len(list) <= n {
		return strings.Join(list, ", ")
	}
	return strings.Join(list[:n], ", ") + ", …"
}

// cleanURL removes the password of a URL's user info and its credential
// query parameters, and says what it removed.
func cleanURL(raw string) (string, []string) {
	u, err := url.Parse(raw)
	if err != nil {
		// An address that does not parse is kept only up to its query.
		base, _, _ := strings.Cut(raw, "?")
		if base != raw {
			return base, []string{"the query of the address"}
		}
		return raw, nil
	}
	var removed []string
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			removed = append(removed, "the password in the address")
			u.User = url.User(u.User.Username())
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		var names []string
		for k := range q {
			if probe.IsTokenParam(k) || looksSecret(k) {
				names = append(names, k)
			}
		}
		if len(names) > 0 {
			sort.Strings(names)
			parts := strings.Split(u.RawQuery, "&")
			kept := parts[:0]
			for _, p := range parts {
				k, _, _ := strings.Cut(p, "=")
				if key, err := url.QueryUnescape(k); err != nil || probe.IsTokenParam(key) || looksSecret(key) {
					continue
				}
				kept = append(kept, p)
			}
			u.RawQuery = strings.Join(kept, "&")
			for _, n := range names {
				removed = append(removed, "the "+probe.Sanitize(n)+" parameter of the address")
			}
		}
	}
	return u.String(), removed
}

// secretWords are parts of header and parameter names that usually carry
// a secret; what is saved errs on the side of leaving such values out.
var secretWords = []string{"auth", "token", "secret", "key", "pass", "session", "cookie", "sig", "credential", "jwt", "bearer", "otp", "code"}

// looksSecret reports whether a header or parameter name suggests a
// secret, beyond the names probe knows.
func looksSecret(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// stripURL is cleanURL, redacted, for a URL shown but never sent again.
func stripURL(raw string, r *probe.Redactor) string {
	u, _ := cleanURL(raw)
	return r.Text(u)
}

// check validates a loaded record, so that a damaged or foreign file
// cannot drive the session anywhere odd.
func (rec *Record) check() error {
	if rec.Schema != RecordSchema {
		return fmt.Errorf("saved by another fix401 version (format %d, this one reads %d)", rec.Schema, RecordSchema)
	}
	if rec.ID == "" {
		return fmt.Errorf("the saved session has no id")
	}
	if err := ValidateURL(rec.Request.URL); err != nil && rec.Request.URL != "" {
		return fmt.Errorf("the saved address is not usable: %v", err)
	}
	if len(rec.States) != 0 && len(rec.States) != NumSteps {
		return fmt.Errorf("the saved session lists %d step states, not %d", len(rec.States), NumSteps)
	}
	if rec.Current < 0 || rec.Current > NumSteps || rec.FixedBy < 0 || rec.FixedBy > NumSteps {
		return fmt.Errorf("the saved session names a step outside 1–10")
	}
	if len(rec.History) > 10000 {
		rec.History = rec.History[len(rec.History)-10000:]
	}
	return nil
}

// RequestOf is the saved request as a probe.Request, without credentials:
// the user name only fills step 1's field, nothing is sent with it.
func (rec Record) RequestOf() probe.Request {
	sr := rec.Request
	req := probe.Request{URL: sr.URL, Method: sr.Method, User: sr.User, Proxy: sr.Proxy, Insecure: sr.Insecure,
		Timeout: time.Duration(sr.TimeoutMS) * time.Millisecond, LocationTrusted: sr.LocationTrusted, MaxRedirects: sr.MaxRedirects,
		CookieFile: sr.CookieFile}
	req.Headers = append(req.Headers, sr.Headers...)
	return req
}

// Restore makes a new session continue a saved one. Call it right after
// NewSession, with the request already rebuilt (RequestOf, plus whatever
// credentials the person gave again); given names those credentials in
// plain words. The first check then re-tests the address and, instead of
// starting over, brings the person back to where they were.
func (s *Session) Restore(rec Record, given []string) {
	s.ID, s.Started = rec.ID, rec.Started
	s.Order = NormalizeOrder(rec.Order)
	for i, name := range rec.States {
		if i+1 > NumSteps {
			break
		}
		for st, n := range stateNames {
			if n == name {
				s.States[i+1] = State(st)
			}
		}
	}
	for k, v := range rec.Answers {
		if k >= 1 && k <= NumSteps {
			s.Answers[k] = v
		}
	}
	s.FixedBy = rec.FixedBy
	for _, h := range rec.History {
		out := OutcomeNoChange
		for o, n := range outcomeNames {
			if n == h.Outcome {
				out = Outcome(o)
			}
		}
		step := h.Step
		if step < 0 || step > NumSteps {
			step = 0
		}
		s.History = append(s.History, Retest{Step: step, Change: probe.Sanitize(h.Change), Before: h.Before.snapshot(), After: h.After.snapshot(),
			Outcome: out, Answer: h.Answer, At: h.At})
	}
	s.savedFirst = rec.First
	last := rec.Last.snapshot()
	s.savedLast = &last
	for _, c := range rec.Contacts {
		s.savedContacts = append(s.savedContacts, s.cleanContact(c))
	}
	s.SecurityTxt = rec.SecurityTxt
	s.Refreshes = append(s.Refreshes, rec.Refreshes...)
	if s.OAuth.TokenURL == "" {
		s.OAuth.TokenURL = rec.OAuth.TokenURL
	}
	if s.OAuth.ClientID == "" {
		s.OAuth.ClientID = rec.OAuth.ClientID
	}
	if len(s.OAuth.Scopes) == 0 {
		s.OAuth.Scopes = rec.OAuth.Scopes
	}
	s.Resumed = &ResumeInfo{From: rec.Updated, LeftOut: append([]string{}, rec.NotSaved...), Given: append([]string{}, given...)}
	if rec.Request.User != "" && s.Request.User == "" {
		s.Request.User = rec.Request.User
	}
	r := rec
	s.resume = &r
}

// finishResume takes the first check of a resumed session: it is recorded
// as a re-test against the last saved answer, and the person is brought
// back to where they were.
func (s *Session) finishResume(res *probe.Result) []Effect {
	rec := s.resume
	s.resume = nil
	s.Initial, s.Last = res, res
	before := s.lastSnap()
	if s.savedLast != nil {
		before = *s.savedLast
	}
	after := Snap(res)
	out := Judge(0, before, after, nil)
	change := "the session was resumed"
	if len(s.Resumed.Given) > 0 {
		change += "; given again: " + strings.Join(s.Resumed.Given, ", ")
	}
	s.History = append(s.History, Retest{Step: 0, Change: change, Before: before, After: after, Outcome: out, At: s.Env.now()})
	note := "Resumed the session saved " + rec.Updated.Local().Format("2006-01-02 15:04") + "."
	if len(s.Resumed.LeftOut) > 0 {
		note += " Passwords, tokens and cookies are never saved; left out: " + strings.Join(s.Resumed.LeftOut, ", ") + "."
		if len(s.Resumed.Given) == 0 {
			note += " This check went without them: give them again with the same flags or environment variables, or type them in step 1 or 10."
		}
	}
	if len(s.Resumed.Given) > 0 {
		note += " Given again: " + strings.Join(s.Resumed.Given, ", ") + "."
	}
	s.Notice = note
	if after.OK() {
		s.Phase = PhaseResolved
		return nil
	}
	switch rec.Phase {
	case PhaseStep.String():
		if rec.Current >= 1 && rec.Current <= NumSteps {
			effs := s.goStep(rec.Current)
			s.Notice = note
			return effs
		}
	case PhaseAllTried.String():
		s.Current = rec.Current
		s.Phase = PhaseAllTried
		return nil
	}
	s.Phase = PhaseDiagnosis
	return nil
}
