package steps_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fix401/fix401/internal/hartest"
	"github.com/fix401/fix401/probe"
	"github.com/fix401/fix401/steps"
)

// The secrets of the recorded session.
const (
	harStaleToken = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c3RhbGUtc2lnbmF0dXJl"
	harSession    = "sess-7f3a9c2e1b4d8f60"
	harPassword   = "Corr3ct-H0rse-Battery"
	harFresh      = "fresh-tok-2b9e41c7d5a8"
)

// harFile reads a Chrome HAR export of entries.
func harFile(t testing.TB, entries []hartest.Entry) *probe.HARLog {
	t.Helper()
	log, err := probe.ReadHAR(bytes.NewReader(hartest.JSON("WebInspector", entries)))
	if err != nil {
		t.Fatal(err)
	}
	return log
}

// ordersServer answers /api/orders only with the fresh token, and records
// what each request carried.
type ordersServer struct {
	mu   sync.Mutex
	seen []http.Header
}

func (o *ordersServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	o.seen = append(o.seen, r.Header.Clone())
	o.mu.Unlock()
	if r.Header.Get("Authorization") == "Bearer "+harFresh {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"orders":[]}`))
		return
	}
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	w.WriteHeader(http.StatusUnauthorized)
}

func (o *ordersServer) last() http.Header {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.seen[len(o.seen)-1]
}

// recordedSession is a HAR of a web app whose token went stale: two
// failed requests (so the person picks one), the first replayable against
// srv.
func recordedSession(t testing.TB, base string) *probe.HARLog {
	return harFile(t, []hartest.Entry{
		{Method: "POST", URL: base + "/login", Post: "user=ann&password=" + harPassword, Status: 200,
			Headers: [][2]string{{"Content-Type", "application/x-www-form-urlencoded"}}},
		{Method: "GET", URL: base + "/api/orders?page=1", Status: 401, Headers: [][2]string{
			{"Authorization", "Bearer " + harStaleToken},
			{"Cookie", "session=" + harSession + "; theme=dark"},
			{"X-Requested-With", "XMLHttpRequest"},
			{"Sec-Fetch-Mode", "cors"},
			{"User-Agent", "Mozilla/5.0 Chrome/126.0"},
			{"Accept-Encoding", "gzip, deflate, br, zstd"},
			{"If-None-Match", `"abc"`},
			{"Connection", "keep-alive"},
			{"Host", "elsewhere.example"},
			{"Content-Length", "0"},
		}},
		{Method: "GET", URL: base + "/api/admin", Status: 403, Headers: [][2]string{{"Authorization", "Bearer " + harStaleToken}}},
	})
}

func TestReplayRequest(t *testing.T) {
	log := recordedSession(t, "https://app.example.com")
	req := steps.ReplayRequest(&log.Entries[1])
	var names []string
	for _, h := range req.Headers {
		names = append(names, h.Name)
	}
	want := []string{"Authorization", "Sec-Fetch-Mode", "User-Agent", "X-Requested-With"}
	if !slices.Equal(names, want) {
		t.Errorf("headers %q, want %q", names, want)
	}
	if req.Method != "GET" || req.URL != "https://app.example.com/api/orders?page=1" {
		t.Errorf("request %s %s", req.Method, req.URL)
	}
	if len(req.Cookies) != 2 || req.Cookies[0].Name != "session" || req.Cookies[0].Value != harSession || req.Cookies[1].Name != "theme" {
		t.Errorf("cookies %+v", req.Cookies)
	}
	login := steps.ReplayRequest(&log.Entries[0])
	if login.Body != "user=ann&password="+harPassword || login.Method != "POST" {
		t.Errorf("login replay %s %q", login.Method, login.Body)
	}
	// A hostile file cannot smuggle a header in.
	e := probe.HAREntry{Method: "GET", URL: "https://x.example/", RequestHeader: http.Header{
		"Bad Name": {"v"}, "X-Split": {"a\r\nInjected: yes"}, "X-Ok": {"fine"}}}
	r := steps.ReplayRequest(&e)
	if len(r.Headers) != 1 || r.Headers[0].Name != "X-Ok" {
		t.Errorf("headers %+v", r.Headers)
	}
}

// TestHARSessionPickReplayFix: the person picks the failed request, the
// diagnosis is the browser's record, and the live replay is fixed in step
// 10 with a fresh token; no secret of the file reaches any text.
func TestHARSessionPickReplayFix(t *testing.T) {
	srv := &ordersServer{}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	log := recordedSession(t, ts.URL)
	s := steps.NewSession(steps.Env{GOOS: "linux"}, probe.Request{})
	s.Apply(steps.OpenHAR{HAR: steps.HAR{Log: log, Name: "app.har", Entry: -1}})
	if s.Phase != steps.PhasePick {
		t.Fatalf("phase %v, error %q", s.Phase, s.Error)
	}
	choices := s.HARChoices()
	if len(choices) != 2 || choices[0].Number != 2 || !strings.Contains(choices[0].Label, "401 Unauthorized · GET") || choices[1].Number != 3 {
		t.Fatalf("choices %+v", choices)
	}
	s.Apply(steps.Pick{Index: 7})
	if s.Phase != steps.PhasePick || s.Notice == "" {
		t.Fatal("an out-of-range pick was taken")
	}
	s.Apply(steps.Pick{Index: 0})
	if s.Phase != steps.PhaseDiagnosis || s.Last.Exchange.Facts.Source != "har" || steps.Snap(s.Last).Status != 401 {
		t.Fatalf("phase %v source %q", s.Phase, s.Last.Exchange.Facts.Source)
	}
	// Back goes to the list; picking again starts over.
	s.Apply(steps.Back{})
	if s.Phase != steps.PhasePick {
		t.Fatalf("back from the diagnosis: %v", s.Phase)
	}
	s.Apply(steps.Pick{Index: 0})

	// A re-test replays the recorded request live.
	run(t, s, s.Apply(steps.RetestNow{}))
	got := srv.last()
	if got.Get("Authorization") != "Bearer "+harStaleToken || got.Get("X-Requested-With") != "XMLHttpRequest" ||
		!strings.Contains(got.Get("Cookie"), "session="+harSession) || got.Get("If-None-Match") != "" {
		t.Fatalf("replay carried %v", got)
	}
	if r := s.LastRetest(); r == nil || r.After.Status != 401 {
		t.Fatalf("re-test %+v", r)
	}

	run(t, s, s.Apply(steps.Jump{Step: 10}))
	run(t, s, s.Apply(steps.Submit{Values: []string{harFresh}}))
	if !s.Resolved() || s.FixedBy != 10 {
		t.Fatalf("not fixed: phase %v error %q", s.Phase, s.Error)
	}
	if got := srv.last(); !strings.Contains(got.Get("Cookie"), "session="+harSession) {
		t.Fatalf("the fixed replay lost the browser's cookies: %v", got)
	}

	var all []string
	for n := 1; n <= steps.NumSteps; n++ {
		st := s.Step(n)
		all = append(all, st.Why...)
		all = append(all, st.Info...)
		all = append(all, st.Instructions...)
		all = append(all, st.HelpDesk...)
	}
	all = append(all, s.Report()...)
	all = append(all, s.Technical()...)
	all = append(all, s.HARSummary())
	for _, c := range choices {
		all = append(all, c.Label)
	}
	text := strings.Join(all, "\n")
	for _, secret := range []string{harStaleToken, harSession, harPassword, harFresh} {
		if strings.Contains(text, secret) {
			t.Errorf("secret %.6s… shown", secret)
		}
	}
}

func TestHARSessionOneFailureStartsAtOnce(t *testing.T) {
	log := harFile(t, []hartest.Entry{{Method: "GET", URL: "https://app.example.com/x", Status: 401}})
	s := steps.NewSession(steps.Env{}, probe.Request{Proxy: "http://proxy.example:3128", Insecure: true})
	s.Apply(steps.OpenHAR{HAR: steps.HAR{Log: log, Name: "x.har", Entry: -1}})
	if s.Phase != steps.PhaseDiagnosis {
		t.Fatalf("phase %v", s.Phase)
	}
	// The transport settings given on the command line stay.
	if s.Request.Proxy != "http://proxy.example:3128" || !s.Request.Insecure || s.Request.URL != "https://app.example.com/x" {
		t.Fatalf("request %+v", s.Request)
	}
	s.Apply(steps.Back{})
	if s.Phase != steps.PhaseDiagnosis {
		t.Fatalf("back with one failure: %v", s.Phase)
	}
	none := harFile(t, []hartest.Entry{{Method: "GET", URL: "https://app.example.com/x", Status: 200}})
	s = steps.NewSession(steps.Env{}, probe.Request{})
	s.Apply(steps.OpenHAR{HAR: steps.HAR{Log: none, Name: "ok.har", Entry: -1}})
	if s.Phase != steps.PhaseURL || !strings.Contains(s.Error, "ok.har") {
		t.Fatalf("phase %v error %q", s.Phase, s.Error)
	}
}
