package tui

import (
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

// Styles are every style the wizard uses, built from a few semantic
// tokens. No colour appears anywhere else.
type Styles struct {
	AppName   lipgloss.Style
	HeaderURL lipgloss.Style
	Title     lipgloss.Style
	Heading   lipgloss.Style
	Text      lipgloss.Style
	Subtle    lipgloss.Style
	Strong    lipgloss.Style
	OK        lipgloss.Style
	Warn      lipgloss.Style
	Err       lipgloss.Style
	// StatusOK and StatusBad are the big status on the diagnosis screen.
	StatusOK  lipgloss.Style
	StatusBad lipgloss.Style
	// Side* style the step list.
	SideItem    lipgloss.Style
	SideCurrent lipgloss.Style
	SideDone    lipgloss.Style
	SideFixed   lipgloss.Style
	SideSkipped lipgloss.Style
	Label       lipgloss.Style
	Action      lipgloss.Style
	ActionFocus lipgloss.Style
	Spinner     lipgloss.Style
	Help        help.Styles
	Field       fieldStyles
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
		HeaderURL:   lipgloss.NewStyle().Foreground(subtle),
		Title:       lipgloss.NewStyle().Bold(true).Foreground(primary),
		Heading:     lipgloss.NewStyle().Bold(true).Foreground(text),
		Text:        lipgloss.NewStyle().Foreground(text),
		Subtle:      lipgloss.NewStyle().Foreground(subtle),
		Strong:      lipgloss.NewStyle().Bold(true).Foreground(text),
		OK:          lipgloss.NewStyle().Foreground(ok),
		Warn:        lipgloss.NewStyle().Foreground(warn),
		Err:         lipgloss.NewStyle().Foreground(bad),
		StatusOK:    lipgloss.NewStyle().Bold(true).Foreground(ok),
		StatusBad:   lipgloss.NewStyle().Bold(true).Foreground(bad),
		SideItem:    lipgloss.NewStyle().Foreground(subtle),
		SideCurrent: lipgloss.NewStyle().Bold(true).Foreground(primary),
		SideDone:    lipgloss.NewStyle().Foreground(text),
		SideFixed:   lipgloss.NewStyle().Bold(true).Foreground(ok),
		SideSkipped: lipgloss.NewStyle().Foreground(subtle).Strikethrough(true),
		Label:       lipgloss.NewStyle().Bold(true).Foreground(text),
		Action:      lipgloss.NewStyle().Foreground(primary),
		ActionFocus: lipgloss.NewStyle().Bold(true).Foreground(onPrimary).Background(primary),
		Spinner:     lipgloss.NewStyle().Foreground(primary),
		Help:        help.DefaultStyles(isDark),
	}
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
