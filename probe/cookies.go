package probe

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MaxCookieFile bounds the size of a cookie file. Real ones are a few
// kilobytes; anything larger is not a cookie file.
const MaxCookieFile = 10 << 20

// httpOnlyPrefix marks an HttpOnly cookie in a Netscape cookie file, as curl
// and browser extensions write it.
const httpOnlyPrefix = "#HttpOnly_"

// ParseCookieArg interprets a -b/--cookie argument as curl does: text
// containing "=" is cookies ("n=v; n2=v2"), anything else the name of a
// Netscape cookie file, read from disk. file is that name when one was read.
// An empty argument gives no cookies, as in curl, where it only turns the
// cookie engine on.
func ParseCookieArg(arg string) (cookies []Cookie, file string, err error) {
	if strings.Contains(arg, "=") {
		return ParseCookieString(arg), "", nil
	}
	if strings.TrimSpace(arg) == "" {
		return nil, "", nil
	}
	if arg == "-" {
		return nil, "", Inputf("cookie file \"-\": reading cookies from standard input is not possible here; give the file name")
	}
	data, err := readInputFile("cookie file", arg, MaxCookieFile)
	if err != nil {
		return nil, "", err
	}
	cookies, err = ParseCookieFile(data)
	if err != nil {
		return nil, "", Inputf("cookie file %q: %w", Sanitize(arg), err)
	}
	return cookies, arg, nil
}

// ParseCookieString parses a Cookie header value or a curl -b string,
// "n=v; n2=v2". Spaces around names and values and empty parts are ignored.
// A part without "=" becomes a cookie with an empty name, which is how
// browsers send it (RFC 6265bis §5.6): just the value.
func ParseCookieString(s string) []Cookie {
	var out []Cookie
	for part := range strings.SplitSeq(s, ";") {
		part = strings.Trim(part, " \t")
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			out = append(out, Cookie{Value: part})
			continue
		}
		out = append(out, Cookie{Name: strings.Trim(name, " \t"), Value: strings.Trim(value, " \t")})
	}
	return out
}

// ParseCookieFile parses a Netscape (Mozilla) cookie file, as curl -c and
// browser extensions such as "Get cookies.txt LOCALLY" write it: one cookie
// per line, seven tab-separated fields (domain, include subdomains
// TRUE/FALSE, path, secure TRUE/FALSE, expiry in Unix seconds with 0 for a
// session cookie, name, value). Lines starting with '#' are comments, except
// that a "#HttpOnly_" prefix on the domain marks an HttpOnly cookie. CRLF
// line ends and blank lines are fine.
//
// Like curl, it also accepts six fields: when the third is TRUE or FALSE the
// path was left out (it becomes "/"), otherwise the value was (it becomes
// empty). An empty expiry, as Python's MozillaCookieJar writes for session
// cookies, is a session cookie; a fractional one is truncated. A leading dot
// on the domain is dropped and means the cookie covers subdomains.
//
// A malformed line gives an InputError naming its line number and the field
// at fault, never the line's text, which holds secrets.
func ParseCookieFile(data []byte) ([]Cookie, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if err := notCookieFile(data); err != nil {
		return nil, err
	}
	var out []Cookie
	n := 0
	for len(data) > 0 {
		n++
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		c, ok, err := parseCookieLine(string(bytes.TrimRight(line, "\r")))
		if err != nil {
			return nil, Inputf("line %d: %w", n, err)
		}
		if ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// notCookieFile recognises files that are plainly something else, so that
// the error says what the file is rather than what its first line lacks.
func notCookieFile(data []byte) error {
	head := data[:min(len(data), 512)]
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) > 0 && (trimmed[0] == '[' || trimmed[0] == '{') {
		return Inputf("this is JSON, not a Netscape cookie file; export the cookies in Netscape (cookies.txt) format")
	}
	switch ct := http.DetectContentType(head); {
	case strings.HasPrefix(ct, "text/html"), strings.HasPrefix(ct, "text/xml"):
		return Inputf("this is an HTML or XML page, not a Netscape cookie file")
	case ct != "application/octet-stream" && !strings.HasPrefix(ct, "text/"):
		return Inputf("this is %s data, not a Netscape cookie file", strings.SplitN(ct, ";", 2)[0])
	case ct == "application/octet-stream" || bytes.IndexByte(head, 0) >= 0:
		return Inputf("this is binary data, not a Netscape cookie file")
	}
	return nil
}

// cookieFieldNames name the seven fields for error messages.
var cookieFieldNames = [7]string{"domain", "include subdomains", "path", "secure", "expiry", "name", "value"}

// parseCookieLine parses one line of a cookie file; ok is false for a
// comment or blank line. Errors never quote the line.
func parseCookieLine(line string) (c Cookie, ok bool, err error) {
	trimmed := strings.TrimSpace(line)
	if trimmed == "" {
		return c, false, nil
	}
	if rest, found := strings.CutPrefix(trimmed, httpOnlyPrefix); found {
		c.HTTPOnly = true
		line = rest
	} else if trimmed[0] == '#' {
		return c, false, nil
	}
	fields := strings.Split(line, "\t")
	// A trailing tab after the value (or an empty value) adds empty fields.
	for len(fields) > 7 && fields[len(fields)-1] == "" {
		fields = fields[:len(fields)-1]
	}
	switch {
	case len(fields) == 6 && isBool(fields[2]):
		// The path was left out.
		fields = append(fields[:2:2], append([]string{"/"}, fields[2:]...)...)
	case len(fields) == 6:
		// The value was left out.
		fields = append(fields, "")
	case len(fields) > 7:
		return c, false, fmt.Errorf("found %d tab-separated fields, a cookie line has 7 (%s)", len(fields), strings.Join(cookieFieldNames[:], ", "))
	case len(fields) < 6:
		if len(fields) == 1 && strings.ContainsAny(strings.TrimSpace(line), " ") {
			return c, false, errors.New("fields must be separated by tabs, not spaces")
		}
		return c, false, fmt.Errorf("found %d tab-separated fields, a cookie line has 7 (%s)", len(fields), strings.Join(cookieFieldNames[:], ", "))
	}

	domain := strings.ToLower(strings.TrimSpace(fields[0]))
	dotted := strings.HasPrefix(domain, ".")
	domain = strings.TrimPrefix(domain, ".")
	if domain == "" || strings.ContainsFunc(domain, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return c, false, errors.New("field 1 (domain) is empty or not a host name")
	}
	c.Domain = domain

	sub, okSub := parseBool(fields[1])
	if !okSub {
		return c, false, errors.New("field 2 (include subdomains) must be TRUE or FALSE")
	}
	c.IncludeSubdomains = sub || dotted

	c.Path = strings.TrimSpace(fields[2])
	if !strings.HasPrefix(c.Path, "/") {
		// curl does the same with a path that does not start with '/'.
		c.Path = "/"
	}

	secure, okSec := parseBool(fields[3])
	if !okSec {
		return c, false, errors.New("field 4 (secure) must be TRUE or FALSE")
	}
	c.Secure = secure

	exp, okExp := parseExpiry(fields[4])
	if !okExp {
		return c, false, errors.New("field 5 (expiry) must be a whole number of Unix seconds, 0 for a session cookie")
	}
	c.Expires = exp

	c.Name = fields[5]
	c.Value = fields[6]
	return c, true, nil
}

func isBool(s string) bool {
	_, ok := parseBool(s)
	return ok
}

// parseBool reads a TRUE/FALSE field, ignoring case and surrounding space.
func parseBool(s string) (v, ok bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "TRUE":
		return true, true
	case "FALSE":
		return false, true
	}
	return false, false
}

// parseExpiry reads the expiry field: Unix seconds, 0 or empty for a session
// cookie (the zero time). A negative expiry is in the past, as for curl.
func parseExpiry(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return time.Time{}, false
		}
		// Clamp to what time.Unix and a Date header can represent; beyond
		// that the cookie never expires anyway.
		f = math.Max(math.Min(math.Trunc(f), 1<<53), -(1 << 53))
		sec = int64(f)
	}
	if sec == 0 {
		return time.Time{}, true
	}
	// time.Unix with a huge value overflows into odd years; cap at year 9999.
	const maxSec = 253402300799
	sec = max(min(sec, maxSec), -maxSec)
	return time.Unix(sec, 0).UTC(), true
}

// CookiesFor splits cookies into those a request to u at time now would
// carry and those that would be carried but have expired, following RFC 6265
// §5.4: the host must domain-match (exactly for a host-only cookie, or a
// subdomain when IncludeSubdomains is set, never for an IP address), the
// path must path-match, and a Secure cookie needs https. Like curl, browsers
// and Go's cookie jar, fix401 counts http://localhost (and *.localhost and
// loopback addresses) as secure, so Secure cookies are sent to a local dev
// server. Cookies from a "n=v" string (no Domain) always match and never
// expire. send is ordered longer paths first, as §5.4 asks; ties keep their
// order.
func CookiesFor(cookies []Cookie, u *url.URL, now time.Time) (send, expired []Cookie) {
	if u == nil {
		u = &url.URL{}
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	reqPath := u.Path
	if !strings.HasPrefix(reqPath, "/") {
		reqPath = "/"
	}
	secure := strings.EqualFold(u.Scheme, "https") || strings.EqualFold(u.Scheme, "wss") || isLoopback(host)
	for _, c := range cookies {
		if c.Domain != "" {
			if !domainMatch(host, c.Domain, c.IncludeSubdomains) || !pathMatch(reqPath, c.Path) || (c.Secure && !secure) {
				continue
			}
		}
		if c.ExpiredAt(now) {
			expired = append(expired, c)
			continue
		}
		send = append(send, c)
	}
	sort.SliceStable(send, func(i, j int) bool { return cookiePathLen(send[i]) > cookiePathLen(send[j]) })
	return send, expired
}

func cookiePathLen(c Cookie) int {
	if c.Path == "" {
		return 1
	}
	return len(c.Path)
}

// domainMatch is RFC 6265 §5.1.3 plus the host-only rule of §5.4. A leading
// dot on domain, as cookie files written by hand have it, means
// subdomains.
func domainMatch(host, domain string, sub bool) bool {
	d := strings.ToLower(domain)
	if strings.HasPrefix(d, ".") {
		d, sub = d[1:], true
	}
	d = strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(d, "["), "]"), ".")
	if host == "" || d == "" {
		return false
	}
	if host == d {
		return true
	}
	if !sub || net.ParseIP(host) != nil {
		return false
	}
	return strings.HasSuffix(host, "."+d)
}

// pathMatch is RFC 6265 §5.1.4.
func pathMatch(reqPath, cookiePath string) bool {
	if cookiePath == "" || cookiePath == "/" {
		return true
	}
	if reqPath == cookiePath {
		return true
	}
	if !strings.HasPrefix(reqPath, cookiePath) {
		return false
	}
	return strings.HasSuffix(cookiePath, "/") || reqPath[len(cookiePath)] == '/'
}

// ExpiredAt reports whether the cookie has an expiry and t is not before
// it; a session cookie never expires.
func (c Cookie) ExpiredAt(t time.Time) bool {
	return !c.Expires.IsZero() && !t.Before(c.Expires)
}

// CookieHeader formats cookies as a Cookie header value, "n=v; n2=v2". A
// cookie with an empty name is written as its value alone.
func CookieHeader(cookies []Cookie) string {
	var b strings.Builder
	for i, c := range cookies {
		if i > 0 {
			b.WriteString("; ")
		}
		if c.Name != "" {
			b.WriteString(c.Name)
			b.WriteByte('=')
		}
		b.WriteString(c.Value)
	}
	return b.String()
}

// readInputFile reads a file the person named (a cookie file, a request
// body, a header file), at most limit bytes. Errors are InputErrors that name
// the file and what is wrong in a few words, such as
// `cookie file "x.txt": no such file`.
func readInputFile(kind, name string, limit int64) ([]byte, error) {
	shown := Sanitize(name)
	// Check before opening: opening a named pipe blocks, and a device
	// could never end.
	info, err := os.Stat(name)
	if err != nil {
		return nil, fileError(kind, shown, err)
	}
	if info.IsDir() {
		return nil, Inputf("%s %q: is a directory, not a file", kind, shown)
	}
	if !info.Mode().IsRegular() {
		return nil, Inputf("%s %q: is not a regular file", kind, shown)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fileError(kind, shown, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fileError(kind, shown, err)
	}
	if int64(len(data)) > limit {
		return nil, Inputf("%s %q: larger than %d MiB, which is too large", kind, shown, limit>>20)
	}
	return data, nil
}

func fileError(kind, shown string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Inputf("%s %q: no such file", kind, shown)
	case errors.Is(err, fs.ErrPermission):
		return Inputf("%s %q: permission denied", kind, shown)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return Inputf("%s %q: cannot read it: %w", kind, shown, err)
}
