//go:build !windows

package platform

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// stubs writes shell scripts into a new directory, puts it first on PATH
// and returns it. Each script is a real program with real exit codes.
func stubs(t *testing.T, scripts map[string]string) string {
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

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRealRunStubs(t *testing.T) {
	log := filepath.Join(t.TempDir(), "log")
	dir := stubs(t, map[string]string{
		"fix401-ok":     `echo "args: $*" >> ` + log + `; echo "LC_ALL=$LC_ALL" >> ` + log + `; exit 0`,
		"fix401-fail":   `echo "something broke" >&2; exit 3`,
		"nscd":          `if [ "$(id -u)" != 0 ] || [ -n "$FIX401_NOT_ROOT" ]; then echo "Only root is allowed to use this option!" >&2; exit 4; fi; echo "$*" >> ` + log,
		"fix401-hang":   `sleep 60 & sleep 60`,
		"fix401-flood":  `yes fix401-flood-line | head -c 1000000; exit 0`,
		"fix401-escape": `printf 'bad \033]52;c;aGk=\007 \033[2J text\n' >&2; exit 9`,
	})
	noexec := filepath.Join(dir, "fix401-noexec")
	if err := os.WriteFile(noexec, []byte("#!/bin/sh\nexit 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := Real()
	ctx := t.Context()

	o := Do(ctx, env, Action{ID: "ok", Argv: []string{"fix401-ok", "a b", "&", "$HOME"}}, ViaDirect)
	if o.Status != StatusOK || o.ExitCode != 0 {
		t.Fatalf("ok = %+v", o)
	}
	if got := readFile(t, log); got != "args: a b & $HOME\nLC_ALL=C\n" {
		t.Errorf("the stub saw %q: argv must reach it untouched, with LC_ALL=C", got)
	}

	o = Do(ctx, env, Action{ID: "fail", Argv: []string{"fix401-fail"}}, ViaDirect)
	if o.Status != StatusFailed || o.ExitCode != 3 || o.Reason != "fix401-fail failed (exit code 3)" || o.Output != "something broke" {
		t.Errorf("fail = %+v", o)
	}

	t.Setenv("FIX401_NOT_ROOT", "1")
	nscd := Action{ID: "dns.nscd.invalidate", Argv: []string{"nscd", "-i", "hosts"}, Admin: true,
		ExitReasons: map[int]ExitReason{4: {Text: "only root may empty nscd's cache", NeedsAdmin: true}}}
	o = Do(ctx, env, nscd, ViaDirect)
	if o.Status != StatusFailed || o.ExitCode != 4 || !o.NeedsAdmin || !strings.HasPrefix(o.Reason, "only root may empty nscd's cache") {
		t.Errorf("permission denied (exit 4) = %+v", o)
	}

	o = Do(ctx, env, Action{ID: "missing", Argv: []string{"fix401-no-such-tool-anywhere"}}, ViaDirect)
	if o.Status != StatusFailed || o.Reason != "fix401-no-such-tool-anywhere is not installed (it is not on PATH)" {
		t.Errorf("not installed = %+v", o)
	}

	o = Do(ctx, env, Action{ID: "noexec", Argv: []string{noexec}}, ViaDirect)
	if o.Status != StatusFailed || !strings.Contains(o.Reason, "could not be started") || !strings.Contains(o.Reason, "permission denied") {
		t.Errorf("not executable = %+v", o)
	}

	start := time.Now()
	o = Do(ctx, env, Action{ID: "hang", Argv: []string{"fix401-hang"}, Timeout: time.Second}, ViaDirect)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("a hanging command took %s; the timeout is 1s", took)
	}
	if o.Status != StatusFailed || !strings.Contains(o.Reason, "did not finish within 1s") {
		t.Errorf("hang = %+v", o)
	}

	res := env.Run(ctx, Cmd{Argv: []string{"fix401-flood"}})
	if !res.OK() || len(res.Stdout) != maxOutput {
		t.Errorf("flood: ok=%v, kept %d bytes, want %d", res.OK(), len(res.Stdout), maxOutput)
	}

	o = Do(ctx, env, Action{ID: "escape", Argv: []string{"fix401-escape"}}, ViaDirect)
	if strings.ContainsRune(o.Output, 0x1b) || strings.ContainsRune(o.Output, 0x07) {
		t.Errorf("escape sequences reached the outcome: %q", o.Output)
	}

	// A cancelled context stops the command and says so.
	cctx, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(200 * time.Millisecond); cancel() }()
	start = time.Now()
	o = Do(cctx, env, Action{ID: "hang", Argv: []string{"fix401-hang"}, Timeout: time.Minute}, ViaDirect)
	if time.Since(start) > 5*time.Second || o.Status != StatusCancelled {
		t.Errorf("cancelled = %+v after %s", o, time.Since(start))
	}
}

// fakeSudo is a sudo stand-in: "sudo -n true" and "sudo -n -- argv" run
// only when FIX401_SUDO_CACHED is set, as with cached credentials.
const fakeSudo = `
if [ "$1" != "-n" ]; then echo "sudo: this stub only knows -n" >&2; exit 2; fi
shift
if [ -z "$FIX401_SUDO_CACHED" ]; then echo "sudo: a password is required" >&2; exit 1; fi
[ "$1" = "--" ] && shift
unset FIX401_NOT_ROOT
exec "$@"`

func TestRealSudoAndFlush(t *testing.T) {
	log := filepath.Join(t.TempDir(), "nscd.log")
	stubs(t, map[string]string{
		"sudo": fakeSudo,
		"nscd": `if [ -n "$FIX401_NOT_ROOT" ]; then echo "Only root is allowed to use this option!" >&2; exit 4; fi; echo "$*" >> ` + log,
	})
	t.Setenv("FIX401_NOT_ROOT", "1")
	t.Setenv("FIX401_SUDO_CACHED", "")
	// The machine's facts are recorded; programs and runs are real.
	env := Real()
	env.IsAdmin = func() bool { return false }
	env.ReadFile = func(name string) ([]byte, error) {
		if name == "/etc/resolv.conf" {
			return []byte("nameserver 10.0.0.1\n"), nil
		}
		return nil, os.ErrNotExist
	}
	env.Exists = func(name string) bool { return name == "/run/nscd/socket" }
	env.Processes = func() ([]Proc, error) { return []Proc{{PID: 4242, Name: "nscd"}}, nil }

	r := DetectDNS(t.Context(), env)
	acts := r.Actions()
	if len(acts) != 1 || filepath.Base(acts[0].Argv[0]) != "nscd" || !filepath.IsAbs(acts[0].Argv[0]) {
		t.Fatalf("plan = %+v", r)
	}
	if p := CheckPrivilege(t.Context(), env); p.State != PrivSudoPassword {
		t.Errorf("privilege = %+v", p)
	}
	o := Do(t.Context(), env, acts[0], ViaDirect)
	if o.Status != StatusFailed || !o.NeedsAdmin {
		t.Errorf("unprivileged flush = %+v", o)
	}
	o = Do(t.Context(), env, acts[0], ViaSudo)
	if o.Status != StatusFailed || !strings.Contains(o.Reason, "password") {
		t.Errorf("sudo -n without credentials = %+v", o)
	}
	// After SudoPrompt succeeded the credentials are cached.
	t.Setenv("FIX401_SUDO_CACHED", "1")
	if p := CheckPrivilege(t.Context(), env); p.State != PrivSudoReady {
		t.Errorf("privilege = %+v", p)
	}
	o = Do(t.Context(), env, acts[0], ViaSudo)
	if o.Status != StatusOK {
		t.Fatalf("sudo flush = %+v", o)
	}
	if got := readFile(t, log); got != "-i hosts\n" {
		t.Errorf("nscd got %q", got)
	}
}

func TestJudgePromptReal(t *testing.T) {
	stubs(t, map[string]string{
		"fix401-ok":   "exit 0",
		"fix401-deny": "exit 1",
		"fix401-int":  "kill -INT $$",
	})
	run := func(name string) Outcome {
		path, _ := filepathLook(name)
		return JudgePrompt(runErr(path))
	}
	if o := run("fix401-ok"); o.Status != StatusOK {
		t.Errorf("ok = %+v", o)
	}
	if o := run("fix401-deny"); o.Status != StatusFailed || o.ExitCode != 1 {
		t.Errorf("deny = %+v", o)
	}
	if o := run("fix401-int"); o.Status != StatusCancelled {
		t.Errorf("ctrl+c at the prompt = %+v", o)
	}
	if o := JudgePrompt(runErr("/nonexistent/sudo")); o.Status != StatusFailed {
		t.Errorf("missing = %+v", o)
	}
	cmd := SudoPrompt("to flush the DNS cache (100%)")
	if got := strings.Join(cmd.Args, "|"); got != "sudo|-v|-p|[fix401] admin rights to flush the DNS cache (100%%). Password for %u: " {
		t.Errorf("SudoPrompt args = %q", got)
	}
}

func TestRealCopyDoesNotHang(t *testing.T) {
	got := filepath.Join(t.TempDir(), "clip")
	// Like wl-copy, the stub leaves a child serving the selection with
	// stdout and stderr still open.
	stubs(t, map[string]string{"wl-copy": `cat > ` + got + `; (sleep 30) & exit 0`})
	t.Setenv("WAYLAND_DISPLAY", "wayland-0")
	t.Setenv("SSH_CONNECTION", "")
	t.Setenv("SSH_TTY", "")
	start := time.Now()
	r := Copy(t.Context(), Real(), nil, "https://example.com/?a=1&b=2")
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Copy took %s: it waited for the resident child", took)
	}
	if r.Tool != "wl-copy" || r.OSC52 {
		t.Errorf("copy = %+v", r)
	}
	if s := readFile(t, got); s != "https://example.com/?a=1&b=2" {
		t.Errorf("clipboard got %q", s)
	}
}

func TestRealStartDetached(t *testing.T) {
	got := filepath.Join(t.TempDir(), "stat")
	stubs(t, map[string]string{"fix401-bg": `cat /proc/$$/stat > ` + got + `.tmp; mv ` + got + `.tmp ` + got})
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	if err := Real().Start([]string{"fix401-bg", "--", "https://example.com/"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if b, err := os.ReadFile(got); err == nil {
			// Field 6 of /proc/PID/stat is the session: setsid made the
			// program its own session leader.
			s := string(b)
			f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
			pid := strings.Fields(s)[0]
			if len(f) < 4 || f[3] != pid {
				t.Errorf("not a session leader: pid %s, stat %q", pid, s)
			}
			if sid, _ := strconv.Atoi(f[3]); sid == os.Getpid() {
				t.Error("the program shares fix401's session")
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the detached program never ran")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestLinuxProcessesReal(t *testing.T) {
	if _, err := os.Stat("/proc/self/comm"); err != nil {
		t.Skip("no /proc here")
	}
	ps, err := linuxProcesses()
	if err != nil {
		t.Fatal(err)
	}
	me, ok := procByPID(ps, os.Getpid())
	if !ok || me.PPID != os.Getppid() || len(me.Args) == 0 {
		t.Errorf("this process = %+v, %v", me, ok)
	}
}

func TestRealResolveLocalhost(t *testing.T) {
	env := Real()
	if env.GOOS != "linux" || env.lookPath("getent") == "" {
		t.Skip("getent (glibc) is Linux-only")
	}
	r := Resolve(t.Context(), env, "localhost")
	if r.Error != "" || !slices.Contains(r.Addrs, "127.0.0.1") && !slices.Contains(r.Addrs, "::1") {
		t.Errorf("localhost = %+v", r)
	}
	if !strings.HasPrefix(r.Via, "getent") {
		t.Errorf("via = %q", r.Via)
	}
	// getent exits 2 for a name that does not exist (.invalid never does).
	r = Resolve(t.Context(), env, "fix401-test.invalid")
	if r.Error != "the name does not resolve" {
		t.Errorf("invalid name = %+v", r)
	}
}
