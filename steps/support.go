package steps

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fix401/fix401/probe"
)

// Support is what a session keeps for the support report, the saved state
// and the OAuth refresh of steps 3 and 10. It is embedded in Session.
type Support struct {
	// ID names the session (its saved file, its report).
	ID string
	// Started is when the session started (the first event).
	Started time.Time
	// OAuth is what a token refresh needs; its secrets stay in memory and
	// are never saved or shown.
	OAuth probe.RefreshConfig
	// Refreshes lists every OAuth refresh tried, oldest first.
	Refreshes []RefreshAttempt
	// SecurityTxt says whether the site's security.txt was fetched and
	// what came of it.
	SecurityTxt SecurityTxt
	// Resumed is set when the session continues a saved one.
	Resumed *ResumeInfo

	savedContacts []probe.Contact // contacts a resumed session had found
	savedFirst    *ReportCheck    // the first check of a resumed session
	savedLast     *Snapshot       // the last answer of a resumed session
	resume        *Record         // the record to continue once the check is back
	oauthForm     int             // the step showing the OAuth form (0: none)
	leftOut       []string        // what a resumed session did not have saved
}

// RefreshAttempt is one OAuth refresh: when, where, and what came of it.
// Nothing in it is secret: tokens are masked, the error redacted.
type RefreshAttempt struct {
	At       time.Time `json:"at"`
	Step     int       `json:"step"`
	TokenURL string    `json:"token_url"`
	ClientID string    `json:"client_id"`
	OK       bool      `json:"ok"`
	// Token is the new access token masked ("Bearer ••••x9Kf, expires …").
	Token   string     `json:"token,omitempty"`
	Expiry  *time.Time `json:"expiry,omitempty"`
	Rotated bool       `json:"rotated"`
	// Code, Status and Plain explain a failure.
	Code   string `json:"error,omitempty"`
	Status int    `json:"status,omitempty"`
	Plain  string `json:"explanation,omitempty"`
}

// SecurityTxt is the state of the security.txt lookup, which is made only
// when the person agrees (it is one more request to the site).
type SecurityTxt struct {
	Asked bool      `json:"asked"`
	At    time.Time `json:"at,omitzero"`
	// Contacts are what it listed; Error why there are none.
	Contacts []probe.Contact `json:"contacts"`
	Error    string          `json:"error,omitempty"`
}

// ResumeInfo says which saved session a session continues.
type ResumeInfo struct {
	From time.Time `json:"from"`
	// LeftOut lists the credentials that were not saved, in plain words.
	LeftOut []string `json:"left_out"`
	// Given lists those the person gave again (flags, environment).
	Given []string `json:"given"`
}

// The events of the support features.
type (
	// RefreshNow gets a new access token with Session.OAuth, then
	// re-tests with it.
	RefreshNow struct{}
	// Refreshed carries a finished OAuth refresh back.
	Refreshed struct {
		Step  int
		Token probe.RefreshedToken
		Err   error
	}
	// OAuthForm shows (or hides) the OAuth form in step 3 or 10.
	OAuthForm struct{ Show bool }
	// FetchContacts is the person agreeing to fetch the site's
	// security.txt.
	FetchContacts struct{}
	// ContactsFetched carries the security.txt lookup back.
	ContactsFetched struct {
		Contacts []probe.Contact
		Err      error
	}
)

func (RefreshNow) isEvent()      {}
func (Refreshed) isEvent()       {}
func (OAuthForm) isEvent()       {}
func (FetchContacts) isEvent()   {}
func (ContactsFetched) isEvent() {}

// The effects of the support features. Their values leave room for the
// effects machine.go declares.
const (
	// EffectRefresh: run probe.Refresh with Effect.Refresh; report back
	// with Refreshed{Step}.
	EffectRefresh EffectKind = 100 + iota
	// EffectFetchContacts: run probe.FetchSecurityTxt for
	// Effect.Request.URL (Insecure as in the request); report back with
	// ContactsFetched.
	EffectFetchContacts
)

// ActionEvent is an action that applies Action.Event, as if the person
// had done it (show a form, fetch a contact) rather than running anything.
const ActionEvent ActionKind = 100

// NewSessionID returns a new session id: the time and 6 random hex digits.
func NewSessionID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// SetOAuth gives the session what an OAuth refresh needs; its secrets are
// hidden from every output from now on.
func (s *Session) SetOAuth(cfg probe.RefreshConfig) {
	s.OAuth = cfg
	s.Redactor.Add(cfg.Secrets()...)
}

// OAuthReady reports whether a refresh can be tried without asking.
func (s *Session) OAuthReady() bool {
	return strings.TrimSpace(s.OAuth.TokenURL) != "" && strings.TrimSpace(s.OAuth.RefreshToken) != ""
}

// FormKey tells apart the forms a step can show, so that a UI rebuilds its
// fields when it changes ("" or "oauth").
func (s *Session) FormKey() string {
	if s.oauthForm != 0 && s.oauthForm == s.Current && s.Phase == PhaseStep {
		return "oauth"
	}
	return ""
}

// applySupport handles the support features' events, and RunAction for an
// ActionEvent; handled is false for every other event.
func (s *Session) applySupport(ev Event) (effs []Effect, handled bool) {
	if s.Started.IsZero() {
		s.Started = s.Env.now()
	}
	if s.ID == "" {
		s.ID = NewSessionID(s.Started)
	}
	switch ev := ev.(type) {
	case Refreshed:
		return s.refreshed(ev), true
	case ContactsFetched:
		s.actionBusy = false
		s.SecurityTxt.Asked = true
		s.SecurityTxt.At = s.Env.now()
		s.SecurityTxt.Contacts = nil
		s.SecurityTxt.Error = ""
		for _, c := range ev.Contacts {
			s.SecurityTxt.Contacts = append(s.SecurityTxt.Contacts, s.cleanContact(c))
		}
		switch {
		case ev.Err != nil && errors.Is(ev.Err, probe.ErrNoSecurityTxt):
			s.SecurityTxt.Error = "the site publishes no security.txt"
			s.Notice = "The site publishes no security.txt, so it names no security contact."
		case ev.Err != nil:
			s.SecurityTxt.Error = s.Redactor.Text(strings.TrimPrefix(ev.Err.Error(), "probe: "))
			s.Error = "The security.txt lookup failed: " + s.SecurityTxt.Error
		case len(ev.Contacts) == 0:
			s.Notice = "The site's security.txt names no contact."
		default:
			s.Notice = fmt.Sprintf("The site's security.txt names %d contact(s); they are listed below and in the report.", len(ev.Contacts))
		}
		return nil, true
	}

	switch ev.(type) {
	case RefreshNow, OAuthForm, FetchContacts, RunAction, Submit:
	default:
		return nil, false
	}
	if ra, ok := ev.(RunAction); ok {
		if s.Phase != PhaseStep {
			return nil, false
		}
		acts := s.Step(s.Current).Actions
		if ra.Index < 0 || ra.Index >= len(acts) || acts[ra.Index].Kind != ActionEvent || acts[ra.Index].Event == nil {
			return nil, false
		}
		ev = acts[ra.Index].Event
	}
	if sub, ok := ev.(Submit); ok {
		if s.FormKey() != "oauth" {
			return nil, false
		}
		s.Error, s.Notice = "", ""
		if s.actionBusy {
			s.Notice = "Wait for the action to finish."
			return nil, true
		}
		return s.submitOAuth(sub.Values), true
	}
	s.Error, s.Notice = "", ""
	if s.actionBusy {
		s.Notice = "Wait for the action to finish."
		return nil, true
	}
	switch ev := ev.(type) {
	case OAuthForm:
		if s.Phase != PhaseStep || (s.Current != 3 && s.Current != 10) {
			return nil, true
		}
		if ev.Show {
			s.oauthForm = s.Current
			s.Notice = "Type the OAuth details in the form (the secrets stay hidden); enter in the last field gets a new token and re-tests."
		} else {
			s.oauthForm = 0
		}
		return nil, true
	case RefreshNow:
		if s.Phase != PhaseStep {
			return nil, true
		}
		return s.startRefresh(), true
	case FetchContacts:
		if s.Request.URL == "" {
			return nil, true
		}
		s.actionBusy = true
		return []Effect{{Kind: EffectFetchContacts, Request: s.Request, Step: s.Current}}, true
	}
	return nil, true
}

// cleanContact passes a contact through the session's redactor.
func (s *Session) cleanContact(c probe.Contact) probe.Contact {
	return probe.Contact{Kind: probe.Sanitize(c.Kind), Value: s.Redactor.Text(c.Value), Source: s.Redactor.Text(c.Source), Note: s.Redactor.Text(c.Note)}
}

// Contacts lists the ways to reach the site's administrators found so
// far: the challenge's error_uri and Link rel="help" of the answers, and
// the security.txt contacts once fetched (with the person's consent).
func (s *Session) Contacts() []probe.Contact {
	var out []probe.Contact
	add := func(c probe.Contact) {
		c = s.cleanContact(c)
		for _, x := range out {
			if x.Kind == c.Kind && x.Value == c.Value {
				return
			}
		}
		out = append(out, c)
	}
	for _, r := range []*probe.Result{s.Last, s.Initial} {
		if r != nil {
			for _, c := range probe.ContactsFrom(&r.Exchange) {
				add(c)
			}
		}
	}
	for _, c := range s.savedContacts {
		add(c)
	}
	for _, c := range s.SecurityTxt.Contacts {
		add(c)
	}
	return out
}

// supportStep adds the support features to the steps they belong to:
// the OAuth refresh to steps 3 and 10, the contacts to step 9. Their
// actions come after the step's own.
func (s *Session) supportStep(st *Step) {
	switch st.Number {
	case 3, 10:
		s.oauthStep(st)
	case 9:
		s.contactStep(st)
	}
}

// contactStep adds the contacts to step 9, and the offer to look the
// site's security.txt up.
func (s *Session) contactStep(st *Step) {
	cs := s.Contacts()
	if len(cs) > 0 {
		st.Info = append(st.Info, "", "Who to contact:")
		for _, c := range cs {
			st.Info = append(st.Info, "  - "+c.String())
		}
	}
	switch {
	case !s.SecurityTxt.Asked:
		st.Actions = append(st.Actions, Action{
			Label: "Look up the site's security contact (one more request, to " + s.securityTxtHost() + "/.well-known/security.txt)",
			Kind:  ActionEvent, Event: FetchContacts{},
		})
	case s.SecurityTxt.Error != "":
		st.Info = append(st.Info, "security.txt: "+s.SecurityTxt.Error+".")
	}
	st.Info = append(st.Info, "", "w writes the full support report (Markdown, or JSON for a .json name); c copies its short summary.")
}

func (s *Session) securityTxtHost() string {
	h := probe.HostOf(s.Request.URL)
	if h == "" {
		return "the site"
	}
	return probe.Sanitize(h)
}
