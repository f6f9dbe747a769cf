package probe

// Temporary stand-ins for functions other branches provide; deleted when
// they merge.

import (
	"net/url"
	"strings"
	"time"
)

func CookiesFor(cookies []Cookie, u *url.URL, now time.Time) (send, expired []Cookie) {
	for _, c := range cookies {
		if !c.Expires.IsZero() && c.Expires.Before(now) {
			expired = append(expired, c)
			continue
		}
		send = append(send, c)
	}
	return send, expired
}
func CookieHeader(cookies []Cookie) string {
	var parts []string
	for _, c := range cookies {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

func ParseCookieString(s string) []Cookie {
	var out []Cookie
	for _, p := range strings.Split(s, ";") {
		n, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && n != "" {
			out = append(out, Cookie{Name: n, Value: v})
		}
	}
	return out
}

func ParseCurl(command string) (Request, error) {
	return Request{}, Inputf("curl import is not built yet")
}
func ParseCookieArg(arg string) ([]Cookie, string, error) {
	if strings.Contains(arg, "=") {
		return ParseCookieString(arg), "", nil
	}
	return nil, arg, Inputf("cookie file %q: not supported yet", arg)
}
