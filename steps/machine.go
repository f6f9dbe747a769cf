package steps

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"strings"

	"github.com/fix401/fix401/probe"
)

// Event is something that happened: the person pressed a key, or a check,
// lookup or action the caller ran for an Effect finished.
type Event interface{ isEvent() }

// The events.
type (
	// Start checks the URL typed on the URL screen.
	Start struct{ URL string }
	// Probed carries a finished check back; Seq must match Session.Seq.
	Probed struct {
		Seq    int
		Result *probe.Result
		Err    error
	}
	// Continue is "enter": start the steps, "I did it, re-test", next step.
	Continue struct{}
	// RetestNow re-tests at once.
	RetestNow struct{}
	// Skip skips the current step.
	Skip struct{}
	// Back goes one screen back; during a check it cancels the check.
	Back struct{}
	// Jump goes to step Step (1–10).
	Jump struct{ Step int }
	// Submit sends the values typed in the current step's fields, in
	// field order, and re-tests with them.
	Submit struct{ Values []string }
	// Answer is the reply to "does it work in your browser now?".
	Answer struct{ Works bool }
	// RunAction runs the current step's action Index.
	RunAction struct{ Index int }
	// ActionDone carries a finished OS action back.
	ActionDone struct {
		Step   int
		Label  string
		Output string
		Err    error
	}
	// DNSDone carries a finished host lookup back.
	DNSDone struct {
		Host  string
		Addrs []string
		Err   error
	}
	// Cancel stops the running check.
	Cancel struct{}
)

func (Start) isEvent()      {}
func (Probed) isEvent()     {}
func (Continue) isEvent()   {}
func (RetestNow) isEvent()  {}
func (Skip) isEvent()       {}
func (Back) isEvent()       {}
func (Jump) isEvent()       {}
func (Submit) isEvent()     {}
func (Answer) isEvent()     {}
func (RunAction) isEvent()  {}
func (ActionDone) isEvent() {}
func (DNSDone) isEvent()    {}
func (Cancel) isEvent()     {}

// EffectKind says what the caller must do.
type EffectKind int

// The effects.
const (
	// EffectCheck: run the check with Request; report back with Probed{Seq}.
	EffectCheck EffectKind = iota
	// EffectCancel: cancel the running check.
	EffectCancel
	// EffectResolve: look Host up; report back with DNSDone.
	EffectResolve
	// EffectAction: run Action.Run; report back with ActionDone{Step}.
	EffectAction
	// EffectDetect: run Env.Detect for Step with Request; report back
	// with Detected{Step, Seq} (Seq numbers detections, not checks).
	EffectDetect
	// EffectTerminal: hand the terminal to Terminal (sudo asking for the
	// password) and wait for it; report back with TerminalDone{Step}.
	EffectTerminal
)

// Effect is I/O the caller runs on the session's behalf.
type Effect struct {
	Kind    EffectKind
	Seq     int
	Request probe.Request
	Host    string
	Step    int
	Action  Action
	// Refresh is what an EffectRefresh refreshes with.
	Refresh probe.RefreshConfig
	// Terminal is the program of an EffectTerminal.
	Terminal *exec.Cmd
}

// Apply is the one transition function: it moves the session on by ev and
// returns the effects to run. Events that make no sense in the current
// phase are ignored.
func (s *Session) Apply(ev Event) []Effect {
	if effs, ok := s.applySupport(ev); ok {
		return effs
	}
	switch ev := ev.(type) {
	case Probed:
		if ev.Seq != s.seq || !s.Phase.Busy() {
			return nil // A stale or cancelled check.
		}
		return s.finishCheck(ev)
	case DNSDone:
		s.DNS = DNSAnswer{Host: ev.Host, Addrs: ev.Addrs, Done: true}
		if ev.Err != nil {
			s.DNS.Err = s.Redactor.Text(plainNetError(ev.Err))
		}
		return nil
	case ActionDone:
		return s.actionDone(ev)
	case Detected:
		return s.detected(ev)
	case TerminalDone:
		return s.terminalDone(ev)
	}

	// Everything below is the person's doing: clear the last message. A
	// question "Run this?" left unanswered counts as a no.
	s.Error, s.Notice = "", ""
	if _, ok := ev.(Consent); !ok {
		s.act.consent = nil
	}
	if s.actionBusy {
		if _, ok := ev.(Cancel); !ok {
			if _, ok := ev.(Back); !ok {
				s.Notice = "Wait for the action to finish."
				return nil
			}
		}
	}

	switch ev := ev.(type) {
	case Start:
		if s.Phase != PhaseURL {
			return nil
		}
		u := NormalizeURL(ev.URL)
		if err := ValidateURL(u); err != nil {
			s.Error = capitalize(err.Error()) + "."
			return nil
		}
		s.Request.URL = u
		s.addSecrets(s.Request)
		return s.startCheck(PhaseProbing, 0, "")

	case Cancel:
		return s.cancel()

	case Consent:
		return s.consentGiven(ev)

	case OpenHAR:
		return s.openHAR(ev.HAR)

	case Pick:
		return s.pick(ev.Index)

	case Back:
		switch s.Phase {
		case PhaseProbing, PhaseRetesting:
			return s.cancel()
		case PhaseDiagnosis:
			s.Phase = s.backFromDiagnosis()
		case PhaseStep:
			if p := s.prevInOrder(s.Current); p != 0 {
				return s.goStep(p)
			}
			s.Phase = PhaseDiagnosis
		case PhaseResult:
			if s.retestFor != 0 {
				return s.goStep(s.retestFor)
			}
			s.Phase = PhaseDiagnosis
		case PhaseResolved, PhaseAllTried:
			if s.Current != 0 {
				return s.goStep(s.Current)
			}
			s.Phase = PhaseDiagnosis
		}
		return nil

	case Continue:
		switch s.Phase {
		case PhaseDiagnosis:
			if n := s.NextPending(0); n != 0 {
				return s.goStep(n)
			}
			return s.goStep(s.Order[0])
		case PhaseStep:
			st := s.Step(s.Current)
			if st.Question != "" {
				s.Notice = "Answer first: y if it works in your browser now, n if not."
				return nil
			}
			return s.startCheck(PhaseRetesting, s.Current, fmt.Sprintf("you did step %d (%s)", s.Current, st.Title))
		case PhaseResult:
			return s.moveOn(s.retestFor)
		}
		return nil

	case RetestNow:
		switch s.Phase {
		case PhaseStep:
			return s.startCheck(PhaseRetesting, s.Current, "")
		case PhaseResult:
			return s.startCheck(PhaseRetesting, s.retestFor, "")
		case PhaseDiagnosis, PhaseResolved, PhaseAllTried:
			return s.startCheck(PhaseRetesting, 0, "")
		}
		return nil

	case Skip:
		switch s.Phase {
		case PhaseStep:
			if s.States[s.Current] == StatePending {
				s.States[s.Current] = StateSkipped
			}
			return s.moveOn(s.Current)
		case PhaseResult:
			return s.moveOn(s.retestFor)
		}
		return nil

	case Jump:
		if ev.Step < 1 || ev.Step > NumSteps {
			return nil
		}
		switch s.Phase {
		case PhaseURL, PhaseProbing, PhasePick:
			return nil
		case PhaseRetesting:
			eff := s.cancel()
			return append(eff, s.goStep(ev.Step)...)
		}
		return s.goStep(ev.Step)

	case Submit:
		if s.Phase != PhaseStep {
			return nil
		}
		return s.submit(ev.Values)

	case Answer:
		if s.Phase != PhaseStep || s.Step(s.Current).Question == "" {
			return nil
		}
		s.Answers[s.Current] = ev.Works
		change := "you tried it in your browser: it still fails"
		if ev.Works {
			change = "you tried it in your browser: it works there"
		}
		return s.startCheck(PhaseRetesting, s.Current, change)

	case RunAction:
		if s.Phase != PhaseStep {
			return nil
		}
		acts := s.Step(s.Current).Actions
		if ev.Index < 0 || ev.Index >= len(acts) {
			return nil
		}
		return s.runAction(acts[ev.Index])
	}
	return nil
}

// moveOn goes to the next pending step after n, or to "all tried".
func (s *Session) moveOn(n int) []Effect {
	if next := s.NextPending(n); next != 0 {
		return s.goStep(next)
	}
	s.Phase = PhaseAllTried
	return nil
}

func (s *Session) goStep(n int) []Effect {
	s.Current = n
	s.Phase = PhaseStep
	effs := s.detect(n)
	if n == 5 {
		host := s.host()
		if host != "" && (s.DNS.Host != host || !s.DNS.Done) {
			s.DNS = DNSAnswer{Host: host}
			return append(effs, Effect{Kind: EffectResolve, Host: host})
		}
	}
	return effs
}

func (s *Session) startCheck(phase Phase, step int, change string) []Effect {
	if !s.Phase.Busy() {
		s.returnTo = s.Phase
	}
	s.seq++
	s.Phase = phase
	s.retestFor = step
	s.change = change
	return []Effect{{Kind: EffectCheck, Seq: s.seq, Request: s.Request, Step: step}}
}

func (s *Session) cancel() []Effect {
	if !s.Phase.Busy() {
		return nil
	}
	s.seq++ // Whatever the cancelled check returns is now stale.
	s.Phase = s.returnTo
	if s.Phase == PhaseProbing || s.Phase == PhaseRetesting {
		s.Phase = PhaseURL
	}
	s.Notice = "Check cancelled."
	return []Effect{{Kind: EffectCancel}}
}

func (s *Session) finishCheck(ev Probed) []Effect {
	initial := s.Phase == PhaseProbing
	if ev.Err != nil || ev.Result == nil {
		msg := "the check could not run"
		if ev.Err != nil {
			msg = ev.Err.Error()
			if errors.Is(ev.Err, context.Canceled) {
				msg = "the check was cancelled"
			}
		}
		msg = capitalize(strings.TrimPrefix(s.Redactor.Text(msg), "probe: "))
		if initial {
			s.Phase = PhaseURL
			s.Error = msg
			return nil
		}
		s.Phase = s.returnTo
		s.Error = msg
		return nil
	}
	res := ev.Result
	s.addSecrets(res.Request)
	if initial && s.resume != nil {
		return s.finishResume(res)
	}
	if initial {
		s.Initial, s.Last = res, res
		s.Order = NormalizeOrder(res.Diagnosis.Steps)
		if Snap(res).OK() {
			s.Phase = PhaseResolved
			return nil
		}
		s.Phase = PhaseDiagnosis
		return nil
	}
	step := s.retestFor
	var answer *bool
	if a, ok := s.Answers[step]; ok && step != 0 {
		answer = &a
	}
	before, after := Snap(s.Last), Snap(res)
	out := Judge(step, before, after, answer)
	change := s.change
	if change == "" {
		change = "nothing changed on fix401's side (re-test only)"
	}
	s.History = append(s.History, Retest{
		Step: step, Change: change, Before: before, After: after,
		Outcome: out, Answer: answer, At: s.Env.now(),
	})
	s.Last = res
	if step != 0 && s.States[step] != StateFixed {
		s.States[step] = StateDone
	}
	if out.Fixed() {
		if step != 0 {
			s.States[step] = StateFixed
		}
		s.FixedBy = step
		s.Phase = PhaseResolved
		return nil
	}
	s.Phase = PhaseResult
	return nil
}

// submit applies the values typed in the current step's fields.
func (s *Session) submit(values []string) []Effect {
	st := s.Step(s.Current)
	if len(st.Fields) == 0 {
		return nil
	}
	got := map[string]string{}
	for i, f := range st.Fields {
		if i < len(values) {
			got[f.Name] = values[i]
		}
	}
	for _, f := range st.Fields {
		if f.Validate != nil {
			if err := f.Validate(got[f.Name]); err != nil {
				s.Error = capitalize(f.Label) + ": " + err.Error() + "."
				return nil
			}
		}
	}
	req := s.Request
	var change string
	switch {
	case hasField(st.Fields, FieldURL):
		u := NormalizeURL(got[FieldURL])
		req.URL = u
		change = "the address was changed to " + s.Redactor.URL(u)
	case hasField(st.Fields, FieldToken):
		tok := CleanToken(got[FieldToken])
		s.Redactor.Add(got[FieldToken], tok)
		req = withoutAuthorization(req)
		req.User, req.Password, req.HasUser = "", "", false
		req.Bearer = tok
		change = "a new token (" + probe.MaskSecret(tok) + ") was used"
	case hasField(st.Fields, FieldProxyUser):
		user, pass := got[FieldProxyUser], got[FieldProxyPassword]
		s.Redactor.Add(pass)
		pu, err := url.Parse(s.proxyWantingLogin())
		if err != nil || pu.Host == "" {
			s.Error = "The proxy's address could not be read; give the login with --proxy http://USER@HOST:PORT instead."
			return nil
		}
		pu.User = url.UserPassword(user, pass)
		req.Proxy = pu.String()
		change = fmt.Sprintf("a login for the proxy was used (user %q)", probe.Sanitize(user))
	case hasField(st.Fields, FieldUser):
		user, pass := got[FieldUser], got[FieldPassword]
		s.Redactor.Add(pass)
		req = withoutAuthorization(req)
		req.Bearer = ""
		req.User, req.Password, req.HasUser = user, pass, true
		change = fmt.Sprintf("new login information was used (user %q)", probe.Sanitize(user))
	}
	s.Request = req
	return s.startCheck(PhaseRetesting, s.Current, change)
}

func (s *Session) runAction(a Action) []Effect {
	switch a.Kind {
	case ActionSubmit:
		return s.submit(a.Values)
	case ActionRequest:
		if a.Change != nil {
			a.Change(&s.Request)
		}
		return s.startCheck(PhaseRetesting, s.Current, a.Label)
	case ActionRun:
		if a.Run == nil {
			s.Notice = "Do this by hand: " + a.Label + "."
			return nil
		}
		if a.Changes {
			s.act.consent = &pendingAction{step: s.Current, action: a}
			return nil
		}
		return s.startAction(s.Current, a)
	}
	return nil
}

// ActionBusy reports whether an OS action is running.
func (s *Session) ActionBusy() bool { return s.actionBusy }

func hasField(fs []Field, name string) bool {
	for _, f := range fs {
		if f.Name == name {
			return true
		}
	}
	return false
}

// withoutAuthorization drops Authorization headers the person gave, so
// that new login information replaces them.
func withoutAuthorization(req probe.Request) probe.Request {
	hs := make([]probe.Field, 0, len(req.Headers))
	for _, h := range req.Headers {
		if !strings.EqualFold(strings.TrimSpace(h.Name), "Authorization") {
			hs = append(hs, h)
		}
	}
	req.Headers = hs
	return req
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func plainNetError(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "no such host"):
		return "this name does not exist in DNS (no such host)"
	case strings.Contains(msg, "i/o timeout"), errors.Is(err, context.DeadlineExceeded):
		return "the DNS server did not answer in time"
	}
	return msg
}
