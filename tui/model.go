// Package tui renders the wizard: one full-screen Bubble Tea v2 model, and
// a plain line-by-line dialogue for screen readers and terminals that
// cannot run a full-screen program. Both drive the same steps.Session.
package tui

import (
	"context"
	"net"
	"strconv"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/fix401/fix401/probe"
	"github.com/fix401/fix401/steps"
)

// Minimum terminal size; below it the wizard shows a one-line notice.
const (
	MinWidth  = 40
	MinHeight = 12
)

// sidebarMinWidth is the terminal width from which the step list is shown
// beside the content (a one-line progress indicator otherwise).
const sidebarMinWidth = 84

// Config is what a wizard run needs. Check is required; everything else
// has a default.
type Config struct {
	// Request is the request to start from; with an empty URL the wizard
	// asks for one.
	Request probe.Request
	// Env describes the machine (OS, browser, actions).
	Env steps.Env
	// Check runs a check (probe.Run in production).
	Check steps.CheckFunc
	// Resolve looks a host up for step 5 (the system resolver if nil).
	Resolve steps.ResolveFunc
	// Intro lines are shown on the diagnosis screen (the demo's hints).
	Intro []string
	// Context bounds every check and action (Background if nil).
	Context context.Context
	// Now is the clock for elapsed times (time.Now if nil).
	Now func() time.Time
	// Dark is the initial background guess, until the terminal answers.
	Dark bool
	// Support configures the saved session, reports, the clipboard and
	// the OAuth refresh (report.go).
	Support Support
	// HAR starts the wizard from a browser's HAR export instead of a live
	// check (fix401 --har FILE).
	HAR *steps.HAR
}

// Outcome is how a wizard run ended.
type Outcome struct {
	// Resolved is set when the URL works.
	Resolved bool
	// Interrupted is set when the person pressed ctrl+c.
	Interrupted bool
	// FixedBy is the step that fixed it (0: none or it worked already).
	FixedBy int
	// Before and After are the first and last statuses.
	Before, After steps.Snapshot
	// Summary is a few plain lines to print after the program ends.
	Summary []string
	// Session is the session as it ended, for the final report.
	Session *steps.Session
}

// Model is the wizard's one Bubble Tea model.
type Model struct {
	sess    *steps.Session
	cfg     Config
	check   steps.CheckFunc
	resolve steps.ResolveFunc
	now     func() time.Time
	ctx     context.Context

	width, height int
	isDark        bool
	styles        Styles
	keys          KeyMap
	help          help.Model
	spinner       spinner.Model

	// inputs are the current screen's text fields (the URL field on the
	// URL screen); focus is the focused target: -1 none, then the inputs,
	// then the step's actions.
	inputs    []field
	fieldErrs []string
	focus     int
	screen    string // identifies the screen the inputs belong to
	typed     typedValues

	showTech bool
	scroll   int
	started  time.Time
	cancel   context.CancelFunc

	quitting    bool
	interrupted bool

	sup *supportState // saving and reports (report.go)
	// pick is the highlighted request in a HAR export's list; stop
	// cancels everything still running in the background (checks,
	// detection, actions) when the wizard ends.
	pick int
	stop context.CancelFunc
	// plain is set in the line-by-line dialogue.
	plain bool
}

// New builds the model. With a URL in cfg.Request the first check starts as
// soon as the program runs.
func New(cfg Config) Model {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Context == nil {
		cfg.Context = context.Background()
	}
	if cfg.Resolve == nil {
		cfg.Resolve = net.DefaultResolver.LookupHost
	}
	if cfg.Check == nil {
		cfg.Check = probe.Run
	}
	ctx, stop := context.WithCancel(cfg.Context)
	m := Model{
		sess:    steps.NewSession(cfg.Env, cfg.Request),
		cfg:     cfg,
		check:   cfg.Check,
		resolve: cfg.Resolve,
		now:     cfg.Now,
		ctx:     ctx,
		stop:    stop,
		width:   80,
		height:  24,
		isDark:  cfg.Dark,
		keys:    DefaultKeyMap(),
		help:    help.New(),
		focus:   -1,
	}
	m.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	m.initSupport()
	if cfg.HAR != nil {
		m.sess.Apply(steps.OpenHAR{HAR: *cfg.HAR})
	}
	m.setStyles(cfg.Dark)
	m.syncScreen()
	m.syncKeys()
	return m
}

// Session returns the session the model drives (for tests and callers
// that print a summary).
func (m Model) Session() *steps.Session { return m.sess }

// Init starts the first check when a URL was given, and asks the terminal
// for its background colour.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor}
	if m.cfg.Request.URL != "" && m.sess.Phase == steps.PhaseURL {
		cmds = append(cmds, func() tea.Msg { return startMsg{} })
	}
	return tea.Batch(cmds...)
}

// startMsg starts the first check with the URL given on the command line.
type startMsg struct{}

// Outcome reports how the run ended.
func (m Model) Outcome() Outcome { return outcomeOf(m.sess, m.interrupted) }

func outcomeOf(s *steps.Session, interrupted bool) Outcome {
	o := Outcome{Resolved: s.Resolved(), Interrupted: interrupted, FixedBy: s.FixedBy,
		Before: steps.Snap(s.Initial), After: steps.Snap(s.Last), Session: s}
	url := s.Redactor.URL(s.Request.URL)
	switch {
	case interrupted:
		o.Summary = []string{"fix401: stopped."}
	case o.Resolved && o.FixedBy != 0:
		o.Summary = []string{
			"fix401: " + url + " works now (" + o.Before.StatusText() + " " + iconArrow + " " + o.After.StatusText() + ").",
			"Step " + itoa(o.FixedBy) + " (" + probe.StepTitle(o.FixedBy) + ") fixed it.",
		}
	case o.Resolved:
		o.Summary = []string{"fix401: " + url + " works (" + o.After.StatusText() + ")."}
	case s.Last != nil:
		o.Summary = []string{"fix401: " + url + " still " + steps.Answers(o.After.StatusText(), false) + "."}
	default:
		o.Summary = []string{"fix401: nothing was checked."}
	}
	return o
}

func (m *Model) setStyles(isDark bool) {
	m.isDark = isDark
	m.styles = NewStyles(isDark)
	m.help.Styles = m.styles.Help
	m.spinner.Style = m.styles.Spinner
	for i := range m.inputs {
		m.inputs[i].styles = m.styles.Field
	}
}

// runEffects turns the session's effects into commands.
func (m *Model) runEffects(effs []steps.Effect) tea.Cmd {
	var cmds []tea.Cmd
	for _, e := range effs {
		switch e.Kind {
		case steps.EffectCheck:
			cmds = append(cmds, m.checkCmd(e), m.spinner.Tick)
		case steps.EffectCancel:
			m.stopCheck()
		case steps.EffectResolve:
			cmds = append(cmds, m.resolveCmd(e.Host))
		case steps.EffectAction:
			cmds = append(cmds, m.actionCmd(e), m.spinner.Tick)
			if e.Action.Copy != "" {
				cmds = append(cmds, tea.SetClipboard(e.Action.Copy))
			}
		case steps.EffectDetect:
			cmds = append(cmds, m.detectCmd(e))
		case steps.EffectTerminal:
			cmds = append(cmds, m.terminalCmd(e))
		default:
			if isSupportEffect(e) {
				cmds = append(cmds, m.supportEffectCmd(e), m.spinner.Tick)
			}
		}
	}
	return tea.Batch(cmds...)
}

func (m *Model) stopCheck() {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
}

// checkCmd runs a check in its own goroutine; cancelling m.cancel stops it.
func (m *Model) checkCmd(e steps.Effect) tea.Cmd {
	m.stopCheck()
	ctx, cancel := context.WithCancel(m.ctx)
	m.cancel = cancel
	m.started = m.now()
	check, req, seq := m.check, e.Request, e.Seq
	return func() tea.Msg {
		res, err := check(ctx, req)
		return checkDoneMsg{seq: seq, res: res, err: err}
	}
}

func (m *Model) resolveCmd(host string) tea.Cmd {
	resolve, ctx := m.resolve, m.ctx
	return func() tea.Msg {
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		addrs, err := resolve(c, host)
		return dnsDoneMsg{host: host, addrs: addrs, err: err}
	}
}

func (m *Model) actionCmd(e steps.Effect) tea.Cmd {
	m.started = m.now()
	ctx, a, step := m.ctx, e.Action, e.Step
	return func() tea.Msg {
		out, err := a.Run(ctx)
		return actionDoneMsg{step: step, label: a.Label, output: out, err: err}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
