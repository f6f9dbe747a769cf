package tui

import (
	"bytes"
	"image/color"
	"io"
	"math"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/fix401/fix401/internal/demo"
	"github.com/fix401/fix401/probe"
	"github.com/fix401/fix401/steps"
)

// The technical view shows the server's port and the time taken, which
// change from run to run; the goldens leave them out.
var (
	portRE = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	msRE   = regexp.MustCompile(` in \d+ ms`)
)

// screens drives a fresh model to each screen and returns the frame
// there, at w×h.
func screens(t *testing.T, dark bool, w, h int) map[string]string {
	t.Helper()
	out := map[string]string{}

	// URL entry, with a half-typed invalid address.
	cfg := demoConfig(t, "basic", dark)
	cfg.Request.URL = ""
	d := newDriver(t, New(cfg), w, h)
	d.typeText("ftp://x")
	out["url"] = d.frame()

	// Probing, then the diagnosis.
	d = newDriver(t, New(demoConfig(t, "basic", dark)), w, h)
	cmd := d.hold(startMsg{})
	out["probing"] = d.frame()
	d.run(cmd)
	out["diagnosis"] = d.frame()

	// Step 1, cursor in the first field, password typed (masked).
	d.key("enter", "ctrl+u")
	d.typeText("alice")
	d.key("tab")
	d.typeText("wrong-password")
	out["step1"] = d.frame()

	// Re-testing, then the result (wrong password: no change).
	cmd = d.hold(keyMsg("enter"))
	out["retesting"] = d.frame()
	d.run(cmd)
	out["result"] = d.frame()

	// Technical detail.
	d.key("t")
	out["technical"] = msRE.ReplaceAllString(portRE.ReplaceAllString(d.frame(), "127.0.0.1:PORT"), "")
	d.key("t")

	// Step 7 (a question), then every step skipped: all tried.
	d.key("7")
	out["step7"] = d.frame()
	for i := 0; i < 12 && d.model().sess.Phase != steps.PhaseAllTried; i++ {
		if d.model().fieldFocused() {
			d.key("esc") // Leave the field the step put the cursor in.
		}
		d.key("s")
	}
	out["alltried"] = d.frame()

	// Resolved through step 1.
	d.key("1", "tab")
	d.typeText(demo.Password)
	d.key("enter")
	out["resolved"] = d.frame()
	if !d.model().Outcome().Resolved {
		t.Fatalf("%dx%d: not resolved:\n%s", w, h, ansi.Strip(d.frame()))
	}
	return out
}

func TestGoldenScreens(t *testing.T) {
	for _, theme := range []struct {
		name string
		dark bool
	}{{"dark", true}, {"light", false}} {
		t.Run(theme.name, func(t *testing.T) {
			frames := screens(t, theme.dark, 80, 24)
			for _, name := range []string{"url", "probing", "diagnosis", "step1", "retesting", "result", "technical", "step7", "alltried", "resolved"} {
				t.Run(name, func(t *testing.T) {
					golden.RequireEqual(t, frames[name])
				})
			}
		})
	}
}

func TestGoldenNarrow(t *testing.T) {
	frames := screens(t, true, 40, 12)
	for _, name := range []string{"diagnosis", "step1", "result", "resolved"} {
		t.Run(name, func(t *testing.T) {
			golden.RequireEqual(t, ansi.Strip(frames[name]))
		})
	}
}

// TestNarrowProgressNamesTheStep: the one-line progress on a narrow
// terminal names the step shown, not only its place in the order.
func TestNarrowProgressNamesTheStep(t *testing.T) {
	d := newDriver(t, New(demoConfig(t, "expired-token", true)), 60, 20)
	d.send(startMsg{})
	d.key("enter")
	lines := strings.Split(ansi.Strip(d.frame()), "\n")
	if !strings.Contains(lines[2], "step 10 (1st of 10)") {
		t.Errorf("progress line %q, want step 10 (1st of 10)", lines[2])
	}
}

// TestEverySizeFits renders every screen at many sizes: no line is wider
// than the terminal, no frame taller, and nothing panics.
func TestEverySizeFits(t *testing.T) {
	sizes := [][2]int{{40, 12}, {41, 13}, {52, 16}, {60, 20}, {79, 24}, {83, 30}, {84, 12}, {100, 50}, {120, 40}, {200, 60}}
	for _, sz := range sizes {
		w, h := sz[0], sz[1]
		for name, f := range screens(t, true, w, h) {
			lines := strings.Split(f, "\n")
			if len(lines) > h {
				t.Errorf("%s at %dx%d: %d lines", name, w, h, len(lines))
			}
			for i, l := range lines {
				if ansi.StringWidth(l) > w {
					t.Errorf("%s at %dx%d: line %d is %d wide: %q", name, w, h, i, ansi.StringWidth(l), ansi.Strip(l))
				}
			}
		}
	}
}

func TestTooSmallAndResize(t *testing.T) {
	d := newDriver(t, New(demoConfig(t, "basic", true)), 80, 24)
	d.send(startMsg{})
	for _, sz := range [][2]int{{39, 12}, {80, 11}, {10, 3}, {1, 1}} {
		d.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		f := d.frame()
		if strings.Contains(f, "\n") || ansi.StringWidth(f) > sz[0] || !strings.HasPrefix(ansi.Strip(f), "Enlarge"[:min(7, sz[0]-1)]) {
			t.Errorf("%dx%d: %q", sz[0], sz[1], f)
		}
	}
	// Back to a usable size in the middle of a step: the screen is whole.
	d.send(tea.WindowSizeMsg{Width: 90, Height: 30})
	d.key("enter")
	if f := ansi.Strip(d.frame()); !strings.Contains(f, "Step 1 · Confirm your login information") {
		t.Fatalf("after resize:\n%s", f)
	}
	d.send(tea.WindowSizeMsg{Width: 0, Height: 0})
	if d.frame() != "" {
		t.Fatal("a 0×0 terminal should render nothing")
	}
}

func TestBackgroundColorRebuildsStyles(t *testing.T) {
	d := newDriver(t, New(demoConfig(t, "basic", true)), 80, 24)
	d.send(startMsg{})
	dark := d.frame()
	d.send(tea.BackgroundColorMsg{Color: lightBG{}})
	light := d.frame()
	if dark == light || ansi.Strip(dark) != ansi.Strip(light) {
		t.Fatal("a light background should change the colours and only them")
	}
}

type lightBG struct{}

func (lightBG) RGBA() (r, g, b, a uint32) { return 0xffff, 0xffff, 0xffff, 0xffff }

// TestKeysGoToFocusedField: r, s, b, q, t, ? and digits typed in a field
// are text, not commands.
func TestKeysGoToFocusedField(t *testing.T) {
	d := newDriver(t, New(demoConfig(t, "basic", true)), 100, 30)
	d.send(startMsg{})
	d.key("enter") // Step 1, cursor in the user name.
	d.key("ctrl+u")
	d.typeText("rsbqt?19")
	m := d.model()
	if m.sess.Phase != steps.PhaseStep || m.inputs[0].Value() != "rsbqt?19" {
		t.Fatalf("phase %v, field %q", m.sess.Phase, m.inputs[0].Value())
	}
	// esc leaves the field; then s skips the step.
	d.key("esc", "s")
	if m := d.model(); m.sess.Current == 1 || m.sess.StepState(1) != steps.StateSkipped {
		t.Fatalf("s after esc: current %d state %v", m.sess.Current, m.sess.StepState(1))
	}
}

// TestBasicFlowStep1 fixes the Basic 401 through step 1 with the real
// probe against a real loopback server.
func TestBasicFlowStep1(t *testing.T) {
	d := newDriver(t, New(demoConfig(t, "basic", true)), 100, 30)
	d.send(startMsg{})
	if d.model().sess.Phase != steps.PhaseDiagnosis {
		t.Fatalf("phase %v", d.model().sess.Phase)
	}
	d.key("enter")
	if m := d.model(); m.sess.Current != 1 || m.focus != 0 {
		t.Fatalf("step %d focus %d", m.sess.Current, m.focus)
	}
	d.key("tab")
	d.typeText(demo.Password)
	if strings.Contains(d.frame(), demo.Password) {
		t.Fatal("password on screen")
	}
	d.key("enter")
	m := d.model()
	if !m.Outcome().Resolved || m.Outcome().FixedBy != 1 {
		t.Fatalf("outcome %+v error %q", m.Outcome(), m.sess.Error)
	}
	f := ansi.Strip(d.frame())
	for _, want := range []string{"401 Unauthorized  →  200 OK", "Step 1 (Confirm your login information) fixed it.", "★  1 Login information"} {
		if !strings.Contains(f, want) {
			t.Errorf("resolved screen lacks %q:\n%s", want, f)
		}
	}
}

// TestExpiredTokenFlowStep10 fixes an expired token through step 10: the
// demo's server checks a real HS256 JWT's exp.
func TestExpiredTokenFlowStep10(t *testing.T) {
	cfg := demoConfig(t, "expired-token", true)
	d := newDriver(t, New(cfg), 100, 40)
	d.send(startMsg{})
	d.key("0")
	m := d.model()
	if m.sess.Current != 10 || m.focus != 0 {
		t.Fatalf("step %d focus %d", m.sess.Current, m.focus)
	}
	// A wrong token first: pasted with "Bearer " and a line break.
	d.send(tea.PasteMsg{Content: "Bearer not-a-jwt\n"})
	f := ansi.Strip(d.frame())
	if !strings.Contains(f, "line break") || !strings.Contains(f, "not a JWT") {
		t.Errorf("token problems not shown:\n%s", f)
	}
	d.key("enter")
	if m := d.model(); m.sess.Phase != steps.PhaseResult || m.sess.LastRetest().After.Status != 401 {
		t.Fatalf("phase %v", m.sess.Phase)
	}
	// Back to step 10, then the demo's fresh token through its action.
	d.key("b")
	d.key("esc", "tab", "tab")
	if m := d.model(); m.focus != 1 {
		t.Fatalf("focus %d, want the action", m.focus)
	}
	d.key("enter")
	m = d.model()
	if !m.Outcome().Resolved || m.Outcome().FixedBy != 10 {
		t.Fatalf("outcome %+v error %q", m.Outcome(), m.sess.Error)
	}
}

// TestRedirectFlowStep4 edits the URL in place in step 4 and re-tests.
func TestRedirectFlowStep4(t *testing.T) {
	d := newDriver(t, New(demoConfig(t, "redirect", true)), 120, 40)
	d.send(startMsg{})
	if order := d.model().sess.Order; order[0] != 4 {
		t.Fatalf("order %v", order)
	}
	d.key("enter")
	f := ansi.Strip(d.frame())
	if !strings.Contains(f, "dropped here") || !strings.Contains(f, "http://localhost/redirect/private") {
		t.Fatalf("step 4 does not draw the chain:\n%s", f)
	}
	// Edit in place: clear the field, type the final address.
	d.key("tab", "ctrl+u")
	d.typeText("http://localhost/redirect/privat") // A typo first: 404.
	d.key("enter")
	if r := d.model().sess.LastRetest(); r == nil || r.Outcome != steps.OutcomeProgress || r.After.Status != 404 {
		t.Fatalf("retest %+v", r)
	}
	d.key("b", "tab")
	d.typeText("e")
	d.key("enter")
	m := d.model()
	if !m.Outcome().Resolved || m.Outcome().FixedBy != 4 {
		t.Fatalf("outcome %+v error %q", m.Outcome(), m.sess.Error)
	}
	// The resolved screen sets the first answer against the last, like
	// the report and the summary printed on leaving, not the typo's 404.
	if f := ansi.Strip(d.frame()); !strings.Contains(f, "401 Unauthorized  →  200 OK") {
		t.Errorf("the resolved screen does not say 401 → 200:\n%s", f)
	}
}

// TestSlowServerKeepsKeys: while a slow check runs, the spinner and the
// elapsed time show, keys work, and b cancels it.
func TestSlowServerKeepsKeys(t *testing.T) {
	release := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusUnauthorized)
	})
	defer close(release)
	now := fixedNow
	cfg := Config{
		Request: steps.Session{}.Request,
		Check:   loopbackCheck(t, slow, clock),
		Now:     func() time.Time { return now },
	}
	cfg.Request.URL = testHost + "/slow"
	d := newDriver(t, New(cfg), 80, 24)
	cmd := d.hold(startMsg{})
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	now = now.Add(4200 * time.Millisecond)
	d.send(d.model().spinner.Tick())
	f := ansi.Strip(d.frame())
	if !strings.Contains(f, "4.2 s") || !strings.Contains(f, "slow to answer") {
		t.Fatalf("busy screen:\n%s", f)
	}
	d.key("?")
	if !d.model().help.ShowAll {
		t.Fatal("? did not work during the check")
	}
	d.key("b")
	if d.model().sess.Phase != steps.PhaseURL {
		t.Fatalf("b did not cancel: %v", d.model().sess.Phase)
	}
	select {
	case msg := <-done: // The cancelled check returns promptly; its result is stale.
		d.send(msg)
	case <-time.After(5 * time.Second):
		t.Fatal("the check was not cancelled")
	}
	if d.model().sess.Phase != steps.PhaseURL || d.model().sess.Last != nil {
		t.Fatal("a cancelled check's result was used")
	}
}

// TestTeatestBasicFlow runs the real program (teatest) through step 1 and
// checks the typed password never reaches the terminal.
func TestTeatestBasicFlow(t *testing.T) {
	cfg := demoConfig(t, "basic", true)
	tm := teatest.NewTestModel(t, New(cfg),
		teatest.WithInitialTermSize(100, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii), tea.WithEnvironment([]string{"TERM=xterm-256color"})))
	var seen bytes.Buffer
	out := io.TeeReader(tm.Output(), &seen)
	contains := func(s string) func([]byte) bool {
		return func(b []byte) bool { return bytes.Contains(seen.Bytes(), []byte(s)) }
	}
	teatest.WaitFor(t, out, contains("What fix401 found"), teatest.WithDuration(10*time.Second))
	tm.Send(keyMsg("enter"))
	teatest.WaitFor(t, out, contains("Confirm your login information"), teatest.WithDuration(5*time.Second))
	tm.Send(keyMsg("tab"))
	tm.Type(demo.Password)
	tm.Send(keyMsg("enter"))
	teatest.WaitFor(t, out, contains("It works now"), teatest.WithDuration(10*time.Second))
	tm.Send(keyMsg("q"))
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if o := fm.Outcome(); !o.Resolved || o.FixedBy != 1 || o.After.Status != 200 {
		t.Fatalf("outcome %+v", o)
	}
	rest, _ := io.ReadAll(tm.FinalOutput(t))
	all := append(seen.Bytes(), rest...)
	// The demo's intro names the demo password on purpose; the typed one
	// must only ever appear masked in the field.
	if n := bytes.Count(all, []byte(demo.Password)); n > bytes.Count(all, []byte("password "+demo.Password)) {
		t.Fatal("the typed password reached the terminal")
	}
}

// TestCtrlCInterrupts quits at once from every kind of screen: a focused
// field, a check in flight, the technical view, the full help, the report
// panel and a HAR export's request list.
func TestCtrlCInterrupts(t *testing.T) {
	ready := func(t *testing.T) *driver {
		cfg := demoConfig(t, "basic", true)
		cfg.Support.ReportPath = filepath.Join(t.TempDir(), "report.json")
		d := newDriver(t, New(cfg), 80, 24)
		d.send(startMsg{})
		return d
	}
	cases := []struct {
		name  string
		setup func(t *testing.T) *driver
		there func(m Model) bool // the screen was reached
	}{
		{"URL field", func(t *testing.T) *driver {
			cfg := demoConfig(t, "basic", true)
			cfg.Request = probe.Request{}
			return newDriver(t, New(cfg), 80, 24)
		}, func(m Model) bool { return m.sess.Phase == steps.PhaseURL && m.fieldFocused() }},
		{"step field", func(t *testing.T) *driver { d := ready(t); d.key("enter"); return d },
			func(m Model) bool { return m.sess.Phase == steps.PhaseStep && m.fieldFocused() }},
		{"check in flight", func(t *testing.T) *driver {
			d := newDriver(t, New(demoConfig(t, "basic", true)), 80, 24)
			d.hold(startMsg{})
			return d
		}, func(m Model) bool { return m.sess.Busy() }},
		{"technical view", func(t *testing.T) *driver { d := ready(t); d.key("t"); return d }, func(m Model) bool { return m.showTech }},
		{"full help", func(t *testing.T) *driver { d := ready(t); d.key("?"); return d }, func(m Model) bool { return m.help.ShowAll }},
		{"report panel", func(t *testing.T) *driver { d := ready(t); d.key("w"); return d }, func(m Model) bool { return m.sup.overlay && m.sup.written != "" }},
		{"HAR request list", func(t *testing.T) *driver {
			cfg := Config{HAR: &steps.HAR{Log: recordedHAR(t, testHost), Name: "app.har", Entry: -1}, Env: steps.Env{GOOS: "linux", Now: clock}, Now: clock}
			return newDriver(t, New(cfg), 80, 24)
		}, func(m Model) bool { return m.sess.Phase == steps.PhasePick }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := c.setup(t)
			if !c.there(d.model()) {
				t.Fatalf("the screen was not reached (phase %v)", d.model().Session().Phase)
			}
			var cmd tea.Cmd
			d.m, cmd = d.m.Update(keyMsg("ctrl+c"))
			if !d.model().Outcome().Interrupted {
				t.Fatalf("not interrupted (phase %v)", d.model().Session().Phase)
			}
			if cmd == nil {
				t.Fatal("ctrl+c returned no command")
			}
			if _, ok := cmd().(tea.InterruptMsg); !ok {
				t.Fatal("ctrl+c should return tea.Interrupt")
			}
		})
	}
}

// TestSecretsNeverOnScreen types a password and a token and looks for
// them in every frame, the technical view and the report.
func TestSecretsNeverOnScreen(t *testing.T) {
	const pass, token = "Sup3r-S3cret-Pa55", "tok_9f8e7d6c5b4a39281706"
	cfg := demoConfig(t, "basic", true)
	d := newDriver(t, New(cfg), 120, 60)
	d.send(startMsg{})
	var frames []string
	d.key("enter", "tab")
	d.typeText(pass)
	frames = append(frames, d.frame())
	d.key("enter")
	frames = append(frames, d.frame())
	d.key("t")
	frames = append(frames, d.frame())
	d.key("t", "0")
	d.typeText(token)
	frames = append(frames, d.frame())
	d.key("enter", "t")
	frames = append(frames, d.frame())
	d.key("t", "9")
	frames = append(frames, d.frame())
	frames = append(frames, strings.Join(d.model().sess.Report(), "\n"), strings.Join(d.model().Outcome().Summary, "\n"))
	for i, f := range frames {
		if strings.Contains(f, pass) || strings.Contains(f, token) {
			t.Errorf("frame %d shows a secret:\n%s", i, ansi.Strip(f))
		}
	}
}

func BenchmarkView(b *testing.B) {
	d := newDriver(b, New(demoConfig(b, "redirect", true)), 120, 40)
	d.send(startMsg{})
	d.key("enter")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = d.m.View()
	}
}

// TestFooterIsReadable: the key help's colours keep a contrast of at
// least 4.5:1 (WCAG AA) with a white background in the light styles and
// a dark grey one (#1E1E1E) in the dark styles.
func TestFooterIsReadable(t *testing.T) {
	lum := func(c color.Color) float64 {
		r, g, b, _ := c.RGBA()
		lin := func(v uint32) float64 {
			x := float64(v) / 0xffff
			if x <= 0.03928 {
				return x / 12.92
			}
			return math.Pow((x+0.055)/1.055, 2.4)
		}
		return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
	}
	contrast := func(a, b color.Color) float64 {
		la, lb := lum(a), lum(b)
		return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
	}
	for _, dark := range []bool{false, true} {
		bg := color.Color(color.White)
		if dark {
			bg = color.RGBA{0x1e, 0x1e, 0x1e, 0xff}
		}
		h := NewStyles(dark).Help
		for name, st := range map[string]lipgloss.Style{"key": h.ShortKey, "description": h.ShortDesc, "separator": h.ShortSeparator, "full key": h.FullKey, "full description": h.FullDesc} {
			if c := contrast(st.GetForeground(), bg); c < 4.5 {
				t.Errorf("dark=%v: the %s colour has contrast %.1f:1", dark, name, c)
			}
		}
	}
}

// TestFooterDropsWholeKeys: at 80 columns the footer of the diagnosis
// ends with whole keys and an ellipsis, never a key cut in the middle.
func TestFooterDropsWholeKeys(t *testing.T) {
	for _, w := range []int{40, 52, 80, 90} {
		d := newDriver(t, New(demoConfig(t, "basic", true)), w, 24)
		d.send(startMsg{})
		lines := strings.Split(ansi.Strip(d.frame()), "\n")
		foot := strings.TrimRight(lines[len(lines)-1], " ")
		if ansi.StringWidth(foot) > w {
			t.Errorf("%d columns: footer %q is too wide", w, foot)
		}
		if strings.HasSuffix(foot, "…") && !strings.HasSuffix(foot, " …") {
			t.Errorf("%d columns: footer %q cuts a key", w, foot)
		}
	}
}
