package steps

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fix401/fix401/probe"
)

// Field names of the OAuth form in steps 3 and 10.
const (
	FieldTokenURL     = "token_url"
	FieldClientID     = "client_id"
	FieldClientSecret = "client_secret"
	FieldRefreshToken = "refresh_token"
)

// oauthStep adds the OAuth refresh to step 3 or 10: an action that gets a
// new access token with what is known, a form to type what is not, and
// what the last refresh gave.
func (s *Session) oauthStep(st *Step) {
	n := st.Number
	if n == 3 && !s.usesBearer() && s.OAuth.TokenURL == "" && s.OAuth.RefreshToken == "" {
		return // A site that wants a password: no token to refresh.
	}
	if s.FormKey() == "oauth" && s.Current == n {
		st.Instructions = append(st.Instructions,
			"With a refresh token, fix401 asks the login server (its token endpoint) for a new access token and re-tests with it. Fill in the form; enter in the last field does it.",
			"Some servers accept each refresh token only once and issue a new one: if yours does, your app must sign in again afterwards (fix401 never shows or saves the new one).")
		st.Fields = s.oauthFields()
		st.AutoFocus = true
		st.Actions = append(st.Actions, Action{Label: "Back to the token field", Kind: ActionEvent, Event: OAuthForm{Show: false}})
		st.Judge = "Enter in the last field gets a new access token and re-tests with it. " + judgeGeneric
	} else {
		if s.OAuthReady() {
			st.Actions = append(st.Actions, Action{
				Label: "Get a new access token from " + s.tokenHost() + " (OAuth refresh) and re-test",
				Kind:  ActionEvent, Event: RefreshNow{},
			})
			st.Actions = append(st.Actions, Action{Label: "Change the OAuth details", Kind: ActionEvent, Event: OAuthForm{Show: true}})
		} else {
			st.Actions = append(st.Actions, Action{
				Label: "Refresh the token with OAuth (token URL, client id, refresh token)",
				Kind:  ActionEvent, Event: OAuthForm{Show: true},
			})
		}
	}
	if len(s.Refreshes) > 0 {
		r := s.Refreshes[len(s.Refreshes)-1]
		if r.OK {
			line := "The last OAuth refresh (" + r.At.UTC().Format("15:04:05 UTC") + ") gave a new access token: " + r.Token + "."
			if r.Rotated {
				line += " The server also issued a new refresh token: the one you gave may no longer work."
			}
			st.Info = append(st.Info, line)
		} else {
			st.Info = append(st.Info, "✗ The last OAuth refresh failed: "+r.Plain)
		}
	}
}

func (s *Session) tokenHost() string {
	h := probe.HostOf(s.OAuth.TokenURL)
	if h == "" {
		return "the login server"
	}
	return probe.Sanitize(h)
}

// oauthFields is the OAuth form: what is known is filled in, secrets never
// are (an empty secret field keeps the one already given).
func (s *Session) oauthFields() []Field {
	keep := func(have bool) string {
		if have {
			return "given already; leave empty to keep it"
		}
		return "it stays hidden"
	}
	return []Field{
		{Name: FieldTokenURL, Label: "Token URL", Placeholder: "https://login.example.com/oauth2/token", Value: s.OAuth.TokenURL,
			Validate: func(v string) error {
				if strings.TrimSpace(v) == "" {
					return fmt.Errorf("type the token endpoint's address")
				}
				return ValidateURL(NormalizeURL(v))
			}},
		{Name: FieldClientID, Label: "Client id", Placeholder: "the application's id", Value: probe.Sanitize(s.OAuth.ClientID)},
		{Name: FieldClientSecret, Label: "Client secret (if any)", Placeholder: keep(s.OAuth.ClientSecret != ""), Secret: true},
		{Name: FieldRefreshToken, Label: "Refresh token", Placeholder: keep(s.OAuth.RefreshToken != ""), Secret: true},
	}
}

// submitOAuth takes the OAuth form's values and starts the refresh.
func (s *Session) submitOAuth(values []string) []Effect {
	fs := s.oauthFields()
	got := map[string]string{}
	for i, f := range fs {
		if i < len(values) {
			got[f.Name] = values[i]
		}
	}
	cfg := s.OAuth
	cfg.TokenURL = NormalizeURL(strings.TrimSpace(got[FieldTokenURL]))
	cfg.ClientID = strings.TrimSpace(got[FieldClientID])
	if v := strings.TrimSpace(got[FieldClientSecret]); v != "" {
		cfg.ClientSecret = v
	}
	if v := strings.TrimSpace(got[FieldRefreshToken]); v != "" {
		cfg.RefreshToken = v
	}
	// The secrets are hidden before anything can show them, valid or not.
	s.Redactor.Add(got[FieldClientSecret], got[FieldRefreshToken])
	s.SetOAuth(cfg)
	if err := cfg.Validate(); err != nil {
		s.Error = capitalize(s.Redactor.Text(oauthInputMessage(err))) + "."
		return nil
	}
	return s.startRefresh()
}

func oauthInputMessage(err error) string {
	var ie *probe.InputError
	if errors.As(err, &ie) {
		return strings.TrimSuffix(ie.Msg, ".")
	}
	return strings.TrimPrefix(err.Error(), "probe: ")
}

// startRefresh asks the caller to refresh with the session's OAuth
// configuration, once it is complete.
func (s *Session) startRefresh() []Effect {
	if err := s.OAuth.Validate(); err != nil {
		s.oauthForm = s.Current
		s.Error = capitalize(s.Redactor.Text(oauthInputMessage(err))) + "."
		return nil
	}
	cfg := s.OAuth
	cfg.Insecure = cfg.Insecure || s.Request.Insecure
	if cfg.Proxy == "" && s.Request.Proxy != probe.ProxyDirect {
		cfg.Proxy = s.Request.Proxy
	}
	s.actionBusy = true
	return []Effect{{Kind: EffectRefresh, Step: s.Current, Refresh: cfg}}
}

// refreshed records a finished refresh and, when it worked, re-tests with
// the new access token.
func (s *Session) refreshed(ev Refreshed) []Effect {
	s.actionBusy = false
	s.Redactor.Add(ev.Token.Secrets()...)
	at := RefreshAttempt{At: s.Env.now(), Step: ev.Step, TokenURL: s.Redactor.URL(s.OAuth.TokenURL), ClientID: s.Redactor.Text(s.OAuth.ClientID)}
	if ev.Err != nil {
		var re *probe.RefreshError
		switch {
		case errors.As(ev.Err, &re):
			at.Code, at.Status = probe.Sanitize(re.Code), re.Status
			at.Plain = s.Redactor.Text(re.Plain)
			if at.Plain == "" {
				at.Plain = s.Redactor.Text(strings.TrimPrefix(re.Error(), "probe: "))
			}
			if len(re.Steps) > 0 {
				at.Plain += " (" + stepList(re.Steps) + " may help.)"
			}
		default:
			at.Plain = capitalize(s.Redactor.Text(oauthInputMessage(ev.Err))) + "."
		}
		s.Refreshes = append(s.Refreshes, at)
		s.Error = "The token refresh failed. " + at.Plain
		if at.Code != "" {
			s.Error += " [" + at.Code + "]"
		}
		return nil
	}
	at.OK = true
	at.Token = ev.Token.String()
	if !ev.Token.Expiry.IsZero() {
		t := ev.Token.Expiry.UTC()
		at.Expiry = &t
	}
	at.Rotated = ev.Token.Rotated()
	s.Refreshes = append(s.Refreshes, at)
	if at.Rotated {
		s.OAuth.RefreshToken = ev.Token.RefreshToken
	}
	s.oauthForm = 0
	s.Request = ev.Token.Apply(withoutAuthorization(s.Request))
	s.Request.User, s.Request.Password, s.Request.HasUser = "", "", false
	change := "a new access token from the OAuth token endpoint (" + probe.MaskSecret(ev.Token.AccessToken) + ") was used"
	if s.Phase != PhaseStep || s.Current != ev.Step {
		s.Notice = "The OAuth refresh gave a new access token; the next re-test uses it."
		return nil
	}
	return s.startCheck(PhaseRetesting, s.Current, change)
}

// stepList names steps in words: "Step 3", "Steps 3 and 10".
func stepList(ns []int) string {
	if len(ns) == 1 {
		return fmt.Sprintf("Step %d", ns[0])
	}
	return "Steps " + joinInts(ns[:len(ns)-1], ", ") + " and " + fmt.Sprint(ns[len(ns)-1])
}
