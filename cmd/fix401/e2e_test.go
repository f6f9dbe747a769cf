//go:build linux || darwin

package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/creack/pty"
	"golang.org/x/term"
)

var (
	wizBinOnce sync.Once
	wizBin     string
	wizBinErr  error
)

// fix401Binary builds the real binary once per test run.
func fix401Binary(t *testing.T) string {
	t.Helper()
	wizBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fix401-e2e-")
		if err != nil {
			wizBinErr = err
			return
		}
		wizBin = filepath.Join(dir, "fix401")
		out, err := exec.Command("go", "build", "-o", wizBin, ".").CombinedOutput()
		if err != nil {
			wizBinErr = errors.New(string(out))
		}
	})
	if wizBinErr != nil {
		t.Fatalf("building fix401: %v", wizBinErr)
	}
	return wizBin
}

// ptySession is the binary running in a real pseudo-terminal.
type ptySession struct {
	t      *testing.T
	cmd    *exec.Cmd
	ptmx   *os.File
	tty    *os.File
	mu     sync.Mutex
	out    bytes.Buffer
	before *term.State
}

func startPTY(t *testing.T, env []string, args ...string) *ptySession {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 30, Cols: 100}); err != nil {
		t.Fatal(err)
	}
	before, err := term.GetState(int(tty.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(fix401Binary(t), args...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &ptySession{t: t, cmd: cmd, ptmx: ptmx, tty: tty, before: before}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		ptmx.Close()
		tty.Close()
	})
	return s
}

func (s *ptySession) raw() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// screen is what a person would read: the output without escape
// sequences (the renderer writes changes only, so new text appears whole).
func (s *ptySession) screen() string { return ansi.Strip(s.raw()) }

func (s *ptySession) waitFor(text string) {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(s.screen(), text) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("waiting for %q; the screen shows:\n%s", text, s.screen())
}

// typeKeys types like a person: one key at a time.
func (s *ptySession) typeKeys(keys string) {
	s.t.Helper()
	for _, r := range keys {
		if _, err := s.ptmx.Write([]byte(string(r))); err != nil {
			s.t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// settle waits until the program's last output has been read (the
// terminal stays open, so there is no end of file to wait for).
func (s *ptySession) settle() {
	last := -1
	for i := 0; i < 100; i++ {
		n := len(s.raw())
		if n == last {
			return
		}
		last = n
		time.Sleep(50 * time.Millisecond)
	}
}

// wait waits for the program to exit and returns its exit code.
func (s *ptySession) wait() int {
	s.t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- s.cmd.Wait() }()
	select {
	case err := <-errc:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			s.t.Fatal(err)
		}
		return 0
	case <-time.After(20 * time.Second):
		s.t.Fatalf("fix401 did not exit; the screen shows:\n%s", s.screen())
	}
	return -1
}

// restored checks the terminal is as it was: same modes, alternate screen
// left, cursor shown.
func (s *ptySession) restored() {
	s.t.Helper()
	after, err := term.GetState(int(s.tty.Fd()))
	if err != nil {
		s.t.Fatal(err)
	}
	if !reflect.DeepEqual(s.before, after) {
		s.t.Error("the terminal's modes were not restored")
	}
	raw := s.raw()
	enter, leave := strings.LastIndex(raw, "\x1b[?1049h"), strings.LastIndex(raw, "\x1b[?1049l")
	if enter < 0 || leave < enter {
		s.t.Errorf("alternate screen not left (enter at %d, leave at %d)", enter, leave)
	}
	if strings.LastIndex(raw, "\x1b[?25h") < strings.LastIndex(raw, "\x1b[?25l") {
		s.t.Error("cursor left hidden")
	}
}

// TestE2EDemoInPTY runs `fix401 demo` in a real pseudo-terminal, types the
// login as a person would, reads the new status after the re-test, quits,
// and checks the terminal is restored.
func TestE2EDemoInPTY(t *testing.T) {
	s := startPTY(t, nil, "demo")
	s.waitFor("What fix401 found")
	s.typeKeys("\r")
	s.waitFor("Confirm your login information")
	s.typeKeys("\t")
	s.typeKeys("wonderland\r")
	s.waitFor("It works now")
	s.waitFor("200 OK")
	s.typeKeys("q")
	if code := s.wait(); code != exitOK {
		t.Fatalf("exit %d, want 0; screen:\n%s", code, s.screen())
	}
	s.settle()
	s.restored()
	if !strings.Contains(s.screen(), "works now (401 Unauthorized → 200 OK)") {
		t.Errorf("no summary after the program:\n%s", s.screen())
	}
}

// colorSGR matches an SGR sequence that sets a foreground or background
// colour.
var colorSGR = regexp.MustCompile(`\x1b\[(?:[0-9]*;)*(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[0-9]*)*m`)

// TestE2ESecretAndNoColor drives the wizard on a URL with NO_COLOR set to a
// non-boolean value: no colour may be written, and the password typed must
// never reach the terminal.
func TestE2ESecretAndNoColor(t *testing.T) {
	const secret = "S3cr3t-Passw0rd-e2e"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); ok && u == "bob" && p == secret {
			io.WriteString(w, "hello bob\n")
			return
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="e2e"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	s := startPTY(t, []string{"NO_COLOR=yes"}, "-u", "bob:wrong", srv.URL+"/private")
	s.waitFor("What fix401 found")
	s.typeKeys("\r")
	s.waitFor("Confirm your login information")
	s.typeKeys("\t" + secret + "\r")
	s.waitFor("It works now")
	s.typeKeys("\x03") // ctrl+c: quit at once.
	if code := s.wait(); code != exitInterrupted {
		t.Fatalf("exit %d after ctrl+c, want 130", code)
	}
	s.settle()
	s.restored()
	raw := s.raw()
	if strings.Contains(raw, secret) {
		t.Fatal("the password reached the terminal")
	}
	if m := colorSGR.FindString(raw); m != "" {
		t.Fatalf("colour written despite NO_COLOR: %q", m)
	}
}

// TestE2EPlainThroughStdin pipes answers into the binary: without a
// terminal it must choose the plain dialogue by itself, write no escape
// sequences, and exit 0 once fixed.
func TestE2EPlainThroughStdin(t *testing.T) {
	for _, args := range [][]string{{"demo"}, {"demo", "--plain"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			cmd := exec.Command(fix401Binary(t), args...)
			cmd.Stdin = strings.NewReader("\nalice\nwonderland\n")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			o := out.String()
			if strings.Contains(o, "\x1b") {
				t.Errorf("escape sequences in plain output: %q", o[strings.Index(o, "\x1b"):][:min(20, len(o)-strings.Index(o, "\x1b"))])
			}
			for _, want := range []string{"401 Unauthorized", "Step 1 · Confirm your login information", "User name [alice]: ", "401 Unauthorized  →  200 OK", "Step 1 (Confirm your login information) fixed it."} {
				if !strings.Contains(o, want) {
					t.Errorf("plain output lacks %q:\n%s", want, o)
				}
			}
		})
	}
}

// TestWizardExitCodes runs the command in process with a plain stdin.
func TestWizardExitCodes(t *testing.T) {
	const secret = "in-process-S3cret!"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, p, ok := r.BasicAuth(); ok && p == secret {
			return
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	cases := []struct {
		name  string
		args  []string
		stdin string
		code  int
	}{
		{"unknown scenario", []string{"demo", "--scenario", "nope"}, "", exitUsage},
		{"not http", []string{"ftp://example.com/"}, "", exitUsage},
		{"two URLs", []string{srv.URL, srv.URL}, "", exitUsage},
		{"fixed through step 1", []string{"-u", "carol:bad", srv.URL}, "\ncarol\n" + secret + "\n", exitOK},
		{"URL typed, then input ends", nil, srv.URL + "\n\n", exitProblem},
		{"bad URL typed, then a good one", nil, "ftp://nope\n" + srv.URL + "\nq\n", exitProblem},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			code := run(context.Background(), c.args, strings.NewReader(c.stdin), &out, &out)
			if code != c.code {
				t.Fatalf("exit %d, want %d:\n%s", code, c.code, out.String())
			}
			if strings.Contains(out.String(), secret) {
				t.Fatal("secret in the transcript")
			}
		})
	}
}

// TestPlainInterrupted: ctrl+c (the context ending) while waiting for an
// answer exits 130.
func TestPlainInterrupted(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--plain"}, pr, &out, io.Discard) }()
	time.Sleep(200 * time.Millisecond)
	cancel()
	select {
	case code := <-done:
		if code != exitInterrupted {
			t.Fatalf("exit %d, want 130:\n%s", code, out.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("plain dialogue did not stop on interrupt")
	}
}
