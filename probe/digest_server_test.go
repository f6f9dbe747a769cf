package probe

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// newDigestServer starts a loopback HTTP server that protects every path
// with Digest authentication for one user, and closes it in t.Cleanup. It
// verifies answers with its own hashing code, independent of
// DigestAuthorization (the Authorization value is split into parameters
// with ParseChallenges, as credentials share the challenge grammar).
//
// algorithm is sent as given ("MD5", "SHA-256", "SHA-512-256", each with
// or without "-sess", in any case). "" means an RFC 2069 challenge: no
// algorithm and no qop parameter, MD5 hashing, and answers without
// qop/nc/cnonce.
//
// Behaviour, for every method and path:
//   - No Authorization, or one that is not Digest: 401 with one fresh
//     challenge: realm, qop="auth" (except RFC 2069), algorithm (when not
//     ""), a new random nonce, and an opaque value fixed for the server.
//   - A Digest answer is correct when its username, realm, opaque and uri
//     equal the user, the realm, the server's opaque and the request target
//     (r.RequestURI), its nonce was issued by this server and not yet used,
//     qop is "auth" with an nc and cnonce (except RFC 2069), and response
//     matches. It gets 200 with body "hello <user>", and its nonce is
//     retired: each nonce is good for exactly one successful request.
//   - A correct answer whose nonce was already used: 401 with a fresh
//     challenge carrying stale=true.
//   - Any other answer (wrong password, user or uri, unknown nonce, other
//     algorithm): 401 with a fresh challenge without stale.
//
// Every response carries X-Digest-Result: "ok", "stale", "bad" or
// "no-credentials", so tests can tell the cases apart.
func newDigestServer(t *testing.T, realm, user, pass, algorithm string) *httptest.Server {
	t.Helper()
	ds := &digestServer{realm: realm, user: user, pass: pass, algorithm: algorithm,
		opaque: randomHex(12), nonces: map[string]bool{}}
	srv := httptest.NewServer(ds)
	t.Cleanup(srv.Close)
	return srv
}

type digestServer struct {
	realm, user, pass, algorithm, opaque string

	mu sync.Mutex
	// nonces holds the issued nonces: true while unused, false once used.
	nonces map[string]bool
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (ds *digestServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	result := ds.check(r)
	w.Header().Set("X-Digest-Result", result)
	if result == "ok" {
		fmt.Fprintf(w, "hello %s", ds.user)
		return
	}
	ds.challenge(w, result == "stale")
}

func (ds *digestServer) challenge(w http.ResponseWriter, stale bool) {
	nonce := randomHex(16)
	ds.mu.Lock()
	ds.nonces[nonce] = true
	ds.mu.Unlock()
	v := fmt.Sprintf(`Digest realm="%s"`, ds.realm)
	if ds.algorithm != "" {
		v += `, qop="auth", algorithm=` + ds.algorithm
	}
	v += fmt.Sprintf(`, nonce="%s", opaque="%s"`, nonce, ds.opaque)
	if stale {
		v += ", stale=true"
	}
	w.Header().Set("WWW-Authenticate", v)
	w.WriteHeader(http.StatusUnauthorized)
}

// check returns "ok", "stale", "bad" or "no-credentials".
func (ds *digestServer) check(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	creds := ParseChallenges([]string{auth})
	if len(creds) != 1 || !strings.EqualFold(creds[0].Scheme, "digest") {
		return "no-credentials"
	}
	p := creds[0].Params
	if p["username"] != ds.user || p["realm"] != ds.realm || p["opaque"] != ds.opaque || p["uri"] != r.RequestURI {
		return "bad"
	}
	if !strings.EqualFold(p["algorithm"], ds.algorithm) {
		return "bad"
	}
	newHash := md5.New
	alg := strings.ToUpper(ds.algorithm)
	switch strings.TrimSuffix(alg, "-SESS") {
	case "SHA-256":
		newHash = sha256.New
	case "SHA-512-256":
		newHash = sha512.New512_256
	}
	h := func(parts ...string) string {
		var d hash.Hash = newHash()
		d.Write([]byte(strings.Join(parts, ":")))
		return hex.EncodeToString(d.Sum(nil))
	}
	nonce := p["nonce"]
	ha1 := h(ds.user, ds.realm, ds.pass)
	if strings.HasSuffix(alg, "-SESS") {
		ha1 = h(ha1, nonce, p["cnonce"])
	}
	ha2 := h(r.Method, r.RequestURI)
	var want string
	if ds.algorithm == "" {
		if p["qop"] != "" || p["nc"] != "" || p["cnonce"] != "" {
			return "bad"
		}
		want = h(ha1, nonce, ha2)
	} else {
		if p["qop"] != "auth" || len(p["nc"]) != 8 || p["cnonce"] == "" {
			return "bad"
		}
		want = h(ha1, nonce, p["nc"], p["cnonce"], "auth", ha2)
	}
	if p["response"] != want {
		return "bad"
	}
	ds.mu.Lock()
	defer ds.mu.Unlock()
	unused, issued := ds.nonces[nonce]
	switch {
	case !issued:
		return "bad"
	case !unused:
		return "stale"
	}
	ds.nonces[nonce] = false
	return "ok"
}
