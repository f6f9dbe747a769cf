package probe

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Secrets used in the commands below; none may appear in an error or a note.
const (
	chromeJWT     = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlX3NlY3JldA"
	sessionSecret = "7f3a9c2e1bSESSION"
	postmanToken  = "pm_live_9a8b7c6d5e4f3a2b"
	apiKeySecret  = "pk_9f8e7d6c5b4aSECRET"
	passwordSec   = "hunter2-Pa55word"
)

const chromeUA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"
const firefoxUA = "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0"

// Commands as the browsers and Postman emit them.
var (
	chromeGet = `curl 'https://app.example.com/api/v1/me?include=teams' \
  -H 'accept: application/json, text/plain, */*' \
  -H 'accept-language: en-GB,en-US;q=0.9,en;q=0.8' \
  -H 'authorization: Bearer ` + chromeJWT + `' \
  -b '_ga=GA1.1.123456789.1700000000; session=` + sessionSecret + `; csrftoken=Zx9' \
  -H 'priority: u=1, i' \
  -H 'referer: https://app.example.com/dashboard' \
  -H 'sec-ch-ua: "Chromium";v="130", "Google Chrome";v="130", "Not?A_Brand";v="99"' \
  -H 'sec-ch-ua-mobile: ?0' \
  -H 'sec-ch-ua-platform: "macOS"' \
  -H 'sec-fetch-dest: empty' \
  -H 'sec-fetch-mode: cors' \
  -H 'sec-fetch-site: same-origin' \
  -H 'user-agent: ` + chromeUA + `'`

	chromePost = `curl 'https://app.example.com/graphql' \
  -H 'accept: */*' \
  -H 'content-type: application/json' \
  -b 'session=` + sessionSecret + `' \
  -H 'origin: https://app.example.com' \
  -H 'user-agent: ` + chromeUA + `' \
  --data-raw $'{"query":"query { me { name } }","variables":{"q":"it\'s caf\u00e9"}}'`

	chromePut = `curl 'https://app.example.com/api/items/42?filter\[status\]=open&sort\[\]=name' \
  -X 'PUT' \
  -H 'accept: application/json' \
  -H 'content-type: application/json' \
  -b 'session=` + sessionSecret + `' \
  --data-raw '{"done":true}'`

	// Chrome's "Copy all as cURL" joins the commands with " ;\n".
	chromeAll = `curl 'https://app.example.com/api/a' \
  -H 'accept: */*' \
  -b 'session=` + sessionSecret + `' ;
curl 'https://app.example.com/api/b' \
  -H 'accept: */*' \
  -b 'session=` + sessionSecret + `'`

	firefoxPost = `curl 'https://app.example.com/api/login' --compressed -X POST -H 'User-Agent: ` + firefoxUA + `' -H 'Accept: application/json' -H 'Accept-Language: en-US,en;q=0.5' -H 'Accept-Encoding: gzip, deflate, br, zstd' -H 'Content-Type: application/json' -H 'Origin: https://app.example.com' -H 'Connection: keep-alive' -H 'Referer: https://app.example.com/login' -H 'Cookie: csrftoken=Zx9; session=` + sessionSecret + `' -H 'Sec-Fetch-Dest: empty' -H 'Sec-Fetch-Mode: cors' -H 'Sec-Fetch-Site: same-origin' -H 'Priority: u=0' --data-raw '{"username":"ada","password":"` + passwordSec + `"}'`

	firefoxDelete = `curl 'https://app.example.com/api/items/42' \
  -X 'DELETE' \
  --compressed \
  -H 'User-Agent: ` + firefoxUA + `' \
  -H 'Accept: */*' \
  -H 'Authorization: Basic ` + base64.StdEncoding.EncodeToString([]byte("ada:"+passwordSec)) + `' \
  -H 'Connection: keep-alive'`

	postmanPost = `curl --location 'https://api.example.com/v2/orders?status=open' \
--header 'Authorization: Bearer ` + postmanToken + `' \
--header 'Content-Type: application/json' \
--data '{
    "customer": "ada",
    "items": [1, 2]
}'`

	postmanOld = `curl --location --request GET 'https://api.example.com/v2/orders' \
--header 'x-api-key: ` + apiKeySecret + `' \
--header 'Cookie: AWSALB=abc; AWSALBCORS=abc'`
)

func TestParseCurlBrowserCommands(t *testing.T) {
	tests := []struct {
		name string
		cmd  string
		want Request
	}{
		{"Chrome GET", chromeGet, Request{
			URL: "https://app.example.com/api/v1/me?include=teams",
			Headers: []Field{
				{"accept", "application/json, text/plain, */*"},
				{"accept-language", "en-GB,en-US;q=0.9,en;q=0.8"},
				{"authorization", "Bearer " + chromeJWT},
				{"priority", "u=1, i"},
				{"referer", "https://app.example.com/dashboard"},
				{"sec-ch-ua", `"Chromium";v="130", "Google Chrome";v="130", "Not?A_Brand";v="99"`},
				{"sec-ch-ua-mobile", "?0"},
				{"sec-ch-ua-platform", `"macOS"`},
				{"sec-fetch-dest", "empty"},
				{"sec-fetch-mode", "cors"},
				{"sec-fetch-site", "same-origin"},
				{"user-agent", chromeUA},
			},
			Cookies: []Cookie{{Name: "_ga", Value: "GA1.1.123456789.1700000000"}, {Name: "session", Value: sessionSecret}, {Name: "csrftoken", Value: "Zx9"}},
		}},
		{"Chrome POST with $'…' body", chromePost, Request{
			URL:    "https://app.example.com/graphql",
			Method: "POST",
			Headers: []Field{
				{"accept", "*/*"},
				{"content-type", "application/json"},
				{"origin", "https://app.example.com"},
				{"user-agent", chromeUA},
			},
			Cookies: []Cookie{{Name: "session", Value: sessionSecret}},
			Body:    `{"query":"query { me { name } }","variables":{"q":"it's café"}}`,
		}},
		{"Chrome PUT with escaped brackets", chromePut, Request{
			URL:     "https://app.example.com/api/items/42?filter[status]=open&sort[]=name",
			Method:  "PUT",
			Headers: []Field{{"accept", "application/json"}, {"content-type", "application/json"}},
			Cookies: []Cookie{{Name: "session", Value: sessionSecret}},
			Body:    `{"done":true}`,
		}},
		{"Chrome copy all", chromeAll, Request{
			URL:     "https://app.example.com/api/a",
			Headers: []Field{{"accept", "*/*"}},
			Cookies: []Cookie{{Name: "session", Value: sessionSecret}},
			Notes:   []string{"used the first of 2 curl commands; fix401 checks one request at a time"},
		}},
		{"Firefox POST", firefoxPost, Request{
			URL:    "https://app.example.com/api/login",
			Method: "POST",
			Headers: []Field{
				{"User-Agent", firefoxUA},
				{"Accept", "application/json"},
				{"Accept-Language", "en-US,en;q=0.5"},
				{"Accept-Encoding", "gzip, deflate, br, zstd"},
				{"Content-Type", "application/json"},
				{"Origin", "https://app.example.com"},
				{"Connection", "keep-alive"},
				{"Referer", "https://app.example.com/login"},
				{"Cookie", "csrftoken=Zx9; session=" + sessionSecret},
				{"Sec-Fetch-Dest", "empty"},
				{"Sec-Fetch-Mode", "cors"},
				{"Sec-Fetch-Site", "same-origin"},
				{"Priority", "u=0"},
			},
			Body: `{"username":"ada","password":"` + passwordSec + `"}`,
		}},
		{"Firefox DELETE with Basic", firefoxDelete, Request{
			URL:    "https://app.example.com/api/items/42",
			Method: "DELETE",
			Headers: []Field{
				{"User-Agent", firefoxUA},
				{"Accept", "*/*"},
				{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("ada:"+passwordSec))},
				{"Connection", "keep-alive"},
			},
		}},
		{"Postman POST", postmanPost, Request{
			URL:     "https://api.example.com/v2/orders?status=open",
			Method:  "POST",
			Headers: []Field{{"Authorization", "Bearer " + postmanToken}, {"Content-Type", "application/json"}},
			Body:    "{\n    \"customer\": \"ada\",\n    \"items\": [1, 2]\n}",
		}},
		{"Postman GET, older style", postmanOld, Request{
			URL:     "https://api.example.com/v2/orders",
			Method:  "GET",
			Headers: []Field{{"x-api-key", apiKeySecret}, {"Cookie", "AWSALB=abc; AWSALBCORS=abc"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCurl(tt.cmd)
			if err != nil {
				t.Fatalf("ParseCurl: %v", err)
			}
			assertRequest(t, got, tt.want)
			// The same command pasted with Windows line ends, as curl.exe, or
			// after a prompt gives the same request.
			for _, variant := range []string{
				strings.ReplaceAll(tt.cmd, "\n", "\r\n"),
				"curl.exe" + strings.TrimPrefix(tt.cmd, "curl"),
				"$ " + tt.cmd,
				"```bash\n" + tt.cmd + "\n```",
			} {
				again, err := ParseCurl(variant)
				if err != nil {
					t.Fatalf("variant: %v", err)
				}
				assertRequest(t, again, tt.want)
			}
		})
	}
}

// assertRequest compares two requests field by field, so that a failure says
// which field differs.
func assertRequest(t *testing.T, got, want Request) {
	t.Helper()
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range gv.NumField() {
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			t.Errorf("%s:\n got  %#v\n want %#v", gv.Type().Field(i).Name, gv.Field(i).Interface(), wv.Field(i).Interface())
		}
	}
}

func TestParseCurlFlags(t *testing.T) {
	const u = "https://h.example/p"
	form := Field{"Content-Type", "application/x-www-form-urlencoded"}
	tests := []struct {
		name string
		cmd  string
		want Request
	}{
		{"bare URL", `curl ` + u, Request{URL: u}},
		{"--url", `curl --url ` + u, Request{URL: u}},
		{"-X", `curl -X PATCH ` + u, Request{URL: u, Method: "PATCH"}},
		{"-XPOST attached", `curl -XPOST ` + u, Request{URL: u, Method: "POST"}},
		{"--request", `curl --request OPTIONS ` + u, Request{URL: u, Method: "OPTIONS"}},
		{"-H repeated", `curl -H 'A: 1' -H 'A: 2' --header 'B:3' ` + u, Request{URL: u, Headers: []Field{{"A", "1"}, {"A", "2"}, {"B", "3"}}}},
		{"-H attached", `curl '-HX-Token: abc' ` + u, Request{URL: u, Headers: []Field{{"X-Token", "abc"}}}},
		{"-H value kept as typed", `curl -H $'Authorization:  Bearer abc \n' ` + u, Request{URL: u, Headers: []Field{{"Authorization", "Bearer abc \n"}}}},
		{"-H empty-value syntax", `curl -H 'X-Empty;' ` + u, Request{URL: u, Headers: []Field{{"X-Empty", ""}}}},
		{"-H removal syntax is skipped", `curl -H 'Accept:' ` + u, Request{URL: u,
			Notes: []string{"skipped the header Accept: with no value: in curl it removes a header curl adds itself"}}},
		{"-u user:pass", `curl -u 'ada:` + passwordSec + `' ` + u, Request{URL: u, User: "ada", Password: passwordSec, HasUser: true}},
		{"-u password with colon", `curl --user 'ada:a:b' ` + u, Request{URL: u, User: "ada", Password: "a:b", HasUser: true}},
		{"-u user alone", `curl -u ada ` + u, Request{URL: u, User: "ada", HasUser: true,
			Notes: []string{"-u gives no password: curl would ask for one; an empty password is used"}}},
		{"-u empty user", `curl -u : ` + u, Request{URL: u, HasUser: true}},
		{"-b string", `curl -b 'a=1; b=2' ` + u, Request{URL: u, Cookies: []Cookie{{Name: "a", Value: "1"}, {Name: "b", Value: "2"}}}},
		{"-b twice", `curl -b a=1 --cookie b=2 ` + u, Request{URL: u, Cookies: []Cookie{{Name: "a", Value: "1"}, {Name: "b", Value: "2"}}}},
		{"-b empty", `curl -b '' ` + u, Request{URL: u}},
		{"-d", `curl -d a=1 ` + u, Request{URL: u, Method: "POST", Body: "a=1", Headers: []Field{form}}},
		{"-d several joined with &", `curl -d a=1 --data b=2 --data-ascii c=3 --data-binary d=4 --data-raw e=5 ` + u,
			Request{URL: u, Method: "POST", Body: "a=1&b=2&c=3&d=4&e=5", Headers: []Field{form}}},
		{"-d with own Content-Type", `curl -H 'content-type: text/plain' -d x ` + u,
			Request{URL: u, Method: "POST", Body: "x", Headers: []Field{{"content-type", "text/plain"}}}},
		{"--data-raw never reads a file", `curl --data-raw @nonexistent.json ` + u,
			Request{URL: u, Method: "POST", Body: "@nonexistent.json", Headers: []Field{form}}},
		{"--data-urlencode forms", `curl --data-urlencode 'a b' --data-urlencode '=c&d' --data-urlencode 'n=x y' --data-urlencode 'a@b=c' ` + u,
			Request{URL: u, Method: "POST", Body: "a+b&c%26d&n=x+y&a@b=c", Headers: []Field{form}}},
		{"--json", `curl --json '{"a":' --json '1}' ` + u,
			Request{URL: u, Method: "POST", Body: `{"a":1}`, Headers: []Field{{"Content-Type", "application/json"}, {"Accept", "application/json"}}}},
		{"-G moves data to the query", `curl -G -d a=1 -d b=2 '` + u + `?x=1#frag'`, Request{URL: u + "?x=1&a=1&b=2#frag"}},
		{"--get with no query yet", `curl --get --data-urlencode 'q=a b' ` + u, Request{URL: u + "?q=a+b"}},
		{"-G with -X keeps the method", `curl -X POST -G -d a=1 ` + u, Request{URL: u + "?a=1", Method: "POST"}},
		{"-X wins over -d", `curl -X PUT -d a=1 ` + u, Request{URL: u, Method: "PUT", Body: "a=1", Headers: []Field{form}}},
		{"--url-query", `curl --url-query 'q=a b' --url-query '+r=a b' ` + u, Request{URL: u + "?q=a+b&r=a b"}},
		{"--oauth2-bearer", `curl --oauth2-bearer ` + postmanToken + ` ` + u, Request{URL: u, Bearer: postmanToken}},
		{"-A", `curl -A 'agent/1.0' ` + u, Request{URL: u, Headers: []Field{{"User-Agent", "agent/1.0"}}}},
		{"-H User-Agent wins over -A", `curl -A one -H 'user-agent: two' ` + u, Request{URL: u, Headers: []Field{{"user-agent", "two"}}}},
		{"-A empty", `curl -A '' ` + u, Request{URL: u}},
		{"-e", `curl -e 'https://from.example/;auto' ` + u, Request{URL: u, Headers: []Field{{"Referer", "https://from.example/"}}}},
		{"--referer", `curl --referer https://from.example/ ` + u, Request{URL: u, Headers: []Field{{"Referer", "https://from.example/"}}}},
		{"-k", `curl -k ` + u, Request{URL: u, Insecure: true}},
		{"--insecure then --no-insecure", `curl --insecure --no-insecure ` + u, Request{URL: u}},
		{"-L is silent", `curl -L --location ` + u, Request{URL: u}},
		{"--location-trusted", `curl --location-trusted ` + u, Request{URL: u, LocationTrusted: true}},
		{"--max-redirs", `curl -L --max-redirs 3 ` + u, Request{URL: u, MaxRedirects: 3}},
		{"--max-redirs 0", `curl --max-redirs 0 ` + u, Request{URL: u, MaxRedirects: -1}},
		{"--max-redirs -1", `curl --max-redirs -1 ` + u, Request{URL: u,
			Notes: []string{"--max-redirs -1 (no limit) was replaced by fix401's limit of 10 redirects"}}},
		{"-x", `curl -x http://proxy.corp:3128 ` + u, Request{URL: u, Proxy: "http://proxy.corp:3128"}},
		{"--proxy with -U", `curl --proxy proxy.corp:3128 -U 'pu:pp' ` + u, Request{URL: u, Proxy: "http://pu:pp@proxy.corp:3128"}},
		{"-U without proxy", `curl -U pu:pp ` + u, Request{URL: u, Notes: []string{"skipped -U/--proxy-user: no proxy was given with -x"}}},
		{"--compressed", `curl --compressed ` + u, Request{URL: u}},
		{"-I", `curl -I ` + u, Request{URL: u, Method: "HEAD"}},
		{"--head with -G data", `curl --head -G -d a=1 ` + u, Request{URL: u + "?a=1", Method: "HEAD"}},
		{"-m", `curl -m 30 ` + u, Request{URL: u, Timeout: 30 * time.Second}},
		{"--max-time fraction", `curl --max-time 2.5 ` + u, Request{URL: u, Timeout: 2500 * time.Millisecond}},
		{"--max-time 0", `curl --max-time 0 ` + u, Request{URL: u, Notes: []string{"--max-time 0 (no limit) was replaced by fix401's default of 15 s"}}},
		{"--connect-timeout", `curl --connect-timeout 5 ` + u, Request{URL: u,
			Notes: []string{"skipped --connect-timeout: fix401 bounds the whole check with -m/--max-time"}}},
		{"output flags are silent", `curl -s -S -v -i -o out.html -w '%{http_code}' --silent --show-error --verbose --include --output x --write-out y --fail -f --no-progress-meter --progress-bar -# -D - -c jar.txt ` + u, Request{URL: u}},
		{"combined short flags", `curl -sSLk ` + u, Request{URL: u, Insecure: true}},
		{"combined with a value at the end", `curl -sSLkXPOST ` + u, Request{URL: u, Insecure: true, Method: "POST"}},
		{"combined with a value next", `curl -sSo out.txt ` + u, Request{URL: u}},
		{"-- ends flags", `curl -k -- ` + u, Request{URL: u, Insecure: true}},
		{"unknown long flag", `curl --frobnicate ` + u, Request{URL: u, Notes: []string{"skipped --frobnicate: fix401 does not use it"}}},
		{"unknown flag with =value hides the value", `curl --token=` + apiKeySecret + ` ` + u, Request{URL: u, Notes: []string{"skipped --token: fix401 does not use it"}}},
		{"known flag with =value", `curl --max-time=10 ` + u, Request{URL: u, Timeout: 10 * time.Second}},
		{"unknown flag's value is not a second URL", `curl --frobnicate-level 3 ` + u, Request{URL: u, Notes: []string{
			"skipped --frobnicate-level: fix401 does not use it",
			"took the argument after an unknown option as that option's value, not as a URL"}}},
		{"unknown flag without a value", `curl --frobnicate ` + u + ` -k`, Request{URL: u, Insecure: true, Notes: []string{
			"skipped --frobnicate: fix401 does not use it"}}},
		{"-x without a scheme", `curl -x proxy.corp:3128 ` + u, Request{URL: u, Proxy: "http://proxy.corp:3128"}},
		{"unknown short flag", `curl -W ` + u, Request{URL: u, Notes: []string{"skipped -W: fix401 does not use it"}}},
		{"skipped flags keep their values off the URL", `curl --retry 3 --resolve h.example:443:10.0.0.1 --cacert ca.pem --cert c.pem --key k.pem --limit-rate 1k -r 0-99 --http1.1 --http2 --tlsv1.2 -4 -6 ` + u,
			Request{URL: u, Notes: []string{
				"skipped --retry: fix401 does not use it",
				"skipped --resolve: fix401 connects to the address DNS gives",
				"skipped --cacert: fix401 uses Go's TLS settings and the system's certificate authorities",
				"skipped --cert: fix401 does not send client certificates",
				"skipped --key: fix401 does not send client certificates",
				"skipped --limit-rate: fix401 does not use it",
				"skipped -r: fix401 does not use it",
				"skipped --http1.1: fix401 lets Go choose the HTTP version",
				"skipped --http2: fix401 lets Go choose the HTTP version",
				"skipped --tlsv1.2: fix401 uses Go's TLS settings and the system's certificate authorities",
				"skipped -4: fix401 uses whichever address family connects",
				"skipped -6: fix401 uses whichever address family connects",
			}}},
		{"a skipped flag is noted once", `curl --retry 1 --retry 2 ` + u, Request{URL: u, Notes: []string{"skipped --retry: fix401 does not use it"}}},
		{"--ntlm", `curl --ntlm -u 'dom\ada:pw' ` + u, Request{URL: u, User: `dom\ada`, Password: "pw", HasUser: true,
			Notes: []string{"skipped --ntlm: fix401 does not do NTLM or Negotiate (Windows) sign-in"}}},
		{"--digest is answered when asked", `curl --digest -u ada:pw ` + u, Request{URL: u, User: "ada", Password: "pw", HasUser: true}},
		{"-F is skipped but POSTs", `curl -F 'file=@photo.jpg' ` + u, Request{URL: u, Method: "POST",
			Notes: []string{"skipped -F: fix401 does not send multipart forms or upload files, so the request went without a body"}}},
		{"-T is skipped but PUTs", `curl -T file.bin ` + u, Request{URL: u, Method: "PUT",
			Notes: []string{"skipped -T: fix401 does not send multipart forms or upload files, so the request went without a body"}}},
		{"--next stops at the first request", `curl ` + u + ` --next https://other.example/`, Request{URL: u,
			Notes: []string{"used the part before --next; fix401 checks one request at a time"}}},
		{"URL without a scheme", `curl h.example/p`, Request{URL: "http://h.example/p",
			Notes: []string{"the URL has no scheme: http:// was used, as curl does"}}},
		{"-g keeps backslashes", `curl -g 'https://h.example/a\[1\]'`, Request{URL: `https://h.example/a\[1\]`}},
		{"backslash-newline continuations and comments", "curl \\\n  -k \\\n  " + u + " # fetch it", Request{URL: u, Insecure: true}},
		{"lines that lost their backslashes", "curl " + u + "\n  -H 'A: 1'\n  --compressed", Request{URL: u, Headers: []Field{{"A", "1"}},
			Notes: []string{"joined 2 line(s) that continued the curl command without a trailing \\"}}},
		{"trailing backslash", "curl " + u + " \\", Request{URL: u}},
		{"double quotes and escapes", `curl -H "X-Q: \"a\" \$b" "` + u + `"`, Request{URL: u, Headers: []Field{{"X-Q", `"a" $b`}}}},
		{"variables set in the paste", "TOKEN=" + postmanToken + "\nexport HOST=h.example\ncurl -H \"Authorization: Bearer $TOKEN\" \"https://$HOST/p\"",
			Request{URL: u, Headers: []Field{{"Authorization", "Bearer " + postmanToken}}}},
		{"unset variable is empty and noted", `curl -H "Authorization: Bearer $API_TOKEN" ` + u,
			Request{URL: u, Headers: []Field{{"Authorization", "Bearer "}},
				Notes: []string{"left $API_TOKEN empty: fix401 does not read environment variables; paste the value in its place"}}},
		{"command substitution is not run", `curl -H "Authorization: Bearer $(gcloud auth print-access-token)" ` + u,
			Request{URL: u, Headers: []Field{{"Authorization", "Bearer "}},
				Notes: []string{"left $(…) and backtick command output empty: fix401 never runs commands from a pasted command; paste the output in their place"}}},
		{"pipeline keeps the curl", `curl -s ` + u + ` | jq .`, Request{URL: u}},
		{"path to curl", `/usr/bin/curl ` + u, Request{URL: u}},
		{"time curl", `time curl ` + u, Request{URL: u}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCurl(tt.cmd)
			if err != nil {
				t.Fatalf("ParseCurl(%q): %v", tt.cmd, err)
			}
			assertRequest(t, got, tt.want)
			for _, n := range got.Notes {
				for _, s := range []string{postmanToken, apiKeySecret, passwordSec} {
					if strings.Contains(n, s) {
						t.Errorf("note %q contains a secret", n)
					}
				}
			}
		})
	}
}

func TestParseCurlErrors(t *testing.T) {
	const u = "https://h.example/p"
	secrets := []string{chromeJWT, sessionSecret, postmanToken, apiKeySecret, passwordSec}
	tests := []struct {
		name, cmd, want string
	}{
		{"empty", "", "no curl command: the text is empty"},
		{"blank", "  \n\t ", "no curl command: the text is empty"},
		{"not curl", "wget " + u, "this is not a curl command: it must start with curl"},
		{"a token pasted alone", chromeJWT, "this is not a curl command"},
		{"a URL pasted alone", u + "?access_token=" + postmanToken, "this is not a curl command"},
		{"if statement", "if true; then curl " + u + "; fi", "this is not a curl command"},
		{"only assignments", "TOKEN=" + postmanToken, "this is not a curl command"},
		{"unclosed quote", `curl -H 'Authorization: Bearer ` + postmanToken + ` ` + u, "the curl command is cut short (a quote, $( or ${ is not closed, line 1)"},
		{"unclosed $(", `curl "$(cat ` + postmanToken, "the curl command is cut short"},
		{"bad shell", `curl ) ` + u, "the curl command cannot be read as a shell command: line 1, column 6: a command can only contain words and redirects; encountered `)`"},
		{"here-document", "curl -d @- " + u + " <<" + postmanToken, "the curl command cannot be read as a shell command: line 1, column "},
		{"Windows cmd copy", "curl \"" + u + "\" ^\n  -H ^\"accept: */*^\"", "this is a Windows cmd command (Copy as cURL (cmd)); in the browser's Network panel use Copy → Copy as cURL (bash)"},
		{"PowerShell copy", "$session = New-Object Microsoft.PowerShell.Commands.WebRequestSession\nInvoke-WebRequest -UseBasicParsing -Uri \"" + u + "\"", "this is a PowerShell command"},
		{"fetch copy", `fetch("` + u + `", {"headers": {"authorization": "Bearer ` + chromeJWT + `"}});`, "this is JavaScript (Copy as fetch)"},
		{"typographic quotes", "“curl " + u + "”", "the command starts with a typographic quote"},
		{"no URL", `curl -H 'Authorization: Bearer ` + postmanToken + `'`, "no URL in the curl command"},
		{"no URL, unset variable", `curl "$API_URL"`, "no URL in the curl command ($API_URL is not set here: fix401 does not read environment variables)"},
		{"two URLs", `curl ` + u + ` https://other.example/`, "the curl command has 2 URLs; fix401 checks one at a time"},
		{"-H without colon", `curl -H 'Authorization Bearer ` + postmanToken + `' ` + u, "-H number 1 has no colon: write it as Name: value"},
		{"second -H without colon", `curl -H 'A: 1' --header '` + postmanToken + `' ` + u, "--header number 2 has no colon"},
		{"-H with a space in the name", `curl -H 'Bearer ` + postmanToken + `: x' ` + u, "-H number 1 has a header name with a space or another character a name cannot have"},
		{"-H empty name", `curl -H ': ` + postmanToken + `' ` + u, "-H number 1 has no header name before the colon"},
		{"value missing at the end", `curl ` + u + ` -H`, "-H needs a value at the end of the curl command"},
		{"long value missing at the end", `curl ` + u + ` --user`, "--user needs a value at the end of the curl command"},
		{"bad method", `curl -X 'GET /admin' ` + u, "-X must be an HTTP method such as GET or POST"},
		{"negative max-time", `curl -m -5 ` + u, "-m must be a number of seconds, such as 30"},
		{"invalid max-time", `curl --max-time soon ` + u, "--max-time must be a number of seconds, such as 30"},
		{"NaN max-time", `curl --max-time NaN ` + u, "--max-time must be a number of seconds"},
		{"huge max-time", `curl --max-time 1e300 ` + u, "--max-time is too large"},
		{"bad max-redirs", `curl --max-redirs many ` + u, "--max-redirs must be a whole number of redirects"},
		{"HEAD with a body", `curl -I -d a=1 ` + u, "the curl command asks for both HEAD (-I) and a body (-d or -F); curl refuses that too"},
		{"ftp URL", `curl ftp://files.example/x`, "fix401 checks http and https URLs, not ftp:"},
		{"invalid URL", `curl 'https://h.example:port/'`, "the URL in the curl command is not valid"},
		{"no host", `curl 'https:///path'`, "the URL in the curl command has no host name"},
		{"missing cookie file", `curl -b nope.txt ` + u, `cookie file "nope.txt": no such file`},
		{"missing data file", `curl -d @nope.json ` + u, `data file "nope.json": no such file`},
		{"missing --data-binary file", `curl --data-binary @nope.bin ` + u, `data file "nope.bin": no such file`},
		{"missing --json file", `curl --json @nope.json ` + u, `data file "nope.json": no such file`},
		{"missing urlencode file", `curl --data-urlencode 'n@nope.txt' ` + u, `data file "nope.txt": no such file`},
		{"missing header file", `curl -H @nope.txt ` + u, `header file "nope.txt": no such file`},
		{"cookie file is a device", `curl -b /dev/zero ` + u, `cookie file "/dev/zero": is not a regular file`},
		{"data file is a directory", `curl -d @. ` + u, `data file ".": is a directory, not a file`},
		{"bad proxy with -U", `curl -x 'http://[bad' -U 'a:` + passwordSec + `' ` + u, "the proxy given with -x is not a valid URL"},
		{"assignment expansion the paste cannot do", `curl ${X:=1} ` + u, "the curl command uses a shell expansion fix401 cannot do without running a shell (line 1)"},
		{"division by zero", `curl "https://h.example/$((1/0))"`, "the curl command uses a shell expansion fix401 cannot do"},
		{"too long", "curl " + u + " -d '" + strings.Repeat("a", MaxCurlCommand) + "'", "the curl command is longer than 1 MiB"},
	}
	t.Chdir(t.TempDir())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCurl(tt.cmd)
			if err == nil {
				t.Fatal("no error")
			}
			if !IsInputError(err) {
				t.Errorf("%T is not an InputError: %v", err, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tt.want) {
				t.Errorf("error %q, want it to start with %q", msg, tt.want)
			}
			if strings.ContainsAny(msg, "\r\n") {
				t.Errorf("error %q is more than one line", msg)
			}
			for _, s := range secrets {
				if strings.Contains(msg, s) {
					t.Errorf("error %q contains a secret", msg)
				}
			}
		})
	}
}

// TestParseCurlRunsNothing checks that command substitutions, backticks and
// process substitutions are not run and that the environment is not read.
func TestParseCurlRunsNothing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("FIX401_TEST_SECRET", "leaked-from-env")
	cmd := `curl -H "X-A: $(touch ran-dollar)" -H "X-B: ` + "`touch ran-backtick`" + `" -d @<(touch ran-procsubst) ` +
		`-H "X-C: $FIX401_TEST_SECRET ${FIX401_TEST_SECRET} ${#FIX401_TEST_SECRET}" https://h.example/`
	req, err := ParseCurl(cmd)
	// The <(…) is an empty file name, so reading it fails; nothing ran.
	if err == nil || !strings.HasPrefix(err.Error(), `data file "": no such file`) {
		t.Errorf("err = %v", err)
	}
	req, err = ParseCurl(strings.Replace(cmd, "-d @<(touch ran-procsubst) ", "", 1))
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("a command ran: %v", entries)
	}
	for _, h := range req.Headers {
		if strings.Contains(h.Value, "leaked") {
			t.Errorf("header %s took a value from the environment: %q", h.Name, h.Value)
		}
	}
	// "X-A: " with nothing after the colon is curl's syntax for removing a
	// header, so the emptied headers are skipped.
	want := []Field{{"X-C", "0"}}
	if !reflect.DeepEqual(req.Headers, want) {
		t.Errorf("headers = %q, want %q", req.Headers, want)
	}
	if !slices.Contains(req.Notes, "left $(…) and backtick command output empty: fix401 never runs commands from a pasted command; paste the output in their place") {
		t.Errorf("notes = %q", req.Notes)
	}
	if !slices.Contains(req.Notes, "left $FIX401_TEST_SECRET empty: fix401 does not read environment variables; paste the value in its place") {
		t.Errorf("notes = %q", req.Notes)
	}
}

func TestParseCurlFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("body.txt", "line1\r\nline2\n")
	write("more.json", `,"b":2}`)
	write("headers.txt", "X-A: 1\r\nX-B: 2\n\n")
	write("cookies.txt", "# Netscape HTTP Cookie File\n"+
		"h.example\tFALSE\t/\tFALSE\t0\tsession\t"+sessionSecret+"\n"+
		"h.example\tFALSE\t/\tFALSE\t1893456000\tremember\tyes\n")
	t.Chdir(dir)
	const u = "https://h.example/p"
	form := Field{"Content-Type", "application/x-www-form-urlencoded"}
	tests := []struct {
		name string
		cmd  string
		want Request
	}{
		{"-d @file drops line ends", `curl -d @body.txt ` + u, Request{URL: u, Method: "POST", Body: "line1line2", Headers: []Field{form}}},
		{"--data-binary @file keeps them", `curl --data-binary @body.txt ` + u, Request{URL: u, Method: "POST", Body: "line1\r\nline2\n", Headers: []Field{form}}},
		{"--data-urlencode name@file", `curl --data-urlencode n@body.txt ` + u, Request{URL: u, Method: "POST", Body: "n=line1%0D%0Aline2%0A", Headers: []Field{form}}},
		{"--json @file", `curl --json '{"a":1' --json @more.json ` + u, Request{URL: u, Method: "POST", Body: `{"a":1,"b":2}`,
			Headers: []Field{{"Content-Type", "application/json"}, {"Accept", "application/json"}}}},
		{"-d @- cannot read stdin", `curl -d @- ` + u, Request{URL: u, Method: "POST", Headers: []Field{form},
			Notes: []string{"skipped -d @-: a pasted command cannot read standard input, so that part of the body is empty"}}},
		{"-H @file", `curl -H @headers.txt -H 'X-C: 3' ` + u, Request{URL: u, Headers: []Field{{"X-A", "1"}, {"X-B", "2"}, {"X-C", "3"}}}},
		{"-b file", `curl -b cookies.txt ` + u, Request{URL: u, CookieFile: "cookies.txt", Cookies: []Cookie{
			{Name: "session", Value: sessionSecret, Domain: "h.example", Path: "/"},
			{Name: "remember", Value: "yes", Domain: "h.example", Path: "/", Expires: time.Unix(1893456000, 0).UTC()},
		}}},
		{"-b file and string", `curl -b cookies.txt -b 'x=1' ` + u, Request{URL: u, CookieFile: "cookies.txt", Cookies: []Cookie{
			{Name: "session", Value: sessionSecret, Domain: "h.example", Path: "/"},
			{Name: "remember", Value: "yes", Domain: "h.example", Path: "/", Expires: time.Unix(1893456000, 0).UTC()},
			{Name: "x", Value: "1"},
		}}},
		{"-j drops the file's session cookies", `curl -j -b cookies.txt -b 'x=1' ` + u, Request{URL: u, CookieFile: "cookies.txt", Cookies: []Cookie{
			{Name: "remember", Value: "yes", Domain: "h.example", Path: "/", Expires: time.Unix(1893456000, 0).UTC()},
			{Name: "x", Value: "1"},
		}}},
		{"~ is the home directory", `curl -b ~/cookies.txt ` + u, Request{URL: u, CookieFile: filepath.Join(dir, "cookies.txt"), Cookies: []Cookie{
			{Name: "session", Value: sessionSecret, Domain: "h.example", Path: "/"},
			{Name: "remember", Value: "yes", Domain: "h.example", Path: "/", Expires: time.Unix(1893456000, 0).UTC()},
		}}},
	}
	t.Setenv("HOME", dir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCurl(tt.cmd)
			if err != nil {
				t.Fatalf("ParseCurl: %v", err)
			}
			assertRequest(t, got, tt.want)
		})
	}
}

// captured is what a test server saw of one request.
type captured struct {
	method, uri, body string
	header            http.Header
}

// TestParseCurlMatchesRealCurl runs real curl with each command's
// arguments against a loopback server and checks that the parsed Request
// describes what curl sent: method, path and query, body, every header given,
// credentials and cookies.
func TestParseCurlMatchesRealCurl(t *testing.T) {
	curl := requireCurl(t)
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("body.txt", "line1\r\nline2\n")
	write("headers.txt", "X-A: 1\r\nX-B: 2\n")
	write("more.json", `,"b":2}`)
	write("cookies.txt", "# Netscape HTTP Cookie File\n"+
		"127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\t"+sessionSecret+"\n"+
		"127.0.0.1\tFALSE\t/other\tFALSE\t0\tnotsent\tx\n"+
		"127.0.0.1\tFALSE\t/\tFALSE\t1577836800\texpired\tx\n"+
		"127.0.0.1\tFALSE\t/\tTRUE\t0\tsecure\ty\n")
	t.Chdir(dir)

	var (
		mu   sync.Mutex
		last captured
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		last = captured{r.Method, r.RequestURI, string(b), r.Header.Clone()}
		mu.Unlock()
	}))
	defer srv.Close()

	commands := []string{
		chromeGet, chromePost, chromePut, firefoxPost, firefoxDelete, postmanPost, postmanOld,
		`curl -u 'ada:` + passwordSec + `' -G -d 'q=ab' --data-urlencode 'name=x y' -A 'agent/1' -e 'https://ref.example/;auto' -H 'X-Empty;' 'https://app.example.com/search'`,
		`curl -d @body.txt --data-binary @body.txt --data-urlencode n@body.txt -H @headers.txt -b cookies.txt 'https://app.example.com/form'`,
		`curl --json '{"a":1' --json @more.json 'https://app.example.com/json'`,
		`curl -I -H 'X-A: 1' 'https://app.example.com/head'`,
		`curl -X PATCH -d 'a=1' --oauth2-bearer ` + postmanToken + ` 'https://app.example.com/patch'`,
		`curl -sSLk -XPUT '-HX-Token: abc' -dx=1 'https://app.example.com/combined'`,
		`curl --url 'https://app.example.com/cookies' -b 'a=1' -b 'b=2'`,
		`curl -H 'Accept:' -A 'one' -H 'User-Agent: two' 'https://app.example.com/override'`,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i, c := range commands {
		c = strings.ReplaceAll(c, "https://app.example.com", srv.URL)
		c = strings.ReplaceAll(c, "https://api.example.com", srv.URL)
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			req, err := ParseCurl(c)
			if err != nil {
				t.Fatalf("ParseCurl: %v", err)
			}
			words, _, _, err := curlWords(c)
			if err != nil {
				t.Fatal(err)
			}
			args := append([]string{"-sS", "-o", os.DevNull, "--noproxy", "*", "-m", "20"}, words[1:]...)
			out, err := exec.CommandContext(ctx, curl, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("curl: %v\n%s", err, out)
			}
			mu.Lock()
			got := last
			mu.Unlock()
			compareWithCurl(t, req, got)
		})
	}
}

// compareWithCurl checks a parsed Request against what curl sent.
func compareWithCurl(t *testing.T, req Request, got captured) {
	t.Helper()
	method := req.Method
	if method == "" {
		method = "GET"
		if req.Body != "" {
			method = "POST"
		}
	}
	if got.method != method {
		t.Errorf("method: curl sent %s, Request says %s", got.method, method)
	}
	u := mustURL(t, req.URL)
	uri := strings.TrimPrefix(req.URL, u.Scheme+"://"+u.Host)
	uri, _, _ = strings.Cut(uri, "#")
	if got.uri != uri {
		t.Errorf("path and query: curl sent %q, Request says %q", got.uri, uri)
	}
	if got.body != req.Body {
		t.Errorf("body: curl sent %q, Request says %q", got.body, req.Body)
	}
	// Every header the Request gives was sent with that value.
	given := map[string]bool{}
	for _, h := range req.Headers {
		given[http.CanonicalHeaderKey(h.Name)] = true
		if v := got.header.Get(h.Name); v != strings.TrimSpace(h.Value) {
			t.Errorf("header %s: curl sent %q, Request says %q", h.Name, v, h.Value)
		}
	}
	// Credentials.
	wantAuth := ""
	switch {
	case given["Authorization"]:
		wantAuth = got.header.Get("Authorization")
	case req.Bearer != "":
		wantAuth = "Bearer " + req.Bearer
	case req.HasUser:
		wantAuth = "Basic " + base64.StdEncoding.EncodeToString([]byte(req.User+":"+req.Password))
	}
	if a := got.header.Get("Authorization"); a != wantAuth {
		t.Errorf("Authorization: curl sent %q, Request implies %q", a, wantAuth)
	}
	// Cookies: a Cookie header given with -H replaces curl's own.
	if !given["Cookie"] {
		send, _ := CookiesFor(req.Cookies, u, time.Now())
		wantC := cookiePairs(CookieHeader(send))
		if gotC := cookiePairs(got.header.Get("Cookie")); !slices.Equal(gotC, wantC) {
			t.Errorf("cookies: curl sent %v, Request implies %v", gotC, wantC)
		}
	}
	// Nothing else of note was sent that the Request does not describe.
	for name := range got.header {
		switch name {
		case "Host", "Accept", "User-Agent", "Content-Length", "Authorization", "Cookie", "Accept-Encoding":
		default:
			if !given[name] {
				t.Errorf("curl sent header %s, which the Request lacks", name)
			}
		}
	}
}

func cookiePairs(header string) []string {
	out := []string{}
	for _, c := range ParseCookieString(header) {
		out = append(out, c.Name+"="+c.Value)
	}
	slices.Sort(out)
	return out
}

func FuzzParseCurl(f *testing.F) {
	for _, c := range []string{
		chromeGet, chromePost, chromePut, chromeAll, firefoxPost, firefoxDelete, postmanPost, postmanOld,
		`curl -sSLkXPOST -HX:1 -dx https://h/`,
		`curl -G --data-urlencode 'a b' --url-query +x -u a -b 'a=b' -m 1.5 h/`,
		"curl \"$(x)\" `y` <(z) ${A:-b} $((2+3)) ~/x \\\n -k https://h/",
		`curl --json @- --max-redirs -1 -x p:1 -U u:p --next https://h/`,
		"TOKEN=a\nexport B=$TOKEN\ncurl https://h/$B\n -H 'a: b'",
		`curl -H 'Name;' -H 'Accept:' -e ';auto' -A '' https://h/`,
		"curl 'https://h/' ^\n -H ^\"a^\"",
		"",
		"curl",
		"curl -H",
	} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, command string) {
		// Keep the fuzzer away from files: -b, -d @, -H @ and --json @
		// read them.
		if strings.ContainsAny(command, "@") || strings.Contains(command, "-b") || strings.Contains(command, "cookie") ||
			strings.Contains(command, "-K") {
			return
		}
		req, err := ParseCurl(command)
		if err != nil {
			if !IsInputError(err) {
				t.Fatalf("error %T is not an InputError: %v", err, err)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("error has a line break: %q", err)
			}
			return
		}
		u := mustURL(t, req.URL)
		if s := strings.ToLower(u.Scheme); (s != "http" && s != "https") || u.Host == "" {
			t.Fatalf("URL %q is not an http(s) URL with a host", req.URL)
		}
		for _, h := range req.Headers {
			if !isToken(h.Name) {
				t.Fatalf("header name %q is not a token", h.Name)
			}
		}
		if req.Timeout < 0 {
			t.Fatalf("negative timeout %v", req.Timeout)
		}
	})
}

// TestParseCurlHostileInput checks that input built to be slow or to blow
// up is refused quickly with a clear error.
func TestParseCurlHostileInput(t *testing.T) {
	tests := []struct {
		name, cmd, want string
	}{
		{"deep $( nesting", "curl " + strings.Repeat("$(", 200_000), "the curl command nests $( ), ${ } or ( ) more than 64 deep"},
		{"deep ( nesting", "curl https://h/ " + strings.Repeat("(", 1000), "the curl command nests"},
		{"exponential variables", "a=xxxxxxxx;" + strings.Repeat("a=$a$a$a$a;", 60) + "curl https://h/$a", "the curl command's variables expand to more than 4 MiB"},
		{"many references", "a=" + strings.Repeat("x", 4096) + "\ncurl https://h/" + strings.Repeat("$a", 2000), "the curl command's variables expand to more than 4 MiB"},
		{"quadratic replacement", "a=xxxx; curl https://h/${a//?/$a}", "the curl command uses a shell expansion fix401 cannot do without running a shell (line 1)"},
		{"indirection", "curl https://h/${!a}", "the curl command uses a shell expansion fix401 cannot do"},
		{"suffix removal", "curl https://h/${a%%*}", "the curl command uses a shell expansion fix401 cannot do"},
		{"over the size bound", "curl https://h/ -d '" + strings.Repeat("x", MaxCurlCommand) + "'", "the curl command is longer than 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCurl(tt.cmd)
			if err == nil || !IsInputError(err) || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	// Quoted text that merely looks like nesting is a body, not nesting.
	body := strings.Repeat("$((${", 10_000)
	req, err := ParseCurl("curl https://h/ --data-raw '" + body + "'")
	if err != nil || req.Body != body {
		t.Errorf("single-quoted body: err = %v, body length %d", err, len(req.Body))
	}
	// Defaults and lengths are fine.
	req, err = ParseCurl(`a=abc; curl "https://h/${a:-x}/${b:-dflt}/${#a}/${a:+set}"`)
	if err != nil || req.URL != "https://h/abc/dflt/3/set" || req.Notes != nil {
		t.Errorf("simple expansions: %q, %q, %v", req.URL, req.Notes, err)
	}
}

// TestParseCurlThenRun sends a parsed browser command with Run to a real
// TLS server and checks that the server received exactly the credentials
// and headers the command gives, with only the cookie file's cookies that
// match the URL.
func TestParseCurlThenRun(t *testing.T) {
	var (
		mu   sync.Mutex
		last captured
	)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		last = captured{r.Method, r.RequestURI, string(b), r.Header.Clone()}
		mu.Unlock()
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()

	dir := t.TempDir()
	jar := filepath.Join(dir, "cookies.txt")
	if err := os.WriteFile(jar, []byte("# Netscape HTTP Cookie File\n"+
		"127.0.0.1\tFALSE\t/\tTRUE\t0\tsession\t"+sessionSecret+"\n"+
		"127.0.0.1\tFALSE\t/elsewhere\tFALSE\t0\tother\tx\n"+
		"127.0.0.1\tFALSE\t/\tFALSE\t1577836800\told\tgone\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := `curl '` + srv.URL + `/api/v1/me?include=teams' \
  -H 'accept: application/json' \
  -H 'authorization: Bearer ` + chromeJWT + `' \
  -H 'x-api-key: ` + apiKeySecret + `' \
  -b '` + jar + `' \
  -H 'user-agent: ` + chromeUA + `' \
  --compressed -k -m 10`
	req, err := ParseCurl(cmd)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := Run(ctx, req)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(res.Exchange.Hops) == 0 || res.Exchange.Hops[0].Status != http.StatusUnauthorized {
		t.Fatalf("hops = %+v, failure = %+v", res.Exchange.Hops, res.Exchange.Failure)
	}
	mu.Lock()
	got := last
	mu.Unlock()
	if got.method != "GET" || got.uri != "/api/v1/me?include=teams" {
		t.Errorf("request line: %s %s", got.method, got.uri)
	}
	for name, want := range map[string]string{
		"Accept":        "application/json",
		"Authorization": "Bearer " + chromeJWT,
		"X-Api-Key":     apiKeySecret,
		"User-Agent":    chromeUA,
		"Cookie":        "session=" + sessionSecret,
	} {
		if v := got.header.Values(name); len(v) != 1 || v[0] != want {
			t.Errorf("%s: server got %q, want %q", name, v, want)
		}
	}
	// The expired cookie from the file is named by the diagnosis.
	if !res.Diagnosis.Has("cookie-expired") {
		t.Errorf("findings lack cookie-expired: %+v", res.Diagnosis.Findings)
	}
}
