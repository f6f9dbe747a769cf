package steps_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fix401/fix401/probe"
	"github.com/fix401/fix401/steps"
)

// driveSupport is drive with the support effects too: OAuth refreshes
// and security.txt lookups run for real.
func driveSupport(t *testing.T, s *steps.Session, effs []steps.Effect) {
	t.Helper()
	for len(effs) > 0 {
		e := effs[0]
		effs = effs[1:]
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		switch e.Kind {
		case steps.EffectCheck:
			res, err := probe.Run(ctx, e.Request)
			effs = append(effs, s.Apply(steps.Probed{Seq: e.Seq, Result: res, Err: err})...)
		case steps.EffectResolve:
			effs = append(effs, s.Apply(steps.DNSDone{Host: e.Host, Addrs: []string{"127.0.0.1"}})...)
		case steps.EffectAction:
			out, err := e.Action.Run(ctx)
			effs = append(effs, s.Apply(steps.ActionDone{Step: e.Step, Label: e.Action.Label, Output: out, Err: err})...)
		case steps.EffectRefresh:
			tok, err := probe.Refresh(ctx, e.Refresh)
			effs = append(effs, s.Apply(steps.Refreshed{Step: e.Step, Token: tok, Err: err})...)
		case steps.EffectFetchContacts:
			cs, err := probe.FetchSecurityTxt(ctx, e.Request.URL, e.Request.Insecure)
			effs = append(effs, s.Apply(steps.ContactsFetched{Contacts: cs, Err: err})...)
		default:
			t.Fatalf("unknown effect %v", e.Kind)
		}
		cancel()
	}
}

// The secrets of the report test, one per input form. Each is long
// enough that a mask shows its last 4 characters, never the rest.
const (
	secPassword = "Pa55-w0rd-very-secret-1"
	secBearer   = "bearer-SECRET-token-123456"
	secAPIKey   = "apikey-SECRET-7890abcdef"
	secCookie   = "cookie-SECRET-session-4242"
	secQuery    = "query-SECRET-access-token-99"
	secPasted   = "pasted-SECRET-token-from-step-10"
)

var allSecrets = []string{secPassword, secBearer, secAPIKey, secCookie, secQuery, secPasted}

// assertNoSecret fails when any secret (or its URL- or base64-encoded
// form) appears in out.
func assertNoSecret(t *testing.T, what, out string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		for _, form := range []string{sec, url.QueryEscape(sec), base64.StdEncoding.EncodeToString([]byte(sec)), sec[:len(sec)-4]} {
			if strings.Contains(out, form) {
				t.Errorf("%s holds the secret %q (as %q)", what, sec, form)
			}
		}
	}
}

// adminSite is a real server that refuses everything with a 401 that
// carries every clue a server can give: a Bearer challenge with realm,
// error, error_description and error_uri, request ids, a help link, a
// redirect first, and a security.txt. It echoes back what it was sent,
// secrets included, as careless servers do.
func adminSite(t *testing.T) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/security.txt":
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "Contact: mailto:security@admin.example.test\nExpires: 2999-01-01T00:00:00Z\n")
			return
		case "/start":
			http.Redirect(w, r, "/api/v1/me?"+r.URL.RawQuery, http.StatusFound)
			return
		}
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="admin-api", error="invalid_token", error_description="the token %s has expired", error_uri="https://help.admin.example.test/errors/401"`, tok))
		w.Header().Set("X-Request-Id", "req-7f3a9c21")
		w.Header().Set("Cf-Ray", "8a1b2c3d4e5f6789-AMS")
		w.Header().Set("X-Amzn-Requestid", "amzn-0d1e2f3a")
		w.Header().Set("Link", `<https://help.admin.example.test/support>; rel="help"; title="Support desk"`)
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, "refused: %s / %s / %s / %s\n", r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.Header.Get("Cookie"), r.URL.RawQuery)
	}))
	t.Cleanup(ts.Close)
	return ts
}

var testMeta = steps.ReportMeta{Version: "v9.9.9-test", OS: steps.ReportOS{GOOS: "linux", Arch: "amd64", Name: "TestOS 1.0"}}

// adminSession runs a session on adminSite with a secret in every input
// form: a bearer token, an API-key header, a cookie, a token in the query
// string; then answers step 6, skips step 4, pastes a token in step 10 and
// looks the security.txt up in step 9.
func adminSession(t *testing.T) (*steps.Session, *httptest.Server) {
	t.Helper()
	ts := adminSite(t)
	req := probe.Request{
		URL:     ts.URL + "/start?access_token=" + secQuery + "&page=2",
		Bearer:  secBearer,
		Headers: []probe.Field{{Name: "X-Api-Key", Value: secAPIKey}, {Name: "Accept", Value: "application/json"}},
		Cookies: []probe.Cookie{{Name: "session", Value: secCookie}},
		User:    "alice",
	}
	s := steps.NewSession(steps.Env{GOOS: "linux"}, req)
	driveSupport(t, s, s.Apply(steps.Start{URL: req.URL}))
	if s.Phase != steps.PhaseDiagnosis {
		t.Fatalf("phase %v after the first check (error %q)", s.Phase, s.Error)
	}
	driveSupport(t, s, s.Apply(steps.Jump{Step: 6}))
	driveSupport(t, s, s.Apply(steps.Answer{Works: false}))
	driveSupport(t, s, s.Apply(steps.Jump{Step: 4}))
	driveSupport(t, s, s.Apply(steps.Skip{}))
	driveSupport(t, s, s.Apply(steps.Jump{Step: 10}))
	driveSupport(t, s, s.Apply(steps.Submit{Values: []string{"Bearer " + secPasted + "\n"}}))
	if s.Phase != steps.PhaseResult {
		t.Fatalf("phase %v after step 10 (error %q)", s.Phase, s.Error)
	}
	driveSupport(t, s, s.Apply(steps.Jump{Step: 9}))
	st := s.Step(9)
	idx := -1
	for i, a := range st.Actions {
		if strings.Contains(a.Label, "security contact") {
			idx = i
		}
	}
	if idx < 0 {
		t.Fatalf("step 9 offers no security.txt lookup: %+v", st.Actions)
	}
	driveSupport(t, s, s.Apply(steps.RunAction{Index: idx}))
	if !s.SecurityTxt.Asked || len(s.SecurityTxt.Contacts) == 0 {
		t.Fatalf("security.txt: %+v (error %q)", s.SecurityTxt, s.Error)
	}
	return s, ts
}

func TestSupportReportFromRealUnauthorized(t *testing.T) {
	s, ts := adminSession(t)
	host := strings.TrimPrefix(ts.URL, "http://")
	rep := s.SupportReport(testMeta)
	mdText := rep.Markdown()
	js, err := steps.EncodeReport(rep, "r.json")
	if err != nil {
		t.Fatal(err)
	}
	short := rep.Short("/tmp/fix401-report.md")
	rec, err := json.Marshal(s.Record(false))
	if err != nil {
		t.Fatal(err)
	}

	// Every part the administrator needs, in the Markdown.
	for _, want := range []string{
		"# fix401 support report",
		host + "/start?access_token=" + probe.Mask, // The URL, its token masked.
		"fix401 v9.9.9-test on TestOS 1.0 (linux/amd64)",
		"session started",
		"401 Unauthorized",
		"`unauthorized`",                                          // The verdict.
		"bearer-invalid-token",                                    // A finding id.
		"realm: `admin-api`",                                      // The server's clues.
		"error: `invalid_token`",                                  // …
		"error_description: `the token " + probe.Mask,             // …
		"error_uri: `https://help.admin.example.test/errors/401`", // …
		"X-Request-Id: req-7f3a9c21",                              // Request ids.
		"Cf-Ray: 8a1b2c3d4e5f6789-AMS",                            // …
		"X-Amzn-Requestid: amzn-0d1e2f3a",                         // …
		"### Redirect chain",                                      // The chain.
		"→ 302, Location:",                                        // …
		"/api/v1/me",                                              // …
		"## Re-tests",                                             // Re-tests with time, status, change.
		"you tried it in your browser: it still fails",            // …
		"a new token (",                                           // …
		"401 Unauthorized → 401 Unauthorized",                     // …
		"| skipped |",                                             // Steps and their states.
		"still fails",                                             // The person's answer.
		"## Who to contact",                                       // Contacts: error_uri, Link rel=help, security.txt.
		"`https://help.admin.example.test/errors/401` — WWW-Authenticate",
		"`https://help.admin.example.test/support` — Link header",
		"`mailto:security@admin.example.test`",
		"## What the administrator should check",
		"Search the server's logs for X-Request-Id: req-7f3a9c21",
		"access token was refused as invalid",
		"## Left out",
		"the bearer token",
	} {
		if !strings.Contains(mdText, want) {
			t.Errorf("the Markdown report lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("report:\n%s", mdText)
	}

	// The JSON form validates against the documented schema, and holds
	// the same parts.
	schema := loadSchema(t, filepath.Join("..", "docs", "report.schema.json"))
	if errs := schema.Validate(js); len(errs) > 0 {
		t.Errorf("the JSON report breaks docs/report.schema.json:\n%s", strings.Join(errs, "\n"))
	}
	// The validation has teeth: a report that lacks a part, has one too
	// many or a value out of its set fails.
	for name, mutate := range map[string]func(m map[string]any){
		"no retests":    func(m map[string]any) { delete(m, "retests") },
		"unknown field": func(m map[string]any) { m["password"] = "x" },
		"bad state":     func(m map[string]any) { m["steps"].([]any)[0].(map[string]any)["state"] = "bogus" },
		"bad step":      func(m map[string]any) { m["first_check"].(map[string]any)["recommended_steps"] = []any{11} },
	} {
		var m map[string]any
		json.Unmarshal(js, &m)
		mutate(m)
		bad, _ := json.Marshal(m)
		if errs := schema.Validate(bad); len(errs) == 0 {
			t.Errorf("%s: passed the schema", name)
		}
	}
	strict := json.NewDecoder(strings.NewReader(string(js)))
	strict.DisallowUnknownFields()
	var back steps.SupportReport
	if err := strict.Decode(&back); err != nil {
		t.Fatalf("strict decode: %v", err)
	}
	fc := back.FirstCheck
	if fc == nil || fc.Status != 401 || fc.Verdict != probe.VerdictUnauthorized || len(fc.Redirects) != 2 || fc.Redirects[0].Status != 302 {
		t.Fatalf("first check: %+v", fc)
	}
	if len(fc.Challenges) != 1 || fc.Challenges[0].Realm != "admin-api" || fc.Challenges[0].Error != "invalid_token" ||
		fc.Challenges[0].ErrorURI != "https://help.admin.example.test/errors/401" || !strings.Contains(fc.Challenges[0].ErrorDescription, "has expired") {
		t.Errorf("challenges: %+v", fc.Challenges)
	}
	if len(fc.RequestIDs) < 3 {
		t.Errorf("request ids: %v", fc.RequestIDs)
	}
	if back.LatestCheck == nil || len(back.Retests) != 2 || back.Retests[0].Step != 6 || back.Retests[0].Answer != "still fails" || back.Retests[1].Step != 10 {
		t.Errorf("retests: %+v", back.Retests)
	}
	kinds := map[string]bool{}
	for _, c := range back.Contacts {
		kinds[c.Kind] = true
	}
	for _, k := range []string{probe.ContactErrorURI, probe.ContactHelpLink, probe.ContactSecurityTxt} {
		if !kinds[k] {
			t.Errorf("no %s contact in %+v", k, back.Contacts)
		}
	}
	states := map[int]string{}
	for _, st := range back.Steps {
		states[st.Number] = st.State
	}
	if states[4] != "skipped" || states[6] != "done" || states[10] != "done" || len(back.Steps) != 10 {
		t.Errorf("steps: %+v", back.Steps)
	}
	if back.OS.Name != "TestOS 1.0" || back.Fix401 != "v9.9.9-test" || back.GeneratedAt.IsZero() || back.Session.State != steps.ReportInProgress {
		t.Errorf("meta: %+v %q %v %+v", back.OS, back.Fix401, back.GeneratedAt, back.Session)
	}
	if len(back.AdminChecks) == 0 {
		t.Error("no admin checks")
	}

	// The short summary says where the full report is.
	for _, want := range []string{"401 Unauthorized", "Request id: X-Request-Id: req-7f3a9c21", "Full report: /tmp/fix401-report.md", "Steps skipped: 4"} {
		if !strings.Contains(short, want) {
			t.Errorf("the short summary lacks %q:\n%s", want, short)
		}
	}

	// No secret anywhere, although the server echoed them all back.
	for what, out := range map[string]string{"Markdown report": mdText, "JSON report": string(js), "short summary": short, "saved session": string(rec), "step 9 screen": strings.Join(s.Step(9).Info, "\n"), "technical view": strings.Join(s.Technical(), "\n")} {
		assertNoSecret(t, what, out, allSecrets...)
	}
}

// TestReportMarkdownEscapesServerText: a hostile server's words cannot
// become links, images or table cells in the Markdown report.
func TestReportMarkdownEscapesServerText(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", "Basic realm=\"[click](https://evil.example/) | ![img](https://evil.example/x.png) <script>\x1b[31m\"")
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer ts.Close()
	s := steps.NewSession(steps.Env{}, probe.Request{URL: ts.URL})
	driveSupport(t, s, s.Apply(steps.Start{URL: ts.URL}))
	md := s.SupportReport(testMeta).Markdown()
	if strings.Contains(md, "\x1b") {
		t.Error("an escape sequence reached the report")
	}
	// Outside code spans (which show text literally), no link, image or
	// HTML tag may start unescaped.
	prose := codeSpan.ReplaceAllString(md, "")
	if m := unescapedMarkup.FindString(prose); m != "" {
		t.Errorf("the report holds unescaped markup %q:\n%s", m, md)
	}
	if !strings.Contains(md, "[click](https://evil.example/)") {
		t.Errorf("the realm is not kept literally in a code span:\n%s", md)
	}
}

var (
	codeSpan        = regexp.MustCompile("(`+)[^`]*?(`+)")
	unescapedMarkup = regexp.MustCompile(`(^|[^\\])(\]\(|<[a-z]|!\[)`)
)
