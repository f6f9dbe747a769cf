// Package probe sends the request a person's client sends, follows redirects
// hop by hop, and explains why the server refused it.
//
// Running and diagnosing are kept apart: Run records an Exchange (what was
// sent on each hop, what came back, the local facts), and Diagnose is a pure
// function over an Exchange that returns the findings, the verdict and the
// recommended order of the ten fix steps. An exchange recorded elsewhere (a
// browser's HAR export) is judged by the same code.
package probe

import (
	"net/http"
	"time"
)

// Field is one request header as the person gave it. Values are kept exactly
// as typed (stray newlines and quotes included) so that malformed credentials
// can be reported rather than silently cleaned.
type Field struct {
	Name  string
	Value string
}

// Request is what to send. The zero value of every field means "not given".
type Request struct {
	// URL is the absolute http or https URL to request.
	URL string
	// Method defaults to GET, or POST when Body is set.
	Method string
	// Headers are extra request headers, in the order given.
	Headers []Field
	// User and Password are Basic (or Digest) credentials; HasUser tells an
	// empty user name given on purpose from none at all.
	User     string
	Password string
	HasUser  bool
	// Bearer is an OAuth 2.0 bearer token (curl's --oauth2-bearer).
	Bearer string
	// Cookies are sent with the request; see ParseCookieArg.
	Cookies []Cookie
	// CookieFile is the Netscape cookie file the cookies came from, if any.
	CookieFile string
	// Body is sent as is.
	Body string
	// Proxy is a proxy URL; empty means the environment's proxy settings,
	// and ProxyDirect means no proxy at all (a re-test that bypasses one).
	Proxy string
	// Insecure skips TLS certificate verification (curl's -k).
	Insecure bool
	// Timeout bounds the whole check, every hop included; 0 means 15 s.
	Timeout time.Duration
	// LocationTrusted sends credentials to every host a redirect leads to
	// (curl's --location-trusted).
	LocationTrusted bool
	// MaxRedirects bounds the redirects followed; 0 means 10, -1 means none.
	MaxRedirects int
	// Notes are remarks gathered while the request was built, such as curl
	// flags that were skipped.
	Notes []string
}

// Cookie is one cookie to send, with what a cookie file says about it.
type Cookie struct {
	Name  string
	Value string
	// Domain, Path, Secure and Expires come from a cookie file; they are
	// empty for cookies given as a "n=v; n2=v2" string.
	Domain            string
	IncludeSubdomains bool
	Path              string
	Secure            bool
	HTTPOnly          bool
	// Expires is zero for a session cookie.
	Expires time.Time
}

// CredentialKind says what kind of secret a hop carried.
type CredentialKind string

// The kinds of credentials fix401 recognises on a request.
const (
	CredBasic         CredentialKind = "basic"
	CredDigest        CredentialKind = "digest"
	CredBearer        CredentialKind = "bearer"
	CredAuthorization CredentialKind = "authorization" // another or no scheme
	CredCookie        CredentialKind = "cookie"
	CredAPIKeyHeader  CredentialKind = "api-key-header"
	CredAPIKeyQuery   CredentialKind = "api-key-query"
	CredProxyAuth     CredentialKind = "proxy-authorization"
)

// Credential is one secret carried by a request: where it was (Name is the
// header, cookie or query parameter) and its value, kept whole in memory
// only. Every output goes through a Redactor.
type Credential struct {
	Kind  CredentialKind `json:"kind"`
	Name  string         `json:"name"`
	Value string         `json:"-"`
}

// Drop records a credential that a hop did not carry although the first
// request did, and why.
type Drop struct {
	Credential Credential `json:"credential"`
	Reason     string     `json:"reason"`
}

// Timings are the phases of one hop, measured with httptrace.
type Timings struct {
	DNS      time.Duration `json:"dns"`
	Connect  time.Duration `json:"connect"`
	TLS      time.Duration `json:"tls"`
	Server   time.Duration `json:"server"`   // request written → first byte
	Transfer time.Duration `json:"transfer"` // first byte → body read
	Total    time.Duration `json:"total"`
}

// Hop is one request and its response in a redirect chain.
type Hop struct {
	// URL and Method are what this hop requested.
	URL    string
	Method string
	// RequestHeader holds the headers actually sent (secrets whole; never
	// print it without a Redactor).
	RequestHeader http.Header
	// Sent lists the credentials this hop carried; Dropped those the first
	// request had and this one did not, with the reason.
	Sent    []Credential
	Dropped []Drop
	// Status is 0 when nothing answered this hop.
	Status int
	Proto  string
	Header http.Header
	// Body holds at most MaxBody bytes of the response; Truncated says the
	// server sent more.
	Body      []byte
	Truncated bool
	// Location is the redirect target as the server sent it, if any.
	Location   string
	RemoteAddr string
	Timings    Timings
	// Start is when the hop was sent, by the local clock.
	Start time.Time
	// DigestRetry is set on a hop that answered a Digest challenge.
	DigestRetry bool
}

// FailureKind classifies why nothing usable answered.
type FailureKind string

// The failure kinds; each maps to a finding.
const (
	FailDNS          FailureKind = "dns-failure"
	FailRefused      FailureKind = "connection-refused"
	FailTimeout      FailureKind = "timeout"
	FailTLSUntrusted FailureKind = "tls-untrusted-certificate"
	FailTLS          FailureKind = "tls-error"
	FailProxy        FailureKind = "proxy-error"
	FailOther        FailureKind = "network-error"
)

// Failure is a transport-level error on the last hop.
type Failure struct {
	Kind    FailureKind
	Message string
}

// HostsEntry is one hosts-file line naming the requested host.
type HostsEntry struct {
	File string
	Line int
	IP   string
	Text string
}

// Facts are the local facts a diagnosis weighs besides the exchange itself.
type Facts struct {
	// Now is the local clock when the exchange finished.
	Now time.Time
	// Hosts lists hosts-file entries for the first hop's host.
	Hosts []HostsEntry
	// Cookies are the cookies the person gave (from a cookie file, with
	// expiry), so that expired ones can be named even though they were not
	// sent.
	Cookies []Cookie
	// Cleaned is set when a malformed credential (stray whitespace, quotes,
	// a doubled scheme) was cleaned before sending; Original holds the
	// malformed values as given.
	Cleaned  bool
	Original []Credential
	// Proxy is the proxy the request went through, if any, and where that
	// setting came from.
	Proxy       string
	ProxySource string
	// Source names where the exchange was recorded: "live" or "har".
	Source string
	// Sanitized is set for a HAR exported without cookies and headers.
	Sanitized bool
	// Secrets are further values to hide that no hop shows as a
	// credential, such as the proxy's password. They are never written
	// anywhere.
	Secrets []string `json:"-"`
}

// Exchange is everything recorded for one check: the hops in order, the
// transport failure if the chain ended in one, and the local facts.
type Exchange struct {
	Hops    []Hop
	Failure *Failure
	Facts   Facts
	// TooManyRedirects is set when the chain was cut at the redirect limit.
	TooManyRedirects bool
	// Notes are remarks for the person, such as skipped curl flags.
	Notes []string
}

// Last returns the final hop, or nil for an empty exchange.
func (e *Exchange) Last() *Hop {
	if len(e.Hops) == 0 {
		return nil
	}
	return &e.Hops[len(e.Hops)-1]
}

// Severity orders findings.
type Severity string

// Severities, from most to least serious.
const (
	SevError   Severity = "error"
	SevWarning Severity = "warning"
	SevInfo    Severity = "info"
)

// Finding is one thing the diagnosis noticed. IDs are a stable API, listed
// in the README.
type Finding struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	// Title is one plain-language line; Detail says more, still plainly.
	Title  string `json:"title"`
	Detail string `json:"detail"`
	// Evidence is the header, claim or hop that shows it, for the expert.
	Evidence string `json:"evidence,omitempty"`
	// Steps are the fix steps (1–10) that address it, best first.
	Steps []int `json:"steps"`
}

// Verdict is the one-word outcome of a check.
type Verdict string

// The verdicts.
const (
	VerdictOK                Verdict = "ok"
	VerdictUnauthorized      Verdict = "unauthorized"
	VerdictForbidden         Verdict = "forbidden"
	VerdictProxyAuthRequired Verdict = "proxy_auth_required"
	VerdictNotFound          Verdict = "not_found"
	VerdictClientError       Verdict = "client_error"
	VerdictServerError       Verdict = "server_error"
	VerdictUnreachable       Verdict = "unreachable"
)

// Diagnosis is what Diagnose concludes from an Exchange.
type Diagnosis struct {
	// Status is the final status, 0 when nothing answered.
	Status  int
	Verdict Verdict
	// Summary is one plain sentence on what the status means.
	Summary  string
	Findings []Finding
	// Steps is the recommended order of all ten steps.
	Steps []int
	// Challenges are the final response's WWW-Authenticate challenges;
	// ProxyChallenges its Proxy-Authenticate ones.
	Challenges      []Challenge
	ProxyChallenges []Challenge
	// ServerDate is the final response's Date header (zero if absent), and
	// Skew is server minus local clock.
	ServerDate time.Time
	Skew       time.Duration
	// Tokens are the JWTs found among the credentials, decoded.
	Tokens []TokenInfo
}

// Has reports whether the diagnosis contains the finding id.
func (d *Diagnosis) Has(id string) bool {
	for _, f := range d.Findings {
		if f.ID == id {
			return true
		}
	}
	return false
}

// Result is a completed check: the request as sent, the exchange and its
// diagnosis.
type Result struct {
	Request   Request
	Exchange  Exchange
	Diagnosis Diagnosis
}
