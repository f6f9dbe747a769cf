package probe

import "strings"

// Challenge is one authentication challenge from a WWW-Authenticate or
// Proxy-Authenticate field (RFC 9110 §11).
type Challenge struct {
	// Scheme is as the server sent it; compare with Is.
	Scheme string `json:"scheme"`
	// Token68 is set for a challenge of the form "Scheme token68".
	Token68 string `json:"token68,omitempty"`
	// Params are the auth-params, names lower-cased, quoted-pairs resolved.
	// When a name repeats, the first value is kept.
	Params map[string]string `json:"params"`
	// Raw is this challenge's text as received (not sanitized).
	Raw string `json:"-"`
}

// Is reports whether the challenge's scheme is name, ignoring case.
func (c Challenge) Is(name string) bool { return strings.EqualFold(c.Scheme, name) }

// Param returns a parameter's value ("" when absent); name is matched
// case-insensitively.
func (c Challenge) Param(name string) string { return c.Params[strings.ToLower(name)] }

// ParseChallenges parses every challenge in the given field lines (all
// WWW-Authenticate lines of a response, in order). It never fails: text it
// cannot make sense of becomes a challenge with only a Scheme and Raw.
func ParseChallenges(lines []string) []Challenge {
	// TODO(helper): implement per RFC 9110 §11 and ../shared/docs/diagnosis.md §5.
	return nil
}
