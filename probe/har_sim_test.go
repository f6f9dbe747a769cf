package probe

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// browserSim plays a browser against real loopback servers: it sends real
// requests with net/http, keeps cookies in a real cookie jar, follows
// redirects the way browsers do (a fetch drops the Authorization header it
// set when a redirect leaves the origin; a POST answered 301/302/303 becomes
// a GET), and records every exchange: the headers as sent and received, the
// body, the server's address and the httptrace timings. The recording is
// then written out in the shape each browser's "Save all as HAR" produces.
type browserSim struct {
	t      testing.TB
	jar    *cookiejar.Jar
	client *http.Client
	ua     string
	// setCookies remembers each cookie's attributes as set, for the
	// exports that list them with the request's cookies.
	setCookies map[string]*http.Cookie
	pages      []simPage
	entries    []simEntry
	// blockCookiesTo lists hosts whose cookies the browser holds back on
	// fetches from another site (third-party cookie blocking).
	blockCookiesTo map[string]bool
}

type simPage struct {
	id, title string
	started   time.Time
}

type simEntry struct {
	started                  time.Time
	method, url              string
	reqHeader                http.Header
	reqCookies               []*http.Cookie
	postData, postMIME       string
	status                   int
	statusText               string
	proto                    string
	respHeader               http.Header
	respCookies              []*http.Cookie
	body                     []byte
	serverIP, port           string
	dns, connect, tls        time.Duration // -1 when the connection was reused
	send, wait, receive, all time.Duration
	kind                     string // document, fetch, xhr
	pageref                  string
}

const simUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

// newBrowserSim returns a browser that trusts the given TLS servers.
func newBrowserSim(t testing.TB, tlsServers ...*httptest.Server) *browserSim {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	for _, s := range tlsServers {
		pool.AddCert(s.Certificate())
	}
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool},
		ForceAttemptHTTP2: true,
		DialContext:       (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &browserSim{
		t:   t,
		jar: jar,
		client: &http.Client{
			Transport:     tr,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Timeout:       10 * time.Second,
		},
		ua:             simUA,
		setCookies:     map[string]*http.Cookie{},
		blockCookiesTo: map[string]bool{},
	}
}

// simReq is one thing the page does.
type simReq struct {
	method, url string
	header      http.Header
	body, mime  string
	kind        string // document (navigation or form), fetch
	noCookies   bool
}

// navigate opens an address in the tab, as a new page.
func (b *browserSim) navigate(u string) *simEntry {
	b.pages = append(b.pages, simPage{id: fmt.Sprintf("page_%d", len(b.pages)+1), title: u, started: time.Now()})
	return b.do(simReq{method: http.MethodGet, url: u, kind: "document"})
}

// submit posts a form from the current page, as a navigation.
func (b *browserSim) submit(u string, form url.Values) *simEntry {
	return b.do(simReq{method: http.MethodPost, url: u, body: form.Encode(), mime: "application/x-www-form-urlencoded", kind: "document"})
}

// fetch makes a script's call (fetch or XMLHttpRequest).
func (b *browserSim) fetch(method, u string, header http.Header) *simEntry {
	return b.do(simReq{method: method, url: u, header: header, kind: "fetch"})
}

// do sends the request and follows its redirects; it returns the last entry.
func (b *browserSim) do(r simReq) *simEntry {
	b.t.Helper()
	method, target, body, mime := r.method, r.url, r.body, r.mime
	header := r.header.Clone()
	if header == nil {
		header = http.Header{}
	}
	var origin string
	for hop := 0; hop < 10; hop++ {
		u, err := url.Parse(target)
		if err != nil {
			b.t.Fatalf("sim: %v", err)
		}
		if origin == "" {
			origin = originOf(target)
		} else if originOf(target) != origin && r.kind == "fetch" {
			// Fetch: the Authorization header a script set is removed on
			// a cross-origin redirect (whatwg/fetch#1544).
			header.Del("Authorization")
		}
		e := b.send(r, method, u, header, body, mime)
		b.entries = append(b.entries, e)
		loc := e.respHeader.Get("Location")
		if e.status < 300 || e.status >= 400 || loc == "" {
			return &b.entries[len(b.entries)-1]
		}
		next, err := u.Parse(loc)
		if err != nil {
			b.t.Fatalf("sim: bad Location %q", loc)
		}
		target = next.String()
		if e.status == 303 || ((e.status == 301 || e.status == 302) && method == http.MethodPost) {
			method, body, mime = http.MethodGet, "", ""
		}
	}
	b.t.Fatal("sim: too many redirects")
	return nil
}

func (b *browserSim) send(r simReq, method string, u *url.URL, header http.Header, body, mime string) simEntry {
	b.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u.String(), rd)
	if err != nil {
		b.t.Fatalf("sim: %v", err)
	}
	req.Header.Set("User-Agent", b.ua)
	if r.kind == "document" {
		req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
		req.Header.Set("Sec-Fetch-Dest", "document")
		req.Header.Set("Sec-Fetch-Mode", "navigate")
	} else {
		req.Header.Set("Accept", "application/json, text/plain, */*")
		req.Header.Set("Sec-Fetch-Dest", "empty")
		req.Header.Set("Sec-Fetch-Mode", "cors")
	}
	for k, vs := range header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if mime != "" {
		req.Header.Set("Content-Type", mime)
	}
	var sent []*http.Cookie
	if !r.noCookies && !(r.kind == "fetch" && b.blockCookiesTo[u.Hostname()]) {
		sent = b.jar.Cookies(u)
	}
	if len(sent) > 0 {
		parts := make([]string, len(sent))
		for i, c := range sent {
			parts[i] = c.Name + "=" + c.Value
		}
		req.Header.Set("Cookie", strings.Join(parts, "; "))
	}

	e := simEntry{method: method, url: u.String(), postData: body, postMIME: mime, kind: r.kind, dns: -1, connect: -1, tls: -1}
	if len(b.pages) > 0 {
		e.pageref = b.pages[len(b.pages)-1].id
	}
	var dnsStart, connStart, tlsStart, wrote, first time.Time
	trace := &httptrace.ClientTrace{
		DNSStart:          func(httptrace.DNSStartInfo) { dnsStart = time.Now() },
		DNSDone:           func(httptrace.DNSDoneInfo) { e.dns = time.Since(dnsStart) },
		ConnectStart:      func(string, string) { connStart = time.Now() },
		ConnectDone:       func(string, string, error) { e.connect = time.Since(connStart) },
		TLSHandshakeStart: func() { tlsStart = time.Now() },
		TLSHandshakeDone:  func(tls.ConnectionState, error) { e.tls = time.Since(tlsStart) },
		GotConn: func(info httptrace.GotConnInfo) {
			if host, port, err := net.SplitHostPort(info.Conn.RemoteAddr().String()); err == nil {
				e.serverIP, e.port = host, port
			}
		},
		WroteRequest:         func(httptrace.WroteRequestInfo) { wrote = time.Now() },
		GotFirstResponseByte: func() { first = time.Now() },
	}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	e.started = time.Now()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("sim: %s %s: %v", method, u, err)
	}
	e.body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		b.t.Fatalf("sim: reading %s: %v", u, err)
	}
	end := time.Now()
	e.all = end.Sub(e.started)
	if !wrote.IsZero() && !first.IsZero() {
		e.wait = first.Sub(wrote)
		e.receive = end.Sub(first)
	}
	e.reqHeader = req.Header.Clone()
	e.reqHeader.Set("Host", u.Host)
	e.reqCookies = sent
	e.status, e.proto = resp.StatusCode, resp.Proto
	e.statusText = http.StatusText(resp.StatusCode)
	e.respHeader = resp.Header.Clone()
	e.respCookies = resp.Cookies()
	for _, c := range e.respCookies {
		cc := *c
		b.setCookies[c.Name] = &cc
	}
	b.jar.SetCookies(u, e.respCookies)
	return e
}

// ---- Writing the recording as each browser exports it. ----

// kv and obj keep JSON keys in the order a browser writes them.
type kv struct {
	k string
	v any
}

type obj []kv

func (o obj) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, p := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(p.k)
		buf.Write(k)
		buf.WriteByte(':')
		v, err := json.Marshal(p.v)
		if err != nil {
			return nil, err
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// The export shapes.
const (
	shapeChrome          = "chrome"
	shapeChromeSanitized = "chrome-sanitized"
	shapeFirefox         = "firefox"
	shapeSafari          = "safari"
)

var allShapes = []string{shapeChrome, shapeChromeSanitized, shapeFirefox, shapeSafari}

func msOf(d time.Duration) float64 {
	if d < 0 {
		return -1
	}
	return float64(d.Microseconds()) / 1000
}

// httpVersion spells the protocol as the browser's export does.
func httpVersion(shape, proto string) string {
	h2 := strings.HasPrefix(proto, "HTTP/2")
	switch shape {
	case shapeChrome, shapeChromeSanitized:
		if h2 {
			return "h2"
		}
		return "HTTP/1.1"
	case shapeSafari:
		if h2 {
			return "h2"
		}
		return "http/1.1"
	}
	if h2 {
		return "HTTP/2"
	}
	return "HTTP/1.1"
}

// headerList writes headers as a HAR list. Chrome writes HTTP/2 headers in
// lower case with the pseudo-headers first; the sanitized export leaves out
// Cookie, Set-Cookie and Authorization.
func headerList(shape string, h http.Header, h2 bool, pseudo [][2]string) []obj {
	var out []obj
	if h2 && (shape == shapeChrome || shape == shapeChromeSanitized) {
		for _, p := range pseudo {
			out = append(out, obj{{"name", p[0]}, {"value", p[1]}})
		}
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if shape == shapeChromeSanitized {
			switch strings.ToLower(k) {
			case "cookie", "set-cookie", "authorization":
				continue
			}
		}
		name := k
		if h2 {
			name = strings.ToLower(k)
			if name == "host" {
				continue
			}
		}
		vals := h[k]
		if shape == shapeSafari && len(vals) > 1 {
			// Web Inspector keeps headers in an object: repeated fields
			// arrive joined, Set-Cookie by newlines.
			sep := ", "
			if strings.EqualFold(k, "Set-Cookie") {
				sep = "\n"
			}
			vals = []string{strings.Join(vals, sep)}
		}
		for _, v := range vals {
			out = append(out, obj{{"name", name}, {"value", v}})
		}
	}
	if out == nil {
		out = []obj{}
	}
	return out
}

func isoTime(shape string, t time.Time) string {
	if shape == shapeFirefox {
		// Firefox writes local time with its offset.
		return t.In(time.FixedZone("CEST", 2*3600)).Format("2006-01-02T15:04:05.000-07:00")
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// cookieExpiry resolves a Set-Cookie's expiry as the browser stores it.
func cookieExpiry(c *http.Cookie, at time.Time) (time.Time, bool) {
	switch {
	case c.MaxAge < 0:
		return time.Unix(0, 0), true
	case c.MaxAge > 0:
		return at.Add(time.Duration(c.MaxAge) * time.Second), true
	case !c.Expires.IsZero():
		return c.Expires, true
	}
	return time.Time{}, false
}

func (b *browserSim) requestCookies(shape string, e *simEntry) []obj {
	out := []obj{}
	if shape == shapeChromeSanitized {
		return out
	}
	u, _ := url.Parse(e.url)
	for _, c := range e.reqCookies {
		if shape != shapeChrome {
			out = append(out, obj{{"name", c.Name}, {"value", c.Value}})
			continue
		}
		set := b.setCookies[c.Name]
		o := obj{{"name", c.Name}, {"value", c.Value}}
		path, domain, httpOnly, secure := "/", u.Hostname(), false, false
		var expires any
		if set != nil {
			if set.Path != "" {
				path = set.Path
			}
			if set.Domain != "" {
				domain = "." + strings.TrimPrefix(set.Domain, ".")
			}
			httpOnly, secure = set.HttpOnly, set.Secure
			if t, ok := cookieExpiry(set, e.started); ok {
				expires = t.UTC().Format("2006-01-02T15:04:05.000Z")
			}
		}
		o = append(o, kv{"path", path}, kv{"domain", domain}, kv{"expires", expires}, kv{"httpOnly", httpOnly}, kv{"secure", secure})
		out = append(out, o)
	}
	return out
}

func (b *browserSim) responseCookies(shape string, e *simEntry) []obj {
	out := []obj{}
	if shape == shapeChromeSanitized {
		return out
	}
	u, _ := url.Parse(e.url)
	for _, c := range e.respCookies {
		if shape == shapeFirefox {
			o := obj{{"name", c.Name}, {"value", c.Value}}
			if c.Path != "" {
				o = append(o, kv{"path", c.Path})
			}
			if c.HttpOnly {
				o = append(o, kv{"httpOnly", true})
			}
			out = append(out, o)
			continue
		}
		path := c.Path
		if path == "" {
			path = defaultCookiePath(u.Path)
		}
		domain := u.Hostname()
		if c.Domain != "" {
			domain = "." + strings.TrimPrefix(c.Domain, ".")
		}
		var expires any
		if t, ok := cookieExpiry(c, e.started); ok {
			expires = t.UTC().Format("2006-01-02T15:04:05.000Z")
		}
		out = append(out, obj{{"name", c.Name}, {"value", c.Value}, {"path", path}, {"domain", domain}, {"expires", expires}, {"httpOnly", c.HttpOnly}, {"secure", c.Secure}})
	}
	return out
}

func (b *browserSim) content(shape string, e *simEntry) obj {
	mime := e.respHeader.Get("Content-Type")
	if mime == "" {
		mime = "x-unknown"
	}
	o := obj{{"size", len(e.body)}, {"mimeType", mime}}
	if len(e.body) == 0 {
		return o
	}
	if shape == shapeSafari && !strings.HasPrefix(mime, "text/") {
		// Web Inspector keeps non-text bodies base64-encoded.
		return append(o, kv{"text", base64.StdEncoding.EncodeToString(e.body)}, kv{"encoding", "base64"})
	}
	return append(o, kv{"text", string(e.body)})
}

func queryList(u string) []obj {
	out := []obj{}
	pu, err := url.Parse(u)
	if err != nil {
		return out
	}
	for _, part := range strings.Split(pu.RawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		out = append(out, obj{{"name", k}, {"value", v}})
	}
	return out
}

func (b *browserSim) postData(shape string, e *simEntry) (obj, bool) {
	if e.postData == "" {
		return nil, false
	}
	o := obj{{"mimeType", e.postMIME}, {"text", e.postData}}
	if strings.HasPrefix(e.postMIME, "application/x-www-form-urlencoded") {
		q, _ := url.ParseQuery(e.postData)
		params := []obj{}
		for k, vs := range q {
			for _, v := range vs {
				params = append(params, obj{{"name", k}, {"value", v}})
			}
		}
		o = append(o, kv{"params", params})
	}
	return o, true
}

// har writes the recording as the given browser exports it.
func (b *browserSim) har(shape string) []byte {
	b.t.Helper()
	var creator obj
	var browser obj
	switch shape {
	case shapeChrome, shapeChromeSanitized:
		creator = obj{{"name", "WebInspector"}, {"version", "537.36"}}
	case shapeFirefox:
		creator = obj{{"name", "Firefox"}, {"version", "133.0"}}
		browser = obj{{"name", "Firefox"}, {"version", "133.0"}}
	case shapeSafari:
		creator = obj{{"name", "WebKit Web Inspector"}, {"version", "1.0"}}
	}
	var pages []obj
	for i, p := range b.pages {
		id := p.id
		if shape == shapeSafari {
			if i > 0 {
				break // Web Inspector exports the current page only
			}
			id = "page_0"
		}
		pages = append(pages, obj{{"startedDateTime", isoTime(shape, p.started)}, {"id", id}, {"title", p.title},
			{"pageTimings", obj{{"onContentLoad", 41.5}, {"onLoad", 73.2}}}})
	}
	if pages == nil {
		pages = []obj{}
	}
	var entries []obj
	for i := range b.entries {
		entries = append(entries, b.entry(shape, i))
	}
	log := obj{{"version", "1.2"}, {"creator", creator}}
	if browser != nil {
		log = append(log, kv{"browser", browser})
	}
	log = append(log, kv{"pages", pages}, kv{"entries", entries})
	out, err := json.MarshalIndent(obj{{"log", log}}, "", "  ")
	if err != nil {
		b.t.Fatal(err)
	}
	return out
}

func (b *browserSim) entry(shape string, i int) obj {
	e := &b.entries[i]
	u, _ := url.Parse(e.url)
	h2 := strings.HasPrefix(e.proto, "HTTP/2")
	ver := httpVersion(shape, e.proto)
	reqPseudo := [][2]string{{":authority", u.Host}, {":method", e.method}, {":path", u.RequestURI()}, {":scheme", u.Scheme}}
	respPseudo := [][2]string{{":status", strconv.Itoa(e.status)}}
	// Every browser copies the Location header as sent, relative or not.
	redirect := e.respHeader.Get("Location")
	request := obj{{"method", e.method}, {"url", e.url}, {"httpVersion", ver},
		{"headers", headerList(shape, e.reqHeader, h2, reqPseudo)},
		{"queryString", queryList(e.url)},
		{"cookies", b.requestCookies(shape, e)},
		{"headersSize", -1}, {"bodySize", len(e.postData)}}
	if pd, ok := b.postData(shape, e); ok {
		request = append(request, kv{"postData", pd})
	}
	response := obj{{"status", e.status}, {"statusText", e.statusText}, {"httpVersion", ver},
		{"headers", headerList(shape, e.respHeader, h2, respPseudo)},
		{"cookies", b.responseCookies(shape, e)},
		{"content", b.content(shape, e)},
		{"redirectURL", redirect}, {"headersSize", -1}, {"bodySize", len(e.body)}}
	timings := obj{{"blocked", 0.4}, {"dns", msOf(e.dns)}, {"ssl", msOf(e.tls)}, {"connect", msOf(e.connect)},
		{"send", 0.1}, {"wait", msOf(e.wait)}, {"receive", msOf(e.receive)}}
	pageref := e.pageref
	switch shape {
	case shapeChrome, shapeChromeSanitized:
		response = append(response, kv{"_transferSize", len(e.body) + 200}, kv{"_error", nil})
		initiator := obj{{"type", "other"}}
		if e.kind == "fetch" {
			initiator = obj{{"type", "script"}, {"stack", obj{{"callFrames", []obj{{{"functionName", "load"}, {"scriptId", "12"}, {"url", originOf(e.url) + "/app.js"}, {"lineNumber", 10}, {"columnNumber", 4}}}}}}}
		}
		resourceType := "document"
		if e.kind == "fetch" {
			resourceType = "fetch"
		}
		return obj{{"_connectionId", "1234"}, {"_initiator", initiator}, {"_priority", "High"}, {"_resourceType", resourceType},
			{"cache", obj{}}, {"connection", "1234"}, {"pageref", pageref}, {"request", request}, {"response", response},
			{"serverIPAddress", e.serverIP}, {"startedDateTime", isoTime(shape, e.started)}, {"time", msOf(e.all)},
			{"timings", append(timings, kv{"_blocked_queueing", 0.3})}}
	case shapeFirefox:
		return obj{{"pageref", pageref}, {"startedDateTime", isoTime(shape, e.started)}, {"request", request}, {"response", response},
			{"cache", obj{}}, {"timings", timings}, {"time", msOf(e.all)}, {"_securityState", map[bool]string{true: "secure", false: "insecure"}[u.Scheme == "https"]},
			{"serverIPAddress", e.serverIP}, {"connection", e.port}}
	}
	// Safari.
	response = append(response, kv{"_transferSize", len(e.body) + 180})
	return obj{{"pageref", "page_0"}, {"startedDateTime", isoTime(shape, e.started)}, {"time", msOf(e.all)}, {"request", request}, {"response", response},
		{"cache", obj{}}, {"timings", timings}, {"serverIPAddress", e.serverIP}, {"connection", "7"}, {"_fetchType", "Network Load"}}
}
