// Package steps holds the wizard's ten fix steps as data and logic, and the
// one state machine that walks a person through them. It has no UI imports:
// the full-screen program and the plain line-by-line dialogue in tui/ drive
// the same Session, and tests drive it directly.
//
// A Session never does I/O. Apply takes an Event (a key the person pressed,
// a probe that finished) and returns the Effects the caller must run (send
// the request again, look a host up, run an action); their results come back
// as Events.
package steps

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/fix401/fix401/probe"
)

// CheckFunc runs one check. Production code passes probe.Run; tests pass
// probe.Run too, pointed at loopback servers.
type CheckFunc func(ctx context.Context, req probe.Request) (*probe.Result, error)

// ResolveFunc looks a host name up the way the system does
// (net.DefaultResolver.LookupHost in production).
type ResolveFunc func(ctx context.Context, host string) ([]string, error)

// Phase is where the person is in the flow.
type Phase int

// The phases, in the order a typical session visits them.
const (
	// PhaseURL asks for the URL (when none was given, or it was invalid).
	PhaseURL Phase = iota
	// PhaseProbing runs the first check.
	PhaseProbing
	// PhaseDiagnosis shows what the first check found.
	PhaseDiagnosis
	// PhaseStep shows one of the ten steps.
	PhaseStep
	// PhaseRetesting re-runs the check after a step.
	PhaseRetesting
	// PhaseResult shows a re-test's before → after.
	PhaseResult
	// PhaseResolved: the URL works now.
	PhaseResolved
	// PhaseAllTried: every step was tried or skipped and it still fails.
	PhaseAllTried
	// PhasePick lists the failed requests of a HAR export to start from.
	PhasePick
)

var phaseNames = [...]string{"url", "probing", "diagnosis", "step", "retesting", "result", "resolved", "all-tried", "pick"}

// String names the phase, as saved sessions record it.
func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return fmt.Sprintf("phase(%d)", int(p))
}

// Busy reports whether a check is running in this phase.
func (p Phase) Busy() bool { return p == PhaseProbing || p == PhaseRetesting }

// State is a step's state, as the sidebar shows it.
type State int

// Step states.
const (
	StatePending State = iota
	StateCurrent
	StateDone
	StateSkipped
	StateFixed
)

var stateNames = [...]string{"pending", "current", "done", "skipped", "fixed it"}

// String names the state as the sidebar legend and reports do.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// NumSteps is how many fix steps there are.
const NumSteps = 10

// Env is what a Session knows about the machine it runs on. The zero value
// works: runtime facts default to "unknown".
type Env struct {
	// GOOS selects the OS-specific instructions ("linux", "darwin",
	// "windows"; anything else gets generic ones).
	GOOS string
	// Browser is the person's browser if known ("chrome", "firefox",
	// "edge", "safari", "brave"); empty gives instructions for the common
	// ones on this OS.
	Browser string
	// Getenv reads environment variables (proxy settings); nil reads none.
	Getenv func(string) string
	// Now is the local clock; nil means time.Now.
	Now func() time.Time
	// Actions returns the actions a step offers on this machine (OS
	// actions from platform/, demo shortcuts). Nil offers none, and the
	// steps show manual instructions only.
	Actions func(step int) []Action
	// Detect finds what a step can show and offer on this machine
	// (platform/: the DNS cache, browsers, proxies). It does I/O, so the
	// session asks for it with EffectDetect and gets the Offer back in a
	// Detected event. Nil detects nothing.
	Detect func(ctx context.Context, step int, req probe.Request) Offer
}

func (e Env) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e Env) getenv(k string) string {
	if e.Getenv != nil {
		return e.Getenv(k)
	}
	return ""
}

// Session is one run of the wizard: the request, what every check found,
// each step's state and answers, and where the person is.
type Session struct {
	Env Env
	// Request is what the next check sends; steps change it.
	Request probe.Request
	// Phase is where the person is.
	Phase Phase
	// Current is the step shown (1–10), 0 before the first step.
	Current int
	// Order is the recommended order of the ten steps.
	Order []int
	// States holds each step's state, indexed by step number (0 unused).
	States [NumSteps + 1]State
	// Initial is the first check; Last the most recent one.
	Initial *probe.Result
	Last    *probe.Result
	// History lists every re-test, oldest first.
	History []Retest
	// Answers records "does it work in your browser now?" per step.
	Answers map[int]bool
	// FixedBy is the step whose re-test fixed it (0: none, or it worked
	// from the start).
	FixedBy int
	// Error is a problem to show on the current screen (a bad URL, an
	// action that failed); cleared by the next event.
	Error string
	// Notice is a neutral remark for the current screen.
	Notice string
	// DNS is what the host resolved to, for step 5.
	DNS DNSAnswer
	// Redactor hides every secret the session has seen.
	Redactor *probe.Redactor
	// Support holds the report, saved-state and OAuth parts (support.go).
	Support

	seq        int    // sequence number of the running check
	retestFor  int    // the step a running re-test belongs to (0: none)
	change     string // what the running re-test changed, in plain words
	returnTo   Phase  // where a cancelled check goes back to
	actionBusy bool   // an OS action is running

	act actionState // consent, prompts and offers of OS actions (actions.go)
	har *harState   // the HAR export the session started from (har.go)
}

// DNSAnswer is what a host name resolved to.
type DNSAnswer struct {
	Host  string
	Addrs []string
	Err   string
	Done  bool
}

// Retest is one re-test after a step: the state before and after.
type Retest struct {
	Step    int
	Change  string
	Before  Snapshot
	After   Snapshot
	Outcome Outcome
	// Answer is set when the person said whether it works in their browser.
	Answer *bool
	At     time.Time
}

// NewSession starts a session. With req.URL empty it begins by asking for
// the URL; otherwise call Start to begin.
func NewSession(env Env, req probe.Request) *Session {
	s := &Session{Env: env, Request: req, Answers: map[int]bool{}}
	s.Redactor = probe.NewRedactor()
	s.addSecrets(req)
	s.Order = NormalizeOrder(nil)
	return s
}

func (s *Session) addSecrets(req probe.Request) {
	// Every credential the request carries, token query parameters
	// included; then the raw fields, in case it does not parse yet.
	s.Redactor.Add(req.Secrets()...)
	s.Redactor.Add(req.Password, req.Bearer)
	for _, h := range req.Headers {
		if probe.IsSecretHeader(h.Name) {
			s.Redactor.Add(h.Value)
		}
	}
	for _, c := range req.Cookies {
		s.Redactor.Add(c.Value)
	}
	if u, err := url.Parse(req.URL); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			s.Redactor.Add(p)
		}
	}
}

// NormalizeOrder returns a full order of the ten steps: the given steps
// first (valid, without repeats), then the missing ones in numeric order.
func NormalizeOrder(order []int) []int {
	seen := [NumSteps + 1]bool{}
	out := make([]int, 0, NumSteps)
	for _, n := range order {
		if n >= 1 && n <= NumSteps && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for n := 1; n <= NumSteps; n++ {
		if !seen[n] {
			out = append(out, n)
		}
	}
	return out
}

// ValidateURL checks that s is an absolute http or https URL with a host,
// and returns the reason in plain words when it is not.
func ValidateURL(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return fmt.Errorf("type the address, starting with https://")
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return fmt.Errorf("an address cannot contain spaces")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("this is not a valid address")
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		return fmt.Errorf("start the address with https:// (or http://)")
	default:
		return fmt.Errorf("only http:// and https:// addresses can be checked, not %s://", probe.Sanitize(u.Scheme))
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("the address needs a host name after %s://", u.Scheme)
	}
	return nil
}

// NormalizeURL adds https:// to an address typed without a scheme
// ("example.com/x"), so people need not type it.
func NormalizeURL(s string) string {
	s = strings.TrimSpace(s)
	if s != "" && !strings.Contains(s, "://") {
		return "https://" + s
	}
	return s
}

// StepState returns the state of step n as shown in the sidebar: the step
// on screen is "current"; on its result screen, it shows what the re-test
// made of it.
func (s *Session) StepState(n int) State {
	if n < 1 || n > NumSteps {
		return StatePending
	}
	st := s.States[n]
	// The step shown is "now", even when it was tried or skipped before.
	if n == s.Current && (s.Phase == PhaseStep || s.Phase == PhaseRetesting || (s.Phase == PhaseResult && st == StatePending)) {
		return StateCurrent
	}
	return st
}

// Resolved reports whether the URL works now.
func (s *Session) Resolved() bool { return s.Phase == PhaseResolved }

// Busy reports whether a check or an action is running.
func (s *Session) Busy() bool { return s.Phase.Busy() || s.actionBusy }

// RetestFor is the step the running or last re-test belongs to.
func (s *Session) RetestFor() int { return s.retestFor }

// LastRetest returns the most recent re-test, or nil.
func (s *Session) LastRetest() *Retest {
	if len(s.History) == 0 {
		return nil
	}
	return &s.History[len(s.History)-1]
}

// Diagnosis returns the latest diagnosis (nil before the first check).
func (s *Session) Diagnosis() *probe.Diagnosis {
	if s.Last == nil {
		return nil
	}
	return &s.Last.Diagnosis
}

// Seq is the sequence number of the running check; results carrying
// another number are stale and ignored.
func (s *Session) Seq() int { return s.seq }

// NextPending returns the first pending step after step n in the
// recommended order, wrapping around; 0 when none is pending.
func (s *Session) NextPending(after int) int {
	start := 0
	for i, n := range s.Order {
		if n == after {
			start = i + 1
			break
		}
	}
	for i := range s.Order {
		n := s.Order[(start+i)%len(s.Order)]
		if n != after && s.States[n] == StatePending {
			return n
		}
	}
	return 0
}

// prevInOrder returns the step before n in the recommended order (0 when n
// is first).
func (s *Session) prevInOrder(n int) int {
	for i, m := range s.Order {
		if m == n {
			if i == 0 {
				return 0
			}
			return s.Order[i-1]
		}
	}
	return 0
}

// Position returns n's 1-based position in the recommended order.
func (s *Session) Position(n int) int {
	for i, m := range s.Order {
		if m == n {
			return i + 1
		}
	}
	return 0
}
