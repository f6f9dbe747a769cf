package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/fix401/fix401/steps"
)

// detectTimeout bounds what the wizard waits for a step's detection.
const detectTimeout = 20 * time.Second

// detectDoneMsg carries a finished detection back.
type detectDoneMsg struct {
	step, seq int
	offer     steps.Offer
	err       error
}

// terminalDoneMsg carries back the error of a program the terminal was
// handed to (sudo asking for the password).
type terminalDoneMsg struct {
	step int
	err  error
}

// detectCmd runs the step's detection in its own goroutine; the wizard
// never waits for it, and quitting cancels it.
func (m *Model) detectCmd(e steps.Effect) tea.Cmd {
	detect := m.sess.Env.Detect
	if detect == nil {
		return nil
	}
	parent, step, seq, req := m.ctx, e.Step, e.Seq, e.Request
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, detectTimeout)
		defer cancel()
		offer := detect(ctx, step, req)
		return detectDoneMsg{step: step, seq: seq, offer: offer, err: parent.Err()}
	}
}

// terminalCmd hands the terminal to the effect's program: Bubble Tea
// releases it (raw mode off, alternate screen left), sudo asks for the
// password on it, and the wizard takes it back.
func (m *Model) terminalCmd(e steps.Effect) tea.Cmd {
	if e.Terminal == nil {
		return nil
	}
	step := e.Step
	return tea.ExecProcess(e.Terminal, func(err error) tea.Msg { return terminalDoneMsg{step: step, err: err} })
}

// viewActions lists the step's actions with the exact commands they run,
// and the question "Run this?" for the one waiting for consent.
func (m Model) viewActions(d *doc, s steps.Step) {
	st := m.styles
	if len(s.Actions) > 0 {
		d.blank()
		d.para(st.Heading, "fix401 can do this for you:")
		for i, a := range s.Actions {
			label := "[ " + a.Label + " ]"
			style := st.Action
			if m.focus == len(m.inputs)+i {
				style = st.ActionFocus
				d.focusLine = len(d.lines)
			}
			d.raw(ansi.Truncate(style.Render(label), d.w, "…"))
			m.viewCommands(d, a)
		}
		if m.sess.ActionBusy() {
			d.hang(m.spinner.View()+" ", st.SpinnerTone, st.Text, "Working… "+m.elapsed())
		}
	}
	if a := m.sess.PendingConsent(); a != nil {
		d.blank()
		d.para(st.Strong, a.Label+": fix401 will run")
		for _, c := range a.Show {
			d.command("  $ ", st.Subtle, st.Strong, c)
		}
		if a.Why != "" {
			d.hang("  ", st.Subtle, st.Text, a.Why)
		}
		// Keep the question in view: it is what the person must answer.
		d.para(st.Warn, "This changes your system. Run this? y (yes) or n (no).")
		d.focusLine = len(d.lines) - 1
	}
}

// viewCommands shows what an action runs, under its label.
func (m Model) viewCommands(d *doc, a steps.Action) {
	st := m.styles
	lines := a.Show
	for i, c := range lines {
		prefix := "runs: "
		if i > 0 {
			prefix = "then: "
		}
		if i == len(lines)-1 && a.Admin && a.Why == "" {
			c += " (asks for an administrator password)"
		}
		d.command("  "+prefix, st.Subtle, st.Subtle, c)
	}
	if a.Admin && a.Why != "" && m.sess.PendingConsent() == nil {
		d.hang("  ", st.Subtle, st.Subtle, a.Why)
	}
}

// consenting reports whether an action waits for "Run this? y/n".
func (m Model) consenting() bool { return m.sess.PendingConsent() != nil }

// viewPick lists a HAR export's failed requests to choose from.
func (m Model) viewPick(d *doc) {
	st := m.styles
	d.para(st.Title, "Which request do you want to fix?")
	d.para(st.Subtle, m.sess.HARSummary())
	d.blank()
	origin := "\x00"
	for i, c := range m.sess.HARChoices() {
		if c.Origin != origin {
			origin = c.Origin
			if i > 0 {
				d.blank()
			}
			d.para(st.Heading, c.Origin)
		}
		prefix := fmt.Sprintf("  %2d. ", i+1)
		style := st.Text
		if i == m.pick && !m.plain {
			prefix = fmt.Sprintf("%s %2d. ", iconCurrent, i+1)
			style = st.ActionFocus
			d.focusLine = len(d.lines)
		}
		d.hang(prefix, style, style, fmt.Sprintf("#%d %s", c.Number, c.Label))
	}
	d.blank()
	how := "Choose with ↑ and ↓, then press enter"
	if m.plain {
		how = "Type its number"
	}
	d.para(st.Strong, how+": fix401 shows what the browser's record says, then the steps, replaying the request after each.")
}

// pickKey handles a key on the HAR request list.
func (m Model) pickKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	n := len(m.sess.HARChoices())
	switch {
	case key.Matches(msg, k.Quit):
		m.quitting = true
		m.stop()
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
	case msg.String() == "up" || msg.String() == "k" || msg.String() == "shift+tab":
		m.pick = max(0, m.pick-1)
	case msg.String() == "down" || msg.String() == "j" || msg.String() == "tab":
		m.pick = min(n-1, m.pick+1)
	case key.Matches(msg, k.Continue):
		return m, m.apply(steps.Pick{Index: m.pick})
	}
	return m, nil
}

// syncPickKeys sets the bindings of the HAR request list.
func (m *Model) syncPickKeys() {
	k := &m.keys
	for _, b := range []*key.Binding{&k.Retest, &k.Skip, &k.Back, &k.Jump, &k.NextField, &k.PrevField, &k.Leave, &k.Yes, &k.No, &k.Tech} {
		b.SetEnabled(false)
	}
	k.Continue.SetEnabled(true)
	k.Continue.SetHelp("enter", "fix this request")
}

// viewHelpDesk ends a step with what a help desk may ask for.
func (m Model) viewHelpDesk(d *doc, s steps.Step) {
	if len(s.HelpDesk) == 0 {
		return
	}
	st := m.styles
	d.blank()
	d.para(st.Heading, "If a help desk asks for a HAR file:")
	for _, l := range s.HelpDesk {
		d.hang(" "+iconInfo+" ", st.Subtle, st.Subtle, l)
	}
}

// command writes a command line after prefix, breaking it only at spaces
// (never inside an argument such as "flush-caches"), the following lines
// indented under it. An argument wider than the line is cut across lines.
func (d *doc) command(prefix string, pst, st tone, s string) {
	pw := ansi.StringWidth(prefix)
	w := d.w - pw
	if w < 8 {
		d.para(st, prefix+s)
		return
	}
	var lines []string
	cur := ""
	for _, word := range strings.Split(s, " ") {
		switch {
		case cur == "":
			cur = word
		case ansi.StringWidth(cur)+1+ansi.StringWidth(word) <= w:
			cur += " " + word
		default:
			lines = append(lines, cur)
			cur = word
		}
		for ansi.StringWidth(cur) > w {
			lines = append(lines, ansi.Truncate(cur, w, ""))
			cur = ansi.TruncateLeft(cur, w, "")
		}
	}
	lines = append(lines, cur)
	for i, l := range lines {
		if i == 0 {
			d.lines = append(d.lines, pst.Render(prefix)+st.Render(l))
		} else {
			d.lines = append(d.lines, strings.Repeat(" ", pw)+st.Render(l))
		}
	}
}

// viewHARSource says, on the diagnosis of a HAR export, which recorded
// request it is and that re-tests replay it live.
func (m Model) viewHARSource(d *doc) {
	if src := m.sess.HARSource(); src != "" {
		d.para(m.styles.Subtle, src)
	}
}
