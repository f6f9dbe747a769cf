package probe

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// digestHashes maps the RFC 7616 algorithm names (upper-cased, without
// "-SESS") to their hash functions.
var digestHashes = map[string]func() hash.Hash{
	"MD5":         md5.New,
	"SHA-256":     sha256.New,
	"SHA-512-256": sha512.New512_256,
}

// DigestAuthorization returns the Authorization value answering ch for the request method and
// request-target uri (path?query), with client nonce cnonce and nonce count nc.
//
// It supports the algorithms MD5, SHA-256 and SHA-512-256 and their -sess
// variants (RFC 7616 §3.4.2), qop "auth" (chosen from a list such as
// "auth, auth-int"), and userhash=true (§3.4.4). Without qop in the
// challenge the answer is RFC 2069 style, with no qop, nc or cnonce. The
// challenge's opaque and algorithm are echoed as received. An empty cnonce
// is replaced by NewCnonce. Whether to retry after stale=true is the
// caller's decision (see DigestStale).
func DigestAuthorization(ch Challenge, method, uri, user, password, cnonce string, nc int) (string, error) {
	if !ch.Is("Digest") {
		return "", fmt.Errorf("probe: digest: challenge scheme is %q, not Digest", Sanitize(ch.Scheme))
	}
	nonce := ch.Param("nonce")
	if nonce == "" {
		return "", errors.New("probe: digest: challenge has no nonce")
	}
	if method == "" || uri == "" {
		return "", errors.New("probe: digest: method and uri are required")
	}
	if strings.ContainsAny(method+uri+user, "\r\n\x00") {
		return "", errors.New("probe: digest: method, uri or user name contains a control character")
	}
	if nc <= 0 {
		return "", fmt.Errorf("probe: digest: nonce count %d is not positive", nc)
	}
	algorithm := ch.Param("algorithm")
	name := strings.ToUpper(algorithm)
	if name == "" {
		name = "MD5"
	}
	base, sess := strings.CutSuffix(name, "-SESS")
	newHash, ok := digestHashes[base]
	if !ok {
		return "", fmt.Errorf("probe: digest: unsupported algorithm %q", Sanitize(algorithm))
	}
	h := func(s string) string {
		d := newHash()
		d.Write([]byte(s))
		return hex.EncodeToString(d.Sum(nil))
	}

	qop := ""
	if offered := ch.Param("qop"); offered != "" {
		for q := range strings.SplitSeq(offered, ",") {
			if strings.EqualFold(strings.TrimSpace(q), "auth") {
				qop = "auth"
			}
		}
		if qop == "" {
			return "", fmt.Errorf("probe: digest: server offers only qop %q; only \"auth\" is supported", Sanitize(offered))
		}
	}
	if cnonce == "" {
		cnonce = NewCnonce()
	}
	realm := ch.Param("realm")
	ncHex := fmt.Sprintf("%08x", nc)

	ha1 := h(user + ":" + realm + ":" + password)
	if sess {
		ha1 = h(ha1 + ":" + nonce + ":" + cnonce)
	}
	ha2 := h(method + ":" + uri)
	var response string
	if qop == "" {
		response = h(ha1 + ":" + nonce + ":" + ha2)
	} else {
		response = h(ha1 + ":" + nonce + ":" + ncHex + ":" + cnonce + ":" + qop + ":" + ha2)
	}

	userhash := strings.EqualFold(ch.Param("userhash"), "true")
	var b strings.Builder
	b.WriteString("Digest ")
	switch {
	case userhash:
		b.WriteString("username=" + quote(h(user+":"+realm)))
	case needsExtValue(user):
		// RFC 7616 §3.4: a name that cannot be quoted goes in username*
		// (RFC 8187 ext-value).
		b.WriteString("username*=UTF-8''" + extValue(user))
	default:
		b.WriteString("username=" + quote(user))
	}
	b.WriteString(", realm=" + quote(realm))
	b.WriteString(", uri=" + quote(uri))
	if algorithm != "" {
		b.WriteString(", algorithm=" + algorithm)
	}
	b.WriteString(", nonce=" + quote(nonce))
	if qop != "" {
		b.WriteString(", nc=" + ncHex + ", cnonce=" + quote(cnonce) + ", qop=" + qop)
	}
	b.WriteString(", response=" + quote(response))
	if opaque, ok := ch.Params["opaque"]; ok {
		b.WriteString(", opaque=" + quote(opaque))
	}
	if userhash {
		b.WriteString(", userhash=true")
	}
	return b.String(), nil
}

// DigestStale reports whether ch is a Digest challenge with stale=true (in
// any case): only the nonce was stale, so the same credentials may be sent
// again with the new nonce (RFC 7616 §3.3).
func DigestStale(ch Challenge) bool {
	return ch.Is("Digest") && strings.EqualFold(strings.TrimSpace(ch.Param("stale")), "true")
}

// NewCnonce returns a fresh client nonce: 16 random bytes in hex.
func NewCnonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// quote makes s an RFC 9110 quoted-string.
func quote(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return `"` + s + `"`
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// extValue percent-encodes s as the value-chars of an RFC 8187 ext-value.
func extValue(s string) string {
	const attrChars = "!#$&+-.^_`|~"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(attrChars, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// needsExtValue reports whether a user name has characters outside
// printable ASCII, which a quoted-string cannot carry portably.
func needsExtValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return true
		}
	}
	return false
}
