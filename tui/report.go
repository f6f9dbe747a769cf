package tui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/fix401/fix401/probe"
	"github.com/fix401/fix401/steps"
)

// Support configures what the wizard keeps and writes besides the screen:
// the saved session, the support report, the clipboard, the OAuth refresh
// and the security.txt lookup. The zero value saves nothing, writes a
// report only when asked (to the temporary directory), and runs the
// refresh and the lookup with probe's functions.
type Support struct {
	// Store keeps the session after every step; nil saves nothing.
	Store *steps.Store
	// ReportPath is where reports go ("" picks a file in the store's
	// report directory). Its extension chooses the form: .json or Markdown.
	ReportPath string
	// Meta names fix401's version and the OS in reports.
	Meta steps.ReportMeta
	// Copy puts text on the clipboard with the machine's own tool
	// (platform.Copy with no terminal writer) and says how it went; the
	// full-screen wizard also sends it to the terminal (OSC 52). Nil
	// copies through the terminal only.
	Copy func(ctx context.Context, text string) string
	// Refresh gets a new access token (probe.Refresh if nil).
	Refresh func(ctx context.Context, cfg probe.RefreshConfig) (probe.RefreshedToken, error)
	// FetchSecurityTxt looks the site's security.txt up
	// (probe.FetchSecurityTxt if nil); it runs only after the person
	// agrees.
	FetchSecurityTxt func(ctx context.Context, rawURL string, insecure bool) ([]probe.Contact, error)
	// OAuth is what a refresh needs, from flags or the environment.
	OAuth probe.RefreshConfig
	// Resume, when set, continues that saved session; Given names the
	// credentials given again for it, in plain words.
	Resume *steps.Record
	Given  []string
}

// supportState is what the model keeps for saving and reports. It is
// shared by the copies of the model Bubble Tea makes, like a pointer to
// a session.
type supportState struct {
	lastSaved []byte // the last record handed to Save, without its time
	saveErr   string // why the last save failed ("" when it worked)
	overlay   bool   // the report panel is shown
	written   string // where the last report went
	fallback  string // why the report went to the fallback place
	reportErr string // why the last report could not be written
	summary   string // the last summary copied
	copyNote  string // how the copy went
	copied    bool
	plainSaid string // the save failure the plain dialogue last said
}

// The support messages.
type (
	savedMsg       struct{ err error }
	supportDoneMsg struct{ ev steps.Event }
	reportMsg      struct {
		path, fallback string
		err            error
		copy           bool
		summary        string
		note           string
	}
)

// initSupport applies the support configuration to a new model.
func (m *Model) initSupport() {
	m.sup = &supportState{}
	sup := m.cfg.Support
	m.sess.SetOAuth(sup.OAuth)
	if sup.Resume != nil {
		m.sess.Restore(*sup.Resume, sup.Given)
	}
}

// updateSupport handles the support messages.
func (m Model) updateSupport(msg tea.Msg) (Model, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case savedMsg:
		if msg.err != nil {
			m.sup.saveErr = saveErrorText(m.cfg.Support.Store, msg.err)
			m.sup.lastSaved = nil // Try again after the next change.
		} else {
			m.sup.saveErr = ""
		}
		return m, nil, true
	case supportDoneMsg:
		return m, m.apply(msg.ev), true
	case reportMsg:
		m.sup.written, m.sup.fallback, m.sup.reportErr = msg.path, msg.fallback, ""
		if msg.err != nil {
			m.sup.written = ""
			m.sup.reportErr = reportErrorText(msg.path, msg.err)
		}
		m.sup.overlay = true
		m.sup.copied = msg.copy
		m.sup.summary, m.sup.copyNote = msg.summary, msg.note
		m.scroll = 0
		if msg.copy {
			return m, tea.SetClipboard(msg.summary), true
		}
		return m, nil, true
	}
	return m, nil, false
}

func saveErrorText(st *steps.Store, err error) string {
	where := ""
	if st != nil {
		where = " in " + probe.Sanitize(st.Dir)
	}
	return "Progress could not be saved" + where + ": " + steps.PlainFileError(err) + ". fix401 goes on, but this session cannot be resumed if it stops; the report can still be written (w)."
}

func reportErrorText(path string, err error) string {
	msg := steps.PlainFileError(err)
	if path != "" && !strings.Contains(msg, path) {
		msg = probe.Sanitize(path) + ": " + msg
	}
	return "The report could not be written: " + msg + "."
}

// persist saves the session when it changed, in a command (the file
// write is I/O). A failure is shown on the screen; the wizard goes on.
func (m *Model) persist(msg tea.Msg) tea.Cmd {
	st := m.cfg.Support.Store
	if st == nil || m.sup == nil || !m.sess.Saveable() {
		return nil
	}
	switch msg.(type) {
	case spinner.TickMsg, tea.WindowSizeMsg, tea.BackgroundColorMsg, savedMsg:
		return nil
	}
	rec := m.sess.Record(false)
	key := recordKey(rec)
	if bytes.Equal(key, m.sup.lastSaved) {
		return nil
	}
	m.sup.lastSaved = key
	return func() tea.Msg { return savedMsg{err: st.Save(rec)} }
}

// recordKey is a record without its time, to tell whether anything
// changed since the last save.
func recordKey(rec steps.Record) []byte {
	rec.Updated = rec.Started
	b, _ := json.Marshal(rec)
	return b
}

// SaveNow saves the session synchronously (the plain dialogue, and the end
// of a run); finished marks it as not to be resumed.
func SaveNow(s *steps.Session, st *steps.Store, finished bool) error {
	if st == nil || s == nil || !s.Saveable() {
		return nil
	}
	return st.Save(s.Record(finished))
}

// reportMeta is the configured meta, with the session's clock.
func (m *Model) reportMeta(state string) steps.ReportMeta {
	meta := m.cfg.Support.Meta
	meta.State = state
	meta.Now = m.now()
	return meta
}

// writeReportCmd builds the report now and writes it (and copies its
// summary, with copy) in a command.
func (m *Model) writeReportCmd(copy bool) tea.Cmd {
	rep := m.sess.SupportReport(m.reportMeta(""))
	sup, ctx := m.cfg.Support, m.ctx
	return func() tea.Msg {
		path, fallback, err := steps.WriteReport(rep, sup.ReportPath, sup.Store)
		msg := reportMsg{path: path, fallback: fallback, err: err, copy: copy}
		if err != nil {
			msg.path = sup.ReportPath
		}
		if copy {
			msg.summary = rep.Short(path)
			if err != nil {
				msg.summary = rep.Short("") + "(The full report could not be written.)\n"
			}
			if sup.Copy != nil {
				msg.note = sup.Copy(ctx, msg.summary)
			}
		}
		return msg
	}
}

// supportEffect runs a support effect synchronously and returns the event
// that carries its result back.
func supportEffect(ctx context.Context, sup Support, e steps.Effect) steps.Event {
	switch e.Kind {
	case steps.EffectRefresh:
		refresh := sup.Refresh
		if refresh == nil {
			refresh = probe.Refresh
		}
		tok, err := refresh(ctx, e.Refresh)
		return steps.Refreshed{Step: e.Step, Token: tok, Err: err}
	case steps.EffectFetchContacts:
		fetch := sup.FetchSecurityTxt
		if fetch == nil {
			fetch = probe.FetchSecurityTxt
		}
		cs, err := fetch(ctx, e.Request.URL, e.Request.Insecure)
		return steps.ContactsFetched{Contacts: cs, Err: err}
	}
	return nil
}

// isSupportEffect reports whether an effect is one of the support ones.
func isSupportEffect(e steps.Effect) bool {
	return e.Kind == steps.EffectRefresh || e.Kind == steps.EffectFetchContacts
}

// supportEffectCmd runs a support effect in a command.
func (m *Model) supportEffectCmd(e steps.Effect) tea.Cmd {
	m.started = m.now()
	ctx, sup := m.ctx, m.cfg.Support
	return func() tea.Msg {
		ev := supportEffect(ctx, sup, e)
		if ev == nil {
			return nil
		}
		return supportDoneMsg{ev: ev}
	}
}

// supportKey handles w (write the report) and c (copy its summary), and
// closes the report panel.
func (m Model) supportKey(msg tea.KeyPressMsg) (Model, tea.Cmd, bool) {
	k := m.keys
	if m.sup == nil {
		return m, nil, false
	}
	if m.sup.overlay {
		m.sup.overlay = false
		m.scroll = 0
		if key.Matches(msg, k.Back) || key.Matches(msg, k.Continue) || key.Matches(msg, k.Leave) {
			return m, nil, true
		}
	}
	switch {
	case key.Matches(msg, k.Report):
		return m, m.writeReportCmd(false), true
	case key.Matches(msg, k.Copy):
		return m, m.writeReportCmd(true), true
	}
	return m, nil, false
}

// syncSupportKeys enables w and c once there is something to report.
func (m *Model) syncSupportKeys() {
	on := !m.fieldFocused() && m.sess.Saveable()
	m.keys.Report.SetEnabled(on)
	m.keys.Copy.SetEnabled(on)
	if m.sup != nil && m.sup.overlay {
		// Enter, b and esc close the panel; the footer says so.
		m.keys.Continue.SetEnabled(true)
		m.keys.Continue.SetHelp("enter", "close")
		m.keys.Back.SetEnabled(true)
		m.keys.Back.SetHelp("b", "close")
	}
}

// viewSupport is the report panel: where the report went, what was copied
// and the summary itself (OSC 52 gives no sign of success, so the text is
// always shown too).
func (m Model) viewSupport(d *doc) {
	st, sup := m.styles, m.sup
	d.para(st.Title, "Support report")
	d.blank()
	switch {
	case sup.reportErr != "":
		d.hang(iconBad+" ", st.Err, st.Err, sup.reportErr)
		d.para(st.Subtle, "The wizard goes on. Choose another place with --report PATH next time.")
	case sup.written != "":
		d.hang(iconDone+" ", st.OK, st.Text, "Written to "+probe.Sanitize(sup.written))
		if sup.fallback != "" {
			d.para(st.Warn, "(The usual place could not be written: "+sup.fallback+".)")
		}
		d.para(st.Subtle, "Send this file to the site's administrator or help desk; passwords and tokens are not in it. fix401 report show FILE reads it in a terminal.")
	}
	if sup.copied {
		d.blank()
		note := "Copied the summary below to the clipboard through the terminal (some terminals ignore this)"
		if sup.copyNote != "" {
			note += "; " + sup.copyNote
		}
		d.para(st.Strong, note+".")
		d.blank()
		for _, l := range strings.Split(strings.TrimRight(sup.summary, "\n"), "\n") {
			d.auto(st.Text, l)
		}
	}
	d.blank()
	d.para(st.Subtle, "Press b, esc or enter to go back.")
}

// viewSupportMessages shows a failed save at the top of every screen,
// until a save works again.
func (m Model) viewSupportMessages(d *doc) {
	if m.sup == nil || m.sup.saveErr == "" {
		return
	}
	d.hang(iconWarn+" ", m.styles.Warn, m.styles.Warn, m.sup.saveErr)
	d.blank()
}

// errNoSession is returned by FinalReport when nothing was checked.
var errNoSession = errors.New("tui: nothing was checked, so there is nothing to report")

// FinalReport writes the report at the end of a run and saves the session
// one last time (finished when resolved). It returns where the report
// went; a failure to save is returned as saveErr, so that the caller can
// say so and still print the report's place.
func FinalReport(o Outcome, sup Support) (path, fallback string, saveErr, err error) {
	s := o.Session
	if s == nil || !s.Saveable() {
		return "", "", nil, errNoSession
	}
	state := steps.ReportNotResolved
	switch {
	case o.Resolved:
		state = steps.ReportResolved
	case o.Interrupted:
		state = steps.ReportInterrupted
	}
	saveErr = SaveNow(s, sup.Store, o.Resolved)
	meta := sup.Meta
	meta.State = state
	rep := s.SupportReport(meta)
	path, fallback, err = steps.WriteReport(rep, sup.ReportPath, sup.Store)
	if err != nil && path == "" {
		path = sup.ReportPath
	}
	return path, fallback, saveErr, err
}

// IsNothingToReport reports whether FinalReport had nothing to write.
func IsNothingToReport(err error) bool { return errors.Is(err, errNoSession) }

// persist saves the plain dialogue's session after every answer; a
// failure is said once, and the dialogue goes on.
func (p *plain) persist() {
	st := p.m.cfg.Support.Store
	if st == nil || !p.s.Saveable() {
		return
	}
	rec := p.s.Record(false)
	key := recordKey(rec)
	if bytes.Equal(key, p.m.sup.lastSaved) {
		return
	}
	p.m.sup.lastSaved = key
	if err := st.Save(rec); err != nil {
		// Said once, not on every screen: a screen reader reads it all.
		msg := saveErrorText(st, err)
		if msg != p.m.sup.plainSaid {
			p.printf("%s %s\n", iconWarn, msg)
		}
		p.m.sup.plainSaid = msg
		p.m.sup.lastSaved = nil
		return
	}
	p.m.sup.plainSaid = ""
}

// report writes the support report (w) and copies its summary (c).
func (p *plain) report(copy bool) {
	if !p.s.Saveable() {
		p.printf("Nothing has been checked yet, so there is no report.\n")
		return
	}
	msg := p.m.writeReportCmd(copy)().(reportMsg)
	switch {
	case msg.err != nil:
		p.printf("%s %s\n", iconBad, reportErrorText(msg.path, msg.err))
	default:
		p.printf("Support report written to %s\n", probe.Sanitize(msg.path))
		if msg.fallback != "" {
			p.printf("(The usual place could not be written: %s.)\n", msg.fallback)
		}
	}
	if copy {
		if msg.note != "" {
			p.printf("Summary copied: %s.\n", msg.note)
		}
		p.printf("\n%s\n", strings.TrimRight(msg.summary, "\n"))
	}
}
