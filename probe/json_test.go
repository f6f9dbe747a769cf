package probe

// Tests of Result.JSON: the documented keys, and that no secret and no
// control character ever reaches the document.

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// liveJSON marshals a result's JSON document and decodes it generically.
func liveJSON(t testing.TB, res *Result) (string, map[string]any) {
	t.Helper()
	b, err := json.Marshal(res.JSON())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return string(b), m
}

// liveWalkStrings calls f on every string (keys included) in a decoded
// JSON value.
func liveWalkStrings(v any, f func(string)) {
	switch x := v.(type) {
	case string:
		f(x)
	case []any:
		for _, e := range x {
			liveWalkStrings(e, f)
		}
	case map[string]any:
		for k, e := range x {
			f(k)
			liveWalkStrings(e, f)
		}
	}
}

func liveKeys(t *testing.T, where string, v any, keys ...string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, want an object", where, v)
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s lacks key %q (has %v)", where, k, keysOf(m))
		}
	}
	return m
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestJSONDocument(t *testing.T) {
	t.Parallel()
	final := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="final", charset="UTF-8"`)
		w.Header().Set("X-Request-Id", "req-123")
		w.WriteHeader(http.StatusUnauthorized)
	})
	fu, _ := url.Parse(final.URL)
	start := liveServer(t, liveStatus(http.StatusFound, "", "Location", "http://localhost:"+fu.Port()+"/end"))
	res := liveRun(t, nil, Request{URL: start.URL + "/begin", User: "alice", Password: "json-password-1234", HasUser: true})
	raw, m := liveJSON(t, res)

	liveKeys(t, "document", m, "schema", "url", "final_url", "method", "status", "verdict", "challenges",
		"redirects", "findings", "steps", "timings_ms", "server_date")
	if m["schema"] != float64(1) {
		t.Errorf("schema %v, want 1", m["schema"])
	}
	if m["url"] != start.URL+"/begin" || m["final_url"] != "http://localhost:"+fu.Port()+"/end" {
		t.Errorf("url %v final_url %v", m["url"], m["final_url"])
	}
	if m["method"] != "GET" || m["status"] != float64(401) || m["verdict"] != "unauthorized" {
		t.Errorf("method %v status %v verdict %v", m["method"], m["status"], m["verdict"])
	}
	if _, err := time.Parse(time.RFC3339, m["server_date"].(string)); err != nil {
		t.Errorf("server_date %v: %v", m["server_date"], err)
	}

	redirects, _ := m["redirects"].([]any)
	if len(redirects) != 2 {
		t.Fatalf("redirects %v", m["redirects"])
	}
	h0 := liveKeys(t, "redirects[0]", redirects[0], "url", "status", "location", "credentials_dropped")
	h1 := liveKeys(t, "redirects[1]", redirects[1], "url", "status", "location", "credentials_dropped")
	if h0["status"] != float64(302) || h0["location"] != "http://localhost:"+fu.Port()+"/end" {
		t.Errorf("hop 0 %v", h0)
	}
	if d, _ := h0["credentials_dropped"].([]any); d == nil || len(d) != 0 {
		t.Errorf("hop 0 credentials_dropped %v, want []", h0["credentials_dropped"])
	}
	drops, _ := h1["credentials_dropped"].([]any)
	if len(drops) != 1 {
		t.Fatalf("hop 1 credentials_dropped %v", h1["credentials_dropped"])
	}
	drop := liveKeys(t, "credentials_dropped[0]", drops[0], "kind", "name", "reason")
	if drop["kind"] != "basic" || drop["name"] != "Authorization" {
		t.Errorf("drop %v", drop)
	}

	findings, _ := m["findings"].([]any)
	if len(findings) == 0 {
		t.Fatal("no findings")
	}
	for i, f := range findings {
		fm := liveKeys(t, "findings[i]", f, "id", "severity", "title", "detail", "steps")
		if steps, _ := fm["steps"].([]any); len(steps) == 0 {
			t.Errorf("findings[%d] has no steps", i)
		}
	}
	steps, _ := m["steps"].([]any)
	if len(steps) != 10 {
		t.Errorf("steps %v", m["steps"])
	}
	tm := liveKeys(t, "timings_ms", m["timings_ms"], "dns", "connect", "tls", "server", "transfer", "total")
	if tm["total"].(float64) <= 0 || tm["connect"].(float64) <= 0 {
		t.Errorf("timings_ms %v", tm)
	}

	// Challenges appear once the parser lands; their shape is checked then.
	chs, ok := m["challenges"].([]any)
	if !ok {
		t.Fatalf("challenges is %T, want an array", m["challenges"])
	}
	if len(chs) == 0 {
		t.Errorf("no challenges (needs %s)", needsParser)
	}
	for _, c := range chs {
		cm := liveKeys(t, "challenge", c, "scheme", "token68", "params")
		if cm["scheme"] != "Basic" {
			t.Errorf("challenge %v", cm)
		}
		if p, _ := cm["params"].(map[string]any); p["realm"] != "final" || p["charset"] != "UTF-8" {
			t.Errorf("params %v", cm["params"])
		}
	}
	if strings.Contains(raw, "json-password-1234") {
		t.Errorf("the password is in the JSON")
	}
}

func TestJSONUnreachable(t *testing.T) {
	t.Parallel()
	res := liveRun(t, nil, Request{URL: "http://" + liveClosedPort(t) + "/x?token=unreachable-secret-123"})
	raw, m := liveJSON(t, res)
	if m["status"] != float64(0) || m["verdict"] != "unreachable" {
		t.Errorf("status %v verdict %v", m["status"], m["verdict"])
	}
	if v, ok := m["server_date"]; !ok || v != nil {
		t.Errorf("server_date %v (present %v), want null", v, ok)
	}
	f := liveKeys(t, "failure", m["failure"], "kind", "message")
	if f["kind"] != "connection-refused" {
		t.Errorf("failure %v", f)
	}
	for _, k := range []string{"challenges", "redirects", "findings", "steps"} {
		if _, ok := m[k].([]any); !ok {
			t.Errorf("%s is %v, want an array (never null)", k, m[k])
		}
	}
	if strings.Contains(raw, "unreachable-secret-123") {
		t.Errorf("the token parameter is in the JSON: %s", raw)
	}
}

// liveEchoServer answers 401 and echoes every credential it got back: in
// its body, in response headers (the plaintext Basic password in a request
// id), in the Bearer error_description and in a redirect-free Location-like
// header. It is the worst case for redaction.
func liveEchoServer(t testing.TB) string {
	return liveServer(t, func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		plain := auth
		if _, pass, ok := r.BasicAuth(); ok {
			plain = pass
		}
		var all []string
		// A proxy that forwards its own credentials to the origin.
		if pa := r.Header.Get("Proxy-Authorization"); pa != "" {
			all = append(all, pa)
			if _, pass, ok := (&http.Request{Header: http.Header{"Authorization": {pa}}}).BasicAuth(); ok {
				plain += pass
			}
		}
		all = append(all, auth, plain, r.Header.Get("Cookie"), r.Header.Get("X-Api-Key"), r.URL.RawQuery)
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
		w.Header().Set("Content-Location", "/echo/"+url.PathEscape(plain))
		w.Header().Add("WWW-Authenticate", `Bearer realm="`+plain+`", error="invalid_token", error_description="token `+plain+` was refused"`)
		w.Header().Add("WWW-Authenticate", `Basic realm="`+plain+`"`)
		w.Header().Add("Set-Cookie", "echo="+url.QueryEscape(plain)+"; Max-Age=0")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, echo)
	}).URL
}

// secretForm is one way a person gives a secret, for the redaction tests.
type secretForm struct {
	name   string
	secret string
	req    func(t testing.TB, base string) Request
}

func secretForms() []secretForm {
	return []secretForm{
		{"basic", "basic-pass-Zq81xW", func(_ testing.TB, u string) Request {
			return Request{URL: u, User: "alice", Password: "basic-pass-Zq81xW", HasUser: true}
		}},
		{"password in URL", "urlpass-Lk29fQ0", func(_ testing.TB, u string) Request {
			pu, _ := url.Parse(u)
			pu.User = url.UserPassword("bob", "urlpass-Lk29fQ0")
			return Request{URL: pu.String()}
		}},
		{"bearer", "bearer-Tk7781abcdef", func(_ testing.TB, u string) Request { return Request{URL: u, Bearer: "bearer-Tk7781abcdef"} }},
		{"bearer with a newline", "bearer-NL7781abcdef", func(_ testing.TB, u string) Request { return Request{URL: u, Bearer: "bearer-NL7781abcdef\n"} }},
		{"authorization header", "authz-Hd5512qwerty", func(_ testing.TB, u string) Request {
			return Request{URL: u, Headers: []Field{{Name: "Authorization", Value: "Token authz-Hd5512qwerty"}}}
		}},
		{"api key header", "apikey-Xk3391asdfgh", func(_ testing.TB, u string) Request {
			return Request{URL: u, Headers: []Field{{Name: "X-Api-Key", Value: "apikey-Xk3391asdfgh"}}}
		}},
		{"cookie string", "cookie-Ck4471zxcvbn", func(_ testing.TB, u string) Request {
			return Request{URL: u, Cookies: []Cookie{{Name: "sid", Value: "cookie-Ck4471zxcvbn"}}}
		}},
		{"cookie header", "cookiehdr-Ch2219poiu", func(_ testing.TB, u string) Request {
			return Request{URL: u, Headers: []Field{{Name: "Cookie", Value: "sid=cookiehdr-Ch2219poiu; theme=dark"}}}
		}},
		{"cookie file", "cookiefile-Cf8832lkjh", func(_ testing.TB, u string) Request {
			return Request{URL: u, CookieFile: "cookies.txt", Cookies: []Cookie{
				{Name: "sid", Value: "cookiefile-Cf8832lkjh", Domain: "127.0.0.1", Path: "/", Expires: time.Now().Add(time.Hour)},
				{Name: "old", Value: "cookiefile-Cf8832lkjh-old", Domain: "127.0.0.1", Path: "/", Expires: time.Now().Add(-time.Hour)},
			}}
		}},
		{"proxy password", "proxypass-Pp1234qwer", func(t testing.TB, u string) Request {
			pu, _ := url.Parse(newLiveProxy(t, false).URL)
			pu.User = url.UserPassword("proxyuser", "proxypass-Pp1234qwer")
			return Request{URL: u, Proxy: pu.String()}
		}},
		{"token query parameter", "query-Qp6614mnbvcx", func(_ testing.TB, u string) Request {
			return Request{URL: u + "?access_token=query-Qp6614mnbvcx&page=2"}
		}},
	}
}

// TestJSONNeverShowsSecrets runs every form of secret against a server
// that echoes it back everywhere and checks that the JSON document, the
// diagnosis and the failure text never hold it whole.
func TestJSONNeverShowsSecrets(t *testing.T) {
	t.Parallel()
	for _, f := range secretForms() {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			base := liveEchoServer(t)
			res := liveRun(t, nil, f.req(t, base+"/api"))
			raw, _ := liveJSON(t, res)
			forms := []string{f.secret, url.QueryEscape(f.secret)}
			for _, u := range []string{"alice", "bob", "proxyuser"} {
				forms = append(forms, base64.StdEncoding.EncodeToString([]byte(u+":"+f.secret)))
			}
			for _, s := range forms {
				if i := strings.Index(raw, s); i >= 0 {
					t.Errorf("JSON holds %q: …%s…", s, raw[max(0, i-120):min(len(raw), i+len(s)+40)])
				}
				for _, fd := range res.Diagnosis.Findings {
					if strings.Contains(fd.Title+fd.Detail+fd.Evidence, s) {
						t.Errorf("finding %s holds %q: %s / %s", fd.ID, s, fd.Detail, fd.Evidence)
					}
				}
				if strings.Contains(res.Diagnosis.Summary, s) {
					t.Errorf("summary holds %q", s)
				}
			}
			// The echo did arrive: the test is not vacuous.
			if !strings.Contains(res.Exchange.Last().Header.Get("X-Echo"), f.secret) {
				t.Errorf("the server did not echo the secret (X-Echo %q)", res.Exchange.Last().Header.Get("X-Echo"))
			}
		})
	}
}

// TestJSONIsSafeForTerminals: every string in the document is free of
// control characters, escape sequences and bidi overrides, whatever the
// server sent.
func TestJSONIsSafeForTerminals(t *testing.T) {
	t.Parallel()
	hostile := "\u009b31mC1\u009b0m \u202eevil\u202c \u2067x\u2069 del\u007f"
	srv := liveServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			w.Header().Set("Location", "/next/"+url.PathEscape(hostile)+"?q="+url.QueryEscape("\x1b[31m"))
			w.WriteHeader(http.StatusFound)
			return
		}
		h := strings.ReplaceAll(hostile, "\u007f", "")
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+h+`", error="invalid_token", error_description="`+h+` \\"quoted\\""`)
		w.Header().Set("X-Request-Id", h)
		w.Header().Set("Date", "Mon, 02 Jan 2006 15:04:05 GMT")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "\x1b]8;;http://evil\x07link\x1b]8;;\x07\x1b[2J"+hostile)
	})
	res := liveRun(t, nil, Request{URL: srv.URL + "/", Bearer: "terminal-token-123456", Headers: []Field{{Name: "X-Note", Value: "\u202enote"}}})
	_, m := liveJSON(t, res)
	n := 0
	liveWalkStrings(m, func(s string) {
		n++
		if strings.ContainsFunc(s, isControl) || strings.ContainsRune(s, 0x1b) {
			t.Errorf("JSON string %q carries a control character", s)
		}
	})
	if n < 20 {
		t.Errorf("only %d strings in the document", n)
	}
}
