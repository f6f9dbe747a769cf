package steps_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/fix401/fix401/probe"
	"github.com/fix401/fix401/steps"
)

// startOIDC runs a real OAuth/OIDC server (mockoidc) on loopback and logs
// its default user in through the authorization-code flow, as an app
// would, returning the refresh token it issued.
func startOIDC(t *testing.T) (*mockoidc.MockOIDC, string) {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	q := url.Values{"client_id": {m.ClientID}, "response_type": {"code"}, "scope": {"openid email"}, "state": {"s"}, "redirect_uri": {"http://127.0.0.1/cb"}}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(m.AuthorizationEndpoint() + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: %v %v", loc, err)
	}
	res, err = http.PostForm(m.TokenEndpoint(), url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"client_id": {m.ClientID}, "client_secret": {m.ClientSecret}, "redirect_uri": {"http://127.0.0.1/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tr struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tr); err != nil || tr.RefreshToken == "" {
		t.Fatalf("token: %v", err)
	}
	return m, tr.RefreshToken
}

// oidcAPI accepts only access tokens the OIDC server signed, for its
// client, valid by its clock; anything else gets a Bearer challenge.
func oidcAPI(t *testing.T, m *mockoidc.MockOIDC) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			_, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return m.Keypair.PublicKey, nil },
				jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(m.Issuer()), jwt.WithAudience(m.ClientID),
				jwt.WithTimeFunc(m.Now), jwt.WithExpirationRequired())
			if err == nil {
				fmt.Fprintln(w, "hello")
				return
			}
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token", error_description="the access token expired"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func actionIndex(t *testing.T, st steps.Step, label string) int {
	t.Helper()
	for i, a := range st.Actions {
		if strings.Contains(a.Label, label) {
			return i
		}
	}
	t.Fatalf("step %d offers no %q action: %+v", st.Number, label, st.Actions)
	return -1
}

// TestOAuthRefreshFixesStep10: given the token endpoint, client id and
// secret and a refresh token (as flags or the environment give them), step
// 10 gets a new access token from a real OIDC server and the re-test with
// it passes. No secret reaches the report or the saved session.
func TestOAuthRefreshFixesStep10(t *testing.T) {
	m, refresh := startOIDC(t)
	api := oidcAPI(t, m)
	const stale = "stale-access-token-0123456789"
	s := steps.NewSession(steps.Env{}, probe.Request{URL: api.URL + "/me", Bearer: stale})
	cfg := probe.RefreshConfigFromEnv(func(k string) string {
		return map[string]string{probe.EnvTokenURL: m.TokenEndpoint(), probe.EnvClientID: m.ClientID, probe.EnvClientSecret: m.ClientSecret, probe.EnvRefreshToken: refresh}[k]
	})
	s.SetOAuth(cfg)
	driveSupport(t, s, s.Apply(steps.Start{URL: api.URL + "/me"}))
	if s.Diagnosis() == nil || s.Diagnosis().Status != 401 {
		t.Fatalf("first check: phase %v error %q", s.Phase, s.Error)
	}
	driveSupport(t, s, s.Apply(steps.Jump{Step: 10}))
	idx := actionIndex(t, s.Step(10), "Get a new access token")
	effs := s.Apply(steps.RunAction{Index: idx})
	if len(effs) != 1 || effs[0].Kind != steps.EffectRefresh || !s.ActionBusy() {
		t.Fatalf("effects %+v busy %v", effs, s.ActionBusy())
	}
	driveSupport(t, s, effs)
	if s.Phase != steps.PhaseResolved || s.FixedBy != 10 {
		t.Fatalf("phase %v fixedBy %d error %q", s.Phase, s.FixedBy, s.Error)
	}
	if len(s.Refreshes) != 1 || !s.Refreshes[0].OK || s.Refreshes[0].Token == "" {
		t.Fatalf("refreshes %+v", s.Refreshes)
	}
	newToken := s.Request.Bearer
	if newToken == "" || newToken == stale {
		t.Fatalf("the request does not carry the new token")
	}
	rep := s.SupportReport(testMeta)
	js, _ := steps.EncodeReport(rep, "x.json")
	rec, _ := json.Marshal(s.Record(false))
	for what, out := range map[string]string{"report": rep.Markdown(), "JSON report": string(js), "saved session": string(rec), "error": s.Error, "step 10": strings.Join(s.Step(10).Info, "\n")} {
		assertNoSecret(t, what, out, refresh, m.ClientSecret, newToken, stale)
	}
	if !strings.Contains(rep.Markdown(), "## OAuth token refreshes") || !strings.Contains(string(js), `"oauth_refreshes": [`) {
		t.Error("the report does not list the refresh")
	}
	if !strings.Contains(string(rec), `"had_refresh_token":true`) || !strings.Contains(string(rec), m.ClientID) {
		t.Errorf("the saved session does not say an OAuth refresh token was given:\n%s", rec)
	}
}

// TestOAuthRefusalsInPlainWords: the real server's invalid_grant and
// invalid_client become plain sentences on the step, and the form typed
// in masked fields is used as it is.
func TestOAuthRefusalsInPlainWords(t *testing.T) {
	m, refresh := startOIDC(t)
	api := oidcAPI(t, m)
	cases := []struct {
		name          string
		secret, token string
		want          string
		code          string
	}{
		{"wrong client secret", "wrong-secret-0123456789abc", refresh, "did not accept the client id or secret", "invalid_client"},
		{"revoked refresh token", m.ClientSecret, "", "refresh token has expired, was revoked or was already used", "invalid_grant"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			token := c.token
			if token == "" {
				// A refresh token the server signed for a session it
				// does not know: what a revoked one looks like to it.
				var err error
				token, err = m.Keypair.SignJWT(&jwt.RegisteredClaims{ID: "revoked-0001", Issuer: m.Issuer(), Audience: jwt.ClaimStrings{m.ClientID},
					ExpiresAt: jwt.NewNumericDate(m.Now().Add(time.Hour)), IssuedAt: jwt.NewNumericDate(m.Now())})
				if err != nil {
					t.Fatal(err)
				}
			}
			s := steps.NewSession(steps.Env{}, probe.Request{URL: api.URL})
			driveSupport(t, s, s.Apply(steps.Start{URL: api.URL}))
			driveSupport(t, s, s.Apply(steps.Jump{Step: 10}))
			// Nothing configured: the action opens the form.
			driveSupport(t, s, s.Apply(steps.RunAction{Index: actionIndex(t, s.Step(10), "Refresh the token with OAuth")}))
			if s.FormKey() != "oauth" {
				t.Fatalf("the OAuth form is not shown (form %q)", s.FormKey())
			}
			fields := s.Step(10).Fields
			if len(fields) != 4 || !fields[2].Secret || !fields[3].Secret || fields[0].Secret {
				t.Fatalf("fields %+v", fields)
			}
			// A half-filled form is refused with a plain reason.
			driveSupport(t, s, s.Apply(steps.Submit{Values: []string{m.TokenEndpoint(), m.ClientID, c.secret, ""}}))
			if !strings.Contains(s.Error, "No refresh token given") {
				t.Fatalf("error %q", s.Error)
			}
			driveSupport(t, s, s.Apply(steps.Submit{Values: []string{m.TokenEndpoint(), m.ClientID, c.secret, token}}))
			if !strings.Contains(s.Error, c.want) || !strings.Contains(s.Error, c.code) || s.Phase != steps.PhaseStep {
				t.Fatalf("error %q phase %v", s.Error, s.Phase)
			}
			if n := len(s.Refreshes); n != 1 || s.Refreshes[0].OK || s.Refreshes[0].Code != c.code {
				t.Fatalf("refreshes %+v", s.Refreshes)
			}
			rep := s.SupportReport(testMeta)
			assertNoSecret(t, "report", rep.Markdown(), token, c.secret, m.ClientSecret)
			assertNoSecret(t, "error", s.Error, token, c.secret, m.ClientSecret)
			assertNoSecret(t, "step 10", strings.Join(s.Step(10).Info, "\n"), token, c.secret)
		})
	}
}
