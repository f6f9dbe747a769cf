package probe

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
)

// startOIDC runs a real mockoidc server on loopback.
func startOIDC(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return m
}

// oidcLogin logs the default user in through mockoidc's authorize and token
// endpoints with a plain HTTP client, as a browser and an application
// would, and returns the tokens it issued.
func oidcLogin(t *testing.T, m *mockoidc.MockOIDC) (access, refresh string) {
	t.Helper()
	q := url.Values{
		"client_id":     {m.ClientID},
		"response_type": {"code"},
		"scope":         {"openid email"},
		"state":         {"st4te"},
		"redirect_uri":  {"http://127.0.0.1/callback"},
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(m.AuthorizationEndpoint() + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d", res.StatusCode)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	code := loc.Query().Get("code")
	if code == "" || loc.Query().Get("state") != "st4te" {
		t.Fatalf("authorize: redirect %s has no code or a wrong state", loc)
	}
	res, err = http.PostForm(m.TokenEndpoint(), url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"client_id":     {m.ClientID},
		"client_secret": {m.ClientSecret},
		"redirect_uri":  {"http://127.0.0.1/callback"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tr struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tr); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("token: status %d, %v", res.StatusCode, err)
	}
	if tr.AccessToken == "" || tr.RefreshToken == "" {
		t.Fatal("token: no access or refresh token")
	}
	return tr.AccessToken, tr.RefreshToken
}

// oidcAPI is a protected API that accepts only access tokens signed by the
// mockoidc server's key, for its issuer and client, and valid by its clock.
func oidcAPI(t *testing.T, m *mockoidc.MockOIDC) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if ok {
			_, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return m.Keypair.PublicKey, nil },
				jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(m.Issuer()),
				jwt.WithAudience(m.ClientID), jwt.WithTimeFunc(m.Now), jwt.WithExpirationRequired())
			if err == nil {
				_, _ = fmt.Fprintln(w, "hello")
				return
			}
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestRefreshAgainstMockOIDC(t *testing.T) {
	m := startOIDC(t)
	api := oidcAPI(t, m)
	oldAccess, refresh := oidcLogin(t, m)
	// Move the server's clock on so that the new token differs from the
	// one issued at login.
	m.FastForward(time.Minute)

	ctx := context.Background()
	tok, err := Refresh(ctx, RefreshConfig{TokenURL: m.TokenEndpoint(), ClientID: m.ClientID, ClientSecret: m.ClientSecret, RefreshToken: refresh})
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if tok.AccessToken == "" || tok.AccessToken == oldAccess || tok.AccessToken == refresh {
		t.Fatal("Refresh did not return a new access token")
	}
	if parts := strings.Split(tok.AccessToken, "."); len(parts) != 3 {
		t.Fatalf("the new access token has %d parts, want a JWT", len(parts))
	}
	if tok.TokenType != "Bearer" {
		t.Errorf("TokenType = %q, want Bearer", tok.TokenType)
	}
	if tok.Rotated() {
		t.Error("mockoidc keeps the refresh token, but Rotated() is true")
	}
	if !tok.Expiry.After(time.Now()) {
		t.Errorf("Expiry = %v, want in the future", tok.Expiry)
	}
	claims := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(tok.AccessToken, claims, func(*jwt.Token) (any, error) { return m.Keypair.PublicKey, nil }, jwt.WithTimeFunc(m.Now)); err != nil {
		t.Fatalf("the new access token does not verify with the server's key: %v", err)
	}
	if iat, _ := claims.GetIssuedAt(); iat == nil || iat.Before(m.Now().Add(-10*time.Second)) {
		t.Errorf("the new access token was issued at %v, not after the refresh (%v)", iat, m.Now())
	}

	// The re-test: the stale token is refused, the refreshed one works.
	req := Request{URL: api.URL + "/v1/me", Bearer: "stale.token.value"}
	res, err := Run(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Diagnosis.Status != http.StatusUnauthorized {
		t.Fatalf("stale token: status %d, want 401", res.Diagnosis.Status)
	}
	res, err = Run(ctx, tok.Apply(req))
	if err != nil {
		t.Fatal(err)
	}
	if res.Diagnosis.Status != http.StatusOK {
		t.Fatalf("refreshed token: status %d, want 200", res.Diagnosis.Status)
	}
	if req.Bearer != "stale.token.value" {
		t.Error("Apply changed the request it was given")
	}
}

func TestRefreshAgainstMockOIDCWithScope(t *testing.T) {
	m := startOIDC(t)
	_, refresh := oidcLogin(t, m)
	tok, err := Refresh(context.Background(), RefreshConfig{TokenURL: m.TokenEndpoint(), ClientID: m.ClientID, ClientSecret: m.ClientSecret, RefreshToken: refresh, Scopes: []string{"openid"}})
	if err != nil {
		t.Fatalf("Refresh with a scope: %v", err)
	}
	if _, err := m.Keypair.VerifyJWT(tok.AccessToken, m.Now); err != nil {
		t.Fatalf("the new access token does not verify: %v", err)
	}
}

func TestRefreshMockOIDCRefusals(t *testing.T) {
	m := startOIDC(t)
	_, refresh := oidcLogin(t, m)
	// A refresh token signed by the server for a session it does not know:
	// what a revoked token looks like to it.
	revoked, err := m.Keypair.SignJWT(&jwt.RegisteredClaims{
		ID: "revoked-session-0001", Issuer: m.Issuer(), Audience: jwt.ClaimStrings{m.ClientID},
		ExpiresAt: jwt.NewNumericDate(m.Now().Add(time.Hour)), IssuedAt: jwt.NewNumericDate(m.Now()),
	})
	if err != nil {
		t.Fatal(err)
	}
	wrongSecret := "wrong-secret-" + randHex(t, 12)
	wrongID := "wrong-client-" + randHex(t, 12)
	garbage := "garbage-refresh-" + randHex(t, 12)
	cases := []struct {
		name      string
		cfg       RefreshConfig
		code      string
		step      int
		plain     string
		desc      string
		mustNotIn []string
	}{
		{"wrong secret", RefreshConfig{ClientID: m.ClientID, ClientSecret: wrongSecret, RefreshToken: refresh},
			"invalid_client", 10, "client id or secret", "Invalid client secret", []string{wrongSecret, refresh}},
		{"wrong client id", RefreshConfig{ClientID: wrongID, ClientSecret: m.ClientSecret, RefreshToken: refresh},
			"invalid_client", 10, "client id or secret", "Invalid client id", []string{m.ClientSecret, refresh}},
		{"revoked token", RefreshConfig{ClientID: m.ClientID, ClientSecret: m.ClientSecret, RefreshToken: revoked},
			"invalid_grant", 3, "Log in again", "Invalid refresh token", []string{m.ClientSecret, revoked}},
		{"garbage token", RefreshConfig{ClientID: m.ClientID, ClientSecret: m.ClientSecret, RefreshToken: garbage},
			"invalid_request", 10, "not copied whole", "Invalid token", []string{m.ClientSecret, garbage}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.TokenURL = m.TokenEndpoint()
			_, err := Refresh(context.Background(), c.cfg)
			re := asRefreshError(t, err)
			if re.Code != c.code || re.Status != http.StatusUnauthorized {
				t.Fatalf("got %q (HTTP %d), want %q (HTTP 401): %v", re.Code, re.Status, c.code, err)
			}
			if !strings.Contains(re.Plain, c.plain) || !strings.Contains(re.Description, c.desc) {
				t.Errorf("Plain %q or Description %q does not explain it", re.Plain, re.Description)
			}
			if len(re.Steps) == 0 || re.Steps[0] != c.step {
				t.Errorf("Steps = %v, want step %d first", re.Steps, c.step)
			}
			assertNoSecrets(t, err, c.mustNotIn...)
		})
	}
}

// tokenServer is a small but real RFC 6749 token endpoint: it
// authenticates clients by HTTP Basic or form fields, keeps refresh
// tokens, rotates them if asked, and answers errors as §5.2 JSON. Its
// descriptions echo what it was sent, as some servers do, to test that
// nothing echoed leaks.
type tokenServer struct {
	*httptest.Server
	mu       sync.Mutex
	clientID string
	secret   string
	// noRefresh makes the client one that may not use refresh tokens.
	noRefresh bool
	rotate    bool
	// refresh maps a live refresh token to its granted scopes.
	refresh map[string]string
	// down, when set, is an OAuth error code (with its status) to answer
	// every request with.
	down     string
	lastForm url.Values
	requests int
}

func newTokenServer(t *testing.T, tlsToo bool) *tokenServer {
	t.Helper()
	ts := &tokenServer{clientID: "app-" + randHex(t, 4), secret: "s3cret-" + randHex(t, 12), refresh: map[string]string{}}
	h := http.HandlerFunc(ts.serve)
	if tlsToo {
		ts.Server = httptest.NewUnstartedServer(h)
		// The refused handshakes are the point; keep them out of the log.
		ts.Config.ErrorLog = log.New(io.Discard, "", 0)
		ts.StartTLS()
	} else {
		ts.Server = httptest.NewServer(h)
	}
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tokenServer) issue(scope string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	rt := "rt-" + hex.EncodeToString(b)
	ts.mu.Lock()
	ts.refresh[rt] = scope
	ts.mu.Unlock()
	return rt
}

func oauthFail(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc, "error_uri": "/docs/errors#" + code})
}

func (ts *tokenServer) serve(w http.ResponseWriter, r *http.Request) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.requests++
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthFail(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	ts.lastForm = r.PostForm
	switch ts.down {
	case "temporarily_unavailable":
		oauthFail(w, http.StatusServiceUnavailable, ts.down, "maintenance until 10:00")
		return
	case "server_error":
		oauthFail(w, http.StatusInternalServerError, ts.down, "database unreachable while checking "+r.PostForm.Get("refresh_token"))
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != ts.clientID || secret != ts.secret {
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="token"`)
		}
		oauthFail(w, http.StatusUnauthorized, "invalid_client", fmt.Sprintf("client %s with secret %s is not known", id, secret))
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "refresh_token" {
		oauthFail(w, http.StatusBadRequest, "unsupported_grant_type", "grant "+gt)
		return
	}
	if ts.noRefresh {
		oauthFail(w, http.StatusBadRequest, "unauthorized_client", "client "+id+" may not use the refresh_token grant")
		return
	}
	rt := r.PostForm.Get("refresh_token")
	granted, ok := ts.refresh[rt]
	if !ok {
		oauthFail(w, http.StatusBadRequest, "invalid_grant", "refresh token "+rt+" is invalid, expired or revoked")
		return
	}
	scope := granted
	if s := r.PostForm.Get("scope"); s != "" {
		for _, want := range strings.Fields(s) {
			if !strings.Contains(" "+granted+" ", " "+want+" ") {
				oauthFail(w, http.StatusBadRequest, "invalid_scope", "scope "+want+" was not granted")
				return
			}
		}
		scope = s
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	out := map[string]any{"access_token": "at-" + hex.EncodeToString(b), "token_type": "bearer", "expires_in": 3600, "scope": scope}
	if ts.rotate {
		delete(ts.refresh, rt)
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		next := "rt-" + hex.EncodeToString(b)
		ts.refresh[next] = granted
		out["refresh_token"] = next
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// form returns the form of the last request, under the lock.
func (ts *tokenServer) form() url.Values {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.lastForm
}

func (ts *tokenServer) count() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.requests
}

func (ts *tokenServer) config(rt string) RefreshConfig {
	return RefreshConfig{TokenURL: ts.URL + "/oauth2/token", ClientID: ts.clientID, ClientSecret: ts.secret, RefreshToken: rt}
}

func TestRefreshRotationExpiryAndScope(t *testing.T) {
	ts := newTokenServer(t, false)
	ts.rotate = true
	rt := ts.issue("read write")
	before := time.Now()
	tok, err := Refresh(context.Background(), ts.config(rt))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.AccessToken, "at-") || tok.Scope != "read write" || tok.TokenType != "Bearer" {
		t.Fatalf("got %v", tok)
	}
	if !tok.Rotated() || tok.RefreshToken == rt || !strings.HasPrefix(tok.RefreshToken, "rt-") {
		t.Fatal("the server rotated the refresh token, but the new one was not returned")
	}
	if lo, hi := before.Add(3590*time.Second), time.Now().Add(3610*time.Second); tok.Expiry.Before(lo) || tok.Expiry.After(hi) {
		t.Errorf("Expiry = %v, want about an hour from now", tok.Expiry)
	}
	if ts.form().Get("grant_type") != "refresh_token" || ts.form().Has("scope") {
		t.Errorf("sent %v, want a refresh_token grant without scope", ts.form())
	}

	// The rotated-out token was used once: the server now refuses it.
	_, err = Refresh(context.Background(), ts.config(rt))
	re := asRefreshError(t, err)
	if re.Code != "invalid_grant" || re.Status != http.StatusBadRequest || re.Steps[0] != 3 {
		t.Fatalf("reusing a rotated token: %#v", re)
	}
	if !strings.Contains(re.Plain, "already used") {
		t.Errorf("Plain = %q", re.Plain)
	}
	if want := ts.URL + "/docs/errors#invalid_grant"; re.URI != want {
		t.Errorf("URI = %q, want %q (resolved against the token URL)", re.URI, want)
	}
	assertNoSecrets(t, err, rt, ts.secret)

	// The new one works, with a narrower scope.
	cfg := ts.config(tok.RefreshToken)
	cfg.Scopes = []string{"read"}
	tok2, err := Refresh(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if tok2.Scope != "read" || ts.form().Get("scope") != "read" || ts.form().Get("code") != "" {
		t.Errorf("scope: got %q, sent %v", tok2.Scope, ts.form())
	}
	// A wider one is refused.
	cfg = ts.config(tok2.RefreshToken)
	cfg.Scopes = []string{"admin"}
	_, err = Refresh(context.Background(), cfg)
	if re := asRefreshError(t, err); re.Code != "invalid_scope" || !strings.Contains(re.Plain, "scope") {
		t.Fatalf("wider scope: %#v", re)
	}
}

func TestRefreshTokenEndpointRefusals(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(ts *tokenServer, cfg *RefreshConfig)
		code   string
		status int
		step   int
		plain  string
	}{
		{"garbage refresh token", func(ts *tokenServer, cfg *RefreshConfig) { cfg.RefreshToken = "garbage-" + cfg.RefreshToken }, "invalid_grant", 400, 3, "Log in again"},
		{"wrong secret", func(ts *tokenServer, cfg *RefreshConfig) { cfg.ClientSecret = "not-the-secret-12345" }, "invalid_client", 401, 10, "client id or secret"},
		{"public client", func(ts *tokenServer, cfg *RefreshConfig) { cfg.ClientSecret = "" }, "invalid_client", 401, 10, "client id or secret"},
		{"refresh not allowed", func(ts *tokenServer, cfg *RefreshConfig) { ts.noRefresh = true }, "unauthorized_client", 400, 10, "not allowed to use refresh tokens"},
		{"maintenance", func(ts *tokenServer, cfg *RefreshConfig) { ts.down = "temporarily_unavailable" }, "temporarily_unavailable", 503, 9, "try again"},
		{"server error", func(ts *tokenServer, cfg *RefreshConfig) { ts.down = "server_error" }, "server_error", 500, 9, "not your fault"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := newTokenServer(t, false)
			cfg := ts.config(ts.issue("read"))
			secrets := []string{cfg.RefreshToken, cfg.ClientSecret, ts.secret}
			c.setup(ts, &cfg)
			secrets = append(secrets, cfg.RefreshToken, cfg.ClientSecret)
			_, err := Refresh(context.Background(), cfg)
			re := asRefreshError(t, err)
			if re.Code != c.code || re.Status != c.status {
				t.Fatalf("got %q (HTTP %d), want %q (HTTP %d): %v", re.Code, re.Status, c.code, c.status, err)
			}
			if !strings.Contains(re.Plain, c.plain) || re.Steps[0] != c.step {
				t.Errorf("Plain %q, Steps %v; want %q and step %d", re.Plain, re.Steps, c.plain, c.step)
			}
			if re.Description == "" {
				t.Error("the server's description was lost")
			}
			assertNoSecrets(t, err, secrets...)
		})
	}
}

func TestRefreshAnswersThatAreNotOAuth(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the redirect was followed and the secrets sent to another server")
	}))
	defer other.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, "<!DOCTYPE html><html><head><title>Oops \x1b[31m&amp; sorry</title></head><body>"+strings.Repeat("x", 2<<20)+"</body></html>")
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><title>Sign in</title><form method=post><input type=password></form></html>")
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/token", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"token_type":"bearer"}`)
	})
	s := httptest.NewServer(mux)
	defer s.Close()
	cases := []struct {
		path   string
		status int
		plain  string
		desc   string
		step   int
	}{
		{"/broken", 500, "not your fault", "Oops & sorry", 9},
		{"/nowhere", 404, "not the token endpoint", "404 page not found", 4},
		{"/login", 200, "web page", "", 4},
		{"/moved", 307, "redirects (HTTP 307) to " + other.URL + "/token", "", 4},
		{"/empty", 200, "without an access token", "", 3},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			cfg := RefreshConfig{TokenURL: s.URL + c.path, ClientID: "app", ClientSecret: "client-secret-abcdef", RefreshToken: "refresh-token-abcdef"}
			_, err := Refresh(context.Background(), cfg)
			re := asRefreshError(t, err)
			if re.Code != "" || re.Status != c.status || re.Kind != "" {
				t.Fatalf("got %#v, want no code and HTTP %d", re, c.status)
			}
			if !strings.Contains(re.Plain, c.plain) || re.Description != c.desc || re.Steps[0] != c.step {
				t.Errorf("Plain %q, Description %q, Steps %v; want %q, %q, step %d", re.Plain, re.Description, re.Steps, c.plain, c.desc, c.step)
			}
			if strings.ContainsRune(re.Error(), '\x1b') || len(re.Error()) > 600 {
				t.Errorf("Error() is not sanitized and bounded: %q", re.Error())
			}
			assertNoSecrets(t, err, cfg.ClientSecret, cfg.RefreshToken)
		})
	}
}

func TestRefreshTransportFailures(t *testing.T) {
	// A server that never answers.
	hang := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(hang)
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/token"
	ln.Close()
	// A TLS server with a certificate nobody trusts.
	ts := newTokenServer(t, true)
	rt := ts.issue("read")

	cases := []struct {
		name string
		cfg  RefreshConfig
		kind FailureKind
		step int
	}{
		{"hang", RefreshConfig{TokenURL: slow.URL + "/token", RefreshToken: "refresh-token-abcdef", Timeout: 300 * time.Millisecond}, FailTimeout, 8},
		{"unreachable", RefreshConfig{TokenURL: closed, RefreshToken: "refresh-token-abcdef"}, FailRefused, 4},
		{"untrusted certificate", func() RefreshConfig { c := ts.config(rt); return c }(), FailTLSUntrusted, 8},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, err := Refresh(context.Background(), c.cfg)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			re := asRefreshError(t, err)
			if re.Kind != c.kind || re.Status != 0 || re.Code != "" || re.Err == nil {
				t.Fatalf("got %#v (%v), want kind %s", re, re.Err, c.kind)
			}
			if re.Plain == "" || re.Steps[0] != c.step {
				t.Errorf("Plain %q, Steps %v", re.Plain, re.Steps)
			}
			assertNoSecrets(t, err, c.cfg.RefreshToken, ts.secret)
		})
	}
	if ts.count() != 0 {
		t.Error("the secrets were sent to a server whose certificate is not trusted")
	}
	if !errors.Is(func() error { _, err := Refresh(context.Background(), cases[0].cfg); return err }(), context.DeadlineExceeded) {
		t.Error("a timeout does not unwrap to context.DeadlineExceeded")
	}

	// With -k the same server is used.
	cfg := ts.config(rt)
	cfg.Insecure = true
	if _, err := Refresh(context.Background(), cfg); err != nil {
		t.Fatalf("insecure: %v", err)
	}
}

func TestRefreshThroughProxy(t *testing.T) {
	ts := newTokenServer(t, false)
	rt := ts.issue("read")
	var seen []string
	var mu sync.Mutex
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.RequestURI)
		mu.Unlock()
		out := r.Clone(r.Context())
		out.RequestURI = ""
		res, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		for k, vs := range res.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(res.StatusCode)
		_, _ = io.Copy(w, res.Body)
	}))
	defer proxy.Close()
	cfg := ts.config(rt)
	cfg.Proxy = strings.TrimPrefix(proxy.URL, "http://") // host:port alone means an http proxy
	if _, err := Refresh(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != "POST "+ts.URL+"/oauth2/token" {
		t.Fatalf("the proxy saw %q", seen)
	}
	for _, p := range []string{"http://user:proxy-password-123@", "user:proxy-password-123@"} {
		cfg.Proxy = p + strings.TrimPrefix(proxy.URL, "http://")
		if s := fmt.Sprint(cfg); strings.Contains(s, "proxy-password-123") {
			t.Fatalf("the proxy password is shown: %s", s)
		}
	}
}

func TestRefreshCancelled(t *testing.T) {
	hang := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer s.Close()
	defer close(hang)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := Refresh(ctx, RefreshConfig{TokenURL: s.URL, RefreshToken: "refresh-token-abcdef"})
	re := asRefreshError(t, err)
	if !errors.Is(err, context.Canceled) || !strings.Contains(re.Plain, "cancelled") {
		t.Fatalf("got %#v", re)
	}
}

func TestRefreshBadInput(t *testing.T) {
	cases := []struct {
		name string
		cfg  RefreshConfig
		want string
	}{
		{"no token URL", RefreshConfig{RefreshToken: "x"}, "no token URL"},
		{"not http", RefreshConfig{TokenURL: "ftp://login.example/token", RefreshToken: "x"}, "http:// and https://"},
		{"no scheme", RefreshConfig{TokenURL: "login.example/token", RefreshToken: "x"}, "no scheme"},
		{"user info", RefreshConfig{TokenURL: "https://id:pw@login.example/token", RefreshToken: "x"}, "must not contain a user name"},
		{"no refresh token", RefreshConfig{TokenURL: "https://login.example/token"}, "no refresh token"},
		{"broken refresh token", RefreshConfig{TokenURL: "https://login.example/token", RefreshToken: "abc\ndef"}, "line breaks"},
		{"control in secret", RefreshConfig{TokenURL: "https://login.example/token", RefreshToken: "abc", ClientSecret: "a\x1bb"}, "client secret"},
		{"bad proxy", RefreshConfig{TokenURL: "https://login.example/token", RefreshToken: "abc", Proxy: "ftp://u:proxy-pw-1234567@proxy.example"}, "supports http, https and socks5"},
		{"broken bare proxy", RefreshConfig{TokenURL: "https://login.example/token", RefreshToken: "abc", Proxy: "u:proxy-pw-1234567@[proxy.example"}, "not a valid URL"},
		{"negative timeout", RefreshConfig{TokenURL: "https://login.example/token", RefreshToken: "abc", Timeout: -time.Second}, "negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Refresh(context.Background(), c.cfg)
			if !IsInputError(err) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an InputError saying %q", err, c.want)
			}
			if strings.Contains(err.Error(), "proxy-pw-1234567") {
				t.Errorf("the error shows the proxy password: %v", err)
			}
			if c.cfg.Validate() == nil {
				t.Error("Validate accepts it")
			}
		})
	}
}

func TestRefreshConfigFromEnv(t *testing.T) {
	env := map[string]string{
		EnvTokenURL:     " https://login.example/oauth2/token\n",
		EnvClientID:     "app",
		EnvClientSecret: "client-secret-value\n",
		EnvRefreshToken: "refresh-token-value\r\n",
		EnvScope:        " read  write ",
	}
	cfg := RefreshConfigFromEnv(func(k string) string { return env[k] })
	want := RefreshConfig{TokenURL: "https://login.example/oauth2/token", ClientID: "app", ClientSecret: "client-secret-value", RefreshToken: "refresh-token-value", Scopes: []string{"read", "write"}}
	if cfg.TokenURL != want.TokenURL || cfg.ClientID != want.ClientID || cfg.ClientSecret != want.ClientSecret ||
		cfg.RefreshToken != want.RefreshToken || strings.Join(cfg.Scopes, ",") != "read,write" {
		t.Fatalf("got %#v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if empty := RefreshConfigFromEnv(func(string) string { return "" }); empty.TokenURL != "" || empty.Scopes != nil {
		t.Fatalf("empty environment gave %v", empty)
	}
	t.Setenv(EnvTokenURL, "https://from-os.example/token")
	if got := RefreshConfigFromEnv(nil).TokenURL; got != "https://from-os.example/token" {
		t.Fatalf("nil getenv: %q", got)
	}
}

func TestRefreshSecretsAreMasked(t *testing.T) {
	tok := RefreshedToken{AccessToken: "access-token-0123456789", RefreshToken: "refresh-token-9876543210", TokenType: "Bearer", Expiry: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), Scope: "read"}
	cfg := RefreshConfig{TokenURL: "https://login.example/token", ClientID: "app", ClientSecret: "client-secret-abcdefgh", RefreshToken: "refresh-token-9876543210"}
	j, err := json.Marshal(tok)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{tok, &tok, cfg, &cfg} {
		out := fmt.Sprintf("%v|%+v|%#v|%s|%q|%x", v, v, v, v, v, v) + fmt.Sprint(v) + string(j)
		for _, s := range []string{tok.AccessToken, tok.RefreshToken, cfg.ClientSecret} {
			if strings.Contains(out, s) {
				t.Fatalf("%T prints a secret: %s", v, out)
			}
		}
	}
	if s := tok.String(); !strings.Contains(s, "Bearer "+Mask+"6789") || !strings.Contains(s, "2030-01-02") {
		t.Errorf("String() = %q", s)
	}
	if !strings.Contains(string(j), `"access_token":"`+Mask+`6789"`) {
		t.Errorf("JSON = %s", j)
	}
	if s := cfg.String(); !strings.Contains(s, "login.example") || !strings.Contains(s, `"app"`) {
		t.Errorf("config String() = %q", s)
	}
}

func TestRefreshedTokenApply(t *testing.T) {
	req := Request{URL: "https://api.example/", Headers: []Field{{Name: "Authorization", Value: "Bearer old"}, {Name: "X-Trace", Value: "1"}}}
	got := RefreshedToken{AccessToken: "new", TokenType: "bearer"}.Apply(req)
	if got.Bearer != "new" || len(got.Headers) != 2 {
		t.Fatalf("bearer: %+v", got.Headers)
	}
	got = RefreshedToken{AccessToken: "new", TokenType: "MAC"}.Apply(req)
	if got.Bearer != "" || len(got.Headers) != 2 || got.Headers[1] != (Field{Name: "Authorization", Value: "MAC new"}) || got.Headers[0].Name != "X-Trace" {
		t.Fatalf("MAC: %+v", got.Headers)
	}
	if req.Headers[0].Value != "Bearer old" || req.Headers[1].Name != "X-Trace" {
		t.Fatal("Apply changed the caller's headers")
	}
}

func asRefreshError(t *testing.T, err error) *RefreshError {
	t.Helper()
	var re *RefreshError
	if !errors.As(err, &re) {
		t.Fatalf("got %v (%T), want a *RefreshError", err, err)
	}
	if re.Plain == "" {
		t.Errorf("no plain explanation for %v", err)
	}
	return re
}

// assertNoSecrets checks every way an error can be printed.
func assertNoSecrets(t *testing.T, err error, secrets ...string) {
	t.Helper()
	out := fmt.Sprintf("%s|%v|%+v|%#v|%q", err.Error(), err, err, err, err)
	var re *RefreshError
	if errors.As(err, &re) {
		out += re.Description + re.Plain + re.URI + re.GoString()
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			t.Fatalf("a secret appears in the error: %s", out)
		}
	}
}

func randHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func TestRefreshUnknownErrorCode(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		oauthFail(w, http.StatusBadRequest, "account_locked\x1b[2J"+strings.Repeat("x", 500), "too many attempts\x1b]8;;https://evil.example\x07")
	}))
	defer s.Close()
	_, err := Refresh(context.Background(), RefreshConfig{TokenURL: s.URL, ClientID: "app", RefreshToken: "refresh-token-abcdef"})
	re := asRefreshError(t, err)
	if !strings.HasPrefix(re.Code, "account_locked") || len([]rune(re.Code)) > 60 || re.Description != "too many attempts" {
		t.Fatalf("got %#v", re)
	}
	if !strings.Contains(re.Plain, "refused the refresh with the error") || strings.ContainsFunc(re.Error()+re.Plain, isControl) {
		t.Errorf("Plain %q, Error %q", re.Plain, re.Error())
	}
}
