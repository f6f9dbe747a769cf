package tui

import (
	"strings"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/fix401/fix401/probe"
)

// maskRune stands in for each character of a secret field.
const maskRune = '•'

// field is a one-line text field. A secret field shows one mask per
// character and never renders its value; a plain field shows its value
// sanitized. (bubbles/textinput would need a clipboard module that is not
// in go.sum; this is the small part of it the wizard needs.)
type field struct {
	value       []rune
	pos         int
	secret      bool
	focused     bool
	placeholder string
	prompt      string
	width       int // total width, prompt included
	limit       int
	styles      fieldStyles
}

// fieldStyles style a field; they come from Styles.
type fieldStyles struct {
	Prompt, BlurredPrompt lipgloss.Style
	Text, BlurredText     lipgloss.Style
	Placeholder           lipgloss.Style
	Cursor                lipgloss.Style
}

func newField(value, placeholder string, secret bool, st fieldStyles) field {
	f := field{prompt: "› ", placeholder: placeholder, secret: secret, limit: 16 << 10, width: 40, styles: st}
	f.SetValue(value)
	return f
}

// Value returns the text typed, exactly.
func (f field) Value() string { return string(f.value) }

// SetValue replaces the text and puts the cursor at its end.
func (f *field) SetValue(s string) {
	f.value = []rune(clean(s, f.limit))
	f.pos = len(f.value)
}

func (f *field) Focus() { f.focused = true }
func (f *field) Blur()  { f.focused = false }

// clean drops escape sequences and control characters other than line
// breaks (kept so a token pasted with a newline can be reported), and
// bounds the length.
func clean(s string, limit int) string {
	s = ansi.Strip(s)
	s = strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit])
	}
	return s
}

func (f *field) insert(s string) {
	rs := []rune(clean(s, f.limit))
	if room := f.limit - len(f.value); len(rs) > room {
		rs = rs[:max(0, room)]
	}
	v := make([]rune, 0, len(f.value)+len(rs))
	v = append(v, f.value[:f.pos]...)
	v = append(v, rs...)
	v = append(v, f.value[f.pos:]...)
	f.value = v
	f.pos += len(rs)
}

func (f *field) deleteRange(from, to int) {
	if from < 0 {
		from = 0
	}
	if to > len(f.value) {
		to = len(f.value)
	}
	if from >= to {
		return
	}
	f.value = append(f.value[:from:from], f.value[to:]...)
	f.pos = from
}

// Update handles a key press or pasted text while the field is focused.
func (f field) Update(msg tea.Msg) field {
	if !f.focused {
		return f
	}
	switch msg := msg.(type) {
	case tea.PasteMsg:
		f.insert(msg.Content)
	case tea.KeyPressMsg:
		switch msg.String() {
		case "backspace", "ctrl+h":
			f.deleteRange(f.pos-1, f.pos)
		case "delete", "ctrl+d":
			p := f.pos
			f.deleteRange(p, p+1)
			f.pos = p
		case "left", "ctrl+b":
			f.pos = max(0, f.pos-1)
		case "right", "ctrl+f":
			f.pos = min(len(f.value), f.pos+1)
		case "home", "ctrl+a":
			f.pos = 0
		case "end", "ctrl+e":
			f.pos = len(f.value)
		case "ctrl+u":
			f.deleteRange(0, f.pos)
		case "ctrl+k":
			f.value = f.value[:f.pos]
		case "ctrl+w", "alt+backspace":
			i := f.pos
			for i > 0 && unicode.IsSpace(f.value[i-1]) {
				i--
			}
			for i > 0 && !unicode.IsSpace(f.value[i-1]) {
				i--
			}
			f.deleteRange(i, f.pos)
		default:
			if msg.Text != "" && !msg.Mod.Contains(tea.ModCtrl) && !msg.Mod.Contains(tea.ModAlt) {
				f.insert(msg.Text)
			}
		}
	}
	return f
}

// View renders the prompt and the visible part of the text, scrolled so
// the cursor stays in view.
func (f field) View() string {
	ps, ts := f.styles.BlurredPrompt, f.styles.BlurredText
	if f.focused {
		ps, ts = f.styles.Prompt, f.styles.Text
	}
	room := max(1, f.width-ansi.StringWidth(f.prompt)-1)
	if len(f.value) == 0 {
		ph := ansi.Truncate(f.placeholder, room, "…")
		if f.focused {
			first, rest := " ", ""
			if r := []rune(ph); len(r) > 0 {
				first, rest = string(r[0]), string(r[1:])
			}
			return ps.Render(f.prompt) + f.styles.Cursor.Render(first) + f.styles.Placeholder.Render(rest)
		}
		return ps.Render(f.prompt) + f.styles.Placeholder.Render(ph)
	}
	shown := f.display()
	// Scroll horizontally so the cursor is visible (one cell per rune;
	// wide runes are rare in URLs and secrets).
	start := 0
	if f.pos >= room {
		start = f.pos - room + 1
	}
	end := min(len(shown), start+room)
	var b strings.Builder
	b.WriteString(ps.Render(f.prompt))
	b.WriteString(ts.Render(string(shown[start:min(f.pos, end)])))
	if f.focused {
		c := " "
		if f.pos < len(shown) {
			c = string(shown[f.pos])
		}
		b.WriteString(f.styles.Cursor.Render(c))
		if f.pos+1 < end {
			b.WriteString(ts.Render(string(shown[f.pos+1 : end])))
		}
	} else if f.pos < end {
		b.WriteString(ts.Render(string(shown[f.pos:end])))
	}
	return b.String()
}

// display is what the field shows in place of each rune: the mask for a
// secret, the sanitized text otherwise.
func (f field) display() []rune {
	if f.secret {
		return []rune(strings.Repeat(string(maskRune), len(f.value)))
	}
	shown := []rune(probe.Sanitize(string(f.value)))
	if len(shown) != len(f.value) {
		// Sanitize can change the length (invalid UTF-8); fall back to
		// replacing rune by rune.
		shown = make([]rune, len(f.value))
		for i, r := range f.value {
			if unicode.IsPrint(r) {
				shown[i] = r
			} else {
				shown[i] = ' '
			}
		}
	}
	return shown
}
