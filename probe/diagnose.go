package probe

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// SkewLimit is how far the server's clock may differ from the local one
// before fix401 reports it.
const SkewLimit = time.Minute

// Step numbers, named for readability in the rules below.
const (
	StepLogin    = 1
	StepCookies  = 2
	StepRelogin  = 3
	StepURL      = 4
	StepDNS      = 5
	StepAddons   = 6
	StepPrivate  = 7
	StepSecurity = 8
	StepAdmin    = 9
	StepTokens   = 10
)

// StatusText is the status as people see it written: "401 Unauthorized".
// Status 0 is "no answer".
func StatusText(code int) string {
	if code == 0 {
		return "no answer"
	}
	t := http.StatusText(code)
	switch code {
	case 419:
		t = "Page Expired"
	case 440:
		t = "Login Time-out"
	case 498:
		t = "Invalid Token"
	case 499:
		t = "Token Required"
	}
	if t == "" {
		return fmt.Sprint(code)
	}
	return fmt.Sprintf("%d %s", code, t)
}

// Diagnose judges a recorded exchange: findings, verdict, summary and the
// recommended order of the ten fix steps. It is a pure function: the same
// exchange always gives the same diagnosis. Every string in the result that
// came from the server or the person is sanitized and has secrets masked.
func Diagnose(ex *Exchange) Diagnosis {
	d := &diag{ex: ex, red: exchangeRedactor(ex)}
	d.run()
	return d.out
}

// ExchangeRedactor returns the Redactor for an exchange: it knows every
// credential any hop carried and every original (uncleaned) credential.
func ExchangeRedactor(ex *Exchange) *Redactor { return exchangeRedactor(ex) }

func exchangeRedactor(ex *Exchange) *Redactor {
	r := NewRedactor()
	for _, h := range ex.Hops {
		for _, c := range h.Sent {
			r.Add(c.Value)
			r.Add(basicSecrets(c.Value)...)
		}
		for _, c := range CredentialsOf(h.RequestHeader, nil) {
			r.Add(c.Value)
			r.Add(basicSecrets(c.Value)...)
		}
	}
	for _, c := range ex.Facts.Original {
		r.Add(c.Value)
		r.Add(basicSecrets(c.Value)...)
	}
	for _, c := range ex.Facts.Cookies {
		r.Add(c.Value)
	}
	r.Add(ex.Facts.Secrets...)
	return r
}

// basicSecrets returns the plaintext password (and user:password) inside a
// "Basic <base64>" credential, so that a server echoing the password back
// in clear is caught too; nil for anything else.
func basicSecrets(value string) []string {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(value), " ")
	if !ok || !strings.EqualFold(scheme, "basic") {
		return nil
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
	if err != nil {
		return nil
	}
	_, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return nil
	}
	return []string{pass, string(raw)}
}

type diag struct {
	ex  *Exchange
	red *Redactor
	out Diagnosis
	// forced is the step the rules put first, 0 for none.
	forced int
}

func (d *diag) add(f Finding) {
	for _, g := range d.out.Findings {
		if g.ID == f.ID {
			return
		}
	}
	f.Title = d.red.Text(f.Title)
	f.Detail = d.red.Text(f.Detail)
	f.Evidence = d.red.Text(f.Evidence)
	d.out.Findings = append(d.out.Findings, f)
}

func (d *diag) run() {
	ex := d.ex
	last := ex.Last()
	if last != nil {
		d.out.Status = last.Status
		d.out.Challenges = ParseChallenges(last.Header.Values("Www-Authenticate"))
		d.out.ProxyChallenges = ParseChallenges(last.Header.Values("Proxy-Authenticate"))
		for i := len(ex.Hops) - 1; i >= 0; i-- {
			if t, err := http.ParseTime(ex.Hops[i].Header.Get("Date")); err == nil {
				d.out.ServerDate = t.UTC()
				if !ex.Facts.Now.IsZero() {
					d.out.Skew = t.Sub(ex.Facts.Now).Round(time.Second)
				}
				break
			}
		}
	}
	d.out.Verdict = verdictOf(ex)
	d.out.Summary = summaryOf(d.out.Verdict, d.out.Status, ex)
	d.out.Tokens = d.tokens()

	d.transport()
	d.status()
	d.credentials()
	d.challenges()
	d.tokenFindings()
	d.clock()
	d.redirects()
	d.cookies()
	d.intermediaries()
	d.local()

	sortFindings(d.out.Findings)
	d.out.Steps = RecommendOrder(d.out.Findings, d.forced)
}

func verdictOf(ex *Exchange) Verdict {
	last := ex.Last()
	if last == nil || last.Status == 0 {
		return VerdictUnreachable
	}
	s := last.Status
	switch {
	case ex.TooManyRedirects:
		return VerdictClientError
	case s < 400:
		return VerdictOK
	case s == 401:
		return VerdictUnauthorized
	case s == 403:
		return VerdictForbidden
	case s == 407:
		return VerdictProxyAuthRequired
	case s == 404 || s == 410:
		return VerdictNotFound
	case s < 500:
		return VerdictClientError
	}
	return VerdictServerError
}

func summaryOf(v Verdict, status int, ex *Exchange) string {
	switch v {
	case VerdictOK:
		return "The server accepted the request: this address works with what was sent."
	case VerdictUnauthorized:
		if sentAny(ex.Last()) {
			return "The server did not accept the login details that were sent: it does not know who you are. This is a login problem, not a permissions problem (that would be 403)."
		}
		return "The server wants to know who you are before it answers, and no login details were sent. This is a login problem, not a permissions problem (that would be 403)."
	case VerdictForbidden:
		return "The server understood the request but refuses it: either it knows who you are and you are not allowed in, or something in front of it (a firewall) blocks you. Logging in again rarely helps; permissions have to change."
	case VerdictProxyAuthRequired:
		return "A proxy server between you and the site wants you to log in to it first (407). The site itself has not been reached yet."
	case VerdictNotFound:
		return "The server says this address does not exist. Check the URL; some sites also answer 404 to hide pages you are not allowed to see."
	case VerdictClientError:
		if ex.TooManyRedirects {
			return "The server kept sending the request somewhere else and never answered it; the redirects go round in circles or are too many."
		}
		return fmt.Sprintf("The server refused the request (%s): something about the request itself is not accepted.", StatusText(status))
	case VerdictServerError:
		if status == http.StatusNetworkAuthenticationRequired {
			return "The network you are on (not the site) wants you to sign in on its own page first (511); the site has not been reached yet."
		}
		return fmt.Sprintf("The server itself failed (%s). This is a problem on the site's side, not with your login.", StatusText(status))
	}
	if ex.Failure != nil {
		return "Nothing usable answered: " + failureSentence(ex.Failure.Kind)
	}
	return "Nothing answered."
}

func failureSentence(k FailureKind) string {
	switch k {
	case FailDNS:
		return "the site's name could not be found (DNS)."
	case FailRefused:
		return "the computer at that address refused the connection; nothing is listening there."
	case FailTimeout:
		return "the server did not answer in time."
	case FailTLSUntrusted:
		return "the site's security certificate is not trusted."
	case FailTLS:
		return "the secure (TLS) connection could not be set up."
	case FailProxy:
		return "the proxy server could not be used."
	}
	return "the connection failed."
}

func sentAny(h *Hop) bool { return h != nil && len(h.Sent) > 0 }

// transport reports why nothing answered.
func (d *diag) transport() {
	f := d.ex.Failure
	if f == nil {
		return
	}
	last := d.ex.Last()
	host := ""
	if last != nil {
		if u, err := url.Parse(last.URL); err == nil {
			host = u.Hostname()
		}
	}
	ev := Sanitize(f.Message)
	switch f.Kind {
	case FailDNS:
		d.forced = StepDNS
		d.add(Finding{ID: "dns-failure", Severity: SevError, Title: "The site's name could not be found",
			Detail:   fmt.Sprintf("Your computer could not turn %q into an address. The name may be misspelled, your network's name service (DNS) may be down or stale, or the site only exists on a company network (VPN).", host),
			Evidence: ev, Steps: []int{StepDNS, StepURL, StepSecurity}})
	case FailRefused:
		d.add(Finding{ID: "connection-refused", Severity: SevError, Title: "Nothing is listening at that address",
			Detail:   fmt.Sprintf("The computer at %s answered but refused the connection: the service is down, or the port in the URL is wrong.", host),
			Evidence: ev, Steps: []int{StepURL, StepDNS, StepAdmin}})
	case FailTimeout:
		d.add(Finding{ID: "timeout", Severity: SevError, Title: "The server did not answer in time",
			Detail:   "No answer came back before the time limit. A firewall may be silently dropping the connection, the server may be overloaded, or the address may be wrong.",
			Evidence: ev, Steps: []int{StepSecurity, StepDNS, StepAdmin}})
	case FailTLSUntrusted:
		d.add(Finding{ID: "tls-untrusted-certificate", Severity: SevError, Title: "The site's security certificate is not trusted",
			Detail:   "The certificate the server showed is not signed by an authority this computer trusts, has expired, or is for another name. On company networks a security proxy often does this; otherwise it can be an attack. Don't skip the check unless the administrator tells you to.",
			Evidence: ev, Steps: []int{StepSecurity, StepURL, StepAdmin}})
	case FailTLS:
		d.add(Finding{ID: "tls-error", Severity: SevError, Title: "The secure connection could not be set up",
			Detail:   "The TLS handshake failed: the server may not speak https on this port, or something in between interferes.",
			Evidence: ev, Steps: []int{StepURL, StepSecurity, StepAdmin}})
	case FailProxy:
		d.forced = StepSecurity
		d.add(Finding{ID: "proxy-error", Severity: SevError, Title: "The proxy server could not be used",
			Detail:   "The request was meant to go through a proxy, and the proxy could not be reached or refused it.",
			Evidence: ev, Steps: []int{StepSecurity, StepAdmin}})
	default:
		d.add(Finding{ID: "network-error", Severity: SevError, Title: "The connection failed",
			Detail: "The request could not be sent or its answer could not be read.", Evidence: ev, Steps: []int{StepSecurity, StepDNS, StepURL}})
	}
}

// status reports what the final status itself says.
func (d *diag) status() {
	last := d.ex.Last()
	if last == nil || last.Status == 0 {
		return
	}
	s := last.Status
	ev := "HTTP " + StatusText(s) + " from " + d.red.URL(last.URL)
	switch {
	case s == 401:
		if len(last.Header.Values("Www-Authenticate")) == 0 {
			detail := "A 401 answer must say which kind of login the server wants (a WWW-Authenticate header). This one does not, so clients that wait to be asked never send a login. fix401 sends the login details right away, so this alone is not the problem; the administrator should know."
			if d.ex.Facts.Source == "har" {
				detail = "A 401 answer must say which kind of login the server wants (a WWW-Authenticate header). This one does not, so the browser shows no login prompt and the page has to send you to its sign-in itself. Web apps often answer like this; on its own it is not the problem, but the site's administrator should know."
			}
			d.add(Finding{ID: "missing-challenge", Severity: SevWarning, Title: "The server refused without saying how to log in",
				Detail:   detail,
				Evidence: ev + ", no WWW-Authenticate header", Steps: []int{StepAdmin, StepLogin, StepTokens}})
		}
	case s == 403:
		d.forced = StepAdmin
		d.add(Finding{ID: "forbidden", Severity: SevError, Title: "Access is denied (403 Forbidden)",
			Detail:   "403 is not 401: the server is not asking you to log in, it is refusing. If you are logged in, your account lacks permission; if not, a firewall or a rule on the site blocks you. Only the site's administrator can change that.",
			Evidence: ev, Steps: []int{StepAdmin, StepTokens, StepSecurity}})
	case s == 407:
		d.forced = StepSecurity
		detail := "A proxy server between you and the site wants its own login before it passes anything on. This is the proxy, not the site: the site's login is not involved yet."
		if len(d.out.ProxyChallenges) > 0 {
			detail += " The proxy asks for " + schemeList(d.out.ProxyChallenges) + "."
		}
		d.add(Finding{ID: "proxy-auth-required", Severity: SevError, Title: "The proxy wants you to log in (407)",
			Detail: detail, Evidence: ev + proxyEvidence(d.ex.Facts), Steps: []int{StepSecurity, StepLogin, StepAdmin}})
	case s == 404 || s == 410:
		d.forced = StepURL
		d.add(Finding{ID: "not-found", Severity: SevError, Title: "The address does not exist (404)",
			Detail:   "404 is not 401: the server did not ask for a login, it says there is nothing at this address. Check the URL for typos and the right path; some services (GitHub, GitLab) also answer 404 to hide what you may not see without logging in.",
			Evidence: ev, Steps: []int{StepURL, StepLogin, StepTokens}})
	case s == 419 || s == 440:
		d.add(Finding{ID: "session-expired", Severity: SevError, Title: "Your session has expired",
			Detail:   "The site says the session (or its security token) is no longer valid. Log out and back in, and clear the site's cookies if that does not help.",
			Evidence: ev, Steps: []int{StepRelogin, StepCookies}})
	case s == 429:
		d.add(Finding{ID: "rate-limited", Severity: SevWarning, Title: "Too many requests",
			Detail:   "The server is limiting how often you may ask. This is not a login problem; wait a while and try again.",
			Evidence: ev + headerEvidence(last.Header, "Retry-After"), Steps: []int{StepAdmin}})
	case s >= 500 && s != http.StatusNetworkAuthenticationRequired: // 511 is the network's, see intermediaries
		d.forced = StepAdmin
		d.add(Finding{ID: "server-error", Severity: SevError, Title: "The server itself failed (" + StatusText(s) + ")",
			Detail:   "5xx answers mean the site is broken or overloaded, not that your login is wrong. Nothing on your side will fix it; tell the site's administrator, with the time and any request id.",
			Evidence: ev, Steps: []int{StepAdmin}})
	}
}

func proxyEvidence(f Facts) string {
	if f.Proxy == "" {
		return ""
	}
	return ", via proxy " + f.Proxy + " (" + f.ProxySource + ")"
}

func headerEvidence(h http.Header, name string) string {
	if v := h.Get(name); v != "" {
		return ", " + name + ": " + Sanitize(v)
	}
	return ""
}

func schemeList(cs []Challenge) string {
	var names []string
	seen := map[string]bool{}
	for _, c := range cs {
		k := strings.ToLower(c.Scheme)
		if !seen[k] {
			seen[k] = true
			names = append(names, Sanitize(c.Scheme))
		}
	}
	return strings.Join(names, ", ")
}

// credentials reports what was (not) sent and how it was formatted.
func (d *diag) credentials() {
	ex := d.ex
	last := ex.Last()
	if last == nil || len(ex.Hops) == 0 {
		return
	}
	first := ex.Hops[0]
	s := last.Status
	if (s == 401 || s == 403) && len(first.Sent) == 0 && len(ex.Facts.Original) == 0 {
		step := StepLogin
		if wantsBearer(d.out.Challenges) {
			step = StepTokens
		}
		if d.forced == 0 || s == 401 {
			d.forced = step
		}
		detail := "The request carried no password, token, cookie or API key at all."
		if len(d.out.Challenges) > 0 {
			detail += " The server asks for " + plainSchemes(d.out.Challenges) + "."
		}
		d.add(Finding{ID: "no-credentials", Severity: SevError, Title: "No login details were sent",
			Detail: detail, Evidence: "request to " + d.red.URL(first.URL) + " had no Authorization, Cookie, API-key header or token parameter",
			Steps: orderSteps(step, StepLogin, StepTokens)})
	}
	if s == 401 && len(last.Sent) > 0 {
		detail := "Login details were sent (" + credSummary(last.Sent) + ") and the server refused them: they are wrong, expired, or not the kind it accepts."
		steps := []int{StepLogin, StepTokens, StepRelogin}
		if hasKind(last.Sent, CredBearer) || hasKind(last.Sent, CredAPIKeyHeader) || hasKind(last.Sent, CredAPIKeyQuery) {
			steps = []int{StepTokens, StepRelogin, StepLogin}
		} else if onlyCookies(last.Sent) {
			steps = []int{StepRelogin, StepCookies, StepPrivate}
		}
		d.add(Finding{ID: "credentials-rejected", Severity: SevError, Title: "The server refused the login details that were sent",
			Detail: detail, Evidence: "HTTP 401 to a request carrying " + d.credEvidence(last.Sent), Steps: steps})
	}
	// Formatting mistakes in what was given.
	var problems []AuthProblem
	for _, c := range ex.Facts.Original {
		if c.Kind == CredAPIKeyHeader || c.Kind == CredAPIKeyQuery {
			problems = append(problems, InspectToken(c.Value)...)
		} else {
			problems = append(problems, InspectAuthorization(c.Value)...)
		}
	}
	if !ex.Facts.Cleaned {
		for _, v := range first.RequestHeader.Values("Authorization") {
			problems = append(problems, InspectAuthorization(v)...)
		}
	}
	if len(problems) > 0 {
		var kinds, details []string
		for _, p := range problems {
			kinds = append(kinds, p.Kind)
			details = append(details, p.Detail)
		}
		detail := strings.Join(uniq(details), " ")
		if ex.Facts.Cleaned {
			outcome := "and the server answered " + StatusText(s) + "."
			if s > 0 && s < 400 {
				outcome = "and then it worked: the formatting was the whole problem. Fix it where the value comes from."
			}
			detail += " fix401 sent it cleaned up " + outcome
		}
		// Scheme casing and a bare key are only likely problems (some APIs
		// take a bare key); the rest are certain.
		sev := SevWarning
		for _, p := range problems {
			if p.Kind != ProblemSchemeCase && p.Kind != ProblemMissingScheme {
				sev = SevError
			}
		}
		d.add(Finding{ID: "malformed-authorization", Severity: sev, Title: "The login value is badly formatted",
			Detail: detail, Evidence: "problems: " + strings.Join(uniq(kinds), ", "), Steps: []int{StepTokens, StepLogin}})
	}
	// Credentials over plain http.
	for _, h := range ex.Hops {
		u, err := url.Parse(h.URL)
		if err != nil || u.Scheme != "http" || len(h.Sent) == 0 {
			continue
		}
		if h.Status == 0 && h.RemoteAddr == "" {
			continue // no connection was made: nothing left the machine
		}
		sev, detail := SevWarning, "Your login details were sent over plain http://, unencrypted: anyone on the network path could read them. Use the https:// address."
		if isLoopback(u.Hostname()) {
			sev, detail = SevInfo, "Login details were sent over plain http:// to this computer itself (loopback), which does not leave the machine."
		}
		d.add(Finding{ID: "insecure-transport", Severity: sev, Title: "Login details sent without encryption",
			Detail: detail, Evidence: h.Method + " " + d.red.URL(h.URL) + " carried " + d.credEvidence(h.Sent), Steps: []int{StepURL}})
		break
	}
}

func orderSteps(first int, rest ...int) []int {
	out := []int{first}
	for _, s := range rest {
		if s != first {
			out = append(out, s)
		}
	}
	return out
}

func uniq(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func hasKind(cs []Credential, k CredentialKind) bool {
	for _, c := range cs {
		if c.Kind == k {
			return true
		}
	}
	return false
}

func onlyCookies(cs []Credential) bool {
	for _, c := range cs {
		if c.Kind != CredCookie {
			return false
		}
	}
	return len(cs) > 0
}

// credSummary names the credentials in plain words: "a password, 2 cookies".
func credSummary(cs []Credential) string {
	counts := map[string]int{}
	var order []string
	for _, c := range cs {
		var w string
		switch c.Kind {
		case CredBasic:
			w = "a user name and password"
		case CredDigest:
			w = "a Digest login"
		case CredBearer:
			w = "a token"
		case CredCookie:
			w = "cookie"
		case CredAPIKeyHeader, CredAPIKeyQuery:
			w = "an API key"
		case CredProxyAuth:
			w = "a proxy login"
		default:
			w = "an Authorization header"
		}
		if counts[w] == 0 {
			order = append(order, w)
		}
		counts[w]++
	}
	var parts []string
	for _, w := range order {
		if w == "cookie" {
			if counts[w] == 1 {
				parts = append(parts, "1 cookie")
			} else {
				parts = append(parts, fmt.Sprintf("%d cookies", counts[w]))
			}
			continue
		}
		parts = append(parts, w)
	}
	return strings.Join(parts, ", ")
}

// credEvidence names credentials for the expert, masked: "Authorization:
// Bearer ••••x9Kf, cookie sid=••••".
func (d *diag) credEvidence(cs []Credential) string {
	var parts []string
	for _, c := range cs {
		switch c.Kind {
		case CredCookie:
			parts = append(parts, "cookie "+Sanitize(c.Name)+"="+MaskSecret(c.Value))
		case CredAPIKeyQuery:
			parts = append(parts, "query "+Sanitize(c.Name)+"="+MaskSecret(c.Value))
		default:
			parts = append(parts, Sanitize(c.Name)+": "+Sanitize(MaskCredential(c.Value)))
		}
	}
	return strings.Join(parts, ", ")
}

func wantsBearer(cs []Challenge) bool {
	for _, c := range cs {
		if c.Is("Bearer") || c.Is("DPoP") {
			return true
		}
	}
	return false
}

// plainSchemes explains the schemes a server asks for in plain words.
func plainSchemes(cs []Challenge) string {
	var parts []string
	seen := map[string]bool{}
	for _, c := range cs {
		k := strings.ToLower(c.Scheme)
		if seen[k] {
			continue
		}
		seen[k] = true
		parts = append(parts, SchemeInPlainWords(c.Scheme))
	}
	return strings.Join(parts, "; or ")
}

// SchemeInPlainWords explains an authentication scheme to someone who does
// not know what a header is.
func SchemeInPlainWords(scheme string) string {
	switch strings.ToLower(scheme) {
	case "basic":
		return "a user name and password (Basic)"
	case "digest":
		return "a user name and password, sent scrambled (Digest)"
	case "bearer":
		return "an access token, a long code an app or login page gives you (Bearer)"
	case "dpop":
		return "an access token tied to your device's key (DPoP)"
	case "negotiate", "ntlm", "nego2", "kerberos":
		return "your Windows or company sign-in, done automatically by browsers on the company network (" + Sanitize(scheme) + ")"
	case "oauth":
		return "an OAuth sign-in (OAuth)"
	case "aws4-hmac-sha256":
		return "a signed AWS request (SigV4)"
	}
	return "a login of the kind \"" + Sanitize(scheme) + "\", which is not a standard one"
}

// challenges reports what the server's challenges say.
func (d *diag) challenges() {
	last := d.ex.Last()
	if last == nil {
		return
	}
	cs := d.out.Challenges
	s := last.Status
	// Bearer error codes (RFC 6750 §3.1), also carried by DPoP.
	for _, c := range cs {
		if !(c.Is("Bearer") || c.Is("DPoP")) {
			continue
		}
		desc := d.red.Text(c.Param("error_description"))
		ev := "WWW-Authenticate: " + d.red.Text(c.Raw)
		say := func(base string) string {
			if desc != "" {
				return base + " The server says: \u201c" + desc + "\u201d."
			}
			return base
		}
		switch strings.ToLower(c.Param("error")) {
		case "invalid_token":
			d.forced = StepTokens
			d.add(Finding{ID: "bearer-invalid-token", Severity: SevError, Title: "The server says the token is invalid",
				Detail:   say("The access token was refused: it has expired, was revoked, or is not a token this server accepts."),
				Evidence: ev, Steps: []int{StepTokens, StepRelogin}})
		case "insufficient_scope":
			detail := "The token is valid but does not allow this: it lacks a permission (scope)."
			if sc := c.Param("scope"); sc != "" {
				detail += " The server needs: " + d.red.Text(sc) + "."
			}
			d.add(Finding{ID: "bearer-insufficient-scope", Severity: SevError, Title: "The token lacks a permission",
				Detail: say(detail), Evidence: ev, Steps: []int{StepTokens, StepAdmin}})
		case "invalid_request":
			d.add(Finding{ID: "bearer-invalid-request", Severity: SevError, Title: "The server says the request is malformed",
				Detail:   say("The token was sent in a way the server does not accept: missing, sent twice (header and address), or with a wrong parameter."),
				Evidence: ev, Steps: []int{StepTokens, StepURL}})
		case "":
			if s == 401 && !hasKind(last.Sent, CredBearer) && len(last.Sent) > 0 {
				d.add(Finding{ID: "bearer-token-not-seen", Severity: SevWarning, Title: "The server did not find a token where it looks",
					Detail:   "Something was sent, but not as an \u201cAuthorization: Bearer …\u201d token, which is what this server reads. The token may be in the wrong header or place.",
					Evidence: ev, Steps: []int{StepTokens, StepURL}})
			}
		}
	}
	if s != 401 || len(cs) == 0 {
		return
	}
	// What was sent versus what is asked for.
	scheme := sentScheme(last)
	if scheme != "" && !hasScheme(cs, scheme) && !(strings.EqualFold(scheme, "Basic") && hasScheme(cs, "Digest") && d.digestAnswered()) {
		d.add(Finding{ID: "scheme-mismatch", Severity: SevError, Title: "The login was sent in a form the server does not accept",
			Detail:   fmt.Sprintf("It was sent as %s, but the server asks for %s.", SchemeInPlainWords(scheme), plainSchemes(cs)),
			Evidence: "sent " + Sanitize(scheme) + "; WWW-Authenticate offers " + schemeList(cs), Steps: []int{StepTokens, StepLogin}})
	}
	if hasScheme(cs, "Digest") && !strings.EqualFold(scheme, "Digest") {
		d.add(Finding{ID: "digest-required", Severity: SevWarning, Title: "The server wants a Digest login",
			Detail:   "The server asks for a user name and password sent scrambled (Digest). Give them (fix401 -u user) and fix401 answers the challenge itself.",
			Evidence: "WWW-Authenticate: " + d.red.Text(challengeRaw(cs, "Digest")), Steps: []int{StepLogin}})
	}
	if onlyWindowsAuth(cs) {
		d.add(Finding{ID: "negotiate-required", Severity: SevWarning, Title: "The server wants Windows (company) sign-in",
			Detail:   "The server only accepts Windows integrated sign-in (Negotiate/Kerberos or NTLM). Browsers do this automatically on the company network or VPN; tools like fix401 and curl usually cannot. Try the site in a browser on the company network, and ask IT if that fails.",
			Evidence: "WWW-Authenticate: " + schemeList(cs), Steps: []int{StepSecurity, StepLogin, StepAdmin}})
	}
}

func (d *diag) digestAnswered() bool {
	for _, h := range d.ex.Hops {
		if h.DigestRetry {
			return true
		}
	}
	return false
}

func challengeRaw(cs []Challenge, scheme string) string {
	for _, c := range cs {
		if c.Is(scheme) {
			return c.Raw
		}
	}
	return ""
}

func sentScheme(h *Hop) string {
	v := strings.TrimSpace(h.RequestHeader.Get("Authorization"))
	if v == "" {
		return ""
	}
	scheme, _, _ := strings.Cut(v, " ")
	return scheme
}

func hasScheme(cs []Challenge, scheme string) bool {
	_, ok := findChallenge(cs, scheme)
	return ok
}

func onlyWindowsAuth(cs []Challenge) bool {
	if len(cs) == 0 {
		return false
	}
	for _, c := range cs {
		switch strings.ToLower(c.Scheme) {
		case "negotiate", "ntlm", "nego2", "kerberos":
		default:
			return false
		}
	}
	return true
}

// tokens decodes the JWTs among the credentials the request carried.
func (d *diag) tokens() []TokenInfo {
	if len(d.ex.Hops) == 0 {
		return nil
	}
	var out []TokenInfo
	seen := map[string]bool{}
	consider := func(where, v string) {
		if seen[v] {
			return
		}
		if t, err := DecodeJWT(v); err == nil {
			seen[v] = true
			t.Where = where
			out = append(out, t)
		}
	}
	for _, c := range d.ex.Hops[0].Sent {
		switch c.Kind {
		case CredBearer, CredAuthorization:
			consider(Sanitize(c.Name)+": "+firstWord(c.Value), c.Value)
		case CredCookie:
			consider("cookie "+Sanitize(c.Name), c.Value)
		case CredAPIKeyHeader:
			consider("header "+Sanitize(c.Name), c.Value)
		case CredAPIKeyQuery:
			consider("query parameter "+Sanitize(c.Name), c.Value)
		}
	}
	return out
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	return Sanitize(w)
}

// tokenFindings judges token times against the server's clock and the
// local one.
func (d *diag) tokenFindings() {
	serverNow := d.out.ServerDate
	localNow := d.ex.Facts.Now
	ref := serverNow
	refName := "the server's clock"
	if ref.IsZero() {
		ref, refName = localNow, "this computer's clock"
	}
	if ref.IsZero() {
		return
	}
	last := d.ex.Last()
	refused := last != nil && last.Status >= 400
	// The token goes first only when the site itself refused the request
	// (a 4xx): not when nothing answered, a proxy stopped it (407), or the
	// server failed (5xx): those rules' steps come first.
	siteRefused := refused && last.Status < 500 && last.Status != http.StatusProxyAuthRequired
	for _, t := range d.out.Tokens {
		if t.ExpiredAt(ref) {
			if siteRefused {
				d.forced = StepTokens
			}
			sev := SevError
			if !refused {
				sev = SevWarning
			}
			detail := fmt.Sprintf("The token (%s) %s by %s (it expired %s UTC).", t.Where, t.HumanExpiry(ref), refName, t.Expires.UTC().Format("2006-01-02 15:04:05"))
			if !serverNow.IsZero() && !localNow.IsZero() && localNow.Before(t.Expires) {
				detail += " By this computer's clock it would still be valid: the clocks disagree, and the server's is the one that counts."
			}
			detail += " Get a fresh token (log in again, or refresh it)."
			d.add(Finding{ID: "token-expired", Severity: sev, Title: "The token has expired",
				Detail: detail, Evidence: fmt.Sprintf("exp=%d (%s), reference %s", t.Expires.Unix(), t.Expires.UTC().Format(time.RFC3339), ref.UTC().Format(time.RFC3339)),
				Steps: []int{StepTokens, StepRelogin}})
		}
		if t.NotYetValidAt(ref) {
			d.add(Finding{ID: "token-not-yet-valid", Severity: SevError, Title: "The token is not valid yet",
				Detail:   fmt.Sprintf("The token (%s) only becomes valid at %s UTC by %s. The clocks of the service that issued it and of this server disagree; wait a moment, and tell the administrator if it persists.", t.Where, t.NotBefore.UTC().Format("2006-01-02 15:04:05"), refName),
				Evidence: fmt.Sprintf("nbf=%d, reference %s", t.NotBefore.Unix(), ref.UTC().Format(time.RFC3339)), Steps: []int{StepSecurity, StepAdmin, StepTokens}})
		}
	}
}

// clock compares the server's Date with the local clock.
func (d *diag) clock() {
	if d.out.ServerDate.IsZero() || d.ex.Facts.Now.IsZero() {
		return
	}
	skew := d.out.Skew
	if skew < 0 {
		skew = -skew
	}
	if skew <= SkewLimit {
		return
	}
	dir := "ahead of"
	if d.out.Skew < 0 {
		dir = "behind"
	}
	d.add(Finding{ID: "clock-skew", Severity: SevWarning, Title: "This computer's clock is off",
		Detail:   fmt.Sprintf("The server's clock is %s %s this computer's. Logins that are signed or time-limited (tokens, one-time codes, cloud requests) fail when clocks disagree by more than a minute or so. Set the clock to update automatically.", humanDuration(skew), dir),
		Evidence: fmt.Sprintf("Date: %s; local %s", d.out.ServerDate.Format(http.TimeFormat), d.ex.Facts.Now.UTC().Format(http.TimeFormat)), Steps: []int{StepSecurity, StepTokens}})
}

// humanDuration says d in its largest sensible unit, rounded to the
// nearest one: a Date header has one-second resolution, so a clock an hour
// off measures as 59m59s and must still read "1 hour".
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return plural(int(d.Round(time.Second).Seconds()), "second")
	case d < time.Hour-30*time.Second:
		return plural(int(d.Round(time.Minute).Minutes()), "minute")
	case d < 47*time.Hour+30*time.Minute:
		return plural(int(d.Round(time.Hour).Hours()), "hour")
	}
	return plural(int((d+12*time.Hour)/(24*time.Hour)), "day")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// redirects reports what happened along the chain.
func (d *diag) redirects() {
	ex := d.ex
	last := ex.Last()
	if last == nil {
		return
	}
	if ex.TooManyRedirects {
		d.forced = StepURL
		d.add(Finding{ID: "too-many-redirects", Severity: SevError, Title: "The server keeps redirecting",
			Detail:   fmt.Sprintf("After %d redirects the server still had not answered. The redirects go in a loop, often between a login page and the page you asked for, which stale cookies cause.", len(ex.Hops)-1),
			Evidence: "last Location: " + d.red.URL(last.Location), Steps: []int{StepCookies, StepURL, StepPrivate}})
	}
	for i, h := range ex.Hops {
		if len(h.Dropped) == 0 {
			continue
		}
		refused := last.Status == 401 || last.Status == 403
		sev := SevWarning
		if refused {
			sev = SevError
		}
		var names []string
		for _, dr := range h.Dropped {
			names = append(names, credSummary([]Credential{dr.Credential}))
		}
		from := ex.Hops[i-1].URL
		detail := fmt.Sprintf("The address redirects from %s to %s, another host, and the login details (%s) were not sent there: clients drop them on purpose so they do not leak to other sites.", hostOf(from), hostOf(h.URL), strings.Join(uniq(names), ", "))
		if refused {
			detail += " That is why this host refused. Use the final address directly: " + d.red.URL(h.URL)
		}
		d.add(Finding{ID: "credentials-dropped-on-redirect", Severity: sev, Title: "A redirect dropped your login details",
			Detail: detail, Evidence: fmt.Sprintf("hop %d: %s → %s; dropped %s", i, d.red.URL(from), d.red.URL(h.URL), d.credEvidence(dropCreds(h.Dropped))),
			Steps: []int{StepURL, StepTokens}})
		break
	}
	for i, h := range ex.Hops[:len(ex.Hops)-1] {
		next := ex.Hops[i+1]
		if h.Method == http.MethodPost && next.Method == http.MethodGet {
			d.add(Finding{ID: "method-changed-on-redirect", Severity: SevWarning, Title: "A redirect turned the POST into a GET",
				Detail:   "The server answered the POST with a redirect (" + StatusText(h.Status) + "), and the follow-up was sent as a GET without the data, as every client does. Post to the final address instead.",
				Evidence: fmt.Sprintf("hop %d: POST %s → %d → GET %s", i, d.red.URL(h.URL), h.Status, d.red.URL(next.URL)), Steps: []int{StepURL}})
		}
		if isLoginURL(next.URL) && !isLoginURL(ex.Hops[0].URL) {
			d.add(Finding{ID: "redirect-to-login", Severity: SevWarning, Title: "You were sent to a login page",
				Detail:   "The server redirected to a sign-in page (" + hostOf(next.URL) + ") instead of answering: it wants a browser login (single sign-on), not a password or token in the request.",
				Evidence: fmt.Sprintf("hop %d Location: %s", i, d.red.URL(h.Location)), Steps: []int{StepRelogin, StepTokens, StepAdmin}})
		}
	}
}

func dropCreds(ds []Drop) []Credential {
	var out []Credential
	for _, d := range ds {
		out = append(out, d.Credential)
	}
	return out
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return Sanitize(raw)
	}
	return Sanitize(u.Host)
}

var loginHosts = []string{"login.microsoftonline.com", "accounts.google.com", "login.live.com", "cloudflareaccess.com", "amazoncognito.com", "okta.com", "auth0.com", "onelogin.com"}

func isLoginURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	for _, l := range loginHosts {
		if h == l || strings.HasSuffix(h, "."+l) {
			return true
		}
	}
	p := strings.ToLower(u.Path)
	for _, seg := range []string{"/login", "/signin", "/sign-in", "/sign_in", "/oauth2/authorize", "/oauth2/authorization", "/saml", "/sso", "/cdn-cgi/access/login", "/auth/realms/"} {
		if strings.Contains(p, seg) {
			return true
		}
	}
	return false
}

// cookies reports expired cookies: in the person's cookie file, and those
// the server expired in its answer.
func (d *diag) cookies() {
	ex := d.ex
	if len(ex.Hops) == 0 {
		return
	}
	u, err := url.Parse(ex.Hops[0].URL)
	if err != nil {
		return
	}
	now := ex.Facts.Now
	if now.IsZero() {
		now = ex.Hops[0].Start
	}
	_, expired := CookiesFor(ex.Facts.Cookies, u, now)
	if len(expired) > 0 {
		var names []string
		for _, c := range expired {
			names = append(names, fmt.Sprintf("%s (expired %s)", Sanitize(c.Name), c.Expires.UTC().Format("2006-01-02 15:04 UTC")))
		}
		f := Finding{ID: "cookie-expired", Severity: SevError, Title: "Your saved login cookie has expired",
			Detail:   "The cookie file has cookies for this site that have expired, so they were not sent: " + strings.Join(names, ", ") + ". Log in again in the browser and export the cookies anew.",
			Evidence: "cookie file: " + Sanitize(strings.Join(names, "; ")), Steps: []int{StepRelogin, StepCookies}}
		if ex.Facts.Source == "har" {
			f.Title = "Your login cookie had expired"
			f.Detail = "The site set cookies earlier in this recording that had expired by the time of this request, so the browser no longer sent them: " + strings.Join(names, ", ") + ". The session is over: log out and back in."
			f.Evidence = "cookies set earlier in the HAR: " + Sanitize(strings.Join(names, "; "))
		}
		d.add(f)
		return
	}
	last := ex.Last()
	if last == nil || last.Status < 400 {
		return
	}
	for _, sc := range last.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(sc)
		if err != nil {
			continue
		}
		if c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(now)) {
			d.add(Finding{ID: "cookie-expired", Severity: SevWarning, Title: "The server ended your session",
				Detail:   fmt.Sprintf("Along with the refusal, the server told the client to delete its cookie %q: the session it belonged to is over. Log in again.", Sanitize(c.Name)),
				Evidence: "Set-Cookie: " + d.red.Header("Set-Cookie", sc), Steps: []int{StepRelogin, StepCookies}})
			return
		}
	}
}

// wafSignature is a firewall or bot-protection signature in a response.
type wafSignature struct {
	name  string
	match func(h *Hop, body string) bool
}

var wafSignatures = []wafSignature{
	{"Cloudflare challenge", func(h *Hop, body string) bool {
		return h.Header.Get("Cf-Mitigated") != "" ||
			(h.Header.Get("Cf-Ray") != "" && (h.Status == 403 || h.Status == 503) &&
				(strings.Contains(body, "challenge-platform") || strings.Contains(body, "Attention Required") || strings.Contains(body, "Just a moment")))
	}},
	{"Akamai", func(h *Hop, body string) bool {
		return strings.Contains(strings.ToLower(h.Header.Get("Server")), "akamaighost") && strings.Contains(body, "Access Denied")
	}},
	{"AWS WAF", func(h *Hop, body string) bool {
		return h.Status == 403 && (h.Header.Get("X-Amzn-Waf-Action") != "" || strings.Contains(body, "Request blocked.") && strings.Contains(body, "cloudfront"))
	}},
	{"F5 BIG-IP ASM", func(h *Hop, body string) bool {
		return strings.Contains(body, "The requested URL was rejected. Please consult with your administrator.")
	}},
	{"Sucuri", func(h *Hop, body string) bool {
		return h.Header.Get("X-Sucuri-Id") != "" || strings.Contains(body, "Sucuri WebSite Firewall")
	}},
	{"Imperva Incapsula", func(h *Hop, body string) bool {
		return h.Header.Get("X-Iinfo") != "" || strings.Contains(body, "Incapsula incident ID")
	}},
	{"ModSecurity", func(h *Hop, body string) bool {
		return h.Status == 403 && strings.Contains(body, "ModSecurity")
	}},
}

// intermediaries reports firewalls and captive portals.
func (d *diag) intermediaries() {
	last := d.ex.Last()
	if last == nil || last.Status == 0 {
		return
	}
	body := string(last.Body)
	for _, w := range wafSignatures {
		if w.match(last, body) {
			id := requestID(last.Header)
			detail := "A web firewall or bot protection (" + w.name + ") in front of the site blocked the request before the site saw your login. A private window or another network sometimes passes; otherwise the site's administrator has to let you through"
			if id != "" {
				detail += ": give them the reference " + id
			}
			d.add(Finding{ID: "waf-block", Severity: SevError, Title: "A firewall in front of the site blocked you",
				Detail: detail + ".", Evidence: w.name + " signature in the " + StatusText(last.Status) + " answer", Steps: []int{StepPrivate, StepAddons, StepSecurity, StepAdmin}})
			if last.Status != 401 {
				d.forced = StepPrivate
			}
			break
		}
	}
	if last.Status == http.StatusNetworkAuthenticationRequired {
		d.forced = StepSecurity
		d.add(Finding{ID: "captive-portal", Severity: SevError, Title: "The network wants you to sign in",
			Detail: "This network (hotel, airport, guest Wi-Fi) requires signing in on its own page before anything else works. Open any web page in a browser to get its sign-in page.",
			Steps:  []int{StepSecurity}})
	}
}

// requestID returns a request id the administrator can search logs for.
func requestID(h http.Header) string {
	ids := RequestIDs(h)
	if len(ids) == 0 {
		return ""
	}
	return strings.Replace(ids[0], ": ", " ", 1)
}

// RequestIDs lists the request ids in a response, for the administrator.
func RequestIDs(h http.Header) []string {
	var out []string
	for _, n := range []string{"X-Request-Id", "Cf-Ray", "X-Amzn-Requestid", "X-Amz-Cf-Id", "X-Amz-Apigw-Id", "X-Github-Request-Id", "Request-Id", "Client-Request-Id", "X-Correlation-Id", "X-Reference-Error", "Apigw-Requestid", "Audit-Id", "X-Iinfo", "X-Sucuri-Id", "X-Trace-Id", "Traceparent"} {
		if v := h.Get(n); v != "" {
			out = append(out, n+": "+Sanitize(v))
		}
	}
	return out
}

// local reports local facts: hosts-file entries and proxies.
func (d *diag) local() {
	f := d.ex.Facts
	if len(f.Hosts) > 0 {
		e := f.Hosts[0]
		sev := SevWarning
		detail := fmt.Sprintf("This computer's hosts file (%s, line %d) sends this site's name to %s, whatever the real address is. If the site moved, you are talking to the wrong server. Remove or fix that line (administrator rights needed) unless you put it there on purpose.", Sanitize(e.File), e.Line, Sanitize(e.IP))
		if ip := net.ParseIP(e.IP); ip != nil && ip.IsLoopback() && len(d.ex.Hops) > 0 && isLoopback(hostOf(d.ex.Hops[0].URL)) {
			sev = SevInfo
			detail = fmt.Sprintf("The hosts file (%s, line %d) maps this name to %s, this computer itself, as usual for local names.", Sanitize(e.File), e.Line, Sanitize(e.IP))
		}
		d.add(Finding{ID: "hosts-override", Severity: sev, Title: "The hosts file decides where this name goes",
			Detail: detail, Evidence: Sanitize(e.Text), Steps: []int{StepDNS, StepURL}})
	}
	if f.Proxy != "" && d.out.Verdict != VerdictOK {
		d.add(Finding{ID: "proxy-in-use", Severity: SevInfo, Title: "The request went through a proxy",
			Detail:   "A proxy server (" + Sanitize(f.Proxy) + ", from " + Sanitize(f.ProxySource) + ") sits between you and the site. Some proxies change or strip login details; a re-test without it tells.",
			Evidence: "proxy " + Sanitize(f.Proxy), Steps: []int{StepSecurity}})
	}
}

// IsLoopback reports whether a host name or address stays on this
// computer: localhost, *.localhost, or a loopback address.
func IsLoopback(host string) bool { return isLoopback(host) }

func isLoopback(host string) bool {
	h := strings.ToLower(host)
	// Split off a port first: "localhost:8080" is loopback too.
	if hst, _, err := net.SplitHostPort(h); err == nil {
		h = hst
	}
	h = strings.Trim(h, "[]")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

var sevRank = map[Severity]int{SevError: 0, SevWarning: 1, SevInfo: 2}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool { return sevRank[fs[i].Severity] < sevRank[fs[j].Severity] })
}

// RecommendOrder orders all ten steps the way a help-desk expert would:
// the step the rules put first (0 for none), then the steps the findings
// point at, weighted by severity and by how early each finding lists them,
// then the rest in their usual order.
func RecommendOrder(findings []Finding, first int) []int {
	score := map[int]float64{}
	for _, f := range findings {
		w := map[Severity]float64{SevError: 9, SevWarning: 3, SevInfo: 1}[f.Severity]
		for i, s := range f.Steps {
			if s >= 1 && s <= 10 {
				score[s] += w / float64(i+1)
			}
		}
	}
	steps := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	sort.SliceStable(steps, func(i, j int) bool {
		a, b := steps[i], steps[j]
		if (a == first) != (b == first) {
			return a == first
		}
		return score[a] > score[b]
	})
	return steps
}

var stepTitles = [...]string{"",
	"Confirm your login information",
	"Empty cookies and cache",
	"Log out and back in",
	"Verify the URL",
	"Clear the DNS cache",
	"Turn off browser add-ons",
	"Try a private window",
	"Check security and firewall settings",
	"Contact the site administrator",
	"Check API tokens",
}

// StepTitle is the title of fix step n (1–10), "" for any other n.
func StepTitle(n int) string {
	if n < 1 || n > 10 {
		return ""
	}
	return stepTitles[n]
}
