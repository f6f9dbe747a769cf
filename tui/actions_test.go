//go:build !windows

package tui

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/fix401/fix401/platform"
	"github.com/fix401/fix401/steps"
)

// stubMachine is this machine with systemd-resolved in front of DNS:
// systemctl, resolvectl and getent are shell scripts on PATH (and nothing
// else is), run for real. resolvectl logs its arguments and exits with
// the given code; getent answers 10.0.0.1 before the flush, 10.0.0.2
// after.
func stubMachine(t *testing.T, resolvectlExit int) (env *platform.Env, flushLog string) {
	t.Helper()
	dir := t.TempDir()
	flushLog = filepath.Join(dir, "flush.log")
	scripts := map[string]string{
		"systemctl":  `[ "$1 $2" = "is-active systemd-resolved" ] && { echo active; exit 0; }; exit 3`,
		"resolvectl": `echo "$*" >> "` + flushLog + `"; [ ` + itoa(resolvectlExit) + ` = 0 ] || echo "Failed to flush caches: Access denied" >&2; exit ` + itoa(resolvectlExit),
		"getent":     `[ "$1" = ahosts ] || exit 1; if [ -f "` + flushLog + `" ]; then echo "10.0.0.2 STREAM $2"; else echo "10.0.0.1 STREAM $2"; fi`,
	}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
	env = platform.Real()
	env.GOOS = "linux"
	env.IsAdmin = func() bool { return false }
	env.ReadFile = func(name string) ([]byte, error) {
		if name == "/etc/resolv.conf" {
			return []byte("nameserver 127.0.0.53\n"), nil
		}
		return nil, os.ErrNotExist
	}
	env.ReadDir = func(string) ([]string, error) { return nil, os.ErrNotExist }
	env.Readlink = func(string) (string, error) { return "", os.ErrInvalid }
	env.Exists = func(name string) bool { return name == "/run/systemd/resolve" }
	env.Processes = func() ([]platform.Proc, error) { return nil, nil }
	env.Interfaces = func() ([]platform.Iface, error) { return nil, nil }
	return env, flushLog
}

// flushConfig is the basic demo behind a loopback server, on a machine
// whose platform offers come from env.
func flushConfig(t *testing.T, env *platform.Env) Config {
	cfg := demoConfig(t, "basic", true)
	pf := steps.NewPlatform(env)
	pf.TempDir = t.TempDir()
	cfg.Env.Detect = pf.Detect
	return cfg
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestStep5FlushRunsAfterConsent: step 5 shows the exact command, asks
// before running it, runs the real program, and re-tests.
func TestStep5FlushRunsAfterConsent(t *testing.T) {
	env, flushLog := stubMachine(t, 0)
	d := newDriver(t, New(flushConfig(t, env)), 200, 60)
	d.send(startMsg{})
	d.key("5")
	f := ansi.Strip(d.frame())
	resolvectl := filepath.Join(filepath.Dir(flushLog), "resolvectl")
	for _, want := range []string{"This computer keeps DNS answers in systemd-resolved", "[ Flush the DNS cache (systemd-resolved) ]", "runs: " + resolvectl + " flush-caches"} {
		if !strings.Contains(f, want) {
			t.Fatalf("step 5 lacks %q:\n%s", want, f)
		}
	}
	d.key("tab", "enter")
	f = ansi.Strip(d.frame())
	if !strings.Contains(f, "$ "+resolvectl+" flush-caches") || !strings.Contains(f, "Run this? y (yes) or n (no).") {
		t.Fatalf("no question:\n%s", f)
	}
	if exists(flushLog) {
		t.Fatal("the flush ran before the yes")
	}
	d.key("y")
	log, err := os.ReadFile(flushLog)
	if err != nil || strings.TrimSpace(string(log)) != "flush-caches" {
		t.Fatalf("resolvectl ran with %q (%v)", log, err)
	}
	m := d.model()
	r := m.sess.LastRetest()
	if m.sess.Phase != steps.PhaseResult || r == nil || r.Step != 5 {
		t.Fatalf("no re-test: phase %v error %q", m.sess.Phase, m.sess.Error)
	}
	if !strings.Contains(r.Change, "10.0.0.1 before, and now resolves to 10.0.0.2") {
		t.Fatalf("change %q", r.Change)
	}
	if f := ansi.Strip(d.frame()); !strings.Contains(f, "Flush the DNS cache (systemd-resolved) (done by fix401)") {
		t.Fatalf("result screen:\n%s", f)
	}
}

// TestStep5DeclinedRunsNothing: n runs nothing and says so.
func TestStep5DeclinedRunsNothing(t *testing.T) {
	env, flushLog := stubMachine(t, 0)
	d := newDriver(t, New(flushConfig(t, env)), 200, 60)
	d.send(startMsg{})
	d.key("5", "tab", "enter", "n")
	if exists(flushLog) {
		t.Fatal("the flush ran after a no")
	}
	m := d.model()
	if m.sess.Phase != steps.PhaseStep || len(m.sess.History) != 0 || m.sess.PendingConsent() != nil {
		t.Fatalf("phase %v history %d", m.sess.Phase, len(m.sess.History))
	}
	if f := ansi.Strip(d.frame()); !strings.Contains(f, "Nothing was run.") || strings.Contains(f, "Run this?") {
		t.Fatalf("frame:\n%s", f)
	}
}

// TestStep5FlushFails: the program's exit code decides; a refusal that
// admin rights would fix, with no sudo here, is said plainly and nothing
// is re-tested.
func TestStep5FlushFails(t *testing.T) {
	env, flushLog := stubMachine(t, 1)
	d := newDriver(t, New(flushConfig(t, env)), 200, 60)
	d.send(startMsg{})
	d.key("5", "tab", "enter", "y")
	if !exists(flushLog) {
		t.Fatal("resolvectl did not run")
	}
	m := d.model()
	if len(m.sess.History) != 0 || !strings.Contains(m.sess.Error, "sudo is not installed") || !strings.Contains(m.sess.Error, "exit code 1") {
		t.Fatalf("history %d error %q notice %q", len(m.sess.History), m.sess.Error, m.sess.Notice)
	}
}

// TestPlainOffersTheSameActions: the plain dialogue shows the command,
// asks, and runs it after a yes.
func TestPlainOffersTheSameActions(t *testing.T) {
	env, flushLog := stubMachine(t, 0)
	var out bytes.Buffer
	o, err := RunPlain(context.Background(), flushConfig(t, env), strings.NewReader("5\na\ny\nq\n"), &out)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(out.String()), " ")
	resolvectl := filepath.Join(filepath.Dir(flushLog), "resolvectl")
	for _, want := range []string{"runs: " + resolvectl + " flush-caches", "$ " + resolvectl + " flush-caches", "Run this? y yes · n no", "Re-testing after step 5"} {
		if !strings.Contains(text, want) {
			t.Errorf("plain output lacks %q:\n%s", want, out.String())
		}
	}
	if !exists(flushLog) || o.Interrupted {
		t.Fatalf("flush ran: %v, outcome %+v\n%s", exists(flushLog), o, text)
	}

	// Enter alone at the question is a no.
	env, flushLog = stubMachine(t, 0)
	out.Reset()
	if _, err := RunPlain(context.Background(), flushConfig(t, env), strings.NewReader("5\na\n\nq\n"), &out); err != nil {
		t.Fatal(err)
	}
	if exists(flushLog) || !strings.Contains(out.String(), "Nothing was run.") {
		t.Fatalf("enter ran it (%v):\n%s", exists(flushLog), out.String())
	}
}

// TestStep5FitsEverySize: the actions, their commands and the question
// fit any terminal size.
func TestStep5FitsEverySize(t *testing.T) {
	env, _ := stubMachine(t, 0)
	cfg := flushConfig(t, env)
	for _, sz := range [][2]int{{40, 12}, {52, 16}, {60, 20}, {83, 30}, {84, 12}, {120, 40}} {
		w, h := sz[0], sz[1]
		d := newDriver(t, New(cfg), w, h)
		d.send(startMsg{})
		d.key("5")
		frames := []string{d.frame()}
		d.key("tab")
		frames = append(frames, d.frame())
		d.key("enter")
		frames = append(frames, d.frame())
		if d.model().sess.PendingConsent() == nil {
			t.Fatalf("%dx%d: no question", w, h)
		}
		for i, f := range frames {
			lines := strings.Split(f, "\n")
			if len(lines) > h {
				t.Errorf("%dx%d frame %d: %d lines", w, h, i, len(lines))
			}
			for _, l := range lines {
				if ansi.StringWidth(l) > w {
					t.Errorf("%dx%d frame %d: %q is %d wide", w, h, i, ansi.Strip(l), ansi.StringWidth(l))
				}
			}
		}
		// The focused action stays in view when the step is longer than
		// the terminal.
		if !strings.Contains(ansi.Strip(frames[1]), "Flush the DNS cache") {
			t.Errorf("%dx%d: the focused action is out of view:\n%s", w, h, ansi.Strip(frames[1]))
		}
		if !strings.Contains(ansi.Strip(frames[2]), "(no).") {
			t.Errorf("%dx%d: the question is out of view:\n%s", w, h, ansi.Strip(frames[2]))
		}
	}
}

// sudoStub is a sudo on PATH that keeps "cached credentials" in a file:
// -v (the password prompt) creates it when FIX401_SUDO_PASSWORD is
// "right", and -n runs the command only when it exists.
const sudoStub = `
case "$1" in
-v)
  [ "$FIX401_SUDO_PASSWORD" = right ] || { echo "sudo: 3 incorrect password attempts" >&2; exit 1; }
  echo "$*" > "$FIX401_SUDO_CACHE.prompt"; : > "$FIX401_SUDO_CACHE"; exit 0;;
-n)
  shift
  [ -f "$FIX401_SUDO_CACHE" ] || { echo "sudo: a password is required" >&2; exit 1; }
  [ "$1" = "--" ] && shift
  exec "$@";;
esac
echo "sudo stub: unexpected $*" >&2; exit 2`

// nscdMachine is a machine whose DNS cache is nscd, which only root may
// flush; sudo and nscd are stub programs on PATH.
func nscdMachine(t *testing.T, password string) (env *platform.Env, flushLog, cache string) {
	t.Helper()
	dir := t.TempDir()
	flushLog, cache = filepath.Join(dir, "flush.log"), filepath.Join(dir, "sudo-cache")
	for name, body := range map[string]string{
		"sudo": sudoStub,
		"true": "exit 0",
		"nscd": `echo "$*" >> "` + flushLog + `"`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
	t.Setenv("FIX401_SUDO_CACHE", cache)
	t.Setenv("FIX401_SUDO_PASSWORD", password)
	env = platform.Real()
	env.GOOS = "linux"
	env.IsAdmin = func() bool { return false }
	env.ReadFile = func(name string) ([]byte, error) {
		if name == "/etc/resolv.conf" {
			return []byte("nameserver 192.0.2.1\n"), nil
		}
		return nil, os.ErrNotExist
	}
	env.ReadDir = func(string) ([]string, error) { return nil, os.ErrNotExist }
	env.Readlink = func(string) (string, error) { return "", os.ErrInvalid }
	env.Exists = func(name string) bool { return name == "/run/nscd/socket" }
	env.Processes = func() ([]platform.Proc, error) { return nil, nil }
	env.Interfaces = func() ([]platform.Iface, error) { return nil, nil }
	return env, flushLog, cache
}

// TestSudoPromptThroughTheTerminal runs the real program loop: after the
// yes, the terminal goes to "sudo -v" (tea.ExecProcess), then the command
// shown runs through "sudo -n" and the URL is re-tested. A wrong password
// runs nothing.
func TestSudoPromptThroughTheTerminal(t *testing.T) {
	for _, tc := range []struct {
		password string
		flushed  bool
	}{{"right", true}, {"wrong", false}} {
		t.Run(tc.password, func(t *testing.T) {
			env, flushLog, cache := nscdMachine(t, tc.password)
			tm := teatest.NewTestModel(t, New(flushConfig(t, env)),
				teatest.WithInitialTermSize(200, 60),
				teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii), tea.WithEnvironment([]string{"TERM=xterm-256color"})))
			var seen bytes.Buffer
			out := io.TeeReader(tm.Output(), &seen)
			contains := func(s string) func([]byte) bool {
				return func([]byte) bool { return bytes.Contains(seen.Bytes(), []byte(s)) }
			}
			teatest.WaitFor(t, out, contains("What fix401 found"), teatest.WithDuration(10*time.Second))
			tm.Send(keyMsg("5"))
			nscd := filepath.Join(filepath.Dir(flushLog), "nscd")
			teatest.WaitFor(t, out, contains("sudo -n -- "+nscd+" -i hosts"), teatest.WithDuration(10*time.Second))
			tm.Send(keyMsg("tab"))
			tm.Send(keyMsg("enter"))
			teatest.WaitFor(t, out, contains("Run this?"), teatest.WithDuration(5*time.Second))
			tm.Send(keyMsg("y"))
			if tc.flushed {
				teatest.WaitFor(t, out, contains("After step 5"), teatest.WithDuration(10*time.Second))
			} else {
				teatest.WaitFor(t, out, contains("sudo did not give admin rights"), teatest.WithDuration(10*time.Second))
			}
			tm.Send(keyMsg("q"))
			fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
			prompt, _ := os.ReadFile(cache + ".prompt")
			if tc.flushed && !strings.HasPrefix(string(prompt), "-v -p [fix401] admin rights to flush the DNS cache") {
				t.Errorf("sudo -v was not run with the prompt: %q", prompt)
			}
			log, _ := os.ReadFile(flushLog)
			if got := strings.TrimSpace(string(log)); tc.flushed != (got == "-i hosts") {
				t.Fatalf("nscd ran with %q; error %q", got, fm.sess.Error)
			}
			if r := fm.sess.LastRetest(); tc.flushed != (r != nil && r.Step == 5) {
				t.Fatalf("re-test %+v", r)
			}
		})
	}
}
