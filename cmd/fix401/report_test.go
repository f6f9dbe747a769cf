package main

// Tests of the support report, the saved session and --resume through
// run(), against real servers on loopback.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fix401/fix401/internal/jsonschema"
	"github.com/fix401/fix401/steps"
)

// runIn runs fix401 in process with stdin, and returns the exit code and
// everything written to stdout and stderr.
func runIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// freshState points FIX401_STATE_DIR at a new directory for one test.
func freshState(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "state")
	t.Setenv("FIX401_STATE_DIR", dir)
	return dir
}

// captureCopies replaces the clipboard for one test and returns what was
// copied.
func captureCopies(t *testing.T) func() []string {
	t.Helper()
	var mu sync.Mutex
	var got []string
	old := copyText
	copyText = func(_ context.Context, text string) string {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, text)
		return "copied with the test clipboard"
	}
	t.Cleanup(func() { copyText = old })
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

// clueServer answers 401 with every clue: a challenge with realm, error,
// error_description and error_uri, request ids, a help link, a redirect
// first, and a security.txt. hits counts the requests to the API.
func clueServer(t *testing.T, hits *atomic.Int32) string {
	t.Helper()
	s := chkServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/security.txt":
			io.WriteString(w, "Contact: mailto:security@clue.example.test\n")
			return
		case "/start":
			http.Redirect(w, r, "/api", http.StatusFound)
			return
		}
		if hits != nil {
			hits.Add(1)
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="clue-api", error="invalid_token", error_description="the token has expired", error_uri="https://help.clue.example.test/401"`)
		w.Header().Set("X-Request-Id", "req-clue-1")
		w.Header().Set("Cf-Ray", "ray-clue-2")
		w.Header().Set("X-Amzn-Requestid", "amzn-clue-3")
		w.Header().Set("Link", `<https://help.clue.example.test/support>; rel="help"`)
		w.WriteHeader(http.StatusUnauthorized)
	})
	return s.URL
}

func TestCheckReportMarkdownAndJSON(t *testing.T) {
	freshState(t)
	base := clueServer(t, nil)
	dir := t.TempDir()
	const secret = "check-report-SECRET-token-1"
	for _, name := range []string{"report.md", "report.json"} {
		p := filepath.Join(dir, name)
		code, out, errOut := runIn(t, "", "check", "--report", p, "--security-txt", "-H", "Authorization: Bearer "+secret, base+"/start")
		if code != exitProblem {
			t.Fatalf("%s: exit %d\n%s%s", name, code, out, errOut)
		}
		if !strings.Contains(errOut, "Support report written to "+p) {
			t.Errorf("%s: the path is not shown: %q", name, errOut)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" {
			if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v", name, fi.Mode().Perm())
			}
		}
		for _, want := range []string{"clue-api", "invalid_token", "the token has expired", "https://help.clue.example.test/401",
			"req-clue-1", "ray-clue-2", "amzn-clue-3", "https://help.clue.example.test/support", "mailto:security@clue.example.test", "/api"} {
			if !strings.Contains(string(b), want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
		if strings.Contains(string(b)+out+errOut, secret) || strings.Contains(string(b), secret[:len(secret)-4]) {
			t.Errorf("%s: the token is in the output", name)
		}
		if name == "report.json" {
			schema, err := jsonschema.Load(filepath.Join("..", "..", "docs", "report.schema.json"))
			if err != nil {
				t.Fatal(err)
			}
			if errs := schema.Validate(b); len(errs) > 0 {
				t.Errorf("the report breaks its schema:\n%s", strings.Join(errs, "\n"))
			}
		} else if !strings.HasPrefix(string(b), "# fix401 support report") {
			t.Errorf("not Markdown:\n%s", b)
		}
	}
	// With --json, stdout holds the one JSON object only.
	code, out, _ := runIn(t, "", "check", "--json", "--report", filepath.Join(dir, "r2.md"), base+"/start")
	if code != exitProblem || !strings.HasPrefix(out, "{") || strings.Contains(out, "Support report") {
		t.Errorf("--json --report: exit %d, stdout %q", code, out[:min(len(out), 80)])
	}
}

// TestCheckReportUnwritable: a report directory that cannot be written
// (under a regular file, which stops root too) is said before anything is
// sent; a full disk (/dev/full) is said after the check, with exit 1.
func TestCheckReportUnwritable(t *testing.T) {
	freshState(t)
	var hits atomic.Int32
	base := clueServer(t, &hits)
	file := filepath.Join(t.TempDir(), "plain-file")
	os.WriteFile(file, []byte("x"), 0o600)
	code, out, errOut := runIn(t, "", "check", "--report", filepath.Join(file, "r.md"), base+"/api")
	if code != exitUsage || hits.Load() != 0 || !strings.Contains(errOut, "not a directory") {
		t.Fatalf("exit %d, %d requests sent, stderr %q stdout %q", code, hits.Load(), errOut, out)
	}
	code, _, errOut = runIn(t, "", "check", "--security-txt", base+"/api")
	if code != exitUsage || !strings.Contains(errOut, "--security-txt goes with --report") {
		t.Errorf("--security-txt alone: exit %d %q", code, errOut)
	}
	if runtime.GOOS != "linux" {
		t.Skip("/dev/full is Linux's")
	}
	ok := chkServer(t, chkStatus(http.StatusOK))
	code, _, errOut = runIn(t, "", "check", "--report", "/dev/full", ok.URL)
	if code != exitProblem || !strings.Contains(errOut, "the report could not be written") || !strings.Contains(errOut, "disk is full") {
		t.Fatalf("/dev/full: exit %d, stderr %q", code, errOut)
	}
}

func TestReportShow(t *testing.T) {
	freshState(t)
	base := clueServer(t, nil)
	dir := t.TempDir()
	md, js := filepath.Join(dir, "r.md"), filepath.Join(dir, "r.json")
	runIn(t, "", "check", "--report", md, base+"/start")
	runIn(t, "", "check", "--report", js, base+"/start")
	for _, p := range []string{md, js} {
		code, out, errOut := runIn(t, "", "report", "show", p)
		if code != exitOK {
			t.Fatalf("%s: exit %d %s", p, code, errOut)
		}
		for _, want := range []string{"fix401 support report", "What the administrator should check", "• Search the server's logs for X-Request-Id: req-clue-1",
			"realm: clue-api", "error_uri: https://help.clue.example.test/401", "Redirect chain"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: the rendering lacks %q:\n%s", p, want, out)
			}
		}
		if strings.ContainsAny(out, "\x1b`") || strings.Contains(out, "**") {
			t.Errorf("%s: markup or escape sequences left in plain output", p)
		}
	}
	// Standard input, and a hostile file: nothing that drives a terminal
	// gets through.
	hostile := "# fix401 support report\n- evil \x1b]52;c;ZXZpbA==\x07\x1b[2J text \u009b31m\n| a | b |\n|---|---|\n| `x|y` | z\\|w |\n"
	code, out, _ := runIn(t, hostile, "report", "show", "-")
	if code != exitOK || strings.ContainsAny(out, "\x1b\x07") || strings.ContainsRune(out, '\u009b') {
		t.Fatalf("exit %d, output %q", code, out)
	}
	if !strings.Contains(out, "x|y") || !strings.Contains(out, "z|w") {
		t.Errorf("table cells: %q", out)
	}
	for _, c := range []struct{ name, content string }{{"notes.txt", "just some notes"}, {"other.json", `{"kind": "something-else"}`}, {"empty.md", ""}} {
		p := filepath.Join(dir, c.name)
		os.WriteFile(p, []byte(c.content), 0o600)
		if code, _, errOut := runIn(t, "", "report", "show", p); code != exitUsage || errOut == "" {
			t.Errorf("%s: exit %d %q", c.name, code, errOut)
		}
	}
	if code, _, _ := runIn(t, "", "report", "show", filepath.Join(dir, "missing.md")); code != exitUsage {
		t.Errorf("missing file: exit %d", code)
	}
}

// TestWizardPlainReportsAndResumes runs the plain wizard through stdin:
// it saves after every step, writes the report on w and at the end, copies
// the summary on c, and --resume continues where it stopped.
func TestWizardPlainReportsAndResumes(t *testing.T) {
	state := freshState(t)
	copies := captureCopies(t)
	base := clueServer(t, nil)
	const secret = "wizard-plain-SECRET-token-9"
	// Start the steps, leave step 10's token form empty and skip the
	// step, do step 3 (a re-test),
	// write and copy the report, then quit.
	code, out, errOut := runIn(t, "\n\ns\n\nw\nc\nq\n", "--oauth2-bearer", secret, base+"/start")
	if code != exitProblem {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	reports, _ := filepath.Glob(filepath.Join(state, "reports", "*.md"))
	if len(reports) != 1 {
		t.Fatalf("reports %v", reports)
	}
	for _, want := range []string{"Support report written to " + reports[0], "Full report: " + reports[0], "Summary copied: copied with the test clipboard",
		"Support report (send it to the site's administrator): " + reports[0], "fix401 --resume"} {
		if !strings.Contains(out, want) {
			t.Errorf("the transcript lacks %q:\n%s", want, out)
		}
	}
	if c := copies(); len(c) != 1 || !strings.Contains(c[0], "401 Unauthorized") {
		t.Errorf("copied %q", c)
	}
	sessions, _ := filepath.Glob(filepath.Join(state, "sessions", "*.json"))
	if len(sessions) != 1 {
		t.Fatalf("sessions %v", sessions)
	}
	rec, err := steps.LoadRecord(sessions[0])
	if err != nil || rec.Finished || len(rec.History) != 1 || rec.History[0].Step != 3 || rec.States[9] != "skipped" {
		t.Fatalf("saved %+v %v", rec, err)
	}
	for _, f := range append(reports, sessions...) {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), secret) || strings.Contains(string(b), secret[:len(secret)-4]) {
			t.Errorf("%s holds the token", f)
		}
	}

	// --resume: the same session, at the step it was on, with the token
	// given again by the same flag.
	// It stopped on the result of step 3, so it resumes at the next step
	// (1), whose token form is left empty.
	code, out, _ = runIn(t, "\nq\n", "--resume", "--oauth2-bearer", secret)
	if code != exitProblem || !strings.Contains(out, "Resumed the session") || !strings.Contains(out, "Given again: the bearer token") {
		t.Fatalf("resume: exit %d\n%s", code, out)
	}
	rec2, _ := steps.LoadRecord(sessions[0])
	if rec2.ID != rec.ID || len(rec2.History) != 2 || rec2.States[9] != "skipped" || rec2.States[2] != "done" {
		t.Fatalf("after resuming: %+v", rec2)
	}
	if strings.Contains(out, secret) {
		t.Error("the token reached the transcript")
	}
}

func TestResumeWithNothingSaved(t *testing.T) {
	freshState(t)
	code, _, errOut := runIn(t, "", "--resume")
	if code != exitUsage || !strings.Contains(errOut, "no unfinished session") {
		t.Fatalf("exit %d %q", code, errOut)
	}
}

// TestWizardStateUnwritable: a state directory that cannot be written
// gives a clear message and the session goes on to its end; the report
// goes to the temporary directory instead, and says so.
func TestWizardStateUnwritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain-file")
	os.WriteFile(file, []byte("x"), 0o600)
	t.Setenv("FIX401_STATE_DIR", filepath.Join(file, "state"))
	base := clueServer(t, nil)
	code, out, errOut := runIn(t, "\n\ns\nq\n", base+"/start")
	if code != exitProblem {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if n := strings.Count(out, "Progress could not be saved"); n != 1 || !strings.Contains(out, "not a directory") {
		t.Errorf("the failure is said %d times:\n%s", n, out)
	}
	if !strings.Contains(out, "Step 3") {
		t.Errorf("the session did not go on:\n%s", out)
	}
	if !strings.Contains(out, "(The state directory could not be written") || !strings.Contains(out, os.TempDir()) {
		t.Errorf("the report's fallback is not said:\n%s", out)
	}
	if i := strings.Index(out, "administrator): "); i >= 0 {
		p := strings.TrimSpace(strings.SplitN(out[i+len("administrator): "):], "\n", 2)[0])
		os.Remove(p)
	}
	// A chosen report path on a full disk: said, and the exit code is
	// still the wizard's own.
	if runtime.GOOS == "linux" {
		code, out, errOut = runIn(t, "q\n", "--report", "/dev/full", base+"/start")
		if code != exitProblem || !strings.Contains(errOut, "disk is full") {
			t.Errorf("/dev/full: exit %d\n%s%s", code, out, errOut)
		}
	}
}

func TestDemoWritesNothing(t *testing.T) {
	state := freshState(t)
	code, out, _ := runIn(t, "\nalice\nwonderland\n", "demo", "--plain")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if _, err := os.Stat(state); err == nil {
		entries, _ := os.ReadDir(state)
		t.Errorf("the demo wrote into the state directory: %v", entries)
	}
	if strings.Contains(out, "Support report") {
		t.Error(fmt.Sprintf("the demo wrote a report:\n%s", out))
	}
}

// TestDemoReportNamesTheSystem writes a report from the demo on request:
// it names fix401's version and this machine like the wizard's.
func TestDemoReportNamesTheSystem(t *testing.T) {
	freshState(t)
	copied := captureCopies(t)
	code, out, _ := runIn(t, "c\nq\n", "demo", "--plain")
	if code != exitProblem {
		t.Fatalf("exit %d\n%s", code, out)
	}
	_, after, ok := strings.Cut(out, "Support report written to ")
	if !ok {
		t.Fatalf("no report written:\n%s", out)
	}
	path := strings.TrimSpace(strings.SplitN(after, "\n", 2)[0])
	t.Cleanup(func() { os.Remove(path) })
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("(%s/%s)", runtime.GOOS, runtime.GOARCH)
	if !strings.Contains(string(b), "- **System:** fix401 "+fix401Version()+" on ") || !strings.Contains(string(b), want) {
		t.Errorf("the report does not name the system (want %s):\n%s", want, b)
	}
	if got := copied(); len(got) != 1 || !strings.Contains(got[0], "fix401 support report") {
		t.Errorf("copied %q", got)
	}
}
