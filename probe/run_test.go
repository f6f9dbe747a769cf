package probe

// Tests of Runner.Run against real servers on loopback: plain and TLS
// httptest servers, raw TCP servers that misbehave on purpose, and a real
// forward proxy. No fake transport anywhere.

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// ---------------------------------------------------------------------------
// Helpers shared by the live tests in this package (run, diagnose, json,
// bench). Names carry a "live" prefix so that they do not collide with the
// helpers of other test files in the package.

// liveServer starts an httptest server closed at the end of the test.
func liveServer(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

// liveTLSServer starts an httptest TLS server closed at the end of the test.
func liveTLSServer(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(h)
	// Handshake errors from clients that distrust the certificate are
	// expected; keep them out of the test log.
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// liveStatus is a handler answering status with the given headers and body.
func liveStatus(status int, body string, kv ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(kv); i += 2 {
			w.Header().Add(kv[i], kv[i+1])
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// liveRunner is a Runner whose hosts file is empty, so that the machine's
// /etc/hosts does not add findings.
func liveRunner(t testing.TB) *Runner {
	t.Helper()
	f := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return &Runner{HostsFile: f}
}

// liveDialTo returns a DialContext that connects every address to addr, so
// that a URL naming any host reaches a loopback server.
func liveDialTo(addr string) func(ctx context.Context, network, _ string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

// liveRun runs req and checks the invariants every result must keep: no
// error, the steps a permutation of 1..10, every finding well-formed and
// free of control characters.
func liveRun(t testing.TB, r *Runner, req Request) *Result {
	t.Helper()
	if r == nil {
		r = liveRunner(t)
	}
	res, err := r.Run(context.Background(), req)
	if err != nil {
		t.Fatalf("Run(%s): unexpected error %v", req.URL, err)
	}
	liveCheckDiagnosis(t, res.Diagnosis)
	return res
}

func liveCheckDiagnosis(t testing.TB, d Diagnosis) {
	t.Helper()
	liveCheckSteps(t, d.Steps)
	for _, f := range d.Findings {
		if f.ID == "" || f.Title == "" || f.Detail == "" {
			t.Errorf("finding %+v lacks an id, title or detail", f)
		}
		switch f.Severity {
		case SevError, SevWarning, SevInfo:
		default:
			t.Errorf("finding %s has severity %q", f.ID, f.Severity)
		}
		if len(f.Steps) == 0 {
			t.Errorf("finding %s names no step", f.ID)
		}
		for _, s := range f.Steps {
			if s < 1 || s > 10 {
				t.Errorf("finding %s names step %d", f.ID, s)
			}
		}
		for _, s := range []string{f.Title, f.Detail, f.Evidence} {
			if strings.ContainsFunc(s, isControl) {
				t.Errorf("finding %s has a control character: %q", f.ID, s)
			}
		}
	}
}

// liveCheckSteps fails unless steps is a permutation of 1..10.
func liveCheckSteps(t testing.TB, steps []int) {
	t.Helper()
	got := slices.Clone(steps)
	slices.Sort(got)
	if !slices.Equal(got, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
		t.Errorf("steps %v are not a permutation of 1..10", steps)
	}
}

func liveIDs(d Diagnosis) []string {
	var ids []string
	for _, f := range d.Findings {
		ids = append(ids, f.ID)
	}
	return ids
}

// liveFinding returns the finding with id, failing the test when it is
// missing.
func liveFinding(t testing.TB, d Diagnosis, id string) Finding {
	t.Helper()
	for _, f := range d.Findings {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("no %q finding; got %v (status %d, verdict %s)", id, liveIDs(d), d.Status, d.Verdict)
	return Finding{}
}

// liveJWT builds an unsigned-looking but well-formed compact JWS with the
// given claims. Signature verification is not fix401's business.
func liveJWT(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]any{"alg": "HS256", "typ": "JWT"}) + "." + enc(claims) + "." +
		base64.RawURLEncoding.EncodeToString([]byte("signature-bytes-0123456789"))
}

// liveRawServer accepts TCP connections on loopback and hands each to
// serve; it is for servers that break the protocol on purpose.
func liveRawServer(t testing.TB, serve func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// liveRawResponse is a raw server that reads one request head and answers
// with resp exactly as given.
func liveRawResponse(t testing.TB, resp string) string {
	return liveRawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			line, err := br.ReadString('\n')
			if err != nil || line == "\r\n" || line == "\n" {
				break
			}
		}
		io.WriteString(c, resp)
	})
}

// liveClosedPort returns a loopback address nothing listens on.
func liveClosedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// liveProxy is a real forward proxy on loopback. With want407 it answers
// every request (absolute-form and CONNECT) with 407 and a Basic challenge;
// otherwise it forwards plain http requests and tunnels CONNECT.
type liveProxy struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // "METHOD target" of every request it got
}

func newLiveProxy(t testing.TB, want407 bool) *liveProxy {
	t.Helper()
	p := &liveProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		target := r.RequestURI
		if r.Method == http.MethodConnect {
			target = r.Host
		}
		p.seen = append(p.seen, r.Method+" "+target)
		p.mu.Unlock()
		if want407 {
			w.Header().Set("Proxy-Authenticate", `Basic realm="corp-proxy"`)
			w.WriteHeader(http.StatusProxyAuthRequired)
			io.WriteString(w, "proxy login required")
			return
		}
		if r.Method == http.MethodConnect {
			up, err := net.Dial("tcp", r.Host)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			w.WriteHeader(http.StatusOK)
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				up.Close()
				return
			}
			go func() { io.Copy(up, brw); up.Close() }()
			io.Copy(conn, up)
			conn.Close()
			return
		}
		out := r.Clone(r.Context())
		out.RequestURI = ""
		out.Header.Del("Proxy-Connection")
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, vs := range resp.Header {
			w.Header()[k] = vs
		}
		w.Header().Add("Via", "1.1 live-proxy")
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	t.Cleanup(p.Server.Close)
	return p
}

func (p *liveProxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.seen)
}

// ---------------------------------------------------------------------------
// Input validation.

func TestRunRejectsBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		req  Request
		want string
	}{
		{"empty URL", Request{}, "no URL"},
		{"file scheme", Request{URL: "file:///etc/passwd"}, "file"},
		{"ftp scheme", Request{URL: "ftp://x"}, "ftp"},
		{"bad scheme chars", Request{URL: "ht!tp://x"}, "not a valid URL"},
		{"unclosed IPv6", Request{URL: "http://[::1"}, "not a valid URL"},
		{"no scheme", Request{URL: "api.example.com/v1"}, "https://api.example.com/v1"},
		{"relative", Request{URL: "/just/a/path"}, "absolute"},
		{"no host", Request{URL: "http:///path"}, "no host"},
		{"bad port", Request{URL: "http://example.com:99999/"}, "port"},
		{"control char", Request{URL: "http://example.com/\x1b[31m"}, "control"},
		{"negative timeout", Request{URL: "http://example.com/", Timeout: -time.Second}, "negative"},
		{"header without name", Request{URL: "http://example.com/", Headers: []Field{{Name: "", Value: "x"}}}, "no valid name"},
		{"header name with space", Request{URL: "http://example.com/", Headers: []Field{{Name: "X Bad", Value: "x"}}}, "no valid name"},
		{"header value with newline", Request{URL: "http://example.com/", Headers: []Field{{Name: "X-Note", Value: "a\r\nInjected: 1"}}}, "line break"},
		{"bad method", Request{URL: "http://example.com/", Method: "GET /x"}, "method"},
		{"bad proxy scheme", Request{URL: "http://example.com/", Proxy: "ftp://proxy:21"}, "proxy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res, err := liveRunner(t).Run(context.Background(), c.req)
			if err == nil {
				t.Fatalf("Run accepted %+v: %+v", c.req, res.Diagnosis)
			}
			if !IsInputError(err) {
				t.Errorf("error %v is not an InputError", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, c.want) {
				t.Errorf("error %q does not mention %q", msg, c.want)
			}
			if strings.ContainsAny(msg, "\n\r\x1b") {
				t.Errorf("error %q is not one safe line", msg)
			}
			if err := c.req.Validate(); err == nil {
				t.Errorf("Validate accepted what Run refused")
			}
		})
	}
}

// ---------------------------------------------------------------------------
// What is sent.

func TestRunSendsCredentialsAndRecordsThem(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got http.Header
	var gotURL string
	srv := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got, gotURL = r.Header.Clone(), r.URL.String()
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	})
	res := liveRun(t, nil, Request{
		URL:     srv.URL + "/p?access_token=query-secret-123456&x=1",
		User:    "alice",
		HasUser: true, Password: "pa55word-long-enough",
		Headers: []Field{{Name: "X-Api-Key", Value: "apikey-secret-abcdef"}, {Name: "X-Plain", Value: "  spaced  "}},
		Cookies: []Cookie{{Name: "sid", Value: "cookie-secret-987654"}},
	})
	mu.Lock()
	defer mu.Unlock()
	if u, p, ok := (&http.Request{Header: got}).BasicAuth(); !ok || u != "alice" || p != "pa55word-long-enough" {
		t.Errorf("server saw Basic %q/%q ok=%v", u, p, ok)
	}
	if v := got.Get("X-Api-Key"); v != "apikey-secret-abcdef" {
		t.Errorf("server saw X-Api-Key %q", v)
	}
	if v := got.Get("X-Plain"); v != "spaced" {
		t.Errorf("server saw X-Plain %q", v)
	}
	if v := got.Get("Cookie"); v != "sid=cookie-secret-987654" {
		t.Errorf("server saw Cookie %q", v)
	}
	if v := got.Get("User-Agent"); v != UserAgent {
		t.Errorf("server saw User-Agent %q", v)
	}
	if !strings.Contains(gotURL, "access_token=query-secret-123456") {
		t.Errorf("server saw URL %q", gotURL)
	}
	if res.Diagnosis.Verdict != VerdictOK || res.Diagnosis.Status != 200 {
		t.Errorf("verdict %s status %d", res.Diagnosis.Verdict, res.Diagnosis.Status)
	}
	kinds := map[CredentialKind]string{}
	for _, c := range res.Exchange.Hops[0].Sent {
		kinds[c.Kind] = c.Name
	}
	for _, k := range []CredentialKind{CredBasic, CredAPIKeyHeader, CredCookie, CredAPIKeyQuery} {
		if _, ok := kinds[k]; !ok {
			t.Errorf("hop 0 Sent lacks a %s credential: %+v", k, res.Exchange.Hops[0].Sent)
		}
	}
}

func TestRunCredentialsInURLBecomeBasic(t *testing.T) {
	t.Parallel()
	var gotUser, gotPass string
	srv := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
		gotUser, gotPass, _ = r.BasicAuth()
	})
	u, _ := url.Parse(srv.URL)
	u.User = url.UserPassword("bob", "url-password-123456")
	res := liveRun(t, nil, Request{URL: u.String()})
	if gotUser != "bob" || gotPass != "url-password-123456" {
		t.Errorf("server saw %q/%q", gotUser, gotPass)
	}
	if strings.Contains(res.Exchange.Hops[0].URL, "url-password") {
		t.Errorf("hop URL keeps the password: %s", res.Exchange.Hops[0].URL)
	}
	if len(res.Exchange.Notes) == 0 {
		t.Errorf("no note says the URL credentials were sent as Basic")
	}
}

func TestRunMethodAndBody(t *testing.T) {
	t.Parallel()
	var method, body string
	srv := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		method, body = r.Method, string(b)
	})
	liveRun(t, nil, Request{URL: srv.URL, Body: "a=1"})
	if method != http.MethodPost || body != "a=1" {
		t.Errorf("body without method: server saw %s %q, want POST a=1", method, body)
	}
	liveRun(t, nil, Request{URL: srv.URL, Method: "put", Body: "x"})
	if method != http.MethodPut || body != "x" {
		t.Errorf("server saw %s %q, want PUT x", method, body)
	}
}

// TestRunCleansMalformedAuthorization sends each malformed form of a token
// and checks that the server saw the cleaned value, that the exchange keeps
// the original, and that the finding says whether cleaning fixed it.
func TestRunCleansMalformedAuthorization(t *testing.T) {
	t.Parallel()
	const tok = "abcDEF123-malformed-token"
	cases := []struct {
		name string
		req  func(u string) Request
	}{
		{"trailing newline header", func(u string) Request {
			return Request{URL: u, Headers: []Field{{Name: "Authorization", Value: "Bearer " + tok + "\n"}}}
		}},
		{"CRLF in bearer flag", func(u string) Request { return Request{URL: u, Bearer: tok + "\r\n"} }},
		{"surrounding whitespace", func(u string) Request {
			return Request{URL: u, Headers: []Field{{Name: "Authorization", Value: "  Bearer " + tok + " \t"}}}
		}},
		{"quoted token", func(u string) Request {
			return Request{URL: u, Headers: []Field{{Name: "Authorization", Value: `Bearer "` + tok + `"`}}}
		}},
		{"quoted bearer flag", func(u string) Request { return Request{URL: u, Bearer: "'" + tok + "'"} }},
		{"doubled scheme", func(u string) Request {
			return Request{URL: u, Headers: []Field{{Name: "Authorization", Value: "Bearer Bearer " + tok}}}
		}},
	}
	for _, c := range cases {
		for _, accept := range []bool{true, false} {
			name := c.name + "/server accepts cleaned"
			if !accept {
				name = c.name + "/server still refuses"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				var mu sync.Mutex
				var seen []string
				srv := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
					mu.Lock()
					seen = append(seen, r.Header.Values("Authorization")...)
					mu.Unlock()
					if accept && r.Header.Get("Authorization") == "Bearer "+tok {
						return
					}
					w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token"`)
					w.WriteHeader(http.StatusUnauthorized)
				})
				res := liveRun(t, nil, c.req(srv.URL))
				mu.Lock()
				defer mu.Unlock()
				if len(seen) != 1 || seen[0] != "Bearer "+tok {
					t.Fatalf("server saw Authorization %q, want exactly [%q]", seen, "Bearer "+tok)
				}
				if !res.Exchange.Facts.Cleaned || len(res.Exchange.Facts.Original) == 0 {
					t.Errorf("Facts do not record the cleaning: %+v", res.Exchange.Facts)
				}
				f := liveFinding(t, res.Diagnosis, "malformed-authorization")
				if accept {
					if res.Diagnosis.Verdict != VerdictOK {
						t.Errorf("verdict %s, want ok", res.Diagnosis.Verdict)
					}
					if !strings.Contains(f.Detail, "worked") {
						t.Errorf("finding does not say cleaning fixed it: %q", f.Detail)
					}
				} else if !strings.Contains(f.Detail, "401") {
					t.Errorf("finding does not say the cleaned value was still refused: %q", f.Detail)
				}
				if strings.Contains(f.Detail+f.Evidence+f.Title, tok) {
					t.Errorf("finding shows the token whole: %+v", f)
				}
			})
		}
	}
}

// ---------------------------------------------------------------------------
// Redirects.

// TestRunDropsCredentialsOnCrossHostRedirect follows 127.0.0.1 → localhost
// (another httptest server) and checks which hop carried what.
func TestRunDropsCredentialsOnCrossHostRedirect(t *testing.T) {
	t.Parallel()
	type saw struct{ auth, cookie, key, query string }
	var mu sync.Mutex
	var final saw
	b := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		final = saw{r.Header.Get("Authorization"), r.Header.Get("Cookie"), r.Header.Get("X-Api-Key"), r.URL.RawQuery}
		mu.Unlock()
		w.Header().Set("WWW-Authenticate", `Basic realm="b"`)
		w.WriteHeader(http.StatusUnauthorized)
	})
	bu, _ := url.Parse(b.URL)
	target := "http://localhost:" + bu.Port() + "/final"
	var first saw
	a := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first = saw{r.Header.Get("Authorization"), r.Header.Get("Cookie"), r.Header.Get("X-Api-Key"), r.URL.RawQuery}
		mu.Unlock()
		http.Redirect(w, r, target, http.StatusFound)
	})
	res := liveRun(t, nil, Request{
		URL:  a.URL + "/start",
		User: "alice", Password: "redirect-password-1", HasUser: true,
		Headers: []Field{{Name: "X-Api-Key", Value: "redirect-apikey-123456"}},
		Cookies: []Cookie{{Name: "sid", Value: "redirect-cookie-123456"}},
	})
	mu.Lock()
	defer mu.Unlock()
	if first.auth == "" || first.cookie == "" || first.key == "" {
		t.Errorf("first hop server saw %+v, want all credentials", first)
	}
	if final.auth != "" || final.cookie != "" || final.key != "" {
		t.Errorf("other host saw credentials %+v", final)
	}
	hops := res.Exchange.Hops
	if len(hops) != 2 {
		t.Fatalf("%d hops, want 2", len(hops))
	}
	if hops[0].Status != http.StatusFound || hops[0].Location != target {
		t.Errorf("hop 0: %d Location %q", hops[0].Status, hops[0].Location)
	}
	if len(hops[0].Sent) != 3 || len(hops[0].Dropped) != 0 {
		t.Errorf("hop 0 sent %+v dropped %+v", hops[0].Sent, hops[0].Dropped)
	}
	if len(hops[1].Sent) != 0 {
		t.Errorf("hop 1 sent %+v, want nothing", hops[1].Sent)
	}
	var dropped []CredentialKind
	for _, d := range hops[1].Dropped {
		dropped = append(dropped, d.Credential.Kind)
		if d.Reason == "" {
			t.Errorf("drop of %s has no reason", d.Credential.Name)
		}
	}
	slices.Sort(dropped)
	if want := []CredentialKind{CredAPIKeyHeader, CredBasic, CredCookie}; !slices.Equal(dropped, want) {
		t.Errorf("hop 1 dropped %v, want %v", dropped, want)
	}
	f := liveFinding(t, res.Diagnosis, "credentials-dropped-on-redirect")
	if f.Severity != SevError {
		t.Errorf("severity %s, want error (the other host refused)", f.Severity)
	}
	if !strings.Contains(f.Detail, "localhost") || !strings.Contains(f.Detail, "127.0.0.1") {
		t.Errorf("detail does not name both hosts: %q", f.Detail)
	}
	if res.Diagnosis.Verdict != VerdictUnauthorized {
		t.Errorf("verdict %s", res.Diagnosis.Verdict)
	}
}

func TestRunLocationTrustedKeepsCredentials(t *testing.T) {
	t.Parallel()
	var auth string
	b := liveServer(t, func(w http.ResponseWriter, r *http.Request) { auth = r.Header.Get("Authorization") })
	bu, _ := url.Parse(b.URL)
	a := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://localhost:"+bu.Port()+"/", http.StatusTemporaryRedirect)
	})
	res := liveRun(t, nil, Request{URL: a.URL, Bearer: "trusted-token-123456", LocationTrusted: true})
	if auth != "Bearer trusted-token-123456" {
		t.Errorf("other host saw %q with LocationTrusted", auth)
	}
	if len(res.Exchange.Hops[1].Dropped) != 0 || res.Diagnosis.Has("credentials-dropped-on-redirect") {
		t.Errorf("a drop was recorded with LocationTrusted: %+v", res.Exchange.Hops[1].Dropped)
	}
}

func TestRunSameHostRedirectKeepsCredentials(t *testing.T) {
	t.Parallel()
	var auth string
	srv := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			http.Redirect(w, r, "/next", http.StatusMovedPermanently)
			return
		}
		auth = r.Header.Get("Authorization")
	})
	res := liveRun(t, nil, Request{URL: srv.URL + "/", Bearer: "same-host-token-1234"})
	if auth != "Bearer same-host-token-1234" {
		t.Errorf("same host lost the token: %q", auth)
	}
	if n := len(res.Exchange.Hops); n != 2 {
		t.Errorf("%d hops", n)
	}
}

func TestRunRedirectMethodRules(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		status     int
		wantMethod string
		wantBody   string
	}{
		{301, "GET", ""}, {302, "GET", ""}, {303, "GET", ""}, {307, "POST", "payload"}, {308, "POST", "payload"},
	} {
		t.Run(fmt.Sprint(c.status), func(t *testing.T) {
			t.Parallel()
			var method, body string
			srv := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/" {
					http.Redirect(w, r, "/next", c.status)
					return
				}
				b, _ := io.ReadAll(r.Body)
				method, body = r.Method, string(b)
			})
			res := liveRun(t, nil, Request{URL: srv.URL + "/", Method: "POST", Body: "payload"})
			if method != c.wantMethod || body != c.wantBody {
				t.Errorf("after %d the server saw %s %q, want %s %q", c.status, method, body, c.wantMethod, c.wantBody)
			}
			if got := res.Diagnosis.Has("method-changed-on-redirect"); got != (c.wantMethod == "GET") {
				t.Errorf("method-changed-on-redirect = %v", got)
			}
		})
	}
}

func TestRunMaxRedirects(t *testing.T) {
	t.Parallel()
	srv := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
	})
	res := liveRun(t, nil, Request{URL: srv.URL + "/", MaxRedirects: 3})
	if n := len(res.Exchange.Hops); n != 4 || !res.Exchange.TooManyRedirects {
		t.Errorf("MaxRedirects 3: %d hops, TooManyRedirects %v; want 4 hops and true", n, res.Exchange.TooManyRedirects)
	}
	res = liveRun(t, nil, Request{URL: srv.URL + "/", MaxRedirects: -1})
	if n := len(res.Exchange.Hops); n != 1 || res.Exchange.TooManyRedirects {
		t.Errorf("MaxRedirects -1: %d hops, TooManyRedirects %v; want 1 hop, false", n, res.Exchange.TooManyRedirects)
	}
	if res.Diagnosis.Verdict != VerdictOK || res.Diagnosis.Status != http.StatusFound {
		t.Errorf("not following: verdict %s status %d", res.Diagnosis.Verdict, res.Diagnosis.Status)
	}
	res = liveRun(t, nil, Request{URL: srv.URL + "/"})
	if n := len(res.Exchange.Hops); n != DefaultMaxRedirects+1 {
		t.Errorf("default: %d hops, want %d", n, DefaultMaxRedirects+1)
	}
}

func TestRunRedirectToUnfollowableScheme(t *testing.T) {
	t.Parallel()
	srv := liveServer(t, liveStatus(http.StatusFound, "", "Location", "ftp://files.example.com/\u202egpj.exe"))
	res := liveRun(t, nil, Request{URL: srv.URL})
	if len(res.Exchange.Hops) != 1 {
		t.Errorf("%d hops, want 1", len(res.Exchange.Hops))
	}
	if len(res.Exchange.Notes) == 0 || !strings.Contains(res.Exchange.Notes[0], "cannot follow") {
		t.Errorf("notes %q do not say the redirect could not be followed", res.Exchange.Notes)
	}
	for _, n := range res.Exchange.Notes {
		if strings.ContainsFunc(n, isControl) {
			t.Errorf("note has a control character: %q", n)
		}
	}
}

// ---------------------------------------------------------------------------
// Cookies.

func TestRunCookies(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	srv := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+r.Header.Get("Cookie"))
		mu.Unlock()
		if r.URL.Path == "/" {
			http.SetCookie(w, &http.Cookie{Name: "set", Value: "by-server", Path: "/"})
			http.Redirect(w, r, "/next", http.StatusFound)
		}
	})
	past := time.Now().Add(-48 * time.Hour)
	res := liveRun(t, nil, Request{URL: srv.URL + "/", Cookies: []Cookie{
		{Name: "live", Value: "fresh-value", Domain: "127.0.0.1", Path: "/", Expires: time.Now().Add(time.Hour)},
		{Name: "old", Value: "stale-value", Domain: "127.0.0.1", Path: "/", Expires: past},
	}})
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 {
		t.Fatalf("server saw %q", seen)
	}
	if seen[0] != "/ live=fresh-value" {
		t.Errorf("first hop Cookie %q, want only the unexpired cookie", seen[0])
	}
	if !strings.Contains(seen[1], "live=fresh-value") || !strings.Contains(seen[1], "set=by-server") {
		t.Errorf("second hop Cookie %q, want the file's cookie and the one the server set", seen[1])
	}
	if strings.Contains(strings.Join(seen, " "), "stale-value") {
		t.Errorf("an expired cookie was sent: %q", seen)
	}
	f := liveFinding(t, res.Diagnosis, "cookie-expired")
	if !strings.Contains(f.Detail, "old") {
		t.Errorf("finding does not name the expired cookie: %q", f.Detail)
	}
}

// ---------------------------------------------------------------------------
// Timings.

func TestRunTimings(t *testing.T) {
	t.Parallel()
	h := func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond)
		io.WriteString(w, "ok")
	}
	plain := liveServer(t, h)
	res := liveRun(t, nil, Request{URL: plain.URL})
	tm := res.Exchange.Hops[0].Timings
	if tm.Connect <= 0 || tm.Server <= 0 || tm.Total <= 0 {
		t.Errorf("plain http timings %+v: connect, server and total must be > 0", tm)
	}
	if tm.Server < 2*time.Millisecond || tm.Total < tm.Server {
		t.Errorf("timings %+v: server below the handler's 2 ms or total below server", tm)
	}
	if tm.TLS != 0 || tm.DNS != 0 {
		t.Errorf("plain http to an IP: TLS %v and DNS %v should be 0", tm.TLS, tm.DNS)
	}
	if res.Exchange.Hops[0].RemoteAddr != plain.Listener.Addr().String() {
		t.Errorf("RemoteAddr %q, want %q", res.Exchange.Hops[0].RemoteAddr, plain.Listener.Addr())
	}

	tlsSrv := liveTLSServer(t, h)
	res = liveRun(t, nil, Request{URL: tlsSrv.URL, Insecure: true})
	tm = res.Exchange.Hops[0].Timings
	if res.Diagnosis.Verdict != VerdictOK {
		t.Fatalf("TLS with -k: verdict %s, findings %v", res.Diagnosis.Verdict, liveIDs(res.Diagnosis))
	}
	if tm.TLS <= 0 || tm.Connect <= 0 || tm.Server <= 0 || tm.Total <= 0 {
		t.Errorf("TLS timings %+v: TLS, connect, server and total must be > 0", tm)
	}

	// A name goes through the resolver: localhost is in every hosts file.
	u, _ := url.Parse(plain.URL)
	res = liveRun(t, nil, Request{URL: "http://localhost:" + u.Port() + "/"})
	if tm := res.Exchange.Hops[0].Timings; tm.DNS <= 0 {
		t.Errorf("timings for localhost %+v: DNS must be > 0", tm)
	}
	if tot := res.Exchange.TotalTimings(); tot.Total != res.Exchange.Hops[0].Timings.Total {
		t.Errorf("TotalTimings of one hop %v != hop total %v", tot.Total, res.Exchange.Hops[0].Timings.Total)
	}
}

// ---------------------------------------------------------------------------
// Transport failures.

func TestRunFailures(t *testing.T) {
	t.Parallel()
	plain := liveServer(t, liveStatus(200, "plain"))
	tlsSrv := liveTLSServer(t, liveStatus(200, "tls"))
	garbage := liveRawServer(t, func(c net.Conn) {
		io.WriteString(c, "SSH-2.0-OpenSSH_9.6\r\nthis is not TLS at all\r\n")
		io.Copy(io.Discard, c)
	})
	hangup := liveRawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		br.ReadString('\n')
	})
	cases := []struct {
		name string
		req  Request
		kind FailureKind
	}{
		{"dns", Request{URL: "http://fix401-no-such-host.invalid/"}, FailDNS},
		{"refused", Request{URL: "http://" + liveClosedPort(t) + "/"}, FailRefused},
		{"untrusted certificate", Request{URL: tlsSrv.URL}, FailTLSUntrusted},
		{"garbage on a TLS URL", Request{URL: "https://" + garbage + "/"}, FailTLS},
		{"https to an http server", Request{URL: strings.Replace(plain.URL, "http:", "https:", 1)}, FailTLS},
		{"connection closed", Request{URL: "http://" + hangup + "/"}, FailOther},
		{"proxy refused", Request{URL: plain.URL, Proxy: "http://" + liveClosedPort(t)}, FailProxy},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := liveRun(t, nil, c.req)
			ex := res.Exchange
			if ex.Failure == nil {
				t.Fatalf("no failure; status %d", res.Diagnosis.Status)
			}
			if ex.Failure.Kind != c.kind {
				t.Errorf("failure %s (%q), want %s", ex.Failure.Kind, ex.Failure.Message, c.kind)
			}
			if ex.Failure.Message == "" || strings.ContainsFunc(ex.Failure.Message, isControl) {
				t.Errorf("failure message %q is empty or unsafe", ex.Failure.Message)
			}
			if res.Diagnosis.Verdict != VerdictUnreachable || res.Diagnosis.Status != 0 {
				t.Errorf("verdict %s status %d, want unreachable 0", res.Diagnosis.Verdict, res.Diagnosis.Status)
			}
			if len(ex.Hops) != 1 || ex.Hops[0].Status != 0 {
				t.Errorf("hops %+v", ex.Hops)
			}
		})
	}
}

// TestRunTimeout checks that a server that never answers is cut off at the
// time limit, in every phase: before the response head, during the TLS
// handshake, and in the middle of the body.
func TestRunTimeout(t *testing.T) {
	t.Parallel()
	const limit = 300 * time.Millisecond
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	hang := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}
	head := liveServer(t, hang)
	silent := liveRawServer(t, func(c net.Conn) {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		io.Copy(io.Discard, c)
	})
	body := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="slow"`)
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "first part of the body")
		http.NewResponseController(w).Flush()
		hang(w, r)
	})
	cases := []struct {
		name    string
		url     string
		failure bool
	}{
		{"no response head", head.URL, true},
		{"silent TLS handshake", "https://" + silent + "/", true},
		{"body never ends", body.URL, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			res := liveRun(t, nil, Request{URL: c.url, Timeout: limit})
			took := time.Since(start)
			if took > 2*limit {
				t.Errorf("took %v with a %v limit", took, limit)
			}
			if took < limit-50*time.Millisecond {
				t.Errorf("took only %v: the server was not waited for", took)
			}
			if c.failure {
				if res.Exchange.Failure == nil || res.Exchange.Failure.Kind != FailTimeout {
					t.Fatalf("failure %+v, want timeout", res.Exchange.Failure)
				}
				liveFinding(t, res.Diagnosis, "timeout")
				if res.Diagnosis.Verdict != VerdictUnreachable {
					t.Errorf("verdict %s", res.Diagnosis.Verdict)
				}
				return
			}
			hop := res.Exchange.Hops[0]
			if hop.Status != 401 || !hop.Truncated || string(hop.Body) != "first part of the body" {
				t.Errorf("status %d truncated %v body %q", hop.Status, hop.Truncated, hop.Body)
			}
		})
	}
}

func TestRunContextCancelled(t *testing.T) {
	t.Parallel()
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	srv := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := liveRunner(t).Run(ctx, Request{URL: srv.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("the caller's deadline was not honoured: %v", time.Since(start))
	}
	if res.Exchange.Failure == nil {
		t.Errorf("no failure recorded")
	}
}

// ---------------------------------------------------------------------------
// Proxies.

func TestRunProxyAuthRequired(t *testing.T) {
	t.Parallel()
	origin := liveServer(t, liveStatus(200, "origin"))
	originTLS := liveTLSServer(t, liveStatus(200, "origin"))
	for _, c := range []struct{ name, url, wantSeen string }{
		{"http target", origin.URL + "/x", "GET " + origin.URL + "/x"},
		{"https target via CONNECT", originTLS.URL + "/x", "CONNECT " + strings.TrimPrefix(originTLS.URL, "https://")},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			proxy := newLiveProxy(t, true)
			res := liveRun(t, nil, Request{URL: c.url, Proxy: proxy.URL, Insecure: true})
			if seen := proxy.requests(); len(seen) != 1 || seen[0] != c.wantSeen {
				t.Errorf("proxy saw %q, want [%q]", seen, c.wantSeen)
			}
			d := res.Diagnosis
			if d.Status != 407 || d.Verdict != VerdictProxyAuthRequired {
				t.Fatalf("status %d verdict %s failure %+v", d.Status, d.Verdict, res.Exchange.Failure)
			}
			if res.Exchange.Failure != nil {
				t.Errorf("a 407 is an answer, not a failure: %+v", res.Exchange.Failure)
			}
			f := liveFinding(t, d, "proxy-auth-required")
			if !strings.Contains(f.Evidence, "proxy") {
				t.Errorf("evidence does not name the proxy: %q", f.Evidence)
			}
			if got := res.Exchange.Last().Header.Get("Proxy-Authenticate"); got != `Basic realm="corp-proxy"` {
				t.Errorf("Proxy-Authenticate %q was not recorded", got)
			}
			if d.Steps[0] != StepSecurity {
				t.Errorf("steps %v, want 8 first", d.Steps)
			}
		})
	}
}

func TestRunThroughForwardingProxy(t *testing.T) {
	t.Parallel()
	var via string
	origin := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
		via = r.Header.Get("Authorization")
		w.Header().Set("WWW-Authenticate", `Basic realm="origin"`)
		w.WriteHeader(http.StatusUnauthorized)
	})
	proxy := newLiveProxy(t, false)
	res := liveRun(t, nil, Request{URL: origin.URL, Proxy: proxy.URL, User: "u", Password: "proxied-password-1", HasUser: true})
	if len(proxy.requests()) != 1 {
		t.Errorf("proxy saw %q", proxy.requests())
	}
	if via == "" {
		t.Errorf("the origin did not get the credentials through the proxy")
	}
	if res.Exchange.Facts.Proxy == "" || res.Exchange.Facts.ProxySource != "--proxy" {
		t.Errorf("facts %+v do not record the proxy", res.Exchange.Facts)
	}
	if res.Exchange.Last().Header.Get("Via") == "" {
		t.Errorf("the response did not come through the proxy")
	}
	f := liveFinding(t, res.Diagnosis, "proxy-in-use")
	if f.Severity != SevInfo {
		t.Errorf("severity %s", f.Severity)
	}
	liveFinding(t, res.Diagnosis, "credentials-rejected")

	// Through an https tunnel.
	originTLS := liveTLSServer(t, liveStatus(200, "secret place"))
	res = liveRun(t, nil, Request{URL: originTLS.URL, Proxy: proxy.URL, Insecure: true})
	if res.Diagnosis.Verdict != VerdictOK {
		t.Errorf("https through a CONNECT tunnel: verdict %s failure %+v", res.Diagnosis.Verdict, res.Exchange.Failure)
	}
}

// ---------------------------------------------------------------------------
// Hostile servers.

func TestRunEndlessBodyIsBounded(t *testing.T) {
	// Not parallel: it measures allocations.
	var wg sync.WaitGroup
	srv := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
		wg.Add(1)
		defer wg.Done()
		chunk := []byte(strings.Repeat("A", 32<<10))
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	res := liveRun(t, nil, Request{URL: srv.URL, Timeout: 5 * time.Second})
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	hop := res.Exchange.Hops[0]
	if len(hop.Body) != MaxBody || !hop.Truncated {
		t.Errorf("body %d bytes truncated %v, want exactly %d and true", len(hop.Body), hop.Truncated, MaxBody)
	}
	if took > 2*time.Second {
		t.Errorf("took %v against an endless body", took)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("allocated %d bytes for one check against an endless body", alloc)
	}
	if res.Diagnosis.Verdict != VerdictOK {
		t.Errorf("verdict %s", res.Diagnosis.Verdict)
	}
	wg.Wait() // the handler saw the connection close
}

func TestRunBodyExactlyMaxIsNotTruncated(t *testing.T) {
	t.Parallel()
	srv := liveServer(t, liveStatus(200, strings.Repeat("b", MaxBody)))
	res := liveRun(t, nil, Request{URL: srv.URL})
	if hop := res.Exchange.Hops[0]; len(hop.Body) != MaxBody || hop.Truncated {
		t.Errorf("a %d-byte body: kept %d, truncated %v", MaxBody, len(hop.Body), hop.Truncated)
	}
}

func TestRunHugeHeaders(t *testing.T) {
	t.Parallel()
	// Over the limit: the check fails quickly and says so plainly.
	huge := "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\nX-Junk: " +
		strings.Repeat("j", maxHeaderBytes+1024) + "\r\nContent-Length: 0\r\n\r\n"
	addr := liveRawResponse(t, huge)
	start := time.Now()
	res := liveRun(t, nil, Request{URL: "http://" + addr + "/", Timeout: 5 * time.Second})
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v", took)
	}
	if res.Exchange.Failure == nil {
		t.Fatalf("headers over %d bytes were accepted", maxHeaderBytes)
	}
	if m := res.Exchange.Failure.Message; len(m) > 1024 || strings.ContainsFunc(m, isControl) {
		t.Errorf("failure message is %d bytes or unsafe: %.200q", len(m), m)
	}

	// Many headers under the limit are kept and do not break anything.
	var b strings.Builder
	b.WriteString("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n")
	for i := range 2000 {
		fmt.Fprintf(&b, "X-H%d: %s\r\n", i, strings.Repeat("v", 50))
	}
	b.WriteString("\r\n")
	addr = liveRawResponse(t, b.String())
	res = liveRun(t, nil, Request{URL: "http://" + addr + "/"})
	if res.Diagnosis.Status != 403 || len(res.Exchange.Hops[0].Header) < 2000 {
		t.Errorf("status %d, %d headers", res.Diagnosis.Status, len(res.Exchange.Hops[0].Header))
	}
}

// TestRunRawEscapeInHeaderIsRefusedSafely: Go's client refuses a response
// header with a raw ESC byte ("malformed MIME header line"); the failure
// message that results must not carry the escape sequence.
func TestRunRawEscapeInHeaderIsRefusedSafely(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"\x1b]0;pwned\x07\x1b[2J", "\x7f\x1b[31m", "\x9b31m"} {
		resp := "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"" + raw + "\"\r\nContent-Length: 0\r\n\r\n"
		addr := liveRawResponse(t, resp)
		res := liveRun(t, nil, Request{URL: "http://" + addr + "/"})
		if res.Exchange.Failure != nil {
			if m := res.Exchange.Failure.Message; strings.ContainsFunc(m, isControl) || strings.Contains(m, "\x1b") {
				t.Errorf("failure message carries control bytes: %q", m)
			}
			continue
		}
		// Accepted (a raw C1 byte is obs-text to Go): then nothing the
		// diagnosis says may carry it.
		for _, f := range res.Diagnosis.Findings {
			if strings.ContainsFunc(f.Title+f.Detail+f.Evidence, isControl) {
				t.Errorf("finding %s carries control characters", f.ID)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Hosts file.

func TestLookupHosts(t *testing.T) {
	t.Parallel()
	f := filepath.Join(t.TempDir(), "hosts")
	content := "# comment api.example.test\n127.0.0.1 localhost\n\n10.9.8.7\tapi.example.test  other # \x1b[31mnote\n::1 API.EXAMPLE.TEST.\n" +
		strings.Repeat("x", 70<<10) + "\n10.0.0.1 api.example.test\n"
	if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	got := LookupHosts(f, "api.example.test")
	if len(got) < 2 {
		t.Fatalf("entries %+v", got)
	}
	if got[0].IP != "10.9.8.7" || got[0].Line != 4 || got[0].File != f {
		t.Errorf("first entry %+v", got[0])
	}
	if got[1].IP != "::1" || got[1].Line != 5 {
		t.Errorf("second entry %+v", got[1])
	}
	for _, e := range got {
		if strings.ContainsFunc(e.Text, isControl) {
			t.Errorf("entry text %q carries control characters", e.Text)
		}
	}
	if LookupHosts(filepath.Join(t.TempDir(), "missing"), "x") != nil {
		t.Errorf("a missing hosts file gave entries")
	}
}

// ---------------------------------------------------------------------------
// Digest.

// TestRunDigest runs against the Digest-protected server of
// probe/digest_server_test.go, which checks every answer with its own
// hashing code: the right password gets in after one challenge, a wrong
// one is refused once (no retry loop) and reported as rejected.
func TestRunDigest(t *testing.T) {
	t.Parallel()
	const realm, user, pass = "cams@example.test", "alice", "digest-pass-Dg4491"
	for _, alg := range []string{"MD5", "SHA-256", "SHA-512-256", "SHA-256-sess", "md5-sess", ""} {
		t.Run("algorithm "+alg, func(t *testing.T) {
			t.Parallel()
			srv := newDigestServer(t, realm, user, pass, alg)
			target := srv.URL + "/cam/1?x=1&y=two"

			res := liveRun(t, nil, Request{URL: target, User: user, Password: pass, HasUser: true})
			hops := res.Exchange.Hops
			if len(hops) != 2 {
				t.Fatalf("%d hops, want Basic then Digest", len(hops))
			}
			if hops[0].Status != 401 || hops[0].DigestRetry || hops[0].Header.Get("X-Digest-Result") != "no-credentials" {
				t.Errorf("hop 0: %d retry=%v result %q", hops[0].Status, hops[0].DigestRetry, hops[0].Header.Get("X-Digest-Result"))
			}
			if hops[1].Status != 200 || !hops[1].DigestRetry || hops[1].Header.Get("X-Digest-Result") != "ok" || string(hops[1].Body) != "hello alice" {
				t.Errorf("hop 1: %d retry=%v result %q body %q", hops[1].Status, hops[1].DigestRetry, hops[1].Header.Get("X-Digest-Result"), hops[1].Body)
			}
			if hops[1].URL != target || len(hops[1].Dropped) != 0 {
				t.Errorf("hop 1 URL %s dropped %+v", hops[1].URL, hops[1].Dropped)
			}
			if len(hops[1].Sent) != 1 || hops[1].Sent[0].Kind != CredDigest {
				t.Errorf("hop 1 sent %+v, want one Digest credential", hops[1].Sent)
			}
			if d := res.Diagnosis; d.Verdict != VerdictOK || len(d.Findings) != 1 || !d.Has("insecure-transport") {
				t.Errorf("right password: verdict %s findings %v", d.Verdict, liveIDs(d))
			}

			res = liveRun(t, nil, Request{URL: target, User: user, Password: "wrong-" + pass, HasUser: true})
			hops = res.Exchange.Hops
			if len(hops) != 2 || hops[1].Header.Get("X-Digest-Result") != "bad" {
				t.Fatalf("wrong password: %d hops, last result %q", len(hops), res.Exchange.Last().Header.Get("X-Digest-Result"))
			}
			d := res.Diagnosis
			if d.Verdict != VerdictUnauthorized || !d.Has("credentials-rejected") {
				t.Errorf("wrong password: verdict %s findings %v", d.Verdict, liveIDs(d))
			}
			for _, id := range []string{"digest-required", "scheme-mismatch", "no-credentials"} {
				if d.Has(id) {
					t.Errorf("wrong password: unexpected %s", id)
				}
			}

			res = liveRun(t, nil, Request{URL: target})
			if d := res.Diagnosis; !d.Has("digest-required") || !d.Has("no-credentials") || len(res.Exchange.Hops) != 1 {
				t.Errorf("no password: findings %v, %d hops", liveIDs(d), len(res.Exchange.Hops))
			}
		})
	}
}

var digestParamRE = regexp.MustCompile(`([A-Za-z0-9_-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))`)

// liveDigestParams reads the parameters of a Digest Authorization value.
func liveDigestParams(v string) map[string]string {
	out := map[string]string{}
	rest, ok := strings.CutPrefix(v, "Digest ")
	if !ok {
		return nil
	}
	for _, m := range digestParamRE.FindAllStringSubmatch(rest, -1) {
		if m[3] != "" {
			out[strings.ToLower(m[1])] = m[3]
		} else {
			out[strings.ToLower(m[1])] = m[2]
		}
	}
	return out
}

// TestRunDigestStaleRetry: the first Digest answer gets stale=true with a
// new nonce, and fix401 answers again with it, without asking, and
// succeeds. The server checks each response (RFC 7616 §3.4.1, SHA-256,
// qop=auth) itself.
func TestRunDigestStaleRetry(t *testing.T) {
	t.Parallel()
	const realm, user, pass = "stale@example.test", "alice", "digest-password-123"
	h := func(s string) string { return fmt.Sprintf("%x", sha256.Sum256([]byte(s))) }
	var mu sync.Mutex
	var seen []string
	nonces := []string{"nonce-one-7ypf", "nonce-two-5TsQ"}
	srv := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		auth := r.Header.Get("Authorization")
		seen = append(seen, auth)
		challenge := func(nonce string, stale bool) {
			v := `Digest realm="` + realm + `", qop="auth", algorithm=SHA-256, nonce="` + nonce + `", opaque="op4que"`
			if stale {
				v += ", stale=true"
			}
			w.Header().Set("WWW-Authenticate", v)
			w.WriteHeader(http.StatusUnauthorized)
		}
		p := liveDigestParams(auth)
		if p == nil {
			challenge(nonces[0], false)
			return
		}
		want := h(h(user+":"+realm+":"+pass) + ":" + p["nonce"] + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + h(r.Method+":"+p["uri"]))
		if p["username"] != user || p["realm"] != realm || p["response"] != want || p["uri"] != r.URL.RequestURI() || p["opaque"] != "op4que" {
			challenge(nonces[0], false) // wrong: a fresh challenge, not stale
			return
		}
		if p["nonce"] == nonces[0] {
			challenge(nonces[1], true)
			return
		}
		io.WriteString(w, "welcome")
	})
	res := liveRun(t, nil, Request{URL: srv.URL + "/cam?x=1", User: user, Password: pass, HasUser: true})
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 {
		t.Fatalf("server saw %d requests %q, want Basic, Digest, Digest again (needs %s and DigestAuthorization)", len(seen), seen, needsParser)
	}
	if !strings.HasPrefix(seen[0], "Basic ") || liveDigestParams(seen[1])["nonce"] != nonces[0] || liveDigestParams(seen[2])["nonce"] != nonces[1] {
		t.Errorf("requests %q", seen)
	}
	if res.Diagnosis.Verdict != VerdictOK {
		t.Errorf("verdict %s, findings %v", res.Diagnosis.Verdict, liveIDs(res.Diagnosis))
	}
	hops := res.Exchange.Hops
	if hops[0].DigestRetry || !hops[1].DigestRetry || !hops[2].DigestRetry {
		t.Errorf("DigestRetry flags %v %v %v", hops[0].DigestRetry, hops[1].DigestRetry, hops[2].DigestRetry)
	}
	for _, id := range []string{"scheme-mismatch", "digest-required", "credentials-dropped-on-redirect"} {
		if res.Diagnosis.Has(id) {
			t.Errorf("unexpected %s", id)
		}
	}
}

// TestRunBadInputHidesSecrets: an error about a URL or proxy that cannot be
// used never shows the password or token it carries.
func TestRunBadInputHidesSecrets(t *testing.T) {
	t.Parallel()
	const pass, tok = "pw-Kq8zR2vLx0", "tok-9fJ2mX7pQa"
	for _, req := range []Request{
		{URL: "https://alice:" + pass + "@example.com:99999/?access_token=" + tok},
		{URL: "https://alice:" + pass + "@[::1/?token=" + tok},
		{URL: "gopher://alice:" + pass + "@example.com/"},
		{URL: "api.example.com/v1?access_token=" + tok},
		{URL: "https://example.com/", Proxy: "ftp://bob:" + pass + "@proxy.example:21"},
		{URL: "https://example.com/", Proxy: "bob:" + pass + "@[bad"},
	} {
		err := req.Validate()
		if err == nil {
			t.Fatalf("Validate accepted %q", req.URL)
		}
		if msg := err.Error(); strings.Contains(msg, pass) || strings.Contains(msg, tok) {
			t.Errorf("error shows a secret: %s", msg)
		}
	}
}
