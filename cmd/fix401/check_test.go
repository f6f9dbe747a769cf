package main

// Tests of `fix401 check` through run(), the same entry point main uses,
// against real servers on loopback.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/fix401/fix401/probe"
)

// chkResult is what one run of the command produced.
type chkResult struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

// chkRun runs fix401 with args, stdin empty, and captures its output.
func chkRun(t *testing.T, args ...string) chkResult {
	t.Helper()
	var out, errb bytes.Buffer
	start := time.Now()
	code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return chkResult{code, out.String(), errb.String(), time.Since(start)}
}

func chkNeeds(what string) string {
	if what == "" {
		return ""
	}
	return " (needs " + what + ")"
}

func chkServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

func chkStatus(status int, kv ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(kv); i += 2 {
			w.Header().Add(kv[i], kv[i+1])
		}
		w.WriteHeader(status)
	}
}

func chkClosedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// chkUnsafe reports the first byte or rune a terminal would act on: ESC and
// other C0 controls but newline, DEL, C1 controls (U+0080–U+009F, CSI among
// them) and bidi overrides.
func chkUnsafe(s string) (rune, bool) {
	for _, r := range s {
		switch {
		case r == '\n':
		case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0,
			r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x2028, r == 0x2029:
			return r, true
		}
	}
	return 0, false
}

func TestCheckExitCodes(t *testing.T) {
	t.Parallel()
	ok := chkServer(t, chkStatus(200))
	redirect := chkServer(t, chkStatus(302, "Location", "ftp://files.example.com/"))
	denied := chkServer(t, chkStatus(401, "WWW-Authenticate", `Basic realm="x"`))
	broken := chkServer(t, chkStatus(500))
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"200", []string{"check", ok.URL}, 0},
		{"200 json", []string{"check", "--json", ok.URL}, 0},
		{"302 that cannot be followed", []string{"check", redirect.URL}, 0},
		{"401", []string{"check", denied.URL}, 1},
		{"401 with credentials", []string{"check", "-u", "alice:pw", denied.URL}, 1},
		{"500", []string{"check", broken.URL}, 1},
		{"bad input", []string{"check", "ftp://x"}, 2},
		{"refused", []string{"check", "http://" + chkClosedPort(t) + "/"}, 3},
		{"dns", []string{"check", "--json", "http://fix401-no-such-host.invalid/"}, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := chkRun(t, c.args...)
			if r.code != c.want {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, c.want, r.stdout, r.stderr)
			}
			if c.want != 2 && r.stderr != "" {
				t.Errorf("stderr %q, want nothing", r.stderr)
			}
		})
	}
}

func TestCheckBadInput(t *testing.T) {
	t.Parallel()
	srv := chkServer(t, chkStatus(200))
	cases := []struct {
		name string
		args []string
		want string // in the one stderr line
	}{
		{"file URL", []string{"check", "file:///etc/passwd"}, "file"},
		{"ftp URL", []string{"check", "ftp://x"}, "ftp"},
		{"bad scheme", []string{"check", "ht!tp://x"}, "ht!tp://x"},
		{"unclosed IPv6", []string{"check", "http://[::1"}, "http://[::1"},
		{"no URL", []string{"check"}, "no URL"},
		{"two URLs", []string{"check", srv.URL, srv.URL}, "at most 1"},
		{"unknown flag", []string{"check", "--bogus", srv.URL}, "--bogus"},
		{"unknown shorthand", []string{"check", "-Z", srv.URL}, "-Z"},
		{"flag without value", []string{"check", srv.URL, "-H"}, "-H"},
		{"header without colon", []string{"check", "-H", "Authorization Bearer x", srv.URL}, "colon"},
		{"header without name", []string{"check", "-H", ": value", srv.URL}, "no name"},
		{"negative max-time", []string{"check", "--max-time", "-1", srv.URL}, "max-time"},
		{"negative max-time with =", []string{"check", "--max-time=-0.5", srv.URL}, "max-time"},
		{"zero max-time", []string{"check", "-m", "0", srv.URL}, "max-time"},
		{"max-time not a number", []string{"check", "-m", "soon", srv.URL}, "soon"},
		{"missing cookie file", []string{"check", "-b", filepath.Join(t.TempDir(), "missing-cookies.txt"), srv.URL}, "missing-cookies.txt"},
		{"missing data file", []string{"check", "-d", "@" + filepath.Join(t.TempDir(), "body.json"), srv.URL}, "body.json"},
		{"unparsable curl", []string{"check", "--curl", "ls -la"}, "curl"},
		{"bad proxy", []string{"check", "-x", "ftp://proxy:21", srv.URL}, "proxy"},
		{"bad method", []string{"check", "-X", "GET /", srv.URL}, "method"},
		{"escape in URL", []string{"check", "http://example.com/\x1b[31mred"}, "control"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := chkRun(t, c.args...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			if strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
				t.Errorf("stderr is not exactly one line: %q", r.stderr)
			}
			if !strings.Contains(r.stderr, c.want) {
				t.Errorf("stderr %q does not mention %q", r.stderr, c.want)
			}
			for _, bad := range []string{"goroutine ", "panic", ".go:", "Usage:"} {
				if strings.Contains(r.stderr+r.stdout, bad) {
					t.Errorf("output has %q: %s%s", bad, r.stderr, r.stdout)
				}
			}
			if ch, bad := chkUnsafe(r.stderr); bad {
				t.Errorf("stderr carries %U: %q", ch, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
		})
	}
}

func TestCheckJSON(t *testing.T) {
	t.Parallel()
	final := chkServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token"`)
		w.Header().Set("Date", time.Now().Add(-2*time.Hour).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusUnauthorized)
	})
	start := chkServer(t, chkStatus(http.StatusMovedPermanently, "Location", final.URL+"/v2"))
	r := chkRun(t, "check", "--json", "--oauth2-bearer", "json-cli-token-123456", start.URL+"/v1")
	if r.code != 1 {
		t.Errorf("exit %d", r.code)
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Errorf("more than one JSON value on stdout: %s", r.stdout)
	}
	for _, k := range []string{"schema", "url", "final_url", "method", "status", "verdict", "challenges", "redirects", "findings", "steps", "timings_ms", "server_date"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q key", k)
		}
	}
	if m["schema"] != float64(1) || m["status"] != float64(401) || m["verdict"] != "unauthorized" || m["method"] != "GET" {
		t.Errorf("schema %v status %v verdict %v method %v", m["schema"], m["status"], m["verdict"], m["method"])
	}
	if m["url"] != start.URL+"/v1" || m["final_url"] != final.URL+"/v2" {
		t.Errorf("url %v final_url %v", m["url"], m["final_url"])
	}
	if hops, _ := m["redirects"].([]any); len(hops) != 2 {
		t.Errorf("redirects %v", m["redirects"])
	} else {
		for i, h := range hops {
			hm, _ := h.(map[string]any)
			for _, k := range []string{"url", "status", "location", "credentials_dropped"} {
				if _, ok := hm[k]; !ok {
					t.Errorf("redirects[%d] lacks %q", i, k)
				}
			}
		}
	}
	if steps, _ := m["steps"].([]any); len(steps) != 10 {
		t.Errorf("steps %v", m["steps"])
	}
	if _, ok := m["server_date"].(string); !ok {
		t.Errorf("server_date %v", m["server_date"])
	}
	var ids []string
	for _, f := range m["findings"].([]any) {
		fm := f.(map[string]any)
		for _, k := range []string{"id", "severity", "title", "detail", "steps"} {
			if _, ok := fm[k]; !ok {
				t.Errorf("finding %v lacks %q", fm["id"], k)
			}
		}
		ids = append(ids, fm["id"].(string))
	}
	if !strings.Contains(strings.Join(ids, " "), "clock-skew") {
		t.Errorf("findings %v lack clock-skew", ids)
	}
	if strings.Contains(r.stdout, "json-cli-token-123456") {
		t.Errorf("the token is in the JSON")
	}
	if ch, bad := chkUnsafe(r.stdout); bad {
		t.Errorf("JSON carries %U", ch)
	}

	// Nothing answered: still one JSON object, status 0.
	r = chkRun(t, "check", "--json", "http://"+chkClosedPort(t)+"/")
	m = nil
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("unreachable: stdout is not one JSON object: %v\n%s", err, r.stdout)
	}
	if r.code != 3 || m["status"] != float64(0) || m["verdict"] != "unreachable" || m["server_date"] != nil {
		t.Errorf("unreachable: exit %d status %v verdict %v server_date %v", r.code, m["status"], m["verdict"], m["server_date"])
	}
}

func TestCheckHumanReport(t *testing.T) {
	t.Parallel()
	srv := chkServer(t, chkStatus(403, "X-Request-Id", "abc-123"))
	r := chkRun(t, "check", "-u", "alice:human-password-1", srv.URL)
	if r.code != 1 {
		t.Errorf("exit %d", r.code)
	}
	for _, want := range []string{"403 Forbidden", "verdict: forbidden", "[forbidden]", "X-Request-Id: abc-123", "Try these steps", "Contact the site administrator", "Timings"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
	// The first recommended step of a 403 is step 9.
	_, steps, _ := strings.Cut(r.stdout, "Try these steps")
	if i := strings.Index(steps, " 1. "); i < 0 || !strings.HasPrefix(steps[i:], " 1. Contact the site administrator") {
		t.Errorf("the first step is not step 9:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "\x1b") {
		t.Errorf("piped output carries escape sequences")
	}
}

// TestCheckProxyChallenge: a 407's challenge is the proxy's, said in
// plain words, and a long challenge is wrapped like the rest.
func TestCheckProxyChallenge(t *testing.T) {
	t.Parallel()
	proxy := chkServer(t, chkStatus(407, "Proxy-Authenticate", `Basic realm="Corp proxy"`))
	r := chkRun(t, "check", "-x", proxy.URL, "http://site.example.test/")
	for _, want := range []string{"What the proxy asks for", `Proxy-Authenticate: Basic realm="Corp proxy"`, "a user name and password (Basic)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "What the server asks for") {
		t.Errorf("the proxy's challenge is said to be the server's:\n%s", r.stdout)
	}
	long := `Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"`
	srv := chkServer(t, chkStatus(401, "WWW-Authenticate", long))
	r = chkRun(t, "check", srv.URL)
	_, asks, _ := strings.Cut(r.stdout, "What the server asks for\n")
	asks, _, _ = strings.Cut(asks, "\n\n")
	for _, l := range strings.Split(asks, "\n") {
		if len(l) > 90 {
			t.Errorf("challenge line is %d wide: %q", len(l), l)
		}
	}
}

// TestCheckDigestIsNotARedirect: the request that answers a Digest
// challenge is listed as a second request, not as a redirect.
func TestCheckDigestIsNotARedirect(t *testing.T) {
	t.Parallel()
	srv := chkServer(t, chkStatus(401, "WWW-Authenticate", `Digest realm="r", qop="auth", nonce="abc123"`))
	r := chkRun(t, "check", "-u", "alice:digest-pw-1", srv.URL)
	if !strings.Contains(r.stdout, "answering the Digest challenge") {
		t.Fatalf("no Digest answer was sent:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "Redirect chain") || !strings.Contains(r.stdout, "\nRequests\n") {
		t.Errorf("the Digest answer is called a redirect:\n%s", r.stdout)
	}
}

// TestCheckNoAnswerInWords: when nothing answers, the headline names the
// failure in words.
func TestCheckNoAnswerInWords(t *testing.T) {
	t.Parallel()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	r := chkRun(t, "check", closed.URL)
	if r.code != exitUnreachable || !strings.Contains(r.stdout, "No answer (connection refused)") {
		t.Errorf("exit %d:\n%s", r.code, r.stdout)
	}
}

func TestCheckTimeoutIsBounded(t *testing.T) {
	t.Parallel()
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	srv := chkServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	})
	r := chkRun(t, "check", "--max-time", "0.3", srv.URL)
	if r.code != 3 {
		t.Errorf("exit %d, want 3\n%s", r.code, r.stdout)
	}
	if r.took > 600*time.Millisecond {
		t.Errorf("took %v with --max-time 0.3", r.took)
	}
	if !strings.Contains(r.stdout, "[timeout]") {
		t.Errorf("report does not name the timeout:\n%s", r.stdout)
	}
}

// chkEcho answers 401 and echoes every credential back in its body, in
// response headers (the plaintext Basic password in a request id), in the
// challenge and in a cookie.
func chkEcho(t *testing.T) string {
	return chkServer(t, func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		plain := auth
		if _, pass, ok := r.BasicAuth(); ok {
			plain = pass
		}
		// A proxy that forwards its own credentials to the origin.
		pa := r.Header.Get("Proxy-Authorization")
		if _, pass, ok := (&http.Request{Header: http.Header{"Authorization": {pa}}}).BasicAuth(); ok {
			plain += pass
		}
		all := []string{auth, pa, plain, r.Header.Get("Cookie"), r.Header.Get("X-Api-Key"), r.URL.RawQuery}
		for _, c := range r.Cookies() {
			all = append(all, c.Value)
		}
		for _, vs := range r.URL.Query() {
			all = append(all, vs...)
		}
		echo := strings.Join(all, " ")
		w.Header().Set("X-Echo", echo)
		w.Header().Set("X-Request-Id", plain+r.Header.Get("X-Api-Key"))
		w.Header().Set("Cf-Mitigated", "challenge")
		w.Header().Add("WWW-Authenticate", `Bearer realm="`+plain+`", error="invalid_token", error_description="token `+plain+` refused"`)
		w.Header().Add("WWW-Authenticate", `Basic realm="`+plain+`"`)
		w.Header().Add("Set-Cookie", "echo="+url.QueryEscape(plain)+"; Max-Age=0")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, echo)
	}).URL
}

// TestCheckNeverShowsSecrets gives a secret in every form the command
// takes, to a server that echoes it back everywhere, and checks the human
// report (plain and verbose) and the JSON.
func TestCheckNeverShowsSecrets(t *testing.T) {
	t.Parallel()
	cookieFile := filepath.Join(t.TempDir(), "cookies.txt")
	if err := os.WriteFile(cookieFile, []byte("# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tsid\tfilecookie-Fc0912lmnb\n"+
		"127.0.0.1\tFALSE\t/\tFALSE\t1000000000\told\tfilecookie-Fc0912lmnb-expired\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A forward proxy that passes everything on, Proxy-Authorization
	// included, as a careless one does.
	proxyAddr := strings.TrimPrefix(chkServer(t, func(w http.ResponseWriter, r *http.Request) {
		out := r.Clone(r.Context())
		out.RequestURI = ""
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}).URL, "http://")
	cases := []struct {
		name, secret string
		args         func(u string) []string
		needs        string // code from another branch the case depends on
	}{
		{name: "basic -u", secret: "cli-basic-Pw8812zz", args: func(u string) []string { return []string{"-u", "alice:cli-basic-Pw8812zz", u} }},
		{name: "password in the URL", secret: "cli-urlpw-Up5512yy", args: func(u string) []string {
			pu, _ := url.Parse(u)
			pu.User = url.UserPassword("bob", "cli-urlpw-Up5512yy")
			return []string{pu.String()}
		}},
		{name: "--oauth2-bearer", secret: "cli-bearer-Bt7713xx", args: func(u string) []string { return []string{"--oauth2-bearer", "cli-bearer-Bt7713xx", u} }},
		{name: "Authorization header", secret: "cli-authz-Az3314ww", args: func(u string) []string {
			return []string{"-H", "Authorization: Bearer cli-authz-Az3314ww", u}
		}},
		{name: "Authorization header with a newline", secret: "cli-authzNL-An3314ww", args: func(u string) []string {
			return []string{"-H", "Authorization: Bearer cli-authzNL-An3314ww\n", u}
		}},
		{name: "X-API-Key header", secret: "cli-apikey-Ak9915vv", args: func(u string) []string { return []string{"-H", "X-API-Key: cli-apikey-Ak9915vv", u} }},
		{name: "cookie string", secret: "cli-cookie-Ck4416uu", args: func(u string) []string { return []string{"-b", "sid=cli-cookie-Ck4416uu; theme=dark", u} }},
		{name: "cookie file", secret: "filecookie-Fc0912lmnb", args: func(u string) []string { return []string{"-b", cookieFile, u} }, needs: "ParseCookieArg reading cookie files (curlcookie branch)"},
		{name: "proxy password", secret: "cli-proxy-Px6618rr", args: func(u string) []string {
			return []string{"-x", "http://proxyuser:cli-proxy-Px6618rr@" + proxyAddr, u}
		}},
		{name: "curl command", secret: "cli-curl-Cu5519qq", args: func(u string) []string {
			return []string{"--curl", "curl -s -H 'Authorization: Bearer cli-curl-Cu5519qq' -b 'sid=cli-curl-Cu5519qq' '" + u + "'"}
		}},
		{name: "token query parameter", secret: "cli-query-Qt2217tt", args: func(u string) []string { return []string{u + "?access_token=cli-query-Qt2217tt&x=1"} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			base := chkEcho(t) + "/api"
			forms := []string{c.secret, url.QueryEscape(c.secret),
				base64.StdEncoding.EncodeToString([]byte("alice:" + c.secret)),
				base64.StdEncoding.EncodeToString([]byte("bob:" + c.secret)),
				base64.StdEncoding.EncodeToString([]byte("proxyuser:" + c.secret))}
			for _, mode := range [][]string{{"check"}, {"check", "-v"}, {"check", "--json"}} {
				r := chkRun(t, append(mode, c.args(base)...)...)
				if r.code != 1 {
					t.Fatalf("%v: exit %d, want 1 (the echo server answers 401)%s\nstderr: %s", mode, r.code, chkNeeds(c.needs), r.stderr)
				}
				for _, s := range forms {
					if i := strings.Index(r.stdout+r.stderr, s); i >= 0 {
						out := r.stdout + r.stderr
						t.Errorf("%v shows %q: …%s…", mode, s, out[max(0, i-100):min(len(out), i+len(s)+20)])
					}
				}
				if len(r.stdout) < 200 {
					t.Errorf("%v: suspiciously short output %q", mode, r.stdout)
				}
			}
		})
	}
}

// TestRenderReportNeverShowsSecrets calls renderReport and Result.JSON on
// a result whose cookies come from a cookie file (probe.Cookie values with
// Domain and Expires, as the cookie-file parser produces them).
func TestRenderReportNeverShowsSecrets(t *testing.T) {
	t.Parallel()
	const secret = "render-cookie-Rc5518ss"
	base := chkEcho(t)
	res, err := probe.Run(context.Background(), probe.Request{URL: base + "/", CookieFile: "cookies.txt", Cookies: []probe.Cookie{
		{Name: "sid", Value: secret, Domain: "127.0.0.1", Path: "/", Expires: time.Now().Add(time.Hour)},
		{Name: "old", Value: secret + "-old", Domain: "127.0.0.1", Path: "/", Expires: time.Now().Add(-time.Hour)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Exchange.Last().Header.Get("X-Echo"), secret) {
		t.Fatalf("the cookie did not reach the server")
	}
	b, err := json.Marshal(res.JSON())
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{
		"plain":   renderReport(res, newReportStyles(), false, ""),
		"verbose": renderReport(res, newReportStyles(), true, ""),
		"json":    string(b),
	} {
		if strings.Contains(out, secret) {
			t.Errorf("%s output shows the cookie value", name)
		}
	}
	if !res.Diagnosis.Has("cookie-expired") {
		t.Errorf("the expired cookie was not reported: %v", res.Diagnosis.Findings)
	}
}

// TestCheckHostileServer: what a server controls never puts a control
// character, escape sequence or bidi override on the screen, in the human
// report (plain and verbose) or the JSON.
func TestCheckHostileServer(t *testing.T) {
	t.Parallel()
	hostile := "\u009b31mC1-CSI\u009b0m \u202eevil\u202c \u2066iso\u2069 \u2028sep"
	srv := chkServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			w.Header().Set("Location", "/next/"+url.PathEscape(hostile))
			w.WriteHeader(http.StatusFound)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+hostile+`", error="invalid_token", error_description="`+hostile+` \\"q\\" \\u001b[31m"`)
		w.Header().Set("X-Request-Id", hostile)
		w.Header().Set("X-Hostile-"+"Name", hostile)
		w.Header().Set("Set-Cookie", "s=\u202e; Max-Age=0")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x7f"+hostile)
	})
	for _, mode := range [][]string{{"check"}, {"check", "-v"}, {"check", "--json"}} {
		r := chkRun(t, append(mode, "-H", "X-Note: \u202enote", "--oauth2-bearer", "hostile-token-1234567", srv.URL+"/")...)
		if r.code != 1 {
			t.Errorf("%v: exit %d\n%s", mode, r.code, r.stderr)
		}
		if ch, bad := chkUnsafe(r.stdout + r.stderr); bad {
			t.Errorf("%v: output carries %U:\n%s", mode, ch, r.stdout)
		}
		if mode[len(mode)-1] == "-v" && !strings.Contains(r.stdout, "C1-CSI") {
			t.Errorf("verbose output lost the printable part of the header:\n%s", r.stdout)
		}
	}
}

// TestCheckRawEscapeHeader: Go refuses a response whose header holds a raw
// ESC ("malformed MIME header line"); the failure that results is shown
// without the escape sequence.
func TestCheckRawEscapeHeader(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				c.Read(buf)
				io.WriteString(c, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"\x1b]0;pwned\x07\x1b[2J\"\r\nContent-Length: 0\r\n\r\n")
			}()
		}
	}()
	for _, mode := range [][]string{{"check"}, {"check", "--json"}} {
		r := chkRun(t, append(mode, "http://"+ln.Addr().String()+"/")...)
		if r.code != 3 {
			t.Errorf("%v: exit %d, want 3 (the response was refused)", mode, r.code)
		}
		if ch, bad := chkUnsafe(r.stdout + r.stderr); bad {
			t.Errorf("%v: output carries %U:\n%q", mode, ch, r.stdout)
		}
		if !strings.Contains(r.stdout, "malformed") {
			t.Errorf("%v: output does not say the response was malformed:\n%s", mode, r.stdout)
		}
	}
}

// sgrColour matches an SGR sequence and reports whether it sets a colour.
var sgrRE = regexp.MustCompile("\x1b\\[([0-9;:]*)m")

func chkHasColour(s string) bool {
	for _, m := range sgrRE.FindAllStringSubmatch(s, -1) {
		for _, p := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ';' || r == ':' }) {
			n, _ := strconv.Atoi(p)
			if (n >= 30 && n <= 38) || (n >= 40 && n <= 48) || (n >= 90 && n <= 97) || (n >= 100 && n <= 107) {
				return true
			}
		}
	}
	return false
}

// chkRunOnTTY runs fix401 with stdout on a real pseudo-terminal and the
// given environment, and returns what the terminal received.
func chkRunOnTTY(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	got := make(chan string)
	go func() {
		b, _ := io.ReadAll(ptmx)
		got <- string(b)
	}()
	old := environ
	environ = func() []string { return env }
	defer func() { environ = old }()
	var errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), tty, &errb)
	tty.Close()
	select {
	case s := <-got:
		return code, s
	case <-time.After(5 * time.Second):
		t.Fatal("the terminal output never ended")
	}
	return code, ""
}

// TestCheckColour is not parallel: it swaps the process environment the
// renderer reads.
func TestCheckColour(t *testing.T) {
	srv := httptest.NewServer(chkStatus(401, "WWW-Authenticate", `Basic realm="x"`))
	defer srv.Close()
	base := []string{"TERM=xterm-256color", "COLORTERM=truecolor", "HOME=" + t.TempDir()}

	code, out := chkRunOnTTY(t, base, "check", srv.URL)
	if code != 1 {
		t.Errorf("exit %d", code)
	}
	if !chkHasColour(out) {
		t.Errorf("no colour on a colour terminal:\n%q", out)
	}
	for _, v := range []string{"1", "true", "0", "anything"} {
		code, out = chkRunOnTTY(t, append(base, "NO_COLOR="+v), "check", srv.URL)
		if code != 1 {
			t.Errorf("NO_COLOR=%s: exit %d", v, code)
		}
		if chkHasColour(out) {
			t.Errorf("NO_COLOR=%s: colour sequences in the output:\n%q", v, out)
		}
		if !strings.Contains(out, "401 Unauthorized") {
			t.Errorf("NO_COLOR=%s: report missing:\n%q", v, out)
		}
	}
	// Piped: no escape sequence at all, whatever the terminal type.
	old := environ
	environ = func() []string { return base }
	defer func() { environ = old }()
	r := chkRun(t, "check", "-v", srv.URL)
	if strings.Contains(r.stdout, "\x1b") {
		t.Errorf("piped output carries escape sequences:\n%q", r.stdout)
	}
}

// TestCheckRequestFlags: the curl-named flags reach the server as curl
// would send them.
func TestCheckRequestFlags(t *testing.T) {
	t.Parallel()
	type saw struct {
		method, path, body, auth, cookie, note, empty, ctype string
		hasEmpty                                             bool
	}
	got := make(chan saw, 4)
	record := func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, hasEmpty := r.Header["X-Empty"]
		got <- saw{r.Method, r.URL.RequestURI(), string(b), r.Header.Get("Authorization"), r.Header.Get("Cookie"),
			r.Header.Get("X-Note"), r.Header.Get("X-Empty"), r.Header.Get("Content-Type"), hasEmpty}
	}
	srv := chkServer(t, record)
	bodyFile := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(bodyFile, []byte(`{"a":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := chkRun(t, "check", "-X", "PUT", "-H", "X-Note:  spaced value", "-H", "X-Empty;", "-H", "Content-Type: application/json",
		"-d", "@"+bodyFile, "-u", "alice:flag-pass-123", "-b", "a=1; b=2", srv.URL+"/p?q=1")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	s := <-got
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:flag-pass-123"))
	if s.method != "PUT" || s.path != "/p?q=1" || s.body != `{"a":1}` || s.auth != wantAuth || s.cookie != "a=1; b=2" ||
		s.note != "spaced value" || !s.hasEmpty || s.empty != "" || s.ctype != "application/json" {
		t.Errorf("server saw %+v", s)
	}

	// -d without -X posts; --oauth2-bearer sets the token.
	r = chkRun(t, "check", "-d", "x=1", "--oauth2-bearer", "flag-token-123456", srv.URL)
	s = <-got
	if r.code != 0 || s.method != "POST" || s.body != "x=1" || s.auth != "Bearer flag-token-123456" {
		t.Errorf("exit %d, server saw %+v", r.code, s)
	}

	// -k trusts a self-signed certificate; without it the check fails.
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(record))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	if r := chkRun(t, "check", tlsSrv.URL); r.code != 3 || !strings.Contains(r.stdout, "tls-untrusted-certificate") {
		t.Errorf("without -k: exit %d\n%s", r.code, r.stdout)
	}
	if r := chkRun(t, "check", "-k", tlsSrv.URL); r.code != 0 {
		t.Errorf("with -k: exit %d\n%s", r.code, r.stdout)
	} else {
		<-got
	}
}

// TestCheckCurlFromStdin: --curl - reads the pasted command from standard
// input, and flags given besides override it.
func TestCheckCurlFromStdin(t *testing.T) {
	t.Parallel()
	got := make(chan string, 2)
	srv := chkServer(t, func(w http.ResponseWriter, r *http.Request) {
		got <- r.Method + " " + r.Header.Get("Authorization")
		w.WriteHeader(http.StatusUnauthorized)
	})
	cmd := "curl -X DELETE \\\n  -H 'Authorization: Bearer stdin-token-123456' \\\n  '" + srv.URL + "/item/1'\n"
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"check", "--curl", "-", "--json"}, strings.NewReader(cmd), &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if s := <-got; s != "DELETE Bearer stdin-token-123456" {
		t.Errorf("server saw %q", s)
	}
	if strings.Contains(out.String(), "stdin-token-123456") {
		t.Errorf("the token is in the output")
	}
	out.Reset()
	code = run(context.Background(), []string{"check", "--curl", "-", "-X", "PATCH", "--oauth2-bearer", "override-token-123456"}, strings.NewReader(cmd), &out, &errb)
	if s := <-got; code != 1 || !strings.HasPrefix(s, "PATCH ") || !strings.Contains(s, "override-token-123456") {
		t.Errorf("flags do not override the curl command: exit %d, server saw %q", code, s)
	}
}
