package main

// Tests of what every command shares: usage errors, --version, the man
// page and shell completion, through run(), the entry point main uses.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestUsageErrorsExitTwoWithOneLine(t *testing.T) {
	const token = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0cGF5bG9hZA.c2lnbmF0dXJlc2VjcmV0"
	for _, args := range [][]string{
		{"--bogus"},
		{"a", "b"},
		{"check"},
		{"check", "--bogus"},
		{"check", "a", "b"},
		// An unquoted header spills its token into the arguments.
		{"check", "-H", "Authorization:", "Bearer", token, "https://example.com/"},
		{"demo", "extra"},
		{"demo", "--bogus"},
		{"flush-dns", "extra"},
		{"system", "extra"},
		{"system", "--bogus"},
		{"report", "extra"},
		{"report", "show"},
		{"report", "show", "a", "b"},
		{"completion", "tcsh"},
		{"completion", "bash", "extra"},
		{"man", "extra"},
	} {
		r := chkRun(t, args...)
		if r.code != exitUsage {
			t.Errorf("%q: exit %d, want %d; stderr %q", args, r.code, exitUsage, r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("%q: stdout %q, want nothing", args, r.stdout)
		}
		if !strings.HasPrefix(r.stderr, "fix401: ") || !strings.HasSuffix(r.stderr, "\n") || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%q: stderr is not one line starting fix401: %q", args, r.stderr)
		}
		if strings.Contains(r.stderr, "c2VjcmV0") {
			t.Errorf("%q: the token reached stderr: %q", args, r.stderr)
		}
	}
}

// TestOneLine checks the error line itself: through run() fang's writer
// strips colour from a stderr that is not a terminal, which would hide an
// escape sequence oneLine let through.
func TestOneLine(t *testing.T) {
	got := oneLine("unknown flag: --bo\x1b]0;title\x07gus\x1b[31m\nsecond  line\r")
	if want := "unknown flag: --bogus second line"; got != want {
		t.Errorf("oneLine = %q, want %q", got, want)
	}
}

func TestVersion(t *testing.T) {
	r := chkRun(t, "--version")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "fix401 version ") || r.stderr != "" {
		t.Errorf("built from source: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	defer func(v string) { version = v }(version)
	version = "v9.8.7-test"
	r = chkRun(t, "--version")
	if r.code != exitOK || !strings.Contains(r.stdout, "v9.8.7-test") {
		t.Errorf("with -X main.version: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestCompletionBash(t *testing.T) {
	r := chkRun(t, "completion", "bash")
	if r.code != exitOK || r.stderr != "" || !strings.Contains(r.stdout, "__start_fix401") {
		t.Fatalf("exit %d, stderr %q, stdout:\n%.300s", r.code, r.stderr, r.stdout)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash on PATH")
	}
	// Loading the script in a real bash registers the completion.
	f := filepath.Join(t.TempDir(), "fix401.bash")
	if err := os.WriteFile(f, []byte(r.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bash, "--norc", "--noprofile", "-c", `source "$1" && complete -p fix401`, "bash", f).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "fix401") {
		t.Errorf("bash: %v\n%s", err, out)
	}
}
