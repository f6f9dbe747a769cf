package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/fix401/fix401/probe"
	"github.com/fix401/fix401/steps"
)

const sidebarWidth = 24

// View renders the current screen full-window.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "fix401"
	return v
}

// render lays the screen out: header, body (step list beside the content
// when wide enough) and the help footer. Every line is cut to the width and
// the whole frame to the height, so nothing overflows at any size.
func (m Model) render() string {
	w, h := m.width, m.height
	if w <= 0 || h <= 0 {
		return ""
	}
	if w < MinWidth || h < MinHeight {
		return ansi.Truncate(fmt.Sprintf("Enlarge the terminal to at least %d×%d (it is %d×%d).", MinWidth, MinHeight, w, h), w, "…")
	}
	footer := strings.Split(m.footer(), "\n")
	bh := m.bodyHeightWith(len(footer))
	// The body's lines are built to fit (wrapped, cut or padded); the
	// header and footer are cut here.
	for i, l := range footer {
		if ansi.StringWidth(l) > w {
			footer[i] = ansi.Truncate(l, w, "…")
		}
	}
	out := make([]string, 0, h)
	out = append(out, ansi.Truncate(m.header(w), w, "…"), "")
	out = append(out, m.body(w, bh)...)
	out = append(out, "")
	out = append(out, footer...)
	if len(out) > h {
		out = out[:h]
	}
	return strings.Join(out, "\n")
}

func (m Model) bodyHeight() int {
	return m.bodyHeightWith(strings.Count(m.footer(), "\n") + 1)
}

// footer is the key help. The one-line form drops whole keys that do not
// fit and ends with an ellipsis, rather than cutting one in the middle
// (Bubbles adds a key that overflows when not even the ellipsis fits).
func (m Model) footer() string {
	if m.help.ShowAll {
		return m.help.View(m.keys)
	}
	var keys []key.Binding
	for _, k := range m.keys.ShortHelp() {
		if k.Enabled() {
			keys = append(keys, k)
		}
	}
	v := m.help.ShortHelpView(keys)
	for len(keys) > 1 && ansi.StringWidth(v) > m.width {
		keys = keys[:len(keys)-1]
		v = m.help.ShortHelpView(keys) + " " + m.help.Styles.Ellipsis.Render(m.help.Ellipsis)
	}
	return v
}

func (m Model) bodyHeightWith(footerLines int) int {
	return max(1, m.height-3-footerLines)
}

func (m Model) showSidebar() bool { return m.width >= sidebarMinWidth }

func (m Model) mainWidth() int {
	if m.showSidebar() {
		return m.width - sidebarWidth - 3
	}
	return m.width
}

func (m Model) header(w int) string {
	st := m.styles
	left := st.AppName.Render("fix401")
	var status string
	switch {
	case m.sess.Busy():
		status = m.spinner.View() + " " + st.Subtle.Render("checking "+m.elapsed())
	case m.sess.Last != nil:
		snap := steps.Snap(m.sess.Last)
		s := st.StatusBad
		if snap.OK() {
			s = st.StatusOK
		}
		status = s.Render(snap.StatusText())
	}
	line := left
	if status != "" {
		line += " " + status
	}
	if u := m.sess.Request.URL; u != "" {
		room := w - ansi.StringWidth(line) - 1
		if room > 8 {
			line += " " + st.HeaderURL.Render(ansi.Truncate(m.sess.Redactor.URL(u), room, "…"))
		}
	}
	return line
}

func (m Model) elapsed() string {
	d := m.now().Sub(m.started)
	if d < 0 {
		d = 0
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func (m Model) body(w, bh int) []string {
	mw := m.mainWidth()
	main, focusLine := m.mainLines(mw)
	var lines []string
	if m.showSidebar() {
		side := m.sidebar(bh)
		content := m.window(main, focusLine, bh)
		sep := m.styles.Subtle.Render(" │ ")
		lines = make([]string, bh)
		for i := range lines {
			var s, c string
			if i < len(side) {
				s = side[i]
			}
			if i < len(content) {
				c = content[i]
			}
			lines[i] = s + sep + c
		}
		return lines
	}
	if p := m.progress(w); p != "" && bh > 2 {
		lines = append(lines, p)
		bh--
	}
	return append(lines, m.window(main, focusLine, bh)...)
}

// window cuts the content to bh lines at the scroll offset, keeping the
// focused field in view, with a marker when more is hidden.
func (m Model) window(lines []string, focusLine, bh int) []string {
	if len(lines) <= bh {
		return lines
	}
	room := bh - 1 // One line for the "more" marker.
	off := min(m.scroll, len(lines)-room)
	if focusLine >= 0 {
		if focusLine < off {
			off = focusLine
		} else if focusLine >= off+room {
			off = focusLine - room + 1
		}
	}
	off = max(0, min(off, len(lines)-room))
	out := append([]string(nil), lines[off:off+room]...)
	var marker string
	switch {
	case off > 0 && off+room < len(lines):
		marker = "↑↓ more (pgup/pgdn)"
	case off > 0:
		marker = "↑ more above (pgup)"
	default:
		marker = "↓ more below (pgdn)"
	}
	return append(out, m.styles.Subtle.Render(marker))
}

// maxScroll is the largest useful scroll offset for the current content.
func (m Model) maxScroll() int {
	lines, _ := m.mainLines(m.mainWidth())
	bh := m.bodyHeight()
	if !m.showSidebar() && bh > 2 && m.progress(m.width) != "" {
		bh--
	}
	return max(0, len(lines)-(bh-1))
}

// padRight cuts or pads plain text to exactly w cells.
func padRight(s string, w int) string {
	n := ansi.StringWidth(s)
	if n > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-n)
}

func (m Model) stateIcon(n int) (string, tone) {
	st := m.styles
	switch m.sess.StepState(n) {
	case steps.StateCurrent:
		return iconCurrent, st.SideCurrent
	case steps.StateDone:
		return iconDone, st.SideDone
	case steps.StateSkipped:
		return iconSkipped, st.SideSkipped
	case steps.StateFixed:
		return iconFixed, st.SideFixed
	}
	return iconPending, st.SideItem
}

func (m Model) sidebar(bh int) []string {
	st := m.styles
	out := []string{st.Heading.Render(padRight("The ten steps", sidebarWidth))}
	for _, n := range m.sess.Order {
		icon, s := m.stateIcon(n)
		out = append(out, s.Render(padRight(fmt.Sprintf("%s %2d %s", icon, n, steps.Short(n)), sidebarWidth)))
	}
	if bh >= len(out)+4 {
		out = append(out, padRight("", sidebarWidth),
			st.Subtle.Render(padRight(iconCurrent+" now "+iconDone+" tried "+iconSkipped+" skipped", sidebarWidth)),
			st.Subtle.Render(padRight(iconFixed+" fixed it "+iconPending+" to do", sidebarWidth)))
	}
	for len(out) < bh {
		out = append(out, padRight("", sidebarWidth))
	}
	return out
}

// progress is the one-line stand-in for the sidebar on narrow terminals.
func (m Model) progress(w int) string {
	switch m.sess.Phase {
	case steps.PhaseURL, steps.PhaseProbing:
		return ""
	}
	var b strings.Builder
	for _, n := range m.sess.Order {
		icon, s := m.stateIcon(n)
		b.WriteString(s.Render(icon))
	}
	line := b.String()
	if ph := m.sess.Phase; m.sess.Current != 0 && (ph == steps.PhaseStep || ph == steps.PhaseResult || ph == steps.PhaseRetesting) {
		// The step's number, and where it comes in this case's order.
		line += " " + m.styles.Subtle.Render(fmt.Sprintf("step %d (%s of 10)", m.sess.Current, ordinal(m.sess.Position(m.sess.Current))))
	}
	return ansi.Truncate(line, w, "…")
}

// doc collects the content's lines, wrapped to a width.
type doc struct {
	w         int
	lines     []string
	focusLine int
}

func (d *doc) para(st tone, s string) {
	for _, l := range strings.Split(ansi.Wrap(s, d.w, ""), "\n") {
		d.lines = append(d.lines, st.Render(l))
	}
}

// hang writes s with prefix on the first line and the following lines
// indented to match.
func (d *doc) hang(prefix string, pst, st tone, s string) {
	pw := ansi.StringWidth(prefix)
	if pw >= d.w-4 {
		d.para(st, prefix+s)
		return
	}
	for i, l := range strings.Split(ansi.Wrap(s, d.w-pw, ""), "\n") {
		if i == 0 {
			d.lines = append(d.lines, pst.Render(prefix)+st.Render(l))
		} else {
			d.lines = append(d.lines, strings.Repeat(" ", pw)+st.Render(l))
		}
	}
}

// auto writes a line that may start with an indent and a marker ("✗ ",
// "• ", "- ", "1. "), keeping wrapped lines aligned under the text.
func (d *doc) auto(st tone, s string) {
	body := strings.TrimLeft(s, " ")
	indent := len(s) - len(body)
	for _, mk := range []string{iconBad + " ", iconInfo + " ", "- ", "← ", "✓ "} {
		if strings.HasPrefix(body, mk) {
			d.hang(s[:indent]+mk, st, st, body[len(mk):])
			return
		}
	}
	if i := strings.Index(body, ". "); i > 0 && i <= 2 && strings.Trim(body[:i], "0123456789") == "" {
		d.hang(s[:indent]+body[:i+2], st, st, body[i+2:])
		return
	}
	if indent > 0 {
		d.hang(s[:indent], st, st, body)
		return
	}
	d.para(st, s)
}

func (d *doc) blank() {
	if n := len(d.lines); n > 0 && d.lines[n-1] != "" {
		d.lines = append(d.lines, "")
	}
}

// raw adds a styled line as it is, cut to the width.
func (d *doc) raw(l string) {
	if ansi.StringWidth(l) > d.w {
		l = ansi.Truncate(l, d.w, "…")
	}
	d.lines = append(d.lines, l)
}

// mainLines renders the content for the current phase, and the line the
// focused field is on (-1 when none).
func (m Model) mainLines(w int) ([]string, int) {
	d := &doc{w: max(10, w), focusLine: -1}
	if m.showTech {
		m.viewTech(d)
		return d.lines, -1
	}
	if m.sup != nil && m.sup.overlay {
		m.viewSupport(d)
		return d.lines, -1
	}
	m.viewSupportMessages(d)
	switch m.sess.Phase {
	case steps.PhaseURL:
		m.viewURL(d)
	case steps.PhaseProbing, steps.PhaseRetesting:
		m.viewBusy(d)
	case steps.PhaseDiagnosis:
		m.viewDiagnosis(d)
	case steps.PhaseStep:
		m.viewStep(d)
	case steps.PhaseResult:
		m.viewResult(d)
	case steps.PhaseResolved:
		m.viewResolved(d)
	case steps.PhaseAllTried:
		m.viewAllTried(d)
	case steps.PhasePick:
		m.viewPick(d)
	}
	m.viewMessages(d)
	return d.lines, d.focusLine
}

func (m Model) viewMessages(d *doc) {
	if m.sess.Error != "" {
		d.blank()
		d.hang(iconBad+" ", m.styles.Err, m.styles.Err, m.sess.Error)
	}
	if m.sess.Notice != "" {
		d.blank()
		d.para(m.styles.Subtle, m.sess.Notice)
	}
}

func (m Model) viewURL(d *doc) {
	st := m.styles
	d.para(st.Title, "Which address refuses you?")
	d.blank()
	d.para(st.Text, "Type or paste the address (URL) you are locked out of, for example https://intranet.example.com/reports.")
	d.blank()
	m.viewInputs(d, []steps.Field{{Label: "Address"}})
}

func (m Model) viewInputs(d *doc, fields []steps.Field) {
	st := m.styles
	for i := range m.inputs {
		label := ""
		if i < len(fields) {
			label = fields[i].Label
		}
		if label != "" {
			d.para(st.Label, label)
		}
		if i == m.focus {
			d.focusLine = len(d.lines)
		}
		d.raw(m.inputs[i].View())
		if i < len(m.fieldErrs) && m.fieldErrs[i] != "" {
			d.hang("  "+iconBad+" ", st.Err, st.Err, m.fieldErrs[i])
		}
		if i < len(fields) && fields[i].Name == steps.FieldToken && m.inputs[i].Value() != "" {
			rep := m.sess.InspectToken(m.inputs[i].Value(), m.now())
			for _, l := range rep.Lines {
				d.hang("  "+iconInfo+" ", st.Subtle, st.Text, l)
			}
			for _, p := range rep.Problems {
				d.hang("  "+iconBad+" ", st.Err, st.Err, p)
			}
		}
	}
}

func (m Model) viewBusy(d *doc) {
	st := m.styles
	what := "Checking " + m.sess.Redactor.URL(m.sess.Request.URL)
	if m.sess.Phase == steps.PhaseRetesting {
		if n := m.sess.RetestFor(); n != 0 {
			what = fmt.Sprintf("Re-testing after step %d (%s)", n, probe.StepTitle(n))
		} else {
			what = "Re-testing " + m.sess.Redactor.URL(m.sess.Request.URL)
		}
	}
	d.hang(m.spinner.View()+" ", st.SpinnerTone, st.Strong, what+"…")
	d.para(st.Subtle, "  "+m.elapsed())
	if m.sess.Last != nil {
		d.blank()
		d.para(st.Text, "Before: "+steps.Snap(m.sess.Last).StatusText())
	}
	if m.now().Sub(m.started) > 3*time.Second {
		d.blank()
		d.para(st.Warn, "The server is slow to answer. Keep waiting, or press b to cancel.")
	} else {
		d.blank()
		d.para(st.Subtle, "Press b to cancel.")
	}
}

func (m Model) viewDiagnosis(d *doc) {
	st := m.styles
	diag := m.sess.Diagnosis()
	if diag == nil {
		return
	}
	snap := steps.Snap(m.sess.Last)
	big := st.StatusBad
	if snap.OK() {
		big = st.StatusOK
	}
	d.para(big, snap.StatusText())
	m.viewHARSource(d)
	d.para(st.Text, steps.Meaning(diag))
	if why := steps.WhyNot(snap.Status); why != "" {
		d.blank()
		d.para(st.Subtle, why)
	}
	if lines := m.sess.ExplainLastChallenges(); len(lines) > 0 {
		d.blank()
		for _, l := range lines {
			d.auto(st.Text, l)
		}
	}
	if len(diag.Findings) > 0 {
		d.blank()
		d.para(st.Heading, "What fix401 found:")
		for _, f := range diag.Findings {
			icon, s := iconInfo+" ", st.Subtle
			switch f.Severity {
			case probe.SevError:
				icon, s = iconBad+" ", st.Err
			case probe.SevWarning:
				icon, s = iconWarn+" ", st.Warn
			}
			d.hang(icon, s, st.Strong, m.sess.Redactor.Text(f.Title))
			if f.Detail != "" {
				d.hang("  ", st.Subtle, st.Subtle, m.sess.Redactor.Text(f.Detail))
			}
		}
	}
	d.blank()
	d.para(st.Heading, "The steps, in the order that fits this case:")
	for i, n := range m.sess.Order {
		d.hang(fmt.Sprintf("%2d. ", i+1), st.Subtle, st.Text, fmt.Sprintf("Step %d: %s", n, probe.StepTitle(n)))
	}
	if len(m.cfg.Intro) > 0 {
		d.blank()
		for _, l := range m.cfg.Intro {
			d.para(st.Warn, l)
		}
	}
	d.blank()
	d.para(st.Strong, fmt.Sprintf("Press enter to start with step %d (%s).", m.sess.Order[0], probe.StepTitle(m.sess.Order[0])))
}

func (m Model) viewStep(d *doc) {
	st := m.styles
	s := m.sess.Step(m.sess.Current)
	d.para(st.Title, fmt.Sprintf("Step %d · %s", s.Number, s.Title))
	d.para(st.Subtle, fmt.Sprintf("%s in the recommended order of 10", ordinal(m.sess.Position(s.Number))))
	d.blank()
	d.para(st.Heading, "Why this matters here:")
	for _, why := range s.Why {
		d.hang(" "+iconInfo+" ", st.Subtle, st.Text, why)
	}
	d.blank()
	d.para(st.Heading, "What to do:")
	for i, in := range s.Instructions {
		d.hang(fmt.Sprintf(" %d. ", i+1), st.Subtle, st.Text, in)
	}
	if len(s.Info) > 0 {
		d.blank()
		for _, l := range s.Info {
			style := st.Text
			if strings.Contains(l, iconBad) || strings.Contains(l, "EXPIRED") {
				style = st.Err
			}
			d.auto(style, l)
		}
	}
	if len(s.Fields) > 0 {
		d.blank()
		m.viewInputs(d, s.Fields)
	}
	if s.Question != "" {
		d.blank()
		d.para(st.Strong, s.Question)
		if a, ok := m.sess.Answers[s.Number]; ok {
			ans := "no"
			if a {
				ans = "yes"
			}
			d.para(st.Subtle, "You answered: "+ans+".")
		}
		d.para(st.Subtle, "Press y (yes, it works) or n (no, it still fails).")
	}
	m.viewActions(d, s)
	d.blank()
	d.para(st.Subtle, s.Judge)
	if r := m.sess.LastRetest(); r != nil && r.Step == s.Number {
		d.para(st.Subtle, "Last re-test of this step: "+r.Before.StatusText()+" "+iconArrow+" "+r.After.StatusText()+".")
	}
	m.viewHelpDesk(d, s)
}

func (m Model) viewResult(d *doc) {
	st := m.styles
	r := m.sess.LastRetest()
	if r == nil {
		return
	}
	if r.Step != 0 {
		d.para(st.Title, fmt.Sprintf("After step %d · %s", r.Step, probe.StepTitle(r.Step)))
	} else {
		d.para(st.Title, "Re-test")
	}
	d.blank()
	m.beforeAfter(d, r)
	d.blank()
	style := st.Text
	switch r.Outcome {
	case steps.OutcomeNoChange:
		style = st.Warn
	case steps.OutcomeBroken:
		style = st.Err
	}
	d.para(style, r.Explain())
	d.blank()
	d.hang("What changed: ", st.Subtle, st.Text, m.sess.Redactor.Text(r.Change))
	d.blank()
	if next := m.sess.NextPending(r.Step); next != 0 {
		d.para(st.Strong, fmt.Sprintf("Press enter for the next step: %d (%s).", next, probe.StepTitle(next)))
	} else {
		d.para(st.Strong, "Press enter: every step has been tried.")
	}
	if r.Step != 0 {
		d.para(st.Subtle, "b goes back to this step to try again; r re-tests again.")
	}
}

func (m Model) beforeAfter(d *doc, r *steps.Retest) {
	st := m.styles
	bs, as := st.StatusBad, st.StatusBad
	if r.Before.OK() {
		bs = st.StatusOK
	}
	if r.After.OK() {
		as = st.StatusOK
	}
	line := bs.Render(r.Before.StatusText()) + st.Subtle.Render("  "+iconArrow+"  ") + as.Render(r.After.StatusText())
	if ansi.StringWidth(line) > d.w {
		d.para(bs, "Before: "+r.Before.StatusText())
		d.para(as, "After:  "+r.After.StatusText())
		return
	}
	d.raw(line)
}

func (m Model) viewResolved(d *doc) {
	st := m.styles
	after := steps.Snap(m.sess.Last)
	d.para(st.StatusOK, iconDone+" It works now: "+after.StatusText())
	d.blank()
	r := m.sess.LastRetest()
	switch {
	case m.sess.FixedBy != 0 && r != nil:
		d.para(st.Strong, fmt.Sprintf("Step %d (%s) fixed it.", m.sess.FixedBy, probe.StepTitle(m.sess.FixedBy)))
		// The first answer against the last: an earlier re-test (a typo's
		// 404) is not what the person came with.
		whole := *r
		whole.Before = steps.Snap(m.sess.Initial)
		m.beforeAfter(d, &whole)
		d.blank()
		d.hang("What changed: ", st.Subtle, st.Text, m.sess.Redactor.Text(r.Change))
		if r.Outcome == steps.OutcomeWorksInBrowser {
			d.blank()
			d.para(st.Text, r.Explain())
		}
	case r != nil:
		m.beforeAfter(d, r)
		d.para(st.Text, "It works without any step: the server may have recovered.")
	default:
		d.para(st.Text, "The address answers normally; there is nothing to fix.")
	}
	d.blank()
	d.para(st.Heading, "For next time:")
	for _, tip := range steps.Prevention(m.sess.FixedBy) {
		d.hang(" "+iconInfo+" ", st.Subtle, st.Text, tip)
	}
	d.blank()
	d.para(st.Subtle, "Press enter or q to finish.")
}

func (m Model) viewAllTried(d *doc) {
	st := m.styles
	after := steps.Snap(m.sess.Last)
	d.para(st.StatusBad, "Every step has been tried; the address still "+steps.Answers(after.StatusText(), false)+".")
	d.blank()
	d.para(st.Text, "This now needs the site's administrator. Send them this summary (passwords and tokens are hidden):")
	d.blank()
	for _, l := range m.sess.Report() {
		d.auto(st.Text, l)
	}
	d.blank()
	d.para(st.Subtle, "Press w to write the full support report to send (c copies its summary), a step number to try one again, or enter to finish.")
}

func (m Model) viewTech(d *doc) {
	st := m.styles
	d.para(st.Title, "Technical detail (t or esc to go back)")
	d.blank()
	for _, l := range m.sess.Technical() {
		d.auto(st.Text, l)
	}
}

func ordinal(n int) string {
	switch {
	case n%100 >= 11 && n%100 <= 13:
		return fmt.Sprintf("%dth", n)
	case n%10 == 1:
		return fmt.Sprintf("%dst", n)
	case n%10 == 2:
		return fmt.Sprintf("%dnd", n)
	case n%10 == 3:
		return fmt.Sprintf("%drd", n)
	}
	return fmt.Sprintf("%dth", n)
}
