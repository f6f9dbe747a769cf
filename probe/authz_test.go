package probe

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The secrets below are distinctive so that a Detail leaking one is caught.
const (
	tokSecret = "s3cr3tT0kenValue9271"
	testJWT   = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJsZWFrY2hlY2sifQ.c2lnbmF0dXJlLXNlY3JldA"
)

var (
	b64 = base64.StdEncoding.EncodeToString
	// basicUP is "Basic " + base64("alice:pw-Zq81x").
	basicUP = "Basic " + b64([]byte("alice:pw-Zq81x"))
)

// base64Program runs the system's base64 on in, as "echo … | base64" does.
func base64Program(t *testing.T, in string) string {
	t.Helper()
	path, err := exec.LookPath("base64")
	if err != nil {
		t.Skip("no base64 program on PATH")
	}
	cmd := exec.Command(path)
	cmd.Stdin = strings.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("base64: %v", err)
	}
	return string(out)
}

func kinds(ps []AuthProblem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Kind)
	}
	slices.Sort(out)
	return out
}

// checkDetails fails when a Detail is empty, not one sentence, or contains
// any of the secrets.
func checkDetails(t *testing.T, ps []AuthProblem, secrets ...string) {
	t.Helper()
	for _, p := range ps {
		if p.Detail == "" || !strings.HasSuffix(p.Detail, ".") || strings.ContainsAny(p.Detail, "\r\n") {
			t.Errorf("%s: Detail %q is not one sentence", p.Kind, p.Detail)
		}
		for _, s := range secrets {
			if s != "" && strings.Contains(p.Detail, s) {
				t.Errorf("%s: Detail %q contains the secret", p.Kind, p.Detail)
			}
		}
	}
}

func TestInspectAuthorization(t *testing.T) {
	echoed := base64Program(t, "alice:pw-Zq81x\n") // what echo | base64 gives
	long := "alice:" + strings.Repeat("pw-Zq81x", 10)
	wrapped := base64Program(t, long) // wrapped at 76 columns
	if !strings.Contains(strings.TrimSpace(wrapped), "\n") {
		t.Fatalf("base64 did not wrap %d bytes", len(long))
	}
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"clean bearer", "Bearer " + tokSecret, nil},
		{"clean basic", basicUP, nil},
		{"clean digest", `Digest username="alice", realm="r", nonce="n", uri="/", response="` + tokSecret + `"`, nil},
		{"clean negotiate", "Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnag==", nil},
		{"empty", "", nil},
		{"trailing newline", "Bearer " + tokSecret + "\n", []string{"newline"}},
		{"CRLF", "Bearer " + tokSecret + "\r\n", []string{"newline"}},
		{"newline inside", "Bearer " + tokSecret[:5] + "\n" + tokSecret[5:], []string{"newline"}},
		{"newline after scheme", "Bearer\n" + tokSecret, []string{"newline"}},
		{"newline inside Basic", "Basic " + b64([]byte("alice:pw-Zq81x"))[:6] + "\r\n" + b64([]byte("alice:pw-Zq81x"))[6:], []string{"basic-trailing-newline", "newline"}},
		{"outer spaces", "  Bearer " + tokSecret + " ", []string{"whitespace"}},
		{"two spaces after scheme", "Bearer  " + tokSecret, []string{"whitespace"}},
		{"tab after scheme", "Bearer\t" + tokSecret, []string{"whitespace"}},
		{"double quotes", `"Bearer ` + tokSecret + `"`, []string{"quoted"}},
		{"single quotes", `'Bearer ` + tokSecret + `'`, []string{"quoted"}},
		{"quoted credential", `Bearer "` + tokSecret + `"`, []string{"quoted"}},
		{"Bearer Bearer", "Bearer Bearer " + tokSecret, []string{"double-scheme"}},
		{"Token Bearer", "Token Bearer " + tokSecret, []string{"double-scheme"}},
		{"bearer bearer", "bearer bearer " + tokSecret, []string{"double-scheme", "scheme-case"}},
		{"Basic Basic", "Basic " + basicUP, []string{"double-scheme"}},
		{"bare JWT", testJWT, []string{"missing-scheme"}},
		{"bare key", tokSecret, []string{"missing-scheme"}},
		{"Bearer glued to JWT", "Bearer" + testJWT, []string{"scheme-glued"}},
		{"Basic glued", "Basic" + b64([]byte("alice:pw-Zq81x")), []string{"scheme-glued"}},
		{"scheme only", "Bearer", []string{"missing-credential"}},
		{"scheme only with trailing space", "Bearer ", []string{"missing-credential", "whitespace"}},
		{"lower-case bearer", "bearer " + tokSecret, []string{"scheme-case"}},
		{"upper-case BASIC", "BASIC " + b64([]byte("alice:pw-Zq81x")), []string{"scheme-case"}},
		{"ntlm lower", "ntlm TlRMTVNTUAABAAAA", []string{"scheme-case"}},
		{"echo | base64", "Basic " + strings.TrimSpace(echoed), []string{"basic-trailing-newline"}},
		{"echo | base64 kept its newline", "Basic " + echoed, []string{"basic-trailing-newline", "newline"}},
		{"base64 wrapped at 76", "Basic " + strings.TrimSpace(wrapped), []string{"basic-trailing-newline", "newline"}},
		{"no colon", "Basic " + b64([]byte("alicepw-Zq81x")), []string{"basic-no-colon"}},
		{"no colon, trailing newline", "Basic " + b64([]byte("alice\n")), []string{"basic-no-colon", "basic-trailing-newline"}},
		{"not base64", "Basic alice:pw-Zq81x", []string{"basic-not-base64"}},
		{"padding missing", "Basic " + strings.TrimRight(b64([]byte("alice:pw-Zq81")), "="), []string{"basic-not-base64"}},
		{"URL-safe alphabet without colon", "Basic " + base64.URLEncoding.EncodeToString([]byte("\xfb\xff\xfe")), []string{"basic-no-colon", "basic-not-base64"}},
		{"quoted Basic credential", `Basic "` + b64([]byte("alice:pw-Zq81x")) + `"`, []string{"quoted"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := InspectAuthorization(tc.in)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !reflect.DeepEqual(kinds(got), want) {
				t.Errorf("InspectAuthorization(%q) kinds %v, want %v", tc.in, kinds(got), want)
			}
			checkDetails(t, got, tokSecret, "pw-Zq81x", b64([]byte("alice:pw-Zq81x")), testJWT, "eyJ", strings.TrimSpace(echoed))
		})
	}
}

func TestInspectToken(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"clean", tokSecret, nil},
		{"clean JWT", testJWT, nil},
		{"empty", "", nil},
		{"trailing newline", tokSecret + "\n", []string{"newline"}},
		{"outer whitespace", " " + tokSecret + "\t", []string{"whitespace"}},
		{"double quotes", `"` + tokSecret + `"`, []string{"quoted"}},
		{"single quotes", `'` + tokSecret + `'`, []string{"quoted"}},
		{"Bearer prefix", "Bearer " + tokSecret, []string{"double-scheme"}},
		{"quoted Bearer prefix", `"Bearer ` + tokSecret + `"`, []string{"double-scheme", "quoted"}},
		{"inner space", tokSecret[:6] + " " + tokSecret[6:], []string{"whitespace"}},
		{"glued Bearer", "Bearer" + testJWT, []string{"scheme-glued"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := InspectToken(tc.in)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !reflect.DeepEqual(kinds(got), want) {
				t.Errorf("InspectToken(%q) kinds %v, want %v", tc.in, kinds(got), want)
			}
			checkDetails(t, got, tokSecret, tokSecret[:6], tokSecret[6:], testJWT)
		})
	}
}

// cosmetic are the kinds that cleaning must remove.
var cosmetic = []string{"newline", "whitespace", "quoted", "double-scheme", "missing-scheme", "scheme-glued"}

func TestCleanAuthorization(t *testing.T) {
	basicCred := b64([]byte("alice:pw-Zq81x"))
	tests := []struct {
		name, in, want string
	}{
		{"clean stays", "Bearer " + tokSecret, "Bearer " + tokSecret},
		{"trailing newline", "Bearer " + tokSecret + "\n", "Bearer " + tokSecret},
		{"CRLF and spaces", "  Bearer " + tokSecret + " \r\n", "Bearer " + tokSecret},
		{"double quotes", `"Bearer ` + tokSecret + `"`, "Bearer " + tokSecret},
		{"single quotes and newline", "'Bearer " + tokSecret + "'\n", "Bearer " + tokSecret},
		{"quoted credential", `Bearer "` + tokSecret + `"`, "Bearer " + tokSecret},
		{"single-quoted credential", `Bearer '` + tokSecret + `'`, "Bearer " + tokSecret},
		{"doubled scheme", "Bearer Bearer " + tokSecret, "Bearer " + tokSecret},
		{"tripled scheme, mixed case", "Bearer bearer  BEARER " + tokSecret, "Bearer " + tokSecret},
		{"doubled Basic", "Basic Basic " + basicCred, "Basic " + basicCred},
		{"two spaces", "Bearer  " + tokSecret, "Bearer " + tokSecret},
		{"tab", "Bearer\t" + tokSecret, "Bearer " + tokSecret},
		{"bare JWT", testJWT, "Bearer " + testJWT},
		{"bare JWT with newline", testJWT + "\n", "Bearer " + testJWT},
		{"glued JWT", "Bearer" + testJWT, "Bearer " + testJWT},
		{"glued JWT lower case", "bearer" + testJWT, "bearer " + testJWT},
		{"newline between scheme and token", "Bearer\n" + testJWT, "Bearer " + testJWT},
		{"wrapped base64", "Basic " + basicCred[:8] + "\n" + basicCred[8:] + "\n", "Basic " + basicCred},
		{"Token Bearer is ambiguous", "Token Bearer " + tokSecret, "Token Bearer " + tokSecret},
		{"bare key is ambiguous", tokSecret, tokSecret},
		{"scheme only", "Bearer Bearer", "Bearer Bearer"},
		{"glued Basic is left alone", "Basic" + basicCred, "Basic" + basicCred},
		{"digest quotes kept", `Digest username="a", response="b"`, `Digest username="a", response="b"`},
		{"case kept", "bearer " + tokSecret, "bearer " + tokSecret},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := CleanAuthorization(tc.in)
			if got != tc.want || changed != (tc.in != tc.want) {
				t.Errorf("CleanAuthorization(%q) = %q, %v; want %q, %v", tc.in, got, changed, tc.want, tc.in != tc.want)
			}
			if !changed {
				return
			}
			for _, p := range InspectAuthorization(got) {
				if slices.Contains(cosmetic, p.Kind) {
					t.Errorf("cleaned %q still has problem %s", got, p.Kind)
				}
			}
		})
	}
}

func TestCleanToken(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"clean stays", tokSecret, tokSecret},
		{"newline", tokSecret + "\n", tokSecret},
		{"outer whitespace", " \t" + tokSecret + " \r\n", tokSecret},
		{"double quotes", `"` + tokSecret + `"`, tokSecret},
		{"single quotes", `'` + tokSecret + `'`, tokSecret},
		{"Bearer prefix", "Bearer " + tokSecret, tokSecret},
		{"quoted Bearer prefix", `"Bearer ` + tokSecret + `"`, tokSecret},
		{"Bearer prefix, quoted token", `bearer  "` + tokSecret + `"`, tokSecret},
		{"glued Bearer", "Bearer" + testJWT, testJWT},
		{"wrapped over lines", testJWT[:20] + "\n" + testJWT[20:], testJWT},
		{"inner space is ambiguous", "abc def", "abc def"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := CleanToken(tc.in)
			if got != tc.want || changed != (tc.in != tc.want) {
				t.Errorf("CleanToken(%q) = %q, %v; want %q, %v", tc.in, got, changed, tc.want, tc.in != tc.want)
			}
			if changed && len(InspectToken(got)) != 0 {
				t.Errorf("cleaned %q still has problems %v", got, kinds(InspectToken(got)))
			}
		})
	}
}

// TestCleanAuthorizationOnTheWire sends malformed values to a real server:
// Go refuses the raw value with a line break, and the cleaned value arrives
// as exactly "Bearer <token>".
func TestCleanAuthorizationOnTheWire(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	send := func(v string) (string, error) {
		req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
		if err != nil {
			return "", err
		}
		req.Header.Set("Authorization", v)
		resp, err := srv.Client().Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	for _, in := range []string{
		"Bearer " + testJWT + "\n",
		"\"Bearer " + testJWT + "\"",
		"Bearer Bearer " + testJWT,
		testJWT,
		"Bearer" + testJWT,
		"Bearer  " + testJWT + "\r\n",
	} {
		if strings.ContainsAny(in, "\r\n") {
			if _, err := send(in); err == nil {
				t.Errorf("Go sent a value with a line break: %q", in)
			}
		}
		cleaned, _ := CleanAuthorization(in)
		got, err := send(cleaned)
		if err != nil {
			t.Fatalf("cleaned %q: %v", cleaned, err)
		}
		if got != "Bearer "+testJWT {
			t.Errorf("server got %q for %q", got, in)
		}
	}
}

var problemKinds = []string{"newline", "whitespace", "quoted", "double-scheme", "missing-scheme", "scheme-glued",
	"missing-credential", "basic-not-base64", "basic-no-colon", "basic-trailing-newline", "scheme-case"}

func FuzzInspectAuthorization(f *testing.F) {
	for _, s := range []string{
		"Bearer " + tokSecret, "Bearer Bearer x\n", `"Basic ` + b64([]byte("a:b\n")) + `"`, testJWT,
		"Bearer" + testJWT, "bearer\r\n" + testJWT, "Basic \t'dXNl\ncjpw'", "Token Bearer 'x'", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, ps := range [][]AuthProblem{InspectAuthorization(in), InspectToken(in)} {
			for _, p := range ps {
				if !slices.Contains(problemKinds, p.Kind) || p.Detail == "" {
					t.Fatalf("problem %+v", p)
				}
			}
		}
		for _, clean := range []func(string) (string, bool){CleanAuthorization, CleanToken} {
			got, changed := clean(in)
			if changed != (got != in) || strings.ContainsAny(got, "\r\n") {
				t.Fatalf("clean(%q) = %q, %v", in, got, changed)
			}
		}
	})
}
