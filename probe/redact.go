package probe

import (
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Mask is what stands in for the hidden part of a secret.
const Mask = "••••"

// MaskSecret hides a secret: it keeps at most the last 4 characters, and
// none of a secret shorter than 12 characters, so that "at most the last 4"
// never reveals most of a short password.
func MaskSecret(s string) string {
	if s == "" {
		return ""
	}
	n := utf8.RuneCountInString(s)
	if n < 12 {
		return Mask
	}
	r := []rune(s)
	return Mask + string(r[n-4:])
}

// MaskCredential shows a credential value as its scheme (when it has one)
// and a masked secret: "Bearer ••••x9Kf".
func MaskCredential(value string) string {
	v := strings.TrimSpace(value)
	if scheme, rest, ok := strings.Cut(v, " "); ok && isToken(scheme) {
		if strings.EqualFold(scheme, "basic") {
			// Show the user name, never any of the password.
			if raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest)); err == nil {
				if user, _, ok := strings.Cut(string(raw), ":"); ok && utf8.ValidString(user) {
					return scheme + " " + Sanitize(user) + ":" + Mask
				}
			}
		}
		return scheme + " " + MaskSecret(strings.TrimSpace(rest))
	}
	return MaskSecret(v)
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c > unicode.MaxASCII || !(unicode.IsLetter(c) || unicode.IsDigit(c) || strings.ContainsRune("!#$%&'*+-.^_`|~", c)) {
			return false
		}
	}
	return true
}

// Sanitize makes a string a server or file controls safe to print: escape
// sequences are removed, and every other control character (newlines
// included) becomes a space. Invalid UTF-8 becomes U+FFFD.
func Sanitize(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	s = ansi.Strip(s)
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return ' '
		}
		return r
	}, s)
}

// SanitizeLines is Sanitize that keeps line breaks, for multi-line text
// such as a body excerpt.
func SanitizeLines(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = Sanitize(l)
	}
	return strings.Join(lines, "\n")
}

func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' ||
		(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// sensitiveHeaders are request or response headers whose whole value is a
// secret (after an optional scheme).
var sensitiveHeaders = map[string]bool{
	"authorization":       true,
	"proxy-authorization": true,
	"cookie":              true,
	"set-cookie":          true,
}

// apiKeyHeaders are headers that carry API keys and tokens. Names are
// compared lower-cased.
var apiKeyHeaders = map[string]bool{
	"x-api-key": true, "api-key": true, "apikey": true, "x-apikey": true,
	"x-auth-token": true, "private-token": true, "x-access-token": true,
	"x-token": true, "authentication": true, "x-goog-api-key": true,
	"ocp-apim-subscription-key": true, "x-functions-key": true,
	"cf-access-client-secret": true, "x-vault-token": true, "job-token": true,
	"x-csrf-token": true, "x-xsrf-token": true, "x-amz-security-token": true,
	"dpop": true, "x-session-token": true, "x-refresh-token": true, "x-id-token": true,
}

// IsAPIKeyHeader reports whether a header name carries an API key or token.
func IsAPIKeyHeader(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	if apiKeyHeaders[n] {
		return true
	}
	return strings.HasSuffix(n, "-api-key") || strings.HasSuffix(n, "-apikey") ||
		strings.HasSuffix(n, "-auth-token") || strings.HasSuffix(n, "-access-token")
}

// IsSecretHeader reports whether a header's value must be masked.
func IsSecretHeader(name string) bool {
	return sensitiveHeaders[strings.ToLower(strings.TrimSpace(name))] || IsAPIKeyHeader(name)
}

// tokenParams are query parameters that carry credentials.
var tokenParams = map[string]bool{
	"access_token": true, "api_key": true, "apikey": true, "token": true, "key": true,
	"id_token": true, "refresh_token": true, "client_secret": true, "password": true,
	"auth": true, "sig": true, "signature": true, "x-amz-signature": true,
	"x-amz-credential": true, "x-amz-security-token": true, "code": true, "secret": true,
}

// IsTokenParam reports whether a query parameter name carries a credential.
func IsTokenParam(name string) bool { return tokenParams[strings.ToLower(name)] }

// Redactor removes secrets from everything fix401 shows or writes. It knows
// the secrets in play (so that a server echoing one back is caught too) and
// the places secrets live (credential headers, token query parameters, URL
// user info). There is one redaction path: every output uses a Redactor.
type Redactor struct {
	secrets []string // longest first
}

// NewRedactor returns a Redactor that hides the given secrets wherever they
// appear. Empty and very short values are ignored for free-text matching
// (they would mask ordinary words) but still masked where they are known to
// be secrets.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add registers more secrets.
func (r *Redactor) Add(secrets ...string) {
	for _, s := range secrets {
		for _, v := range secretVariants(s) {
			if len(v) >= 4 && !contains(r.secrets, v) {
				r.secrets = append(r.secrets, v)
			}
		}
	}
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// secretVariants returns the forms a secret can appear in: as given, trimmed,
// without quotes, and URL-encoded.
func secretVariants(s string) []string {
	t := strings.TrimSpace(s)
	t2 := strings.Trim(t, `"'`)
	out := []string{s, t, t2, url.QueryEscape(t2), url.PathEscape(t2)}
	if scheme, rest, ok := strings.Cut(t2, " "); ok && isToken(scheme) {
		out = append(out, strings.TrimSpace(rest))
	}
	return out
}

// Text hides every known secret in free text and sanitizes it for a
// terminal. Use it for anything a server or a file controls.
func (r *Redactor) Text(s string) string {
	return Sanitize(r.scrub(s))
}

// Lines is Text for multi-line text; line breaks are kept.
func (r *Redactor) Lines(s string) string {
	return SanitizeLines(r.scrub(s))
}

func (r *Redactor) scrub(s string) string {
	if r == nil {
		return s
	}
	for _, sec := range r.secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, MaskSecret(sec))
		}
	}
	return s
}

// Header returns a header value fit to show: credential headers are masked
// whole (keeping the scheme), others have known secrets hidden.
func (r *Redactor) Header(name, value string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	switch {
	case n == "cookie":
		return Sanitize(MaskCookieHeader(value))
	case n == "set-cookie":
		return r.Text(maskSetCookie(value))
	case IsSecretHeader(n):
		return Sanitize(MaskCredential(value))
	}
	return r.Text(value)
}

// MaskCookieHeader masks each value of a "n=v; n2=v2" cookie string.
func MaskCookieHeader(v string) string {
	parts := strings.Split(v, ";")
	for i, p := range parts {
		name, val, ok := strings.Cut(p, "=")
		if ok {
			parts[i] = name + "=" + MaskSecret(strings.TrimSpace(val))
		}
	}
	return strings.Join(parts, ";")
}

func maskSetCookie(v string) string {
	first, attrs, _ := strings.Cut(v, ";")
	if name, val, ok := strings.Cut(first, "="); ok {
		first = name + "=" + MaskSecret(strings.TrimSpace(val))
	}
	if attrs != "" {
		return first + ";" + attrs
	}
	return first
}

// URL returns a URL fit to show: user info and token query parameters are
// masked, and any known secret elsewhere is hidden.
func (r *Redactor) URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return r.Text(maskUserinfo(raw))
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		changed := false
		for k, vs := range q {
			if IsTokenParam(k) {
				for i := range vs {
					vs[i] = MaskSecret(vs[i])
				}
				changed = true
			}
		}
		if changed {
			u.RawQuery = encodeQueryKeepOrder(u.RawQuery, q)
		}
	}
	s := u.String()
	s = strings.Replace(s, ":xxxxx@", ":"+Mask+"@", 1)
	return r.Text(s)
}

// encodeQueryKeepOrder re-encodes a query with masked values in the order
// the parameters were given.
func encodeQueryKeepOrder(raw string, masked url.Values) string {
	seen := map[string]int{}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		key, err := url.QueryUnescape(k)
		if err != nil || !IsTokenParam(key) {
			continue
		}
		idx := seen[key]
		seen[key]++
		if vs := masked[key]; idx < len(vs) {
			parts[i] = k + "=" + vs[idx]
		}
	}
	return strings.Join(parts, "&")
}
