package steps

import (
	"fmt"
	"net/http"

	"github.com/fix401/fix401/probe"
)

// Snapshot is the part of a check a re-test compares.
type Snapshot struct {
	Status  int
	Verdict probe.Verdict
	Summary string
	// Failure is set when nothing usable answered.
	Failure probe.FailureKind
	URL     string
}

// Snap takes a snapshot of a result (the zero Snapshot for nil).
func Snap(r *probe.Result) Snapshot {
	if r == nil {
		return Snapshot{}
	}
	s := Snapshot{Status: r.Diagnosis.Status, Verdict: r.Diagnosis.Verdict, Summary: r.Diagnosis.Summary, URL: r.Request.URL}
	if last := r.Exchange.Last(); last != nil && s.Status == 0 {
		s.Status = last.Status
	}
	if r.Exchange.Failure != nil {
		s.Failure = r.Exchange.Failure.Kind
	}
	return s
}

// OK reports whether the check succeeded: a 2xx or 3xx answer.
func (s Snapshot) OK() bool {
	if s.Failure != "" {
		return false
	}
	return s.Status >= 200 && s.Status < 400
}

// StatusText is the status as people see it: "401 Unauthorized", or
// "no answer" when nothing answered.
func (s Snapshot) StatusText() string {
	return StatusText(s.Status)
}

// StatusText spells a status code out: "401 Unauthorized".
func StatusText(code int) string { return probe.StatusText(code) }

// Outcome is how a re-test is judged.
type Outcome int

// The outcomes.
const (
	// OutcomeNoChange: the same answer as before.
	OutcomeNoChange Outcome = iota
	// OutcomeProgress: the answer changed, but it does not work yet.
	OutcomeProgress
	// OutcomeFixed: it failed before and answers 2xx/3xx now.
	OutcomeFixed
	// OutcomeWorksInBrowser: the person said it works in their browser now.
	OutcomeWorksInBrowser
	// OutcomeStillOK: it worked before and still works.
	OutcomeStillOK
	// OutcomeBroken: it worked before and fails now.
	OutcomeBroken
)

var outcomeNames = [...]string{"no change", "progress", "fixed", "works in the browser", "still works", "broke"}

// String names the outcome in plain words.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

// Fixed reports whether the outcome ends the wizard as resolved.
func (o Outcome) Fixed() bool {
	return o == OutcomeFixed || o == OutcomeWorksInBrowser || o == OutcomeStillOK
}

// Judge compares a check before and after step (0: a plain re-test).
// From a failure to 2xx/3xx is fixed; a different answer that still fails is
// progress; the same answer is no change. On the browser steps (6, 7) the
// person's answer counts too: fix401's own request cannot see the
// browser's cookies or add-ons, so "it works in my browser now" resolves it.
func Judge(step int, before, after Snapshot, answer *bool) Outcome {
	switch {
	case before.OK() && after.OK():
		return OutcomeStillOK
	case after.OK():
		return OutcomeFixed
	case answer != nil && *answer && (step == 6 || step == 7):
		return OutcomeWorksInBrowser
	case before.OK():
		return OutcomeBroken
	case before.Status != after.Status || before.Failure != after.Failure:
		return OutcomeProgress
	}
	return OutcomeNoChange
}

// Explain says in one plain sentence what a re-test's outcome means.
func (r Retest) Explain() string {
	switch r.Outcome {
	case OutcomeFixed:
		return "It works now: the server accepted the request."
	case OutcomeStillOK:
		return "It still works."
	case OutcomeWorksInBrowser:
		return "You said it works in your browser now, so the problem was in the browser (fix401's own test still sees " + r.After.StatusText() + ")."
	case OutcomeBroken:
		return "It worked before and fails now."
	case OutcomeProgress:
		return "Something changed, but it does not work yet: " + changeHint(r.Before, r.After)
	}
	if r.After.Failure != "" {
		return "No change: nothing answers, as before."
	}
	return "No change: the server answers the same as before."
}

// changeHint explains a status change that is not yet a fix.
func changeHint(before, after Snapshot) string {
	switch {
	case after.Failure != "" && before.Failure != "":
		return "still nothing answers, though it fails in another way now (t shows how)."
	case after.Failure != "":
		return "now nothing answers at all, which usually means the address is wrong or the network blocks it."
	case before.Failure != "" && after.Status == http.StatusUnauthorized:
		return "a server answers now, and it wants valid login information (401)."
	case after.Status == http.StatusForbidden:
		return "the server now knows who you are, but this account is not allowed here (403). Ask the site administrator for access."
	case after.Status == http.StatusNotFound:
		return "the server now says the page does not exist (404); check the address."
	case after.Status == http.StatusProxyAuthRequired:
		return "now a proxy asks for its own login (407); see step 8."
	case after.Status >= 500:
		return "the server itself now has a problem (" + after.StatusText() + "); try again later or tell the administrator."
	case after.Status == http.StatusUnauthorized:
		return "the server still wants valid login information."
	}
	return "the server now answers " + after.StatusText() + "."
}
