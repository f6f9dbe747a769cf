package tui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"golang.org/x/term"

	"github.com/fix401/fix401/steps"
)

// ErrInterrupted is returned by RunPlain when its context ends (ctrl+c).
var ErrInterrupted = errors.New("interrupted")

// plainWidth is the width plain text is wrapped to.
const plainWidth = 78

// RunPlain runs the wizard as a line-by-line dialogue for screen readers and
// terminals that cannot run a full-screen program: no alternate screen, no
// cursor movement, no colour; every answer is a line read from in. It
// drives the same session and prints the same text as the full-screen
// program. Secrets are read without echo when in is a terminal, and never
// printed.
func RunPlain(ctx context.Context, cfg Config, in io.Reader, out io.Writer) (Outcome, error) {
	m := New(cfg)
	m.styles = Styles{} // No colour, no attributes.
	m.width, m.height = plainWidth, 1<<20
	m.inputs, m.fieldErrs, m.focus = nil, nil, -1 // Plain asks for fields itself.
	m.plain = true
	defer m.stop()
	p := &plain{m: m, s: m.sess, out: out, lines: newLineSource(in), ctx: ctx}
	return p.run()
}

type plain struct {
	shown string // the screen last printed
	m     Model
	s     *steps.Session
	out   io.Writer
	lines *lineSource
	ctx   context.Context
}

func (p *plain) printf(format string, a ...any) { fmt.Fprintf(p.out, format, a...) }

func (p *plain) run() (Outcome, error) {
	var effs []steps.Effect
	if p.m.cfg.Request.URL != "" {
		effs = p.s.Apply(steps.Start{URL: p.m.cfg.Request.URL})
	}
	for {
		if err := p.runEffects(effs); err != nil {
			return outcomeOf(p.s, true), err
		}
		effs = nil
		p.persist()
		p.show()
		switch p.s.Phase {
		case steps.PhaseResolved:
			return outcomeOf(p.s, false), nil
		}
		ev, quit, err := p.ask()
		if err != nil {
			if errors.Is(err, ErrInterrupted) {
				return outcomeOf(p.s, true), err
			}
			return outcomeOf(p.s, false), nil // End of input: stop here.
		}
		if quit {
			return outcomeOf(p.s, false), nil
		}
		if ev != nil {
			effs = p.s.Apply(ev)
		}
	}
}

// runEffects runs the session's effects synchronously, feeding results back.
func (p *plain) runEffects(effs []steps.Effect) error {
	for len(effs) > 0 {
		e := effs[0]
		effs = effs[1:]
		var more []steps.Effect
		switch e.Kind {
		case steps.EffectCheck:
			what := "Checking " + p.s.Redactor.URL(e.Request.URL)
			if e.Step != 0 {
				what = fmt.Sprintf("Re-testing after step %d", e.Step)
			}
			p.printf("%s …\n", what)
			res, err := p.m.check(p.ctx, e.Request)
			if p.ctx.Err() != nil {
				return ErrInterrupted
			}
			more = p.s.Apply(steps.Probed{Seq: e.Seq, Result: res, Err: err})
		case steps.EffectResolve:
			addrs, err := p.m.resolve(p.ctx, e.Host)
			more = p.s.Apply(steps.DNSDone{Host: e.Host, Addrs: addrs, Err: err})
		case steps.EffectAction:
			p.printf("%s …\n", e.Action.Label)
			o, err := e.Action.Run(p.ctx)
			more = p.s.Apply(steps.ActionDone{Step: e.Step, Label: e.Action.Label, Output: o, Err: err})
		case steps.EffectDetect:
			more = p.detect(e)
		case steps.EffectTerminal:
			more = p.terminal(e)
		default:
			if isSupportEffect(e) {
				if ev := supportEffect(p.ctx, p.m.cfg.Support, e); ev != nil {
					more = p.s.Apply(ev)
				}
			}
		}
		effs = append(effs, more...)
	}
	return nil
}

// show prints the current screen's text.
func (p *plain) show() {
	if p.s.Phase == steps.PhaseURL && p.s.Error == "" {
		return
	}
	key := p.m.screenKeyFor()
	if key == p.shown && p.s.Error == "" && p.s.Notice == "" {
		p.showConsent()
		return
	}
	p.shown = key
	lines, _ := p.m.mainLines(plainWidth)
	p.printf("\n")
	for _, l := range trimBlank(lines) {
		p.printf("%s\n", strings.TrimRight(l, " "))
	}
}

func trimBlank(ls []string) []string {
	for len(ls) > 0 && strings.TrimSpace(ls[len(ls)-1]) == "" {
		ls = ls[:len(ls)-1]
	}
	return ls
}

const plainHelp = `Commands: enter = continue (start, "I did it, re-test", next step)
  r re-test now · s skip step · b back · 1–10 jump to a step · f fill in the form
  a (or a1, a2…) let fix401 do the action · y / n answer the question
  t technical detail · w write the support report · c copy its summary
  ? this help · q quit`

// ask reads the next answer and turns it into an event.
func (p *plain) ask() (steps.Event, bool, error) {
	switch p.s.Phase {
	case steps.PhaseURL:
		p.printf("Address (URL) you are locked out of: ")
		l, err := p.lines.next(p.ctx, false, p.out)
		if err != nil {
			return nil, false, err
		}
		return steps.Start{URL: l}, false, nil
	case steps.PhasePick:
		return p.askPick()
	case steps.PhaseStep:
		st := p.s.Step(p.s.Current)
		if st.AutoFocus && len(st.Fields) > 0 && !p.askedForm() {
			p.markAsked()
			if ev, err := p.form(st); err != nil || ev != nil {
				return ev, false, err
			}
		}
	}
	p.printf("%s> ", p.prompt())
	l, err := p.lines.next(p.ctx, false, p.out)
	if err != nil {
		return nil, false, err
	}
	cmd := strings.ToLower(strings.TrimSpace(l))
	switch {
	case cmd == "" && p.s.PendingConsent() != nil:
		// Only a typed y runs something that changes the system.
		return steps.Consent{Yes: false}, false, nil
	case cmd == "":
		if p.s.Phase == steps.PhaseAllTried {
			return nil, true, nil
		}
		return steps.Continue{}, false, nil
	case cmd == "q" || cmd == "quit":
		return nil, true, nil
	case cmd == "?" || cmd == "h" || cmd == "help":
		p.printf("%s\n", plainHelp)
		return nil, false, nil
	case cmd == "t":
		p.printf("\n")
		for _, l := range p.s.Technical() {
			p.printf("%s\n", l)
		}
		return nil, false, nil
	case cmd == "w" || cmd == "c":
		p.report(cmd == "c")
		return nil, false, nil
	case cmd == "r":
		return steps.RetestNow{}, false, nil
	case cmd == "s":
		return steps.Skip{}, false, nil
	case cmd == "b":
		return steps.Back{}, false, nil
	case (cmd == "y" || cmd == "yes") && p.s.PendingConsent() != nil:
		return steps.Consent{Yes: true}, false, nil
	case (cmd == "n" || cmd == "no") && p.s.PendingConsent() != nil:
		return steps.Consent{Yes: false}, false, nil
	case cmd == "y" || cmd == "yes":
		return steps.Answer{Works: true}, false, nil
	case cmd == "n" || cmd == "no":
		return steps.Answer{Works: false}, false, nil
	case cmd == "f":
		if p.s.Phase == steps.PhaseStep {
			ev, err := p.form(p.s.Step(p.s.Current))
			return ev, false, err
		}
	case strings.HasPrefix(cmd, "a"):
		i := 1
		if rest := strings.TrimSpace(cmd[1:]); rest != "" {
			n, err := strconv.Atoi(rest)
			if err != nil {
				break
			}
			i = n
		}
		return steps.RunAction{Index: i - 1}, false, nil
	default:
		if n, err := strconv.Atoi(cmd); err == nil {
			return steps.Jump{Step: n}, false, nil
		}
	}
	p.printf("Not understood: %q. Type ? for the commands.\n", cmd)
	return nil, false, nil
}

func (p *plain) askedForm() bool { return p.m.typed["asked-"+p.m.screenKeyFor()] != nil }
func (p *plain) markAsked()      { p.m.cfgTyped()["asked-"+p.m.screenKeyFor()] = []string{} }

// screenKeyFor names the screen, counting re-tests so that a step's form
// is offered again after each re-test.
func (m Model) screenKeyFor() string {
	return fmt.Sprintf("%s-%d", m.screenKey(), len(m.sess.History))
}

// form asks for each field of a step; an empty first answer leaves the
// form without submitting.
func (p *plain) form(st steps.Step) (steps.Event, error) {
	values := make([]string, len(st.Fields))
	for i, f := range st.Fields {
		label := f.Label
		switch {
		case f.Secret:
			label += " (hidden)"
		case f.Value != "":
			label += " [" + p.s.Redactor.URL(f.Value) + "]"
		}
		p.printf("%s: ", label)
		v, err := p.lines.next(p.ctx, f.Secret, p.out)
		if err != nil {
			return nil, err
		}
		v = strings.TrimRight(v, "\r\n")
		if v == "" && f.Value != "" {
			v = f.Value
		}
		if i == 0 && v == "" {
			p.printf("(left the form; f fills it in later)\n")
			return nil, nil
		}
		if f.Name == steps.FieldToken {
			rep := p.s.InspectToken(v, p.m.now())
			for _, l := range rep.Lines {
				p.hang("  ", l)
			}
			for _, l := range rep.Problems {
				p.hang("  "+iconBad+" ", l)
			}
		}
		values[i] = v
	}
	return steps.Submit{Values: values}, nil
}

// hang prints s after prefix, wrapped to the plain width, with the
// lines after the first indented under the text.
func (p *plain) hang(prefix, s string) {
	w := ansi.StringWidth(prefix)
	for i, l := range strings.Split(ansi.Wrap(s, plainWidth-w, ""), "\n") {
		if i > 0 {
			prefix = strings.Repeat(" ", w)
		}
		p.printf("%s%s\n", prefix, l)
	}
}

func (p *plain) prompt() string {
	switch p.s.Phase {
	case steps.PhaseDiagnosis:
		return "[enter] start the steps · r re-test · t technical · ? help · q quit "
	case steps.PhaseStep:
		st := p.s.Step(p.s.Current)
		if p.s.PendingConsent() != nil {
			return "Run this? y yes · n no "
		}
		var parts []string
		switch {
		case st.Question != "":
			parts = append(parts, "y it works · n it still fails")
		default:
			parts = append(parts, "[enter] done, re-test")
		}
		if len(st.Fields) > 0 {
			parts = append(parts, "f fill in the form")
		}
		if len(st.Actions) == 1 {
			parts = append(parts, "a "+st.Actions[0].Label)
		} else if len(st.Actions) > 1 {
			parts = append(parts, fmt.Sprintf("a1–a%d actions", len(st.Actions)))
		}
		return strings.Join(append(parts, "s skip · b back · ? help · q quit "), " · ")
	case steps.PhaseResult:
		return "[enter] next step · b try again · r re-test · ? help · q quit "
	case steps.PhaseAllTried:
		return "[enter] finish · 1–10 try a step again · t technical "
	}
	return "? help · q quit "
}

// lineSource reads answers one line at a time; secrets are read without
// echo when the input is a terminal.
type lineSource struct {
	in  io.Reader
	buf *bufio.Reader
}

func newLineSource(in io.Reader) *lineSource {
	return &lineSource{in: in, buf: bufio.NewReaderSize(in, 64<<10)}
}

type lineResult struct {
	s   string
	err error
}

// maxLine is the most of one answer that is kept; the rest of a longer
// line is read and dropped.
const maxLine = 1 << 20

// readLine reads up to and including the next line break, keeping at
// most maxLine bytes of it, so that a huge line cannot fill the memory.
func readLine(r *bufio.Reader) (string, error) {
	var b []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if room := maxLine - len(b); room > 0 {
			b = append(b, chunk[:min(len(chunk), room)]...)
		}
		if err != bufio.ErrBufferFull {
			return string(b), err
		}
	}
}

// next reads one line; it returns ErrInterrupted when ctx ends first.
func (l *lineSource) next(ctx context.Context, secret bool, echoTo io.Writer) (string, error) {
	ch := make(chan lineResult, 1)
	go func() {
		if f, ok := l.in.(*os.File); ok && secret && term.IsTerminal(int(f.Fd())) && l.buf.Buffered() == 0 {
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(echoTo)
			ch <- lineResult{string(b), err}
			return
		}
		s, err := readLine(l.buf)
		if err == io.EOF && s != "" {
			err = nil
		}
		if secret {
			// Nothing was echoed by us; keep the transcript tidy.
			fmt.Fprintln(echoTo)
		}
		ch <- lineResult{strings.TrimRight(s, "\r\n"), err}
	}()
	select {
	case <-ctx.Done():
		return "", ErrInterrupted
	case r := <-ch:
		return r.s, r.err
	}
}
