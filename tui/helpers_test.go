package tui

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/fix401/fix401/internal/demo"
	"github.com/fix401/fix401/probe"
	"github.com/fix401/fix401/steps"
)

// fixedNow is the clock of every deterministic test: the demo server's,
// the probe's and the model's.
var fixedNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func clock() time.Time { return fixedNow }

// testHost is the name the tests use for the loopback server, so that
// frames do not depend on the port.
const testHost = "http://intranet.example.test"

// loopbackCheck returns the real probe pointed at a real loopback server
// running h: every connection, whatever the URL's host, goes to it.
func loopbackCheck(t testing.TB, h http.Handler, now func() time.Time) steps.CheckFunc {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	addr := ts.Listener.Addr().String()
	r := &probe.Runner{
		HostsFile: filepath.Join(t.TempDir(), "hosts"),
		Now:       now,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		},
	}
	return r.Run
}

// demoConfig sets a demo scenario up behind a loopback server named
// testHost, with the fixed clock.
func demoConfig(t testing.TB, scenario string, dark bool) Config {
	t.Helper()
	srv, err := demo.NewServer(clock)
	if err != nil {
		t.Fatal(err)
	}
	setup, err := srv.Scenario(scenario, testHost)
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		Request: setup.Request,
		Env:     steps.Env{GOOS: "linux", Now: clock, Actions: setup.Actions},
		Intro:   setup.Intro,
		Check:   loopbackCheck(t, srv, clock),
		Resolve: func(ctx context.Context, host string) ([]string, error) {
			return net.DefaultResolver.LookupHost(ctx, "localhost")
		},
		Now:  clock,
		Dark: dark,
	}
}

// driver feeds messages to a model and runs the commands that carry I/O
// results back (checks, lookups, actions) synchronously, like the program
// would, ignoring timers.
type driver struct {
	t testing.TB
	m tea.Model
}

func newDriver(t testing.TB, m Model, w, h int) *driver {
	d := &driver{t: t, m: m}
	d.m, _ = d.m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return d
}

func (d *driver) model() Model { return d.m.(Model) }

// send delivers msg and runs the resulting commands to completion.
func (d *driver) send(msg tea.Msg) {
	var cmd tea.Cmd
	d.m, cmd = d.m.Update(msg)
	d.run(cmd)
}

// hold delivers msg and returns its command without running it, to look
// at the screen while a check is in flight.
func (d *driver) hold(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	d.m, cmd = d.m.Update(msg)
	return cmd
}

func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			d.run(c)
		}
	case checkDoneMsg, dnsDoneMsg, actionDoneMsg, startMsg, detectDoneMsg, terminalDoneMsg, savedMsg, reportMsg, supportDoneMsg:
		d.send(msg)
	}
}

func (d *driver) key(keys ...string) {
	for _, k := range keys {
		d.send(keyMsg(k))
	}
}

func (d *driver) typeText(s string) {
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func (d *driver) frame() string { return d.m.View().Content }

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}
