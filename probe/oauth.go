package probe

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// The environment variables RefreshConfigFromEnv reads.
const (
	EnvTokenURL     = "FIX401_TOKEN_URL"
	EnvClientID     = "FIX401_CLIENT_ID"
	EnvClientSecret = "FIX401_CLIENT_SECRET"
	EnvRefreshToken = "FIX401_REFRESH_TOKEN"
	EnvScope        = "FIX401_SCOPE"
)

// RefreshConfig is what an OAuth 2.0 refresh (RFC 6749 §6) needs. The
// secrets in it are kept whole in memory only: its String, GoString and
// Format methods mask them.
type RefreshConfig struct {
	// TokenURL is the authorization server's token endpoint.
	TokenURL string
	// ClientID identifies the application; ClientSecret is empty for a
	// public client.
	ClientID     string
	ClientSecret string
	// RefreshToken is the long-lived token to trade for a new access token.
	RefreshToken string
	// Scopes, when given, ask for a narrower scope than the original grant
	// (RFC 6749 §6); empty keeps the original scope.
	Scopes []string
	// Insecure skips TLS certificate verification (curl's -k).
	Insecure bool
	// Proxy is a proxy URL (http, https, socks5); empty means the
	// environment's proxy settings, as for Request.Proxy.
	Proxy string
	// Timeout bounds the whole refresh; 0 means DefaultTimeout.
	Timeout time.Duration
}

// RefreshConfigFromEnv reads FIX401_TOKEN_URL, FIX401_CLIENT_ID,
// FIX401_CLIENT_SECRET, FIX401_REFRESH_TOKEN and FIX401_SCOPE (scopes
// separated by spaces) through getenv; nil means os.Getenv. Surrounding
// white space is trimmed, as a value read with $(cat file) ends in a line
// break.
func RefreshConfigFromEnv(getenv func(string) string) RefreshConfig {
	if getenv == nil {
		getenv = os.Getenv
	}
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	var scopes []string
	if f := strings.Fields(getenv(EnvScope)); len(f) > 0 {
		scopes = f
	}
	return RefreshConfig{
		TokenURL:     get(EnvTokenURL),
		ClientID:     get(EnvClientID),
		ClientSecret: get(EnvClientSecret),
		RefreshToken: get(EnvRefreshToken),
		Scopes:       scopes,
	}
}

// Secrets returns the secrets the configuration holds (client secret and
// refresh token), for building a Redactor.
func (c RefreshConfig) Secrets() []string {
	s := nonEmpty(c.ClientSecret, c.RefreshToken)
	if pu, err := parseProxy(c.Proxy); err == nil && pu.User != nil {
		if pw, ok := pu.User.Password(); ok && pw != "" {
			s = append(s, pw)
		}
	}
	return s
}

// String shows the configuration with its secrets masked.
func (c RefreshConfig) String() string {
	s := fmt.Sprintf("token URL %s, client id %q", NewRedactor(c.Secrets()...).URL(c.TokenURL), Sanitize(c.ClientID))
	if c.ClientSecret != "" {
		s += ", client secret " + MaskSecret(c.ClientSecret)
	}
	if c.RefreshToken != "" {
		s += ", refresh token " + MaskSecret(c.RefreshToken)
	}
	if len(c.Scopes) > 0 {
		s += fmt.Sprintf(", scope %q", Sanitize(strings.Join(c.Scopes, " ")))
	}
	if c.Proxy != "" {
		s += ", proxy " + NewRedactor(c.Secrets()...).URL(c.Proxy)
	}
	return s
}

// GoString is String, so that %#v masks the secrets too.
func (c RefreshConfig) GoString() string { return "probe.RefreshConfig{" + c.String() + "}" }

// Format masks the secrets for every verb.
func (c RefreshConfig) Format(f fmt.State, verb rune) {
	formatMasked(f, verb, c.String(), c.GoString())
}

// Validate reports whether the configuration can be used, as an
// InputError in plain words.
func (c RefreshConfig) Validate() error {
	_, err := c.prepare()
	return err
}

// prepare validates the configuration and returns it trimmed, with the
// token URL parsed.
func (c RefreshConfig) prepare() (RefreshConfig, error) {
	c.TokenURL = strings.TrimSpace(c.TokenURL)
	c.ClientID = strings.TrimSpace(c.ClientID)
	c.ClientSecret = strings.TrimSpace(c.ClientSecret)
	c.RefreshToken = strings.TrimSpace(c.RefreshToken)
	if c.TokenURL == "" {
		return c, Inputf("no token URL given: it is the address the application gets its tokens from, often ending in /token (set %s)", EnvTokenURL)
	}
	u, err := ParseURL(c.TokenURL)
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			return c, Inputf("token URL: %s", NewRedactor(c.Secrets()...).Text(ie.Msg))
		}
		return c, err
	}
	if u.User != nil {
		return c, Inputf("the token URL must not contain a user name or password: give them as the client id and secret")
	}
	if c.RefreshToken == "" {
		return c, Inputf("no refresh token given (set %s or type it in)", EnvRefreshToken)
	}
	if strings.ContainsFunc(c.RefreshToken, isSpaceOrControl) {
		return c, Inputf("the refresh token contains spaces or line breaks: copy it again, whole and on one line")
	}
	if strings.ContainsFunc(c.ClientSecret, isControl) {
		return c, Inputf("the client secret contains line breaks or control characters: copy it again")
	}
	if strings.ContainsFunc(c.ClientID, isControl) {
		return c, Inputf("the client id contains line breaks or control characters: copy it again")
	}
	if c.Proxy != "" {
		if _, err := parseProxy(c.Proxy); err != nil {
			return c, err
		}
	}
	switch {
	case c.Timeout < 0:
		return c, Inputf("the time limit cannot be negative (%v)", c.Timeout)
	case c.Timeout == 0:
		c.Timeout = DefaultTimeout
	}
	return c, nil
}

func isSpaceOrControl(r rune) bool { return r == ' ' || isControl(r) }

// RefreshedToken is the outcome of a successful refresh. The tokens are kept
// whole in memory only: String, GoString, Format and MarshalJSON mask them.
type RefreshedToken struct {
	// AccessToken is the new access token.
	AccessToken string
	// RefreshToken is the new refresh token when the server rotated it, and
	// empty when the old one stays valid.
	RefreshToken string
	// TokenType is as the server named it, "Bearer" when it named none.
	TokenType string
	// Expiry is when the access token expires; zero when the server did
	// not say.
	Expiry time.Time
	// Scope is the granted scope when the server stated it.
	Scope string
}

// Secrets returns the tokens, for building a Redactor.
func (t RefreshedToken) Secrets() []string { return nonEmpty(t.AccessToken, t.RefreshToken) }

// Rotated reports whether the server issued a new refresh token (which
// must replace the old one: the old one may no longer work).
func (t RefreshedToken) Rotated() bool { return t.RefreshToken != "" }

// String shows the token masked: "Bearer ••••x9Kf, expires 2026-…".
func (t RefreshedToken) String() string {
	typ := t.TokenType
	if typ == "" {
		typ = "Bearer"
	}
	s := Sanitize(typ) + " " + MaskSecret(t.AccessToken)
	if !t.Expiry.IsZero() {
		s += ", expires " + t.Expiry.Format(time.RFC3339)
	}
	if t.Scope != "" {
		s += fmt.Sprintf(", scope %q", Sanitize(t.Scope))
	}
	if t.Rotated() {
		s += ", new refresh token " + MaskSecret(t.RefreshToken)
	}
	return s
}

// GoString is String, so that %#v masks the tokens too.
func (t RefreshedToken) GoString() string { return "probe.RefreshedToken{" + t.String() + "}" }

// Format masks the tokens for every verb.
func (t RefreshedToken) Format(f fmt.State, verb rune) {
	formatMasked(f, verb, t.String(), t.GoString())
}

// MarshalJSON writes the token masked, for reports.
func (t RefreshedToken) MarshalJSON() ([]byte, error) {
	out := struct {
		AccessToken  string     `json:"access_token"`
		TokenType    string     `json:"token_type"`
		Expiry       *time.Time `json:"expiry,omitempty"`
		Scope        string     `json:"scope,omitempty"`
		RefreshToken string     `json:"refresh_token,omitempty"`
	}{MaskSecret(t.AccessToken), Sanitize(t.TokenType), nil, Sanitize(t.Scope), MaskSecret(t.RefreshToken)}
	if !t.Expiry.IsZero() {
		out.Expiry = &t.Expiry
	}
	return json.Marshal(out)
}

// Apply returns a copy of req that sends the new access token, for the
// re-test after a refresh. The token goes in Request.Bearer, which
// replaces any Authorization header the request had; a token type other
// than Bearer (such as "MAC" or "DPoP") is sent with its own scheme.
func (t RefreshedToken) Apply(req Request) Request {
	req.Headers = append([]Field(nil), req.Headers...)
	typ := strings.TrimSpace(t.TokenType)
	if typ == "" || strings.EqualFold(typ, "bearer") || !isToken(typ) {
		req.Bearer = t.AccessToken
		return req
	}
	req.Bearer = ""
	kept := req.Headers[:0]
	for _, h := range req.Headers {
		if !strings.EqualFold(strings.TrimSpace(h.Name), "Authorization") {
			kept = append(kept, h)
		}
	}
	req.Headers = append(kept, Field{Name: "Authorization", Value: typ + " " + t.AccessToken})
	return req
}

// formatMasked writes s (or gs for %#v) for any verb, so that no verb can
// reach the unmasked fields.
func formatMasked(f fmt.State, verb rune, s, gs string) {
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprint(f, gs)
	case verb == 'q':
		fmt.Fprintf(f, "%q", s)
	default:
		fmt.Fprint(f, s)
	}
}

// RefreshError explains a failed refresh in plain words. Nothing in it
// holds a secret: the server's description is redacted (servers do echo
// the client secret or token back) and sanitized.
type RefreshError struct {
	// Code is the OAuth error code (RFC 6749 §5.2: invalid_grant,
	// invalid_client, unauthorized_client, invalid_scope,
	// unsupported_grant_type, invalid_request, and the non-standard but
	// common temporarily_unavailable and server_error) as the server sent
	// it; "" when the server sent none or nothing answered.
	Code string
	// Description is the server's error_description, or the title of the
	// page it answered with; redacted and sanitized.
	Description string
	// URI is the server's error_uri (a page explaining the error), sanitized.
	URI string
	// Plain is a sentence or two for people: what it means and what to do.
	Plain string
	// Status is the HTTP status of the token endpoint's answer, 0 when
	// nothing answered.
	Status int
	// Kind is set when nothing usable answered (a transport failure).
	Kind FailureKind
	// Steps are the fix steps (1–10) that address it, best first; empty
	// when the refresh was cancelled.
	Steps []int
	// Err is the transport error, if that is what failed; nil when the
	// server refused (its raw answer may echo secrets, so it is not kept).
	Err error
}

// Error is one line: what failed, the code and the server's words.
func (e *RefreshError) Error() string {
	var b strings.Builder
	b.WriteString("probe: token refresh failed")
	switch {
	case e.Code != "":
		b.WriteString(": " + Sanitize(e.Code))
	case e.Kind != "":
		b.WriteString(": " + string(e.Kind))
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	return b.String()
}

// GoString shows the fields that are safe to show.
func (e *RefreshError) GoString() string {
	return fmt.Sprintf("&probe.RefreshError{Code:%q, Status:%d, Kind:%q, Description:%q, URI:%q, Plain:%q}",
		e.Code, e.Status, e.Kind, e.Description, e.URI, e.Plain)
}

// Unwrap returns the transport error, if any.
func (e *RefreshError) Unwrap() error { return e.Err }

// Refresh trades cfg.RefreshToken for a new access token at cfg.TokenURL
// with golang.org/x/oauth2 (RFC 6749 §6). The client id and secret are
// sent the way the server accepts (HTTP Basic first, then form fields, as
// golang.org/x/oauth2 probes). Redirects are not followed: a token
// endpoint that redirects is the wrong URL, and following it would resend
// the secrets elsewhere. The error is an InputError for a configuration
// that cannot be used and a *RefreshError for everything else.
func Refresh(ctx context.Context, cfg RefreshConfig) (RefreshedToken, error) {
	cfg, err := cfg.prepare()
	if err != nil {
		return RefreshedToken{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	tr := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DisableKeepAlives:      true, // a fix (DNS, proxy) must show in the next try
		ForceAttemptHTTP2:      true,
		TLSClientConfig:        &tls.Config{InsecureSkipVerify: cfg.Insecure}, //nolint:gosec // the person asked for -k
		MaxResponseHeaderBytes: maxHeaderBytes,
		TLSHandshakeTimeout:    cfg.Timeout,
		ResponseHeaderTimeout:  cfg.Timeout,
		DialContext:            (&net.Dialer{Timeout: cfg.Timeout}).DialContext,
	}
	if cfg.Proxy != "" {
		pu, _ := parseProxy(cfg.Proxy)
		tr.Proxy = http.ProxyURL(pu)
	}
	defer tr.CloseIdleConnections()
	rec := &answerRecorder{next: tr}
	client := &http.Client{
		Transport:     rec,
		Timeout:       cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	octx := context.WithValue(ctx, oauth2.HTTPClient, client)
	conf := &oauth2.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		Endpoint:     oauth2.Endpoint{TokenURL: cfg.TokenURL, AuthStyle: oauth2.AuthStyleAutoDetect},
	}

	var tok *oauth2.Token
	if len(cfg.Scopes) == 0 {
		tok, err = conf.TokenSource(octx, &oauth2.Token{RefreshToken: cfg.RefreshToken, Expiry: time.Unix(1, 0)}).Token()
	} else {
		// The TokenSource path cannot send a scope. Exchange can, with its
		// grant overridden; the empty "code" it adds must be treated as
		// omitted (RFC 6749 §3.2).
		tok, err = conf.Exchange(octx, "",
			oauth2.SetAuthURLParam("grant_type", "refresh_token"),
			oauth2.SetAuthURLParam("refresh_token", cfg.RefreshToken),
			oauth2.SetAuthURLParam("scope", strings.Join(cfg.Scopes, " ")))
	}
	red := NewRedactor(cfg.Secrets()...)
	if tok != nil {
		red.Add(tok.AccessToken, tok.RefreshToken)
	}
	if err != nil {
		return RefreshedToken{}, refreshError(ctx, err, rec.last(), red, cfg)
	}
	out := RefreshedToken{AccessToken: tok.AccessToken, TokenType: tok.Type(), Expiry: tok.Expiry}
	if tok.RefreshToken != "" && tok.RefreshToken != cfg.RefreshToken {
		out.RefreshToken = tok.RefreshToken
	}
	if s, ok := tok.Extra("scope").(string); ok {
		out.Scope = s
	}
	return out, nil
}

// answer is what the token endpoint last answered, recorded beside
// golang.org/x/oauth2, which keeps only part of it.
type answer struct {
	status      int
	contentType string
	location    string
}

// answerRecorder wraps the real transport and notes each answer's status
// and headers.
type answerRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	ans  *answer
}

func (a *answerRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := a.next.RoundTrip(r)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		a.ans = nil
		return res, err
	}
	a.ans = &answer{status: res.StatusCode, contentType: res.Header.Get("Content-Type"), location: res.Header.Get("Location")}
	return res, nil
}

func (a *answerRecorder) last() *answer {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ans
}

// refreshError turns what golang.org/x/oauth2 returned into a RefreshError.
func refreshError(ctx context.Context, err error, ans *answer, red *Redactor, cfg RefreshConfig) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		e := &RefreshError{
			Code:        clipRunes(Sanitize(strings.TrimSpace(re.ErrorCode)), 60),
			Description: clipRunes(red.Text(strings.TrimSpace(re.ErrorDescription)), 300),
			URI:         safeURI(re.ErrorURI, cfg.TokenURL, red),
		}
		if re.Response != nil {
			e.Status = re.Response.StatusCode
		}
		ct := ""
		if ans != nil {
			ct = ans.contentType
		}
		if e.Code == "" && e.Description == "" {
			e.Description = clipRunes(red.Text(bodyGist(re.Body, ct)), 200)
		}
		explainRefusal(e, ans, ct, red)
		return e
	}
	if ans == nil || ctx.Err() != nil {
		// Nothing answered: the network, TLS, a proxy or the time limit.
		f := classify(ctx, err)
		e := &RefreshError{Kind: f.Kind, Err: err, Description: clipRunes(red.Text(f.Message), 300)}
		host := hostOf(cfg.TokenURL)
		switch {
		case errors.Is(err, context.Canceled):
			e.Plain = "The refresh was cancelled before the token endpoint answered."
			return e
		}
		switch f.Kind {
		case FailTimeout:
			e.Plain = fmt.Sprintf("The token endpoint at %s did not answer within %v. It may be down or blocked by a firewall or proxy; try again later, or check your network settings.", Sanitize(host), cfg.Timeout)
			e.Steps = []int{8, 9}
		case FailDNS:
			e.Plain = fmt.Sprintf("The name %s of the token URL could not be found. Check the token URL for typos; if it is right, clear the DNS cache.", Sanitize(host))
			e.Steps = []int{4, 5}
		case FailRefused:
			e.Plain = fmt.Sprintf("Nothing is accepting connections at %s. Check the token URL (host and port); the login server may also be down.", Sanitize(host))
			e.Steps = []int{4, 9}
		case FailTLSUntrusted:
			e.Plain = fmt.Sprintf("The token endpoint's certificate is not trusted, so fix401 did not send the secrets to %s. A company proxy or antivirus may be intercepting HTTPS.", Sanitize(host))
			e.Steps = []int{8, 4}
		case FailTLS:
			e.Plain = fmt.Sprintf("The secure connection to %s failed. Check that the token URL starts with the right scheme (https or http) and port.", Sanitize(host))
			e.Steps = []int{4, 8}
		case FailProxy:
			e.Plain = "The proxy refused or failed to reach the token endpoint. Check the proxy settings."
			e.Steps = []int{8}
		default:
			e.Plain = fmt.Sprintf("The token endpoint at %s could not be reached. Check your network connection and the token URL.", Sanitize(host))
			e.Steps = []int{8, 4}
		}
		return e
	}
	// The server answered, but not with a token or an OAuth error.
	e := &RefreshError{Status: ans.status}
	msg := err.Error()
	switch {
	case isHTMLType(ans.contentType):
		e.Plain = "The token URL answered with a web page, not with a token. It is probably not the token endpoint: look for the \"token_endpoint\" in the server's /.well-known/openid-configuration, or ask the site's administrators."
		e.Steps = []int{4, 9}
	case strings.Contains(msg, "missing access_token"):
		e.Plain = "The token endpoint answered without an access token. It may not support refresh tokens for this application; log in again, or ask the site's administrators."
		e.Steps = []int{3, 9}
	default:
		e.Plain = "The token endpoint's answer could not be read as a token. Check that the token URL is the token endpoint and not another page."
		e.Steps = []int{4, 9}
	}
	return e
}

// explainRefusal fills in Plain and Steps for an answer the server sent as
// a refusal.
func explainRefusal(e *RefreshError, ans *answer, ct string, red *Redactor) {
	said := ""
	if e.Description != "" {
		said = fmt.Sprintf(" The server said: %q.", e.Description)
	}
	switch e.Code {
	case "invalid_grant":
		e.Plain = "The refresh token has expired, was revoked or was already used (some servers accept each refresh token only once). Log in again to get a new one." + said
		e.Steps = []int{3, 10}
	case "invalid_client":
		e.Plain = "The login server did not accept the client id or secret: one of them is wrong, the secret has expired or been rotated, or the application was removed. Check both against the application's registration." + said
		e.Steps = []int{10, 1}
	case "unauthorized_client":
		e.Plain = "This application is not allowed to use refresh tokens (the refresh_token grant is not enabled for its client id). Enable it in the application's registration, or ask the site's administrators." + said
		e.Steps = []int{10, 9}
	case "invalid_scope":
		e.Plain = "The scope asked for is unknown or wider than what was granted at login. Ask for no scope (to keep the original one) or a narrower one, or log in again with the scope you need." + said
		e.Steps = []int{10, 3}
	case "unsupported_grant_type":
		e.Plain = "This login server does not support refreshing tokens this way. Log in again to get a new access token, or ask the site's administrators how to renew it." + said
		e.Steps = []int{3, 9}
	case "invalid_request":
		e.Plain = "The login server found the request malformed or incomplete. Usually the refresh token was not copied whole, or the client id is missing; copy them again, or log in again to get a new refresh token." + said
		e.Steps = []int{10, 3}
	case "temporarily_unavailable":
		e.Plain = "The login server is temporarily overloaded or down for maintenance. Wait a little and try again." + said
		e.Steps = []int{9}
	case "server_error":
		e.Plain = "The login server failed with an internal error; it is not your fault. Try again later, and tell the site's administrators if it persists." + said
		e.Steps = []int{9}
	case "":
		e.Plain, e.Steps = explainStatus(e.Status, ans, ct, red)
	default:
		e.Plain = fmt.Sprintf("The login server refused the refresh with the error %q.", Sanitize(e.Code)) + said +
			" Check the client id, secret and refresh token, or log in again."
		e.Steps = []int{10, 3, 9}
	}
}

// explainStatus explains a refusal that carried no OAuth error code.
func explainStatus(status int, ans *answer, ct string, red *Redactor) (string, []int) {
	page := ""
	if isHTMLType(ct) {
		page = " with a web page instead of an OAuth answer"
	}
	switch {
	case status >= 300 && status < 400:
		s := fmt.Sprintf("The token URL redirects (HTTP %d)", status)
		if ans != nil && ans.location != "" {
			s += " to " + red.URL(ans.location)
		}
		return s + ". fix401 does not follow it, so as not to send the secrets elsewhere: use the address the token endpoint really has (see the server's /.well-known/openid-configuration).", []int{4}
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed:
		return fmt.Sprintf("The token URL answered %d %s%s: it is not the token endpoint. Check the URL (it often ends in /token or /oauth2/token).", status, http.StatusText(status), page), []int{4}
	case status == http.StatusUnauthorized:
		return "The login server refused the client id and secret" + page + ". Check both against the application's registration.", []int{10, 1}
	case status == http.StatusForbidden:
		return "The login server forbade the request" + page + ". A firewall or the server's policy may block it; ask the site's administrators.", []int{8, 9}
	case status == http.StatusTooManyRequests:
		return "The login server says too many requests were made. Wait a while before trying again.", []int{9}
	case status >= 500:
		return fmt.Sprintf("The login server failed (%d %s)%s; it is not your fault. Try again later, and tell the site's administrators if it persists.", status, http.StatusText(status), page), []int{9}
	}
	return fmt.Sprintf("The token endpoint refused the refresh (HTTP %d)%s without saying why. Check the token URL, client id and secret, or log in again.", status, page), []int{4, 10, 3}
}

func isHTMLType(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "text/html" || mt == "application/xhtml+xml"
}

var titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// bodyGist returns a short description of a body that is not an OAuth
// answer: an HTML page's title, or the first line of text.
func bodyGist(body []byte, ct string) string {
	if len(body) == 0 {
		return ""
	}
	if len(body) > MaxBody {
		body = body[:MaxBody]
	}
	s := string(body)
	if isHTMLType(ct) || strings.HasPrefix(strings.TrimSpace(strings.ToLower(s)), "<") {
		if m := titleRE.FindStringSubmatch(s); m != nil {
			return strings.Join(strings.Fields(html.UnescapeString(m[1])), " ")
		}
		return ""
	}
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(line)
}

// clipRunes shortens s to at most n runes, ending it with "…".
func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// safeURI returns an http(s) URI resolved against base, redacted and
// sanitized, or "" for anything else.
func safeURI(raw, base string, red *Redactor) string {
	raw = strings.TrimSpace(Sanitize(raw))
	if raw == "" || len(raw) > maxContactLen {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if b, err := url.Parse(base); err == nil {
		u = b.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return ""
	}
	return red.URL(u.String())
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
