package tui

import "charm.land/bubbles/v2/key"

// KeyMap holds every binding the wizard knows, declared once. Bindings that
// do not apply on the current screen are disabled by Model.syncKeys, so
// they neither match nor show in the help; keys a focused text field needs
// go to the field.
type KeyMap struct {
	Continue  key.Binding
	Retest    key.Binding
	Skip      key.Binding
	Back      key.Binding
	Jump      key.Binding
	NextField key.Binding
	PrevField key.Binding
	Leave     key.Binding
	Yes       key.Binding
	No        key.Binding
	Tech      key.Binding
	Report    key.Binding
	Copy      key.Binding
	Help      key.Binding
	Up        key.Binding
	Down      key.Binding
	Quit      key.Binding
	ForceQuit key.Binding
	Suspend   key.Binding
}

// DefaultKeyMap returns the wizard's bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Continue:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue")),
		Retest:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "re-test now")),
		Skip:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "skip step")),
		Back:      key.NewBinding(key.WithKeys("b", "esc"), key.WithHelp("b", "back")),
		Jump:      key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7", "8", "9", "0"), key.WithHelp("1–9,0", "jump to step")),
		NextField: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field")),
		PrevField: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous field")),
		Leave:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "leave field")),
		Yes:       key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "it works")),
		No:        key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "still fails")),
		Tech:      key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "technical detail")),
		Report:    key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "write the support report")),
		Copy:      key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy the report's summary")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "all keys")),
		Up:        key.NewBinding(key.WithKeys("up", "k", "pgup"), key.WithHelp("↑/pgup", "scroll up")),
		Down:      key.NewBinding(key.WithKeys("down", "j", "pgdown", "space"), key.WithHelp("↓/pgdn", "scroll down")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit at once")),
		Suspend:   key.NewBinding(key.WithKeys("ctrl+z"), key.WithHelp("ctrl+z", "suspend")),
	}
}

// ShortHelp is the footer: the keys that matter most on this screen.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Continue, k.Yes, k.No, k.NextField, k.Leave, k.Retest, k.Skip, k.Back, k.Tech, k.Help, k.Quit, k.ForceQuit}
}

// FullHelp is every key that applies on this screen, in columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Continue, k.Retest, k.Skip, k.Back, k.Jump},
		{k.NextField, k.PrevField, k.Leave, k.Yes, k.No},
		{k.Tech, k.Report, k.Copy, k.Up, k.Down, k.Help},
		{k.Quit, k.ForceQuit, k.Suspend},
	}
}
