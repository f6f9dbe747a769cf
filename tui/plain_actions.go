package tui

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/fix401/fix401/steps"
)

// detect runs a step's detection in the plain dialogue, which waits for
// it (it has nothing else to show meanwhile).
func (p *plain) detect(e steps.Effect) []steps.Effect {
	detect := p.s.Env.Detect
	if detect == nil {
		return nil
	}
	p.printf("Looking at this computer …\n")
	offer := detect(p.ctx, e.Step, e.Request)
	return p.s.Apply(steps.Detected{Step: e.Step, Seq: e.Seq, Offer: offer, Err: p.ctx.Err()})
}

// terminal runs the program that needs the terminal (sudo asking for the
// password) on this dialogue's own terminal.
func (p *plain) terminal(e steps.Effect) []steps.Effect {
	cmd := e.Terminal
	if cmd == nil {
		return p.s.Apply(steps.TerminalDone{Step: e.Step, Err: fmt.Errorf("nothing to run")})
	}
	if f, ok := p.lines.in.(*os.File); ok && p.lines.buf.Buffered() == 0 {
		cmd.Stdin = f
	}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	err := cmd.Err
	if err == nil {
		err = cmd.Run()
	}
	return p.s.Apply(steps.TerminalDone{Step: e.Step, Err: err})
}

// showConsent prints the question for an action waiting for a yes.
func (p *plain) showConsent() {
	a := p.s.PendingConsent()
	if a == nil {
		return
	}
	p.printf("\n%s: fix401 will run\n", a.Label)
	for _, c := range a.Show {
		p.printf("  $ %s\n", c)
	}
	if a.Why != "" {
		p.printf("  %s\n", a.Why)
	}
	p.printf("This changes your system.\n")
}

// askPick asks which failed request of a HAR export to start from.
func (p *plain) askPick() (steps.Event, bool, error) {
	n := len(p.s.HARChoices())
	p.printf("Number of the request to fix (1–%d), q quits: ", n)
	l, err := p.lines.next(p.ctx, false, p.out)
	if err != nil {
		return nil, false, err
	}
	l = strings.TrimSpace(l)
	if l == "q" || l == "quit" {
		return nil, true, nil
	}
	i, err := strconv.Atoi(l)
	if err != nil {
		p.printf("Type a number from 1 to %d.\n", n)
		return nil, false, nil
	}
	return steps.Pick{Index: i - 1}, false, nil
}
