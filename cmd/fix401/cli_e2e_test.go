//go:build linux || darwin

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestManPage(t *testing.T) {
	// fang's man command writes to the process's own standard output, so
	// this runs the real binary.
	var stdout, stderr strings.Builder
	cmd := exec.Command(fix401Binary(t), "man")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() != 0 {
		t.Fatalf("%v, stderr %q", err, stderr.String())
	}
	r := chkResult{stdout: stdout.String()}
	if !strings.HasPrefix(r.stdout, ".TH FIX401 1") || !strings.Contains(r.stdout, "\n.SH NAME\n") {
		t.Errorf("not a man page:\n%.300s", r.stdout)
	}
	for _, sub := range []string{"check", "demo", "flush-dns", "system", "report"} {
		if !strings.Contains(r.stdout, sub) {
			t.Errorf("the man page does not mention %s", sub)
		}
	}
	if man, err := exec.LookPath("man"); err == nil {
		// man -l renders a local file; a page it cannot read fails it.
		f := filepath.Join(t.TempDir(), "fix401.1")
		if err := os.WriteFile(f, []byte(r.stdout), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(man, "-l", f)
		cmd.Env = append(os.Environ(), "MANPAGER=cat", "PAGER=cat", "MANWIDTH=80")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "fix401") {
			t.Errorf("man -l: %v\n%.500s", err, out)
		}
	}
}
