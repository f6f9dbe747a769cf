package steps_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fix401/fix401/probe"
	"github.com/fix401/fix401/steps"
)

func TestStateDir(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	cases := []struct {
		goos   string
		getenv func(string) string
		want   string
	}{
		{"linux", env(), filepath.Join("/home/u", ".local", "state", "fix401")},
		{"linux", env("XDG_STATE_HOME", "/xdg/state"), filepath.Join("/xdg/state", "fix401")},
		{"linux", env("XDG_STATE_HOME", "relative/state"), filepath.Join("/home/u", ".local", "state", "fix401")},
		{"freebsd", env(), filepath.Join("/home/u", ".local", "state", "fix401")},
		{"darwin", env("XDG_STATE_HOME", "/xdg/state"), filepath.Join("/home/u", "Library", "Application Support", "fix401")},
		{"windows", env("LocalAppData", `C:\Users\u\AppData\Local`), filepath.Join(`C:\Users\u\AppData\Local`, "fix401")},
		{"windows", env(), filepath.Join("/home/u", "AppData", "Local", "fix401")},
		{"linux", env(steps.EnvStateDir, "/override", "XDG_STATE_HOME", "/xdg"), "/override"},
		{"windows", env(steps.EnvStateDir, "/override", "LocalAppData", `C:\x`), "/override"},
	}
	for _, c := range cases {
		got, err := steps.StateDir(c.goos, c.getenv, "/home/u")
		if err != nil || got != c.want {
			t.Errorf("%s: %q, %v; want %q", c.goos, got, err, c.want)
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "report.md")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := steps.WriteFileAtomic(p, []byte("new content")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "new content" {
		t.Fatalf("%q %v", b, err)
	}
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", fi.Mode().Perm())
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}

	// A symbolic link: the file it points to is replaced, the link stays.
	if runtime.GOOS != "windows" {
		target := filepath.Join(dir, "target.json")
		os.WriteFile(target, []byte("x"), 0o600)
		link := filepath.Join(dir, "link.json")
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		if err := steps.WriteFileAtomic(link, []byte("via link")); err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
			t.Error("the link was replaced by a file")
		}
		if b, _ := os.ReadFile(target); string(b) != "via link" {
			t.Errorf("target holds %q", b)
		}
	}
}

// TestWriteFileAtomicFailures: a directory that cannot be written gives a
// plain reason. Tests may run as root, for whom permissions do not stop
// anything, so the unwritable directory is a path under a regular file
// (ENOTDIR), and the full disk is /dev/full.
func TestWriteFileAtomicFailures(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	os.WriteFile(file, []byte("x"), 0o600)
	err := steps.WriteFileAtomic(filepath.Join(file, "report.md"), []byte("x"))
	if err == nil || !strings.Contains(steps.PlainFileError(err), "not a directory") {
		t.Errorf("under a file: %v (%q)", err, steps.PlainFileError(err))
	}
	err = steps.WriteFileAtomic(filepath.Join(dir, "missing", "report.md"), []byte("x"))
	if err == nil || !strings.Contains(steps.PlainFileError(err), "does not exist") {
		t.Errorf("missing directory: %v (%q)", err, steps.PlainFileError(err))
	}
	err = steps.WriteFileAtomic(dir, []byte("x"))
	if err == nil || !strings.Contains(steps.PlainFileError(err), "is a directory") {
		t.Errorf("a directory: %v (%q)", err, steps.PlainFileError(err))
	}
	if runtime.GOOS != "linux" {
		t.Skip("/dev/full is Linux's")
	}
	err = steps.WriteFileAtomic("/dev/full", []byte("x"))
	if err == nil || !strings.Contains(steps.PlainFileError(err), "disk is full") {
		t.Errorf("/dev/full: %v (%q)", err, steps.PlainFileError(err))
	}
	if fi, err := os.Stat("/dev/full"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/full was replaced: %v %v", fi.Mode(), err)
	}
}

func TestStoreLatestAndRevisions(t *testing.T) {
	st := steps.NewStore(filepath.Join(t.TempDir(), "state"))
	if _, err := st.Latest(); !errors.Is(err, steps.ErrNothingToResume) {
		t.Fatalf("empty store: %v", err)
	}
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rec := func(id string, updated time.Time, finished bool) steps.Record {
		return steps.Record{Schema: steps.RecordSchema, ID: id, Updated: updated, Finished: finished, Request: steps.SavedRequest{URL: "https://example.com/" + id}}
	}
	for _, r := range []steps.Record{rec("a", base, false), rec("b", base.Add(time.Hour), false), rec("c", base.Add(2*time.Hour), true)} {
		if err := st.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.Latest()
	if err != nil || got.ID != "b" {
		t.Fatalf("latest %q %v, want b (c is finished)", got.ID, err)
	}
	// An older revision of b, arriving late, does not overwrite the newer.
	old := rec("b", base.Add(30*time.Minute), false)
	old.Request.URL = "https://example.com/stale"
	st.Save(old)
	if got, _ := st.Latest(); got.Request.URL != "https://example.com/b" {
		t.Fatalf("a stale revision was written: %q", got.Request.URL)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(st.SessionPath("b"))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("session file mode %v %v", fi.Mode(), err)
		}
		di, _ := os.Stat(filepath.Dir(st.SessionPath("b")))
		if di.Mode().Perm() != 0o700 {
			t.Errorf("sessions directory mode %v", di.Mode().Perm())
		}
	}
	// Old sessions are pruned, finished ones first.
	for i := 0; i < 25; i++ {
		st.Save(rec("p"+string(rune('a'+i)), base.Add(time.Duration(i)*time.Minute), i%2 == 0))
	}
	entries, _ := os.ReadDir(filepath.Dir(st.SessionPath("x")))
	if len(entries) > 20 {
		t.Errorf("%d sessions kept, want at most 20", len(entries))
	}
	// A damaged file is not resumed, and says why.
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"schema": 99, "id": "x"}`), 0o600)
	if _, err := steps.LoadRecord(bad); err == nil || !strings.Contains(err.Error(), "another fix401 version") {
		t.Errorf("schema 99: %v", err)
	}
	os.WriteFile(bad, []byte(`{"schema": 1, "id": "x", "current": 42}`), 0o600)
	if _, err := steps.LoadRecord(bad); err == nil {
		t.Error("a step 42 was accepted")
	}
}

// TestResumeKeepsEverything saves a session with steps answered, skipped
// and re-tested, loads it from disk into a new session (as fix401
// --resume does), and checks that nothing before the step in progress is
// lost and that no credential was saved or is sent.
func TestResumeKeepsEverything(t *testing.T) {
	s, _ := adminSession(t)
	// The person is on step 9 (the security.txt lookup) now.
	if s.Phase != steps.PhaseStep || s.Current != 9 {
		t.Fatalf("phase %v step %d", s.Phase, s.Current)
	}
	st := steps.NewStore(t.TempDir())
	if err := st.Save(s.Record(false)); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(st.SessionPath(s.ID))
	assertNoSecret(t, "the state file", string(raw), allSecrets...)
	rec, err := st.Latest()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(rec.NotSaved, "; "), "the bearer token") {
		t.Errorf("not saved: %v", rec.NotSaved)
	}

	req := rec.RequestOf()
	if req.Bearer != "" || req.Password != "" || len(req.Cookies) != 0 || strings.Contains(req.URL, "access_token") {
		t.Fatalf("the saved request carries credentials: %+v", req)
	}
	r := steps.NewSession(steps.Env{GOOS: "linux"}, req)
	r.Restore(rec, nil)
	driveSupport(t, r, r.Apply(steps.Start{URL: req.URL}))
	if r.Phase != steps.PhaseStep || r.Current != 9 {
		t.Fatalf("resumed at phase %v step %d, want step 9 (error %q)", r.Phase, r.Current, r.Error)
	}
	for n := 1; n <= steps.NumSteps; n++ {
		if r.States[n] != s.States[n] {
			t.Errorf("step %d: %v, was %v", n, r.States[n], s.States[n])
		}
	}
	if len(r.History) != len(s.History)+1 {
		t.Fatalf("history %d entries, want %d + the resume check", len(r.History), len(s.History))
	}
	for i, h := range s.History {
		g := r.History[i]
		if g.Step != h.Step || g.Outcome != h.Outcome || g.Before.Status != h.Before.Status || g.After.Status != h.After.Status || !g.At.Equal(h.At) {
			t.Errorf("re-test %d: %+v, was %+v", i, g, h)
		}
	}
	if last := r.History[len(r.History)-1]; last.Step != 0 || !strings.Contains(last.Change, "resumed") {
		t.Errorf("resume check %+v", last)
	}
	if r.Answers[6] != false || len(r.Answers) != len(s.Answers) {
		t.Errorf("answers %v, were %v", r.Answers, s.Answers)
	}
	if !strings.Contains(r.Notice, "never saved") || !strings.Contains(r.Notice, "the bearer token") {
		t.Errorf("the person is not told what was not saved: %q", r.Notice)
	}
	// The saved first check, the contacts and the security.txt answer
	// are in the resumed session's report; the resume check went without
	// any credential.
	rep := r.SupportReport(testMeta)
	if rep.FirstCheck == nil || len(rep.FirstCheck.Redirects) != 2 || rep.Session.ResumedFrom == nil || rep.Session.ID != s.ID {
		t.Fatalf("report first check %+v session %+v", rep.FirstCheck, rep.Session)
	}
	if rep.LatestCheck == nil || len(rep.LatestCheck.Redirects[0].CredentialsSent) != 0 {
		t.Errorf("the resume check sent credentials: %+v", rep.LatestCheck)
	}
	if !r.SecurityTxt.Asked || len(rep.Contacts) < 3 {
		t.Errorf("contacts lost: %+v", rep.Contacts)
	}
	js, _ := json.Marshal(rep)
	assertNoSecret(t, "the resumed report", string(js)+rep.Markdown(), allSecrets...)
	// Resuming again continues the same saved file.
	if r.Record(false).ID != s.ID {
		t.Error("the resumed session has a new id")
	}
}

// TestResumeWithCredentialsGivenAgain: credentials given again (as the
// same flags would) are used by the resume check, and the person is told.
func TestResumeWithCredentialsGivenAgain(t *testing.T) {
	s, _ := adminSession(t)
	rec := s.Record(false)
	req := rec.RequestOf()
	req.Bearer = secBearer
	r := steps.NewSession(steps.Env{}, req)
	r.Restore(rec, []string{"the bearer token (--oauth2-bearer)"})
	driveSupport(t, r, r.Apply(steps.Start{URL: req.URL}))
	if !strings.Contains(r.Notice, "Given again: the bearer token") {
		t.Errorf("notice %q", r.Notice)
	}
	hops := r.Last.Exchange.Hops
	if len(hops) == 0 || len(hops[0].Sent) == 0 || hops[0].Sent[0].Kind != probe.CredBearer {
		t.Fatalf("the resume check did not send the token given again")
	}
}

// TestSavedRequestLeavesOutSecretLookingValues: headers and parameters
// whose names suggest a secret are not saved, even when probe does not
// know their names.
func TestSavedRequestLeavesOutSecretLookingValues(t *testing.T) {
	req := probe.Request{
		URL:     "https://user:pa55word-0123@example.com/x?page=2&mySessionId=sess-value-0001&sig2=sig-value-0002",
		Headers: []probe.Field{{Name: "X-Custom-Auth", Value: "custom-auth-value-0003"}, {Name: "Accept", Value: "text/html"}, {Name: "X-Tenant-Key", Value: "tenant-key-0004"}},
		Body:    `{"password":"body-secret-0005"}`,
		Proxy:   "http://proxyuser:proxy-pass-0006@proxy.example:3128",
	}
	s := steps.NewSession(steps.Env{}, req)
	rec := s.Record(false)
	b, _ := json.Marshal(rec)
	for _, sec := range []string{"pa55word-0123", "sess-value-0001", "sig-value-0002", "custom-auth-value-0003", "tenant-key-0004", "body-secret-0005", "proxy-pass-0006"} {
		if strings.Contains(string(b), sec) {
			t.Errorf("saved %q:\n%s", sec, b)
		}
	}
	if rec.Request.URL != "https://user@example.com/x?page=2" || len(rec.Request.Headers) != 1 || rec.Request.Headers[0].Name != "Accept" {
		t.Errorf("saved request %+v", rec.Request)
	}
	left := strings.Join(rec.NotSaved, "; ")
	for _, want := range []string{"the password in the address", "mySessionId", "X-Custom-Auth", "the request body", "the proxy's password"} {
		if !strings.Contains(left, want) {
			t.Errorf("not saved %q lacks %q", left, want)
		}
	}
}
