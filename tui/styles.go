package tui

import (
	"image/color"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Icons, in one place.
const (
	iconPending = "○"
	iconCurrent = "▶"
	iconDone    = "✓"
	iconSkipped = "–"
	iconFixed   = "★"
	iconBad     = "✗"
	iconWarn    = "!"
	iconInfo    = "•"
	iconArrow   = "→"
)

// tone is a text style reduced to the escape sequences around its text,
// so that styling a line is two string concatenations (lipgloss's Render
// measures and pads, which is too slow to do for every line of a frame).
// The zero tone leaves text as it is.
type tone struct{ pre, post string }

func newTone(st lipgloss.Style) tone {
	const sentinel = "\uE000"
	r := st.Render(sentinel)
	i := strings.Index(r, sentinel)
	if i < 0 {
		return tone{}
	}
	return tone{pre: r[:i], post: r[i+len(sentinel):]}
}

// Render styles one line of text.
func (t tone) Render(s string) string {
	if s == "" || t.pre == "" && t.post == "" {
		return s
	}
	return t.pre + s + t.post
}

// Styles are every style the wizard uses, built from a few semantic
// tokens. No colour appears anywhere else.
type Styles struct {
	AppName   lipgloss.Style
	HeaderURL tone
	Title     tone
	Heading   tone
	Text      tone
	Subtle    tone
	Strong    tone
	OK        tone
	Warn      tone
	Err       tone
	// StatusOK and StatusBad are the big status on the diagnosis screen.
	StatusOK  tone
	StatusBad tone
	// Side* style the step list.
	SideItem    tone
	SideCurrent tone
	SideDone    tone
	SideFixed   tone
	SideSkipped tone
	Label       tone
	Action      tone
	ActionFocus tone
	Spinner     lipgloss.Style
	SpinnerTone tone
	Help        help.Styles
	Field       fieldStyles
}

// helpStyles styles the key help in the palette's own tones: Bubbles'
// defaults are pale greys that are hard to read (#B2B2B2 on white).
func helpStyles(key, desc color.Color) help.Styles {
	k := lipgloss.NewStyle().Foreground(key)
	d := lipgloss.NewStyle().Foreground(desc)
	return help.Styles{Ellipsis: d, ShortKey: k, ShortDesc: d, ShortSeparator: d, FullKey: k, FullDesc: d, FullSeparator: d}
}

// NewStyles builds the styles for a dark or light background.
func NewStyles(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	var (
		primary   = ld(lipgloss.Color("#5A4FCF"), lipgloss.Color("#A79BFF"))
		onPrimary = ld(lipgloss.Color("#FFFFFF"), lipgloss.Color("#1B1530"))
		text      = ld(lipgloss.Color("#1F2328"), lipgloss.Color("#E6EDF3"))
		subtle    = ld(lipgloss.Color("#59636E"), lipgloss.Color("#9198A1"))
		ok        = ld(lipgloss.Color("#1A7F37"), lipgloss.Color("#3FB950"))
		warn      = ld(lipgloss.Color("#9A6700"), lipgloss.Color("#D29922"))
		bad       = ld(lipgloss.Color("#CF222E"), lipgloss.Color("#F85149"))
	)
	s := Styles{
		AppName:     lipgloss.NewStyle().Bold(true).Foreground(onPrimary).Background(primary).Padding(0, 1),
		HeaderURL:   newTone(lipgloss.NewStyle().Foreground(subtle)),
		Title:       newTone(lipgloss.NewStyle().Bold(true).Foreground(primary)),
		Heading:     newTone(lipgloss.NewStyle().Bold(true).Foreground(text)),
		Text:        newTone(lipgloss.NewStyle().Foreground(text)),
		Subtle:      newTone(lipgloss.NewStyle().Foreground(subtle)),
		Strong:      newTone(lipgloss.NewStyle().Bold(true).Foreground(text)),
		OK:          newTone(lipgloss.NewStyle().Foreground(ok)),
		Warn:        newTone(lipgloss.NewStyle().Foreground(warn)),
		Err:         newTone(lipgloss.NewStyle().Foreground(bad)),
		StatusOK:    newTone(lipgloss.NewStyle().Bold(true).Foreground(ok)),
		StatusBad:   newTone(lipgloss.NewStyle().Bold(true).Foreground(bad)),
		SideItem:    newTone(lipgloss.NewStyle().Foreground(subtle)),
		SideCurrent: newTone(lipgloss.NewStyle().Bold(true).Foreground(primary)),
		SideDone:    newTone(lipgloss.NewStyle().Foreground(text)),
		SideFixed:   newTone(lipgloss.NewStyle().Bold(true).Foreground(ok)),
		SideSkipped: newTone(lipgloss.NewStyle().Foreground(subtle).Strikethrough(true)),
		Label:       newTone(lipgloss.NewStyle().Bold(true).Foreground(text)),
		Action:      newTone(lipgloss.NewStyle().Foreground(primary)),
		ActionFocus: newTone(lipgloss.NewStyle().Bold(true).Foreground(onPrimary).Background(primary)),
		Spinner:     lipgloss.NewStyle().Foreground(primary),
		Help:        helpStyles(text, subtle),
	}
	s.SpinnerTone = newTone(s.Spinner)
	s.Field = fieldStyles{
		Prompt:        lipgloss.NewStyle().Bold(true).Foreground(primary),
		BlurredPrompt: lipgloss.NewStyle().Foreground(subtle),
		Text:          lipgloss.NewStyle().Foreground(text),
		BlurredText:   lipgloss.NewStyle().Foreground(subtle),
		Placeholder:   lipgloss.NewStyle().Foreground(subtle).Italic(true),
		Cursor:        lipgloss.NewStyle().Reverse(true),
	}
	return s
}
