package steps

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/fix401/fix401/probe"
)

// Step is one of the ten fix steps as it applies to this session: plain
// text to show, the fields and actions it offers, and how its re-test is
// judged. Step values are rebuilt from the session on demand; they hold
// no state of their own.
type Step struct {
	Number int
	// Title is the full title; Short fits a sidebar.
	Title string
	Short string
	// Why says why the step matters in this case; Findings are the
	// findings that point at it (best first).
	Why      []string
	Findings []probe.Finding
	// Instructions say what to do, concretely, on this OS and browser.
	Instructions []string
	// Info holds live facts for the step: the redirect chain, DNS answers,
	// cookies with expiry, proxies in effect, a report to send.
	Info []string
	// Fields is a form to fill; submitting it re-tests with the values.
	Fields []Field
	// AutoFocus puts the cursor in the first field on arrival.
	AutoFocus bool
	// Question is asked after the person tried something in their browser
	// (steps 6 and 7); the answer is recorded and the URL re-tested.
	Question string
	// Actions are what fix401 can do for the person in this step.
	Actions []Action
	// Judge says how the re-test is judged, in plain words.
	Judge string
	// HelpDesk says, last, what a help desk may ask for: how to save a
	// HAR file in the person's browser.
	HelpDesk []string
}

// Field names; Submit values are matched to fields by position.
const (
	FieldUser     = "user"
	FieldPassword = "password"
	FieldToken    = "token"
	FieldURL      = "url"
	// FieldProxyUser and FieldProxyPassword are the proxy's own login,
	// asked in step 1 when a proxy answered 407.
	FieldProxyUser     = "proxy_user"
	FieldProxyPassword = "proxy_password"
)

// Field is one form field of a step.
type Field struct {
	Name        string
	Label       string
	Placeholder string
	// Secret fields are masked on screen and never printed whole.
	Secret bool
	// Value is the initial value (never set for secrets).
	Value string
	// Validate returns a plain reason when the value cannot be used; the
	// TUI shows it under the field as the person types.
	Validate func(string) error
}

// ActionKind says how an Action is carried out.
type ActionKind int

// The action kinds.
const (
	// ActionRun runs Run on this machine (an OS action), then re-tests.
	ActionRun ActionKind = iota
	// ActionSubmit submits Values as if typed in the step's fields.
	ActionSubmit
	// ActionRequest changes the request with Change, then re-tests.
	ActionRequest
)

// Action is something fix401 can do for the person in a step. OS actions
// (platform/) map onto ActionRun: Show is shown before running, Admin
// says it will ask for an administrator password, and Run does it.
type Action struct {
	Label string
	Kind  ActionKind
	// Show are the exact command lines run, one per command, as shown to
	// the person (with the sudo prefix when it goes through sudo).
	Show  []string
	Admin bool
	// Why says what needs administrator rights and why, and how fix401
	// will get them.
	Why string
	// Changes is set on an action that changes the system: the session
	// asks "Run this?" and runs it only after a yes.
	Changes bool
	// Copy is text the caller puts on the terminal's clipboard when the
	// action runs (OSC 52); Run may use a native tool as well.
	Copy string
	// KeepStep keeps the person on the step after the action worked,
	// with its output as a notice, instead of re-testing at once: after
	// opening a browser, the person tries it there and answers the
	// step's question.
	KeepStep bool
	// Run does it. Besides a plain error it may return *NeedTerminal,
	// *NeedConsent or an error wrapping ErrCancelled.
	Run func(ctx context.Context) (string, error)
	// Values are submitted by an ActionSubmit (may hold secrets; never
	// shown).
	Values []string
	// Change edits the request for an ActionRequest.
	Change func(*probe.Request)
	// Event is applied by an ActionEvent.
	Event Event
}

// Sidebar forms of the ten step titles (the titles are probe.StepTitle).
var (
	shorts = [NumSteps + 1]string{"",
		"Login information",
		"Cookies and cache",
		"Log out and in",
		"Verify the URL",
		"DNS cache",
		"Browser add-ons",
		"Private window",
		"Security, firewall",
		"Site administrator",
		"API tokens",
	}
	// defaultWhy is said when no finding points at a step.
	defaultWhy = [NumSteps + 1]string{"",
		"A mistyped or outdated password is the most common reason for 401.",
		"An old login cookie stored by the browser can keep being sent and refused.",
		"Signing in again gets a new session or token when the old one has run out.",
		"A wrong address (http instead of https, a missing www, a redirect to another host) can make the login get lost on the way.",
		"If this computer remembers an old address for the site, it may be talking to the wrong server.",
		"Privacy and ad-blocking add-ons sometimes strip the login from requests.",
		"A private window starts with no cookies and no add-ons: a clean test of the browser.",
		"A proxy, VPN or company firewall between you and the site can block or change the login.",
		"Some 401s can only be fixed on the server: an account that is locked or lacks access.",
		"Apps and scripts log in with a token; tokens expire, and must match what the server expects.",
	}
)

// Short returns step n's short title.
func Short(n int) string {
	if n < 1 || n > NumSteps {
		return ""
	}
	return shorts[n]
}

const judgeGeneric = "fix401 then sends the request again: if the answer turns from an error into a page that loads (2xx or 3xx), this step fixed it."

// Step builds step n for this session.
func (s *Session) Step(n int) Step {
	if n < 1 || n > NumSteps {
		return Step{}
	}
	st := Step{Number: n, Title: probe.StepTitle(n), Short: shorts[n], Judge: judgeGeneric}
	d := s.Diagnosis()
	if d != nil {
		for _, f := range d.Findings {
			for _, k := range f.Steps {
				if k == n {
					st.Findings = append(st.Findings, f)
					st.Why = append(st.Why, s.Redactor.Text(f.Title))
					break
				}
			}
		}
	}
	if len(st.Why) == 0 {
		st.Why = []string{defaultWhy[n]}
	}
	os := osOf(s.Env)
	browsers := browsersFor(s.Env)
	switch n {
	case 1:
		s.step1(&st)
	case 2:
		st.Instructions = cacheInstructions(os, browsers)
		s.cookieInfo(&st)
	case 3:
		st.Instructions = []string{
			"In a browser: sign out of the site (usually under your name or picture, top right), close all of its tabs, open the address again and sign in.",
			"In an app or script: sign in again in the app, or create a fresh token where the service issues them (its settings page, or a login command such as az login, gcloud auth login, gh auth login, docker login), and use the new one.",
		}
		if s.usesBearer() {
			st.Fields = []Field{tokenField("Fresh token")}
			st.Instructions = append(st.Instructions, "Paste the fresh token below and press enter to re-test with it.")
		}
	case 4:
		s.step4(&st)
	case 5:
		st.Instructions = dnsInstructions(os)
		s.dnsInfo(&st)
	case 6:
		st.Instructions = addonInstructions(os, browsers)
		st.Question = "Does the address work in your browser now?"
		st.Judge = judgeBrowser
	case 7:
		st.Instructions = privateInstructions(os, browsers)
		st.Question = "Does the address work in the private window?"
		st.Judge = judgeBrowser
	case 8:
		st.Instructions = securityInstructions(os)
		s.securityInfo(&st)
	case 9:
		st.Instructions = []string{
			"Send the summary below to the site's administrator or help desk (e-mail or ticket). It says what was found and what you tried; passwords and tokens are hidden.",
			"Ask them whether your account is active and allowed to use this address, and whether anything changed on their side.",
		}
		st.Info = s.Report()
		st.Judge = "Press enter when they have answered (or changed something) to re-test."
	case 10:
		s.step10(&st)
	}
	if s.Env.Actions != nil {
		st.Actions = append(st.Actions, s.Env.Actions(n)...)
	}
	s.addOffer(&st)
	s.supportStep(&st)
	return st
}

const judgeBrowser = "Your answer is recorded and fix401 re-tests too. fix401's own request cannot see your browser's cookies or add-ons, so if it works in your browser, this step fixed it there."

func tokenField(label string) Field {
	return Field{Name: FieldToken, Label: label, Placeholder: "paste the token (it stays hidden)", Secret: true,
		Validate: func(v string) error {
			if CleanToken(v) == "" {
				return fmt.Errorf("paste the token first")
			}
			return nil
		}}
}

// usesBearer reports whether the request or the server's challenge
// involves a bearer token.
func (s *Session) usesBearer() bool {
	if s.Request.Bearer != "" {
		return true
	}
	for _, h := range s.Request.Headers {
		if strings.EqualFold(h.Name, "Authorization") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(h.Value)), "bearer") {
			return true
		}
	}
	if d := s.Diagnosis(); d != nil {
		for _, c := range d.Challenges {
			if c.Is("Bearer") || c.Is("DPoP") {
				return true
			}
		}
	}
	return false
}

// proxyWantingLogin is the proxy that answered the latest check with
// 407 ("" when none did), as the check recorded it.
func (s *Session) proxyWantingLogin() string {
	d := s.Diagnosis()
	if d == nil || d.Verdict != probe.VerdictProxyAuthRequired || s.Last == nil {
		return ""
	}
	return s.Last.Exchange.Facts.Proxy
}

// wantsPassword reports whether the server asked for a user name and
// password (Basic, Digest, Negotiate/NTLM), or asked nothing.
func (s *Session) wantsPassword() bool {
	d := s.Diagnosis()
	if d == nil || len(d.Challenges) == 0 {
		return s.Request.Bearer == ""
	}
	for _, c := range d.Challenges {
		if c.Is("Basic") || c.Is("Digest") || c.Is("Negotiate") || c.Is("NTLM") {
			return true
		}
	}
	return false
}

func (s *Session) step1(st *Step) {
	st.Info = s.ExplainLastChallenges()
	st.AutoFocus = true
	if proxy := s.proxyWantingLogin(); proxy != "" {
		st.Instructions = []string{
			"The proxy between you and the site (" + s.Redactor.URL(proxy) + ") wants its own login before it lets anything through: usually your company or network login, not the site's.",
			"Type it below; if you do not know it, your IT help desk does.",
		}
		st.Fields = []Field{
			{Name: FieldProxyUser, Label: "Proxy user name", Placeholder: "e.g. alice or CORP\\alice",
				Validate: func(v string) error {
					if strings.TrimSpace(v) == "" {
						return fmt.Errorf("type your user name for the proxy")
					}
					return nil
				}},
			{Name: FieldProxyPassword, Label: "Proxy password", Placeholder: "it stays hidden", Secret: true},
		}
		st.Judge = "Enter in the password field re-tests through the proxy with this login. " + judgeGeneric
		return
	}
	if s.wantsPassword() {
		st.Instructions = []string{
			"Type the user name and password you use for this site. Check the keyboard layout and Caps Lock; some sites want your e-mail address as the user name.",
			"If you are not sure of the password, reset it on the site's \"forgot password\" page first.",
		}
		st.Fields = []Field{
			{Name: FieldUser, Label: "User name", Placeholder: "e.g. alice or alice@example.com", Value: probe.Sanitize(s.Request.User),
				Validate: func(v string) error {
					if strings.TrimSpace(v) == "" {
						return fmt.Errorf("type your user name")
					}
					if strings.Contains(v, ":") {
						return fmt.Errorf("a user name cannot contain a colon (:) with this kind of login")
					}
					return nil
				}},
			{Name: FieldPassword, Label: "Password", Placeholder: "it stays hidden", Secret: true},
		}
		st.Judge = "Enter in the password field re-tests with what you typed. " + judgeGeneric
		return
	}
	st.Instructions = []string{
		"The server wants an access token rather than a password. Paste the token your app or service gave you.",
	}
	st.Fields = []Field{tokenField("Token")}
	st.Judge = "Enter re-tests with the token. " + judgeGeneric
}

func (s *Session) step4(st *Step) {
	st.Instructions = []string{
		"Compare the address with the one in the site's documentation or a link that works for a colleague: http or https, with or without www, the exact path.",
		"Correct the address in the Address field below, then re-test with it.",
	}
	prefill := s.Request.URL
	if s.Last != nil {
		ex := &s.Last.Exchange
		st.Info = s.RedirectChain()
		if len(ex.Hops) > 1 {
			if last := ex.Last(); last != nil && last.URL != "" {
				prefill = last.URL
				st.Info = append(st.Info, "The address ends up at "+s.Redactor.URL(last.URL)+"; the field holds that final address, so that the login goes straight there.")
			}
		}
	}
	st.Info = append(st.Info, urlRemarks(s.Request.URL, s.Last)...)
	st.Fields = []Field{{Name: FieldURL, Label: "Address", Placeholder: "https://…", Value: prefill,
		Validate: func(v string) error { return ValidateURL(NormalizeURL(v)) }}}
}

// RedirectChain draws the redirect chain hop by hop, with the login
// information each hop carried and where it was dropped.
func (s *Session) RedirectChain() []string {
	if s.Last == nil {
		return nil
	}
	ex := &s.Last.Exchange
	if len(ex.Hops) == 0 {
		return nil
	}
	out := []string{"How the address was followed:"}
	for i, h := range ex.Hops {
		line := fmt.Sprintf("%d. %s → %s", i+1, s.Redactor.URL(h.URL), StatusText(h.Status))
		out = append(out, line)
		if len(h.Sent) > 0 {
			kinds := make([]string, 0, len(h.Sent))
			for _, c := range h.Sent {
				kinds = append(kinds, credName(c))
			}
			out = append(out, "   login sent: "+strings.Join(kinds, ", "))
		}
		for _, d := range h.Dropped {
			out = append(out, "   ✗ "+credName(d.Credential)+" dropped here: "+s.Redactor.Text(d.Reason))
		}
		if h.Location != "" && i == len(ex.Hops)-1 {
			out = append(out, "   goes on to "+s.Redactor.URL(h.Location)+" (not followed)")
		}
	}
	if ex.TooManyRedirects {
		out = append(out, "The chain was cut: too many redirects (a loop?).")
	}
	return out
}

func credName(c probe.Credential) string {
	switch c.Kind {
	case probe.CredBasic:
		return "password (Basic)"
	case probe.CredDigest:
		return "password (Digest)"
	case probe.CredBearer:
		return "token (Bearer)"
	case probe.CredCookie:
		return "cookie " + probe.Sanitize(c.Name)
	case probe.CredAPIKeyHeader, probe.CredAPIKeyQuery:
		return "API key " + probe.Sanitize(c.Name)
	case probe.CredProxyAuth:
		return "proxy login"
	}
	return probe.Sanitize(string(c.Kind))
}

// urlRemarks points out http vs https, www vs apex, and likely typos.
func urlRemarks(raw string, last *probe.Result) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	var out []string
	switch {
	case u.Scheme == "http" && probe.IsLoopback(u.Hostname()):
		out = append(out, "This address uses http://, not https://, but it is this computer itself, so the login does not leave the machine.")
	case u.Scheme == "http":
		out = append(out, "This address uses http://, not https://: login information travels unprotected, and many sites only accept it over https.")
	}
	host := strings.ToLower(u.Hostname())
	if last != nil {
		for _, h := range last.Exchange.Hops {
			hu, err := url.Parse(h.URL)
			if err != nil {
				continue
			}
			hh := strings.ToLower(hu.Hostname())
			if hh != host && (strings.TrimPrefix(hh, "www.") == strings.TrimPrefix(host, "www.")) {
				out = append(out, fmt.Sprintf("The site moves you between %s and %s (with and without www); some clients drop the login when that happens.", probe.Sanitize(host), probe.Sanitize(hh)))
				break
			}
		}
	}
	switch {
	case strings.Contains(host, ".."), strings.HasSuffix(host, "."), strings.HasPrefix(host, "."):
		out = append(out, "The host name has a stray dot; check for a typo.")
	case strings.HasPrefix(host, "ww.") || strings.HasPrefix(host, "wwww."):
		out = append(out, "The host name starts with "+probe.Sanitize(strings.SplitN(host, ".", 2)[0])+"; did you mean www?")
	}
	if strings.Contains(u.Path, "//") {
		out = append(out, "The path contains a double slash (//); check for a typo.")
	}
	return out
}

func (s *Session) host() string {
	u, err := url.Parse(s.Request.URL)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

func (s *Session) dnsInfo(st *Step) {
	host := s.host()
	if host == "" {
		return
	}
	if net.ParseIP(host) != nil {
		st.Info = append(st.Info, probe.Sanitize(host)+" is an IP address, not a name: no DNS lookup is involved, so clearing the DNS cache cannot change where it goes.")
		return
	}
	switch {
	case !s.DNS.Done || s.DNS.Host != host:
		st.Info = append(st.Info, "Looking up "+probe.Sanitize(host)+"…")
	case s.DNS.Err != "":
		st.Info = append(st.Info, probe.Sanitize(host)+": "+s.DNS.Err)
	default:
		st.Info = append(st.Info, probe.Sanitize(host)+" resolves to "+probe.Sanitize(strings.Join(s.DNS.Addrs, ", "))+".")
	}
	if s.Last != nil {
		for _, e := range s.Last.Exchange.Facts.Hosts {
			st.Info = append(st.Info, fmt.Sprintf("The hosts file overrides it: %s line %d says %s. That fixed entry wins over DNS; if it is old, remove it (needs an administrator).", probe.Sanitize(e.File), e.Line, probe.Sanitize(e.IP)))
		}
		for _, h := range s.Last.Exchange.Hops {
			if h.RemoteAddr != "" {
				st.Info = append(st.Info, "fix401 reached "+probe.Sanitize(h.RemoteAddr)+".")
				break
			}
		}
	}
	switch last := Snap(s.Last); {
	case s.Last == nil:
	case last.Failure == probe.FailDNS:
		st.Info = append(st.Info, "Nothing answered because the name could not be looked up, so DNS is where the problem is.")
	case last.Failure != "":
		st.Info = append(st.Info, "Nothing answered. If the name leads to an old address, clearing the cache can help.")
	default:
		st.Info = append(st.Info, "Some server answered ("+last.StatusText()+"), so DNS only matters if it is the wrong server (an old address, a VPN that sends you elsewhere).")
	}
}

func (s *Session) cookieInfo(st *Step) {
	cookies := s.Request.Cookies
	if s.Last != nil && len(s.Last.Exchange.Facts.Cookies) > 0 {
		cookies = s.Last.Exchange.Facts.Cookies
	}
	if len(cookies) == 0 {
		return
	}
	now := s.Env.now()
	src := "the cookies given to fix401"
	if s.Request.CookieFile != "" {
		src = probe.Sanitize(s.Request.CookieFile)
	}
	st.Info = append(st.Info, "Cookies fix401 sends (from "+src+"):")
	expired := 0
	for _, c := range cookies {
		line := "  " + probe.Sanitize(c.Name) + " = " + probe.MaskSecret(c.Value)
		switch {
		case c.Expires.IsZero():
			line += " · session cookie"
		case !c.Expires.After(now):
			line += " · EXPIRED " + Ago(now.Sub(c.Expires)) + " ago"
			expired++
		default:
			line += " · expires in " + Ago(c.Expires.Sub(now))
		}
		st.Info = append(st.Info, line)
	}
	if expired > 0 {
		st.Actions = append(st.Actions, Action{Label: "Re-test without the expired cookies", Kind: ActionRequest, Change: func(r *probe.Request) {
			keep := r.Cookies[:0:0]
			for _, c := range r.Cookies {
				if !c.ExpiredAt(now) {
					keep = append(keep, c)
				}
			}
			r.Cookies = keep
		}})
	}
	if len(s.Request.Cookies) > 0 {
		st.Actions = append(st.Actions, Action{Label: "Re-test without any cookies", Kind: ActionRequest, Change: func(r *probe.Request) {
			r.Cookies = nil
			r.CookieFile = ""
		}})
	}
}

func (s *Session) securityInfo(st *Step) {
	if s.Last != nil && s.Last.Exchange.Facts.Proxy != "" {
		f := s.Last.Exchange.Facts
		line := "fix401 went through the proxy " + s.Redactor.URL(f.Proxy)
		if f.ProxySource != "" {
			line += " (set by " + probe.Sanitize(f.ProxySource) + ")"
		}
		st.Info = append(st.Info, line+".")
	} else if s.Request.Proxy != "" {
		st.Info = append(st.Info, "fix401 uses the proxy "+s.Redactor.URL(s.Request.Proxy)+" (from --proxy).")
	}
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"} {
		// The machine's offer (Env.Detect) lists these with the rest.
		if v := s.Env.getenv(k); v != "" && s.Env.Detect == nil {
			st.Info = append(st.Info, k+" is set to "+s.Redactor.URL(v)+".")
		}
	}
	if len(st.Info) == 0 {
		st.Info = append(st.Info, "No proxy is set for fix401 (a browser can still use one from the system settings).")
	}
	st.Info = append(st.Info, "401 comes from the site; 407 Proxy Authentication Required comes from a proxy on your network that wants its own login.")
	if d := s.Diagnosis(); d != nil {
		if d.Status == 407 {
			st.Info = append(st.Info, "Here the answer IS 407: the proxy wants your network login, not the site's.")
		}
		if d.Skew > 60e9 || d.Skew < -60e9 {
			st.Info = append(st.Info, "This computer's clock is off by "+Ago(abs(d.Skew))+" from the server's; set the time automatically, since logins with tokens depend on it.")
		}
	}
}

func (s *Session) step10(st *Step) {
	st.Instructions = []string{
		"Paste the token your app or script sends (it stays hidden). fix401 shows what is inside it: who issued it, for whom, when it expires, and what it allows.",
		"Press enter to re-test with it.",
	}
	st.Fields = []Field{tokenField("Token")}
	st.AutoFocus = true
	if d := s.Diagnosis(); d != nil {
		for _, t := range d.Tokens {
			r := s.reportToken(t, d)
			st.Info = append(st.Info, "The token that was sent ("+probe.Sanitize(t.Where)+"):")
			for _, l := range r.Lines {
				st.Info = append(st.Info, "  "+l)
			}
			for _, p := range r.Problems {
				st.Info = append(st.Info, "  ✗ "+p)
			}
		}
	}
	st.Judge = "Enter re-tests with the pasted token. " + judgeGeneric
}
