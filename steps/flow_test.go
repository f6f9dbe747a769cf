package steps_test

import (
	"context"
	"encoding/base64"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fix401/fix401/internal/demo"
	"github.com/fix401/fix401/probe"
	"github.com/fix401/fix401/steps"
)

// drive runs the effects a session asks for, synchronously, with the real
// probe.Run, feeding the results back, until no effect is left.
func drive(t *testing.T, s *steps.Session, effs []steps.Effect) {
	t.Helper()
	for len(effs) > 0 {
		e := effs[0]
		effs = effs[1:]
		switch e.Kind {
		case steps.EffectCheck:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			res, err := probe.Run(ctx, e.Request)
			cancel()
			effs = append(effs, s.Apply(steps.Probed{Seq: e.Seq, Result: res, Err: err})...)
		case steps.EffectResolve:
			effs = append(effs, s.Apply(steps.DNSDone{Host: e.Host, Addrs: []string{"127.0.0.1"}})...)
		case steps.EffectAction:
			out, err := e.Action.Run(context.Background())
			effs = append(effs, s.Apply(steps.ActionDone{Step: e.Step, Label: e.Action.Label, Output: out, Err: err})...)
		}
	}
}

func demoSession(t *testing.T, scenario string) (*steps.Session, demo.Setup) {
	t.Helper()
	srv, err := demo.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	setup, err := srv.Scenario(scenario, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	s := steps.NewSession(steps.Env{GOOS: "linux", Actions: setup.Actions}, setup.Request)
	drive(t, s, s.Apply(steps.Start{URL: setup.Request.URL}))
	return s, setup
}

func TestStartValidatesURL(t *testing.T) {
	s := steps.NewSession(steps.Env{}, probe.Request{})
	for _, bad := range []string{"", "ftp://x", "http://", "a b"} {
		if effs := s.Apply(steps.Start{URL: bad}); effs != nil || s.Error == "" || s.Phase != steps.PhaseURL {
			t.Errorf("Start(%q): effects %v, error %q, phase %v", bad, effs, s.Error, s.Phase)
		}
	}
	effs := s.Apply(steps.Start{URL: "example.com/x"})
	if len(effs) != 1 || effs[0].Kind != steps.EffectCheck || effs[0].Request.URL != "https://example.com/x" {
		t.Fatalf("effects %+v", effs)
	}
	if s.Phase != steps.PhaseProbing {
		t.Fatalf("phase %v", s.Phase)
	}
	// A stale result (wrong sequence number) is ignored.
	s.Apply(steps.Probed{Seq: effs[0].Seq + 7, Result: &probe.Result{}})
	if s.Phase != steps.PhaseProbing {
		t.Fatalf("stale result moved the phase to %v", s.Phase)
	}
	// Back cancels the check.
	effs = s.Apply(steps.Back{})
	if len(effs) != 1 || effs[0].Kind != steps.EffectCancel || s.Phase != steps.PhaseURL {
		t.Fatalf("cancel: %+v phase %v", effs, s.Phase)
	}
}

func TestBasicFixedInStep1(t *testing.T) {
	s, _ := demoSession(t, "basic")
	s.Request.User, s.Request.Password, s.Request.HasUser = demo.User, "wonderlnad", true
	drive(t, s, s.Apply(steps.RetestNow{}))
	if s.Phase != steps.PhaseResult || steps.Snap(s.Last).Status != 401 {
		t.Fatalf("phase %v status %d", s.Phase, steps.Snap(s.Last).Status)
	}
	drive(t, s, s.Apply(steps.Jump{Step: 1}))
	st := s.Step(1)
	if len(st.Fields) != 2 || st.Fields[0].Name != steps.FieldUser || !st.Fields[1].Secret {
		t.Fatalf("step 1 fields %+v", st.Fields)
	}
	drive(t, s, s.Apply(steps.Submit{Values: []string{demo.User, demo.Password}}))
	if s.Phase != steps.PhaseResolved || s.FixedBy != 1 || s.StepState(1) != steps.StateFixed {
		t.Fatalf("phase %v fixedBy %d state %v (error %q)", s.Phase, s.FixedBy, s.StepState(1), s.Error)
	}
	last := s.LastRetest()
	if last.Before.Status != 401 || last.After.Status != 200 || last.Outcome != steps.OutcomeFixed {
		t.Fatalf("retest %+v", last)
	}
	for _, l := range append(s.Report(), s.Technical()...) {
		if strings.Contains(l, demo.Password) || strings.Contains(l, "wonderlnad") {
			t.Fatalf("password in %q", l)
		}
	}
}

func TestExpiredTokenFixedInStep10(t *testing.T) {
	s, _ := demoSession(t, "expired-token")
	if s.Phase != steps.PhaseDiagnosis || s.Diagnosis().Status != 401 {
		t.Fatalf("phase %v", s.Phase)
	}
	drive(t, s, s.Apply(steps.Jump{Step: 10}))
	st := s.Step(10)
	// The demo's own action comes first; the OAuth refresh follows it.
	if len(st.Actions) == 0 || st.Actions[0].Kind != steps.ActionSubmit {
		t.Fatalf("actions %+v", st.Actions)
	}
	// Skipping through the same token first: no change.
	drive(t, s, s.Apply(steps.Continue{}))
	if s.Phase != steps.PhaseResult || s.LastRetest().Outcome != steps.OutcomeNoChange {
		t.Fatalf("phase %v outcome %v", s.Phase, s.LastRetest().Outcome)
	}
	drive(t, s, s.Apply(steps.Back{}))
	drive(t, s, s.Apply(steps.RunAction{Index: 0}))
	if s.Phase != steps.PhaseResolved || s.FixedBy != 10 {
		t.Fatalf("phase %v fixedBy %d error %q", s.Phase, s.FixedBy, s.Error)
	}
}

func TestRedirectFixedInStep4(t *testing.T) {
	s, _ := demoSession(t, "redirect")
	if s.Phase != steps.PhaseDiagnosis {
		t.Fatalf("phase %v", s.Phase)
	}
	drive(t, s, s.Apply(steps.Jump{Step: 4}))
	st := s.Step(4)
	if len(st.Fields) != 1 || !strings.Contains(st.Fields[0].Value, "localhost") {
		t.Fatalf("url field %+v", st.Fields)
	}
	info := strings.Join(st.Info, "\n")
	if !strings.Contains(info, "dropped") {
		t.Errorf("chain does not show the drop:\n%s", info)
	}
	drive(t, s, s.Apply(steps.Submit{Values: []string{st.Fields[0].Value}}))
	if s.Phase != steps.PhaseResolved || s.FixedBy != 4 {
		t.Fatalf("phase %v fixedBy %d error %q", s.Phase, s.FixedBy, s.Error)
	}
}

// TestDNSStepSaysWhatAnswered: step 5's notes fit the case — an IP
// address involves no DNS, a refused connection is not "some server
// answered", and an answer is named by its status.
func TestDNSStepSaysWhatAnswered(t *testing.T) {
	forbidden := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	}))
	t.Cleanup(forbidden.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	_, forbiddenPort, _ := net.SplitHostPort(forbidden.Listener.Addr().String())
	_, closedPort, _ := net.SplitHostPort(closed.Listener.Addr().String())
	cases := []struct {
		url       string
		want, not string
	}{
		{"http://127.0.0.1:" + closedPort + "/", "is an IP address", "resolves to"},
		{"http://localhost:" + closedPort + "/", "Nothing answered.", "some server answered"},
		{"http://localhost:" + forbiddenPort + "/", "Some server answered (403 Forbidden)", "A 401"},
	}
	for _, c := range cases {
		s := steps.NewSession(steps.Env{GOOS: "linux"}, probe.Request{URL: c.url})
		drive(t, s, s.Apply(steps.Start{URL: c.url}))
		drive(t, s, s.Apply(steps.Jump{Step: 5}))
		info := strings.Join(s.Step(5).Info, "\n")
		if !strings.Contains(info, c.want) || strings.Contains(info, c.not) {
			t.Errorf("%s: step 5 says\n%s\nwant %q, not %q", c.url, info, c.want, c.not)
		}
	}
}

// TestStep1SaysWhatTheServerAskedOnlyWhenItAnswered: "the server did not
// say which kind of login it wants" fits a 401 without a challenge, not a
// connection nobody answered nor a 403.
func TestStep1SaysWhatTheServerAskedOnlyWhenItAnswered(t *testing.T) {
	status := func(code int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	const notSaid = "did not say which kind of login"
	cases := []struct {
		url  string
		said bool
	}{
		{closed.URL, false},
		{status(http.StatusForbidden), false},
		{status(http.StatusUnauthorized), true},
	}
	for _, c := range cases {
		s := steps.NewSession(steps.Env{GOOS: "linux"}, probe.Request{URL: c.url})
		drive(t, s, s.Apply(steps.Start{URL: c.url}))
		info := strings.Join(s.Step(1).Info, "\n")
		if strings.Contains(info, notSaid) != c.said {
			t.Errorf("%s (%s): step 1 says\n%s", c.url, steps.Snap(s.Last).StatusText(), info)
		}
	}
}

// TestProxyLoginInStep1: after a proxy's 407, step 1 asks for the
// proxy's login (not the site's) and re-tests through the proxy with it.
func TestProxyLoginInStep1(t *testing.T) {
	const secret = "proxy-pw-Qz771"
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(`CORP\alice:`+secret))
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Proxy-Authorization") != want {
			w.Header().Set("Proxy-Authenticate", `Basic realm="corp"`)
			w.WriteHeader(http.StatusProxyAuthRequired)
			return
		}
		w.Write([]byte("through"))
	}))
	t.Cleanup(proxy.Close)
	req := probe.Request{URL: "http://site.example.test/", Proxy: proxy.URL}
	s := steps.NewSession(steps.Env{GOOS: "linux"}, req)
	drive(t, s, s.Apply(steps.Start{URL: req.URL}))
	if st := steps.Snap(s.Last); st.Status != http.StatusProxyAuthRequired {
		t.Fatalf("first check: %s", st.StatusText())
	}
	drive(t, s, s.Apply(steps.Jump{Step: 1}))
	st := s.Step(1)
	if len(st.Fields) != 2 || st.Fields[0].Name != steps.FieldProxyUser || !strings.Contains(strings.Join(st.Instructions, " "), "proxy") {
		t.Fatalf("step 1 does not ask for the proxy's login: %+v", st)
	}
	drive(t, s, s.Apply(steps.Submit{Values: []string{`CORP\alice`, secret}}))
	if !s.Resolved() || s.FixedBy != 1 {
		t.Fatalf("not resolved through the proxy: %s (error %q)", steps.Snap(s.Last).StatusText(), s.Error)
	}
	if s.Request.HasUser {
		t.Error("the proxy's login was sent as the site's")
	}
	r := s.LastRetest()
	if r == nil || strings.Contains(r.Change, secret) || !strings.Contains(r.Change, "proxy") {
		t.Errorf("change %+v", r)
	}
}

// TestStepShownIsCurrent: going back to a tried step shows it as the
// current one again, and its result as tried.
func TestStepShownIsCurrent(t *testing.T) {
	s, _ := demoSession(t, "basic")
	drive(t, s, s.Apply(steps.Continue{}))
	drive(t, s, s.Apply(steps.Submit{Values: []string{"alice", "not-it"}}))
	if s.Phase != steps.PhaseResult || s.StepState(1) != steps.StateDone {
		t.Fatalf("after the re-test: phase %v, step 1 %v", s.Phase, s.StepState(1))
	}
	drive(t, s, s.Apply(steps.Back{}))
	if s.Phase != steps.PhaseStep || s.Current != 1 || s.StepState(1) != steps.StateCurrent {
		t.Fatalf("back on step 1: phase %v, current %d, state %v", s.Phase, s.Current, s.StepState(1))
	}
}
