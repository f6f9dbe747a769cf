package steps

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/fix401/fix401/probe"
)

// CleanToken removes what commonly sneaks into a pasted token: spaces and
// line breaks, surrounding quotes, and a "Bearer " prefix (even doubled).
func CleanToken(raw string) string {
	t := strings.TrimSpace(raw)
	t = strings.Trim(t, `"'`)
	for {
		t = strings.TrimSpace(t)
		if len(t) > 7 && strings.EqualFold(t[:7], "bearer ") {
			t = t[7:]
			continue
		}
		break
	}
	t = strings.Trim(t, `"'`)
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, t)
}

// TokenReport is what fix401 can tell about a token, in plain words.
type TokenReport struct {
	// JWT is set when the token could be decoded.
	JWT bool
	// Lines are facts (issuer, audience, expiry); Problems what is wrong.
	Lines    []string
	Problems []string
	// Header and Claims are the decoded parts, one "name: value" per
	// line, for the technical view.
	Header []string
	Claims []string
	// Expired is set when exp is past by the server's clock.
	Expired bool
}

// InspectToken looks at a pasted token: format problems, and for a JWT its
// header and claims, judged against the server's clock and challenge.
func InspectToken(raw string, d *probe.Diagnosis, now time.Time) TokenReport {
	var r TokenReport
	if strings.TrimSpace(raw) == "" {
		return r
	}
	clean := CleanToken(raw)
	trimmed := strings.Trim(strings.TrimSpace(raw), `"'`)
	if strings.ContainsAny(raw, "\r\n") {
		r.Problems = append(r.Problems, "It contains a line break: it was probably copied with an extra line. fix401 removes it; your app must too.")
	} else if strings.ContainsFunc(strings.TrimPrefix(strings.TrimPrefix(trimmed, "Bearer "), "bearer "), unicode.IsSpace) {
		r.Problems = append(r.Problems, "It contains spaces; a token never does. fix401 removes them.")
	}
	if low := strings.ToLower(trimmed); strings.HasPrefix(low, "bearer bearer") {
		r.Problems = append(r.Problems, "It starts with \"Bearer Bearer\": the word Bearer is there twice.")
	} else if strings.HasPrefix(low, "bearer ") {
		r.Problems = append(r.Problems, "You pasted the word Bearer too; only the token itself is needed (fix401 removes it).")
	}
	if strings.ContainsAny(strings.TrimSpace(raw)[:1], `"'`) {
		r.Problems = append(r.Problems, "It is wrapped in quotes; fix401 removes them.")
	}
	info, err := probe.DecodeJWT(clean)
	if err != nil {
		r.Lines = append(r.Lines, "This token is not a JWT, so fix401 cannot look inside it. That is normal for many services (GitHub, GitLab, API keys).")
		return r
	}
	info.Where = "pasted"
	rep := ReportToken(info, d, now)
	rep.Problems = append(r.Problems, rep.Problems...)
	return rep
}

// ReportToken describes a decoded JWT against the diagnosis (server clock
// and challenge); now is the local clock.
func ReportToken(t probe.TokenInfo, d *probe.Diagnosis, now time.Time) TokenReport {
	r := TokenReport{JWT: true}
	ref, clock := now, "this computer's clock"
	if d != nil && !d.ServerDate.IsZero() {
		ref, clock = now.Add(d.Skew), "the server's clock"
	}
	if t.Issuer != "" {
		r.Lines = append(r.Lines, "Issued by "+probe.Sanitize(t.Issuer))
	}
	if t.Subject != "" {
		r.Lines = append(r.Lines, "For "+probe.Sanitize(t.Subject))
	}
	if len(t.Audience) > 0 {
		r.Lines = append(r.Lines, "Meant for "+probe.Sanitize(strings.Join(t.Audience, ", ")))
	}
	if len(t.Scopes) > 0 {
		r.Lines = append(r.Lines, "Allows "+probe.Sanitize(strings.Join(t.Scopes, " ")))
	}
	switch {
	case t.Expires.IsZero():
		r.Lines = append(r.Lines, "It has no expiry time.")
	case !t.Expires.After(ref):
		r.Expired = true
		r.Problems = append(r.Problems, fmt.Sprintf("It expired %s ago, by %s (at %s). Get a fresh token.", Ago(ref.Sub(t.Expires)), clock, t.Expires.UTC().Format("2006-01-02 15:04 UTC")))
	default:
		r.Lines = append(r.Lines, fmt.Sprintf("Valid for another %s, by %s.", Ago(t.Expires.Sub(ref)), clock))
	}
	if !t.NotBefore.IsZero() && t.NotBefore.After(ref) {
		r.Problems = append(r.Problems, fmt.Sprintf("It is not valid yet: only from %s from now, by %s. The clocks of the issuer and the server disagree.", Ago(t.NotBefore.Sub(ref)), clock))
	}
	if !t.Signed {
		r.Problems = append(r.Problems, "It is not signed (alg \"none\"), so no server should accept it.")
	}
	if d != nil {
		for _, c := range d.Challenges {
			if want := c.Param("scope"); want != "" && len(t.Scopes) > 0 {
				var missing []string
				for _, w := range strings.Fields(want) {
					if !containsString(t.Scopes, w) {
						missing = append(missing, w)
					}
				}
				if len(missing) > 0 {
					r.Problems = append(r.Problems, "The server asks for the scope "+probe.Sanitize(strings.Join(missing, " "))+", which the token does not allow.")
				}
			}
			for _, k := range []string{"resource", "audience"} {
				if want := c.Param(k); want != "" && len(t.Audience) > 0 && !containsString(t.Audience, want) {
					r.Problems = append(r.Problems, "The server wants a token meant for "+probe.Sanitize(want)+"; this one is meant for "+probe.Sanitize(strings.Join(t.Audience, ", "))+".")
				}
			}
			if e := c.Param("error_description"); e != "" {
				r.Lines = append(r.Lines, "The server said: "+probe.Sanitize(e))
			}
		}
	}
	r.Header = kv(t.Header)
	r.Claims = kv(t.Claims)
	return r
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// kv renders a decoded JSON object as sorted "name: value" lines, bounded
// and sanitized.
func kv(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for i, k := range keys {
		if i == 40 {
			out = append(out, fmt.Sprintf("… %d more", len(keys)-40))
			break
		}
		v := fmt.Sprint(m[k])
		if f, ok := m[k].(float64); ok && (k == "exp" || k == "nbf" || k == "iat" || k == "auth_time") {
			v = fmt.Sprintf("%.0f (%s)", f, time.Unix(int64(f), 0).UTC().Format("2006-01-02 15:04:05 UTC"))
		}
		if len(v) > 200 {
			v = v[:200] + "…"
		}
		out = append(out, probe.Sanitize(k)+": "+probe.Sanitize(v))
	}
	return out
}
