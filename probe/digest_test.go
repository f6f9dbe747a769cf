package probe

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func parseOne(t *testing.T, line string) Challenge {
	t.Helper()
	chs := ParseChallenges([]string{line})
	if len(chs) != 1 {
		t.Fatalf("%d challenges in %q", len(chs), line)
	}
	return chs[0]
}

// TestDigestRFC7616Examples reproduces the worked examples of RFC 7616
// §3.9.1 byte for byte, and §3.9.2 with the values corrected by RFC Errata
// ID 4897 (the published SHA-512-256 values are wrong).
func TestDigestRFC7616Examples(t *testing.T) {
	const (
		nonce  = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
		opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
		cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
	)
	for _, tc := range []struct{ alg, response string }{
		{"MD5", "8ca523f5e9506fed4657c9700eebdbec"},
		{"SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			ch := parseOne(t, `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=`+tc.alg+
				`, nonce="`+nonce+`", opaque="`+opaque+`"`)
			got, err := DigestAuthorization(ch, "GET", "/dir/index.html", "Mufasa", "Circle of Life", cnonce, 1)
			if err != nil {
				t.Fatal(err)
			}
			want := `Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=` + tc.alg +
				`, nonce="` + nonce + `", nc=00000001, cnonce="` + cnonce + `", qop=auth, response="` + tc.response +
				`", opaque="` + opaque + `"`
			if got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}

	t.Run("SHA-512-256 userhash (errata 4897)", func(t *testing.T) {
		ch := parseOne(t, `Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", charset=UTF-8, userhash=true`)
		got, err := DigestAuthorization(ch, "GET", "/doe.json", "J\u00e4s\u00f8n Doe", "Secret, or not?", "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v", 1)
		if err != nil {
			t.Fatal(err)
		}
		want := `Digest username="793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b", realm="api@example.org", uri="/doe.json", algorithm=SHA-512-256, nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", nc=00000001, cnonce="NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v", qop=auth, response="3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5", opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", userhash=true`
		if got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})

	t.Run("non-ASCII user name without userhash", func(t *testing.T) {
		ch := parseOne(t, `Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, nonce="5TsQ", charset=UTF-8`)
		got, err := DigestAuthorization(ch, "GET", "/doe.json", "J\u00e4s\u00f8n Doe", "Secret, or not?", "c", 1)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got, `Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm="api@example.org"`) {
			t.Errorf("got %s", got)
		}
	})
}

func md5hex(s string) string    { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }
func sha256hex(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:]) }

var paramRE = regexp.MustCompile(`(\w+)=("(?:[^"\\]|\\.)*"|[^,]*)`)

// authParams splits an Authorization value with a regular expression, not
// with ParseChallenges, so the two are checked against each other.
func authParams(t *testing.T, v string) map[string]string {
	t.Helper()
	rest, ok := strings.CutPrefix(v, "Digest ")
	if !ok {
		t.Fatalf("no Digest scheme: %s", v)
	}
	m := map[string]string{}
	for _, sm := range paramRE.FindAllStringSubmatch(rest, -1) {
		val := sm[2]
		if strings.HasPrefix(val, `"`) {
			val = strings.NewReplacer(`\\`, `\`, `\"`, `"`).Replace(val[1 : len(val)-1])
		}
		if _, dup := m[sm[1]]; dup {
			t.Fatalf("parameter %s twice in %s", sm[1], v)
		}
		m[sm[1]] = val
	}
	return m
}

func TestDigestAuthorizationForms(t *testing.T) {
	t.Run("RFC 2069 without qop", func(t *testing.T) {
		ch := parseOne(t, `Digest realm="old", nonce="abc"`)
		got, err := DigestAuthorization(ch, "GET", "/a?b=c", "u", "p", "ignored", 1)
		if err != nil {
			t.Fatal(err)
		}
		p := authParams(t, got)
		want := md5hex(md5hex("u:old:p") + ":abc:" + md5hex("GET:/a?b=c"))
		if p["response"] != want {
			t.Errorf("response %s, want %s", p["response"], want)
		}
		for _, name := range []string{"qop", "nc", "cnonce", "algorithm", "opaque", "userhash"} {
			if _, ok := p[name]; ok {
				t.Errorf("%s present in %s", name, got)
			}
		}
	})
	t.Run("SHA-256-sess, auth picked from list, nc in hex", func(t *testing.T) {
		ch := parseOne(t, `Digest realm="r", qop="auth-int,auth", algorithm=sha-256-sess, nonce="n1", opaque=""`)
		got, err := DigestAuthorization(ch, "POST", "/x", "u", "p", "cn", 26)
		if err != nil {
			t.Fatal(err)
		}
		p := authParams(t, got)
		ha1 := sha256hex(sha256hex("u:r:p") + ":n1:cn")
		want := sha256hex(ha1 + ":n1:0000001a:cn:auth:" + sha256hex("POST:/x"))
		if p["response"] != want || p["nc"] != "0000001a" || p["qop"] != "auth" || p["algorithm"] != "sha-256-sess" {
			t.Errorf("got %s (want response %s)", got, want)
		}
		if v, ok := p["opaque"]; !ok || v != "" {
			t.Errorf("empty opaque not echoed: %s", got)
		}
	})
	t.Run("MD5-sess", func(t *testing.T) {
		ch := parseOne(t, `Digest realm="r", qop=auth, algorithm=MD5-sess, nonce="n1"`)
		got, err := DigestAuthorization(ch, "GET", "/", "u", "p", "cn", 1)
		if err != nil {
			t.Fatal(err)
		}
		want := md5hex(md5hex(md5hex("u:r:p")+":n1:cn") + ":n1:00000001:cn:auth:" + md5hex("GET:/"))
		if p := authParams(t, got); p["response"] != want {
			t.Errorf("got %s, want response %s", got, want)
		}
	})
	t.Run("quotes and backslashes escaped", func(t *testing.T) {
		ch := parseOne(t, `Digest realm="a \"b\" \\c", qop="auth", nonce="n"`)
		got, err := DigestAuthorization(ch, "GET", "/", `us"er`, "p", "cn", 1)
		if err != nil {
			t.Fatal(err)
		}
		back := ParseChallenges([]string{got})[0]
		if back.Param("realm") != `a "b" \c` || back.Param("username") != `us"er` {
			t.Errorf("round trip: %s → %v", got, back.Params)
		}
	})
	t.Run("empty cnonce gets a fresh one", func(t *testing.T) {
		ch := parseOne(t, `Digest realm="r", qop="auth", nonce="n"`)
		a, _ := DigestAuthorization(ch, "GET", "/", "u", "p", "", 1)
		b, _ := DigestAuthorization(ch, "GET", "/", "u", "p", "", 1)
		ca, cb := authParams(t, a)["cnonce"], authParams(t, b)["cnonce"]
		if len(ca) != 32 || ca == cb {
			t.Errorf("cnonces %q %q", ca, cb)
		}
	})
}

func TestDigestAuthorizationErrors(t *testing.T) {
	const password = "pw-Kx81-secret"
	tests := []struct {
		name, challenge, method, uri, user string
		nc                                 int
		want                               string
	}{
		{"not digest", `Basic realm="r"`, "GET", "/", "u", 1, "not Digest"},
		{"no nonce", `Digest realm="r", qop="auth"`, "GET", "/", "u", 1, "no nonce"},
		{"unknown algorithm", `Digest realm="r", nonce="n", algorithm=SHA-1`, "GET", "/", "u", 1, `unsupported algorithm "SHA-1"`},
		{"auth-int only", `Digest realm="r", nonce="n", qop="auth-int"`, "GET", "/", "u", 1, "only qop"},
		{"nc zero", `Digest realm="r", nonce="n"`, "GET", "/", "u", 0, "not positive"},
		{"no uri", `Digest realm="r", nonce="n"`, "GET", "", "u", 1, "required"},
		{"newline in user", `Digest realm="r", nonce="n"`, "GET", "/", "u\nX-Evil: 1", 1, "control character"},
		{"escape sequence in algorithm", "Digest realm=\"r\", nonce=\"n\", algorithm=\"\x1b[31mX\"", "GET", "/", "u", 1, "unsupported algorithm"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DigestAuthorization(parseOne(t, tc.challenge), tc.method, tc.uri, tc.user, password, "cn", tc.nc)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), password) || strings.Contains(err.Error(), "\x1b") {
				t.Errorf("error %q", err)
			}
		})
	}
}

func TestDigestStale(t *testing.T) {
	for line, want := range map[string]bool{
		`Digest realm="r", nonce="n", stale=true`:   true,
		`Digest realm="r", nonce="n", stale=TRUE`:   true,
		`digest realm="r", nonce="n", stale="True"`: true,
		`Digest realm="r", nonce="n", stale=false`:  false,
		`Digest realm="r", nonce="n"`:               false,
		`Basic realm="r", stale=true`:               false,
	} {
		if got := DigestStale(parseOne(t, line)); got != want {
			t.Errorf("DigestStale(%s) = %v", line, got)
		}
	}
}

func TestNewCnonce(t *testing.T) {
	a, b := NewCnonce(), NewCnonce()
	if len(a) != 32 || a == b {
		t.Errorf("cnonces %q %q", a, b)
	}
	if _, err := hex.DecodeString(a); err != nil {
		t.Errorf("not hex: %v", err)
	}
}

// digestClient does the 401 → answer dance against a real server and
// returns the final response's status and body.
type digestClient struct {
	t      *testing.T
	client *http.Client
}

func (c digestClient) get(url, auth string) *http.Response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// pick returns the response's Digest challenge using algorithm.
func pick(t *testing.T, resp *http.Response, algorithm string) Challenge {
	t.Helper()
	for _, ch := range ParseChallenges(resp.Header.Values("Www-Authenticate")) {
		if ch.Is("Digest") && strings.EqualFold(ch.Param("algorithm"), algorithm) {
			return ch
		}
	}
	t.Fatalf("no Digest %s challenge in %q", algorithm, resp.Header.Values("Www-Authenticate"))
	return Challenge{}
}

// TestDigestLighttpd answers a real, independent Digest implementation:
// lighttpd's mod_auth with an htdigest file.
func TestDigestLighttpd(t *testing.T) {
	bin, err := exec.LookPath("lighttpd")
	if err != nil {
		bin = "/usr/sbin/lighttpd"
		if _, err := os.Stat(bin); err != nil {
			t.Skip("lighttpd is not installed (Debian: apt-get install -y lighttpd); skipping the real Digest server test")
		}
	}
	const realm, user, pass = "fix401 test", "alice", "Circle of Life"
	for _, userhash := range []bool{false, true} {
		t.Run(fmt.Sprintf("userhash=%v", userhash), func(t *testing.T) {
			base := startLighttpd(t, bin, realm, user, pass, userhash)
			c := digestClient{t, &http.Client{Timeout: 10 * time.Second}}
			target := "/dir/page.txt?q=a%20b&x=1"
			for i, alg := range []string{"MD5", "SHA-256"} {
				first := c.get(base+target, "")
				if first.StatusCode != http.StatusUnauthorized {
					t.Fatalf("first request: %d", first.StatusCode)
				}
				ch := pick(t, first, alg)
				if got := strings.EqualFold(ch.Param("userhash"), "true"); got != userhash {
					t.Fatalf("challenge userhash %v", got)
				}
				auth, err := DigestAuthorization(ch, "GET", target, user, pass, NewCnonce(), i+1)
				if err != nil {
					t.Fatal(err)
				}
				if resp := c.get(base+target, auth); resp.StatusCode != http.StatusOK {
					t.Errorf("%s: status %d after answering", alg, resp.StatusCode)
				}
				wrong, err := DigestAuthorization(ch, "GET", target, user, pass+"!", NewCnonce(), i+2)
				if err != nil {
					t.Fatal(err)
				}
				resp := c.get(base+target, wrong)
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s: wrong password got %d", alg, resp.StatusCode)
				}
				for _, again := range ParseChallenges(resp.Header.Values("Www-Authenticate")) {
					if DigestStale(again) {
						t.Errorf("%s: wrong password answered with stale=true", alg)
					}
				}
			}
		})
	}
}

// startLighttpd runs lighttpd in the foreground on a free loopback port
// with Digest authentication for user, and returns its base URL. It is
// stopped in t.Cleanup.
func startLighttpd(t *testing.T, bin, realm, user, pass string, userhash bool) string {
	t.Helper()
	dir := t.TempDir()
	www := filepath.Join(dir, "www")
	if err := os.MkdirAll(filepath.Join(www, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(www, "dir", "page.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// One htdigest line per algorithm, user:realm:H(user:realm:pass):
	// lighttpd picks the line whose hash length fits the algorithm the
	// client used. Its optional fourth field, H(user:realm), is what it
	// matches a userhash against.
	ha1, hu := user+":"+realm+":"+pass, user+":"+realm
	htdigest := fmt.Sprintf("%s:%s:%s:%s\n%s:%s:%s:%s\n",
		user, realm, md5hex(ha1), md5hex(hu), user, realm, sha256hex(ha1), sha256hex(hu))
	if err := os.WriteFile(filepath.Join(dir, "htdigest"), []byte(htdigest), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	uh := ""
	if userhash {
		uh = `, "userhash" => "enable"`
	}
	conf := fmt.Sprintf(`server.modules = ( "mod_auth", "mod_authn_file" )
server.bind = "127.0.0.1"
server.port = %d
server.document-root = %q
server.errorlog = %q
auth.backend = "htdigest"
auth.backend.htdigest.userfile = %q
auth.require = ( "/" => ( "method" => "digest", "realm" => %q, "require" => "valid-user", "algorithm" => "MD5|SHA-256"%s ) )
server.feature-flags = ( "auth.delay-invalid-creds" => "disable" )
`, port, www, filepath.Join(dir, "error.log"), filepath.Join(dir, "htdigest"), realm, uh)
	confPath := filepath.Join(dir, "lighttpd.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "-D", "-f", confPath)
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting lighttpd: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			conn.Close()
			return "http://" + addr
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("lighttpd exited (%v): %s%s", err, stderr.String(), log)
		case <-ctx.Done():
			t.Fatalf("lighttpd did not listen on %s: %s", addr, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestDigestInProcess answers newDigestServer for every algorithm, and
// follows its stale=true answer to a reused nonce with one retry.
func TestDigestInProcess(t *testing.T) {
	for _, alg := range []string{"", "MD5", "MD5-sess", "SHA-256", "sha-256-sess", "SHA-512-256", "SHA-512-256-sess"} {
		t.Run("alg="+alg, func(t *testing.T) {
			srv := newDigestServer(t, "in process", "bob", "p@ss:word", alg)
			c := digestClient{t, srv.Client()}
			target := "/api/items?page=2"
			first := c.get(srv.URL+target, "")
			if first.StatusCode != http.StatusUnauthorized || first.Header.Get("X-Digest-Result") != "no-credentials" {
				t.Fatalf("first: %d %s", first.StatusCode, first.Header.Get("X-Digest-Result"))
			}
			ch := ParseChallenges(first.Header.Values("Www-Authenticate"))[0]
			auth, err := DigestAuthorization(ch, "GET", target, "bob", "p@ss:word", NewCnonce(), 1)
			if err != nil {
				t.Fatal(err)
			}
			if resp := c.get(srv.URL+target, auth); resp.StatusCode != http.StatusOK {
				t.Fatalf("answer: %d %s", resp.StatusCode, resp.Header.Get("X-Digest-Result"))
			}

			// The nonce is now retired: a correct answer with it is stale.
			again, err := DigestAuthorization(ch, "GET", target, "bob", "p@ss:word", NewCnonce(), 2)
			if err != nil {
				t.Fatal(err)
			}
			stale := c.get(srv.URL+target, again)
			staleCh := ParseChallenges(stale.Header.Values("Www-Authenticate"))
			if stale.StatusCode != http.StatusUnauthorized || len(staleCh) != 1 || !DigestStale(staleCh[0]) {
				t.Fatalf("reused nonce: %d %q", stale.StatusCode, stale.Header.Values("Www-Authenticate"))
			}
			retry, err := DigestAuthorization(staleCh[0], "GET", target, "bob", "p@ss:word", NewCnonce(), 1)
			if err != nil {
				t.Fatal(err)
			}
			if resp := c.get(srv.URL+target, retry); resp.StatusCode != http.StatusOK {
				t.Errorf("retry after stale: %d", resp.StatusCode)
			}

			// A wrong password is refused without stale.
			fresh := c.get(srv.URL+target, "")
			wrongCh := ParseChallenges(fresh.Header.Values("Www-Authenticate"))[0]
			wrong, err := DigestAuthorization(wrongCh, "GET", target, "bob", "wrong", NewCnonce(), 1)
			if err != nil {
				t.Fatal(err)
			}
			bad := c.get(srv.URL+target, wrong)
			if bad.StatusCode != http.StatusUnauthorized || bad.Header.Get("X-Digest-Result") != "bad" ||
				DigestStale(ParseChallenges(bad.Header.Values("Www-Authenticate"))[0]) {
				t.Errorf("wrong password: %d %s", bad.StatusCode, bad.Header.Get("X-Digest-Result"))
			}

			// An answer for another request target is refused.
			other, err := DigestAuthorization(wrongCh, "GET", "/elsewhere", "bob", "p@ss:word", NewCnonce(), 1)
			if err != nil {
				t.Fatal(err)
			}
			if resp := c.get(srv.URL+target, other); resp.Header.Get("X-Digest-Result") != "bad" {
				t.Errorf("wrong uri: %s", resp.Header.Get("X-Digest-Result"))
			}
		})
	}
}
