package tui

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/fix401/fix401/internal/demo"
	"github.com/fix401/fix401/probe"
	"github.com/fix401/fix401/steps"
)

// clipboard records what the wizard copied with the native tool.
type clipboard struct {
	mu   sync.Mutex
	text []string
}

func (c *clipboard) copy(_ context.Context, text string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.text = append(c.text, text)
	return "copied with test-clip"
}

func (c *clipboard) last() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.text) == 0 {
		return ""
	}
	return c.text[len(c.text)-1]
}

func TestWizardSavesAfterEveryStepAndWritesReports(t *testing.T) {
	dir := t.TempDir()
	store := steps.NewStore(dir)
	clip := &clipboard{}
	cfg := demoConfig(t, "basic", true)
	cfg.Support = Support{Store: store, Copy: clip.copy, Meta: steps.ReportMeta{Version: "test", OS: steps.ReportOS{GOOS: "linux", Name: "TestOS"}}}
	d := newDriver(t, New(cfg), 100, 40)
	d.send(startMsg{})
	sess := d.model().sess
	rec, err := store.Latest()
	if err != nil || rec.Phase != "diagnosis" || rec.ID != sess.ID {
		t.Fatalf("after the first check: %+v %v", rec, err)
	}
	// Step 1 with a wrong password: the re-test is saved.
	d.key("enter", "ctrl+u")
	d.typeText("alice")
	d.key("tab")
	d.typeText("not-the-password")
	d.key("enter")
	rec, _ = store.Latest()
	if len(rec.History) != 1 || rec.History[0].Step != 1 {
		t.Fatalf("after step 1: history %+v", rec.History)
	}
	raw, _ := os.ReadFile(store.SessionPath(rec.ID))
	for _, secret := range []string{"not-the-password", demo.Password, "wonderlnad"} {
		if strings.Contains(string(raw), secret) {
			t.Fatalf("the state file holds %q", secret)
		}
	}

	// w writes the report and shows where.
	d.key("w")
	f := ansi.Strip(d.frame())
	want := filepath.Join(store.ReportDir(), steps.ReportFileName(rec.ID))
	if !strings.Contains(f, "Written to") || !strings.Contains(strings.ReplaceAll(f, "\n", ""), filepath.Base(want)) {
		t.Fatalf("no path on screen:\n%s", f)
	}
	md, err := os.ReadFile(want)
	if err != nil || !strings.Contains(string(md), "# fix401 support report") || !strings.Contains(string(md), "step 1 (Confirm your login information)") {
		t.Fatalf("report %v:\n%s", err, md)
	}
	lines := strings.Split(strings.TrimRight(f, "\n"), "\n")
	if foot := lines[len(lines)-1]; !strings.Contains(foot, "enter close") {
		t.Errorf("the footer does not say that enter closes the panel: %q", foot)
	}
	if fi, _ := os.Stat(want); fi.Mode().Perm() != 0o600 {
		t.Errorf("report mode %v", fi.Mode().Perm())
	}
	d.key("esc")
	if strings.Contains(ansi.Strip(d.frame()), "Written to") {
		t.Fatal("esc did not close the report panel")
	}

	// c copies the summary (native tool and OSC 52) and shows it.
	var cmd tea.Cmd
	d.m, cmd = d.m.Update(keyMsg("c"))
	msg := cmd().(reportMsg)
	var clipCmd tea.Cmd
	d.m, clipCmd = d.m.Update(msg)
	if clipCmd == nil {
		t.Fatal("no OSC 52 clipboard command")
	}
	got := clip.last()
	if !strings.Contains(got, "Full report: "+want) || !strings.Contains(got, "401 Unauthorized") {
		t.Fatalf("copied:\n%s", got)
	}
	f = ansi.Strip(d.frame())
	if !strings.Contains(f, "copied with test-clip") || !strings.Contains(f, "fix401 support report for") {
		t.Fatalf("the summary is not shown:\n%s", f)
	}
	for _, secret := range []string{"not-the-password", "wonderlnad"} {
		if strings.Contains(got, secret) || strings.Contains(string(md), secret) {
			t.Fatalf("secret %q in the report or summary", secret)
		}
	}
	d.key("b")

	// Fixed: the saved session is finished, and the final report says so.
	d.key("1", "tab")
	d.typeText(demo.Password)
	d.key("enter")
	if !d.model().Outcome().Resolved {
		t.Fatal("not resolved")
	}
	rec2, err := steps.LoadRecord(store.SessionPath(rec.ID))
	if err != nil || !rec2.Finished {
		t.Fatalf("the finished session is not marked finished: %v %v", rec2.Finished, err)
	}
	path, _, saveErr, err := FinalReport(d.model().Outcome(), cfg.Support)
	if err != nil || saveErr != nil || path != want {
		t.Fatalf("final report %q %v %v", path, err, saveErr)
	}
	md, _ = os.ReadFile(path)
	if !strings.Contains(string(md), "Resolved: step 1 (Confirm your login information) fixed it") {
		t.Errorf("final report:\n%s", md)
	}
	if _, err := store.Latest(); err == nil {
		t.Error("a finished session is offered for resuming")
	}
}

// TestWizardGoesOnWhenStateCannotBeSaved: a state directory that cannot
// be written (under a regular file: ENOTDIR, which stops root too) gives a
// clear message and the session goes on; the report falls back to the
// temporary directory.
func TestWizardGoesOnWhenStateCannotBeSaved(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	os.WriteFile(file, []byte("x"), 0o600)
	cfg := demoConfig(t, "basic", true)
	cfg.Support = Support{Store: steps.NewStore(filepath.Join(file, "state"))}
	d := newDriver(t, New(cfg), 100, 40)
	d.send(startMsg{})
	f := ansi.Strip(d.frame())
	if !strings.Contains(f, "Progress could not be saved") || !strings.Contains(strings.Join(strings.Fields(f), " "), "not a directory") {
		t.Fatalf("no clear message:\n%s", f)
	}
	d.key("enter")
	if d.model().sess.Phase != steps.PhaseStep {
		t.Fatalf("the session did not go on: %v", d.model().sess.Phase)
	}
	d.key("esc", "w")
	f = ansi.Strip(d.frame())
	if !strings.Contains(f, "Written to") || !strings.Contains(f, "usual place could not be written") {
		t.Fatalf("report fallback:\n%s", f)
	}
	p := filepath.Join(os.TempDir(), steps.ReportFileName(d.model().sess.ID))
	defer os.Remove(p)
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}

	// A chosen report path that cannot be written: a clear message, and
	// the wizard goes on.
	cfg.Support.ReportPath = filepath.Join(file, "r.md")
	d = newDriver(t, New(cfg), 100, 40)
	d.send(startMsg{})
	d.key("w")
	f = ansi.Strip(d.frame())
	if !strings.Contains(f, "The report could not be written") {
		t.Fatalf("no message:\n%s", f)
	}
	d.key("b", "enter")
	if d.model().sess.Phase != steps.PhaseStep {
		t.Fatal("the wizard did not go on")
	}
}

// TestWizardResumes: a saved session continues at its step, with its
// history, and says what was not saved.
func TestWizardResumes(t *testing.T) {
	store := steps.NewStore(t.TempDir())
	cfg := demoConfig(t, "basic", true)
	cfg.Support = Support{Store: store}
	d := newDriver(t, New(cfg), 100, 40)
	d.send(startMsg{})
	d.key("enter", "esc", "s") // Skip step 1.
	d.key("esc", "3", "enter") // Step 3 done: a re-test.
	d.key("enter")             // On to the next step.
	first := d.model().sess
	wantStep := first.Current
	rec, err := store.Latest()
	if err != nil || rec.Current != wantStep {
		t.Fatalf("saved %+v %v, want step %d", rec.Current, err, wantStep)
	}
	cfg2 := demoConfig(t, "basic", true)
	cfg2.Request = rec.RequestOf()
	cfg2.Support = Support{Store: store, Resume: &rec}
	d2 := newDriver(t, New(cfg2), 100, 40)
	d2.send(startMsg{})
	s := d2.model().sess
	if s.Phase != steps.PhaseStep || s.Current != wantStep || s.States[1] != steps.StateSkipped || s.States[3] != steps.StateDone {
		t.Fatalf("resumed at %v step %d, states %v", s.Phase, s.Current, s.States)
	}
	f := ansi.Strip(d2.frame())
	if !strings.Contains(strings.Join(strings.Fields(f), " "), "Resumed the session") {
		t.Errorf("the person is not told:\n%s", f)
	}
}

// TestWizardOAuthFormInMaskedFields drives step 10's OAuth form with a
// real OIDC server: the secrets are typed in masked fields, never shown,
// and the new access token fixes it.
func TestWizardOAuthFormInMaskedFields(t *testing.T) {
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown()
	refresh := oidcRefreshToken(t, m)
	api := httpServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			if _, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return m.Keypair.PublicKey, nil }, jwt.WithIssuer(m.Issuer()), jwt.WithTimeFunc(m.Now)); err == nil {
				w.Write([]byte("ok"))
				return
			}
		}
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	cfg := Config{Request: probe.Request{URL: api + "/me", Bearer: "old-token-0123456789abcdef"}, Check: probe.Run}
	d := newDriver(t, New(cfg), 100, 60)
	d.send(startMsg{})
	d.key("0")
	st := d.model().sess.Step(10)
	idx := -1
	for i, a := range st.Actions {
		if strings.Contains(a.Label, "Refresh the token with OAuth") {
			idx = i
		}
	}
	if idx < 0 {
		t.Fatalf("actions %+v", st.Actions)
	}
	// Focus the action (past the token field) and run it.
	d.key("esc")
	for i := 0; i <= len(d.model().inputs)+idx; i++ {
		d.key("tab")
	}
	d.key("enter")
	f := ansi.Strip(d.frame())
	if !strings.Contains(f, "Token URL") || !strings.Contains(f, "Refresh token") || len(d.model().inputs) != 4 {
		t.Fatalf("no OAuth form:\n%s", f)
	}
	d.typeText(m.TokenEndpoint())
	d.key("enter")
	d.typeText(m.ClientID)
	d.key("enter")
	d.typeText(m.ClientSecret)
	d.key("enter")
	d.typeText(refresh)
	frame := d.frame()
	d.key("enter")
	for _, secret := range []string{m.ClientSecret, refresh} {
		if strings.Contains(frame, secret) || strings.Contains(d.frame(), secret) {
			t.Fatal("a secret typed in the form reached the screen")
		}
	}
	s := d.model().sess
	if s.Phase != steps.PhaseResolved || s.FixedBy != 10 {
		t.Fatalf("phase %v fixed by %d, error %q:\n%s", s.Phase, s.FixedBy, s.Error, ansi.Strip(d.frame()))
	}
	rec, _ := json.Marshal(s.Record(false))
	for _, secret := range []string{m.ClientSecret, refresh, s.Request.Bearer} {
		if strings.Contains(string(rec), secret) {
			t.Fatal("a secret reached the saved session")
		}
	}
}

func httpServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// oidcRefreshToken logs mockoidc's default user in (authorization code
// flow) and returns the refresh token it issued.
func oidcRefreshToken(t *testing.T, m *mockoidc.MockOIDC) string {
	t.Helper()
	q := url.Values{"client_id": {m.ClientID}, "response_type": {"code"}, "scope": {"openid"}, "state": {"s"}, "redirect_uri": {"http://127.0.0.1/cb"}}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(m.AuthorizationEndpoint() + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	res, err = http.PostForm(m.TokenEndpoint(), url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"client_id": {m.ClientID}, "client_secret": {m.ClientSecret}, "redirect_uri": {"http://127.0.0.1/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tr struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tr); err != nil || tr.RefreshToken == "" {
		t.Fatalf("no refresh token: %v", err)
	}
	return tr.RefreshToken
}

func netListen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }
