package probe

import (
	"encoding/base64"
	"strings"
)

// AuthProblem is one formatting mistake in a credential value as given.
type AuthProblem struct {
	// Kind is one of the Problem… constants.
	Kind string
	// Detail is one plain-language sentence, never containing the secret.
	Detail string
}

// The kinds of AuthProblem (diagnosis.md §3.B).
const (
	ProblemNewline           = "newline"
	ProblemWhitespace        = "whitespace"
	ProblemQuoted            = "quoted"
	ProblemDoubleScheme      = "double-scheme"
	ProblemMissingScheme     = "missing-scheme"
	ProblemSchemeGlued       = "scheme-glued"
	ProblemMissingCredential = "missing-credential"
	ProblemBasicNotBase64    = "basic-not-base64"
	ProblemBasicNoColon      = "basic-no-colon"
	ProblemBasicNewline      = "basic-trailing-newline"
	ProblemSchemeCase        = "scheme-case"
)

// canonicalSchemes maps the lower-cased standard schemes to the casing
// their specifications use.
var canonicalSchemes = map[string]string{
	"basic":     "Basic",
	"bearer":    "Bearer",
	"digest":    "Digest",
	"negotiate": "Negotiate",
	"ntlm":      "NTLM",
	"dpop":      "DPoP",
}

// credentialSchemes are words people put before a credential, standard or
// not, lower-cased.
var credentialSchemes = map[string]bool{
	"basic": true, "bearer": true, "digest": true, "negotiate": true, "ntlm": true,
	"dpop": true, "token": true, "jwt": true, "oauth": true, "apikey": true,
}

func isCredentialScheme(w string) bool { return credentialSchemes[strings.ToLower(w)] }

// problems collects AuthProblems, one per kind.
type problems []AuthProblem

func (p *problems) add(kind, detail string) {
	for _, q := range *p {
		if q.Kind == kind {
			return
		}
	}
	*p = append(*p, AuthProblem{Kind: kind, Detail: detail})
}

// InspectAuthorization reports the formatting mistakes in a whole
// Authorization (or Proxy-Authorization) header value: line breaks, stray
// whitespace, quotes, a doubled, missing, glued or oddly cased scheme, and
// Basic credentials that are not base64 of "user:password".
func InspectAuthorization(value string) []AuthProblem {
	var ps problems
	checkOuter(&ps, value, "value")
	v := strings.Trim(value, " \t\r\n")
	// Judge the rest as if line breaks were gone: they are reported above.
	wrapped := strings.ContainsAny(v, "\r\n")
	v = dropNewlines(v)
	if unq, ok := unquote(v); ok {
		ps.add(ProblemQuoted, "The value is wrapped in quotes, which are sent along; copy it without them.")
		v = unq
	}
	if v == "" {
		return ps
	}
	scheme, rest, hasRest := cutSpace(v)
	if !hasRest {
		checkLoneWord(&ps, v)
		return ps
	}
	extra := rest[:len(rest)-len(strings.TrimLeft(rest, " \t\r\n"))]
	if v[len(scheme)] == '\t' || strings.ContainsAny(extra, " \t") {
		ps.add(ProblemWhitespace, "There is more than one space, or a tab, between the scheme and the credential; servers expect exactly one space.")
	}
	rest = strings.Trim(rest, " \t\r\n")
	if want, ok := canonicalSchemes[strings.ToLower(scheme)]; ok && scheme != want {
		ps.add(ProblemSchemeCase, "The scheme is written \""+scheme+"\"; the standard spelling is \""+want+"\", and some servers compare it case-sensitively.")
	}
	word, _, _ := cutSpace(rest)
	if isCredentialScheme(scheme) && isCredentialScheme(word) {
		ps.add(ProblemDoubleScheme, "The scheme appears twice (\""+schemeName(scheme)+" "+schemeName(word)+" …\"); the credential should follow a single scheme.")
		return ps
	}
	if rest == "" {
		return ps
	}
	if _, ok := unquote(rest); ok && !strings.EqualFold(scheme, "digest") {
		ps.add(ProblemQuoted, "The credential after the scheme is wrapped in quotes, which are sent along; remove them.")
	}
	if strings.EqualFold(scheme, "basic") {
		checkBasic(&ps, rest, wrapped)
	}
	return ps
}

// InspectToken reports the formatting mistakes in a bare token or API key
// (a bearer token, an X-API-Key value): line breaks, stray whitespace,
// quotes, and a scheme given where only the token belongs.
func InspectToken(value string) []AuthProblem {
	var ps problems
	checkOuter(&ps, value, "token")
	v := dropNewlines(strings.Trim(value, " \t\r\n"))
	if unq, ok := unquote(v); ok {
		ps.add(ProblemQuoted, "The token is wrapped in quotes, which are sent along; copy it without them.")
		v = unq
	}
	word, _, hasRest := cutSpace(v)
	switch {
	case hasRest && isCredentialScheme(word):
		ps.add(ProblemDoubleScheme, "The token starts with \""+schemeName(word)+" \", but only the token belongs here; the scheme is added for you, so the server would see it twice.")
	case hasRest:
		ps.add(ProblemWhitespace, "The token contains spaces; a token is a single word, so part of it may be something else.")
	case gluedScheme(v) != "":
		ps.add(ProblemSchemeGlued, "The token starts with the word \""+schemeName(gluedScheme(v))+"\" glued to it; only the token belongs here.")
	}
	return ps
}

// checkOuter reports line breaks anywhere and spaces or tabs around the
// value. what names the value in the sentence.
func checkOuter(ps *problems, value, what string) {
	if strings.ContainsAny(value, "\r\n") {
		ps.add(ProblemNewline, "The "+what+" contains a line break (often from a file, a variable or echo); Go refuses to send it and other clients send it broken.")
	}
	noNL := strings.NewReplacer("\r", "", "\n", "").Replace(value)
	if strings.Trim(noNL, " \t") != noNL {
		ps.add(ProblemWhitespace, "The "+what+" has spaces or tabs before or after it; some clients send them and the server then rejects it.")
	}
}

// checkLoneWord judges an Authorization value that is a single word.
func checkLoneWord(ps *problems, v string) {
	switch {
	case isCredentialScheme(v):
		ps.add(ProblemMissingCredential, "The value is only the scheme \""+schemeName(v)+"\" with no credential after it (an empty variable, perhaps).")
	case gluedScheme(v) != "":
		s := schemeName(gluedScheme(v))
		ps.add(ProblemSchemeGlued, "The scheme \""+s+"\" is glued to the credential; put one space between them (\""+s+" …\").")
	case looksJWT(v):
		ps.add(ProblemMissingScheme, "The value is a bare JWT with no scheme; servers expect \"Bearer \" in front of it.")
	default:
		ps.add(ProblemMissingScheme, "The value has no scheme (such as \"Bearer \" or \"Basic \") in front of the credential; most servers expect one.")
	}
}

// checkBasic judges the credential part of a Basic value; wrapped says the
// value had a line break inside.
func checkBasic(ps *problems, cred string, wrapped bool) {
	cred, _ = unquote(cred)
	compact := strings.Join(strings.Fields(cred), "")
	decoded, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		ps.add(ProblemBasicNotBase64, "The Basic credential is not valid base64, so the server cannot read a user name and password from it.")
		// Read it anyway when only the padding or alphabet is off, to say
		// more about its content.
		if decoded, err = decodeAnyBase64(compact); err != nil {
			return
		}
	}
	text := string(decoded)
	switch {
	case strings.HasSuffix(text, "\n"):
		ps.add(ProblemBasicNewline, "The decoded user:password ends in a line break, as \"echo … | base64\" adds one; encode it with \"printf '%s' … | base64\" instead.")
	case wrapped:
		ps.add(ProblemBasicNewline, "The base64 is split over several lines, as base64 does every 76 characters; use \"base64 -w0\".")
	}
	if !strings.Contains(text, ":") {
		ps.add(ProblemBasicNoColon, "The decoded Basic credential has no colon; it must be \"user:password\" before base64 encoding.")
	}
}

// decodeAnyBase64 decodes standard or URL-safe base64, padded or not.
func decodeAnyBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawURLEncoding.DecodeString(s)
	}
	return b, err
}

// CleanAuthorization fixes the unambiguous formatting mistakes in an
// Authorization value: stray CR/LF and outer whitespace, wrapping quotes
// ("…" or '…', around the value or the credential), several spaces or a
// tab after the scheme, a doubled scheme ("Bearer Bearer x" → "Bearer x"),
// a bare JWT ("eyJ…" → "Bearer eyJ…") and "Bearer" glued to a JWT. It
// reports whether anything changed. Everything else is left as given.
func CleanAuthorization(value string) (cleaned string, changed bool) {
	v := dropNewlines(value)
	v = strings.Trim(v, " \t")
	v, _ = unquote(v)
	scheme, rest, hasRest := cutSpace(v)
	if !hasRest {
		switch {
		case looksJWT(v):
			v = "Bearer " + v
		case strings.EqualFold(gluedScheme(v), "bearer"):
			v = v[:len("bearer")] + " " + v[len("bearer"):]
		}
		return v, v != value
	}
	rest = strings.TrimLeft(rest, " \t")
	for isCredentialScheme(scheme) {
		word, after, ok := cutSpace(rest)
		if !ok || !strings.EqualFold(word, scheme) {
			break
		}
		rest = strings.TrimLeft(after, " \t")
	}
	if !strings.EqualFold(scheme, "digest") && !strings.ContainsAny(rest, " \t") {
		rest, _ = unquote(rest)
	}
	v = scheme + " " + rest
	return v, v != value
}

// CleanToken fixes the unambiguous formatting mistakes in a bare token:
// stray CR/LF and outer whitespace, wrapping quotes, and a "Bearer "
// prefix (or "Bearer" glued to a JWT) given where only the token belongs.
// It reports whether anything changed.
func CleanToken(value string) (string, bool) {
	v := dropNewlines(value)
	for range 4 {
		before := v
		v = strings.Trim(v, " \t")
		v, _ = unquote(v)
		if word, rest, ok := cutSpace(v); ok && strings.EqualFold(word, "bearer") {
			v = rest
		} else if strings.EqualFold(gluedScheme(v), "bearer") {
			v = v[len("bearer"):]
		}
		if v == before {
			break
		}
	}
	return v, v != value
}

// dropNewlines removes CR and LF. A line break between a lone scheme word
// and what follows becomes a space ("Bearer\neyJ…"); elsewhere (a wrapped
// base64 value, a trailing newline) it is dropped.
func dropNewlines(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '\r' && s[i] != '\n' {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && (s[j] == '\r' || s[j] == '\n') {
			j++
		}
		// Only a short prefix can be a lone scheme word; the length check
		// keeps many line breaks from costing quadratic time.
		if i > 0 && j < len(s) && !isSpace(s[i-1]) && !isSpace(s[j]) && b.Len() <= 32 {
			if prev := strings.TrimLeft(b.String(), " \t\"'"); !strings.ContainsAny(prev, " \t") && isCredentialScheme(prev) {
				b.WriteByte(' ')
			}
		}
		i = j
	}
	return b.String()
}

// unquote strips one pair of matching wrapping quotes ("…" or '…') and the
// whitespace inside them.
func unquote(s string) (string, bool) {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		inner := s[1 : len(s)-1]
		if !strings.ContainsRune(inner, rune(s[0])) {
			return strings.Trim(inner, " \t"), true
		}
	}
	return s, false
}

// cutSpace splits s at its first space or tab.
func cutSpace(s string) (before, after string, found bool) {
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

// gluedScheme returns the scheme word, as written, that starts s glued to
// a credential: "Bearer" before a JWT, or "Basic" before base64 of
// "user:password". Otherwise it returns "".
func gluedScheme(s string) string {
	const bearer, basic = "bearer", "basic"
	if len(s) > len(bearer) && strings.EqualFold(s[:len(bearer)], bearer) && looksJWT(s[len(bearer):]) {
		return s[:len(bearer)]
	}
	if len(s) > len(basic)+4 && strings.EqualFold(s[:len(basic)], basic) {
		if b, err := base64.StdEncoding.DecodeString(s[len(basic):]); err == nil && strings.Contains(string(b), ":") {
			return s[:len(basic)]
		}
	}
	return ""
}

// looksJWT reports whether s has the shape of a compact JWS or JWE.
func looksJWT(s string) bool {
	n := strings.Count(s, ".")
	return strings.HasPrefix(s, "eyJ") && (n == 2 || n == 4) && !strings.ContainsAny(s, " \t\r\n")
}

// schemeName gives a scheme word in its standard casing when it has one.
func schemeName(w string) string {
	if c, ok := canonicalSchemes[strings.ToLower(w)]; ok {
		return c
	}
	return w
}
