package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fix401/fix401/probe"
)

// harFixtures are the HAR files probe's tests record from real loopback
// exchanges (go test ./probe -run TestHARScenarios -update-har).
const harFixtures = "../../probe/testdata/har"

// Secrets the fixtures' scenarios use besides the cookie and token values
// each file holds.
var harScenarioSecrets = []string{"tok_live_4f9a8c7e2b1d6a3f5e0c", "Tr0ub4dor&3-staple"}

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// fixtureSecrets returns every secret a fixture holds.
func fixtureSecrets(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	log, err := probe.ReadHAR(f)
	if err != nil {
		t.Fatal(err)
	}
	return append(log.Secrets(), harScenarioSecrets...)
}

func assertNoSecrets(t *testing.T, label, out string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if len(s) >= 8 && strings.Contains(out, s) {
			t.Errorf("%s: secret %s…%s appears whole", label, s[:3], s[len(s)-2:])
		}
	}
}

// The finding each scenario's complete exports must report.
var harScenarioFinding = map[string]string{
	"expired-jwt":                    "token-expired",
	"session-expired":                "cookie-expired",
	"redirect-dropped-authorization": "credentials-dropped-on-redirect",
	"login-post-401":                 "har-after-login-post",
	"missing-authorization":          "har-missing-authorization",
	"cookie-wrong-path":              "har-cookie-wrong-path",
	"third-party-cookie-blocked":     "har-no-cookie-sent",
	"arcgis-token-required":          "auth-error-in-body",
}

func TestCheckHARFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(harFixtures, "*.har"))
	if err != nil || len(files) < 8 {
		t.Fatalf("fixtures missing: %v %v", files, err)
	}
	for _, path := range files {
		base := strings.TrimSuffix(filepath.Base(path), ".har")
		t.Run(base, func(t *testing.T) {
			secrets := fixtureSecrets(t, path)
			sanitized := strings.HasSuffix(base, "-chrome-sanitized")
			scenario := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(base, "-chrome-sanitized"), "-chrome"), "-firefox"), "-safari")
			want := harScenarioFinding[scenario]
			if want == "" {
				t.Fatalf("unknown scenario %q", scenario)
			}

			// The human report.
			code, out, errOut := runCLI(t, "", "check", "--har", path)
			if code != exitProblem {
				t.Errorf("exit %d, want %d; stderr %s", code, exitProblem, errOut)
			}
			if !strings.Contains(out, "From "+path+" (recorded by ") || !strings.Contains(out, "Try these steps") {
				t.Errorf("report lacks the header or the steps:\n%s", out)
			}
			if !sanitized && !strings.Contains(out, "["+want+"]") {
				t.Errorf("report lacks [%s]:\n%s", want, out)
			}
			if sanitized && !strings.Contains(out, "[har-sanitized]") {
				t.Errorf("sanitized report lacks [har-sanitized]:\n%s", out)
			}
			assertNoSecrets(t, "report", out+errOut, secrets)

			// Verbose shows the headers, masked.
			code, out, errOut = runCLI(t, "", "check", "--har", path, "--verbose")
			if code != exitProblem || !strings.Contains(out, "> ") {
				t.Errorf("verbose: exit %d, headers shown %v", code, strings.Contains(out, "> "))
			}
			assertNoSecrets(t, "verbose report", out+errOut, secrets)

			// JSON: exactly one object.
			code, out, errOut = runCLI(t, "", "check", "--har", path, "--json")
			if code != exitProblem {
				t.Errorf("json: exit %d; stderr %s", code, errOut)
			}
			dec := json.NewDecoder(strings.NewReader(out))
			var doc probe.CheckJSON
			if err := dec.Decode(&doc); err != nil {
				t.Fatalf("json: %v\n%s", err, out)
			}
			var extra json.RawMessage
			if err := dec.Decode(&extra); err != io.EOF {
				t.Errorf("json: more than one object (%v)", err)
			}
			if doc.Verdict != probe.VerdictUnauthorized || len(doc.Steps) != 10 || len(doc.Redirects) == 0 || len(doc.Notes) == 0 {
				t.Errorf("json: verdict %s, steps %v, %d hops, notes %v", doc.Verdict, doc.Steps, len(doc.Redirects), doc.Notes)
			}
			ids := map[string]bool{}
			for _, f := range doc.Findings {
				ids[f.ID] = true
			}
			if !sanitized && !ids[want] {
				t.Errorf("json: findings %v lack %s", ids, want)
			}
			assertNoSecrets(t, "json", out+errOut, secrets)

			// The list.
			code, out, errOut = runCLI(t, "", "check", "--har", path, "--list")
			if code != exitProblem || !strings.Contains(out, "#") || !strings.Contains(out, "http://") && !strings.Contains(out, "https://") {
				t.Errorf("list: exit %d:\n%s", code, out)
			}
			assertNoSecrets(t, "list", out+errOut, secrets)
			code, out, _ = runCLI(t, "", "check", "--har", path, "--list", "--json")
			var list harListJSON
			if err := json.Unmarshal([]byte(out), &list); err != nil || code != exitProblem || len(list.Failures) == 0 || list.Sanitized != sanitized && !strings.HasPrefix(base, "arcgis") {
				t.Errorf("list json: exit %d, %v, %+v", code, err, list)
			}
			assertNoSecrets(t, "list json", out, secrets)
		})
	}
}

// TestCheckHARPick checks --entry and --url, and reading standard input.
func TestCheckHARPick(t *testing.T) {
	path := filepath.Join(harFixtures, "missing-authorization-firefox.har")
	// Request #2 is the app's first call, answered 200.
	code, out, _ := runCLI(t, "", "check", "--har", path, "--entry", "2", "--json")
	var doc probe.CheckJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitOK || doc.Status != 200 || !strings.HasSuffix(doc.URL, "/api/me") {
		t.Errorf("--entry 2: exit %d, %v, status %d, url %s", code, err, doc.Status, doc.URL)
	}
	code, out, _ = runCLI(t, "", "check", "--har", path, "--url", "/API/REPORTS", "--json")
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitProblem || doc.Status != 401 || !strings.HasSuffix(doc.URL, "/api/reports") {
		t.Errorf("--url: exit %d, %v, status %d, url %s", code, err, doc.Status, doc.URL)
	}
	code, out, _ = runCLI(t, "", "check", "--har", path, "--url", "widgets")
	if code != exitOK || !strings.Contains(out, "/api/widgets") || !strings.Contains(out, "request #3 of 4") {
		t.Errorf("--url widgets: exit %d\n%s", code, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI(t, string(data), "check", "--har", "-")
	if code != exitProblem || !strings.Contains(out, "From standard input") || !strings.Contains(out, "[har-missing-authorization]") {
		t.Errorf("stdin: exit %d\n%s", code, out)
	}
}

// TestCheckHARNoFailures checks a recording in which nothing failed.
func TestCheckHARNoFailures(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ok.har")
	doc := `{"log":{"version":"1.2","creator":{"name":"Firefox","version":"133.0"},"entries":[
	  {"startedDateTime":"2025-03-01T10:00:00.000+01:00","request":{"method":"GET","url":"https://ok.example/","headers":[{"name":"Cookie","value":"sid=abcdefghijklmnop"}]},
	   "response":{"status":200,"headers":[{"name":"Date","value":"Sat, 01 Mar 2025 09:00:00 GMT"}],"content":{"size":2,"mimeType":"text/html","text":"hi"}}}]}}`
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, "", "check", "--har", path)
	if code != exitOK || !strings.Contains(out, "No failed requests") {
		t.Errorf("exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "", "check", "--har", path, "--json")
	var list harListJSON
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != exitOK || list.Requests != 1 || len(list.Failures) != 0 {
		t.Errorf("json: exit %d, %v, %+v", code, err, list)
	}
	code, out, _ = runCLI(t, "", "check", "--har", path, "--list")
	if code != exitOK || !strings.Contains(out, "No request was refused") {
		t.Errorf("list: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "", "check", "--har", path, "--entry", "1")
	if code != exitOK || !strings.Contains(out, "200 OK") || strings.Contains(out, "abcdefghijklmnop") {
		t.Errorf("--entry 1: exit %d\n%s", code, out)
	}
}

// TestCheckHARUsage checks the exit code and message of every misuse.
func TestCheckHARUsage(t *testing.T) {
	dir := t.TempDir()
	fixture := filepath.Join(harFixtures, "login-post-401-chrome.har")
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	truncated := write("cut.har", string(data[:len(data)/2]))
	notHAR := write("page.har", "<!doctype html><title>Sign in</title>")
	noEntries := write("empty.har", `{"log":{"version":"1.2"}}`)
	cases := []struct {
		name string
		args []string
		code int
		say  string
	}{
		{"missing file", []string{"check", "--har", filepath.Join(dir, "nope.har")}, exitUsage, "cannot open the HAR file"},
		{"folder", []string{"check", "--har", dir}, exitUsage, "is a folder"},
		{"not a HAR", []string{"check", "--har", notHAR}, exitUsage, "not a HAR file"},
		{"no entries", []string{"check", "--har", noEntries}, exitUsage, `no "entries"`},
		{"truncated", []string{"check", "--har", truncated}, exitUsage, "truncated"},
		{"entry without har", []string{"check", "--entry", "2", "https://example.com/"}, exitUsage, "--entry works with --har"},
		{"list without har", []string{"check", "--list"}, exitUsage, "--list works with --har"},
		{"url argument", []string{"check", "--har", fixture, "https://example.com/"}, exitUsage, "leave out the URL"},
		{"live flag", []string{"check", "--har", fixture, "-H", "Authorization: Bearer x"}, exitUsage, "--header describes a request to send"},
		{"entry and url", []string{"check", "--har", fixture, "--entry", "1", "--url", "login"}, exitUsage, "not both"},
		{"entry zero", []string{"check", "--har", fixture, "--entry", "0"}, exitUsage, "counts from 1"},
		{"entry too big", []string{"check", "--har", fixture, "--entry", "99"}, exitUsage, "has no request #99 (it has 2 requests)"},
		{"url no match", []string{"check", "--har", fixture, "--url", "/nowhere"}, exitUsage, `no request in the HAR has "/nowhere"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d; stdout %q stderr %q", code, c.code, out, errOut)
			}
			if !strings.Contains(errOut, c.say) {
				t.Errorf("stderr %q does not say %q", errOut, c.say)
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Errorf("error takes more than one line: %q", errOut)
			}
		})
	}
}
