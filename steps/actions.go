package steps

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/fix401/fix401/probe"
)

// Offer is what a step can show and do on this machine, as Env.Detect
// found it: live facts and the actions fix401 can take.
type Offer struct {
	// Info are facts to show (what caches DNS, which proxy is set), plain
	// and sanitized.
	Info []string
	// Actions are offered after the step's own.
	Actions []Action
	// Browser is the person's default browser ("firefox", "chrome"),
	// when found, so that instructions name its menus.
	Browser string
}

// detectSteps are the steps whose offers come from Env.Detect.
var detectSteps = [NumSteps + 1]bool{2: true, 5: true, 6: true, 7: true, 8: true, 9: true}

// ErrCancelled is wrapped by the error of an action the person stopped
// (a password prompt left with ctrl+c, a declined UAC prompt): nothing was
// changed, and it is not a failure.
var ErrCancelled = errors.New("cancelled")

// NeedTerminal is returned by an Action's Run when the action needs the
// terminal first: sudo asks for the password itself, so fix401 never sees
// it. The caller hands the terminal to Cmd (tea.ExecProcess in the
// full-screen wizard), reports its error with TerminalDone, and the session
// runs the action again.
type NeedTerminal struct {
	Cmd *exec.Cmd
	// Judge turns Cmd's error into nil (go on), an error wrapping
	// ErrCancelled, or a failure in plain words.
	Judge func(error) error
}

// Error says that the terminal is needed first.
func (e *NeedTerminal) Error() string { return "the action needs the terminal first" }

// NeedConsent is returned by an Action's Run when it did not work as it
// was, but Next (the same with administrator rights) is worth a try: the
// session says Reason and asks before running Next.
type NeedConsent struct {
	Reason string
	Next   Action
}

// Error returns the reason.
func (e *NeedConsent) Error() string { return e.Reason }

// The events of OS actions and detection.
type (
	// Detected carries a finished Env.Detect back; Seq must match the
	// EffectDetect's. Err is the context's error when it was cancelled.
	Detected struct {
		Step  int
		Seq   int
		Offer Offer
		Err   error
	}
	// Consent answers "Run this?" for the action waiting for it.
	Consent struct{ Yes bool }
	// TerminalDone carries back the error of the program an
	// EffectTerminal handed the terminal to.
	TerminalDone struct {
		Step int
		Err  error
	}
)

func (Detected) isEvent()     {}
func (Consent) isEvent()      {}
func (TerminalDone) isEvent() {}

// actionState is the session's part for OS actions.
type actionState struct {
	// consent is the action waiting for "Run this? y/n".
	consent *pendingAction
	// running is the action in progress; prompted is set once the
	// terminal was handed over for it, judge judges that program's error.
	running  Action
	prompted bool
	judge    func(error) error
	// offers are the detected offers per step; detectSeq numbers the
	// detections.
	offers    map[int]*offerState
	detectSeq int
}

type pendingAction struct {
	step   int
	action Action
}

type offerState struct {
	key   string // the request the offer was made for
	seq   int
	busy  bool
	offer Offer
}

// PendingConsent returns the action waiting for the person's yes or no,
// or nil.
func (s *Session) PendingConsent() *Action {
	if s.act.consent == nil || s.Phase != PhaseStep || s.act.consent.step != s.Current {
		return nil
	}
	a := s.act.consent.action
	return &a
}

// Detecting reports whether step n's offer is still being looked for.
func (s *Session) Detecting(n int) bool {
	o := s.act.offers[n]
	return o != nil && o.busy
}

// detectKey names what an offer depends on: the address and the proxy.
func detectKey(req probe.Request) string { return req.URL + "\x00" + req.Proxy }

// detect asks for step n's offer when it is not known for the current
// request and not being looked for already.
func (s *Session) detect(n int) []Effect {
	if s.Env.Detect == nil || n < 1 || n > NumSteps || !detectSteps[n] {
		return nil
	}
	key := detectKey(s.Request)
	if o := s.act.offers[n]; o != nil && o.key == key {
		return nil
	}
	if s.act.offers == nil {
		s.act.offers = map[int]*offerState{}
	}
	s.act.detectSeq++
	s.act.offers[n] = &offerState{key: key, seq: s.act.detectSeq, busy: true}
	return []Effect{{Kind: EffectDetect, Step: n, Seq: s.act.detectSeq, Request: s.Request}}
}

func (s *Session) detected(ev Detected) []Effect {
	o := s.act.offers[ev.Step]
	if o == nil || o.seq != ev.Seq {
		return nil // A stale detection.
	}
	if ev.Err != nil {
		// Cancelled: look again on the next visit.
		delete(s.act.offers, ev.Step)
		return nil
	}
	o.busy, o.offer = false, ev.Offer
	return nil
}

// addOffer adds the detected facts and actions to a step, or says that
// fix401 is still looking.
func (s *Session) addOffer(st *Step) {
	if s.Env.Detect == nil || !detectSteps[st.Number] {
		s.addHARHowTo(st, "")
		return
	}
	o := s.act.offers[st.Number]
	switch {
	case o == nil:
	case o.busy:
		st.Info = append(st.Info, "Looking at this computer…")
	default:
		for _, l := range o.offer.Info {
			st.Info = append(st.Info, s.Redactor.Text(l))
		}
		for _, a := range o.offer.Actions {
			st.Actions = append(st.Actions, s.shown(a))
		}
	}
	browser := ""
	if o != nil {
		browser = o.offer.Browser
	}
	s.addHARHowTo(st, browser)
}

// shown is a with what it shows redacted: the command line of a browser
// opening the address may carry a token in its query. Run and Copy keep
// the whole address, which the browser needs.
func (s *Session) shown(a Action) Action {
	a.Label, a.Why = s.Redactor.Text(a.Label), s.Redactor.Text(a.Why)
	a.Show = s.redactLines(a.Show)
	return a
}

// startAction runs a on step n.
func (s *Session) startAction(n int, a Action) []Effect {
	s.actionBusy = true
	s.act.running = a
	s.act.prompted = false
	s.act.judge = nil
	return []Effect{{Kind: EffectAction, Step: n, Action: a}}
}

func (s *Session) consentGiven(ev Consent) []Effect {
	p := s.act.consent
	s.act.consent = nil
	if p == nil || s.Phase != PhaseStep || p.step != s.Current {
		return nil
	}
	if !ev.Yes {
		s.Notice = "Nothing was run."
		return nil
	}
	return s.startAction(p.step, p.action)
}

func (s *Session) actionDone(ev ActionDone) []Effect {
	s.actionBusy = false
	label := ev.Label
	if label == "" {
		label = s.act.running.Label
	}
	here := s.Phase == PhaseStep && s.Current == ev.Step
	var nt *NeedTerminal
	var nc *NeedConsent
	switch {
	case errors.As(ev.Err, &nt):
		switch {
		case !here:
			s.Notice = label + " was not finished: you left the step."
		case s.act.prompted || nt.Cmd == nil:
			s.Error = label + " did not work: sudo still asks for a password. Run the command shown yourself, in a terminal."
		default:
			s.actionBusy = true
			s.act.prompted = true
			s.act.judge = nt.Judge
			return []Effect{{Kind: EffectTerminal, Step: ev.Step, Terminal: nt.Cmd}}
		}
		return nil
	case errors.As(ev.Err, &nc):
		s.Notice = s.Redactor.Text(nc.Reason)
		if here {
			s.act.consent = &pendingAction{step: ev.Step, action: s.shown(nc.Next)}
		}
		return nil
	case errors.Is(ev.Err, ErrCancelled):
		s.Notice = "Cancelled: " + s.Redactor.Text(cancelReason(ev.Err)) + ". Nothing was changed."
		return nil
	case ev.Err != nil:
		s.Error = fmt.Sprintf("%s did not work: %s", label, s.Redactor.Text(strings.TrimPrefix(ev.Err.Error(), "platform: ")))
		return nil
	}
	out := s.Redactor.Text(strings.TrimSpace(ev.Output))
	if !here {
		return nil
	}
	if s.act.running.KeepStep {
		s.Notice = out
		return nil
	}
	change := label + " (done by fix401)"
	if out != "" {
		change += ": " + out
	}
	return s.startCheck(PhaseRetesting, ev.Step, change)
}

// cancelReason is the error's text without the trailing ": cancelled".
func cancelReason(err error) string {
	msg := strings.TrimSuffix(err.Error(), ": "+ErrCancelled.Error())
	if msg == ErrCancelled.Error() {
		return "you stopped it"
	}
	return msg
}

func (s *Session) terminalDone(ev TerminalDone) []Effect {
	s.actionBusy = false
	err := ev.Err
	if s.act.judge != nil {
		err = s.act.judge(ev.Err)
	}
	here := s.Phase == PhaseStep && s.Current == ev.Step
	switch {
	case errors.Is(err, ErrCancelled):
		s.Notice = "Cancelled: " + s.Redactor.Text(cancelReason(err)) + ". Nothing was changed."
	case err != nil:
		s.Error = fmt.Sprintf("%s did not work: %s", s.act.running.Label, s.Redactor.Text(err.Error()))
	case !here:
		s.Notice = s.act.running.Label + " was not finished: you left the step."
	default:
		s.actionBusy = true
		return []Effect{{Kind: EffectAction, Step: ev.Step, Action: s.act.running}}
	}
	return nil
}
