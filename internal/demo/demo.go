// Package demo is the embedded server behind `fix401 demo`: a loopback
// server with a broken endpoint per scenario, so that a newcomer sees the
// whole wizard with nothing to set up.
package demo

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/fix401/fix401/probe"
	"github.com/fix401/fix401/steps"
)

// The demo's login information. It is shown in the demo's intro: it is
// the demo's own, not anybody's secret.
const (
	User     = "alice"
	Password = "wonderland"
	realm    = "fix401 demo"
)

// Scenarios lists the scenario names, the default first.
var Scenarios = []string{"basic", "expired-token", "redirect"}

// Server is the demo's HTTP handler. Tokens are HS256 JWTs signed with a key
// generated when the server is made; the server checks the signature and
// the expiry by its own clock.
type Server struct {
	key []byte
	now func() time.Time
}

// NewServer returns a server with a fresh random signing key; now is its
// clock (nil means time.Now).
func NewServer(now func() time.Time) (*Server, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("demo: signing key: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &Server{key: key, now: now}, nil
}

// ServeHTTP serves the demo endpoints:
//
//	/basic/private     Basic login alice:wonderland
//	/api/me            a bearer JWT signed by this server and not expired
//	/redirect/start    a 302 to /redirect/private on the host "localhost"
//	/redirect/private  Basic login alice:wonderland
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
	w.Header().Set("Server", "fix401-demo")
	switch r.URL.Path {
	case "/basic/private", "/redirect/private":
		u, p, ok := r.BasicAuth()
		if ok && subtle.ConstantTimeCompare([]byte(u), []byte(User)) == 1 && subtle.ConstantTimeCompare([]byte(p), []byte(Password)) == 1 {
			fmt.Fprintf(w, "Welcome, %s. This page needed a login, and you have it.\n", User)
			return
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="`+realm+`", charset="UTF-8"`)
		http.Error(w, "401 Unauthorized: this page needs a user name and password.", http.StatusUnauthorized)
	case "/api/me":
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing token"})
			return
		}
		claims, err := s.verify(strings.TrimSpace(tok))
		if err != nil {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s", error="invalid_token", error_description="%s"`, realm, err.Error()))
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"user": claims["sub"], "message": "Welcome: the token works."})
	case "/redirect/start":
		// The same listener, under another name: credentials for
		// 127.0.0.1 are not sent to localhost.
		_, port, _ := net.SplitHostPort(r.Host)
		target := "http://localhost/redirect/private"
		if port != "" {
			target = "http://localhost:" + port + "/redirect/private"
		}
		http.Redirect(w, r, target, http.StatusFound)
	case "/":
		fmt.Fprintln(w, "fix401 demo server: try /basic/private, /api/me or /redirect/start")
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var b64 = base64.RawURLEncoding

// Token returns an HS256 JWT for alice that expires at exp.
func (s *Server) Token(exp time.Time) string {
	header := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	now := s.now()
	iat := exp.Add(-time.Hour)
	if iat.After(now) {
		iat = now
	}
	claims, _ := json.Marshal(map[string]any{
		"iss": "fix401-demo", "sub": User, "aud": "fix401-demo-api", "scope": "read",
		"iat": iat.Unix(), "exp": exp.Unix(),
	})
	body := header + "." + b64.EncodeToString(claims)
	return body + "." + b64.EncodeToString(s.sign(body))
}

func (s *Server) sign(body string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(body))
	return m.Sum(nil)
}

// verify checks a token's signature and expiry; the error is what the
// server tells the client.
func (s *Server) verify(tok string) (map[string]any, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errors.New("The access token is malformed")
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, s.sign(parts[0]+"."+parts[1])) {
		return nil, errors.New("The access token signature is invalid")
	}
	raw, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, errors.New("The access token is malformed")
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		return nil, errors.New("The access token is malformed")
	}
	exp, ok := claims["exp"].(float64)
	if !ok || !s.now().Before(time.Unix(int64(exp), 0)) {
		return nil, errors.New("The access token expired")
	}
	return claims, nil
}

// Setup is a scenario ready to run: the request the wizard starts with,
// the intro to show, and the shortcuts the demo offers.
type Setup struct {
	Name    string
	Request probe.Request
	Intro   []string
	// Actions are demo shortcuts per step (the fresh token in step 10).
	Actions func(step int) []steps.Action
}

// Scenario prepares scenario name against a server reachable at base
// ("http://127.0.0.1:PORT").
func (s *Server) Scenario(name, base string) (Setup, error) {
	switch name {
	case "basic":
		return Setup{
			Name:    name,
			Request: probe.Request{URL: base + "/basic/private", User: User, Password: "wonderlnad", HasUser: true},
			Intro: []string{
				"Demo: the password was mistyped (\"wonderlnad\"). The right login is",
				"user " + User + ", password " + Password + ". Type it in step 1.",
			},
		}, nil
	case "expired-token":
		expired := s.Token(s.now().Add(-2 * time.Hour))
		fresh := s.Token(s.now().Add(time.Hour))
		return Setup{
			Name:    name,
			Request: probe.Request{URL: base + "/api/me", Bearer: expired},
			Intro: []string{
				"Demo: the app sends a token that expired two hours ago. A fresh one",
				"is in step 10 (choose \"Use the demo's fresh token\", or paste it):",
				fresh,
			},
			Actions: func(step int) []steps.Action {
				if step != 10 && step != 3 {
					return nil
				}
				return []steps.Action{{Label: "Use the demo's fresh token", Kind: steps.ActionSubmit, Values: []string{fresh}}}
			},
		}, nil
	case "redirect":
		return Setup{
			Name:    name,
			Request: probe.Request{URL: base + "/redirect/start", User: User, Password: Password, HasUser: true},
			Intro: []string{
				"Demo: the login is right, but the address redirects from 127.0.0.1 to",
				"localhost, another host, and the login is dropped on the way. Step 4",
				"shows the chain; re-test with the final address.",
			},
		}, nil
	}
	return Setup{}, fmt.Errorf("unknown scenario %q: choose one of %s", name, strings.Join(Scenarios, ", "))
}

// Listen serves s on 127.0.0.1 on a free port until ctx ends. It returns
// the base URL and a function that stops the server.
func (s *Server) Listen(ctx context.Context) (string, func(), error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("demo: %w", err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stop := func() {
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}
	return "http://" + ln.Addr().String(), stop, nil
}
