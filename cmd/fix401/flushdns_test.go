//go:build !windows

package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/fix401/fix401/platform"
)

// pfStubs writes shell scripts into a new directory first on PATH.
func pfStubs(t *testing.T, scripts map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return dir
}

// pfMachine makes the platform commands see a Linux machine with these
// files, paths and processes; programs and their runs stay real (stubs).
func pfMachine(t *testing.T, files map[string]string, exists []string, procs []platform.Proc) {
	t.Helper()
	old := newPlatformEnv
	t.Cleanup(func() { newPlatformEnv = old })
	newPlatformEnv = func() *platform.Env {
		env := platform.Real()
		env.GOOS = "linux"
		env.IsAdmin = func() bool { return false }
		env.ReadFile = func(name string) ([]byte, error) {
			if s, ok := files[name]; ok {
				return []byte(s), nil
			}
			return nil, os.ErrNotExist
		}
		env.ReadDir = func(string) ([]string, error) { return nil, os.ErrNotExist }
		env.Readlink = func(string) (string, error) { return "", os.ErrInvalid }
		env.Exists = func(name string) bool {
			for _, e := range exists {
				if e == name {
					return true
				}
			}
			return false
		}
		env.Processes = func() ([]platform.Proc, error) { return procs, nil }
		env.Interfaces = func() ([]platform.Iface, error) { return nil, nil }
		return env
	}
}

// pfRun runs fix401 with args and returns the exit code and output.
func pfRun(t *testing.T, stdin io.Reader, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := run(ctx, args, stdin, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// The fake sudo keeps "cached credentials" in a file: -v (the password
// prompt) creates it when FIX401_SUDO_PASSWORD is "right", -n runs the
// command only when it exists.
const pfSudo = `
case "$1" in
-v)
  if [ "$FIX401_SUDO_PASSWORD" = ctrl-c ]; then kill -INT $$; fi
  [ "$FIX401_SUDO_PASSWORD" = right ] || { echo "sudo: 3 incorrect password attempts" >&2; exit 1; }
  echo "$*" > "$FIX401_SUDO_CACHE.prompt"; touch "$FIX401_SUDO_CACHE"; exit 0;;
-n)
  shift
  [ -f "$FIX401_SUDO_CACHE" ] || { echo "sudo: a password is required" >&2; exit 1; }
  [ "$1" = "--" ] && shift
  FIX401_ROOT=1 exec "$@";;
esac
echo "sudo stub: unexpected $*" >&2; exit 2`

type pfFixture struct {
	log, cache, bin string
}

func pfResolved(t *testing.T, resolvectl string) pfFixture {
	t.Helper()
	tmp := t.TempDir()
	fx := pfFixture{log: filepath.Join(tmp, "log"), cache: filepath.Join(tmp, "sudo-cache")}
	fx.bin = pfStubs(t, map[string]string{
		"systemctl":  `[ "$1 $2" = "is-active systemd-resolved" ] && { echo active; exit 0; }; exit 3`,
		"resolvectl": strings.ReplaceAll(resolvectl, "LOG", fx.log),
		"sudo":       pfSudo,
		"getent":     `[ "$2" = app.example ] && { if [ -f "` + fx.log + `" ]; then echo "10.0.0.2 STREAM app.example"; else echo "10.0.0.1 STREAM app.example"; fi; exit 0; }; exit 2`,
	})
	t.Setenv("FIX401_SUDO_CACHE", fx.cache)
	t.Setenv("FIX401_SUDO_PASSWORD", "")
	pfMachine(t, map[string]string{"/etc/resolv.conf": "nameserver 127.0.0.53\n"}, []string{"/run/systemd/resolve"}, nil)
	return fx
}

func pfLog(t *testing.T, name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		return ""
	}
	return string(b)
}

func TestFlushDNSDryRunShowsExactArgv(t *testing.T) {
	fx := pfResolved(t, `echo "$*" >> LOG`)
	code, out, errOut := pfRun(t, strings.NewReader(""), "flush-dns", "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, "  "+filepath.Join(fx.bin, "resolvectl")+" flush-caches\n") || !strings.Contains(out, "DNS cache: systemd-resolved") || !strings.Contains(out, "Dry run: nothing was run.") {
		t.Errorf("dry run output:\n%s", out)
	}
	if pfLog(t, fx.log) != "" {
		t.Error("--dry-run ran the flush")
	}
}

func TestFlushDNSRefusesWithoutTTY(t *testing.T) {
	fx := pfResolved(t, `echo "$*" >> LOG`)
	code, _, errOut := pfRun(t, strings.NewReader("y\n"), "flush-dns")
	if code != exitUsage || !strings.Contains(errOut, "--yes") || !strings.Contains(errOut, "not a terminal") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if pfLog(t, fx.log) != "" {
		t.Error("ran without consent")
	}
}

func TestFlushDNSYesRunsAndShowsBeforeAfter(t *testing.T) {
	fx := pfResolved(t, `echo "$*" >> LOG`)
	code, out, errOut := pfRun(t, strings.NewReader(""), "flush-dns", "--yes", "--host", "https://app.example/login")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if pfLog(t, fx.log) != "flush-caches\n" {
		t.Errorf("resolvectl got %q", pfLog(t, fx.log))
	}
	for _, want := range []string{"Before: app.example → 10.0.0.1", "✓ Empty systemd-resolved's cache", "After:  app.example → 10.0.0.2"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestFlushDNSEscalatesWithSudoWhenRefused(t *testing.T) {
	// resolvectl on a systemd with polkit: refused unless root.
	fx := pfResolved(t, `[ -n "$FIX401_ROOT" ] || { echo "Call failed: Access denied" >&2; exit 1; }; echo "root $*" >> LOG`)
	os.WriteFile(fx.cache, nil, 0o600)
	code, out, errOut := pfRun(t, strings.NewReader(""), "flush-dns", "--yes")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if pfLog(t, fx.log) != "root flush-caches\n" {
		t.Errorf("resolvectl got %q", pfLog(t, fx.log))
	}
	if !strings.Contains(out, "without admin rights: systemd-resolved refused") || !strings.Contains(out, "✓ Empty systemd-resolved's cache") ||
		!strings.Contains(out, "Running it again with admin rights: sudo -n -- "+filepath.Join(fx.bin, "resolvectl")+" flush-caches") {
		t.Errorf("output:\n%s", out)
	}
}

func TestFlushDNSSudoPasswordWithoutTTYFails(t *testing.T) {
	fx := pfResolved(t, `[ -n "$FIX401_ROOT" ] || exit 1; echo "root $*" >> LOG`)
	code, out, _ := pfRun(t, strings.NewReader(""), "flush-dns", "--yes")
	if code != exitProblem || !strings.Contains(out, "no terminal to ask on") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if pfLog(t, fx.log) != "" {
		t.Error("flushed without rights")
	}
}

// pfTTY returns the terminal side of a new pseudo-terminal with answer
// typed into it.
func pfTTY(t *testing.T, answer string) *os.File {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { ptmx.Close(); tty.Close() })
	go io.Copy(io.Discard, ptmx)
	if _, err := ptmx.Write([]byte(answer)); err != nil {
		t.Fatal(err)
	}
	return tty
}

func TestFlushDNSAsksOnTerminal(t *testing.T) {
	fx := pfResolved(t, `echo "$*" >> LOG`)
	code, out, errOut := pfRun(t, pfTTY(t, "n\n"), "flush-dns")
	if code != exitProblem || !strings.Contains(errOut, "Run this command? [y/N]") || !strings.Contains(out, "Cancelled: nothing was run.") {
		t.Errorf("answer n: exit %d\n%s\n%s", code, out, errOut)
	}
	if pfLog(t, fx.log) != "" {
		t.Fatal("ran after no")
	}
	code, out, errOut = pfRun(t, pfTTY(t, "y\n"), "flush-dns")
	if code != 0 || pfLog(t, fx.log) != "flush-caches\n" {
		t.Errorf("answer y: exit %d, log %q\n%s\n%s", code, pfLog(t, fx.log), out, errOut)
	}
}

func TestFlushDNSSudoPromptOnTerminal(t *testing.T) {
	tmp := t.TempDir()
	log := filepath.Join(tmp, "nscd.log")
	pfStubs(t, map[string]string{
		"nscd": `[ -n "$FIX401_ROOT" ] || { echo "Only root is allowed to use this option!" >&2; exit 4; }; echo "$*" >> ` + log,
		"sudo": pfSudo,
	})
	t.Setenv("FIX401_SUDO_CACHE", filepath.Join(tmp, "cache"))
	pfMachine(t, map[string]string{"/etc/resolv.conf": "nameserver 10.1.1.1\n"}, []string{"/run/nscd/socket"}, []platform.Proc{{PID: 99, Name: "nscd"}})

	t.Setenv("FIX401_SUDO_PASSWORD", "ctrl-c")
	code, out, _ := pfRun(t, pfTTY(t, "y\n"), "flush-dns")
	if code != exitProblem || !strings.Contains(out, "cancelled") || pfLog(t, log) != "" {
		t.Errorf("ctrl+c at the sudo prompt: exit %d\n%s", code, out)
	}
	t.Setenv("FIX401_SUDO_PASSWORD", "wrong")
	code, out, _ = pfRun(t, pfTTY(t, "y\n"), "flush-dns")
	if code != exitProblem || !strings.Contains(out, "✗") || !strings.Contains(out, "sudo did not give admin rights") {
		t.Errorf("wrong password: exit %d\n%s", code, out)
	}
	t.Setenv("FIX401_SUDO_PASSWORD", "right")
	code, out, errOut := pfRun(t, pfTTY(t, "y\n"), "flush-dns")
	if code != 0 || pfLog(t, log) != "-i hosts\n" {
		t.Fatalf("right password: exit %d, log %q\n%s\n%s", code, pfLog(t, log), out, errOut)
	}
	if !strings.Contains(out, "sudo -n -- ") || !strings.Contains(out, "nscd -i hosts") {
		t.Errorf("the shown command must be the one run:\n%s", out)
	}
	if p := pfLog(t, filepath.Join(tmp, "cache.prompt")); !strings.Contains(p, "[fix401] admin rights to flush the DNS cache") {
		t.Errorf("sudo prompt args %q", p)
	}
}

func TestFlushDNSNothingCaches(t *testing.T) {
	pfStubs(t, map[string]string{"systemctl": "exit 3"})
	pfMachine(t, map[string]string{"/etc/resolv.conf": "nameserver 192.168.1.1\n"}, nil, []platform.Proc{{PID: 1, Name: "init"}})
	code, out, _ := pfRun(t, strings.NewReader(""), "flush-dns", "--yes")
	if code != 0 || !strings.HasPrefix(out, platform.NothingCaches) || strings.Contains(out, "✓") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestFlushDNSUsage(t *testing.T) {
	pfResolved(t, `exit 0`)
	for _, args := range [][]string{
		{"flush-dns", "--bogus"},
		{"flush-dns", "extra"},
		{"flush-dns", "--host", "--gpu-launcher=x"},
		{"flush-dns", "--host", "bad host", "--dry-run"},
	} {
		if code, _, errOut := pfRun(t, strings.NewReader(""), args...); code != exitUsage || errOut == "" {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
}
