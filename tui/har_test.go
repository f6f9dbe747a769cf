package tui

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/fix401/fix401/internal/hartest"
	"github.com/fix401/fix401/probe"
	"github.com/fix401/fix401/steps"
)

// The secrets of the recorded session in the HAR tests.
const (
	harStale   = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c3RhbGUtc2lnbmF0dXJl"
	harCookie  = "sess-7f3a9c2e1b4d8f60"
	harSecret  = "Corr3ct-H0rse-Battery"
	harFreshTk = "fresh-tok-2b9e41c7d5a8"
)

// recordedHAR is a Chrome HAR export against base: a login form, then two
// refused API calls.
func recordedHAR(t *testing.T, base string) *probe.HARLog {
	t.Helper()
	log, err := probe.ReadHAR(bytes.NewReader(hartest.JSON("WebInspector", []hartest.Entry{
		{Method: "POST", URL: base + "/login", Status: 200, Post: "user=ann&password=" + harSecret,
			Headers: [][2]string{{"Content-Type", "application/x-www-form-urlencoded"}}},
		{Method: "GET", URL: base + "/api/orders?page=1", Status: 401, Headers: [][2]string{
			{"Authorization", "Bearer " + harStale}, {"Cookie", "session=" + harCookie}, {"Accept-Encoding", "gzip, br"}}},
		{Method: "GET", URL: base + "/api/admin", Status: 403, Headers: [][2]string{{"Authorization", "Bearer " + harStale}}},
	})))
	if err != nil {
		t.Fatal(err)
	}
	return log
}

// TestHARFlow: the person picks the failed request from the list, sees the
// browser's record diagnosed, and fixes the live replay in step 10; the
// file's secrets appear in no frame.
func TestHARFlow(t *testing.T) {
	var seen http.Header
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Clone()
		if r.Header.Get("Authorization") == "Bearer "+harFreshTk && strings.Contains(r.Header.Get("Cookie"), harCookie) {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer ts.Close()
	cfg := Config{HAR: &steps.HAR{Log: recordedHAR(t, ts.URL), Name: "app.har", Entry: -1}, Env: steps.Env{GOOS: "linux", Now: clock}, Now: clock, Dark: true}
	d := newDriver(t, New(cfg), 110, 40)
	var frames []string
	snap := func() string {
		f := d.frame()
		frames = append(frames, f)
		return ansi.Strip(f)
	}
	f := snap()
	for _, want := range []string{"Which request do you want to fix?", "app.har, recorded by Chrome: 3 requests, 2 refused.",
		"▶  1. #2 401 Unauthorized · GET " + ts.URL + "/api/orders", " 2. #3 403 Forbidden · GET " + ts.URL + "/api/admin", "enter fix this request"} {
		if !strings.Contains(f, want) {
			t.Fatalf("list lacks %q:\n%s", want, f)
		}
	}
	// Down, up, down: the second; back up to the first and pick it.
	d.key("down")
	if f := snap(); !strings.Contains(f, "▶  2. #3") {
		t.Fatalf("down did not move:\n%s", f)
	}
	d.key("up", "enter")
	f = snap()
	if m := d.model(); m.sess.Phase != steps.PhaseDiagnosis || !strings.Contains(f, "401 Unauthorized") ||
		!strings.Contains(f, "As Chrome recorded it in app.har (request #2, GET") ||
		m.sess.HARSource() != "As Chrome recorded it in app.har (request #2, GET "+ts.URL+"/api/orders?page=1). Every re-test sends it again, live." {
		t.Fatalf("phase %v:\n%s", m.sess.Phase, f)
	}
	d.key("t")
	snap()
	d.key("t", "0")
	snap()
	d.send(tea.PasteMsg{Content: harFreshTk})
	snap()
	d.key("enter")
	f = snap()
	m := d.model()
	if !m.Outcome().Resolved || m.Outcome().FixedBy != 10 {
		t.Fatalf("outcome %+v error %q\n%s", m.Outcome(), m.sess.Error, f)
	}
	if seen.Get("Accept-Encoding") == "gzip, br" {
		t.Error("the replay kept the browser's Accept-Encoding")
	}
	for _, n := range []string{"9", "2"} {
		d.key(n)
		snap()
	}
	frames = append(frames, strings.Join(m.sess.Report(), "\n"), strings.Join(m.Outcome().Summary, "\n"))
	for i, fr := range frames {
		for _, s := range []string{harStale, harCookie, harSecret, harFreshTk} {
			if strings.Contains(fr, s) {
				t.Errorf("frame %d shows %.6s…:\n%s", i, s, ansi.Strip(fr))
			}
		}
	}
}
