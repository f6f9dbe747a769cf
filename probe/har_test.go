package probe

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var updateHAR = flag.Bool("update-har", false, "rewrite probe/testdata/har from live loopback exchanges")

const harFixtureDir = "testdata/har"

func readHARBytes(t testing.TB, data []byte) *HARLog {
	t.Helper()
	h, err := ReadHAR(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("ReadHAR: %v", err)
	}
	return h
}

// helperReady reports whether a helper another branch provides works yet,
// so that the ids depending on it are only required once it has landed.
func helperReady(name string) bool {
	switch name {
	case "jwt":
		_, err := DecodeJWT(makeJWT(map[string]any{"exp": 1}))
		return err == nil
	case "challenge":
		return len(ParseChallenges([]string{`Bearer realm="x"`})) == 1
	}
	return true
}

// harOutputs renders everything fix401 shows or writes about a diagnosis:
// the findings, the summary, the JSON of the diagnosis and of the exchange
// as a check result.
func harOutputs(t testing.TB, h *HARLog, i int, d Diagnosis) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(d.Summary + "\n")
	for _, f := range d.Findings {
		fmt.Fprintf(&b, "%s %s\n%s\n%s\n", f.ID, f.Title, f.Detail, f.Evidence)
	}
	dj, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	b.Write(dj)
	res := Result{Exchange: h.Exchange(i), Diagnosis: d}
	rj, err := json.Marshal(res.JSON())
	if err != nil {
		t.Fatal(err)
	}
	b.Write(rj)
	for _, f := range h.Failures() {
		b.WriteString(f.Reason + "\n")
	}
	return b.String()
}

// checkNoSecrets fails when any secret appears whole in out.
func checkNoSecrets(t testing.TB, label, out string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if len(s) >= 8 && strings.Contains(out, s) {
			t.Errorf("%s: secret %s…%s appears whole in the output", label, s[:3], s[len(s)-2:])
		}
	}
}

// checkScenario judges one export of a scenario.
func checkScenario(t *testing.T, sc harScenario, shape string, data []byte, secrets []string) {
	t.Helper()
	h := readHARBytes(t, data)
	sanitized := shape == shapeChromeSanitized || (shape == shapeChrome && sc.noCredentials)
	if h.Sanitized != sanitized {
		t.Errorf("Sanitized = %v, want %v", h.Sanitized, sanitized)
	}
	wantBrowser := map[string]string{shapeChrome: "Chrome", shapeChromeSanitized: "Chrome", shapeFirefox: "Firefox", shapeSafari: "Safari"}[shape]
	if h.Browser != wantBrowser {
		t.Errorf("Browser = %q, want %q (creator %q)", h.Browser, wantBrowser, h.Creator)
	}
	fails := h.Failures()
	if len(fails) == 0 {
		t.Fatalf("no failures found among %d entries", len(h.Entries))
	}
	f := fails[0]
	u, err := url.Parse(f.URL)
	if err != nil || u.Path != sc.failPath || f.Status != sc.failStatus {
		t.Fatalf("first failure = %s %s (%d), want path %s status %d", f.Method, f.URL, f.Status, sc.failPath, sc.failStatus)
	}
	if f.Origin != h.Entries[f.Entry].Origin() || f.Reason == "" {
		t.Errorf("failure %+v: origin or reason wrong", f)
	}
	d := DiagnoseHAR(h, f.Entry)
	want := sc.want
	if sanitized {
		want = sc.wantSanitized
	}
	var ids []string
	for _, fd := range d.Findings {
		ids = append(ids, fd.ID)
		if fd.Title == "" || fd.Detail == "" || len(fd.Steps) == 0 {
			t.Errorf("finding %s lacks a title, detail or steps: %+v", fd.ID, fd)
		}
	}
	for _, id := range want {
		if need := sc.needs[id]; need != "" && !helperReady(need) {
			t.Logf("%s: not required until the %s helper lands", id, need)
			continue
		}
		if !d.Has(id) {
			t.Errorf("finding %s missing; got %v", id, ids)
		}
	}
	for _, id := range sc.notWant {
		if d.Has(id) {
			t.Errorf("finding %s should not be there; got %v", id, ids)
		}
	}
	if sanitized != d.Has("har-sanitized") {
		t.Errorf("har-sanitized present = %v, want %v", d.Has("har-sanitized"), sanitized)
	}
	if !sanitized && sc.firstStep != 0 {
		ready := true
		for _, need := range sc.needs {
			ready = ready && helperReady(need)
		}
		if ready && (len(d.Steps) == 0 || d.Steps[0] != sc.firstStep) {
			t.Errorf("steps %v, want step %d first (findings %v)", d.Steps, sc.firstStep, ids)
		}
	}
	if len(d.Steps) != 10 {
		t.Errorf("steps %v: want all ten", d.Steps)
	}
	out := harOutputs(t, h, f.Entry, d)
	checkNoSecrets(t, shape, out, append(secrets, h.Secrets()...))
}

// TestHARScenarios plays each scenario against real loopback servers,
// writes the recording as Chrome (complete and sanitized), Firefox and
// Safari export it, and checks what the diagnosis says about each.
func TestHARScenarios(t *testing.T) {
	for _, sc := range harScenarios {
		t.Run(sc.name, func(t *testing.T) {
			b := sc.run(t)
			secrets := sc.secrets(b)
			for _, shape := range allShapes {
				data := b.har(shape)
				if *updateHAR {
					if err := os.MkdirAll(harFixtureDir, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(harFixtureDir, sc.name+"-"+shape+".har"), data, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				t.Run(shape, func(t *testing.T) {
					h := readHARBytes(t, data)
					if len(h.Entries) != len(b.entries) {
						t.Errorf("read %d entries, recorded %d", len(h.Entries), len(b.entries))
					}
					checkScenario(t, sc, shape, data, secrets)
				})
			}
		})
	}
}

// TestHARFixtures judges the committed fixtures (written by
// go test ./probe -run TestHARScenarios -update-har) the same way, so that
// the files other packages' tests use stay right.
func TestHARFixtures(t *testing.T) {
	for _, sc := range harScenarios {
		for _, shape := range allShapes {
			name := sc.name + "-" + shape + ".har"
			t.Run(name, func(t *testing.T) {
				data, err := os.ReadFile(filepath.Join(harFixtureDir, name))
				if err != nil {
					t.Fatalf("fixture missing (go test ./probe -run TestHARScenarios -update-har): %v", err)
				}
				checkScenario(t, sc, shape, data, []string{scenarioAPIToken, scenarioPassword})
			})
		}
	}
}

// TestHARExchange checks the hops an entry becomes: the redirect chain, the
// credentials sent and dropped, the facts.
func TestHARExchange(t *testing.T) {
	sc := harScenarios[2] // redirect-dropped-authorization
	if sc.name != "redirect-dropped-authorization" {
		t.Fatal("scenario order changed")
	}
	b := sc.run(t)
	h := readHARBytes(t, b.har(shapeFirefox))
	fails := h.Failures()
	if len(fails) != 1 {
		t.Fatalf("failures %+v", fails)
	}
	ex := h.Exchange(fails[0].Entry)
	if len(ex.Hops) != 2 {
		t.Fatalf("hops %d, want the 308 and the 401", len(ex.Hops))
	}
	first, last := ex.Hops[0], ex.Hops[1]
	if first.Status != 308 || last.Status != 401 || !strings.Contains(first.Location, "localhost") {
		t.Errorf("chain %d → %d (Location %q)", first.Status, last.Status, first.Location)
	}
	if len(first.Sent) != 1 || first.Sent[0].Kind != CredBearer || first.Sent[0].Value != "Bearer "+scenarioAPIToken {
		t.Errorf("first hop sent %+v", first.Sent)
	}
	if len(last.Sent) != 0 || len(last.Dropped) != 1 || last.Dropped[0].Credential.Kind != CredBearer ||
		!strings.Contains(last.Dropped[0].Reason, "another origin") {
		t.Errorf("last hop sent %+v, dropped %+v", last.Sent, last.Dropped)
	}
	if ex.Facts.Source != "har" || ex.Facts.Sanitized || ex.Facts.Now.IsZero() {
		t.Errorf("facts %+v", ex.Facts)
	}
	if !ex.Facts.Now.After(last.Start) || ex.Facts.Now.Sub(last.Start) > time.Minute {
		t.Errorf("Facts.Now %v, hop start %v", ex.Facts.Now, last.Start)
	}
	if last.RemoteAddr == "" || !strings.HasPrefix(last.RemoteAddr, "127.0.0.1:") {
		t.Errorf("RemoteAddr %q", last.RemoteAddr)
	}
	if last.Header.Get("Www-Authenticate") != `Bearer realm="items"` || len(last.Body) == 0 {
		t.Errorf("last hop header %v body %q", last.Header, last.Body)
	}
	// An index out of range gives an empty exchange, not a panic.
	if ex := h.Exchange(99); len(ex.Hops) != 0 || ex.Facts.Source != "har" {
		t.Errorf("Exchange(99) = %+v", ex)
	}
	if d := DiagnoseHAR(h, -1); len(d.Steps) != 10 {
		t.Errorf("DiagnoseHAR(-1) steps %v", d.Steps)
	}
}

// TestHARFailuresGrouping checks the order of failures: by origin, the
// origin that failed first first, and in time order within an origin.
func TestHARFailuresGrouping(t *testing.T) {
	entry := func(u string, status int) string {
		return fmt.Sprintf(`{"startedDateTime":"2025-03-01T10:00:00.000Z","request":{"method":"GET","url":%q,"headers":[]},"response":{"status":%d,"headers":[],"content":{"size":0,"mimeType":"text/plain"}}}`, u, status)
	}
	doc := `{"log":{"version":"1.2","creator":{"name":"Firefox","version":"133.0"},"entries":[` + strings.Join([]string{
		entry("https://b.example/x", 200),
		entry("https://a.example/1", 401),
		entry("https://b.example/2", 403),
		entry("https://a.example/3", 407),
		entry("https://c.example/4", 419),
		entry("https://b.example/5", 440),
		entry("https://a.example/6", 404),
		entry("https://c.example/7", 498),
	}, ",") + `]}}`
	h := readHARBytes(t, []byte(doc))
	var got []string
	for _, f := range h.Failures() {
		got = append(got, fmt.Sprintf("%s#%d:%d", f.Origin, h.Entries[f.Entry].Index, f.Status))
	}
	want := []string{"https://a.example#1:401", "https://a.example#3:407", "https://b.example#2:403", "https://b.example#5:440", "https://c.example#4:419", "https://c.example#7:498"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("failures\n got %v\nwant %v", got, want)
	}
}

// TestReadHARErrors feeds files that are not (complete) HARs.
func TestReadHARErrors(t *testing.T) {
	cases := []struct {
		name, in, want string
		truncated      bool
	}{
		{"empty", "", "empty", false},
		{"blank", "  \n\t ", "empty", false},
		{"html", "<!doctype html><title>Login</title>", "HTML", false},
		{"zip", "PK\x03\x04\x14\x00\x00\x00", "zip", false},
		{"list", `[{"log":{}}]`, "JSON list", false},
		{"number", `42`, "single JSON value", false},
		{"utf16", "\xff\xfe{\x00", "UTF-16", false},
		{"no log", `{"foo": {"entries": []}}`, `no "log"`, false},
		{"log not object", `{"log": [1,2,3]}`, `no "entries"`, false},
		{"no entries", `{"log": {"version": "1.2", "creator": {"name": "x"}}}`, `no "entries"`, false},
		{"bad json", `{"log": {"entries": [ } ] }}`, "not valid JSON", false},
		{"garbage after key", `{"log": nonsense}`, "not valid JSON", false},
		{"truncated in entry", `{"log": {"entries": [{"request": {"method": "GET", "url": "https://a.example/"`, "truncated", true},
		{"truncated in string", `{"log": {"entries": [{"request": {"url": "https://a.exa`, "truncated", true},
		{"truncated after entries", `{"log": {"entries": []`, "truncated", true},
		{"deep", `{"log": {"entries": [` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `]}}`, "nests more than", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := ReadHAR(strings.NewReader(c.in))
			if err == nil {
				t.Fatalf("no error; log %+v", h)
			}
			if !IsInputError(err) {
				t.Errorf("error %v is not an InputError", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
			if errors.Is(err, ErrHARTruncated) != c.truncated {
				t.Errorf("errors.Is(ErrHARTruncated) = %v, want %v", !c.truncated, c.truncated)
			}
			if c.truncated && h == nil {
				t.Errorf("a truncated file should return what was read")
			}
		})
	}
}

// errReader fails after some bytes, like a disk error.
type errReader struct{ n int }

func (e *errReader) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, errors.New("disk on fire")
	}
	s := `{"log": {"entries": [`
	n := copy(p, s[:min(len(s), e.n)])
	e.n -= n
	return n, nil
}

func TestReadHARReadError(t *testing.T) {
	_, err := ReadHAR(&errReader{n: 10})
	if err == nil || IsInputError(err) || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("err = %v, want the read error, not an input error", err)
	}
}

// TestReadHARTruncatedFixture cuts a real export at many points: every cut
// gives a clear error (truncated, or not JSON when cut inside a literal) and
// never a panic, and cuts after whole entries keep those entries.
func TestReadHARTruncatedFixture(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(harFixtureDir, "session-expired-chrome.har"))
	if err != nil {
		t.Skip("fixture missing")
	}
	full := readHARBytes(t, data)
	for cut := 1; cut < len(data)-1; cut += max(1, len(data)/97) {
		h, err := ReadHAR(bytes.NewReader(data[:cut]))
		if err == nil {
			t.Fatalf("cut at %d: no error", cut)
		}
		if !IsInputError(err) {
			t.Fatalf("cut at %d: %v is not an InputError", cut, err)
		}
		if h != nil && len(h.Entries) > len(full.Entries) {
			t.Fatalf("cut at %d: %d entries from a file of %d", cut, len(h.Entries), len(full.Entries))
		}
	}
	// Cut right after the second entry.
	idx := bytes.Index(data, []byte(`"_connectionId"`))
	idx2 := bytes.Index(data[idx+1:], []byte(`"_connectionId"`))
	idx3 := bytes.Index(data[idx+idx2+2:], []byte(`"_connectionId"`))
	cut := idx + idx2 + 2 + idx3
	h, err := ReadHAR(bytes.NewReader(data[:cut]))
	if !errors.Is(err, ErrHARTruncated) || h == nil || len(h.Entries) != 2 {
		t.Errorf("cut inside the third entry: err %v, entries %v", err, h)
	}
}

// TestReadHARLenient reads the variations real exporters produce.
func TestReadHARLenient(t *testing.T) {
	doc := "\xef\xbb\xbf" + `{"log": {
	  "version": "1.1",
	  "creator": {"name": "Charles Proxy", "version": 4.6},
	  "entries": [{
	    "startedDateTime": "2025-03-01T10:00:00.123+01:00",
	    "time": "12.5",
	    "request": {"method": "post", "url": "https://app.example/api/x?access_token=abcdefghijklmnop",
	      "headers": {"User-Agent": "Mozilla/5.0 Firefox/133.0", "Cookie": "a=1; sid=s3cr3tvalue123456"},
	      "postData": {"mimeType": "application/json", "text": "{\"password\":\"hunter2hunter2\"}"}},
	    "response": {"status": "401", "statusText": "Unauthorized",
	      "headers": [{"name": "WWW-Authenticate", "value": "Basic realm=\"a\"\nBearer realm=\"b\""},
	                  {"name": "set-cookie", "value": "x=1; Max-Age=60\ny=2; Path=/y; Expires=Wed, 01 Jan 2020 00:00:00 GMT"},
	                  {"name": ":status", "value": "401"}],
	      "cookies": [{"name": "z", "value": "3", "expires": 1735689600}],
	      "content": {"size": 3, "mimeType": "text/plain", "text": "bm9w", "encoding": "base64"}},
	    "timings": {"dns": -1, "connect": 2.5, "ssl": 1.5, "wait": 7, "receive": 0.5},
	    "serverIPAddress": "[::1]", "connection": 443, "unknownField": {"deep": [1, {"x": null}]}
	  }]}}`
	h := readHARBytes(t, []byte(doc))
	if h.Version != "1.1" || h.Creator != "Charles Proxy 4.6" || h.Browser != "Firefox" || h.Sanitized {
		t.Errorf("log %q %q %q sanitized=%v", h.Version, h.Creator, h.Browser, h.Sanitized)
	}
	e := h.Entries[0]
	if e.Method != "POST" || e.Status != 401 || e.Time != 12500*time.Microsecond || e.ServerIP != "::1" || e.Connection != "443" {
		t.Errorf("entry %+v", e)
	}
	if got := e.ResponseHeader.Values("Www-Authenticate"); len(got) != 2 {
		t.Errorf("WWW-Authenticate split into %q", got)
	}
	if e.ResponseHeader.Get(":status") != "" {
		t.Errorf("pseudo-header kept")
	}
	if string(e.Body) != "nop" {
		t.Errorf("base64 body decoded to %q", e.Body)
	}
	if len(e.RequestCookies) != 2 || e.RequestCookies[1].Value != "s3cr3tvalue123456" {
		t.Errorf("request cookies from the header: %+v", e.RequestCookies)
	}
	if len(e.ResponseCookies) != 2 {
		t.Fatalf("response cookies %+v", e.ResponseCookies)
	}
	if x := e.ResponseCookies[0]; x.Name != "x" || !x.Expires.Equal(e.Started.Add(time.Minute)) || x.Path != "/api" || x.Domain != "app.example" {
		t.Errorf("cookie x %+v (started %v)", x, e.Started)
	}
	if y := e.ResponseCookies[1]; y.Path != "/y" || y.Expires.Year() != 2020 {
		t.Errorf("cookie y %+v", y)
	}
	if e.Timings.Connect != 2500*time.Microsecond || e.Timings.TLS != 1500*time.Microsecond || e.Timings.DNS != 0 {
		t.Errorf("timings %+v", e.Timings)
	}
	secrets := strings.Join(h.Secrets(), " ")
	for _, s := range []string{"abcdefghijklmnop", "s3cr3tvalue123456", "hunter2hunter2"} {
		if !strings.Contains(secrets, s) {
			t.Errorf("Secrets() misses %s", s)
		}
	}
	d := DiagnoseHAR(h, 0)
	checkNoSecrets(t, "lenient", harOutputs(t, h, 0, d), h.Secrets())
}

// TestReadHARPlaceholders recognises a file whose secrets a sanitizing
// tool replaced.
func TestReadHARPlaceholders(t *testing.T) {
	doc := `{"log": {"creator": {"name": "Firefox"}, "entries": [{"request": {"method": "GET", "url": "https://a.example/",
	  "headers": [{"name": "Authorization", "value": "Bearer [REDACTED]"}]}, "response": {"status": 401, "headers": []}}]}}`
	h := readHARBytes(t, []byte(doc))
	if !h.Sanitized {
		t.Fatal("placeholder not recognised")
	}
	d := DiagnoseHAR(h, 0)
	if !d.Has("har-sanitized") {
		t.Errorf("findings %+v", d.Findings)
	}
	for _, f := range d.Findings {
		if f.ID == "har-sanitized" && !strings.Contains(f.Detail, "original export") {
			t.Errorf("a Firefox file's advice should ask for the original export: %s", f.Detail)
		}
	}
}

// TestReadHARBounds checks the limits on hostile sizes.
func TestReadHARBounds(t *testing.T) {
	big := strings.Repeat("A", 5<<20)
	var headers []string
	for i := 0; i < 10000; i++ {
		headers = append(headers, fmt.Sprintf(`{"name":"X-H%d","value":"v"}`, i))
	}
	doc := `{"log": {"creator": {"name": "Firefox"}, "entries": [{"request": {"method": "GET", "url": "https://a.example/",
	  "headers": [` + strings.Join(headers, ",") + `, {"name": "X-Big", "value": "` + big + `"}]},
	  "response": {"status": 401, "headers": [], "content": {"size": 5242880, "mimeType": "text/plain", "text": "` + big + `"}}},
	  {"request": {"method": "GET", "url": "https://a.example/b64"}, "response": {"status": 403,
	   "content": {"mimeType": "application/octet-stream", "encoding": "base64", "text": "` + strings.Repeat("QUJD", 1<<20) + `"}}},
	  {"request": {"method": "GET", "url": "https://a.example/n"}, "response": {"status": 1` + strings.Repeat("0", 5000) + `}}
	]}}`
	h := readHARBytes(t, []byte(doc))
	if len(h.Entries) != 3 {
		t.Fatalf("%d entries", len(h.Entries))
	}
	e := h.Entries[0]
	if len(e.Body) != MaxHARBody || !e.Truncated || e.BodySize != 5<<20 {
		t.Errorf("body %d bytes, truncated %v, size %d", len(e.Body), e.Truncated, e.BodySize)
	}
	if len(e.RequestHeader) > harMaxFields {
		t.Errorf("%d headers kept", len(e.RequestHeader))
	}
	b64 := h.Entries[1]
	if len(b64.Body) != MaxHARBody || !b64.Truncated || !bytes.HasPrefix(b64.Body, []byte("ABCABC")) {
		t.Errorf("base64 body %d bytes, truncated %v", len(b64.Body), b64.Truncated)
	}
	if h.Entries[2].Status != 0 {
		t.Errorf("a 5000-digit status became %d", h.Entries[2].Status)
	}
}

// writeBigHAR writes a HAR of about size bytes in Chrome's shape: pages of
// entries with bodies of bodySize bytes (every other one base64), every
// tenth a 401.
func writeBigHAR(w io.Writer, size int64, bodySize int) (int64, error) {
	cw := &countWriter{w: w}
	fmt.Fprint(cw, `{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"pages":[],"entries":[`)
	body := bytes.Repeat([]byte("lorem ipsum dolor sit amet, "), bodySize/28+1)[:bodySize]
	b64 := []byte(strings.Repeat("TG9yZW0g", bodySize/8+1))[:bodySize/4*4]
	start := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	for i := 0; cw.n < size; i++ {
		if i > 0 {
			fmt.Fprint(cw, ",")
		}
		status, text, enc := 200, body, ""
		if i%2 == 1 {
			text, enc = b64, `,"encoding":"base64"`
		}
		if i%10 == 9 {
			status = 401
		}
		fmt.Fprintf(cw, `{"_resourceType":"fetch","startedDateTime":%q,"time":12.5,"request":{"method":"GET","url":"https://app.example/api/item/%d","httpVersion":"h2","headers":[{"name":"user-agent","value":%q},{"name":"cookie","value":"sid=abcdef0123456789"}],"cookies":[],"queryString":[]},`,
			start.Add(time.Duration(i)*time.Second).Format("2006-01-02T15:04:05.000Z"), i, simUA)
		fmt.Fprintf(cw, `"response":{"status":%d,"statusText":"","httpVersion":"h2","headers":[{"name":"content-type","value":"text/plain"},{"name":"www-authenticate","value":"Bearer realm=\"app\""}],"cookies":[],"content":{"size":%d,"mimeType":"text/plain","text":"`, status, len(text))
		cw.Write(text)
		fmt.Fprintf(cw, `"%s},"redirectURL":""},"timings":{"dns":-1,"connect":-1,"wait":10,"receive":2.5},"serverIPAddress":"192.0.2.7"}`, enc)
	}
	fmt.Fprint(cw, "]}}")
	return cw.n, cw.err
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

// peakHeap runs fn while sampling the heap, and returns the highest
// HeapInuse seen.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if m.HeapInuse > peak.Load() {
			peak.Store(m.HeapInuse)
		}
	}
	sample()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	fn()
	sample()
	close(done)
	wg.Wait()
	return peak.Load()
}

// TestReadHARMemory reads a 30 MB HAR with 1 MB bodies from a file and
// checks that the heap stays far below the file's size times the usual
// JSON overhead.
func TestReadHARMemory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.har")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := writeBigHAR(f, 30<<20, 1<<20)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	var h *HARLog
	peak := peakHeap(func() {
		in, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		h, err = ReadHAR(in)
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("read %d MB, %d entries, peak HeapInuse %d MB", n>>20, len(h.Entries), peak>>20)
	if h.Size != n || len(h.Entries) < 25 {
		t.Errorf("read %d of %d bytes, %d entries", h.Size, n, len(h.Entries))
	}
	if peak > 100<<20 {
		t.Errorf("peak HeapInuse %d MB, want under 100 MB", peak>>20)
	}
	if len(h.Failures()) == 0 {
		t.Error("the 401s were not found")
	}
}

// BenchmarkReadHAR200MB reads a 200 MB HAR (1 MB bodies) from a file and
// reports the peak heap. The file is written once per run, outside the
// timing: go test ./probe -run '^$' -bench ReadHAR200MB -benchtime 1x
func BenchmarkReadHAR200MB(b *testing.B) {
	if testing.Short() {
		b.Skip("200 MB benchmark skipped in -short mode")
	}
	path := filepath.Join(b.TempDir(), "200mb.har")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	n, err := writeBigHAR(f, 200<<20, 1<<20)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(n)
	b.ResetTimer()
	var peak uint64
	for i := 0; i < b.N; i++ {
		p := peakHeap(func() {
			in, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer in.Close()
			if _, err := ReadHAR(in); err != nil {
				b.Fatal(err)
			}
		})
		peak = max(peak, p)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// FuzzReadHAR checks that no input makes ReadHAR, Failures or DiagnoseHAR
// panic or keep more than the limits allow.
func FuzzReadHAR(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(harFixtureDir, "*.har"))
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil && len(data) < 64<<10 {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"log":{"entries":[{"request":{"url":"http://a/","headers":[{"name":"Cookie","value":"a=b"}]},"response":{"status":401,"redirectURL":"/x"}}]}}`))
	f.Add([]byte(`{"log":{"entries":[{"request":{"method":"POST","url":"http://a/login","postData":{"text":"password=x"}},"response":{"status":302,"redirectURL":"http://a/app","headers":[{"name":"Set-Cookie","value":"s=1; Path=/app"}]}},{"request":{"url":"http://a/app"},"response":{"status":401}}]}}`))
	f.Add([]byte(`{"log":{"entries":[{"response":{"status":200,"content":{"text":"{\"error\":{\"code\":499}}"}}}]}}`))
	f.Add([]byte(`{"log":{"entries":[{"request":{"url":"\ud800\u0000\\"}}]}}`))
	f.Add([]byte("{\"log\":{\"entries\":[{\"request\":{\"url\":\"http://a/\x1b[31m\"},\"response\":{\"status\":403}}]}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ReadHAR(bytes.NewReader(data))
		if err != nil {
			if !IsInputError(err) {
				t.Fatalf("error %v is not an InputError", err)
			}
			if h == nil {
				return
			}
		}
		for _, e := range h.Entries {
			if len(e.Body) > MaxHARBody || len(e.PostData) > MaxHARBody || len(e.RequestHeader) > harMaxFields {
				t.Fatalf("limits exceeded: body %d, post %d, headers %d", len(e.Body), len(e.PostData), len(e.RequestHeader))
			}
		}
		fails := h.Failures()
		for k, fl := range fails {
			if k == 3 {
				break
			}
			d := DiagnoseHAR(h, fl.Entry)
			for _, fd := range d.Findings {
				if strings.ContainsRune(fd.Detail+fd.Title+fd.Evidence, '\x1b') {
					t.Fatalf("escape sequence in finding %s", fd.ID)
				}
			}
		}
		if len(h.Entries) > 0 {
			h.Exchange(len(h.Entries) - 1)
		}
	})
}

// TestDiagnoseHARManyCookies keeps a diagnosis quick when the log holds
// thousands of distinct cookies and tokens.
func TestDiagnoseHARManyCookies(t *testing.T) {
	var entries []string
	for i := 0; i < 3000; i++ {
		entries = append(entries, fmt.Sprintf(`{"request":{"method":"GET","url":"https://a.example/%d?token=tok%08dxyz","headers":[{"name":"Cookie","value":"c%d=value%08dabc; d%d=other%08dabc"},{"name":"Authorization","value":"Bearer t%08dabcdefgh"}]},"response":{"status":%d,"headers":[{"name":"Set-Cookie","value":"s%d=set%08dabc; Path=/"}]}}`,
			i, i, i, i, i, i, i, map[bool]int{true: 401, false: 200}[i%100 == 99], i, i))
	}
	doc := `{"log":{"creator":{"name":"Firefox"},"entries":[` + strings.Join(entries, ",") + `]}}`
	h := readHARBytes(t, []byte(doc))
	start := time.Now()
	fails := h.Failures()
	if len(fails) != 30 {
		t.Fatalf("%d failures", len(fails))
	}
	d := DiagnoseHAR(h, fails[len(fails)-1].Entry)
	red := NewRedactor(h.Secrets()...)
	red.Text(d.Summary)
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("diagnosis took %v", el)
	}
	if len(h.Secrets()) != 1024 {
		t.Errorf("Secrets() returned %d values, want the cap of 1024", len(h.Secrets()))
	}
}

// TestHARClockSkew records a server whose clock runs 15 minutes ahead: the
// token is still valid by the browser's clock and expired by the server's,
// and the recorded Date shows the skew.
func TestHARClockSkew(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(15*time.Minute).UTC().Format(http.TimeFormat))
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="Jwt expired"`)
		writeJSON(w, 401, `{"error":"invalid_token"}`)
	}))
	defer srv.Close()
	b := newBrowserSim(t)
	tok := makeJWT(map[string]any{"sub": "alice", "exp": time.Now().Add(5 * time.Minute).Unix()})
	b.fetch(http.MethodGet, srv.URL+"/api/me", http.Header{"Authorization": {"Bearer " + tok}})
	for _, shape := range []string{shapeChrome, shapeFirefox, shapeSafari} {
		h := readHARBytes(t, b.har(shape))
		d := DiagnoseHAR(h, 0)
		if !d.Has("clock-skew") || !d.Has("token-expired") {
			t.Errorf("%s: findings %+v", shape, d.Findings)
		}
		if d.Skew < 14*time.Minute || d.Skew > 16*time.Minute {
			t.Errorf("%s: skew %v, want about 15 minutes", shape, d.Skew)
		}
		checkNoSecrets(t, shape, harOutputs(t, h, 0, d), []string{tok})
	}
}

// TestReadHAREntryCap keeps the first 50,000 entries and, after them, only
// the failures.
func TestReadHAREntryCap(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"log":{"creator":{"name":"Firefox"},"entries":[`)
	n := harMaxEntries + 6
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		status := 200
		if i >= harMaxEntries && i%2 == 1 {
			status = 401
		}
		fmt.Fprintf(&b, `{"request":{"method":"GET","url":"https://a.example/%d"},"response":{"status":%d}}`, i, status)
	}
	b.WriteString(`]}}`)
	h := readHARBytes(t, b.Bytes())
	if len(h.Entries) != harMaxEntries+3 || h.Skipped != 3 {
		t.Fatalf("%d entries kept, %d skipped", len(h.Entries), h.Skipped)
	}
	fails := h.Failures()
	if len(fails) != 3 || h.Entries[fails[0].Entry].Index != harMaxEntries+1 {
		t.Errorf("failures %+v", fails)
	}
	ex := h.Exchange(fails[2].Entry)
	if !strings.Contains(strings.Join(ex.Notes, " "), fmt.Sprintf("request #%d of %d", harMaxEntries+6, n)) {
		t.Errorf("notes %v", ex.Notes)
	}
}

func TestHARBrowserName(t *testing.T) {
	cases := []struct{ browser, creator, ua, want string }{
		{"", "WebInspector", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge"},
		{"", "WebInspector", simUA, "Chrome"},
		{"", "WebInspector", "", "Chrome"},
		{"Firefox", "Firefox", "", "Firefox"},
		{"", "WebKit Web Inspector", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari"},
		{"chromium", "Playwright", "", "Chrome"},
		{"", "Charles Proxy", "", ""},
	}
	for _, c := range cases {
		if got := browserName(c.browser, c.creator, c.ua); got != c.want {
			t.Errorf("browserName(%q, %q, …) = %q, want %q", c.browser, c.creator, got, c.want)
		}
	}
}

// TestHARPostFields checks what is read of a login POST's body: the secret
// values (even beside a bad escape) and the field names shown as evidence,
// the same for every run.
func TestHARPostFields(t *testing.T) {
	h := &HARLog{Entries: []HAREntry{{Method: "POST", URL: "https://a.example/login",
		PostData: "user=alice&password=hunter2-correct-horse&bad=%zz"}}}
	if got := h.Secrets(); !slices.Contains(got, "hunter2-correct-horse") {
		t.Errorf("Secrets() = %q, want the password beside a bad escape", got)
	}
	form := "j=1&i=1&h=1&g=1&f=1&e=1&d=1&c=1&b=1&a=1"
	want := " (form fields: a, b, c, d, e, f, g, h, …)"
	for range 20 {
		if got := postEvidence(&HAREntry{PostData: form}); got != want {
			t.Fatalf("postEvidence = %q, want %q", got, want)
		}
	}
	json := `{"password": "x", "remember": true, "user": "alice"}`
	if got := postEvidence(&HAREntry{PostData: json}); got != " (form fields: password, remember, user)" {
		t.Errorf("postEvidence of JSON = %q", got)
	}
}

// TestHARExportHowTo checks that the how-to is the browser's own, with
// nothing about a sanitized file, so that the fix steps can show it as is.
func TestHARExportHowTo(t *testing.T) {
	for _, c := range []struct{ browser, want, not string }{
		{"Firefox", "Save All As HAR", "Export HAR"},
		{"safari", "Web Inspector", "Save All As HAR"},
		{"Brave", "Export HAR (with sensitive data)", "Save All As HAR"},
		{"", "Save All As HAR", "original export"},
	} {
		got := HARExportHowTo(c.browser)
		if !strings.Contains(got, c.want) || strings.Contains(got, c.not) || strings.Contains(got, "original export") {
			t.Errorf("HARExportHowTo(%q) = %q, want %q and not %q", c.browser, got, c.want, c.not)
		}
	}
}
