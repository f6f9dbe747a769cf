package probe

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// The secrets the scenarios use; no output may show one whole.
const (
	scenarioAPIToken = "tok_live_4f9a8c7e2b1d6a3f5e0c"
	scenarioPassword = "Tr0ub4dor&3-staple"
	scenarioNegToken = "YIIGhgYGKwYBBQUCoIIGejCCBnagMDAuBgkqhkiC9xIBAgIGCSqGSIb3EgECAgYKKwYBBAGCNwICHgYKKwYBBAGCNwICCqKCBkAEggY8"
)

// makeJWT builds a compact JWT with the given claims and a fake signature.
func makeJWT(claims map[string]any) string {
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT","kid":"k1"}`))
	c, _ := json.Marshal(claims)
	return h + "." + base64.RawURLEncoding.EncodeToString(c) + "." + base64.RawURLEncoding.EncodeToString([]byte("signature-that-nobody-checks-0123456789"))
}

// jwtExp reads a JWT's exp claim without a JWT library, as a server would
// before checking the signature.
func jwtExp(tok string) (time.Time, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}, false
	}
	var c struct {
		Exp int64 `json:"exp"`
	}
	if json.Unmarshal(raw, &c) != nil || c.Exp == 0 {
		return time.Time{}, false
	}
	return time.Unix(c.Exp, 0), true
}

func randomValue() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// localhostURL rewrites a loopback server URL to use the name localhost, a
// different origin and cookie host than 127.0.0.1.
func localhostURL(raw string) string {
	return strings.Replace(raw, "127.0.0.1", "localhost", 1)
}

// sessions is a server-side session store with expiry.
type sessions struct {
	mu  sync.Mutex
	exp map[string]time.Time
}

func (s *sessions) create(ttl time.Duration) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exp == nil {
		s.exp = map[string]time.Time{}
	}
	id := randomValue()
	s.exp[id] = time.Now().Add(ttl)
	return id
}

func (s *sessions) valid(r *http.Request, name string) bool {
	c, err := r.Cookie(name)
	if err != nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.exp[c.Value]
	return ok && time.Now().Before(exp)
}

func writeJSON(w http.ResponseWriter, status int, v string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, v)
}

func writeHTML(w http.ResponseWriter, status int, v string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, v)
}

// harScenario is a browser session against real loopback servers that ends
// in an authentication failure, and what the diagnosis must say about it.
type harScenario struct {
	name string
	run  func(t testing.TB) *browserSim
	// failPath is the path of the first failure; failStatus its status.
	failPath   string
	failStatus int
	// want are finding ids a complete export (Chrome, Firefox, Safari) must
	// give; wantSanitized those Chrome's sanitized export must give;
	// notWant ids neither may give.
	want, wantSanitized, notWant []string
	// noCredentials is set when nothing in the recording carries a
	// credential: a complete Chrome export then looks sanitized.
	noCredentials bool
	// firstStep, when set, is the step the complete exports put first.
	firstStep int
	// needs names helper functions some ids depend on ("jwt", "challenge").
	needs map[string]string
	// secrets must never appear whole in any output.
	secrets func(b *browserSim) []string
}

var harScenarios = []harScenario{
	{
		name:     "expired-jwt",
		failPath: "/api/orders", failStatus: 401,
		want:          []string{"credentials-rejected", "token-expired", "bearer-invalid-token"},
		wantSanitized: []string{"har-sanitized"},
		notWant:       []string{"no-credentials", "har-missing-authorization", "har-no-cookie-sent"},
		firstStep:     StepTokens,
		needs:         map[string]string{"token-expired": "jwt", "bearer-invalid-token": "challenge"},
		run: func(t testing.TB) *browserSim {
			mux := http.NewServeMux()
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				writeHTML(w, 200, "<!doctype html><title>Shop</title><script src=/app.js></script>")
			})
			mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
				tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
				if !ok {
					w.Header().Set("WWW-Authenticate", `Bearer realm="shop"`)
					writeJSON(w, 401, `{"error":"unauthorized"}`)
					return
				}
				if exp, ok := jwtExp(tok); !ok || !time.Now().Before(exp) {
					w.Header().Set("WWW-Authenticate", `Bearer realm="shop", error="invalid_token", error_description="The access token expired"`)
					writeJSON(w, 401, `{"error":"invalid_token","error_description":"The access token expired"}`)
					return
				}
				writeJSON(w, 200, `{"ok":true}`)
			})
			srv := httptest.NewUnstartedServer(mux)
			srv.EnableHTTP2 = true
			srv.StartTLS()
			t.Cleanup(srv.Close)
			b := newBrowserSim(t, srv)
			fresh := makeJWT(map[string]any{"sub": "alice", "iss": "https://login.example.test/", "aud": "shop", "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()})
			stale := makeJWT(map[string]any{"sub": "alice", "iss": "https://login.example.test/", "aud": "shop", "exp": time.Now().Add(-2 * time.Hour).Unix(), "iat": time.Now().Add(-3 * time.Hour).Unix()})
			b.navigate(srv.URL + "/")
			b.fetch(http.MethodGet, srv.URL+"/api/profile", http.Header{"Authorization": {"Bearer " + fresh}})
			b.fetch(http.MethodGet, srv.URL+"/api/orders?page=1", http.Header{"Authorization": {"Bearer " + stale}})
			return b
		},
		secrets: func(b *browserSim) []string {
			var out []string
			for _, e := range b.entries {
				if tok, ok := strings.CutPrefix(e.reqHeader.Get("Authorization"), "Bearer "); ok {
					out = append(out, tok, strings.Split(tok, ".")[2])
				}
			}
			return out
		},
	},
	{
		name:     "session-expired",
		failPath: "/api/data", failStatus: 401,
		want:          []string{"cookie-expired"},
		wantSanitized: []string{"har-sanitized"},
		notWant:       []string{"no-credentials", "har-after-login-post", "har-cookie-wrong-path"},
		firstStep:     StepRelogin,
		run: func(t testing.TB) *browserSim {
			var store sessions
			mux := http.NewServeMux()
			mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
				writeHTML(w, 200, `<form method=post><input name=username><input type=password name=password></form>`)
			})
			mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
				if r.PostFormValue("password") != scenarioPassword {
					writeHTML(w, 401, "Invalid user name or password.")
					return
				}
				id := store.create(time.Second)
				http.SetCookie(w, &http.Cookie{Name: "session", Value: id, Path: "/", MaxAge: 1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
				http.Redirect(w, r, "/app", http.StatusSeeOther)
			})
			mux.HandleFunc("/app", func(w http.ResponseWriter, r *http.Request) {
				if !store.valid(r, "session") {
					http.Redirect(w, r, "/login", http.StatusFound)
					return
				}
				writeHTML(w, 200, "<title>App</title>")
			})
			mux.HandleFunc("/api/data", func(w http.ResponseWriter, r *http.Request) {
				if !store.valid(r, "session") {
					writeJSON(w, 401, `{"error":"not signed in"}`)
					return
				}
				writeJSON(w, 200, `{"data":[]}`)
			})
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			b := newBrowserSim(t)
			b.navigate(srv.URL + "/login")
			b.submit(srv.URL+"/login", url.Values{"username": {"alice"}, "password": {scenarioPassword}})
			time.Sleep(1100 * time.Millisecond) // the session cookie lives one second
			b.fetch(http.MethodGet, srv.URL+"/api/data", nil)
			return b
		},
		secrets: func(b *browserSim) []string {
			out := []string{scenarioPassword}
			for _, e := range b.entries {
				for _, c := range e.respCookies {
					out = append(out, c.Value)
				}
			}
			return out
		},
	},
	{
		name:     "redirect-dropped-authorization",
		failPath: "/api/v1/items", failStatus: 401,
		want:          []string{"credentials-dropped-on-redirect"},
		wantSanitized: []string{"har-sanitized"},
		notWant:       []string{"no-credentials", "har-missing-authorization"},
		firstStep:     StepURL,
		run: func(t testing.TB) *browserSim {
			api := http.NewServeMux()
			api.HandleFunc("/api/v1/items", func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "Bearer "+scenarioAPIToken {
					w.Header().Set("WWW-Authenticate", `Bearer realm="items"`)
					writeJSON(w, 401, `{"message":"Unauthorized"}`)
					return
				}
				writeJSON(w, 200, `{"items":[]}`)
			})
			newAPI := httptest.NewServer(api)
			t.Cleanup(newAPI.Close)
			old := http.NewServeMux()
			old.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				writeHTML(w, 200, "<title>Items</title>")
			})
			old.HandleFunc("/api/v1/items", func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, localhostURL(newAPI.URL)+r.URL.Path, http.StatusPermanentRedirect)
			})
			oldAPI := httptest.NewServer(old)
			t.Cleanup(oldAPI.Close)
			b := newBrowserSim(t)
			b.navigate(oldAPI.URL + "/")
			b.fetch(http.MethodGet, oldAPI.URL+"/api/v1/items", http.Header{"Authorization": {"Bearer " + scenarioAPIToken}})
			return b
		},
		secrets: func(*browserSim) []string { return []string{scenarioAPIToken} },
	},
	{
		name:     "login-post-401",
		failPath: "/login", failStatus: 401,
		want:          []string{"har-after-login-post"},
		wantSanitized: []string{"har-after-login-post", "har-sanitized"},
		notWant:       []string{"no-credentials"},
		firstStep:     StepLogin,
		run: func(t testing.TB) *browserSim {
			mux := http.NewServeMux()
			mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
				http.SetCookie(w, &http.Cookie{Name: "csrftoken", Value: randomValue(), Path: "/", SameSite: http.SameSiteLaxMode})
				writeHTML(w, 200, `<form method=post><input name=username><input type=password name=password><input type=hidden name=csrf></form>`)
			})
			mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
				c, err := r.Cookie("csrftoken")
				if err != nil || r.PostFormValue("csrf") != c.Value || r.PostFormValue("password") != "the right one" {
					writeHTML(w, 401, "<h1>Invalid user name or password.</h1>")
					return
				}
				http.Redirect(w, r, "/", http.StatusSeeOther)
			})
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			b := newBrowserSim(t)
			b.navigate(srv.URL + "/login")
			u, _ := url.Parse(srv.URL)
			csrf := ""
			for _, c := range b.jar.Cookies(u) {
				if c.Name == "csrftoken" {
					csrf = c.Value
				}
			}
			b.submit(srv.URL+"/login", url.Values{"username": {"alice"}, "password": {scenarioPassword}, "csrf": {csrf}})
			return b
		},
		secrets: func(b *browserSim) []string {
			out := []string{scenarioPassword}
			for _, e := range b.entries {
				for _, c := range e.respCookies {
					out = append(out, c.Value)
				}
			}
			return out
		},
	},
	{
		name:     "missing-authorization",
		failPath: "/api/reports", failStatus: 401,
		want:          []string{"har-missing-authorization"},
		wantSanitized: []string{"har-sanitized"},
		notWant:       []string{"no-credentials", "har-no-cookie-sent"},
		firstStep:     StepRelogin,
		run: func(t testing.TB) *browserSim {
			mux := http.NewServeMux()
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				writeHTML(w, 200, "<title>Dashboard</title>")
			})
			mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "Bearer "+scenarioAPIToken {
					w.Header().Set("WWW-Authenticate", `Bearer realm="dashboard"`)
					writeJSON(w, 401, `{"error":"unauthorized"}`)
					return
				}
				writeJSON(w, 200, `{"ok":true}`)
			})
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			b := newBrowserSim(t)
			auth := http.Header{"Authorization": {"Bearer " + scenarioAPIToken}}
			b.navigate(srv.URL + "/")
			b.fetch(http.MethodGet, srv.URL+"/api/me", auth)
			b.fetch(http.MethodGet, srv.URL+"/api/widgets", auth)
			b.fetch(http.MethodGet, srv.URL+"/api/reports", nil)
			return b
		},
		secrets: func(*browserSim) []string { return []string{scenarioAPIToken} },
	},
	{
		name:     "cookie-wrong-path",
		failPath: "/api/me", failStatus: 401,
		want:          []string{"har-cookie-wrong-path"},
		wantSanitized: []string{"har-sanitized"},
		notWant:       []string{"no-credentials", "har-no-cookie-sent", "har-after-login-post"},
		firstStep:     StepAdmin,
		run: func(t testing.TB) *browserSim {
			var store sessions
			mux := http.NewServeMux()
			mux.HandleFunc("GET /app/login", func(w http.ResponseWriter, r *http.Request) {
				writeHTML(w, 200, `<form method=post><input name=user><input type=password name=pass></form>`)
			})
			mux.HandleFunc("POST /app/login", func(w http.ResponseWriter, r *http.Request) {
				// No Path attribute: the browser scopes the cookie to /app.
				w.Header().Add("Set-Cookie", "sid="+store.create(time.Hour)+"; HttpOnly; SameSite=Lax")
				http.Redirect(w, r, "/app/home", http.StatusFound)
			})
			mux.HandleFunc("/app/home", func(w http.ResponseWriter, r *http.Request) {
				if !store.valid(r, "sid") {
					http.Redirect(w, r, "/app/login", http.StatusFound)
					return
				}
				writeHTML(w, 200, "<title>Home</title>")
			})
			mux.HandleFunc("/api/me", func(w http.ResponseWriter, r *http.Request) {
				if !store.valid(r, "sid") {
					writeJSON(w, 401, `{"error":"no session"}`)
					return
				}
				writeJSON(w, 200, `{"user":"alice"}`)
			})
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			b := newBrowserSim(t)
			b.navigate(srv.URL + "/app/login")
			b.submit(srv.URL+"/app/login", url.Values{"user": {"alice"}, "pass": {scenarioPassword}})
			b.fetch(http.MethodGet, srv.URL+"/api/me", nil)
			return b
		},
		secrets: func(b *browserSim) []string {
			out := []string{scenarioPassword}
			for _, e := range b.entries {
				for _, c := range e.respCookies {
					out = append(out, c.Value)
				}
			}
			return out
		},
	},
	{
		name:     "third-party-cookie-blocked",
		failPath: "/api/me", failStatus: 401,
		want:          []string{"har-no-cookie-sent"},
		wantSanitized: []string{"har-sanitized"},
		notWant:       []string{"no-credentials", "har-cookie-wrong-path"},
		firstStep:     StepPrivate,
		run: func(t testing.TB) *browserSim {
			var store sessions
			api := http.NewServeMux()
			api.HandleFunc("/sso/callback", func(w http.ResponseWriter, r *http.Request) {
				http.SetCookie(w, &http.Cookie{Name: "api_session", Value: store.create(time.Hour), Path: "/", HttpOnly: true, SameSite: http.SameSiteNoneMode})
				writeHTML(w, 200, "<title>Signed in</title>")
			})
			api.HandleFunc("/api/me", func(w http.ResponseWriter, r *http.Request) {
				if !store.valid(r, "api_session") {
					writeJSON(w, 401, `{"error":"login required"}`)
					return
				}
				writeJSON(w, 200, `{"user":"alice"}`)
			})
			apiSrv := httptest.NewServer(api)
			t.Cleanup(apiSrv.Close)
			site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				writeHTML(w, 200, "<title>Portal</title>")
			}))
			t.Cleanup(site.Close)
			b := newBrowserSim(t)
			apiURL := localhostURL(apiSrv.URL)
			b.navigate(apiURL + "/sso/callback?state=xyz")
			b.navigate(site.URL + "/")
			// The portal calls the API from another site; the browser
			// blocks third-party cookies.
			b.blockCookiesTo["localhost"] = true
			b.fetch(http.MethodGet, apiURL+"/api/me", nil)
			return b
		},
		secrets: func(b *browserSim) []string {
			var out []string
			for _, e := range b.entries {
				for _, c := range e.respCookies {
					out = append(out, c.Value)
				}
			}
			return out
		},
	},
	{
		name:     "arcgis-token-required",
		failPath: "/arcgis/rest/services/parcels/MapServer/0/query", failStatus: 200,
		want:          []string{"auth-error-in-body"},
		wantSanitized: []string{"auth-error-in-body", "har-sanitized"},
		notWant:       []string{"no-credentials"},
		firstStep:     StepTokens,
		noCredentials: true,
		run: func(t testing.TB) *browserSim {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !strings.HasPrefix(r.URL.Path, "/arcgis/") {
					writeHTML(w, 200, "<title>Parcel viewer</title>")
					return
				}
				if r.URL.Query().Get("token") == "" {
					writeJSON(w, 200, `{"error":{"code":499,"message":"Token Required","details":[]}}`)
					return
				}
				writeJSON(w, 200, `{"features":[]}`)
			}))
			t.Cleanup(srv.Close)
			b := newBrowserSim(t)
			b.navigate(srv.URL + "/viewer")
			b.fetch(http.MethodGet, srv.URL+"/arcgis/rest/services/parcels/MapServer/0/query?where=1%3D1&f=json", nil)
			return b
		},
		secrets: func(*browserSim) []string { return nil },
	},
}

// TestHARNegotiateHandshakeIsNotAFailure records a browser's Windows sign-in
// handshake (401 Negotiate, then the same request with a token, 200) and
// checks that the first 401 is not listed as a failure.
func TestHARNegotiateHandshakeIsNotAFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Negotiate ") {
			w.Header().Set("WWW-Authenticate", "Negotiate")
			writeHTML(w, 401, "401 - Unauthorized")
			return
		}
		writeHTML(w, 200, "<title>Intranet</title>")
	}))
	defer srv.Close()
	b := newBrowserSim(t)
	b.navigate(srv.URL + "/intranet/")
	b.do(simReq{method: http.MethodGet, url: srv.URL + "/intranet/", kind: "document", header: http.Header{"Authorization": {"Negotiate " + scenarioNegToken}}})
	for _, shape := range allShapes {
		h := readHARBytes(t, b.har(shape))
		if len(h.Entries) != 2 || h.Entries[0].Status != 401 || h.Entries[1].Status != 200 {
			t.Fatalf("%s: entries %+v", shape, h.Entries)
		}
		if f := h.Failures(); len(f) != 0 {
			t.Errorf("%s: the handshake's 401 is listed as a failure: %+v", shape, f)
		}
	}
}
