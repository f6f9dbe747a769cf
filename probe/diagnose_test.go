package probe

// Tests of Diagnose through Run against real loopback servers: one case per
// finding id, one per verdict, and the rules that order the ten steps.

import (
	"context"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Dependencies that land from other branches. A case that needs one names
// it, so that a failure says whether it is waiting for that code.
const (
	needsParser  = "ParseChallenges (parse branch)"
	needsJWT     = "DecodeJWT (parse branch)"
	needsInspect = "InspectAuthorization/CleanAuthorization"
)

// liveSetup builds the runner and request of one case; the runner may be
// nil for a default one.
type liveSetup func(t *testing.T) (*Runner, Request)

// liveAt answers every request with status, body and header pairs, and
// sends req (its URL filled in) there.
func liveAt(status int, body string, req Request, kv ...string) liveSetup {
	return func(t *testing.T) (*Runner, Request) {
		srv := liveServer(t, liveStatus(status, body, kv...))
		req.URL = srv.URL + req.URL
		return nil, req
	}
}

// liveNamed serves h at a made-up host name that the Runner's DialContext
// sends to loopback, with the given hosts-file content.
func liveNamed(t *testing.T, h http.HandlerFunc, host, hosts string) (*Runner, string) {
	srv := liveServer(t, h)
	r := liveRunner(t)
	r.DialContext = liveDialTo(srv.Listener.Addr().String())
	if hosts != "" {
		r.HostsFile = filepath.Join(t.TempDir(), "hosts")
		if err := os.WriteFile(r.HostsFile, []byte(hosts), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return r, "http://" + host + ":" + port + "/"
}

// liveDated answers with a Date header off by skew from the local clock.
func liveDated(status int, skew time.Duration, kv ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(skew).UTC().Format(http.TimeFormat))
		for i := 0; i+1 < len(kv); i += 2 {
			w.Header().Add(kv[i], kv[i+1])
		}
		w.WriteHeader(status)
	}
}

type findingCase struct {
	name    string
	setup   liveSetup
	id      string
	sev     Severity // "" = not checked
	verdict Verdict  // "" = not checked
	first   int      // 0 = not checked
	detail  string   // a substring the detail must contain, "" = not checked
	needs   string   // code from another branch the case depends on
}

var (
	basicChallenge  = []string{"WWW-Authenticate", `Basic realm="intranet"`}
	bearerChallenge = []string{"WWW-Authenticate", `Bearer realm="api"`}
)

func findingCases() []findingCase {
	now := time.Now()
	expired := liveJWT(map[string]any{"sub": "alice", "exp": now.Add(-2 * time.Hour).Unix(), "iat": now.Add(-3 * time.Hour).Unix()})
	future := liveJWT(map[string]any{"sub": "alice", "nbf": now.Add(time.Hour).Unix(), "exp": now.Add(2 * time.Hour).Unix()})
	soon := liveJWT(map[string]any{"sub": "alice", "exp": now.Add(10 * time.Minute).Unix()})
	basic := Request{User: "alice", Password: "wrong-password-123", HasUser: true}

	return []findingCase{
		{name: "no credentials, Basic challenge", id: "no-credentials", sev: SevError, verdict: VerdictUnauthorized, first: StepLogin,
			setup: liveAt(401, "", Request{}, basicChallenge...)},
		{name: "no credentials, Bearer challenge", id: "no-credentials", verdict: VerdictUnauthorized, first: StepTokens, needs: needsParser,
			setup: liveAt(401, "", Request{}, bearerChallenge...)},
		{name: "credentials rejected", id: "credentials-rejected", sev: SevError, verdict: VerdictUnauthorized, first: StepLogin,
			setup: liveAt(401, "", basic, basicChallenge...)},
		{name: "scheme mismatch", id: "scheme-mismatch", sev: SevError, verdict: VerdictUnauthorized, needs: needsParser,
			setup: liveAt(401, "", basic, bearerChallenge...)},
		{name: "missing challenge", id: "missing-challenge", sev: SevWarning, verdict: VerdictUnauthorized,
			setup: liveAt(401, `{"message":"Unauthorized"}`, Request{Bearer: "opaque-token-123456"})},
		{name: "bearer invalid token", id: "bearer-invalid-token", sev: SevError, verdict: VerdictUnauthorized, first: StepTokens, needs: needsParser,
			detail: "The access token expired",
			setup: liveAt(401, "", Request{Bearer: "opaque-token-123456"},
				"WWW-Authenticate", `Bearer realm="example", error="invalid_token", error_description="The access token expired"`)},
		{name: "bearer insufficient scope", id: "bearer-insufficient-scope", sev: SevError, verdict: VerdictForbidden, first: StepAdmin, needs: needsParser,
			detail: "repo:write",
			setup: liveAt(403, "", Request{Bearer: "opaque-token-123456"},
				"WWW-Authenticate", `Bearer realm="api", error="insufficient_scope", scope="repo:write"`)},
		{name: "bearer invalid request", id: "bearer-invalid-request", sev: SevError, verdict: VerdictClientError, needs: needsParser,
			setup: liveAt(400, "", Request{Bearer: "opaque-token-123456", URL: "/?access_token=opaque-token-123456"},
				"WWW-Authenticate", `Bearer realm="api", error="invalid_request", error_description="token sent twice"`)},
		{name: "token expired", id: "token-expired", sev: SevError, verdict: VerdictUnauthorized, first: StepTokens, needs: needsJWT,
			setup: liveAt(401, "", Request{Bearer: expired}, bearerChallenge...)},
		{name: "token expired by the server's clock only", id: "token-expired", sev: SevError, first: StepTokens, needs: needsJWT,
			detail: "clocks disagree",
			setup: func(t *testing.T) (*Runner, Request) {
				srv := liveServer(t, liveDated(401, time.Hour, bearerChallenge...))
				return nil, Request{URL: srv.URL, Bearer: soon}
			}},
		{name: "token not yet valid", id: "token-not-yet-valid", sev: SevError, verdict: VerdictUnauthorized, needs: needsJWT,
			setup: liveAt(401, "", Request{Bearer: future}, bearerChallenge...)},
		{name: "clock skew, no token", id: "clock-skew", sev: SevWarning, verdict: VerdictOK, detail: "1 hour ahead of",
			setup: func(t *testing.T) (*Runner, Request) {
				return nil, Request{URL: liveServer(t, liveDated(200, time.Hour)).URL}
			}},
		{name: "clock skew, with a token", id: "clock-skew", sev: SevWarning, verdict: VerdictUnauthorized, detail: "1 hour behind",
			setup: func(t *testing.T) (*Runner, Request) {
				srv := liveServer(t, liveDated(401, -time.Hour, bearerChallenge...))
				return nil, Request{URL: srv.URL, Bearer: soon}
			}},
		{name: "malformed authorization", id: "malformed-authorization", sev: SevError, verdict: VerdictUnauthorized, needs: needsInspect,
			setup: liveAt(401, "", Request{Headers: []Field{{Name: "Authorization", Value: "Bearer opaque-token-123456\n"}}}, bearerChallenge...)},
		{name: "credentials dropped on redirect", id: "credentials-dropped-on-redirect", sev: SevError, verdict: VerdictUnauthorized,
			setup: func(t *testing.T) (*Runner, Request) {
				b := liveServer(t, liveStatus(401, "", basicChallenge...))
				bu, _ := url.Parse(b.URL)
				a := liveServer(t, liveStatus(302, "", "Location", "http://localhost:"+bu.Port()+"/"))
				return nil, Request{URL: a.URL, Bearer: "dropped-token-123456"}
			}},
		{name: "credentials dropped on redirect, then OK", id: "credentials-dropped-on-redirect", sev: SevWarning, verdict: VerdictOK,
			setup: func(t *testing.T) (*Runner, Request) {
				b := liveServer(t, liveStatus(200, ""))
				bu, _ := url.Parse(b.URL)
				a := liveServer(t, liveStatus(307, "", "Location", "http://localhost:"+bu.Port()+"/"))
				return nil, Request{URL: a.URL, Headers: []Field{{Name: "X-Api-Key", Value: "dropped-key-123456"}}}
			}},
		{name: "insecure transport to a remote name", id: "insecure-transport", sev: SevWarning, verdict: VerdictUnauthorized,
			setup: func(t *testing.T) (*Runner, Request) {
				r, u := liveNamed(t, liveStatus(401, "", basicChallenge...), "api.example.test", "")
				return r, Request{URL: u, User: "alice", Password: "cleartext-pass-1", HasUser: true}
			}},
		{name: "insecure transport to loopback", id: "insecure-transport", sev: SevInfo, verdict: VerdictOK,
			setup: liveAt(200, "", Request{Bearer: "loopback-token-123456"})},
		{name: "too many redirects", id: "too-many-redirects", sev: SevError, verdict: VerdictClientError, first: StepURL,
			setup: func(t *testing.T) (*Runner, Request) {
				srv := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/a" {
						http.Redirect(w, r, "/b", http.StatusFound)
						return
					}
					http.Redirect(w, r, "/a", http.StatusFound)
				})
				return nil, Request{URL: srv.URL + "/a"}
			}},
		{name: "proxy auth required, http target", id: "proxy-auth-required", sev: SevError, verdict: VerdictProxyAuthRequired, first: StepSecurity,
			setup: func(t *testing.T) (*Runner, Request) {
				return nil, Request{URL: "http://api.example.test/v1", Proxy: newLiveProxy(t, true).URL}
			}},
		{name: "proxy auth required, https target", id: "proxy-auth-required", sev: SevError, verdict: VerdictProxyAuthRequired, first: StepSecurity,
			setup: func(t *testing.T) (*Runner, Request) {
				return nil, Request{URL: "https://api.example.test/v1", Proxy: newLiveProxy(t, true).URL}
			}},
		{name: "forbidden", id: "forbidden", sev: SevError, verdict: VerdictForbidden, first: StepAdmin,
			setup: liveAt(403, "no", Request{Bearer: "valid-but-weak-123456"})},
		{name: "not found", id: "not-found", sev: SevError, verdict: VerdictNotFound, first: StepURL,
			setup: liveAt(404, "", Request{})},
		{name: "gone", id: "not-found", verdict: VerdictNotFound, first: StepURL,
			setup: liveAt(410, "", Request{})},
		{name: "server error", id: "server-error", sev: SevError, verdict: VerdictServerError, first: StepAdmin,
			setup: liveAt(500, "", Request{})},
		{name: "bad gateway", id: "server-error", verdict: VerdictServerError, first: StepAdmin,
			setup: liveAt(502, "", Request{Bearer: "some-token-123456"})},
		{name: "cookie expired in the cookie list", id: "cookie-expired", sev: SevError, verdict: VerdictUnauthorized, detail: "session",
			setup: liveAt(401, "", Request{Cookies: []Cookie{{Name: "session", Value: "old-session-123456", Domain: "127.0.0.1", Path: "/", Expires: time.Now().Add(-time.Hour)}}})},
		{name: "cookie expired in a Netscape cookie file", id: "cookie-expired", sev: SevError, verdict: VerdictUnauthorized, detail: "sessionid",
			setup: func(t *testing.T) (*Runner, Request) {
				srv := liveServer(t, liveStatus(401, "", basicChallenge...))
				cookies, err := ParseCookieFile([]byte("# Netscape HTTP Cookie File\n" +
					"127.0.0.1\tFALSE\t/\tFALSE\t1600000000\tsessionid\tlong-expired-session-1\n" +
					"#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\ttheme\tdark\n" +
					"other.example\tTRUE\t/\tFALSE\t1600000000\tforeign\texpired-elsewhere\n"))
				if err != nil {
					t.Fatal(err)
				}
				return nil, Request{URL: srv.URL, Cookies: cookies, CookieFile: "cookies.txt"}
			}},
		{name: "cookie expired by the server", id: "cookie-expired", sev: SevWarning, verdict: VerdictUnauthorized, detail: "session",
			setup: liveAt(401, "", Request{Cookies: []Cookie{{Name: "session", Value: "old-session-123456"}}},
				"Set-Cookie", "session=; Path=/; Max-Age=0")},
		{name: "digest required", id: "digest-required", sev: SevWarning, verdict: VerdictUnauthorized, needs: needsParser,
			setup: liveAt(401, "", Request{}, "WWW-Authenticate", `Digest realm="cams", qop="auth", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe"`)},
		{name: "negotiate required", id: "negotiate-required", sev: SevWarning, verdict: VerdictUnauthorized, needs: needsParser,
			setup: liveAt(401, "", Request{}, "WWW-Authenticate", "Negotiate", "WWW-Authenticate", "NTLM")},
		{name: "waf block", id: "waf-block", sev: SevError, verdict: VerdictForbidden, first: StepPrivate, detail: "8c1f2e3d4a5b6c7d-LHR",
			setup: liveAt(403, "<title>Just a moment...</title>", Request{}, "Cf-Mitigated", "challenge", "Cf-Ray", "8c1f2e3d4a5b6c7d-LHR", "Server", "cloudflare")},
		{name: "hosts override elsewhere", id: "hosts-override", sev: SevWarning, detail: "10.20.30.40",
			setup: func(t *testing.T) (*Runner, Request) {
				r, u := liveNamed(t, liveStatus(401, "", basicChallenge...), "api.example.test", "# test\n10.20.30.40 api.example.test\n")
				return r, Request{URL: u}
			}},
		{name: "hosts override to loopback", id: "hosts-override", sev: SevInfo,
			setup: func(t *testing.T) (*Runner, Request) {
				r, u := liveNamed(t, liveStatus(200, ""), "localhost", "127.0.0.1 localhost\n")
				return r, Request{URL: u}
			}},
		{name: "timeout", id: "timeout", sev: SevError, verdict: VerdictUnreachable,
			setup: func(t *testing.T) (*Runner, Request) {
				done := make(chan struct{})
				t.Cleanup(func() { close(done) })
				srv := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
					select {
					case <-r.Context().Done():
					case <-done:
					}
				})
				return nil, Request{URL: srv.URL, Timeout: 200 * time.Millisecond}
			}},
		{name: "dns failure", id: "dns-failure", sev: SevError, verdict: VerdictUnreachable, first: StepDNS,
			setup: func(t *testing.T) (*Runner, Request) {
				return nil, Request{URL: "https://fix401-no-such-host.invalid/login"}
			}},
		{name: "connection refused", id: "connection-refused", sev: SevError, verdict: VerdictUnreachable,
			setup: func(t *testing.T) (*Runner, Request) {
				return nil, Request{URL: "http://" + liveClosedPort(t) + "/"}
			}},
		{name: "untrusted certificate", id: "tls-untrusted-certificate", sev: SevError, verdict: VerdictUnreachable,
			setup: func(t *testing.T) (*Runner, Request) {
				return nil, Request{URL: liveTLSServer(t, liveStatus(200, "")).URL}
			}},
		{name: "tls error", id: "tls-error", sev: SevError, verdict: VerdictUnreachable,
			setup: func(t *testing.T) (*Runner, Request) {
				srv := liveServer(t, liveStatus(200, ""))
				return nil, Request{URL: strings.Replace(srv.URL, "http:", "https:", 1)}
			}},
		{name: "proxy error", id: "proxy-error", sev: SevError, verdict: VerdictUnreachable, first: StepSecurity,
			setup: func(t *testing.T) (*Runner, Request) {
				return nil, Request{URL: "http://api.example.test/", Proxy: liveClosedPort(t)}
			}},
		{name: "network error", id: "network-error", sev: SevError, verdict: VerdictUnreachable,
			setup: func(t *testing.T) (*Runner, Request) {
				addr := liveRawServer(t, func(c net.Conn) { io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n") })
				return nil, Request{URL: "http://" + addr + "/"}
			}},
		{name: "session expired 419", id: "session-expired", sev: SevError, verdict: VerdictClientError, detail: "session",
			setup: liveAt(419, "Page Expired", Request{Cookies: []Cookie{{Name: "laravel_session", Value: "old-session-123456"}}})},
		{name: "session expired 440", id: "session-expired", verdict: VerdictClientError,
			setup: liveAt(440, "", Request{})},
		{name: "rate limited", id: "rate-limited", sev: SevWarning, verdict: VerdictClientError,
			setup: liveAt(429, "", Request{Bearer: "some-token-123456"}, "Retry-After", "30")},
		{name: "redirect to login", id: "redirect-to-login", sev: SevWarning, verdict: VerdictOK,
			setup: func(t *testing.T) (*Runner, Request) {
				srv := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/api/data" {
						http.Redirect(w, r, "/login?next=/api/data", http.StatusFound)
						return
					}
					io.WriteString(w, `<form><input type="password" name="pw"></form>`)
				})
				return nil, Request{URL: srv.URL + "/api/data", Bearer: "some-token-123456"}
			}},
		{name: "method changed on redirect", id: "method-changed-on-redirect", sev: SevWarning, verdict: VerdictOK,
			setup: func(t *testing.T) (*Runner, Request) {
				srv := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
					if r.Method == http.MethodPost {
						http.Redirect(w, r, "/done", http.StatusFound)
					}
				})
				return nil, Request{URL: srv.URL + "/submit", Body: "a=1"}
			}},
		{name: "bearer token not seen", id: "bearer-token-not-seen", sev: SevWarning, verdict: VerdictUnauthorized, needs: needsParser,
			setup: liveAt(401, "", Request{Headers: []Field{{Name: "X-Api-Key", Value: "misplaced-key-123456"}}}, bearerChallenge...)},
		{name: "proxy in use", id: "proxy-in-use", sev: SevInfo, verdict: VerdictUnauthorized,
			setup: func(t *testing.T) (*Runner, Request) {
				origin := liveServer(t, liveStatus(401, "", basicChallenge...))
				return nil, Request{URL: origin.URL, Proxy: newLiveProxy(t, false).URL}
			}},
		{name: "captive portal", id: "captive-portal", sev: SevError, first: StepSecurity,
			setup: liveAt(511, "<title>Hotel Wi-Fi sign in</title>", Request{})},
	}
}

func TestFindings(t *testing.T) {
	t.Parallel()
	for _, c := range findingCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, req := c.setup(t)
			res := liveRun(t, r, req)
			d := res.Diagnosis
			wait := ""
			if c.needs != "" {
				wait = " (needs " + c.needs + ")"
			}
			if !d.Has(c.id) {
				t.Fatalf("no %q finding%s; got %v (status %d, verdict %s)", c.id, wait, liveIDs(d), d.Status, d.Verdict)
			}
			f := liveFinding(t, d, c.id)
			if c.sev != "" && f.Severity != c.sev {
				t.Errorf("severity %s, want %s%s", f.Severity, c.sev, wait)
			}
			if c.verdict != "" && d.Verdict != c.verdict {
				t.Errorf("verdict %s, want %s%s", d.Verdict, c.verdict, wait)
			}
			if c.first != 0 && d.Steps[0] != c.first {
				t.Errorf("steps %v, want %d first%s; findings %v", d.Steps, c.first, wait, liveIDs(d))
			}
			if c.detail != "" && !strings.Contains(f.Detail, c.detail) {
				t.Errorf("detail %q lacks %q%s", f.Detail, c.detail, wait)
			}
			if d.Summary == "" {
				t.Errorf("no summary")
			}
		})
	}
}

// TestEveryFindingIDIsCovered keeps the table above in step with the ids
// diagnose.go can produce.
func TestEveryFindingIDIsCovered(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("diagnose.go")
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, c := range findingCases() {
		covered[c.id] = true
	}
	s := string(src)
	for {
		i := strings.Index(s, `ID: "`)
		if i < 0 {
			break
		}
		s = s[i+5:]
		id := s[:strings.IndexByte(s, '"')]
		if !covered[id] {
			t.Errorf("finding %q from diagnose.go has no live test case", id)
		}
	}
}

func TestVerdicts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status int
		want   Verdict
	}{
		{200, VerdictOK}, {204, VerdictOK}, {304, VerdictOK},
		{401, VerdictUnauthorized},
		{403, VerdictForbidden},
		{407, VerdictProxyAuthRequired},
		{404, VerdictNotFound}, {410, VerdictNotFound},
		{400, VerdictClientError}, {405, VerdictClientError}, {418, VerdictClientError}, {429, VerdictClientError},
		{500, VerdictServerError}, {503, VerdictServerError}, {599, VerdictServerError},
	}
	for _, c := range cases {
		t.Run(StatusText(c.status), func(t *testing.T) {
			t.Parallel()
			_, req := liveAt(c.status, "", Request{})(t)
			res := liveRun(t, nil, req)
			if res.Diagnosis.Status != c.status || res.Diagnosis.Verdict != c.want {
				t.Errorf("status %d: verdict %s (status %d), want %s", c.status, res.Diagnosis.Verdict, res.Diagnosis.Status, c.want)
			}
			if c.want == VerdictOK && len(res.Diagnosis.Findings) != 0 {
				t.Errorf("a plain %d has findings %v", c.status, liveIDs(res.Diagnosis))
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		t.Parallel()
		res := liveRun(t, nil, Request{URL: "http://" + liveClosedPort(t) + "/"})
		if res.Diagnosis.Verdict != VerdictUnreachable || res.Diagnosis.Status != 0 {
			t.Errorf("verdict %s status %d", res.Diagnosis.Verdict, res.Diagnosis.Status)
		}
	})
}

// TestStepOrderRules checks the rules that put one step first.
func TestStepOrderRules(t *testing.T) {
	t.Parallel()
	invalid := []string{"WWW-Authenticate", `Bearer error="invalid_token"`}
	expired := liveJWT(map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})
	cases := []struct {
		name  string
		setup liveSetup
		first int
		needs string
	}{
		{"invalid token → 10", liveAt(401, "", Request{Bearer: "opaque-token-123456"}, invalid...), StepTokens, needsParser},
		{"invalid token with a Basic challenge too → 10", liveAt(401, "", Request{Bearer: "opaque-token-123456"}, append(slices.Clone(basicChallenge), invalid...)...), StepTokens, needsParser},
		{"expired token → 10", liveAt(401, "", Request{Bearer: expired}, basicChallenge...), StepTokens, needsJWT},
		{"expired token on a 403 → 10", liveAt(403, "", Request{Bearer: expired}), StepTokens, needsJWT},
		{"401 without credentials → 1", liveAt(401, "", Request{}, basicChallenge...), StepLogin, ""},
		{"401 without credentials or challenge → 1", liveAt(401, "", Request{}), StepLogin, ""},
		{"401 without credentials, Bearer wanted → 10", liveAt(401, "", Request{}, bearerChallenge...), StepTokens, needsParser},
		{"403 → 9", liveAt(403, "", Request{}), StepAdmin, ""},
		{"403 with credentials → 9", liveAt(403, "", Request{User: "u", Password: "p", HasUser: true}), StepAdmin, ""},
		{"404 → 4", liveAt(404, "", Request{Bearer: "opaque-token-123456"}), StepURL, ""},
		{"407 → 8", func(t *testing.T) (*Runner, Request) {
			return nil, Request{URL: "http://api.example.test/", Proxy: newLiveProxy(t, true).URL}
		}, StepSecurity, ""},
		{"DNS failure → 5", func(t *testing.T) (*Runner, Request) {
			return nil, Request{URL: "http://fix401-missing.invalid/", Bearer: "opaque-token-123456"}
		}, StepDNS, ""},
		{"500 → 9", liveAt(500, "", Request{}), StepAdmin, ""},
		// When something else stopped the request before the site judged
		// the token, that comes first.
		{"DNS failure with an expired token → 5", func(t *testing.T) (*Runner, Request) {
			return nil, Request{URL: "http://fix401-missing.invalid/", Bearer: expired}
		}, StepDNS, ""},
		{"407 with an expired token → 8", func(t *testing.T) (*Runner, Request) {
			return nil, Request{URL: "http://api.example.test/", Bearer: expired, Proxy: newLiveProxy(t, true).URL}
		}, StepSecurity, ""},
		{"proxy error with an expired token → 8", func(t *testing.T) (*Runner, Request) {
			return nil, Request{URL: "http://api.example.test/", Bearer: expired, Proxy: liveClosedPort(t)}
		}, StepSecurity, ""},
		{"500 with an expired token → 9", liveAt(500, "", Request{Bearer: expired}), StepAdmin, ""},
		{"401 with an expired token → 10", liveAt(401, "", Request{Bearer: expired}), StepTokens, ""},
		{"503 with credentials → 9", liveAt(503, "", Request{User: "u", Password: "p", HasUser: true}), StepAdmin, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, req := c.setup(t)
			res := liveRun(t, r, req)
			if got := res.Diagnosis.Steps[0]; got != c.first {
				wait := ""
				if c.needs != "" {
					wait = " (needs " + c.needs + ")"
				}
				t.Errorf("first step %d, want %d%s; steps %v, findings %v", got, c.first, wait, res.Diagnosis.Steps, liveIDs(res.Diagnosis))
			}
		})
	}
}

func TestRecommendOrder(t *testing.T) {
	t.Parallel()
	if got := RecommendOrder(nil, 0); !slices.Equal(got, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
		t.Errorf("no findings: %v, want the usual order", got)
	}
	if got := RecommendOrder(nil, 7); got[0] != 7 {
		t.Errorf("forced 7: %v", got)
	}
	// An error outweighs a warning; a finding's first step outweighs its
	// later ones.
	fs := []Finding{
		{ID: "w", Severity: SevWarning, Steps: []int{3}},
		{ID: "e", Severity: SevError, Steps: []int{6, 2}},
	}
	if got := RecommendOrder(fs, 0); !slices.Equal(got[:3], []int{6, 2, 3}) {
		t.Errorf("weighted order %v, want 6, 2, 3 first", got)
	}
	// Whatever the findings say, the result is a permutation of 1..10,
	// even with out-of-range steps.
	rng := rand.New(rand.NewPCG(1, 2))
	sevs := []Severity{SevError, SevWarning, SevInfo, "bogus"}
	for range 500 {
		var fs []Finding
		for range rng.IntN(6) {
			f := Finding{Severity: sevs[rng.IntN(len(sevs))]}
			for range rng.IntN(5) {
				f.Steps = append(f.Steps, rng.IntN(14)-2)
			}
			fs = append(fs, f)
		}
		first := rng.IntN(12)
		got := RecommendOrder(fs, first)
		liveCheckSteps(t, got)
		if first >= 1 && first <= 10 && got[0] != first {
			t.Fatalf("forced %d: %v", first, got)
		}
	}
}

func TestStepTitle(t *testing.T) {
	t.Parallel()
	for n := 1; n <= 10; n++ {
		if StepTitle(n) == "" {
			t.Errorf("step %d has no title", n)
		}
	}
	for _, n := range []int{-1, 0, 11} {
		if StepTitle(n) != "" {
			t.Errorf("StepTitle(%d) = %q", n, StepTitle(n))
		}
	}
}

// TestDiagnoseIsPure: the same exchange always gives the same diagnosis,
// and Diagnose does not change the exchange.
func TestDiagnoseIsPure(t *testing.T) {
	t.Parallel()
	srv := liveServer(t, liveDated(401, 2*time.Hour, "WWW-Authenticate", `Basic realm="x"`, "X-Request-Id", "req-42"))
	res := liveRun(t, nil, Request{URL: srv.URL, User: "u", Password: "pure-password-123", HasUser: true})
	before := res.Exchange.Hops[0].Header.Clone()
	a, b := Diagnose(&res.Exchange), Diagnose(&res.Exchange)
	if !slices.Equal(a.Steps, b.Steps) || !slices.Equal(liveIDs(a), liveIDs(b)) || a.Summary != b.Summary || a.Skew != b.Skew {
		t.Errorf("two diagnoses of one exchange differ:\n%+v\n%+v", a, b)
	}
	if !slices.Equal(liveIDs(a), liveIDs(res.Diagnosis)) {
		t.Errorf("Diagnose %v differs from Run's %v", liveIDs(a), liveIDs(res.Diagnosis))
	}
	if len(before) != len(res.Exchange.Hops[0].Header) {
		t.Errorf("Diagnose changed the exchange")
	}
	if a.Skew < 119*time.Minute || a.Skew > 121*time.Minute {
		t.Errorf("skew %v, want about 2h", a.Skew)
	}
}

// TestDiagnoseEmptyExchange: an exchange with no hops (a HAR with nothing
// in it) is judged without a panic.
func TestDiagnoseEmptyExchange(t *testing.T) {
	t.Parallel()
	d := Diagnose(&Exchange{})
	if d.Verdict != VerdictUnreachable || d.Status != 0 || d.Summary == "" {
		t.Errorf("empty exchange: %+v", d)
	}
	liveCheckDiagnosis(t, d)
	d = Diagnose(&Exchange{Failure: &Failure{Kind: FailDNS, Message: "lookup x: no such host"}})
	liveCheckDiagnosis(t, d)
	if !d.Has("dns-failure") {
		t.Errorf("failure without hops: %v", liveIDs(d))
	}
}

// TestDiagnoseHostileServerText: escape sequences and bidi overrides a
// server puts in what reaches findings never come out.
func TestDiagnoseHostileServerText(t *testing.T) {
	t.Parallel()
	hostile := "\u009b31mred\u009b0m \u202egnp.exe\u202c \u2066x\u2069 \u2028line"
	srv := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+hostile+`", error="invalid_token", error_description="`+hostile+`"`)
		w.Header().Set("Cf-Mitigated", "challenge")
		w.Header().Set("Cf-Ray", hostile)
		w.Header().Set("Retry-After", hostile)
		w.Header().Set("Set-Cookie", "s"+hostile+"=; Max-Age=0")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "\x1b]0;pwned\x07\x1b[2J"+hostile)
	})
	res := liveRun(t, nil, Request{URL: srv.URL, Bearer: "hostile-token-123456"})
	if len(res.Diagnosis.Findings) == 0 {
		t.Fatal("no findings")
	}
	// liveRun has already checked every finding for control characters.
	if strings.ContainsFunc(res.Diagnosis.Summary, isControl) {
		t.Errorf("summary %q", res.Diagnosis.Summary)
	}
}

// TestDiagnoseNeverPanics feeds Diagnose odd exchanges built by hand (as a
// HAR import could produce).
func TestDiagnoseNeverPanics(t *testing.T) {
	t.Parallel()
	for _, ex := range []Exchange{
		{Hops: []Hop{{}}},
		{Hops: []Hop{{URL: "::not a url", Status: 401, Header: http.Header{"Www-Authenticate": {"", ",,,", `Basic realm="`}}}}},
		{Hops: []Hop{{URL: "http://x/", Status: 302, Location: "http://[::1/"}, {URL: "%%%", Status: 403, Dropped: []Drop{{}}}}},
		{Hops: []Hop{{URL: "http://x/", Status: 200, Header: http.Header{"Date": {"garbage"}, "Set-Cookie": {"=", ";;;"}}}}, Facts: Facts{Hosts: []HostsEntry{{}}, Cleaned: true, Original: []Credential{{}}}},
		{Hops: []Hop{{URL: "http://x/", Status: 999}}, TooManyRedirects: true},
		{Hops: []Hop{{URL: "http://x/", Status: -1}}},
	} {
		d := Diagnose(&ex)
		liveCheckSteps(t, d.Steps)
	}
}

// TestRunRespectsCallerContext is here because Diagnose must see a failure
// the caller caused as such, not as the server's fault.
func TestDiagnoseCancelledIsNotTimeout(t *testing.T) {
	t.Parallel()
	srv := liveServer(t, liveStatus(200, ""))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := liveRunner(t).Run(ctx, Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if res.Exchange.Failure == nil || res.Exchange.Failure.Kind == FailTimeout {
		t.Errorf("a cancelled check: failure %+v", res.Exchange.Failure)
	}
}

func TestHumanDuration(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{61 * time.Second, "1 minute"},
		{90 * time.Second, "2 minutes"},
		{59*time.Minute + 29*time.Second, "59 minutes"},
		{59*time.Minute + 59*time.Second, "1 hour"},
		{time.Hour + time.Second, "1 hour"},
		{90 * time.Minute, "2 hours"},
		{47 * time.Hour, "47 hours"},
		{48*time.Hour - time.Second, "2 days"},
		{36*24*time.Hour + 13*time.Hour, "37 days"},
	} {
		if got := humanDuration(c.d); got != c.want {
			t.Errorf("humanDuration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

// TestInsecureTransportOnlyWhenSent: credentials that never left the
// machine (the name did not resolve, the port refused) were not sent in
// clear; credentials written to a server that then hung were.
func TestInsecureTransportOnlyWhenSent(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		setup liveSetup
		want  bool
	}{
		{"dns failure", func(t *testing.T) (*Runner, Request) {
			return nil, Request{URL: "http://fix401-missing.invalid/", Bearer: "never-sent-token-123"}
		}, false},
		{"refused", func(t *testing.T) (*Runner, Request) {
			r := liveRunner(t)
			r.DialContext = liveDialTo(liveClosedPort(t))
			return r, Request{URL: "http://api.example.test/", Bearer: "never-sent-token-123"}
		}, false},
		{"sent, then no answer", func(t *testing.T) (*Runner, Request) {
			done := make(chan struct{})
			t.Cleanup(func() { close(done) })
			r, u := liveNamed(t, func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-done:
				}
			}, "api.example.test", "")
			return r, Request{URL: u, Bearer: "sent-token-123456", Timeout: 200 * time.Millisecond}
		}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, req := c.setup(t)
			res := liveRun(t, r, req)
			if got := res.Diagnosis.Has("insecure-transport"); got != c.want {
				t.Errorf("insecure-transport %v, want %v; findings %v", got, c.want, liveIDs(res.Diagnosis))
			}
		})
	}
}
