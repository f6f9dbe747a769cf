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
//
// The grammar is RFC 9110 §11 (several challenges per line, token68 with
// "=" padding, quoted strings with quoted-pairs, case-insensitive names),
// read leniently the way real servers write it: parameters separated by
// spaces only, stray or trailing commas, unquoted values holding
// characters a token may not, and data after a scheme that is neither a
// token68 nor a parameter (kept in Raw only). Field lines are read as if
// joined by commas, as RFC 9110 §5.3 allows, so a line that starts with a
// parameter continues the challenge of the line before it. The work is
// linear in the length of the input.
func ParseChallenges(lines []string) []Challenge {
	p := challengeParser{cur: -1}
	for _, line := range lines {
		p.parseLine(line)
	}
	return p.out
}

// challengeParser holds the state carried from one field line to the next.
type challengeParser struct {
	out []Challenge
	// cur is the index in out of the challenge that parameters go to, or
	// -1 before the first challenge.
	cur int
	// line is the field line being parsed; segStart and segEnd bound the
	// part of it that belongs to out[cur] (segStart < 0 when none does).
	line             string
	segStart, segEnd int
}

func (p *challengeParser) parseLine(s string) {
	p.line, p.segStart, p.segEnd = s, -1, -1
	n := len(s)
	i := 0
	for i < n {
		i = skipSpace(s, i)
		if i >= n {
			break
		}
		if s[i] == ',' {
			i++
			continue
		}
		tokEnd := scanToken(s, i)
		if tokEnd == i {
			// Not a token: skip this list element, keeping its text in
			// the current challenge's Raw.
			end := skipElement(s, i)
			p.extend(i, end)
			i = end
			continue
		}
		j := skipSpace(s, tokEnd)
		if j < n && s[j] == '=' {
			i = p.parseParam(s, i, tokEnd, j+1)
			continue
		}
		i = p.parseChallenge(s, i, tokEnd)
	}
	p.flush()
}

// parseChallenge starts a new challenge whose scheme is s[start:tokEnd] and
// reads a token68 if one follows. It returns where parsing goes on.
func (p *challengeParser) parseChallenge(s string, start, tokEnd int) int {
	p.flush()
	p.out = append(p.out, Challenge{Scheme: s[start:tokEnd], Params: map[string]string{}})
	p.cur = len(p.out) - 1
	p.segStart, p.segEnd = start, tokEnd
	n := len(s)
	k := tokEnd
	if k < n && !isSpace(s[k]) && s[k] != ',' {
		// Something other than a space is glued to the scheme.
		end := skipElement(s, k)
		p.extend(start, end)
		return end
	}
	k = skipSpace(s, k)
	r := scanToken68(s, k)
	if r == k {
		return k
	}
	e := r
	for e < n && s[e] == '=' {
		e++
	}
	after := skipSpace(s, e)
	atEnd := after >= n || s[after] == ','
	word := s[k:r]
	isParam := false
	switch e - r {
	case 0:
		isParam = after < n && s[after] == '=' && isToken(word)
	case 1:
		isParam = !atEnd && isToken(word)
	}
	if isParam {
		return k
	}
	p.out[p.cur].Token68 = s[k:e]
	end := e
	if !atEnd {
		// More data after the token68: not valid, keep it in Raw only.
		end = skipElement(s, e)
	}
	p.extend(start, end)
	return end
}

// parseParam reads the auth-param whose name is s[start:nameEnd] and whose
// value starts after BWS at valStart. It returns where parsing goes on.
func (p *challengeParser) parseParam(s string, start, nameEnd, valStart int) int {
	n := len(s)
	i := skipSpace(s, valStart)
	var value string
	switch {
	case i >= n || s[i] == ',':
		// An empty value: lenient, as "realm=" carries nothing.
	case s[i] == '"':
		value, i = scanQuoted(s, i)
	default:
		j := i
		for j < n && !isSpace(s[j]) && s[j] != ',' && s[j] != '"' {
			j++
		}
		value, i = s[i:j], j
	}
	if i < n && !isSpace(s[i]) && s[i] != ',' {
		// Junk glued to the value (a second quoted string, say).
		i = skipElement(s, i)
	}
	if p.cur < 0 {
		// A parameter before any scheme belongs to nothing.
		return i
	}
	name := strings.ToLower(s[start:nameEnd])
	if _, dup := p.out[p.cur].Params[name]; !dup {
		p.out[p.cur].Params[name] = value
	}
	p.extend(start, i)
	return i
}

// extend grows the current challenge's part of the line to [start, end).
func (p *challengeParser) extend(start, end int) {
	if p.cur < 0 {
		return
	}
	if p.segStart < 0 {
		p.segStart = start
	}
	if end > p.segEnd {
		p.segEnd = end
	}
}

// flush appends the current challenge's part of the line to its Raw.
func (p *challengeParser) flush() {
	if p.cur < 0 || p.segStart < 0 {
		return
	}
	seg := strings.TrimRight(p.line[p.segStart:p.segEnd], " \t")
	c := &p.out[p.cur]
	if c.Raw == "" {
		c.Raw = seg
	} else {
		c.Raw += ", " + seg
	}
	p.segStart, p.segEnd = -1, -1
}

// scanQuoted reads the quoted-string starting at s[i] == '"' and returns its
// value with quoted-pairs resolved and the index after the closing quote.
// An unterminated string runs to the end of the line.
func scanQuoted(s string, i int) (string, int) {
	n := len(s)
	i++
	start := i
	// Fast path: no backslash before the closing quote.
	for i < n && s[i] != '"' && s[i] != '\\' {
		i++
	}
	if i >= n || s[i] == '"' {
		v := s[start:i]
		if i < n {
			i++
		}
		return v, i
	}
	var b strings.Builder
	b.WriteString(s[start:i])
	for i < n {
		c := s[i]
		switch {
		case c == '"':
			return b.String(), i + 1
		case c == '\\' && i+1 < n:
			b.WriteByte(s[i+1])
			i += 2
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), n
}

// skipElement returns the index of the next comma outside quoted strings,
// or len(s).
func skipElement(s string, i int) int {
	n := len(s)
	for i < n {
		switch s[i] {
		case ',':
			return i
		case '"':
			_, i = scanQuoted(s, i)
		default:
			i++
		}
	}
	return n
}

func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

func scanToken(s string, i int) int {
	for i < len(s) && isTchar(s[i]) {
		i++
	}
	return i
}

func scanToken68(s string, i int) int {
	for i < len(s) && isToken68Char(s[i]) {
		i++
	}
	return i
}

// isTchar reports whether c may appear in a token (RFC 9110 §5.6.2).
func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// isToken68Char reports whether c may appear in a token68 before its "="
// padding (RFC 9110 §11.2).
func isToken68Char(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'
}
