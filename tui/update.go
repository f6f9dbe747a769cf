package tui

import (
	"fmt"
	"strconv"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/fix401/fix401/steps"
)

// Update handles one message. Transitions happen in the session
// (steps.Session.Apply); Update only translates keys and results into
// events, and effects into commands. It does no I/O.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := m.update(msg)
	if c := m.syncScreen(); c != nil {
		cmd = tea.Batch(cmd, c)
	}
	m.syncKeys()
	if c := m.persist(msg); c != nil {
		cmd = tea.Batch(cmd, c)
	}
	return m, cmd
}

func (m Model) update(msg tea.Msg) (Model, tea.Cmd) {
	if mm, cmd, ok := m.updateSupport(msg); ok {
		return mm, cmd
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layoutInputs()
		return m, nil
	case tea.BackgroundColorMsg:
		m.setStyles(msg.IsDark())
		return m, nil
	case startMsg:
		return m, m.apply(steps.Start{URL: m.cfg.Request.URL})
	case spinner.TickMsg:
		if !m.sess.Busy() {
			return m, nil // Dropping the tick stops the spinner.
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return m, cmd
	case checkDoneMsg:
		cmd := m.apply(steps.Probed{Seq: msg.seq, Result: msg.res, Err: msg.err})
		if !m.sess.Phase.Busy() {
			m.stopCheck()
		}
		return m, cmd
	case dnsDoneMsg:
		return m, m.apply(steps.DNSDone{Host: msg.host, Addrs: msg.addrs, Err: msg.err})
	case actionDoneMsg:
		return m, m.apply(steps.ActionDone{Step: msg.step, Label: msg.label, Output: msg.output, Err: msg.err})
	case detectDoneMsg:
		return m, m.apply(steps.Detected{Step: msg.step, Seq: msg.seq, Offer: msg.offer, Err: msg.err})
	case terminalDoneMsg:
		return m, m.apply(steps.TerminalDone{Step: msg.step, Err: msg.err})
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	}
	// Anything else (pasted text, cursor messages) belongs to the field.
	if m.fieldFocused() {
		m.inputs[m.focus] = m.inputs[m.focus].Update(msg)
		m.validate(m.focus)
		return m, nil
	}
	return m, nil
}

// apply feeds an event to the session and runs the effects it asks for.
func (m *Model) apply(ev steps.Event) tea.Cmd {
	return m.runEffects(m.sess.Apply(ev))
}

func (m Model) fieldFocused() bool { return m.focus >= 0 && m.focus < len(m.inputs) }

func (m Model) actions() []steps.Action {
	if m.sess.Phase != steps.PhaseStep {
		return nil
	}
	return m.sess.Step(m.sess.Current).Actions
}

func (m Model) targets() int { return len(m.inputs) + len(m.actions()) }

func (m Model) handleKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.ForceQuit):
		m.interrupted, m.quitting = true, true
		m.stopCheck()
		m.stop()
		return m, tea.Interrupt
	case key.Matches(msg, k.Suspend):
		return m, tea.Suspend
	}
	if m.sess.Phase == steps.PhasePick {
		return m.pickKey(msg)
	}

	if m.fieldFocused() {
		switch {
		case key.Matches(msg, k.Continue):
			if m.focus < len(m.inputs)-1 {
				return m, m.setFocus(m.focus + 1)
			}
			return m.submit()
		case key.Matches(msg, k.NextField):
			return m, m.setFocus(m.cycle(+1))
		case key.Matches(msg, k.PrevField):
			return m, m.setFocus(m.cycle(-1))
		case key.Matches(msg, k.Leave):
			return m, m.setFocus(-1)
		}
		m.inputs[m.focus] = m.inputs[m.focus].Update(msg)
		m.validate(m.focus)
		return m, nil
	}

	if m.focus >= len(m.inputs) { // An action has the focus.
		switch {
		case key.Matches(msg, k.Continue):
			idx := m.focus - len(m.inputs)
			m.focus = -1
			return m, m.apply(steps.RunAction{Index: idx})
		case key.Matches(msg, k.Leave):
			return m, m.setFocus(-1)
		}
	}

	if mm, cmd, ok := m.supportKey(msg); ok {
		return mm, cmd
	}
	switch {
	case m.showTech && (key.Matches(msg, k.Back) || key.Matches(msg, k.Tech)):
		m.showTech = false
		m.scroll = 0
	case key.Matches(msg, k.Quit):
		m.quitting = true
		m.stopCheck()
		m.stop()
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
	case key.Matches(msg, k.Tech):
		m.showTech = true
		m.scroll = 0
	case key.Matches(msg, k.Up):
		m.scroll = max(0, m.scroll-m.scrollStep(msg))
	case key.Matches(msg, k.Down):
		m.scroll = min(m.maxScroll(), m.scroll+m.scrollStep(msg))
	case key.Matches(msg, k.NextField):
		return m, m.setFocus(m.cycle(+1))
	case key.Matches(msg, k.PrevField):
		return m, m.setFocus(m.cycle(-1))
	case key.Matches(msg, k.Yes) && m.consenting():
		return m, m.apply(steps.Consent{Yes: true})
	case key.Matches(msg, k.No) && m.consenting():
		return m, m.apply(steps.Consent{Yes: false})
	case key.Matches(msg, k.Yes):
		return m, m.apply(steps.Answer{Works: true})
	case key.Matches(msg, k.No):
		return m, m.apply(steps.Answer{Works: false})
	case key.Matches(msg, k.Continue):
		switch m.sess.Phase {
		case steps.PhaseResolved, steps.PhaseAllTried:
			m.quitting = true
			return m, tea.Quit
		case steps.PhaseURL:
			return m.submit()
		}
		return m, m.apply(steps.Continue{})
	case key.Matches(msg, k.Retest):
		return m, m.apply(steps.RetestNow{})
	case key.Matches(msg, k.Skip):
		return m, m.apply(steps.Skip{})
	case key.Matches(msg, k.Back):
		return m, m.apply(steps.Back{})
	case key.Matches(msg, k.Jump):
		n, err := strconv.Atoi(msg.String())
		if err != nil {
			return m, nil
		}
		if n == 0 {
			n = 10
		}
		return m, m.apply(steps.Jump{Step: n})
	}
	return m, nil
}

func (m Model) scrollStep(msg tea.KeyPressMsg) int {
	switch msg.String() {
	case "pgup", "pgdown", "space":
		return max(1, m.bodyHeight()-2)
	}
	return 1
}

// submit sends the fields: the URL on the URL screen, the step's form
// otherwise.
func (m Model) submit() (Model, tea.Cmd) {
	if m.sess.Phase == steps.PhaseURL {
		if len(m.inputs) == 0 {
			return m, nil
		}
		return m, m.apply(steps.Start{URL: m.inputs[0].Value()})
	}
	values := make([]string, len(m.inputs))
	for i := range m.inputs {
		values[i] = m.inputs[i].Value()
	}
	m.rememberTyped()
	return m, m.apply(steps.Submit{Values: values})
}

// cycle returns the focus target d steps away, wrapping through "none".
func (m Model) cycle(d int) int {
	n := m.targets()
	if n == 0 {
		return -1
	}
	f := m.focus + d
	switch {
	case f >= n:
		return -1
	case f < -1:
		return n - 1
	}
	return f
}

// setFocus moves the focus to target f (-1: none).
func (m *Model) setFocus(f int) tea.Cmd {
	for i := range m.inputs {
		if i == f {
			m.inputs[i].Focus()
		} else {
			m.inputs[i].Blur()
		}
	}
	m.focus = f
	return nil
}

func (m *Model) validate(i int) {
	if i < 0 || i >= len(m.inputs) {
		return
	}
	v := m.inputs[i].Value()
	m.fieldErrs[i] = ""
	if v == "" {
		return
	}
	var err error
	if m.sess.Phase == steps.PhaseURL {
		err = steps.ValidateURL(steps.NormalizeURL(v))
	} else if fs := m.fields(); i < len(fs) && fs[i].Validate != nil {
		err = fs[i].Validate(v)
	}
	if err != nil {
		m.fieldErrs[i] = err.Error()
	}
}

func (m Model) fields() []steps.Field {
	if m.sess.Phase != steps.PhaseStep {
		return nil
	}
	return m.sess.Step(m.sess.Current).Fields
}

func (m Model) screenKey() string {
	switch m.sess.Phase {
	case steps.PhaseStep:
		return fmt.Sprintf("step-%d%s", m.sess.Current, m.sess.FormKey())
	case steps.PhaseResult:
		return fmt.Sprintf("result-%d", len(m.sess.History))
	}
	return m.sess.Phase.String()
}

// syncScreen rebuilds the fields when the screen changed, and puts the
// cursor in the first field where the step asks for it.
func (m *Model) syncScreen() tea.Cmd {
	key := m.screenKey()
	if key == m.screen {
		return nil
	}
	m.rememberTyped()
	m.screen = key
	m.scroll = 0
	m.showTech = false
	m.inputs, m.fieldErrs, m.focus = nil, nil, -1
	switch m.sess.Phase {
	case steps.PhaseURL:
		ti := m.newInput(steps.Field{Name: steps.FieldURL, Placeholder: "https://example.com/page", Value: m.sess.Request.URL})
		m.inputs = []field{ti}
		m.fieldErrs = make([]string, 1)
		m.validate(0)
		return m.setFocus(0)
	case steps.PhaseStep:
		st := m.sess.Step(m.sess.Current)
		saved := m.cfgTyped()[key]
		for i, f := range st.Fields {
			if !f.Secret && i < len(saved) && saved[i] != "" {
				f.Value = saved[i]
			}
			m.inputs = append(m.inputs, m.newInput(f))
		}
		m.fieldErrs = make([]string, len(m.inputs))
		for i := range m.inputs {
			m.validate(i)
		}
		if st.AutoFocus && len(m.inputs) > 0 {
			return m.setFocus(0)
		}
	}
	return nil
}

// typed keeps what was typed in non-secret fields per screen, so coming
// back to a step shows it again. Secrets are never kept.
type typedValues map[string][]string

func (m *Model) cfgTyped() typedValues {
	if m.typed == nil {
		m.typed = typedValues{}
	}
	return m.typed
}

func (m *Model) rememberTyped() {
	if m.sess == nil || len(m.inputs) == 0 || m.screen == "" {
		return
	}
	vals := make([]string, len(m.inputs))
	for i := range m.inputs {
		if !m.inputs[i].secret {
			vals[i] = m.inputs[i].Value()
		}
	}
	m.cfgTyped()[m.screen] = vals
}

func (m *Model) newInput(f steps.Field) field {
	fl := newField(f.Value, f.Placeholder, f.Secret, m.styles.Field)
	fl.width = max(8, m.mainWidth())
	return fl
}

func (m *Model) layoutInputs() {
	m.help.SetWidth(m.width)
	for i := range m.inputs {
		m.inputs[i].width = max(8, m.mainWidth())
	}
}

// syncKeys enables the bindings that apply on this screen, and names what
// enter does here.
func (m *Model) syncKeys() {
	k := &m.keys
	ph := m.sess.Phase
	field := m.fieldFocused()
	action := m.focus >= len(m.inputs)
	busy := m.sess.Busy()
	question := ph == steps.PhaseStep && m.sess.Step(m.sess.Current).Question != ""
	stepLike := ph == steps.PhaseStep || ph == steps.PhaseResult

	consent := m.consenting()
	k.Continue.SetEnabled(!busy && !(question && !field && !action) && !(consent && !field))
	switch {
	case field && m.focus < len(m.inputs)-1:
		k.Continue.SetHelp("enter", "next field")
	case field && ph == steps.PhaseURL:
		k.Continue.SetHelp("enter", "check it")
	case field:
		k.Continue.SetHelp("enter", "submit and re-test")
	case action:
		k.Continue.SetHelp("enter", "do it")
	case ph == steps.PhaseURL:
		k.Continue.SetHelp("enter", "check it")
	case ph == steps.PhaseDiagnosis:
		k.Continue.SetHelp("enter", "start the steps")
	case ph == steps.PhaseStep:
		k.Continue.SetHelp("enter", "done, re-test")
	case ph == steps.PhaseResult:
		k.Continue.SetHelp("enter", "next step")
	default:
		k.Continue.SetHelp("enter", "finish")
	}
	k.Retest.SetEnabled(!field && !busy && ph != steps.PhaseURL)
	k.Skip.SetEnabled(!field && !busy && stepLike)
	k.Back.SetEnabled(!field && ph != steps.PhaseURL)
	if busy {
		k.Back.SetHelp("b", "cancel")
	} else {
		k.Back.SetHelp("b", "back")
	}
	k.Jump.SetEnabled(!field && ph != steps.PhaseURL && ph != steps.PhaseProbing)
	k.NextField.SetEnabled(m.targets() > 0 && !busy)
	k.PrevField.SetEnabled(m.targets() > 0 && !busy)
	if m.targets() > len(m.inputs) && !field {
		k.NextField.SetHelp("tab", "choose an action")
	} else {
		k.NextField.SetHelp("tab", "next field")
	}
	k.Leave.SetEnabled(field || action)
	k.Yes.SetEnabled(!field && (question || consent) && !busy)
	k.No.SetEnabled(!field && (question || consent) && !busy)
	if consent {
		k.Yes.SetHelp("y", "run it")
		k.No.SetHelp("n", "do not run it")
	} else {
		k.Yes.SetHelp("y", "it works")
		k.No.SetHelp("n", "still fails")
	}
	k.Tech.SetEnabled(!field && ph != steps.PhaseURL && ph != steps.PhaseProbing)
	k.Help.SetEnabled(!field)
	k.Up.SetEnabled(!field)
	k.Down.SetEnabled(!field)
	k.Quit.SetEnabled(!field)
	if ph == steps.PhasePick {
		m.syncPickKeys()
	}
	m.syncSupportKeys()
}
