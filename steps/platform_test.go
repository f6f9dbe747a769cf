package steps_test

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fix401/fix401/platform"
	"github.com/fix401/fix401/probe"
	"github.com/fix401/fix401/steps"
)

// machine is one computer's recorded facts: files, programs on PATH,
// environment, command results. Its Env records every argv it runs and
// every program it starts, and runs nothing.
type machine struct {
	goos   string
	files  map[string]string
	exists []string
	vars   map[string]string
	path   map[string]string
	// cmds maps an argv, joined by spaces and with argv[0] as the bare
	// name, to its result; result, when set, decides instead.
	cmds   map[string]platform.CmdResult
	result func(argv []string) (platform.CmdResult, bool)
	hosts  map[string][]string
	admin  bool

	mu      sync.Mutex
	ran     [][]string
	started [][]string
	raised  [][]string // argv run through Elevate (UAC)
}

func ok(stdout string) platform.CmdResult { return platform.CmdResult{Stdout: stdout} }
func fail(code int, stderr string) platform.CmdResult {
	return platform.CmdResult{ExitCode: code, Stderr: stderr}
}

func (m *machine) env() *platform.Env {
	e := &platform.Env{GOOS: m.goos}
	e.ReadFile = func(name string) ([]byte, error) {
		if s, ok := m.files[name]; ok {
			return []byte(s), nil
		}
		return nil, fs.ErrNotExist
	}
	e.ReadDir = func(name string) ([]string, error) {
		var names []string
		for p := range m.files {
			if path.Dir(p) == name {
				names = append(names, path.Base(p))
			}
		}
		if names == nil {
			return nil, fs.ErrNotExist
		}
		slices.Sort(names)
		return names, nil
	}
	e.Readlink = func(string) (string, error) { return "", fs.ErrInvalid }
	e.Exists = func(name string) bool {
		_, isFile := m.files[name]
		return isFile || slices.Contains(m.exists, name)
	}
	e.LookPath = func(file string) (string, error) {
		if p, ok := m.path[file]; ok {
			return p, nil
		}
		return "", exec.ErrNotFound
	}
	e.Getenv = func(k string) string { return m.vars[k] }
	e.Run = func(_ context.Context, c platform.Cmd) platform.CmdResult {
		m.mu.Lock()
		m.ran = append(m.ran, slices.Clone(c.Argv))
		m.mu.Unlock()
		if m.result != nil {
			if r, ok := m.result(c.Argv); ok {
				r.Argv = c.Argv
				return r
			}
		}
		key := strings.Join(append([]string{path.Base(c.Argv[0])}, c.Argv[1:]...), " ")
		if r, ok := m.cmds[key]; ok {
			r.Argv = c.Argv
			return r
		}
		return platform.CmdResult{Argv: c.Argv, ExitCode: -1, NotFound: true}
	}
	e.Start = func(argv []string) error {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.started = append(m.started, slices.Clone(argv))
		return nil
	}
	e.Interfaces = func() ([]platform.Iface, error) { return nil, nil }
	e.LookupHost = func(_ context.Context, h string) ([]string, error) {
		if a, ok := m.hosts[h]; ok {
			return a, nil
		}
		return nil, errors.New("no such host")
	}
	e.IsAdmin = func() bool { return m.admin }
	if m.goos == "windows" {
		e.Elevate = func(_ context.Context, argv []string, _ time.Duration) (int, error) {
			m.mu.Lock()
			defer m.mu.Unlock()
			m.raised = append(m.raised, slices.Clone(argv))
			return 0, nil
		}
	}
	return e
}

// ranMatching returns the recorded argvs whose program is named name.
func (m *machine) ranMatching(name string) [][]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out [][]string
	for _, a := range m.ran {
		if slices.ContainsFunc(a, func(s string) bool { return path.Base(s) == name }) {
			out = append(out, a)
		}
	}
	return out
}

// shown is how platform displays an argv (the text the person saw).
func shown(argv []string) string { return platform.Action{Argv: argv}.Command() }

// unauthorized is a real loopback server that always answers 401.
func unauthorized(t *testing.T) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="intranet"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(ts.Close)
	return ts.URL + "/reports"
}

// sessionAt starts a session with the machine's offers against a live
// 401 server, checks it, and goes to step n, running every effect.
func sessionAt(t *testing.T, m *machine, n int) (*steps.Session, *steps.Platform) {
	t.Helper()
	pf := steps.NewPlatform(m.env())
	pf.TempDir = t.TempDir()
	s := steps.NewSession(steps.Env{GOOS: m.goos, Detect: pf.Detect}, probe.Request{})
	run(t, s, s.Apply(steps.Start{URL: unauthorized(t)}))
	if s.Phase != steps.PhaseDiagnosis {
		t.Fatalf("phase %v, error %q", s.Phase, s.Error)
	}
	run(t, s, s.Apply(steps.Jump{Step: n}))
	if s.Detecting(n) {
		t.Fatalf("step %d: still detecting", n)
	}
	return s, pf
}

// run runs effects like the wizard does; an EffectTerminal is answered as
// if the person typed the right password (see terminalErr).
func run(t *testing.T, s *steps.Session, effs []steps.Effect) {
	t.Helper()
	runWith(t, s, effs, nil)
}

func runWith(t *testing.T, s *steps.Session, effs []steps.Effect, terminal func(*exec.Cmd) error) {
	t.Helper()
	for len(effs) > 0 {
		e := effs[0]
		effs = effs[1:]
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		switch e.Kind {
		case steps.EffectCheck:
			res, err := probe.Run(ctx, e.Request)
			effs = append(effs, s.Apply(steps.Probed{Seq: e.Seq, Result: res, Err: err})...)
		case steps.EffectResolve:
			effs = append(effs, s.Apply(steps.DNSDone{Host: e.Host, Addrs: []string{"127.0.0.1"}})...)
		case steps.EffectDetect:
			offer := s.Env.Detect(ctx, e.Step, e.Request)
			effs = append(effs, s.Apply(steps.Detected{Step: e.Step, Seq: e.Seq, Offer: offer})...)
		case steps.EffectAction:
			out, err := e.Action.Run(ctx)
			effs = append(effs, s.Apply(steps.ActionDone{Step: e.Step, Label: e.Action.Label, Output: out, Err: err})...)
		case steps.EffectTerminal:
			if terminal == nil {
				t.Fatalf("unexpected terminal hand-over: %v", e.Terminal.Args)
			}
			effs = append(effs, s.Apply(steps.TerminalDone{Step: e.Step, Err: terminal(e.Terminal)})...)
		}
		cancel()
	}
}

func labels(acts []steps.Action) []string {
	var out []string
	for _, a := range acts {
		out = append(out, a.Label)
	}
	return out
}

// platformActions are the actions of a step that come from the machine.
func platformActions(st steps.Step) []steps.Action {
	var out []steps.Action
	for _, a := range st.Actions {
		if a.Kind == steps.ActionRun || strings.Contains(a.Label, "proxy") {
			out = append(out, a)
		}
	}
	return out
}

var resolvedLinux = map[string]string{"/etc/resolv.conf": "nameserver 127.0.0.53\n"}

// TestStep5Offers: per machine, what step 5 shows and offers, and that
// the action runs only after a yes, exactly the command shown.
func TestStep5Offers(t *testing.T) {
	sudoReady := map[string]platform.CmdResult{"sudo -n true": ok("")}
	cases := []struct {
		name string
		m    *machine
		// want are the command lines shown per action.
		want [][]string
		info string
	}{
		{
			name: "systemd-resolved",
			m: &machine{goos: "linux", files: resolvedLinux, exists: []string{"/run/systemd/resolve"},
				path: map[string]string{"resolvectl": "/usr/bin/resolvectl"},
				cmds: map[string]platform.CmdResult{"systemctl is-active systemd-resolved": ok("active\n"), "resolvectl flush-caches": ok("")}},
			want: [][]string{{"/usr/bin/resolvectl flush-caches"}},
			info: "systemd-resolved",
		},
		{
			name: "nscd through sudo",
			m: &machine{goos: "linux", files: map[string]string{"/etc/resolv.conf": "nameserver 192.0.2.1\n"}, exists: []string{"/run/nscd/socket"},
				path: map[string]string{"nscd": "/usr/sbin/nscd"}, cmds: mergeCmds(sudoReady, map[string]platform.CmdResult{"sudo -n -- /usr/sbin/nscd -i hosts": ok("")})},
			want: [][]string{{"sudo -n -- /usr/sbin/nscd -i hosts"}},
			info: "nscd",
		},
		{
			name: "macOS, two commands in one step",
			m: &machine{goos: "darwin", path: map[string]string{"dscacheutil": "/usr/bin/dscacheutil", "killall": "/usr/bin/killall"},
				cmds: mergeCmds(sudoReady, map[string]platform.CmdResult{"sw_vers -productVersion": ok("14.5\n"),
					"sudo -n -- /usr/bin/dscacheutil -flushcache": ok(""), "sudo -n -- /usr/bin/killall -HUP mDNSResponder": ok("")})},
			want: [][]string{{"sudo -n -- /usr/bin/dscacheutil -flushcache", "sudo -n -- /usr/bin/killall -HUP mDNSResponder"}},
			info: "mDNSResponder",
		},
		{
			name: "windows",
			m: &machine{goos: "windows", path: map[string]string{"ipconfig": `C:\Windows\System32\ipconfig.exe`},
				cmds: map[string]platform.CmdResult{`C:\Windows\System32\ipconfig.exe /flushdns`: ok("")}},
			want: [][]string{{`C:\Windows\System32\ipconfig.exe /flushdns`}},
			info: "Windows DNS Client",
		},
		{
			name: "nothing caches",
			m:    &machine{goos: "linux", files: map[string]string{"/etc/resolv.conf": "nameserver 192.0.2.1\n"}},
			info: platform.NothingCaches,
		},
		{
			name: "nscd, but sudo is refused",
			m: &machine{goos: "linux", files: map[string]string{"/etc/resolv.conf": "nameserver 192.0.2.1\n"}, exists: []string{"/run/nscd/socket"},
				path: map[string]string{"nscd": "/usr/sbin/nscd"},
				cmds: map[string]platform.CmdResult{"sudo -n true": fail(1, "sudo: ann is not in the sudoers file.\n")}},
			info: "Someone with them can run: sudo -n -- /usr/sbin/nscd -i hosts",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := sessionAt(t, c.m, 5)
			st := s.Step(5)
			acts := platformActions(st)
			var got [][]string
			for _, a := range acts {
				got = append(got, a.Show)
				if !a.Changes {
					t.Errorf("%q does not ask before changing the system", a.Label)
				}
			}
			if !slices.EqualFunc(got, c.want, slices.Equal) {
				t.Errorf("shown %q, want %q", got, c.want)
			}
			if !strings.Contains(strings.Join(st.Info, "\n"), c.info) {
				t.Errorf("info lacks %q:\n%s", c.info, strings.Join(st.Info, "\n"))
			}
			if len(acts) == 0 {
				return
			}
			before := len(c.m.ran)
			idx := slices.IndexFunc(st.Actions, func(a steps.Action) bool { return a.Label == acts[0].Label })
			if effs := s.Apply(steps.RunAction{Index: idx}); len(effs) != 0 {
				t.Fatalf("ran without asking: %+v", effs)
			}
			if p := s.PendingConsent(); p == nil || !slices.Equal(p.Show, c.want[0]) {
				t.Fatalf("no question, or another command: %+v", p)
			}
			if len(c.m.ran) != before {
				t.Fatalf("something ran before the yes: %q", c.m.ran[before:])
			}
			run(t, s, s.Apply(steps.Consent{Yes: true}))
			// The commands run are exactly those shown, in order.
			var ranShown []string
			for _, a := range c.m.ran[before:] {
				line := shown(a)
				if slices.Contains(c.want[0], line) {
					ranShown = append(ranShown, line)
				}
			}
			if !slices.Equal(ranShown, c.want[0]) {
				t.Errorf("ran %q, shown %q", c.m.ran[before:], c.want[0])
			}
			r := s.LastRetest()
			if r == nil || r.Step != 5 || !strings.Contains(r.Change, "done by fix401") {
				t.Fatalf("no re-test after the action: %+v (error %q)", r, s.Error)
			}
		})
	}
}

func mergeCmds(a, b map[string]platform.CmdResult) map[string]platform.CmdResult {
	out := map[string]platform.CmdResult{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// TestStep5DeclinedRunsNothing: n, or leaving the question, runs nothing.
func TestStep5DeclinedRunsNothing(t *testing.T) {
	m := &machine{goos: "linux", files: resolvedLinux, exists: []string{"/run/systemd/resolve"},
		path: map[string]string{"resolvectl": "/usr/bin/resolvectl"},
		cmds: map[string]platform.CmdResult{"systemctl is-active systemd-resolved": ok("active\n"), "resolvectl flush-caches": ok("")}}
	s, _ := sessionAt(t, m, 5)
	idx := slices.IndexFunc(s.Step(5).Actions, func(a steps.Action) bool { return a.Changes })
	s.Apply(steps.RunAction{Index: idx})
	if effs := s.Apply(steps.Consent{Yes: false}); effs != nil || s.Notice != "Nothing was run." {
		t.Fatalf("no: effects %+v notice %q", effs, s.Notice)
	}
	// Asked again, then the person goes elsewhere: that is a no too.
	s.Apply(steps.RunAction{Index: idx})
	s.Apply(steps.Jump{Step: 5})
	if effs := s.Apply(steps.Consent{Yes: true}); effs != nil {
		t.Fatalf("a stale yes ran it: %+v", effs)
	}
	if got := m.ranMatching("resolvectl"); len(got) != 0 {
		t.Fatalf("ran %q", got)
	}
	if len(s.History) != 0 {
		t.Fatal("a re-test ran")
	}
}

// TestStep5SudoAsksOnTheTerminal: sudo needs a password, so the terminal
// is handed to "sudo -v" first; then the command shown runs through
// "sudo -n". Leaving the prompt is a cancellation, not a failure.
func TestStep5SudoAsksOnTheTerminal(t *testing.T) {
	for _, tc := range []struct {
		name    string
		leave   bool
		wantRun bool
		notice  string
	}{
		{name: "password given", wantRun: true},
		{name: "prompt left", leave: true, notice: "Cancelled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			validated := false
			m := &machine{goos: "linux", files: map[string]string{"/etc/resolv.conf": "nameserver 192.0.2.1\n"}, exists: []string{"/run/nscd/socket"},
				path: map[string]string{"nscd": "/usr/sbin/nscd"},
				cmds: map[string]platform.CmdResult{"sudo -n -- /usr/sbin/nscd -i hosts": ok("")}}
			m.result = func(argv []string) (platform.CmdResult, bool) {
				if strings.Join(argv, " ") != "sudo -n true" {
					return platform.CmdResult{}, false
				}
				mu.Lock()
				defer mu.Unlock()
				if validated {
					return ok(""), true
				}
				return fail(1, "sudo: a password is required\n"), true
			}
			s, _ := sessionAt(t, m, 5)
			a := platformActions(s.Step(5))[0]
			if !a.Admin || !strings.Contains(a.Why, "asks for your password") {
				t.Fatalf("admin rights not explained: %+v", a)
			}
			s.Apply(steps.RunAction{Index: slices.IndexFunc(s.Step(5).Actions, func(x steps.Action) bool { return x.Label == a.Label })})
			var prompted []string
			runWith(t, s, s.Apply(steps.Consent{Yes: true}), func(c *exec.Cmd) error {
				prompted = c.Args
				if tc.leave {
					return exitErr(t)
				}
				mu.Lock()
				validated = true
				mu.Unlock()
				return nil
			})
			if len(prompted) < 2 || prompted[0] != "sudo" || prompted[1] != "-v" {
				t.Fatalf("terminal handed to %q", prompted)
			}
			got := m.ranMatching("nscd")
			if tc.wantRun {
				if len(got) != 1 || shown(got[0]) != a.Show[0] {
					t.Fatalf("ran %q, shown %q", got, a.Show)
				}
				if r := s.LastRetest(); r == nil || r.Step != 5 {
					t.Fatalf("no re-test; error %q", s.Error)
				}
				return
			}
			if len(got) != 0 {
				t.Fatalf("ran %q after the prompt was left", got)
			}
			if s.Error != "" || !strings.HasPrefix(s.Notice, tc.notice) {
				t.Fatalf("error %q notice %q", s.Error, s.Notice)
			}
		})
	}
}

// exitErr returns the error of a program killed by a signal, as
// tea.ExecProcess reports sudo left with ctrl+c.
func exitErr(t *testing.T) error {
	t.Helper()
	cmd := exec.Command("sh", "-c", "kill -INT $$")
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != -1 {
		t.Skipf("cannot make a signalled program here: %v", err)
	}
	return err
}

// TestStep5WindowsElevatesAfterAsking: ipconfig fails without admin
// rights; fix401 says so and asks before running it through UAC.
func TestStep5WindowsElevatesAfterAsking(t *testing.T) {
	m := &machine{goos: "windows", path: map[string]string{"ipconfig": `C:\Windows\System32\ipconfig.exe`},
		cmds: map[string]platform.CmdResult{`C:\Windows\System32\ipconfig.exe /flushdns`: fail(1, "The requested operation requires elevation.")}}
	s, _ := sessionAt(t, m, 5)
	idx := slices.IndexFunc(s.Step(5).Actions, func(a steps.Action) bool { return a.Changes })
	s.Apply(steps.RunAction{Index: idx})
	run(t, s, s.Apply(steps.Consent{Yes: true}))
	p := s.PendingConsent()
	if p == nil || !strings.Contains(p.Show[0], "as administrator") || !strings.Contains(s.Notice, "without administrator rights") {
		t.Fatalf("no second question: %+v notice %q error %q", p, s.Notice, s.Error)
	}
	if len(m.raised) != 0 {
		t.Fatal("elevated before asking")
	}
	run(t, s, s.Apply(steps.Consent{Yes: true}))
	if len(m.raised) != 1 || m.raised[0][1] != "/flushdns" {
		t.Fatalf("elevated %q", m.raised)
	}
	if r := s.LastRetest(); r == nil || !strings.Contains(r.Change, "administrator") {
		t.Fatalf("re-test %+v error %q", r, s.Error)
	}
}

var linuxDesktop = map[string]string{
	"/usr/share/applications/firefox.desktop":  "[Desktop Entry]\nName=Firefox\nExec=/usr/bin/firefox %u\nType=Application\nMimeType=x-scheme-handler/http;x-scheme-handler/https;\n",
	"/usr/share/applications/chromium.desktop": "[Desktop Entry]\nName=Chromium\nExec=/usr/bin/chromium %U\nType=Application\nMimeType=x-scheme-handler/https;\n",
	"/usr/bin/firefox":                         "",
	"/usr/bin/chromium":                        "",
}

func desktopMachine(vars map[string]string) *machine {
	return &machine{goos: "linux", files: linuxDesktop, vars: vars,
		cmds: map[string]platform.CmdResult{"xdg-settings get default-web-browser": ok("firefox.desktop\n")}}
}

// TestBrowserSteps: steps 6 and 7 offer each browser, the default first;
// opening one runs exactly the command shown, keeps the person on the
// step for the question, and step 6's throwaway profile is removed at the
// end.
func TestBrowserSteps(t *testing.T) {
	m := desktopMachine(map[string]string{"HOME": "/home/ann", "DISPLAY": ":0"})
	s, pf := sessionAt(t, m, 7)
	acts := platformActions(s.Step(7))
	if got := labels(acts); len(got) != 2 || !strings.Contains(got[0], "Firefox (your default browser)") || !strings.Contains(got[1], "Chromium") {
		t.Fatalf("step 7 offers %q", got)
	}
	if !strings.Contains(acts[0].Show[0], "-private-window") || !strings.Contains(acts[1].Show[0], "--incognito") {
		t.Fatalf("commands %q %q", acts[0].Show, acts[1].Show)
	}
	run(t, s, s.Apply(steps.RunAction{Index: slices.IndexFunc(s.Step(7).Actions, func(a steps.Action) bool { return a.Label == acts[0].Label })}))
	if len(m.started) != 1 || shown(m.started[0]) != acts[0].Show[0] {
		t.Fatalf("started %q, shown %q", m.started, acts[0].Show)
	}
	if s.Phase != steps.PhaseStep || len(s.History) != 0 || !strings.Contains(s.Notice, "answer the question") {
		t.Fatalf("phase %v history %d notice %q", s.Phase, len(s.History), s.Notice)
	}
	// The answer re-tests.
	run(t, s, s.Apply(steps.Answer{Works: true}))
	if r := s.LastRetest(); r == nil || r.Step != 7 {
		t.Fatal("the answer did not re-test")
	}

	run(t, s, s.Apply(steps.Jump{Step: 6}))
	acts = platformActions(s.Step(6))
	if len(acts) != 2 || !strings.Contains(acts[1].Show[0], "--user-data-dir="+pf.TempDir) || !strings.Contains(acts[1].Show[0], "--disable-extensions") {
		t.Fatalf("step 6 offers %q", labels(acts))
	}
	run(t, s, s.Apply(steps.RunAction{Index: slices.IndexFunc(s.Step(6).Actions, func(a steps.Action) bool { return a.Label == acts[1].Label })}))
	if len(m.started) != 2 || shown(m.started[1]) != acts[1].Show[0] {
		t.Fatalf("started %q, shown %q", m.started, acts[1].Show)
	}
	dir := strings.TrimPrefix(m.started[1][slices.IndexFunc(m.started[1], func(a string) bool { return strings.HasPrefix(a, "--user-data-dir=") })], "--user-data-dir=")
	if !isDir(dir) {
		t.Fatalf("profile %s was not made", dir)
	}
	if err := pf.Cleanup(); err != nil || isDir(dir) {
		t.Fatalf("profile %s left behind (%v)", dir, err)
	}
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// TestBrowserStepsRefuse: as root, or without a desktop, no browser is
// started; the step says why and offers to copy the address.
func TestBrowserStepsRefuse(t *testing.T) {
	for _, c := range []struct {
		name  string
		m     *machine
		words string
	}{
		{"root", func() *machine {
			m := desktopMachine(map[string]string{"HOME": "/root", "DISPLAY": ":0"})
			m.admin = true
			return m
		}(), "must never run that way"},
		{"no display", desktopMachine(map[string]string{"HOME": "/home/ann"}), "no graphical desktop"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, _ := sessionAt(t, c.m, 7)
			st := s.Step(7)
			if !strings.Contains(strings.Join(st.Info, " "), c.words) {
				t.Errorf("info %q", st.Info)
			}
			acts := platformActions(st)
			if len(acts) != 1 || acts[0].Copy == "" || acts[0].Label != "Copy the address" {
				t.Fatalf("offers %q", labels(acts))
			}
			run(t, s, s.Apply(steps.RunAction{Index: slices.IndexFunc(st.Actions, func(a steps.Action) bool { return a.Label == "Copy the address" })}))
			if len(c.m.started) != 0 {
				t.Fatalf("started %q", c.m.started)
			}
			if !strings.Contains(s.Notice, "Copied: ") {
				t.Fatalf("notice %q error %q", s.Notice, s.Error)
			}
		})
	}
}

// TestStep2CopiesInternalPages: Chrome will not open chrome:// from a
// command line, so step 2 shows and copies the address instead.
func TestStep2CopiesInternalPages(t *testing.T) {
	m := &machine{goos: "linux", files: linuxDesktop, vars: map[string]string{"HOME": "/home/ann", "DISPLAY": ":0"},
		path: map[string]string{"xclip": "/usr/bin/xclip"},
		cmds: map[string]platform.CmdResult{"xdg-settings get default-web-browser": ok("chromium.desktop\n"), "xclip -selection clipboard": ok("")}}
	s, _ := sessionAt(t, m, 2)
	st := s.Step(2)
	info := strings.Join(st.Info, "\n")
	if !strings.Contains(info, "This site's cookies and data: chrome://settings/content/siteDetails?site=http%3A%2F%2F127.0.0.1") ||
		strings.Contains(info, "fix401 copied it") || strings.Count(info, "command line") != 1 {
		t.Fatalf("info:\n%s", info)
	}
	acts := platformActions(st)
	if len(acts) != 2 || !strings.HasPrefix(acts[0].Copy, "chrome://settings/content/siteDetails") || acts[1].Copy != "chrome://settings/clearBrowserData" {
		t.Fatalf("offers %q", labels(acts))
	}
	run(t, s, s.Apply(steps.RunAction{Index: slices.IndexFunc(st.Actions, func(a steps.Action) bool { return a.Label == acts[1].Label })}))
	if got := m.ranMatching("xclip"); len(got) != 1 || !strings.Contains(s.Notice, "(xclip)") {
		t.Fatalf("copied with %q; notice %q", got, s.Notice)
	}
	if len(s.History) != 0 {
		t.Fatal("copying re-tested")
	}
	if !strings.Contains(strings.Join(st.HelpDesk, " "), "In Chrome or Edge: open DevTools") || strings.Contains(strings.Join(st.HelpDesk, " "), "In Firefox") {
		t.Fatalf("HAR how-to not for Chromium: %q", st.HelpDesk)
	}
}

// TestStep8Network: proxies with their source, PAC named as not evaluated,
// and "re-test without the proxy" when fix401's request goes through one.
func TestStep8Network(t *testing.T) {
	m := &machine{goos: "linux", vars: map[string]string{"HTTP_PROXY": "http://bob:pr0xy-pa55@proxy.corp.example:3128", "NO_PROXY": "internal.example"},
		path: map[string]string{"gsettings": "/usr/bin/gsettings", "firewall-cmd": "/usr/bin/firewall-cmd"},
		cmds: map[string]platform.CmdResult{
			"gsettings get org.gnome.system.proxy mode":           ok("'auto'\n"),
			"gsettings get org.gnome.system.proxy autoconfig-url": ok("'http://wpad.corp.example/proxy.pac'\n"),
			"firewall-cmd --state":                                ok("running\n"),
		}}
	s, _ := sessionAt(t, m, 8)
	st := s.Step(8)
	info := strings.Join(st.Info, "\n")
	for _, want := range []string{"set in environment HTTP_PROXY", "does not evaluate PAC", "Firewall: firewalld is on"} {
		if !strings.Contains(info, want) {
			t.Errorf("info lacks %q:\n%s", want, info)
		}
	}
	if strings.Contains(info, "pr0xy-pa55") {
		t.Fatal("the proxy password is shown")
	}
	// The server is on loopback, which Go never proxies: no offer.
	if got := labels(platformActions(st)); len(got) != 0 {
		t.Fatalf("offers %q for a loopback address", got)
	}
	// For a remote address the proxy applies, and the offer appears.
	pf := steps.NewPlatform(m.env())
	o := pf.Detect(context.Background(), 8, probe.Request{URL: "http://intranet.example.org/"})
	if len(o.Actions) != 1 || o.Actions[0].Kind != steps.ActionRequest {
		t.Fatalf("offers %+v", o.Actions)
	}
	var r probe.Request
	o.Actions[0].Change(&r)
	if r.Proxy != probe.ProxyDirect {
		t.Fatalf("proxy %q", r.Proxy)
	}
	if o := pf.Detect(context.Background(), 8, probe.Request{URL: "http://intranet.example.org/", Proxy: probe.ProxyDirect}); len(o.Actions) != 0 {
		t.Fatalf("offered again while already direct: %+v", o.Actions)
	}
}

// TestStep8RetestWithoutProxy: the check goes through a real proxy on
// loopback that wants its own login (407); step 8 offers the direct
// re-test, which reaches the site: 407 → 200.
func TestStep8RetestWithoutProxy(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("welcome")) }))
	defer site.Close()
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Add(1)
		w.Header().Set("Proxy-Authenticate", `Basic realm="corp"`)
		w.WriteHeader(http.StatusProxyAuthRequired)
	}))
	defer proxy.Close()
	m := &machine{goos: "linux"}
	pf := steps.NewPlatform(m.env())
	s := steps.NewSession(steps.Env{GOOS: "linux", Detect: pf.Detect}, probe.Request{Proxy: proxy.URL})
	run(t, s, s.Apply(steps.Start{URL: site.URL + "/app"}))
	if got := steps.Snap(s.Last).Status; got != http.StatusProxyAuthRequired || proxied.Load() != 1 {
		t.Fatalf("first check: %d, %d through the proxy", got, proxied.Load())
	}
	run(t, s, s.Apply(steps.Jump{Step: 8}))
	st := s.Step(8)
	idx := slices.IndexFunc(st.Actions, func(a steps.Action) bool { return strings.Contains(a.Label, "without the proxy") })
	if idx < 0 {
		t.Fatalf("no direct re-test offered: %q", labels(st.Actions))
	}
	if !strings.Contains(strings.Join(st.Info, "\n"), "IS 407") {
		t.Errorf("407 not explained: %q", st.Info)
	}
	run(t, s, s.Apply(steps.RunAction{Index: idx}))
	r := s.LastRetest()
	if r == nil || r.Before.Status != 407 || r.After.Status != 200 || !s.Resolved() || s.FixedBy != 8 || proxied.Load() != 1 {
		t.Fatalf("re-test %+v, resolved %v by %d, %d through the proxy", r, s.Resolved(), s.FixedBy, proxied.Load())
	}
}

// TestBrowserStepsHideTokens: an address with a token in its query opens
// with the token (the browser needs it), but the command shown on screen
// and the label never hold it whole.
func TestBrowserStepsHideTokens(t *testing.T) {
	const token = "tok_9f8e7d6c5b4a39281706"
	m := desktopMachine(map[string]string{"HOME": "/home/ann", "DISPLAY": ":0"})
	pf := steps.NewPlatform(m.env())
	pf.TempDir = t.TempDir()
	s := steps.NewSession(steps.Env{GOOS: m.goos, Detect: pf.Detect}, probe.Request{})
	run(t, s, s.Apply(steps.Start{URL: unauthorized(t) + "?access_token=" + token}))
	run(t, s, s.Apply(steps.Jump{Step: 7}))
	acts := platformActions(s.Step(7))
	if len(acts) == 0 {
		t.Fatal("step 7 offers no browser")
	}
	for _, a := range acts {
		for _, text := range append([]string{a.Label, a.Why}, a.Show...) {
			if strings.Contains(text, token) {
				t.Fatalf("%q shows the token whole", text)
			}
		}
	}
	run(t, s, s.Apply(steps.RunAction{Index: slices.IndexFunc(s.Step(7).Actions, func(a steps.Action) bool { return a.Label == acts[0].Label })}))
	if len(m.started) != 1 || !strings.Contains(strings.Join(m.started[0], " "), token) {
		t.Fatalf("started %q: the browser needs the whole address", m.started)
	}
}
