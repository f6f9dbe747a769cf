package probe

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// ch builds an expected challenge; pairs are name, value, name, value….
func ch(scheme, raw string, pairs ...string) Challenge {
	c := Challenge{Scheme: scheme, Params: map[string]string{}, Raw: raw}
	for i := 0; i+1 < len(pairs); i += 2 {
		c.Params[pairs[i]] = pairs[i+1]
	}
	return c
}

// ch68 builds an expected token68 challenge.
func ch68(scheme, token68, raw string) Challenge {
	return Challenge{Scheme: scheme, Token68: token68, Params: map[string]string{}, Raw: raw}
}

type challengeCase struct {
	name  string
	lines []string
	want  []Challenge
}

// challengeVectors are the WWW-Authenticate vectors of diagnosis.md §5
// (numbered as there) and the parser edge cases listed after them.
var challengeVectors = []challengeCase{
	{
		name:  "01 RFC 9110 two challenges one line",
		lines: []string{`Basic realm="simple", Newauth realm="apps", type=1, title="Login to \"apps\""`},
		want: []Challenge{
			ch("Basic", `Basic realm="simple"`, "realm", "simple"),
			ch("Newauth", `Newauth realm="apps", type=1, title="Login to \"apps\""`,
				"realm", "apps", "type", "1", "title", `Login to "apps"`),
		},
	},
	{
		name:  "02a RFC 7617 Basic",
		lines: []string{`Basic realm="WallyWorld"`},
		want:  []Challenge{ch("Basic", `Basic realm="WallyWorld"`, "realm", "WallyWorld")},
	},
	{
		name:  "02b RFC 7617 Basic charset",
		lines: []string{`Basic realm="foo", charset="UTF-8"`},
		want:  []Challenge{ch("Basic", `Basic realm="foo", charset="UTF-8"`, "realm", "foo", "charset", "UTF-8")},
	},
	{
		name: "03 RFC 7616 two field lines, comma inside qop",
		lines: []string{
			`Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
			`Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
		},
		want: []Challenge{
			ch("Digest", `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
				"realm", "http-auth@example.org", "qop", "auth, auth-int", "algorithm", "SHA-256",
				"nonce", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "opaque", "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"),
			ch("Digest", `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
				"realm", "http-auth@example.org", "qop", "auth, auth-int", "algorithm", "MD5",
				"nonce", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "opaque", "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"),
		},
	},
	{
		name:  "04 RFC 7616 SHA-512-256 unquoted tokens",
		lines: []string{`Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", charset=UTF-8, userhash=true`},
		want: []Challenge{ch("Digest", `Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", charset=UTF-8, userhash=true`,
			"realm", "api@example.org", "qop", "auth", "algorithm", "SHA-512-256",
			"nonce", "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", "opaque", "HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS",
			"charset", "UTF-8", "userhash", "true")},
	},
	{
		name:  "05 Axis camera, = inside quotes, stale",
		lines: []string{`Digest realm="AXIS_ACCC8EB3494E", nonce="PNHWZB6nBQA=316099a140230c2db387fc75ee1c8ae838a750d8", stale=true, algorithm=MD5, qop="auth"`},
		want: []Challenge{ch("Digest", `Digest realm="AXIS_ACCC8EB3494E", nonce="PNHWZB6nBQA=316099a140230c2db387fc75ee1c8ae838a750d8", stale=true, algorithm=MD5, qop="auth"`,
			"realm", "AXIS_ACCC8EB3494E", "nonce", "PNHWZB6nBQA=316099a140230c2db387fc75ee1c8ae838a750d8",
			"stale", "true", "algorithm", "MD5", "qop", "auth")},
	},
	{
		name:  "06 upper-case scheme, space in realm",
		lines: []string{`DIGEST realm="DLI LPC92601002528", nonce="NZAeQHhoCNifFjFa"`},
		want: []Challenge{ch("DIGEST", `DIGEST realm="DLI LPC92601002528", nonce="NZAeQHhoCNifFjFa"`,
			"realm", "DLI LPC92601002528", "nonce", "NZAeQHhoCNifFjFa")},
	},
	{
		name:  "07 SIP inconsistent spacing, empty quoted value, TRUE",
		lines: []string{`Digest realm="atlanta.com",domain="sip:ss1.carrier.com", qop="auth",nonce="f84f1cec41e6cbe5aea9c8e88d359",opaque="", stale=TRUE, algorithm=MD5`},
		want: []Challenge{ch("Digest", `Digest realm="atlanta.com",domain="sip:ss1.carrier.com", qop="auth",nonce="f84f1cec41e6cbe5aea9c8e88d359",opaque="", stale=TRUE, algorithm=MD5`,
			"realm", "atlanta.com", "domain", "sip:ss1.carrier.com", "qop", "auth",
			"nonce", "f84f1cec41e6cbe5aea9c8e88d359", "opaque", "", "stale", "TRUE", "algorithm", "MD5")},
	},
	{
		name: "08 IIS three field lines, middle token68",
		lines: []string{
			`NTLM`,
			`Nego2 YHYGBisGAQUFAqBsMGqgPDA6BgorBgEEAYI3AgIeBgkqhkiC9xIBAgIGCSqGSIb3EgECAgYKKoZIhvcSAQICAwYKKwYBBAGCNwICCqMqMCigJhskbm90X2RlZmluZWRfaW5fUkZDNDE3OEBwbGVhc2VfaWdub3Jl`,
			`Negotiate`,
		},
		want: []Challenge{
			ch("NTLM", "NTLM"),
			ch68("Nego2", "YHYGBisGAQUFAqBsMGqgPDA6BgorBgEEAYI3AgIeBgkqhkiC9xIBAgIGCSqGSIb3EgECAgYKKoZIhvcSAQICAwYKKwYBBAGCNwICCqMqMCigJhskbm90X2RlZmluZWRfaW5fUkZDNDE3OEBwbGVhc2VfaWdub3Jl",
				"Nego2 YHYGBisGAQUFAqBsMGqgPDA6BgorBgEEAYI3AgIeBgkqhkiC9xIBAgIGCSqGSIb3EgECAgYKKoZIhvcSAQICAwYKKwYBBAGCNwICCqMqMCigJhskbm90X2RlZmluZWRfaW5fUkZDNDE3OEBwbGVhc2VfaWdub3Jl"),
			ch("Negotiate", "Negotiate"),
		},
	},
	{
		name:  "09a Docker Hub no spaces after commas",
		lines: []string{`Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"`},
		want: []Challenge{ch("Bearer", `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"`,
			"realm", "https://auth.docker.io/token", "service", "registry.docker.io", "scope", "repository:samalba/my-app:pull,push")},
	},
	{
		name:  "09b Docker Hub with error",
		lines: []string{`Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:<repo>:pull",error="insufficient_scope"`},
		want: []Challenge{ch("Bearer", `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:<repo>:pull",error="insufficient_scope"`,
			"realm", "https://auth.docker.io/token", "service", "registry.docker.io", "scope", "repository:<repo>:pull", "error", "insufficient_scope")},
	},
	{
		name:  "09c self-hosted registry, space inside value",
		lines: []string{`Bearer realm="https://registry.example/auth",service="Docker registry",scope="repository:app:pull"`},
		want: []Challenge{ch("Bearer", `Bearer realm="https://registry.example/auth",service="Docker registry",scope="repository:app:pull"`,
			"realm", "https://registry.example/auth", "service", "Docker registry", "scope", "repository:app:pull")},
	},
	{
		name:  "10a RFC 6750 realm only",
		lines: []string{`Bearer realm="example"`},
		want:  []Challenge{ch("Bearer", `Bearer realm="example"`, "realm", "example")},
	},
	{
		name:  "10b RFC 6750 invalid_token",
		lines: []string{`Bearer realm="example", error="invalid_token", error_description="The access token expired"`},
		want: []Challenge{ch("Bearer", `Bearer realm="example", error="invalid_token", error_description="The access token expired"`,
			"realm", "example", "error", "invalid_token", "error_description", "The access token expired")},
	},
	{
		name:  "11 AWS HTTP API params separated by spaces",
		lines: []string{`Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"`},
		want: []Challenge{ch("Bearer", `Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"`,
			"scope", "", "error", "invalid_token", "error_description", "the token does not have a valid audience")},
	},
	{
		name:  "12 Microsoft double spaces and trailing comma",
		lines: []string{`Bearer authorization_uri="https://login.window.net/contoso.com/oauth2/authorize",  error="invalid_token",  error_description="The access token is missing.",`},
		want: []Challenge{ch("Bearer", `Bearer authorization_uri="https://login.window.net/contoso.com/oauth2/authorize",  error="invalid_token",  error_description="The access token is missing."`,
			"authorization_uri", "https://login.window.net/contoso.com/oauth2/authorize", "error", "invalid_token",
			"error_description", "The access token is missing.")},
	},
	{
		name:  "13 Azure Key Vault",
		lines: []string{`Bearer authorization="https://login.windows.net/azure_tenant_id", resource="https://vault.azure.net"`},
		want: []Challenge{ch("Bearer", `Bearer authorization="https://login.windows.net/azure_tenant_id", resource="https://vault.azure.net"`,
			"authorization", "https://login.windows.net/azure_tenant_id", "resource", "https://vault.azure.net")},
	},
	{
		name:  "14 Azure CAE claims with base64 padding",
		lines: []string{`Bearer authorization_uri="https://login.windows-ppe.net/", error="invalid_token", error_description="User session has been revoked", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwMzc0MjgwMCJ9fX0="`},
		want: []Challenge{ch("Bearer", `Bearer authorization_uri="https://login.windows-ppe.net/", error="invalid_token", error_description="User session has been revoked", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwMzc0MjgwMCJ9fX0="`,
			"authorization_uri", "https://login.windows-ppe.net/", "error", "invalid_token",
			"error_description", "User session has been revoked",
			"claims", "eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwMzc0MjgwMCJ9fX0=")},
	},
	{
		name:  "15 Google long scope list",
		lines: []string{`Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="https://www.googleapis.com/auth/contacts https://www.google.com/m8/feeds …"`},
		want: []Challenge{ch("Bearer", `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="https://www.googleapis.com/auth/contacts https://www.google.com/m8/feeds …"`,
			"realm", "https://accounts.google.com/", "error", "insufficient_scope",
			"scope", "https://www.googleapis.com/auth/contacts https://www.google.com/m8/feeds …")},
	},
	{
		name:  "16 Spring Security colons and #",
		lines: []string{`Bearer error="invalid_token", error_description="An error occurred while attempting to decode the Jwt: Jwt expired at 2020-02-19T22:40:37Z", error_uri="https://tools.ietf.org/html/rfc6750#section-3.1"`},
		want: []Challenge{ch("Bearer", `Bearer error="invalid_token", error_description="An error occurred while attempting to decode the Jwt: Jwt expired at 2020-02-19T22:40:37Z", error_uri="https://tools.ietf.org/html/rfc6750#section-3.1"`,
			"error", "invalid_token",
			"error_description", "An error occurred while attempting to decode the Jwt: Jwt expired at 2020-02-19T22:40:37Z",
			"error_uri", "https://tools.ietf.org/html/rfc6750#section-3.1")},
	},
	{
		name:  "17 Keycloak",
		lines: []string{`Bearer realm="master", error="invalid_token", error_description="Token verification failed"`},
		want: []Challenge{ch("Bearer", `Bearer realm="master", error="invalid_token", error_description="Token verification failed"`,
			"realm", "master", "error", "invalid_token", "error_description", "Token verification failed")},
	},
	{
		name:  "18a DPoP algs",
		lines: []string{`DPoP algs="ES256 PS256"`},
		want:  []Challenge{ch("DPoP", `DPoP algs="ES256 PS256"`, "algs", "ES256 PS256")},
	},
	{
		name:  "18b DPoP invalid_token",
		lines: []string{`DPoP error="invalid_token", error_description="Invalid DPoP key binding", algs="ES256"`},
		want: []Challenge{ch("DPoP", `DPoP error="invalid_token", error_description="Invalid DPoP key binding", algs="ES256"`,
			"error", "invalid_token", "error_description", "Invalid DPoP key binding", "algs", "ES256")},
	},
	{
		name:  "18c DPoP use_dpop_nonce",
		lines: []string{`DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"`},
		want: []Challenge{ch("DPoP", `DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"`,
			"error", "use_dpop_nonce", "error_description", "Resource server requires nonce in DPoP proof")},
	},
	{
		name:  "19 Atlassian OAuth percent-encoded realm",
		lines: []string{`OAuth realm="https%3A%2F%2Fmy-jira.my-company.com"`},
		want:  []Challenge{ch("OAuth", `OAuth realm="https%3A%2F%2Fmy-jira.my-company.com"`, "realm", "https%3A%2F%2Fmy-jira.my-company.com")},
	},
	{
		name:  "20a xBasic",
		lines: []string{`xBasic realm="fake"`},
		want:  []Challenge{ch("xBasic", `xBasic realm="fake"`, "realm", "fake")},
	},
	{
		name:  "20b bare XBasic",
		lines: []string{`XBasic`},
		want:  []Challenge{ch("XBasic", `XBasic`)},
	},
	{
		name:  "20c xBasic charset",
		lines: []string{`xBasic realm="d2w fhir serve", charset="UTF-8"`},
		want:  []Challenge{ch("xBasic", `xBasic realm="d2w fhir serve", charset="UTF-8"`, "realm", "d2w fhir serve", "charset", "UTF-8")},
	},
	{
		name:  "21 invalid token68",
		lines: []string{`Token <token>`},
		want:  []Challenge{ch("Token", `Token <token>`)},
	},
	{
		name:  "22 legacy Kubernetes",
		lines: []string{`Basic realm="kubernetes-master"`},
		want:  []Challenge{ch("Basic", `Basic realm="kubernetes-master"`, "realm", "kubernetes-master")},
	},
	{
		name:  "23 Proxy-Authenticate",
		lines: []string{`Basic realm="corp-proxy"`},
		want:  []Challenge{ch("Basic", `Basic realm="corp-proxy"`, "realm", "corp-proxy")},
	},

	// Edge cases.
	{
		name:  "empty header value",
		lines: []string{""},
		want:  nil,
	},
	{
		name:  "no lines",
		lines: nil,
		want:  nil,
	},
	{
		name:  "only commas and spaces",
		lines: []string{" , ,\t,"},
		want:  nil,
	},
	{
		name:  "joined by the tool equals two lines",
		lines: []string{`Basic realm="a", Bearer realm="b", error="invalid_token"`},
		want: []Challenge{
			ch("Basic", `Basic realm="a"`, "realm", "a"),
			ch("Bearer", `Bearer realm="b", error="invalid_token"`, "realm", "b", "error", "invalid_token"),
		},
	},
	{
		name:  "separate lines",
		lines: []string{`Basic realm="a"`, `Bearer realm="b", error="invalid_token"`},
		want: []Challenge{
			ch("Basic", `Basic realm="a"`, "realm", "a"),
			ch("Bearer", `Bearer realm="b", error="invalid_token"`, "realm", "b", "error", "invalid_token"),
		},
	},
	{
		name:  "repeated param keeps first, names case-insensitive",
		lines: []string{`Basic realm="first", REALM="second", Charset=utf-8`},
		want:  []Challenge{ch("Basic", `Basic realm="first", REALM="second", Charset=utf-8`, "realm", "first", "charset", "utf-8")},
	},
	{
		name:  "unquoted realm",
		lines: []string{`Basic realm=unquoted-token`},
		want:  []Challenge{ch("Basic", `Basic realm=unquoted-token`, "realm", "unquoted-token")},
	},
	{
		name:  "escaped backslash and quote",
		lines: []string{`Basic realm="a\\b \"c\" \d"`},
		want:  []Challenge{ch("Basic", `Basic realm="a\\b \"c\" \d"`, "realm", `a\b "c" d`)},
	},
	{
		name:  "non-ASCII realm",
		lines: []string{"Basic realm=\"Zürich Büro\", charset=\"UTF-8\""},
		want:  []Challenge{ch("Basic", "Basic realm=\"Zürich Büro\", charset=\"UTF-8\"", "realm", "Zürich Büro", "charset", "UTF-8")},
	},
	{
		name:  "token68 with padding is not a param",
		lines: []string{`Negotiate abc==, Custom xyz=`},
		want:  []Challenge{ch68("Negotiate", "abc==", "Negotiate abc=="), ch68("Custom", "xyz=", "Custom xyz=")},
	},
	{
		name:  "token68 with slash and plus",
		lines: []string{`Negotiate YII+/w==`},
		want:  []Challenge{ch68("Negotiate", "YII+/w==", "Negotiate YII+/w==")},
	},
	{
		name:  "BWS around equals",
		lines: []string{`Basic realm = "spaced" , charset= UTF-8`},
		want:  []Challenge{ch("Basic", `Basic realm = "spaced" , charset= UTF-8`, "realm", "spaced", "charset", "UTF-8")},
	},
	{
		name:  "empty elements everywhere",
		lines: []string{`, ,Basic realm="x", , charset="UTF-8",, ,`},
		want:  []Challenge{ch("Basic", `Basic realm="x", , charset="UTF-8"`, "realm", "x", "charset", "UTF-8")},
	},
	{
		name:  "tabs as separators",
		lines: []string{"Basic\trealm=\"t\",\tBearer\trealm=\"u\""},
		want:  []Challenge{ch("Basic", "Basic\trealm=\"t\"", "realm", "t"), ch("Bearer", "Bearer\trealm=\"u\"", "realm", "u")},
	},
	{
		name:  "second challenge after spaces only",
		lines: []string{`Bearer realm="a" Basic realm="b"`},
		want:  []Challenge{ch("Bearer", `Bearer realm="a"`, "realm", "a"), ch("Basic", `Basic realm="b"`, "realm", "b")},
	},
	{
		name:  "unterminated quoted string",
		lines: []string{`Basic realm="never closed, charset=UTF-8`},
		want:  []Challenge{ch("Basic", `Basic realm="never closed, charset=UTF-8`, "realm", "never closed, charset=UTF-8")},
	},
	{
		name:  "line starting with a param continues the last challenge",
		lines: []string{`Digest realm="r"`, `nonce="n", qop="auth"`},
		want:  []Challenge{ch("Digest", `Digest realm="r", nonce="n", qop="auth"`, "realm", "r", "nonce", "n", "qop", "auth")},
	},
	{
		name:  "param before any scheme is dropped",
		lines: []string{`realm="orphan", Basic realm="x"`},
		want:  []Challenge{ch("Basic", `Basic realm="x"`, "realm", "x")},
	},
	{
		name:  "junk that is not a token",
		lines: []string{`"quoted", Basic realm="x", <junk>, @`},
		want:  []Challenge{ch("Basic", `Basic realm="x", <junk>, @`, "realm", "x")},
	},
	{
		name:  "junk glued to scheme and value",
		lines: []string{`Basic"x", Bearer realm="a"b, error=e`},
		want:  []Challenge{ch("Basic", `Basic"x"`), ch("Bearer", `Bearer realm="a"b, error=e`, "realm", "a", "error", "e")},
	},
	{
		name:  "empty unquoted value",
		lines: []string{`Basic charset=UTF-8, realm=`},
		want:  []Challenge{ch("Basic", `Basic charset=UTF-8, realm=`, "realm", "", "charset", "UTF-8")},
	},
	{
		// RFC 9110 §11.2: "word=" right after the scheme is a token68.
		name:  "name= right after the scheme is a token68",
		lines: []string{`Custom realm=, charset=UTF-8`},
		want: []Challenge{{Scheme: "Custom", Token68: "realm=", Params: map[string]string{"charset": "UTF-8"},
			Raw: `Custom realm=, charset=UTF-8`}},
	},
	{
		name:  "data after a token68",
		lines: []string{`Negotiate abc def, Basic realm="x"`},
		want:  []Challenge{ch68("Negotiate", "abc", "Negotiate abc def"), ch("Basic", `Basic realm="x"`, "realm", "x")},
	},
	{
		name:  "unquoted value with characters a token may not hold",
		lines: []string{`Digest realm=a/b:c, nonce=YWJj==, stale=true`},
		want:  []Challenge{ch("Digest", `Digest realm=a/b:c, nonce=YWJj==, stale=true`, "realm", "a/b:c", "nonce", "YWJj==", "stale", "true")},
	},
}

func TestParseChallenges(t *testing.T) {
	for _, tc := range challengeVectors {
		t.Run(tc.name, func(t *testing.T) {
			got := ParseChallenges(tc.lines)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseChallenges(%q)\n got %#v\nwant %#v", tc.lines, got, tc.want)
			}
		})
	}
}

func TestChallengeIsAndParam(t *testing.T) {
	got := ParseChallenges([]string{`DIGEST Realm="r", STALE=True`})
	if len(got) != 1 {
		t.Fatalf("got %d challenges, want 1", len(got))
	}
	c := got[0]
	if !c.Is("digest") || c.Is("basic") {
		t.Errorf("Is: scheme %q", c.Scheme)
	}
	if c.Param("REALM") != "r" || c.Param("stale") != "True" || c.Param("nonce") != "" {
		t.Errorf("Param: %v", c.Params)
	}
}

// TestParseChallengesFromRealServer reads the field lines the way probe
// does, from a real HTTP response whose handler writes the header name in
// lower case and repeats it.
func TestParseChallengesFromRealServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Direct map access keeps the lower-case name on the wire.
		w.Header()["www-authenticate"] = []string{
			`Negotiate`,
			`Basic realm="corp", charset="UTF-8"`,
			`Bearer scope="" error="invalid_token" error_description="expired"`,
		}
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	lines := resp.Header.Values("Www-Authenticate")
	got := ParseChallenges(lines)
	want := []Challenge{
		ch("Negotiate", "Negotiate"),
		ch("Basic", `Basic realm="corp", charset="UTF-8"`, "realm", "corp", "charset", "UTF-8"),
		ch("Bearer", `Bearer scope="" error="invalid_token" error_description="expired"`,
			"scope", "", "error", "invalid_token", "error_description", "expired"),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lines %q\n got %#v\nwant %#v", lines, got, want)
	}
}

// TestParseChallengesLinear checks that hostile input of a few megabytes is
// parsed in time proportional to its size.
func TestParseChallengesLinear(t *testing.T) {
	inputs := map[string]string{
		"quotes":    strings.Repeat(`"`, 1<<20),
		"backslash": `Basic realm="` + strings.Repeat(`\`, 1<<20),
		"params":    "Basic " + strings.Repeat(`a=b `, 1<<18),
		"equals":    "Basic " + strings.Repeat("=", 1<<20),
		"schemes":   strings.Repeat("A ", 1<<19),
		"commas":    strings.Repeat(",", 1<<20),
		"token68":   "Negotiate " + strings.Repeat("a", 1<<20) + "==",
	}
	for name, in := range inputs {
		start := time.Now()
		ParseChallenges([]string{in, in})
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s: %v for %d bytes", name, d, 2*len(in))
		}
	}
}

func FuzzParseChallenges(f *testing.F) {
	for _, tc := range challengeVectors {
		f.Add(strings.Join(tc.lines, "\n"))
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := ParseChallenges(strings.Split(in, "\n"))
		for _, c := range got {
			if !isToken(c.Scheme) {
				t.Fatalf("scheme %q is not a token (input %q)", c.Scheme, in)
			}
			if c.Params == nil {
				t.Fatalf("nil Params for %q", in)
			}
			if !strings.HasPrefix(c.Raw, c.Scheme) {
				t.Fatalf("Raw %q does not start with scheme %q", c.Raw, c.Scheme)
			}
			for name := range c.Params {
				if !isToken(name) || name != strings.ToLower(name) {
					t.Fatalf("param name %q", name)
				}
			}
		}
	})
}
