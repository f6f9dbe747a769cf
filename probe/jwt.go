package probe

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// TokenInfo is a JWT decoded without verifying its signature.
type TokenInfo struct {
	// Where names where the token was found ("Authorization: Bearer",
	// "cookie session", "query access_token", "pasted").
	Where  string         `json:"where"`
	Header map[string]any `json:"header"`
	Claims map[string]any `json:"claims"`
	// Convenience copies of the registered claims; zero when absent.
	Alg       string    `json:"alg,omitempty"`
	Typ       string    `json:"typ,omitempty"`
	Issuer    string    `json:"iss,omitempty"`
	Subject   string    `json:"sub,omitempty"`
	Audience  []string  `json:"aud,omitempty"`
	Scopes    []string  `json:"scope,omitempty"`
	Expires   time.Time `json:"exp,omitempty"`
	NotBefore time.Time `json:"nbf,omitempty"`
	IssuedAt  time.Time `json:"iat,omitempty"`
	// Signed is false for alg "none" (or no alg) or an empty signature part.
	Signed bool `json:"signed"`
}

// MaxJWTSize bounds the tokens DecodeJWT accepts; real tokens are a few
// kilobytes at most.
const MaxJWTSize = 64 << 10

// DecodeJWT decodes a compact JWS (three base64url parts) without verifying
// it. A leading "Bearer " is ignored. It returns an error for anything that
// is not a JWT; the error never contains the token.
//
// The parts may be base64url with or without "=" padding. Header and claims
// must be JSON objects; numbers in them are kept as json.Number. The
// NumericDate claims exp, nbf and iat may be integers or fractions. Where
// is left for the caller to fill in.
func DecodeJWT(token string) (TokenInfo, error) {
	s := strings.TrimSpace(token)
	if len(s) >= 6 && strings.EqualFold(s[:6], "bearer") && (len(s) == 6 || isSpace(s[6])) {
		s = strings.TrimSpace(s[6:])
	}
	if len(s) > MaxJWTSize {
		return TokenInfo{}, fmt.Errorf("%w: longer than %d KiB", errNotJWT, MaxJWTSize>>10)
	}
	parts := strings.Split(s, ".")
	switch {
	case s == "":
		return TokenInfo{}, fmt.Errorf("%w: empty", errNotJWT)
	case len(parts) == 5:
		return TokenInfo{}, fmt.Errorf("%w: five parts, an encrypted token (JWE) that only its issuer can read", errNotJWT)
	case len(parts) != 3:
		return TokenInfo{}, fmt.Errorf("%w: %d dot-separated parts instead of 3", errNotJWT, len(parts))
	}
	var info TokenInfo
	var err error
	if info.Header, err = decodeJWTPart(parts[0]); err != nil {
		return TokenInfo{}, fmt.Errorf("%w: header %w", errNotJWT, err)
	}
	if info.Claims, err = decodeJWTPart(parts[1]); err != nil {
		return TokenInfo{}, fmt.Errorf("%w: claims %w", errNotJWT, err)
	}
	if _, err := decodeBase64URL(parts[2]); err != nil {
		return TokenInfo{}, fmt.Errorf("%w: signature is not base64url", errNotJWT)
	}
	info.Alg, _ = info.Header["alg"].(string)
	info.Typ, _ = info.Header["typ"].(string)
	info.Signed = parts[2] != "" && info.Alg != "" && !strings.EqualFold(info.Alg, "none")
	info.Issuer, _ = info.Claims["iss"].(string)
	info.Subject, _ = info.Claims["sub"].(string)
	info.Audience = stringList(info.Claims["aud"], false)
	if v, ok := info.Claims["scope"]; ok {
		info.Scopes = stringList(v, true)
	} else {
		info.Scopes = stringList(info.Claims["scp"], true)
	}
	info.Expires = numericDate(info.Claims["exp"])
	info.NotBefore = numericDate(info.Claims["nbf"])
	info.IssuedAt = numericDate(info.Claims["iat"])
	return info, nil
}

// decodeJWTPart decodes one base64url part holding a JSON object.
func decodeJWTPart(part string) (map[string]any, error) {
	raw, err := decodeBase64URL(part)
	if err != nil {
		return nil, fmt.Errorf("is not base64url")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, fmt.Errorf("is not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("has data after its JSON object")
	}
	return m, nil
}

// decodeBase64URL decodes base64url with or without "=" padding.
func decodeBase64URL(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// stringList reads a claim that is a string or an array of strings. With
// split, a string is a space-delimited list (OAuth "scope").
func stringList(v any, split bool) []string {
	switch v := v.(type) {
	case string:
		if split {
			return strings.Fields(v)
		}
		if v == "" {
			return nil
		}
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// NumericDate bounds: year 1 to year 9999, what time.Time formats sanely.
const (
	minNumericDate = -62135596800
	maxNumericDate = 253402300799
)

// numericDate reads a NumericDate (seconds since the epoch, RFC 7519 §2);
// anything else, or a date outside years 1–9999, gives the zero time.
func numericDate(v any) time.Time {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}
	}
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		if i < minNumericDate || i > maxNumericDate {
			return time.Time{}
		}
		return time.Unix(i, 0).UTC()
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsNaN(f) || f < minNumericDate || f > maxNumericDate {
		return time.Time{}
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC()
}

// ExpiredAt reports whether the token has an exp claim and t is not before
// it (RFC 7519 §4.1.4: the current time must be before exp).
func (ti TokenInfo) ExpiredAt(t time.Time) bool {
	return !ti.Expires.IsZero() && !t.Before(ti.Expires)
}

// NotYetValidAt reports whether the token has an nbf claim later than t.
func (ti TokenInfo) NotYetValidAt(t time.Time) bool {
	return !ti.NotBefore.IsZero() && t.Before(ti.NotBefore)
}

// HumanExpiry says for people when the token expires, seen from ref:
// "expired 3 hours ago", "expires in 12 minutes", "does not expire".
func (ti TokenInfo) HumanExpiry(ref time.Time) string {
	if ti.Expires.IsZero() {
		return "does not expire"
	}
	// Whole seconds from Unix times, as a Duration saturates at 292 years.
	d := ti.Expires.Sub(ref)
	secs := ti.Expires.Unix() - ref.Unix()
	if ti.ExpiredAt(ref) {
		if -d < time.Second {
			return "expired just now"
		}
		return "expired " + humanSeconds(-secs) + " ago"
	}
	if d < time.Second {
		return "expires in less than a second"
	}
	return "expires in " + humanSeconds(secs)
}

// humanSeconds renders a positive number of seconds in its largest whole
// unit: "45 seconds", "1 minute", "3 hours", "2 days", "5 years".
func humanSeconds(s int64) string {
	const (
		minute = 60
		hour   = 60 * minute
		day    = 24 * hour
		year   = 31556952 // the mean Gregorian year
	)
	unit := func(n int64, name string) string {
		if n == 1 {
			return "1 " + name
		}
		return strconv.FormatInt(n, 10) + " " + name + "s"
	}
	switch {
	case s < minute:
		return unit(max(s, 1), "second")
	case s < hour:
		return unit(s/minute, "minute")
	case s < 2*day:
		return unit(s/hour, "hour")
	case s < year:
		return unit(s/day, "day")
	}
	return unit(s/year, "year")
}
