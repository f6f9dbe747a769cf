package probe

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptrace"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ProxyDirect as Request.Proxy sends the request without any proxy, whatever
// the environment says.
const ProxyDirect = "direct"

// MaxBody is the most of any response body that is kept.
const MaxBody = 64 << 10

// DefaultTimeout bounds a check when Request.Timeout is zero.
const DefaultTimeout = 15 * time.Second

// DefaultMaxRedirects is how many redirects are followed when
// Request.MaxRedirects is zero.
const DefaultMaxRedirects = 10

// maxHeaderBytes bounds the response headers a hostile server can send.
const maxHeaderBytes = 256 << 10

// UserAgent is sent when the request names none.
var UserAgent = "fix401 (+https://github.com/fix401/fix401)"

// Runner sends requests. Its fields are the I/O it depends on, so tests and
// other front ends can replace them; the zero value is ready to use.
type Runner struct {
	// HostsFile is the hosts file to look the host up in; empty means the
	// system's.
	HostsFile string
	// Now is the local clock; nil means time.Now.
	Now func() time.Time
	// DialContext, when set, replaces the network dialer (for tests that
	// need a name to resolve somewhere in particular).
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Run sends req with a zero Runner. See Runner.Run.
func Run(ctx context.Context, req Request) (*Result, error) {
	return (&Runner{}).Run(ctx, req)
}

// Run sends req, follows redirects hop by hop and diagnoses the exchange.
// The error is non-nil only for bad input (an InputError: a malformed URL,
// a header without a name, a negative timeout); a network failure is
// recorded in Result.Exchange.Failure and judged by the diagnosis.
func (r *Runner) Run(ctx context.Context, req Request) (*Result, error) {
	p, err := prepare(req)
	if err != nil {
		return nil, err
	}
	ex := r.exchange(ctx, p)
	res := &Result{Request: req, Exchange: ex}
	res.Diagnosis = Diagnose(&res.Exchange)
	return res, nil
}

// prepared is a validated request ready to send.
type prepared struct {
	req     Request
	url     *url.URL
	method  string
	header  http.Header // extra headers and credentials, cleaned
	cookies []Cookie
	facts   Facts
	timeout time.Duration
	maxHops int
	proxy   *url.URL // from Request.Proxy; nil means the environment's
}

// parseProxy parses a proxy as curl's -x takes it: a URL, or host:port
// meaning an http proxy. Only http, https and socks5 proxies are accepted;
// the error is an InputError that never shows the proxy's password.
func parseProxy(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	pu, err := url.Parse(s)
	if err != nil || pu.Host == "" {
		return nil, Inputf("proxy %q is not a valid URL", shownURL(raw))
	}
	switch pu.Scheme {
	case "http", "https", "socks5", "socks5h":
		return pu, nil
	}
	return nil, Inputf("proxy %q: fix401 supports http, https and socks5 proxies", shownURL(raw))
}

// ParseURL checks that raw is an absolute http or https URL with a host and
// returns it parsed. The error is an InputError in plain words.
func ParseURL(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, Inputf("no URL given")
	}
	if strings.ContainsAny(s, "\r\n\t") || strings.ContainsFunc(s, isControl) {
		return nil, Inputf("the URL contains control characters")
	}
	if !strings.Contains(s, "://") {
		if _, err := DecodeJWT(s); err == nil {
			return nil, Inputf("this looks like a token, not a URL: give the URL, and the token with --oauth2-bearer or -H \"Authorization: Bearer …\"")
		}
	}
	if !strings.Contains(s, "://") && !strings.HasPrefix(s, "-") && looksLikeHost(s) {
		return nil, Inputf("%q has no scheme: did you mean https://%s ?", shownURL(s), shownURL(s))
	}
	if scheme, _, ok := strings.Cut(s, "://"); ok && !validScheme(scheme) {
		return nil, Inputf("%q is not a valid URL: %q is not a scheme; use http:// or https://", shownURL(s), Sanitize(scheme))
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, Inputf("%q is not a valid URL: %v", shownURL(s), err)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		return nil, Inputf("%q is not an absolute URL: it needs http:// or https://", shownURL(s))
	default:
		return nil, Inputf("%q is a %s: URL; fix401 checks only http:// and https:// URLs", shownURL(s), Sanitize(u.Scheme))
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, Inputf("%q has no host name", shownURL(s))
	}
	if p := u.Port(); p != "" {
		var n int
		if _, err := fmt.Sscanf(p, "%d", &n); err != nil || n < 1 || n > 65535 {
			return nil, Inputf("%q has an invalid port %q", shownURL(s), Sanitize(p))
		}
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return u, nil
}

// shownURL is a URL as an error message may show it, even one that does
// not parse: the password in its user info and the values of its token
// query parameters are masked, and it is sanitized.
func shownURL(s string) string {
	s = maskUserinfo(s)
	var secrets []string
	if _, q, ok := strings.Cut(s, "?"); ok {
		q, _, _ = strings.Cut(q, "#")
		vals, _ := url.ParseQuery(q)
		for k, vs := range vals {
			if IsTokenParam(k) {
				secrets = append(secrets, vs...)
			}
		}
	}
	return NewRedactor(secrets...).URL(s)
}

// maskUserinfo masks the password in a URL's user info by position, so
// that it works on text that does not parse as a URL.
func maskUserinfo(s string) string {
	start, end := 0, len(s)
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + len("://")
	}
	if i := strings.IndexAny(s[start:], "/?#"); i >= 0 {
		end = start + i
	}
	if at := strings.LastIndex(s[start:end], "@"); at >= 0 {
		if colon := strings.Index(s[start:start+at], ":"); colon >= 0 {
			s = s[:start+colon+1] + Mask + s[start+at:]
		}
	}
	return s
}

// validScheme reports whether s is a URL scheme (RFC 3986 §3.1).
func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

func looksLikeHost(s string) bool {
	h, _, _ := strings.Cut(s, "/")
	return strings.Contains(h, ".") && !strings.ContainsAny(h, " :@")
}

// Validate reports whether the request can be sent, as an InputError.
func (req Request) Validate() error {
	_, err := prepare(req)
	return err
}

func prepare(req Request) (*prepared, error) {
	u, err := ParseURL(req.URL)
	if err != nil {
		return nil, err
	}
	p := &prepared{req: req, url: u, header: http.Header{}}
	p.method = strings.ToUpper(strings.TrimSpace(req.Method))
	if p.method == "" {
		p.method = http.MethodGet
		if req.Body != "" {
			p.method = http.MethodPost
		}
	}
	if !isToken(p.method) {
		return nil, Inputf("%q is not a valid HTTP method", Sanitize(req.Method))
	}
	switch {
	case req.Timeout < 0:
		return nil, Inputf("the time limit cannot be negative (%v)", req.Timeout)
	case req.Timeout == 0:
		p.timeout = DefaultTimeout
	default:
		p.timeout = req.Timeout
	}
	switch {
	case req.MaxRedirects < 0:
		p.maxHops = 0
	case req.MaxRedirects == 0:
		p.maxHops = DefaultMaxRedirects
	default:
		p.maxHops = req.MaxRedirects
	}
	if req.Proxy == ProxyDirect {
		p.facts.ProxySource = "none (direct, on purpose)"
	} else if req.Proxy != "" {
		pu, err := parseProxy(req.Proxy)
		if err != nil {
			return nil, err
		}
		p.facts.Proxy, p.facts.ProxySource = pu.Redacted(), "--proxy"
		p.proxy = pu
	}

	// Credentials in the URL become Basic credentials, as curl does.
	if u.User != nil && !req.HasUser {
		pass, _ := u.User.Password()
		p.req.User, p.req.Password, p.req.HasUser = u.User.Username(), pass, true
		u.User = nil
		p.req.Notes = append(p.req.Notes, "The user name and password in the URL were sent as Basic credentials.")
	}
	u.User = nil

	for _, f := range req.Headers {
		name := strings.TrimSpace(f.Name)
		if name == "" || !isToken(name) {
			return nil, Inputf("header %q has no valid name (expected \"Name: value\")", Sanitize(f.Name))
		}
		value := f.Value
		if isCredentialHeader(name) {
			cleaned, changed := cleanCredentialHeader(name, value)
			if changed {
				p.facts.Cleaned = true
				p.facts.Original = append(p.facts.Original, Credential{Kind: credKindOf(name, value), Name: http.CanonicalHeaderKey(name), Value: value})
			}
			value = cleaned
		} else if strings.ContainsAny(value, "\r\n\x00") {
			return nil, Inputf("header %q contains a line break or NUL character", Sanitize(name))
		} else {
			value = strings.TrimSpace(value)
		}
		p.header.Add(name, value)
	}
	if req.Bearer != "" {
		tok, changed := CleanToken(req.Bearer)
		if changed {
			p.facts.Cleaned = true
			p.facts.Original = append(p.facts.Original, Credential{Kind: CredBearer, Name: "Authorization", Value: "Bearer " + req.Bearer})
		}
		p.header.Set("Authorization", "Bearer "+tok)
	}
	if p.req.HasUser {
		if strings.ContainsAny(p.req.User+p.req.Password, "\r\n") {
			user, pass := strings.Trim(p.req.User, "\r\n"), strings.Trim(p.req.Password, "\r\n")
			p.facts.Cleaned = true
			p.facts.Original = append(p.facts.Original, Credential{Kind: CredBasic, Name: "Authorization", Value: basicValue(p.req.User, p.req.Password)})
			p.req.User, p.req.Password = user, pass
		}
		if p.header.Get("Authorization") == "" {
			p.header.Set("Authorization", basicValue(p.req.User, p.req.Password))
		}
	}
	if p.header.Get("User-Agent") == "" {
		p.header.Set("User-Agent", UserAgent)
	}
	p.cookies = req.Cookies
	p.facts.Cookies = req.Cookies
	return p, nil
}

func basicValue(user, pass string) string {
	r, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
	r.SetBasicAuth(user, pass)
	return r.Header.Get("Authorization")
}

// isCredentialHeader reports whether a request header carries a credential.
func isCredentialHeader(name string) bool {
	n := strings.ToLower(name)
	return n == "authorization" || n == "proxy-authorization" || IsAPIKeyHeader(n)
}

func cleanCredentialHeader(name, value string) (string, bool) {
	if strings.EqualFold(name, "authorization") || strings.EqualFold(name, "proxy-authorization") {
		return CleanAuthorization(value)
	}
	return CleanToken(value)
}

// credKindOf classifies a credential header by name and scheme.
func credKindOf(name, value string) CredentialKind {
	n := strings.ToLower(name)
	switch {
	case n == "proxy-authorization":
		return CredProxyAuth
	case n == "authorization":
		scheme, _, _ := strings.Cut(strings.TrimSpace(value), " ")
		switch strings.ToLower(scheme) {
		case "basic":
			return CredBasic
		case "bearer", "dpop":
			return CredBearer
		case "digest":
			return CredDigest
		}
		return CredAuthorization
	case n == "cookie":
		return CredCookie
	}
	return CredAPIKeyHeader
}

// CredentialsOf lists the credentials a request with these headers to u
// carries: Authorization and Proxy-Authorization, each cookie, API-key
// headers and token query parameters.
func CredentialsOf(h http.Header, u *url.URL) []Credential {
	var out []Credential
	for name, vs := range h {
		for _, v := range vs {
			switch {
			case strings.EqualFold(name, "Cookie"):
				for _, c := range ParseCookieString(v) {
					name := c.Name
					if name == "" {
						name = "(unnamed)"
					}
					out = append(out, Credential{Kind: CredCookie, Name: name, Value: c.Value})
				}
			case isCredentialHeader(name):
				out = append(out, Credential{Kind: credKindOf(name, v), Name: http.CanonicalHeaderKey(name), Value: v})
			}
		}
	}
	if u != nil {
		for k, vs := range u.Query() {
			if IsTokenParam(k) {
				for _, v := range vs {
					out = append(out, Credential{Kind: CredAPIKeyQuery, Name: k, Value: v})
				}
			}
		}
	}
	sortCredentials(out)
	return out
}

func sortCredentials(cs []Credential) {
	// A stable, readable order: Authorization first, then headers, cookies,
	// query parameters.
	rank := map[CredentialKind]int{CredBasic: 0, CredDigest: 0, CredBearer: 0, CredAuthorization: 0, CredProxyAuth: 1, CredAPIKeyHeader: 2, CredCookie: 3, CredAPIKeyQuery: 4}
	slices.SortStableFunc(cs, func(a, b Credential) int {
		if c := cmp.Compare(rank[a.Kind], rank[b.Kind]); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// secrets returns every secret value of the prepared request, for the
// Redactor.
func (p *prepared) secrets() []string {
	var s []string
	for _, c := range CredentialsOf(p.header, p.url) {
		s = append(s, c.Value)
	}
	for _, c := range p.facts.Original {
		s = append(s, c.Value)
	}
	for _, c := range p.cookies {
		s = append(s, c.Value)
	}
	if p.req.Password != "" {
		s = append(s, p.req.Password)
	}
	// The proxy's password, as given and as the Basic value Go sends to
	// the proxy (a proxy may forward it and the site echo it).
	if p.proxy != nil && p.proxy.User != nil {
		if pass, ok := p.proxy.User.Password(); ok && pass != "" {
			s = append(s, pass, basicValue(p.proxy.User.Username(), pass))
		}
	}
	return s
}

// Secrets returns every secret a request carries (credential values,
// cookie values, the password, token query parameters), for building a
// Redactor.
func (req Request) Secrets() []string {
	p, err := prepare(req)
	if err != nil {
		// Fall back to the raw fields.
		s := []string{req.Password, req.Bearer}
		for _, f := range req.Headers {
			if isCredentialHeader(f.Name) || strings.EqualFold(f.Name, "cookie") {
				s = append(s, f.Value)
			}
		}
		for _, c := range req.Cookies {
			s = append(s, c.Value)
		}
		return s
	}
	return p.secrets()
}

// exchange sends the request and follows redirects, recording every hop.
func (r *Runner) exchange(ctx context.Context, p *prepared) Exchange {
	now := r.Now
	if now == nil {
		now = time.Now
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()

	ex := Exchange{Facts: p.facts, Notes: p.req.Notes}
	ex.Facts.Source = "live"
	ex.Facts.Secrets = p.secrets()
	ex.Facts.Hosts = LookupHosts(r.hostsFile(), p.url.Hostname())

	// proxyConnect is the proxy's refusal of a CONNECT, recorded on the
	// dial goroutine (which can outlive client.Do), hence the mutex.
	var (
		proxyMu      sync.Mutex
		proxyConnect *http.Response
	)
	tr := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DisableKeepAlives:      true, // a DNS fix must show in the next re-test
		ForceAttemptHTTP2:      true,
		TLSClientConfig:        &tls.Config{InsecureSkipVerify: p.req.Insecure}, //nolint:gosec // the person asked for -k
		MaxResponseHeaderBytes: maxHeaderBytes,
		TLSHandshakeTimeout:    p.timeout,
		ResponseHeaderTimeout:  p.timeout,
		OnProxyConnectResponse: func(_ context.Context, _ *url.URL, _ *http.Request, res *http.Response) error {
			if res.StatusCode != http.StatusOK {
				c := *res
				c.Body = nil
				proxyMu.Lock()
				proxyConnect = &c
				proxyMu.Unlock()
			}
			return nil
		},
	}
	defer tr.CloseIdleConnections()
	if r.DialContext != nil {
		tr.DialContext = r.DialContext
	} else {
		tr.DialContext = (&net.Dialer{Timeout: p.timeout}).DialContext
	}
	if p.req.Proxy == ProxyDirect {
		tr.Proxy = nil
	} else if p.proxy != nil {
		tr.Proxy = http.ProxyURL(p.proxy)
	} else if pu, err := http.ProxyFromEnvironment(&http.Request{URL: p.url}); err == nil && pu != nil {
		ex.Facts.Proxy, ex.Facts.ProxySource = pu.Redacted(), "environment ("+proxyEnvName(p.url.Scheme)+")"
	}
	client := &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	jar, _ := cookiejar.New(nil)

	// first is what the first hop carried, cookies from the person's cookie
	// list included; it is set once that hop is sent.
	var first []Credential
	firstHost := p.url.Hostname()
	cur := p.url
	method := p.method
	body := p.req.Body
	header := p.header.Clone()
	dropped := map[string]Drop{} // once dropped, stays dropped
	digestTries := 0

	for hopN := 0; ; hopN++ {
		h := header.Clone()
		// Cookies: the person's cookies that match this URL, then those the
		// chain's responses set.
		var fileCookies []Cookie
		if len(p.cookies) > 0 {
			fileCookies, _ = CookiesFor(p.cookies, cur, now())
		}
		if hopN > 0 && !p.req.LocationTrusted && !sameOrSubdomain(cur.Hostname(), firstHost) {
			fileCookies = filterScoped(fileCookies)
		}
		jc := jar.Cookies(cur)
		if h.Get("Cookie") != "" {
			fileCookies = nil // as curl: a Cookie header given by hand wins over -b
		}
		if c := cookieLine(fileCookies, jc); c != "" {
			if old := h.Get("Cookie"); old != "" {
				c = old + "; " + c
			}
			h.Set("Cookie", c)
		}
		hop := r.send(ctx, client, method, cur, h, body, now)
		hop.Sent = CredentialsOf(hop.RequestHeader, cur)
		if hopN == 0 {
			first = hop.Sent
		} else {
			hop.Dropped = dropsOf(first, hop.Sent, dropped)
		}
		proxyMu.Lock()
		pc := proxyConnect
		proxyMu.Unlock()
		if hop.Status == 0 && pc != nil {
			hop.Status, hop.Proto, hop.Header = pc.StatusCode, pc.Proto, pc.Header
			hop.Failure = nil
		}
		ex.Hops = append(ex.Hops, hop.Hop)
		if hop.Failure != nil {
			ex.Failure = hop.Failure
			break
		}
		if hop.cookies != nil {
			jar.SetCookies(cur, hop.cookies)
		}

		// Answer a Digest challenge once (twice when the nonce was stale).
		if hop.Status == http.StatusUnauthorized && p.req.HasUser && digestTries < 2 {
			if v, ok := answerDigest(hop.Header.Values("Www-Authenticate"), h.Get("Authorization"), method, cur.RequestURI(), p.req.User, p.req.Password); ok {
				header.Set("Authorization", v)
				digestTries++
				continue
			}
		}
		if !isRedirect(hop.Status) || hop.Location == "" {
			break
		}
		if p.req.MaxRedirects < 0 {
			break // the person asked not to follow redirects
		}
		if hopN >= p.maxHops {
			ex.TooManyRedirects = true
			break
		}
		next, err := cur.Parse(hop.Location)
		if err != nil || (next.Scheme != "http" && next.Scheme != "https") {
			ex.Notes = append(ex.Notes, "The server redirected to an address fix401 cannot follow: "+Sanitize(hop.Location))
			break
		}
		// RFC 9110 §15.4: 301/302 turn POST into GET, 303 turns everything
		// but HEAD into GET; 307/308 keep the method and body.
		switch hop.Status {
		case http.StatusMovedPermanently, http.StatusFound:
			if method == http.MethodPost {
				method, body = http.MethodGet, ""
			}
		case http.StatusSeeOther:
			if method != http.MethodHead {
				method, body = http.MethodGet, ""
			}
		}
		if body == "" {
			header.Del("Content-Type")
		}
		// Go's rule (net/http client.go shouldCopyHeaderOnRedirect):
		// credentials go on only to the same host or a subdomain of it, and
		// once dropped stay dropped. fix401 also keeps API-key headers and
		// token parameters from other hosts, which Go and curl would leak.
		if !p.req.LocationTrusted && !sameOrSubdomain(next.Hostname(), firstHost) {
			for _, c := range first {
				key := string(c.Kind) + ":" + c.Name
				if _, done := dropped[key]; done {
					continue
				}
				dropped[key] = Drop{Credential: c, Reason: dropReason(c, firstHost, next.Hostname())}
				switch c.Kind {
				case CredAPIKeyQuery:
				case CredCookie:
					header.Del("Cookie")
				default:
					header.Del(c.Name)
				}
			}
		}
		cur = next
	}
	// Mark the hops that answered a Digest challenge.
	for i := range ex.Hops {
		if strings.HasPrefix(strings.ToLower(ex.Hops[i].RequestHeader.Get("Authorization")), "digest ") {
			ex.Hops[i].DigestRetry = true
		}
	}
	ex.Facts.Now = now()
	return ex
}

// filterScoped keeps the cookies whose scope a cookie file names (they go
// where their Domain says); plain "n=v" cookies follow the Cookie-header
// rule and are dropped with the other credentials.
func filterScoped(cs []Cookie) []Cookie {
	var out []Cookie
	for _, c := range cs {
		if c.Domain != "" {
			out = append(out, c)
		}
	}
	return out
}

func cookieLine(file []Cookie, jar []*http.Cookie) string {
	var parts []string
	if s := CookieHeader(file); s != "" {
		parts = append(parts, s)
	}
	for _, c := range jar {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

func proxyEnvName(scheme string) string {
	if scheme == "https" {
		return "HTTPS_PROXY"
	}
	return "HTTP_PROXY"
}

func dropReason(c Credential, from, to string) string {
	what := "credentials"
	switch c.Kind {
	case CredCookie:
		what = "cookies"
	case CredAPIKeyHeader, CredAPIKeyQuery:
		return fmt.Sprintf("fix401 does not send an API key to another host (%s → %s); curl, Go and browsers would, which leaks the key", from, to)
	}
	return fmt.Sprintf("the redirect went from %s to another host, %s, and clients do not send %s to another host (Go keeps them only for the same host or its subdomains; curl only for the same host, port and scheme)", from, to, what)
}

// dropsOf lists the credentials of the first request that this hop did not
// carry, with the reason recorded when they were dropped.
func dropsOf(first, sent []Credential, dropped map[string]Drop) []Drop {
	var out []Drop
	for _, c := range first {
		key := string(c.Kind) + ":" + c.Name
		if hasCredential(sent, c) {
			continue
		}
		if d, ok := dropped[key]; ok {
			out = append(out, d)
		}
	}
	return out
}

func hasCredential(list []Credential, c Credential) bool {
	for _, x := range list {
		if x.Kind == c.Kind && strings.EqualFold(x.Name, c.Name) {
			return true
		}
		if c.Kind == CredBasic && x.Kind == CredDigest {
			return true // the Basic credential was answered as Digest
		}
	}
	return false
}

// sameOrSubdomain is Go's rule for keeping credentials on a redirect: the
// new host is the original host or one of its subdomains.
func sameOrSubdomain(host, orig string) bool {
	host, orig = strings.ToLower(host), strings.ToLower(orig)
	if host == orig {
		return true
	}
	if net.ParseIP(orig) != nil || strings.Contains(host, "%") {
		return false
	}
	return strings.HasSuffix(host, "."+orig)
}

func isRedirect(status int) bool {
	switch status {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// answerDigest answers the first Digest challenge whose algorithm fix401
// supports, unless the request already answered one and the server did not
// say its nonce was stale (then the password is wrong).
func answerDigest(lines []string, sent, method, uri, user, pass string) (string, bool) {
	sentDigest := strings.HasPrefix(strings.ToLower(strings.TrimSpace(sent)), "digest ")
	for _, ch := range ParseChallenges(lines) {
		if !ch.Is("Digest") || (sentDigest && !DigestStale(ch)) {
			continue
		}
		if v, err := DigestAuthorization(ch, method, uri, user, pass, NewCnonce(), 1); err == nil {
			return v, true
		}
	}
	return "", false
}

func findChallenge(cs []Challenge, scheme string) (Challenge, bool) {
	for _, c := range cs {
		if c.Is(scheme) {
			return c, true
		}
	}
	return Challenge{}, false
}

// sentHop is a Hop plus what the loop needs that is not recorded.
type sentHop struct {
	Hop
	Failure *Failure
	cookies []*http.Cookie
}

// send performs one request and records it.
func (r *Runner) send(ctx context.Context, client *http.Client, method string, u *url.URL, h http.Header, body string, now func() time.Time) sentHop {
	hop := sentHop{Hop: Hop{URL: u.String(), Method: method, RequestHeader: h, Start: now()}}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	hr, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		hop.Failure = &Failure{Kind: FailOther, Message: Sanitize(err.Error())}
		return hop
	}
	hr.Header = h.Clone()
	if hr.Header.Get("Accept") == "" {
		hr.Header.Set("Accept", "*/*")
	}
	hop.RequestHeader = hr.Header

	// The trace callbacks run on the transport's dial, write and read
	// goroutines, which can outlive client.Do (a dial still going when the
	// deadline hits). They record into tr under mu; send copies it into the
	// hop under mu and stops recording when it is done.
	var (
		mu                                          sync.Mutex
		tr                                          Timings
		remote                                      string
		dnsStart, connStart, tlsStart, wrote, first time.Time
		finished                                    bool
	)
	at := func(f func()) {
		mu.Lock()
		defer mu.Unlock()
		if !finished {
			f()
		}
	}
	trace := &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) { at(func() { dnsStart = time.Now() }) },
		DNSDone: func(httptrace.DNSDoneInfo) {
			at(func() {
				if !dnsStart.IsZero() {
					tr.DNS = time.Since(dnsStart)
				}
			})
		},
		ConnectStart: func(string, string) {
			at(func() {
				if connStart.IsZero() {
					connStart = time.Now()
				}
			})
		},
		ConnectDone: func(_, _ string, err error) {
			at(func() {
				if err == nil && !connStart.IsZero() {
					tr.Connect = time.Since(connStart)
				}
			})
		},
		TLSHandshakeStart: func() { at(func() { tlsStart = time.Now() }) },
		TLSHandshakeDone: func(tls.ConnectionState, error) {
			at(func() {
				if !tlsStart.IsZero() {
					tr.TLS = time.Since(tlsStart)
				}
			})
		},
		GotConn: func(info httptrace.GotConnInfo) {
			if info.Conn != nil {
				addr := info.Conn.RemoteAddr().String()
				at(func() { remote = addr })
			}
		},
		WroteRequest:         func(httptrace.WroteRequestInfo) { at(func() { wrote = time.Now() }) },
		GotFirstResponseByte: func() { at(func() { first = time.Now() }) },
	}
	// collect moves what the trace recorded into the hop, once.
	collect := func(end time.Time) {
		mu.Lock()
		defer mu.Unlock()
		finished = true
		total := hop.Timings.Total
		hop.Timings, hop.RemoteAddr = tr, remote
		hop.Timings.Total = total
		if !wrote.IsZero() && !first.IsZero() {
			hop.Timings.Server = first.Sub(wrote)
			hop.Timings.Transfer = end.Sub(first)
		}
	}
	hr = hr.WithContext(httptrace.WithClientTrace(ctx, trace))
	t0 := time.Now()
	resp, err := client.Do(hr)
	if err != nil {
		hop.Timings.Total = time.Since(t0)
		collect(time.Now())
		hop.Timings.Server, hop.Timings.Transfer = 0, 0
		hop.Failure = classify(ctx, err)
		return hop
	}
	defer resp.Body.Close()
	hop.Status, hop.Proto, hop.Header = resp.StatusCode, resp.Proto, resp.Header
	hop.Location = resp.Header.Get("Location")
	hop.cookies = resp.Cookies()
	var buf bytes.Buffer
	n, rerr := io.Copy(&buf, io.LimitReader(resp.Body, MaxBody+1))
	if n > MaxBody {
		hop.Truncated = true
		buf.Truncate(MaxBody)
	}
	if rerr != nil && !hop.Truncated && ctx.Err() != nil {
		hop.Truncated = true
	}
	hop.Body = buf.Bytes()
	end := time.Now()
	hop.Timings.Total = end.Sub(t0)
	collect(end)
	return hop
}

// classify turns a transport error into a Failure in plain words.
func classify(ctx context.Context, err error) *Failure {
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = ue.Err.Error()
	}
	f := &Failure{Kind: FailOther, Message: Sanitize(msg)}
	var dnsErr *net.DNSError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certInvalid x509.CertificateInvalidError
	var verifyErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var alert tls.AlertError
	var netErr net.Error
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		f.Kind = FailTimeout
	case errors.Is(err, context.Canceled):
		f.Kind, f.Message = FailOther, "cancelled"
	case strings.Contains(msg, "proxyconnect") || strings.Contains(msg, "socks connect"):
		// Before the DNS and refused cases: those errors are the proxy's,
		// not the site's.
		f.Kind = FailProxy
	case errors.As(err, &dnsErr):
		f.Kind = FailDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		f.Kind = FailRefused
	case errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &certInvalid), errors.As(err, &verifyErr):
		f.Kind = FailTLSUntrusted
	case errors.As(err, &recErr), errors.As(err, &alert), strings.Contains(msg, "tls:"),
		strings.Contains(msg, "server gave HTTP response to HTTPS client"):
		f.Kind = FailTLS
	case errors.As(err, &netErr) && netErr.Timeout():
		f.Kind = FailTimeout
	}
	return f
}

func (r *Runner) hostsFile() string {
	if r.HostsFile != "" {
		return r.HostsFile
	}
	return SystemHostsFile()
}

// SystemHostsFile is the hosts file of this OS.
func SystemHostsFile() string {
	if runtime.GOOS == "windows" {
		root := os.Getenv("SystemRoot")
		if root == "" {
			root = `C:\Windows`
		}
		return filepath.Join(root, "System32", "drivers", "etc", "hosts")
	}
	return "/etc/hosts"
}

// LookupHosts returns the lines of a hosts file that name host (case
// insensitive). A missing or unreadable file gives none. At most 1 MiB of
// the file is read.
func LookupHosts(file, host string) []HostsEntry {
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []HostsEntry
	sc := bufio.NewScanner(io.LimitReader(f, 1<<20))
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		text, _, _ := strings.Cut(line, "#")
		fields := strings.Fields(text)
		if len(fields) < 2 {
			continue
		}
		for _, name := range fields[1:] {
			if strings.EqualFold(strings.TrimSuffix(name, "."), strings.TrimSuffix(host, ".")) {
				out = append(out, HostsEntry{File: file, Line: n, IP: fields[0], Text: Sanitize(strings.TrimSpace(line))})
				break
			}
		}
	}
	return out
}
