package main

// One redaction layer for every output: secrets fed in every input form
// (flags, a curl import, a cookie file, the query string, a token pasted
// in the wizard, OAuth flags, the environment and masked fields) must not
// appear in any output (the screen, check's report and JSON, the support
// report in both forms, the saved session, the copied summary), not even
// when the server echoes them back.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// echoServer refuses everything and echoes every credential it got back
// in each place a server can: the challenge, a header, a cookie, a help
// link, the body; its token endpoint refuses a refresh and echoes the
// refresh token and client secret.
func echoServer(t *testing.T) string {
	t.Helper()
	s := chkServer(t, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.URL.Path == "/token" {
			user, pass, _ := r.BasicAuth()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant",
				"error_description": fmt.Sprintf("refresh token %s for client %s/%s%s is no good", r.PostForm.Get("refresh_token"), user, pass, r.PostForm.Get("client_secret"))})
			return
		}
		if r.URL.Path == "/start" {
			http.Redirect(w, r, "/api?"+r.URL.RawQuery, http.StatusFound)
			return
		}
		echo := strings.Join([]string{r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.Header.Get("Cookie"), r.URL.RawQuery}, " | ")
		quoted := strings.NewReplacer(`"`, `'`, `\`, `/`).Replace(echo)
		w.Header().Set("WWW-Authenticate", `Bearer realm="echo", error="invalid_token", error_description="you sent `+quoted+`"`)
		w.Header().Set("X-Echo", echo)
		w.Header().Set("X-Request-Id", "req-echo")
		w.Header().Set("Link", "<https://help.echo.example.test/?token="+url.QueryEscape(r.Header.Get("X-Api-Key"))+">; rel=\"help\"")
		for _, c := range r.Cookies() {
			http.SetCookie(w, &http.Cookie{Name: c.Name, Value: c.Value})
		}
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "refused: "+echo+"\n")
	})
	return s.URL
}

// secretForms are the ways a secret can be written: as is, URL-encoded,
// base64, and all of it but the last 4 characters (a mask keeps those).
func secretForms(sec string) []string {
	return []string{sec, url.QueryEscape(sec), base64.StdEncoding.EncodeToString([]byte(sec)), sec[:len(sec)-4]}
}

// noSecretIn fails for every secret form found in out.
func noSecretIn(t *testing.T, what, out string, secrets []string) {
	t.Helper()
	for _, sec := range secrets {
		for _, f := range secretForms(sec) {
			if strings.Contains(out, f) {
				i := strings.Index(out, f)
				t.Errorf("%s shows the secret %q as %q: …%s…", what, sec, f, out[max(0, i-60):min(len(out), i+len(f)+20)])
				break
			}
		}
	}
}

// stateFiles reads every file fix401 wrote in the state directory.
func stateFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			out[p] = string(b)
		}
		return nil
	})
	return out
}

func TestRedactionEveryInputEveryOutput(t *testing.T) {
	base := echoServer(t)
	cookieFile := filepath.Join(t.TempDir(), "cookies.txt")
	os.WriteFile(cookieFile, []byte("# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tsid\tSECRET-file-cookie-0042\n"), 0o600)

	type wizardRun struct {
		stdin string
		env   map[string]string
	}
	cases := []struct {
		name    string
		secrets []string
		args    []string // request flags and URL, for check and the wizard
		wizard  wizardRun
	}{
		{"flags",
			[]string{"SECRET-flag-password-01", "SECRET-flag-apikey-0002", "SECRET-flag-cookie-00003", "alice:SECRET-flag-password-01"},
			[]string{"-u", "alice:SECRET-flag-password-01", "-H", "X-Api-Key: SECRET-flag-apikey-0002", "-b", "session=SECRET-flag-cookie-00003", base + "/start"},
			wizardRun{stdin: "t\n10\n\nw\nc\nq\n"}},
		{"curl import",
			[]string{"SECRET-curl-password-04", "SECRET-curl-bearer-00005", "SECRET-curl-cookie-00006", "carol:SECRET-curl-password-04"},
			[]string{"--curl", "curl -u carol:SECRET-curl-password-04 -H 'Authorization: Bearer SECRET-curl-bearer-00005' -b 'sid=SECRET-curl-cookie-00006' '" + base + "/start'"},
			wizardRun{stdin: "t\nw\nc\nq\n"}},
		{"cookie file",
			[]string{"SECRET-file-cookie-0042"},
			[]string{"-b", cookieFile, base + "/start"},
			wizardRun{stdin: "t\n2\nw\nc\nq\n"}},
		{"query string",
			[]string{"SECRET-query-token-00007", "SECRET-query-apikey-0008"},
			[]string{base + "/start?access_token=SECRET-query-token-00007&api_key=SECRET-query-apikey-0008&page=1"},
			wizardRun{stdin: "t\nw\nc\nq\n"}},
		{"pasted token and masked OAuth fields",
			[]string{"SECRET-pasted-token-00009", "SECRET-typed-client-secret-10", "SECRET-typed-refresh-token-11"},
			[]string{base + "/start"},
			// Step 10: paste a token (a re-test); back on step 10, leave
			// the token form, open the OAuth form (a), fill it (f) with a
			// token endpoint that refuses and echoes the secrets.
			wizardRun{stdin: "10\nBearer SECRET-pasted-token-00009\n10\n\na\nf\n" + base + "/token\nmy-client\nSECRET-typed-client-secret-10\nSECRET-typed-refresh-token-11\nt\nw\nc\nq\n"}},
		{"OAuth flags and environment",
			[]string{"SECRET-flag-client-secret-12", "SECRET-env-refresh-token-13"},
			[]string{"--token-url", base + "/token", "--client-id", "flag-client", "--client-secret", "SECRET-flag-client-secret-12", base + "/start"},
			wizardRun{stdin: "10\n\na\nt\nw\nc\nq\n", env: map[string]string{"FIX401_REFRESH_TOKEN": "SECRET-env-refresh-token-13"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			state := freshState(t)
			copies := captureCopies(t)
			for k, v := range c.wizard.env {
				t.Setenv(k, v)
			}
			outputs := map[string]string{}
			if !strings.HasPrefix(c.args[0], "--token-url") {
				dir := t.TempDir()
				md, js := filepath.Join(dir, "r.md"), filepath.Join(dir, "r.json")
				for _, extra := range [][]string{{"-v"}, {"--json"}, {"--report", md}, {"--report", js}} {
					args := append(append([]string{"check"}, extra...), c.args...)
					code, out, errOut := runIn(t, "", args...)
					if code != exitProblem {
						t.Fatalf("check %v: exit %d\n%s%s", extra, code, out, errOut)
					}
					outputs["check "+strings.Join(extra[:1], " ")] = out + errOut
				}
				for _, p := range []string{md, js} {
					b, err := os.ReadFile(p)
					if err != nil {
						t.Fatal(err)
					}
					outputs["check report "+filepath.Base(p)] = string(b)
					code, out, _ := runIn(t, "", "report", "show", p)
					if code != exitOK {
						t.Fatalf("report show: exit %d", code)
					}
					outputs["report show "+filepath.Base(p)] = out
				}
			}
			code, out, errOut := runIn(t, c.wizard.stdin, c.args...)
			if code != exitProblem {
				t.Fatalf("wizard: exit %d\n%s%s", code, out, errOut)
			}
			outputs["wizard screen"] = out + errOut
			for i, text := range copies() {
				outputs[fmt.Sprintf("copied text %d", i)] = text
			}
			if len(copies()) == 0 {
				t.Error("nothing was copied")
			}
			files := stateFiles(t, state)
			if len(files) < 2 {
				t.Fatalf("state files: %v", files)
			}
			for p, text := range files {
				outputs[p] = text
			}
			for what, text := range outputs {
				noSecretIn(t, what, text, c.secrets)
			}
			// The run did what it was meant to: the technical view was
			// shown, reports written, and the OAuth refusal explained.
			for _, want := range []string{"Request:", "Support report written to", "Summary copied"} {
				if !strings.Contains(out, want) {
					t.Errorf("the wizard transcript lacks %q", want)
				}
			}
			if strings.Contains(c.name, "OAuth") && !strings.Contains(out, "The token refresh failed") {
				t.Errorf("no refresh was tried:\n%s", out)
			}
			if strings.Contains(c.name, "pasted") && !strings.Contains(out, "a new token (") {
				t.Errorf("the pasted token was not used:\n%s", out)
			}
		})
	}
}
