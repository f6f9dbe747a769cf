package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The kinds of Contact.
const (
	// ContactErrorURI is an error_uri parameter of a challenge: a page
	// explaining the error (RFC 6750 §3).
	ContactErrorURI = "error_uri"
	// ContactHelpLink is a Link header with rel="help" (RFC 8288).
	ContactHelpLink = "help-link"
	// ContactSecurityTxt is a Contact: line of the site's security.txt
	// (RFC 9116).
	ContactSecurityTxt = "security.txt"
	// ContactPolicy is a Policy: line of the site's security.txt: the page
	// saying how to report problems.
	ContactPolicy = "security-policy"
)

// Contact is a way to reach the site's administrators, and where fix401
// found it. Every field is sanitized and fit to print.
type Contact struct {
	// Kind is one of the Contact… kinds.
	Kind string `json:"kind"`
	// Value is an http(s), mailto: or tel: URI.
	Value string `json:"value"`
	// Source says where it was found: a header, or the security.txt URL.
	Source string `json:"source"`
	// Note is extra information: a link's title, the preferred languages
	// of a security.txt, or a warning that the file has expired or came
	// over plain http.
	Note string `json:"note,omitempty"`
}

// String is "value (source)".
func (c Contact) String() string {
	s := c.Value + " (" + c.Source + ")"
	if c.Note != "" {
		s += ": " + c.Note
	}
	return s
}

const (
	// maxContacts bounds the contacts taken from one response or file.
	maxContacts = 20
	// maxContactLen bounds the length of one contact URI.
	maxContactLen = 2048
	// maxSecurityTxt is the most of a security.txt that is read.
	maxSecurityTxt = 64 << 10
	// securityTxtTimeout bounds FetchSecurityTxt as a whole.
	securityTxtTimeout = 10 * time.Second
)

// ErrNoSecurityTxt is wrapped by FetchSecurityTxt's error when the site
// answered but publishes no usable security.txt (as opposed to not
// answering at all).
var ErrNoSecurityTxt = errors.New("the site publishes no security.txt")

// ContactsFrom lists the contacts an exchange already shows, without
// sending anything: the error_uri of every challenge (WWW-Authenticate and
// Proxy-Authenticate) of the final response, and its Link headers with
// rel="help" (RFC 8288: several links per field, quoted parameters,
// relative references resolved against the response's URL). Only http,
// https, mailto and tel URIs are kept; duplicates are dropped.
func ContactsFrom(ex *Exchange) []Contact {
	if ex == nil {
		return nil
	}
	h := ex.Last()
	if h == nil || h.Status == 0 || h.Header == nil {
		return nil
	}
	red := ExchangeRedactor(ex)
	var out contactList
	for _, field := range []string{"WWW-Authenticate", "Proxy-Authenticate"} {
		for _, ch := range ParseChallenges(h.Header.Values(field)) {
			if v := contactURI(ch.Param("error_uri"), h.URL, red); v != "" {
				out.add(Contact{Kind: ContactErrorURI, Value: v, Source: field + " (" + clipRunes(Sanitize(ch.Scheme), 40) + " challenge)"})
			}
		}
	}
	for _, line := range h.Header.Values("Link") {
		for _, l := range parseLinks(line) {
			if !l.hasRel("help") {
				continue
			}
			if v := contactURI(l.target, h.URL, red); v != "" {
				out.add(Contact{Kind: ContactHelpLink, Value: v, Source: `Link header (rel="help")`, Note: clipRunes(red.Text(l.title()), 200)})
			}
		}
	}
	return out.list
}

// contactList collects contacts without duplicates, up to maxContacts.
type contactList struct{ list []Contact }

func (l *contactList) add(c Contact) {
	if len(l.list) >= maxContacts {
		return
	}
	for _, x := range l.list {
		if x.Kind == c.Kind && x.Value == c.Value {
			return
		}
	}
	l.list = append(l.list, c)
}

// contactURI returns raw as a sanitized http(s), mailto or tel URI,
// resolved against base, or "" when it is none of those. A bare e-mail
// address becomes a mailto: URI.
func contactURI(raw, base string, red *Redactor) string {
	s := strings.TrimSpace(Sanitize(raw))
	if s == "" || len(s) > maxContactLen || strings.ContainsAny(s, " \t") {
		return ""
	}
	if !strings.Contains(s, ":") && strings.Count(s, "@") == 1 && !strings.ContainsAny(s, "/?#<>") {
		s = "mailto:" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	if !u.IsAbs() && base != "" {
		b, err := url.Parse(base)
		if err != nil {
			return ""
		}
		u = b.ResolveReference(u)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return ""
		}
		u.User = nil
	case "mailto", "tel":
		if u.Opaque == "" {
			return ""
		}
	default:
		return ""
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return red.URL(u.String())
}

// link is one link-value of a Link field (RFC 8288 §3).
type link struct {
	target string
	// params holds the parameters, names lower-cased; the first of a
	// repeated name wins (§3.3 for rel).
	params map[string]string
}

// hasRel reports whether the link's relation types include rel.
func (l link) hasRel(rel string) bool {
	for _, r := range strings.Fields(l.params["rel"]) {
		if strings.EqualFold(r, rel) {
			return true
		}
	}
	return false
}

// title returns the title* parameter decoded (RFC 8187), else title.
func (l link) title() string {
	if v, ok := l.params["title*"]; ok {
		if charset, rest, ok := strings.Cut(v, "'"); ok && strings.EqualFold(charset, "utf-8") {
			if _, enc, ok := strings.Cut(rest, "'"); ok {
				if t, err := url.PathUnescape(enc); err == nil {
					return t
				}
			}
		}
	}
	return l.params["title"]
}

// parseLinks parses one Link field value leniently and in linear time:
// link-values that do not start with "<" are skipped, commas inside the
// target or inside quoted strings do not split.
func parseLinks(s string) []link {
	var out []link
	n := len(s)
	i := 0
	for i < n && len(out) < 4*maxContacts {
		for i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
			i++
		}
		if i >= n {
			break
		}
		if s[i] != '<' {
			i = skipLinkValue(s, i)
			continue
		}
		end := strings.IndexByte(s[i+1:], '>')
		if end < 0 {
			break
		}
		l := link{target: strings.TrimSpace(s[i+1 : i+1+end]), params: map[string]string{}}
		i += end + 2
		for {
			i = skipLinkSpace(s, i)
			if i >= n || s[i] == ',' {
				break
			}
			if s[i] != ';' {
				i = skipLinkValue(s, i)
				break
			}
			i = skipLinkSpace(s, i+1)
			start := i
			for i < n && isLinkTokenChar(s[i]) {
				i++
			}
			name := strings.ToLower(s[start:i])
			i = skipLinkSpace(s, i)
			val := ""
			if i < n && s[i] == '=' {
				i = skipLinkSpace(s, i+1)
				if i < n && s[i] == '"' {
					val, i = readLinkQuoted(s, i)
				} else {
					j := i
					for j < n && s[j] != ';' && s[j] != ',' {
						j++
					}
					val, i = strings.TrimSpace(s[i:j]), j
				}
			}
			if _, dup := l.params[name]; name != "" && !dup {
				l.params[name] = val
			}
		}
		out = append(out, l)
	}
	return out
}

func skipLinkSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

func isLinkTokenChar(c byte) bool {
	return c > ' ' && c < 0x7f && !strings.ContainsRune(`"(),/:;<=>?@[\]{}`, rune(c))
}

// skipLinkValue moves past the rest of a link-value, to the next comma
// outside a quoted string or angle brackets.
func skipLinkValue(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ',':
			return i
		case '"':
			_, i = readLinkQuoted(s, i)
			continue
		case '<':
			if end := strings.IndexByte(s[i:], '>'); end > 0 {
				i += end + 1
				continue
			}
		}
		i++
	}
	return i
}

// readLinkQuoted reads the quoted-string starting at s[i] == '"' and
// returns its value (quoted-pairs resolved) and the index after it. An
// unterminated string runs to the end.
func readLinkQuoted(s string, i int) (string, int) {
	var b strings.Builder
	i++
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			return b.String(), i + 1
		case c == '\\' && i+1 < len(s):
			b.WriteByte(s[i+1])
			i += 2
			continue
		}
		b.WriteByte(c)
		i++
	}
	return b.String(), i
}

// FetchSecurityTxt fetches the site's security.txt (RFC 9116) and returns
// its Contact: lines and Policy: lines. It sends one or more requests, so
// call it only after the person agrees. rawURL is any URL of the site; the
// file is looked for at /.well-known/security.txt, then /security.txt, over
// https; for an http:// site, over http too, in that order. Redirects are
// followed (up to 5, never from https to http). At most 64 KiB of the file
// is read, everything is sanitized, and the whole fetch is bounded by a
// 10-second limit (or ctx's, if shorter).
//
// A PGP-signed file (RFC 4880 cleartext signature) is read through its
// wrapper; the signature is not checked. The error is an InputError for a
// bad URL, wraps ErrNoSecurityTxt when the site answered without a usable
// file, and says what failed when nothing answered.
func FetchSecurityTxt(ctx context.Context, rawURL string, insecure bool) ([]Contact, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, securityTxtTimeout)
	defer cancel()
	tr := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DisableKeepAlives:      true,
		ForceAttemptHTTP2:      true,
		TLSClientConfig:        &tls.Config{InsecureSkipVerify: insecure}, //nolint:gosec // the person asked for -k
		MaxResponseHeaderBytes: maxHeaderBytes,
		TLSHandshakeTimeout:    securityTxtTimeout,
		ResponseHeaderTimeout:  securityTxtTimeout,
		DialContext:            (&net.Dialer{Timeout: securityTxtTimeout}).DialContext,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 || via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
	schemes := []string{"https"}
	if u.Scheme == "http" {
		schemes = append(schemes, "http")
	}
	var answered, failed []string
	for _, scheme := range schemes {
		for _, path := range []string{"/.well-known/security.txt", "/security.txt"} {
			target := scheme + "://" + u.Host + path
			cs, why, reached := fetchSecurityTxt(ctx, client, target)
			if len(cs) > 0 {
				return cs, nil
			}
			if !reached {
				failed = append(failed, target+": "+why)
				break // the same host and port will not answer the other path
			}
			answered = append(answered, target+": "+why)
		}
		if ctx.Err() != nil {
			break
		}
	}
	if len(answered) > 0 {
		return nil, fmt.Errorf("probe: %w (%s)", ErrNoSecurityTxt, strings.Join(answered, "; "))
	}
	return nil, fmt.Errorf("probe: security.txt could not be fetched (%s)", strings.Join(failed, "; "))
}

// fetchSecurityTxt fetches one candidate URL. It returns the contacts
// found, or why there are none and whether the server answered at all.
func fetchSecurityTxt(ctx context.Context, client *http.Client, target string) ([]Contact, string, bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, Sanitize(err.Error()), false
	}
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("Accept", "text/plain")
	res, err := client.Do(req)
	if err != nil {
		return nil, classify(ctx, err).Message, false
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		why := fmt.Sprintf("%d %s", res.StatusCode, http.StatusText(res.StatusCode))
		if loc := res.Header.Get("Location"); loc != "" && res.StatusCode >= 300 && res.StatusCode < 400 {
			why += ", redirect to " + NewRedactor().URL(loc) + " not followed"
		}
		return nil, why, true
	}
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if mt != "text/plain" {
		if mt == "" {
			mt = "no type"
		}
		return nil, "answered with " + Sanitize(clipRunes(mt, 60)) + ", not a text file", true
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxSecurityTxt+1))
	if err != nil && len(body) == 0 {
		return nil, classify(ctx, err).Message, true
	}
	if len(body) > maxSecurityTxt {
		// Keep whole lines only.
		body = body[:maxSecurityTxt]
		if i := strings.LastIndexByte(string(body), '\n'); i >= 0 {
			body = body[:i]
		}
	}
	text := string(body)
	if looksLikeHTML(text) {
		return nil, "answered with a web page, not a security.txt", true
	}
	final := res.Request.URL.String()
	cs := parseSecurityTxt(text, final, time.Now())
	if len(cs) == 0 {
		return nil, "the file has no Contact: line", true
	}
	if res.Request.URL.Scheme == "http" {
		for i := range cs {
			cs[i].Note = joinNotes(cs[i].Note, "fetched over plain http, so it could have been altered on the way")
		}
	}
	return cs, "", true
}

func looksLikeHTML(s string) bool {
	t := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(s, "\ufeff")))
	return strings.HasPrefix(t, "<!doctype") || strings.HasPrefix(t, "<html") || strings.HasPrefix(t, "<head") || strings.HasPrefix(t, "<body")
}

// parseSecurityTxt reads the Contact:, Policy:, Preferred-Languages: and
// Expires: fields of a security.txt fetched from source. A cleartext PGP
// signature wrapper is skipped and its dash-escaping undone.
func parseSecurityTxt(text, source string, now time.Time) []Contact {
	red := NewRedactor()
	var contacts, policies contactList
	var langs string
	var expires time.Time
	inSig := false
	for _, line := range strings.Split(strings.TrimPrefix(text, "\ufeff"), "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case strings.HasPrefix(line, "-----BEGIN PGP SIGNATURE-----"):
			inSig = true
			continue
		case strings.HasPrefix(line, "-----END PGP SIGNATURE-----"):
			inSig = false
			continue
		case inSig, strings.HasPrefix(line, "#"):
			continue
		}
		line = strings.TrimPrefix(line, "- ")
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "contact":
			if v := contactURI(value, source, red); v != "" {
				contacts.add(Contact{Kind: ContactSecurityTxt, Value: v, Source: red.URL(source)})
			}
		case "policy":
			if v := contactURI(value, source, red); v != "" && !strings.HasPrefix(v, "mailto:") && !strings.HasPrefix(v, "tel:") {
				policies.add(Contact{Kind: ContactPolicy, Value: v, Source: red.URL(source)})
			}
		case "preferred-languages":
			if langs == "" {
				langs = clipRunes(Sanitize(value), 100)
			}
		case "expires":
			if t, err := time.Parse(time.RFC3339, value); err == nil && expires.IsZero() {
				expires = t
			}
		}
	}
	if len(contacts.list) == 0 {
		return nil
	}
	note := ""
	if langs != "" {
		note = "preferred languages: " + langs
	}
	if !expires.IsZero() && expires.Before(now) {
		note = joinNotes(note, "the file expired on "+expires.UTC().Format("2 January 2006")+", so this may be out of date")
	}
	out := append(contacts.list, policies.list...)
	for i := range out {
		out[i].Note = joinNotes(out[i].Note, note)
	}
	return out
}

func joinNotes(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}
