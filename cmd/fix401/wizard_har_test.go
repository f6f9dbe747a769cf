package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fix401/fix401/internal/hartest"
)

// The secrets of the recorded session.
const (
	wizHARStale   = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c3RhbGUtc2lnLXdpeg"
	wizHARCookie  = "sess-91c0ffee2b4d8f60"
	wizHARSecret  = "Tr0mbone-Sail-Orbit"
	wizHARFreshTk = "fresh-tok-77aa41c7d5a8"
)

// writeWizardHAR writes a Firefox HAR export against base: a login form,
// then two refused API calls, and returns its path.
func writeWizardHAR(t *testing.T, base string) string {
	t.Helper()
	b := hartest.JSON("Firefox", []hartest.Entry{
		{Method: "POST", URL: base + "/login", Status: 200, Post: "user=bob&password=" + wizHARSecret,
			Headers: [][2]string{{"Content-Type", "application/x-www-form-urlencoded"}}},
		{Method: "GET", URL: base + "/api/orders?page=1", Status: 401, Headers: [][2]string{
			{"Authorization", "Bearer " + wizHARStale}, {"Cookie", "session=" + wizHARCookie}, {"X-Requested-With", "XMLHttpRequest"}}},
		{Method: "GET", URL: base + "/api/admin", Status: 403, Headers: [][2]string{{"Authorization", "Bearer " + wizHARStale}}},
	})
	path := filepath.Join(t.TempDir(), "app.har")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// apiServer accepts the fresh token with the browser's session cookie,
// and records what every request carried.
type apiServer struct {
	mu   sync.Mutex
	seen []*http.Request
}

func (a *apiServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.seen = append(a.seen, r.Clone(r.Context()))
	a.mu.Unlock()
	if r.Header.Get("Authorization") == "Bearer "+wizHARFreshTk && strings.Contains(r.Header.Get("Cookie"), wizHARCookie) {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	w.WriteHeader(http.StatusUnauthorized)
}

func (a *apiServer) requests() []*http.Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]*http.Request(nil), a.seen...)
}

// TestWizardHARPicksReplaysAndFixes drives fix401 --har FILE through the
// plain dialogue: the list of failed requests, the choice, the diagnosis,
// step 10 with a fresh token, and a live replay that works.
func TestWizardHARPicksReplaysAndFixes(t *testing.T) {
	srv := &apiServer{}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	path := writeWizardHAR(t, ts.URL)
	code, out, errOut := runCLI(t, "1\n10\n"+wizHARFreshTk+"\n", "--har", path)
	if code != exitOK {
		t.Fatalf("exit %d; stderr %q\n%s", code, errOut, out)
	}
	for _, want := range []string{"Which request do you want to fix?", "app.har, recorded by Firefox: 3 requests, 2 refused.",
		"1. #2 401 Unauthorized · GET " + ts.URL + "/api/orders", "Type its number", "Step 10 (Check API tokens) fixed it."} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	reqs := srv.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests reached the server, want the one replay", len(reqs))
	}
	r := reqs[0]
	if r.URL.Path != "/api/orders" || r.URL.RawQuery != "page=1" || r.Header.Get("X-Requested-With") != "XMLHttpRequest" || !strings.Contains(r.Header.Get("Cookie"), "session="+wizHARCookie) {
		t.Errorf("replay: %s %s %v", r.Method, r.URL, r.Header)
	}
	assertNoSecrets(t, "wizard", out+errOut, []string{wizHARStale, wizHARCookie, wizHARSecret, wizHARFreshTk})
}

// TestWizardHARPreselects: --entry and --url skip the list.
func TestWizardHARPreselects(t *testing.T) {
	srv := &apiServer{}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	path := writeWizardHAR(t, ts.URL)
	for _, args := range [][]string{{"--entry", "3"}, {"--url", "/api/ADMIN"}} {
		code, out, errOut := runCLI(t, "r\nq\n", append([]string{"--har", path}, args...)...)
		if code != exitProblem || strings.Contains(out, "Which request") || !strings.Contains(out, "403 Forbidden") {
			t.Errorf("%v: exit %d; stderr %q\n%s", args, code, errOut, out)
		}
		reqs := srv.requests()
		if last := reqs[len(reqs)-1]; last.URL.Path != "/api/admin" {
			t.Errorf("%v: replayed %s", args, last.URL)
		}
	}
}

func TestWizardHARUsage(t *testing.T) {
	path := writeWizardHAR(t, "https://app.example.com")
	ok := filepath.Join(t.TempDir(), "ok.har")
	if err := os.WriteFile(ok, []byte(`{"log":{"version":"1.2","entries":[{"request":{"method":"GET","url":"https://ok.example/"},"response":{"status":200}}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		code int
		say  string
	}{
		{"entry without har", []string{"--entry", "2"}, exitUsage, "--entry works with --har"},
		{"url without har", []string{"--url", "x", "https://example.com/"}, exitUsage, "--url works with --har"},
		{"standard input", []string{"--har", "-"}, exitUsage, "cannot read the HAR from there too"},
		{"url argument", []string{"--har", path, "https://example.com/"}, exitUsage, "leave out the URL"},
		{"request flag", []string{"--har", path, "-H", "X-A: b"}, exitUsage, "--header describes a request of its own"},
		{"entry and url", []string{"--har", path, "--entry", "1", "--url", "x"}, exitUsage, "not both"},
		{"entry zero", []string{"--har", path, "--entry", "0"}, exitUsage, "counts from 1"},
		{"no such entry", []string{"--har", path, "--entry", "9"}, exitUsage, "has no request #9"},
		{"missing file", []string{"--har", filepath.Join(t.TempDir(), "nope.har")}, exitUsage, "cannot open the HAR file"},
		{"nothing failed", []string{"--har", ok}, exitOK, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", c.args...)
			if code != c.code || !strings.Contains(errOut, c.say) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)\n%s", code, c.code, errOut, c.say, out)
			}
			if c.code == exitOK && !strings.Contains(out, "No failed requests in") {
				t.Errorf("stdout %q", out)
			}
		})
	}
}

// TestCheckHARGuideLine: check's report on a HAR points at fix401 --har.
func TestCheckHARGuideLine(t *testing.T) {
	path := writeWizardHAR(t, "https://app.example.com")
	_, out, _ := runCLI(t, "", "check", "--har", path)
	if want := "Run fix401 --har " + shellQuote(path) + " --entry "; !strings.Contains(out, want) || strings.Contains(out, "Run fix401 https://") {
		t.Errorf("last line (want %q):\n%s", want, out)
	}
	// From standard input, the file cannot be named again.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, out, _ = runCLI(t, string(raw), "check", "--har", "-"); !strings.Contains(out, "Run fix401 --har FILE --entry N") {
		t.Errorf("last line from standard input:\n%s", out)
	}
	assertNoSecrets(t, "check", out, []string{wizHARStale, wizHARCookie, wizHARSecret})
}
