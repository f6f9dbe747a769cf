package probe

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MaxHARBody bounds the response body and the post data kept for one HAR
// entry.
const MaxHARBody = 64 << 10

// Limits that keep ReadHAR's memory bounded whatever the file holds.
const (
	harStringCap  = 96 << 10 // raw JSON bytes kept of any one string (base64 of MaxHARBody fits)
	harLiteralCap = 1 << 10  // bytes kept of any one number or literal
	harMaxDepth   = 64       // nesting depth accepted
	harMaxFields  = 512      // headers, cookies or form fields kept per message
	harMaxValue   = 16 << 10 // bytes kept of one header or cookie value
	harMaxEntries = 50000    // entries kept in full; later ones only when they failed
	harBodyBudget = 64 << 20 // body and post-data bytes kept over the whole file
)

// ErrHARTruncated is wrapped by the error ReadHAR returns for a file that
// ends in the middle of the log.
var ErrHARTruncated = errors.New("probe: HAR file truncated")

// HARLog is a HAR 1.2 log (a browser's "Save all as HAR" export) reduced to
// what a diagnosis needs.
type HARLog struct {
	// Version is log.version ("1.2"; Firefox used to write "1.1").
	Version string
	// Creator is the exporting tool as "name version" (Chrome and Edge write
	// "WebInspector", Safari "WebKit Web Inspector", Firefox "Firefox").
	Creator string
	// Browser is the browser that recorded the log ("Chrome", "Edge",
	// "Firefox", "Safari"), from log.browser, the creator or the
	// User-Agent the requests carried; empty when unknown.
	Browser string
	Pages   []HARPage
	Entries []HAREntry
	// Sanitized is set when the export left out cookies and credential
	// headers: a Chrome or Edge export with no Cookie, Set-Cookie or
	// Authorization anywhere (their default "Export HAR (sanitized)" looks
	// exactly like that; a complete export of a site that uses none does
	// too), or a file whose credentials were replaced by placeholders such
	// as "[REDACTED]".
	Sanitized bool
	// placeholders is set when credentials were replaced by placeholders.
	placeholders bool
	// Skipped counts entries past the first 50,000 that were not kept
	// because they did not fail.
	Skipped int
	// Size is the number of bytes read.
	Size int64
}

// HARPage is one page (navigation) of the log.
type HARPage struct {
	ID      string
	Title   string
	Started time.Time
}

// HAREntry is one request and its response as the browser recorded it.
// Header values, cookies and bodies hold secrets whole: print nothing from
// it without a Redactor.
type HAREntry struct {
	// Index is the entry's position in log.entries, counting from 0.
	Index   int
	PageRef string
	// Started is when the browser started the request, by its clock; Time
	// is how long the whole exchange took.
	Started time.Time
	Time    time.Duration

	Method      string
	URL         string
	HTTPVersion string
	// RequestHeader holds the request headers (HTTP/2 pseudo-headers left
	// out); RequestCookies the cookies the browser sent.
	RequestHeader  http.Header
	RequestCookies []Cookie
	// PostData is the request body, at most MaxHARBody bytes; PostMIME its
	// type.
	PostData string
	PostMIME string

	// Status is 0 when the browser recorded no response (blocked, failed).
	Status         int
	StatusText     string
	ResponseHeader http.Header
	// ResponseCookies are the cookies the response set, with their expiry
	// resolved against the entry's time; Path and Domain are filled in as
	// the browser would default them.
	ResponseCookies []Cookie
	// RedirectURL is the redirect target (response.redirectURL, or the
	// Location header when the export left it empty).
	RedirectURL string
	MIMEType    string
	// Body is an excerpt of the response body (decoded from base64 when the
	// export encoded it), kept for failed responses only, at most
	// MaxHARBody bytes. BodySize is the size the export declared (-1 when
	// unknown); Truncated says the body kept is shorter than the real one.
	Body      []byte
	BodySize  int64
	Truncated bool

	ServerIP   string
	Connection string
	Timings    Timings
	// ResourceType is Chrome's _resourceType ("document", "xhr", "fetch",
	// "script", …) or, for other browsers, what the Sec-Fetch-Dest and
	// X-Requested-With headers imply; empty when unknown.
	ResourceType string
	// Initiator is Chrome's _initiator.type ("parser", "script", "other",
	// "preflight"); empty for other browsers.
	Initiator string
	// Error is the browser's own failure text (Chrome's _error, such as
	// "net::ERR_BLOCKED_BY_CLIENT").
	Error string
	// AuthError is set for a 2xx response whose body is an authentication
	// error (ArcGIS 498/499, GraphQL UNAUTHENTICATED); it says which.
	AuthError string
}

// Origin returns the entry URL's scheme://host[:port], lower-cased, or ""
// for a URL that does not parse.
func (e *HAREntry) Origin() string { return originOf(e.URL) }

// ReadHAR reads a HAR file as Chrome, Edge, Firefox and Safari export it.
// It streams through log.entries, so memory stays bounded however large the
// file: every string is cut at 96 KiB as it is read, bodies are kept (up to
// MaxHARBody each) for failed responses only, and nesting, header counts and
// the number of entries kept are limited.
//
// Bad input gives an InputError that says what is wrong: not JSON, JSON
// that is not a HAR (no log.entries), or a truncated file. For a truncated
// file the entries read so far are returned too, with an error wrapping
// ErrHARTruncated.
func ReadHAR(r io.Reader) (*HARLog, error) {
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, 64<<10)
	if err := sniffHAR(br); err != nil {
		if cr.err != nil {
			return nil, fmt.Errorf("probe: reading the HAR file: %w", cr.err)
		}
		return nil, err
	}
	dec := json.NewDecoder(&boundedJSON{r: br})
	dec.UseNumber()
	s := &harDec{d: dec}
	st := &harState{log: &HARLog{}}
	sawLog, sawEntries := false, false
	_, err := s.object(func(key string) error {
		if key != "log" {
			return s.skip()
		}
		sawLog = true
		_, err := s.object(func(key string) error {
			switch key {
			case "version":
				v, err := s.str()
				st.log.Version = v
				return err
			case "creator":
				name, version, err := s.nameVersion()
				st.creator = name
				st.log.Creator = strings.TrimSpace(name + " " + version)
				return err
			case "browser":
				name, _, err := s.nameVersion()
				st.browser = name
				return err
			case "pages":
				_, err := s.array(func() error { return st.page(s) })
				return err
			case "entries":
				sawEntries = true
				_, err := s.array(func() error { return st.entry(s) })
				return err
			}
			return s.skip()
		})
		return err
	})
	if err == nil && !sawLog {
		return nil, Inputf("probe: not a HAR file: the JSON has no \"log\" object (a browser's HAR export starts with {\"log\": {…, \"entries\": [ … ]}})")
	}
	if err == nil && !sawEntries {
		return nil, Inputf("probe: not a HAR file: the \"log\" object has no \"entries\" list")
	}
	st.log.Size = cr.n
	if err != nil {
		if cr.err != nil {
			return nil, fmt.Errorf("probe: reading the HAR file: %w", cr.err)
		}
		var serr *json.SyntaxError
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			st.finish()
			return st.log, Inputf("probe: the HAR file is truncated: it ends after %d bytes, inside entry %d; save it from the browser again (%w)", cr.n, st.n, ErrHARTruncated)
		case errors.Is(err, errHARDepth):
			return nil, Inputf("probe: not a HAR file: the JSON nests more than %d levels deep", harMaxDepth)
		case errors.As(err, &serr):
			return nil, Inputf("probe: the HAR file is not valid JSON (near byte %d, entry %d): %s", cr.n, st.n, Sanitize(serr.Error()))
		}
		return nil, Inputf("probe: the HAR file could not be read (entry %d): %s", st.n, Sanitize(err.Error()))
	}
	st.finish()
	return st.log, nil
}

// sniffHAR checks that the input starts like a JSON object and skips a
// UTF-8 byte order mark.
func sniffHAR(br *bufio.Reader) error {
	head, _ := br.Peek(512)
	if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
		head = head[3:]
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 {
		if len(head) < 512 {
			return Inputf("probe: the HAR file is empty")
		}
		// A long run of white space: let the decoder decide.
		return nil
	}
	if trimmed[0] == '{' {
		return nil
	}
	why := "it does not start with '{'"
	switch {
	case bytes.HasPrefix(head, []byte("\xff\xfe")) || bytes.HasPrefix(head, []byte("\xfe\xff")):
		why = "it is UTF-16 text; save it as UTF-8"
	case bytes.HasPrefix(trimmed, []byte("PK\x03\x04")):
		why = "it is a zip archive (a .saz or .zip file?); export a HAR from the browser instead"
	case trimmed[0] == '<':
		why = "it looks like an HTML or XML page"
	case trimmed[0] == '[':
		why = "it is a JSON list, not a HAR object"
	case trimmed[0] == '"' || trimmed[0] == '-' || (trimmed[0] >= '0' && trimmed[0] <= '9'):
		why = "it is a single JSON value, not a HAR object"
	}
	return Inputf("probe: not a HAR file: %s", why)
}

// countingReader counts the bytes read and remembers a read error.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// boundedJSON passes JSON through, cutting every string to harStringCap raw
// bytes and every other literal to harLiteralCap bytes, so that the decoder
// behind it never holds a huge token. The output stays valid JSON: a string
// is cut only between characters and escape sequences, never inside one.
type boundedJSON struct {
	r     io.Reader
	inStr bool
	esc   bool // after a backslash
	hex   int  // hex digits left of a \u escape
	n     int  // bytes kept of the current string or literal
	drop  bool // dropping the rest of the current string
}

func (b *boundedJSON) Read(p []byte) (int, error) {
	for {
		n, err := b.r.Read(p)
		o := 0
		for i := 0; i < n; i++ {
			if b.keep(p[i]) {
				p[o] = p[i]
				o++
			}
		}
		if o > 0 || err != nil || n == 0 {
			return o, err
		}
	}
}

func (b *boundedJSON) keep(c byte) bool {
	if !b.inStr {
		switch c {
		case '"':
			b.inStr, b.n = true, 0
			return true
		case '{', '}', '[', ']', ',', ':', ' ', '\t', '\n', '\r':
			b.n = 0
			return true
		}
		b.n++
		return b.n <= harLiteralCap
	}
	if !b.esc && b.hex == 0 {
		if c == '"' {
			b.inStr, b.drop, b.n = false, false, 0
			return true
		}
		if !b.drop && b.n >= harStringCap && c&0xC0 != 0x80 {
			b.drop = true
		}
	}
	switch {
	case b.hex > 0:
		b.hex--
	case b.esc:
		b.esc = false
		if c == 'u' {
			b.hex = 4
		}
	case c == '\\':
		b.esc = true
	}
	if b.drop {
		return false
	}
	b.n++
	return true
}

var errHARDepth = errors.New("probe: HAR nested too deeply")

// harDec walks the JSON token by token, never decoding a whole value at
// once, and bounds the nesting depth.
type harDec struct {
	d     *json.Decoder
	depth int
}

func (s *harDec) tok() (json.Token, error) {
	t, err := s.d.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := t.(json.Delim); ok {
		switch d {
		case '{', '[':
			s.depth++
			if s.depth > harMaxDepth {
				return nil, errHARDepth
			}
		default:
			s.depth--
		}
	}
	return t, nil
}

// finish consumes the rest of a value whose first token was t.
func (s *harDec) finish(t json.Token) error {
	d, ok := t.(json.Delim)
	if !ok || (d != '{' && d != '[') {
		return nil
	}
	stop := s.depth - 1
	for s.depth > stop {
		if _, err := s.tok(); err != nil {
			return err
		}
	}
	return nil
}

// skip consumes one value.
func (s *harDec) skip() error {
	t, err := s.tok()
	if err != nil {
		return err
	}
	return s.finish(t)
}

// object consumes one value; when it is an object, fn is called for each
// key and must consume that key's value. It reports whether the value was
// an object.
func (s *harDec) object(fn func(key string) error) (bool, error) {
	t, err := s.tok()
	if err != nil {
		return false, err
	}
	if t != json.Delim('{') {
		return false, s.finish(t)
	}
	for s.d.More() {
		kt, err := s.tok()
		if err != nil {
			return true, err
		}
		key, _ := kt.(string)
		if err := fn(key); err != nil {
			return true, err
		}
	}
	_, err = s.tok()
	return true, err
}

// array consumes one value; when it is an array, fn is called for each
// element and must consume it.
func (s *harDec) array(fn func() error) (bool, error) {
	t, err := s.tok()
	if err != nil {
		return false, err
	}
	if t != json.Delim('[') {
		return false, s.finish(t)
	}
	for s.d.More() {
		if err := fn(); err != nil {
			return true, err
		}
	}
	_, err = s.tok()
	return true, err
}

// str consumes one value and returns it as a string: numbers and booleans
// are formatted, null and containers give "".
func (s *harDec) str() (string, error) {
	t, err := s.tok()
	if err != nil {
		return "", err
	}
	switch v := t.(type) {
	case string:
		return v, nil
	case json.Number:
		return string(v), nil
	case bool:
		return strconv.FormatBool(v), nil
	}
	return "", s.finish(t)
}

// strn is str cut to at most n bytes.
func (s *harDec) strn(n int) (string, error) {
	v, err := s.str()
	return clip(v, n), err
}

// num consumes one value and returns it as a number; ok is false for
// anything that is not a number (or a string holding one).
func (s *harDec) num() (float64, bool, error) {
	t, err := s.tok()
	if err != nil {
		return 0, false, err
	}
	switch v := t.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		return f, err == nil, nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return f, err == nil, nil
	}
	return 0, false, s.finish(t)
}

// boolean consumes one value and reports whether it is true.
func (s *harDec) boolean() (bool, error) {
	t, err := s.tok()
	if err != nil {
		return false, err
	}
	if v, ok := t.(bool); ok {
		return v, nil
	}
	return false, s.finish(t)
}

// nameVersion reads a creator or browser object.
func (s *harDec) nameVersion() (name, version string, err error) {
	_, err = s.object(func(key string) error {
		var err error
		switch key {
		case "name":
			name, err = s.str()
		case "version":
			version, err = s.str()
		default:
			err = s.skip()
		}
		return err
	})
	return clip(name, 200), clip(version, 200), err
}

// pairs reads a HAR name/value list ([{"name": …, "value": …}, …]), or,
// leniently, an object of names to values. At most harMaxFields pairs are
// kept.
func (s *harDec) pairs() ([][2]string, error) {
	var out [][2]string
	t, err := s.tok()
	if err != nil {
		return nil, err
	}
	switch t {
	case json.Delim('['):
		for s.d.More() {
			var name, value string
			_, err := s.object(func(key string) error {
				var err error
				switch key {
				case "name":
					name, err = s.str()
				case "value":
					value, err = s.str()
				default:
					err = s.skip()
				}
				return err
			})
			if err != nil {
				return out, err
			}
			if name != "" && len(out) < harMaxFields {
				out = append(out, [2]string{name, value})
			}
		}
	case json.Delim('{'):
		for s.d.More() {
			kt, err := s.tok()
			if err != nil {
				return out, err
			}
			value, err := s.str()
			if err != nil {
				return out, err
			}
			if name, _ := kt.(string); name != "" && len(out) < harMaxFields {
				out = append(out, [2]string{name, value})
			}
		}
	default:
		return nil, s.finish(t)
	}
	_, err = s.tok()
	return out, err
}

// harCookie is a cookie as a HAR export lists it.
type harCookie struct {
	name, value, path, domain string
	expires                   time.Time
	httpOnly, secure          bool
}

// cookies reads a HAR cookie list.
func (s *harDec) cookies() ([]harCookie, error) {
	var out []harCookie
	_, err := s.array(func() error {
		var c harCookie
		_, err := s.object(func(key string) error {
			var err error
			switch key {
			case "name":
				c.name, err = s.str()
			case "value":
				c.value, err = s.str()
			case "path":
				c.path, err = s.str()
			case "domain":
				c.domain, err = s.str()
			case "expires":
				var t json.Token
				t, err = s.tok()
				if err == nil {
					c.expires = harCookieTime(t)
					err = s.finish(t)
				}
			case "httpOnly":
				c.httpOnly, err = s.boolean()
			case "secure":
				c.secure, err = s.boolean()
			default:
				err = s.skip()
			}
			return err
		})
		if err == nil && c.name != "" && len(out) < harMaxFields {
			c.value = clip(c.value, harMaxValue)
			out = append(out, c)
		}
		return err
	})
	return out, err
}

// harCookieTime reads a cookie's expires field: an ISO 8601 or HTTP date,
// or a number of seconds (or milliseconds) since the epoch.
func harCookieTime(t json.Token) time.Time {
	switch v := t.(type) {
	case string:
		if ts, ok := parseHARTime(v); ok {
			return ts
		}
		if ts, err := http.ParseTime(v); err == nil {
			return ts
		}
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > 1e15 {
			return time.Time{}
		}
		if f > 1e11 {
			return time.UnixMilli(int64(f)).UTC()
		}
		return time.Unix(int64(f), 0).UTC()
	}
	return time.Time{}
}

// parseHARTime parses startedDateTime and similar ISO 8601 times.
func parseHARTime(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// harState accumulates the log while the entries stream past.
type harState struct {
	log       *HARLog
	n         int // entries seen
	creator   string
	browser   string
	userAgent string
	budget    int
	// credentials seen anywhere, and placeholders standing in for them
	anyCred     bool
	placeholder bool
}

func (st *harState) page(s *harDec) error {
	var p HARPage
	_, err := s.object(func(key string) error {
		var err error
		var v string
		switch key {
		case "id":
			p.ID, err = s.strn(200)
		case "title":
			p.Title, err = s.strn(2048)
		case "startedDateTime":
			v, err = s.str()
			p.Started, _ = parseHARTime(v)
		default:
			err = s.skip()
		}
		return err
	})
	if err == nil && len(st.log.Pages) < harMaxFields {
		st.log.Pages = append(st.log.Pages, p)
	}
	return err
}

// harContent is response.content before it is decoded.
type harContent struct {
	text, encoding, mime string
	size                 int64
}

func (st *harState) entry(s *harDec) error {
	e := HAREntry{Index: st.n, BodySize: -1}
	st.n++
	var reqHeaders, respHeaders [][2]string
	var reqCookies, respCookies []harCookie
	var content harContent
	var postText string
	_, err := s.object(func(key string) error {
		var err error
		var v string
		switch key {
		case "pageref":
			e.PageRef, err = s.strn(200)
		case "startedDateTime":
			v, err = s.str()
			e.Started, _ = parseHARTime(v)
		case "time":
			var f float64
			var ok bool
			f, ok, err = s.num()
			if ok {
				e.Time = msDuration(f)
			}
		case "request":
			_, err = s.object(func(key string) error {
				var err error
				var v string
				switch key {
				case "method":
					v, err = s.str()
					e.Method = strings.ToUpper(clip(v, 64))
				case "url":
					e.URL, err = s.str()
				case "httpVersion":
					e.HTTPVersion, err = s.strn(32)
				case "headers":
					reqHeaders, err = s.pairs()
				case "cookies":
					reqCookies, err = s.cookies()
				case "postData":
					_, err = s.object(func(key string) error {
						var err error
						switch key {
						case "text":
							postText, err = s.str()
						case "mimeType":
							e.PostMIME, err = s.strn(200)
						default:
							err = s.skip()
						}
						return err
					})
				default:
					err = s.skip()
				}
				return err
			})
		case "response":
			_, err = s.object(func(key string) error {
				var err error
				switch key {
				case "status":
					var f float64
					var ok bool
					f, ok, err = s.num()
					if ok && f >= 0 && f < 1000 {
						e.Status = int(f)
					}
				case "statusText":
					e.StatusText, err = s.strn(200)
				case "httpVersion":
					e.HTTPVersion, err = s.strn(32)
				case "headers":
					respHeaders, err = s.pairs()
				case "cookies":
					respCookies, err = s.cookies()
				case "redirectURL":
					e.RedirectURL, err = s.str()
				case "_error":
					e.Error, err = s.strn(300)
				case "content":
					_, err = s.object(func(key string) error {
						var err error
						switch key {
						case "text":
							content.text, err = s.str()
						case "encoding":
							content.encoding, err = s.str()
						case "mimeType":
							content.mime, err = s.str()
						case "size":
							var f float64
							var ok bool
							f, ok, err = s.num()
							if ok && f >= 0 && f < 1e15 {
								content.size = int64(f)
							} else {
								content.size = -1
							}
						default:
							err = s.skip()
						}
						return err
					})
				default:
					err = s.skip()
				}
				return err
			})
		case "timings":
			_, err = s.object(func(key string) error {
				f, ok, err := s.num()
				if !ok || f < 0 {
					return err
				}
				d := msDuration(f)
				switch key {
				case "dns":
					e.Timings.DNS = d
				case "connect":
					e.Timings.Connect = d
				case "ssl":
					e.Timings.TLS = d
				case "wait":
					e.Timings.Server = d
				case "receive":
					e.Timings.Transfer = d
				}
				return err
			})
		case "serverIPAddress":
			v, err = s.str()
			e.ServerIP = strings.Trim(clip(v, 64), "[]")
		case "connection":
			e.Connection, err = s.strn(64)
		case "_resourceType":
			v, err = s.str()
			e.ResourceType = strings.ToLower(clip(v, 32))
		case "_initiator":
			_, err = s.object(func(key string) error {
				if key != "type" {
					return s.skip()
				}
				v, err := s.str()
				e.Initiator = strings.ToLower(clip(v, 32))
				return err
			})
		default:
			err = s.skip()
		}
		return err
	})
	if err != nil {
		return err
	}
	st.finishEntry(&e, reqHeaders, respHeaders, reqCookies, respCookies, content, postText)
	return nil
}

// msDuration converts HAR milliseconds to a Duration.
func msDuration(ms float64) time.Duration {
	if ms <= 0 || math.IsNaN(ms) || ms > 1e12 {
		return 0
	}
	return time.Duration(ms * float64(time.Millisecond))
}

func (st *harState) finishEntry(e *HAREntry, reqHeaders, respHeaders [][2]string, reqCookies, respCookies []harCookie, content harContent, postText string) {
	e.URL = clip(e.URL, 32<<10)
	e.RedirectURL = clip(e.RedirectURL, 32<<10)
	e.RequestHeader = buildHeader(reqHeaders)
	e.ResponseHeader = buildHeader(respHeaders)
	if e.Method == "" {
		e.Method = http.MethodGet
	}
	if e.Time == 0 {
		t := e.Timings
		e.Time = t.DNS + t.Connect + t.Server + t.Transfer
	}
	e.Timings.Total = e.Time
	e.MIMEType = clip(content.mime, 200)
	if e.MIMEType == "" {
		e.MIMEType = e.ResponseHeader.Get("Content-Type")
	}
	if e.RedirectURL == "" && e.Status >= 300 && e.Status < 400 {
		e.RedirectURL = clip(e.ResponseHeader.Get("Location"), 32<<10)
	}
	if ua := e.RequestHeader.Get("User-Agent"); ua != "" && st.userAgent == "" {
		st.userAgent = clip(ua, 1024)
	}
	if e.ResourceType == "" {
		e.ResourceType = guessResourceType(e.RequestHeader)
	}

	// Cookies the browser sent: the export's list, or the Cookie header.
	for _, c := range reqCookies {
		e.RequestCookies = append(e.RequestCookies, Cookie{Name: c.name, Value: c.value})
	}
	if len(e.RequestCookies) == 0 {
		e.RequestCookies = cookiesFromHeader(e.RequestHeader)
	}
	e.ResponseCookies = responseCookies(e, respCookies)
	st.noteCredentials(e)

	// The body, decoded.
	body := []byte(content.text)
	if strings.EqualFold(strings.TrimSpace(content.encoding), "base64") {
		body = decodeBase64Prefix(content.text)
	}
	e.BodySize = content.size
	if content.text == "" && content.size == 0 {
		e.BodySize = 0
	}
	if len(body) > MaxHARBody {
		body = body[:MaxHARBody]
		e.Truncated = true
	}
	if e.BodySize > int64(len(body)) && !e.Truncated && len(body) > 0 {
		e.Truncated = true
	}
	if e.Status >= 200 && e.Status < 300 {
		e.AuthError = bodyAuthError(body)
	}
	failed := harFailureStatus(e.Status) || e.AuthError != ""
	keepBody := failed || e.Status >= 400 || e.Status == 0
	if keepBody && (failed || st.budget+len(body) <= harBodyBudget) {
		e.Body = bytes.Clone(body)
		st.budget += len(body)
	} else {
		e.Truncated = false
	}
	if postText != "" && e.Method != http.MethodGet {
		p := clip(postText, MaxHARBody)
		if failed || st.budget+len(p) <= harBodyBudget {
			e.PostData = p
			st.budget += len(p)
		}
	}

	if len(st.log.Entries) >= harMaxEntries && !failed {
		st.log.Skipped++
		return
	}
	st.log.Entries = append(st.log.Entries, *e)
}

// buildHeader turns HAR name/value pairs into an http.Header. HTTP/2
// pseudo-headers are left out; a value holding several lines (the way
// DevTools joins repeated Set-Cookie or WWW-Authenticate fields) becomes
// several values.
func buildHeader(pairs [][2]string) http.Header {
	h := make(http.Header, len(pairs))
	for _, p := range pairs {
		name := strings.TrimSpace(p[0])
		if name == "" || strings.HasPrefix(name, ":") || strings.ContainsAny(name, " \t\r\n") {
			continue
		}
		for _, v := range strings.Split(p[1], "\n") {
			v = strings.TrimRight(v, "\r")
			if v == "" && strings.Contains(p[1], "\n") {
				continue
			}
			h.Add(name, clip(v, harMaxValue))
		}
	}
	return h
}

// guessResourceType says what kind of request an entry was when the export
// does not (Firefox, Safari): the Fetch Metadata headers tell a navigation
// from a script's call.
func guessResourceType(h http.Header) string {
	dest := strings.ToLower(h.Get("Sec-Fetch-Dest"))
	mode := strings.ToLower(h.Get("Sec-Fetch-Mode"))
	switch {
	case dest == "document" || dest == "iframe" || mode == "navigate":
		return "document"
	case dest == "empty" || strings.EqualFold(h.Get("X-Requested-With"), "XMLHttpRequest"):
		return "fetch"
	case dest != "":
		return dest
	}
	return ""
}

// cookiesFromHeader parses the Cookie header(s) of a request.
func cookiesFromHeader(h http.Header) []Cookie {
	var out []Cookie
	for _, line := range h.Values("Cookie") {
		for _, part := range strings.Split(line, ";") {
			name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || strings.TrimSpace(name) == "" || len(out) >= harMaxFields {
				continue
			}
			out = append(out, Cookie{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
		}
	}
	return out
}

// responseCookies returns the cookies a response set, from its Set-Cookie
// fields when the export kept them (they carry Max-Age and the attributes
// as sent), else from the export's cookie list. Expiry is resolved against
// the entry's time, and Domain and Path are defaulted as a browser does.
func responseCookies(e *HAREntry, listed []harCookie) []Cookie {
	u, _ := url.Parse(e.URL)
	host, defPath := "", "/"
	if u != nil {
		host = strings.ToLower(u.Hostname())
		defPath = defaultCookiePath(u.Path)
	}
	ref := e.Started
	if d, err := http.ParseTime(e.ResponseHeader.Get("Date")); err == nil && ref.IsZero() {
		ref = d
	}
	var out []Cookie
	for _, line := range e.ResponseHeader.Values("Set-Cookie") {
		hc, err := http.ParseSetCookie(line)
		if err != nil || len(out) >= harMaxFields {
			continue
		}
		c := Cookie{Name: hc.Name, Value: clip(hc.Value, harMaxValue), Path: hc.Path, Secure: hc.Secure, HTTPOnly: hc.HttpOnly}
		switch {
		case hc.MaxAge < 0:
			c.Expires = ref
		case hc.MaxAge > 0:
			c.Expires = ref.Add(time.Duration(hc.MaxAge) * time.Second)
		case !hc.Expires.IsZero():
			c.Expires = hc.Expires
		}
		c.Domain, c.IncludeSubdomains = host, false
		if d := strings.TrimPrefix(strings.ToLower(hc.Domain), "."); d != "" {
			c.Domain, c.IncludeSubdomains = d, true
		}
		if c.Path == "" || !strings.HasPrefix(c.Path, "/") {
			c.Path = defPath
		}
		out = append(out, c)
	}
	if len(out) > 0 {
		return out
	}
	for _, hc := range listed {
		c := Cookie{Name: hc.name, Value: hc.value, Path: hc.path, Secure: hc.secure, HTTPOnly: hc.httpOnly, Expires: hc.expires}
		c.Domain, c.IncludeSubdomains = host, false
		if d := strings.ToLower(hc.domain); d != "" {
			c.IncludeSubdomains = strings.HasPrefix(d, ".")
			c.Domain = strings.TrimPrefix(d, ".")
		}
		if c.Path == "" {
			c.Path = defPath
		}
		out = append(out, c)
	}
	return out
}

// defaultCookiePath is RFC 6265 §5.1.4's default-path of a request path.
func defaultCookiePath(p string) string {
	if p == "" || p[0] != '/' {
		return "/"
	}
	i := strings.LastIndex(p, "/")
	if i == 0 {
		return "/"
	}
	return p[:i]
}

// cookieDomainMatch reports whether a cookie's domain covers host; a
// cookie with no domain covers every host.
func cookieDomainMatch(c Cookie, host string) bool {
	return c.Domain == "" || domainMatch(strings.ToLower(host), c.Domain, c.IncludeSubdomains)
}

// decodeBase64Prefix decodes base64 leniently: padding optional, the
// alphabet standard or URL-safe, and a cut-off tail ignored.
func decodeBase64Prefix(s string) []byte {
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	s = strings.TrimRight(s, "=")
	if len(s)%4 == 1 {
		s = s[:len(s)-1]
	}
	enc := base64.RawStdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.RawURLEncoding
	}
	out := make([]byte, enc.DecodedLen(len(s)))
	n, _ := enc.Decode(out, []byte(s))
	return out[:n]
}

// bodyAuthError recognises a 2xx body that is really an authentication
// error: ArcGIS's {"error":{"code":498|499}} and GraphQL's
// {"errors":[{"extensions":{"code":"UNAUTHENTICATED"}}]}.
func bodyAuthError(body []byte) string {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '{' || len(b) > MaxHARBody {
		return ""
	}
	var v struct {
		Error *struct {
			Code    json.RawMessage `json:"code"`
			Message string          `json:"message"`
		} `json:"error"`
		Errors []struct {
			Message    string `json:"message"`
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal(b, &v) != nil {
		return ""
	}
	if v.Error != nil {
		code := strings.Trim(string(v.Error.Code), `" `)
		switch code {
		case "498":
			return "ArcGIS 498 Invalid Token"
		case "499":
			return "ArcGIS 499 Token Required"
		}
	}
	for _, e := range v.Errors {
		switch strings.ToUpper(e.Extensions.Code) {
		case "UNAUTHENTICATED":
			return "GraphQL UNAUTHENTICATED"
		case "FORBIDDEN":
			return "GraphQL FORBIDDEN"
		}
	}
	return ""
}

// harFailureStatus reports whether a status is an authentication failure
// worth diagnosing.
func harFailureStatus(status int) bool {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusProxyAuthRequired, 419, 440, 498, 499:
		return true
	}
	return false
}

// noteCredentials records whether the entry carries credentials, and
// whether any of them is a placeholder left by a sanitizing tool.
func (st *harState) noteCredentials(e *HAREntry) {
	check := func(v string) {
		st.anyCred = true
		if isPlaceholder(v) {
			st.placeholder = true
		}
	}
	for _, name := range []string{"Authorization", "Proxy-Authorization", "Cookie"} {
		for _, v := range e.RequestHeader.Values(name) {
			check(v)
		}
	}
	for _, v := range e.ResponseHeader.Values("Set-Cookie") {
		check(v)
	}
	for _, c := range e.RequestCookies {
		check(c.Value)
	}
	for _, c := range e.ResponseCookies {
		check(c.Value)
	}
}

// isPlaceholder recognises the values HAR sanitizers put in place of a
// secret ("[REDACTED]", "redacted", "***", "xxxx").
func isPlaceholder(v string) bool {
	v = strings.TrimSpace(v)
	if scheme, rest, ok := strings.Cut(v, " "); ok && isToken(scheme) {
		v = strings.TrimSpace(rest)
	}
	if _, val, ok := strings.Cut(v, "="); ok && !strings.Contains(val, "=") {
		v = strings.TrimSpace(strings.SplitN(val, ";", 2)[0])
	}
	l := strings.ToLower(v)
	for _, w := range []string{"redacted", "sanitized", "[removed]", "[hidden]", "[filtered]"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return len(l) >= 3 && strings.Trim(l, "*x•") == ""
}

// finish works out what the whole log says: the browser and whether the
// export was sanitized.
func (st *harState) finish() {
	h := st.log
	h.Browser = browserName(st.browser, st.creator, st.userAgent)
	chromium := strings.EqualFold(strings.TrimSpace(st.creator), "WebInspector")
	h.placeholders = st.placeholder
	h.Sanitized = st.placeholder || (chromium && !st.anyCred && len(h.Entries) > 0)
}

// browserName names the browser from log.browser, the creator and a
// User-Agent.
func browserName(browser, creator, ua string) string {
	switch b := strings.ToLower(browser); {
	case strings.Contains(b, "firefox"):
		return "Firefox"
	case strings.Contains(b, "safari") || strings.Contains(b, "webkit"):
		return "Safari"
	case strings.Contains(b, "edge"):
		return "Edge"
	case strings.Contains(b, "chrom"):
		return "Chrome"
	}
	c := strings.ToLower(creator)
	switch {
	case strings.Contains(c, "firefox"):
		return "Firefox"
	case strings.Contains(c, "webkit web inspector"):
		return "Safari"
	}
	switch {
	case strings.Contains(ua, "Edg/"):
		return "Edge"
	case strings.Contains(ua, "OPR/"):
		return "Opera"
	case strings.Contains(ua, "Firefox/"):
		return "Firefox"
	case strings.Contains(ua, "Chrome/") || strings.Contains(ua, "Chromium/"):
		return "Chrome"
	case strings.Contains(ua, "Safari/"):
		return "Safari"
	}
	if c == "webinspector" {
		return "Chrome"
	}
	return ""
}

// clip cuts s to at most n bytes, on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// originOf returns a URL's scheme://host[:port], lower-cased, with the
// default port left out; "" when it does not parse.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host
}

// HARFailure is one failed request of a HAR log.
type HARFailure struct {
	// Entry indexes HARLog.Entries.
	Entry  int
	Origin string
	Status int
	Method string
	// URL holds the request URL whole: show it through Redactor.URL.
	URL string
	// Reason is a short plain label ("401 Unauthorized", "ArcGIS 499 Token
	// Required (HTTP 200)").
	Reason string
}

// Failures returns the log's authentication failures (401, 403, 407, 419,
// 440, 498 and 499 responses, and 2xx responses whose body is an
// authentication error) grouped by origin: the origin that failed first
// comes first, and within an origin the failures are in the order they
// happened. A 401 that the browser answered at once by retrying the same
// request with credentials that were accepted (a Negotiate, NTLM, Digest
// or Basic handshake) is not a failure.
func (h *HARLog) Failures() []HARFailure {
	var out []HARFailure
	for i := range h.Entries {
		e := &h.Entries[i]
		if !harFailureStatus(e.Status) && e.AuthError == "" {
			continue
		}
		if h.handshake(i) {
			continue
		}
		out = append(out, HARFailure{Entry: i, Origin: e.Origin(), Status: e.Status, Method: e.Method, URL: e.URL, Reason: failureReason(e)})
	}
	first := map[string]int{}
	for k, f := range out {
		if _, ok := first[f.Origin]; !ok {
			first[f.Origin] = k
		}
	}
	sort.SliceStable(out, func(a, b int) bool {
		fa, fb := first[out[a].Origin], first[out[b].Origin]
		if fa != fb {
			return fa < fb
		}
		return out[a].Entry < out[b].Entry
	})
	return out
}

// handshake reports whether entry i is a 401 or 407 the browser answered at
// once by sending the same request again with credentials, and the retry
// succeeded. In a sanitized export, where the retry's credentials are not
// shown, an immediate successful retry counts.
func (h *HARLog) handshake(i int) bool {
	e := &h.Entries[i]
	if e.Status != http.StatusUnauthorized && e.Status != http.StatusProxyAuthRequired {
		return false
	}
	hdr := "Authorization"
	if e.Status == http.StatusProxyAuthRequired {
		hdr = "Proxy-Authorization"
	}
	for j := i + 1; j < len(h.Entries) && j <= i+20; j++ {
		n := &h.Entries[j]
		if n.URL != e.URL || n.Method != e.Method {
			continue
		}
		if !e.Started.IsZero() && !n.Started.IsZero() && n.Started.Sub(e.Started) > time.Minute {
			return false
		}
		ok := n.Status >= 200 && n.Status < 400 && n.AuthError == ""
		if n.RequestHeader.Get(hdr) != "" && n.RequestHeader.Get(hdr) != e.RequestHeader.Get(hdr) {
			return ok
		}
		// A sanitized export hides the credential of the retry: an
		// immediate successful retry is still the handshake.
		return h.Sanitized && ok && !e.Started.IsZero() && n.Started.Sub(e.Started) < 5*time.Second

	}
	return false
}

// failureReason labels a failed entry.
func failureReason(e *HAREntry) string {
	if e.AuthError != "" {
		return fmt.Sprintf("%s (HTTP %d)", e.AuthError, e.Status)
	}
	text := http.StatusText(e.Status)
	switch e.Status {
	case 419:
		text = "Page Expired (session or form token expired)"
	case 440:
		text = "Login Time-out (session expired)"
	case 498:
		text = "Invalid Token"
	case 499:
		text = "Token Required"
	}
	return fmt.Sprintf("%d %s", e.Status, text)
}

// Chain returns the indexes of the entries that led to entry i by
// redirects, oldest first, ending with i.
func (h *HARLog) Chain(i int) []int {
	if i < 0 || i >= len(h.Entries) {
		return nil
	}
	chain := []int{i}
	cur := i
	for len(chain) < 30 {
		prev := h.redirectedFrom(cur)
		if prev < 0 {
			break
		}
		chain = append(chain, prev)
		cur = prev
	}
	for a, b := 0, len(chain)-1; a < b; a, b = a+1, b-1 {
		chain[a], chain[b] = chain[b], chain[a]
	}
	return chain
}

// redirectedFrom finds the latest earlier entry whose redirect led to entry
// i, or -1.
func (h *HARLog) redirectedFrom(i int) int {
	target := normalURL(h.Entries[i].URL)
	if target == "" {
		return -1
	}
	started := h.Entries[i].Started
	for j := i - 1; j >= 0 && j >= i-500; j-- {
		p := &h.Entries[j]
		if p.Status < 300 || p.Status >= 400 || p.RedirectURL == "" {
			continue
		}
		if !started.IsZero() && !p.Started.IsZero() && (p.Started.After(started) || started.Sub(p.Started) > 5*time.Minute) {
			continue
		}
		if normalURL(resolveURL(p.URL, p.RedirectURL)) == target {
			return j
		}
	}
	return -1
}

// resolveURL resolves a redirect target against the URL it came from.
func resolveURL(base, ref string) string {
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	r, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}

// normalURL makes URLs comparable: no fragment, scheme and host lower-case,
// default port left out.
func normalURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	u.Fragment, u.RawFragment = "", ""
	o := originOf(raw)
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	return o + path
}

// Exchange returns entry i as an Exchange a diagnosis can judge: the
// redirect chain that led to it as hops (with the credentials each carried
// and those dropped on the way), and the facts as the browser recorded them.
// Facts.Now is when the entry finished by the browser's clock, and
// Facts.Cookies lists the cookies the site set earlier in the log, with
// their expiry, so that one that had expired can be named.
func (h *HARLog) Exchange(i int) Exchange {
	ex := Exchange{Facts: Facts{Source: "har", Sanitized: h.Sanitized}}
	chain := h.Chain(i)
	if len(chain) == 0 {
		return ex
	}
	for _, j := range chain {
		ex.Hops = append(ex.Hops, h.hop(j))
	}
	setDropped(ex.Hops)
	last := &h.Entries[i]
	ex.Facts.Now = last.Started.Add(last.Time)
	ex.Facts.Cookies = h.cookiesBefore(i)
	ex.Notes = append(ex.Notes, h.note(i))
	return ex
}

// note says where an exchange came from: which browser recorded it, which
// request of the log it is, and when.
func (h *HARLog) note(i int) string {
	e := &h.Entries[i]
	by := "a browser"
	if h.Browser != "" {
		by = h.Browser
	}
	n := fmt.Sprintf("Recorded by %s in a HAR file: request #%d of %d", Sanitize(by), e.Index+1, len(h.Entries)+h.Skipped)
	if !e.Started.IsZero() {
		n += ", sent " + e.Started.UTC().Format("2006-01-02 15:04:05 UTC") + " by the browser's clock"
	}
	n += "."
	if h.Sanitized {
		n += " The export has no cookies or sign-in headers."
	}
	return n
}

// hop turns one entry into a Hop.
func (h *HARLog) hop(j int) Hop {
	e := &h.Entries[j]
	hdr := e.RequestHeader.Clone()
	if hdr == nil {
		hdr = http.Header{}
	}
	if hdr.Get("Cookie") == "" && len(e.RequestCookies) > 0 {
		parts := make([]string, len(e.RequestCookies))
		for k, c := range e.RequestCookies {
			parts[k] = c.Name + "=" + c.Value
		}
		hdr.Set("Cookie", strings.Join(parts, "; "))
	}
	u, _ := url.Parse(e.URL)
	hop := Hop{
		URL:           e.URL,
		Method:        e.Method,
		RequestHeader: hdr,
		Sent:          CredentialsOf(hdr, u),
		Status:        e.Status,
		Proto:         normalProto(e.HTTPVersion),
		Header:        e.ResponseHeader.Clone(),
		Body:          e.Body,
		Truncated:     e.Truncated,
		Timings:       e.Timings,
		Start:         e.Started,
	}
	if hop.Header == nil {
		hop.Header = http.Header{}
	}
	if e.Status >= 300 && e.Status < 400 {
		hop.Location = e.RedirectURL
	}
	if e.ServerIP != "" {
		port := ""
		if u != nil {
			port = u.Port()
			if port == "" && strings.EqualFold(u.Scheme, "https") {
				port = "443"
			} else if port == "" {
				port = "80"
			}
		}
		hop.RemoteAddr = net.JoinHostPort(e.ServerIP, port)
	}
	return hop
}

// normalProto spells a HAR httpVersion the way Go's Response.Proto does.
func normalProto(v string) string {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "h2", "http/2", "http/2.0":
		return "HTTP/2.0"
	case "h3", "http/3", "http/3.0":
		return "HTTP/3.0"
	case "http/1.1":
		return "HTTP/1.1"
	case "http/1.0":
		return "HTTP/1.0"
	}
	return strings.ToUpper(v)
}

// setDropped fills in, for every hop after the first, the credentials the
// first hop carried that this one did not, and why.
func setDropped(hops []Hop) {
	if len(hops) < 2 {
		return
	}
	first := hops[0]
	fu, _ := url.Parse(first.URL)
	for k := 1; k < len(hops); k++ {
		hu, _ := url.Parse(hops[k].URL)
		for _, c := range first.Sent {
			if hasCredential(hops[k].Sent, c) {
				continue
			}
			hops[k].Dropped = append(hops[k].Dropped, Drop{Credential: c, Reason: harDropReason(fu, hu, c)})
		}
	}
}

// harDropReason explains why a browser did not carry a credential from the
// first URL to a later one.
func harDropReason(from, to *url.URL, c Credential) string {
	if from == nil || to == nil {
		return "the browser did not send it on this request"
	}
	fromHost, toHost := strings.ToLower(from.Hostname()), strings.ToLower(to.Hostname())
	switch c.Kind {
	case CredCookie:
		if fromHost != toHost {
			return fmt.Sprintf("the redirect went from %s to %s; the browser sends a cookie only to the site it belongs to", Sanitize(fromHost), Sanitize(toHost))
		}
		return "the browser did not send the cookie on this request (its path, Secure flag or SameSite rule did not allow it, or it expired)"
	case CredAPIKeyQuery:
		return "the redirect target's URL does not carry the parameter"
	}
	if originOf(from.String()) != originOf(to.String()) {
		return fmt.Sprintf("the redirect went from %s to %s, another origin; browsers remove an Authorization header set by a web page when a redirect leaves its origin", Sanitize(originOf(from.String())), Sanitize(originOf(to.String())))
	}
	return "the browser did not send it on this request"
}

// harSetCookie is a cookie a response in the log set: which entry set it,
// and when.
type harSetCookie struct {
	Cookie
	entry int
	at    time.Time
}

// deletion reports whether the response that set the cookie deleted it
// (an expiry no later than the moment it was set, or an empty value).
func (c harSetCookie) deletion() bool {
	return c.Value == "" || strings.EqualFold(c.Value, "deleted") || c.ExpiredAt(c.at)
}

// setCookiesBefore returns the cookies that responses before entry i set for
// entry i's host, the latest setting of each name, domain and path winning.
func (h *HARLog) setCookiesBefore(i int) []harSetCookie {
	u, err := url.Parse(h.Entries[i].URL)
	if err != nil {
		return nil
	}
	host := u.Hostname()
	type key struct{ name, domain, path string }
	seen := map[key]int{}
	var out []harSetCookie
	for j := 0; j < i; j++ {
		for _, c := range h.Entries[j].ResponseCookies {
			if !cookieDomainMatch(c, host) {
				continue
			}
			sc := harSetCookie{Cookie: c, entry: j, at: h.Entries[j].Started}
			k := key{c.Name, c.Domain, c.Path}
			if at, ok := seen[k]; ok {
				out[at] = sc
				continue
			}
			seen[k] = len(out)
			out = append(out, sc)
		}
	}
	return out
}

// cookiesBefore returns the cookies set before entry i for its host that
// were not deleted on purpose, for Facts.Cookies.
func (h *HARLog) cookiesBefore(i int) []Cookie {
	var out []Cookie
	for _, c := range h.setCookiesBefore(i) {
		if !c.deletion() {
			out = append(out, c.Cookie)
		}
	}
	return out
}

// Secrets returns the secret values the log holds (credential headers,
// cookies, token query parameters, password and token fields of post
// data), for a Redactor, so that a server echoing one back is caught too.
// At most 1024 values are returned; pass them to one Redactor.Add call.
func (h *HARLog) Secrets() []string {
	all := make([]int, len(h.Entries))
	for i := range all {
		all[i] = i
	}
	return h.secretsOf(all, 1024)
}

// secretsNear returns the secrets of the entries a diagnosis of entry i
// can mention: its redirect chain and the other requests to its origin.
func (h *HARLog) secretsNear(i int) []string {
	if i < 0 || i >= len(h.Entries) {
		return nil
	}
	idx := h.Chain(i)
	origin := h.Entries[i].Origin()
	for j := range h.Entries {
		if j != i && h.Entries[j].Origin() == origin {
			idx = append(idx, j)
		}
	}
	return h.secretsOf(idx, 256)
}

// secretsOf collects the secrets of the given entries, at most limit of
// them, the entries' own order first.
func (h *HARLog) secretsOf(idx []int, limit int) []string {
	seen := map[string]bool{}
	var out []string
	add := func(v string) {
		v = strings.TrimSpace(v)
		if len(v) < 4 || seen[v] || len(out) >= limit {
			return
		}
		seen[v] = true
		out = append(out, v)
	}
	for _, i := range idx {
		e := &h.Entries[i]
		u, _ := url.Parse(e.URL)
		for _, c := range CredentialsOf(e.RequestHeader, u) {
			add(c.Value)
		}
		for _, c := range e.RequestCookies {
			add(c.Value)
		}
		for _, c := range e.ResponseCookies {
			add(c.Value)
		}
		for _, f := range postSecrets(e.PostData) {
			add(f)
		}
	}
	return out
}

// postSecrets returns the values of password and token fields in a form or
// JSON body.
func postSecrets(body string) []string {
	var out []string
	for k, vs := range postForm(body) {
		if secretField(k) {
			out = append(out, vs...)
		}
	}
	return out
}

// postForm reads a form or JSON body as field names and values. A JSON
// field that is not a string is listed with no value. The fields of a form
// are kept even when part of it has a bad escape, so that a secret next to
// one is still found.
func postForm(body string) map[string][]string {
	body = strings.TrimSpace(body)
	if body == "" {
		return nil
	}
	if strings.HasPrefix(body, "{") {
		var m map[string]any
		if json.Unmarshal([]byte(body), &m) != nil {
			return nil
		}
		out := make(map[string][]string, len(m))
		for k, v := range m {
			out[k] = nil
			if s, ok := v.(string); ok {
				out[k] = []string{s}
			}
		}
		return out
	}
	q, _ := url.ParseQuery(body)
	return q
}

// secretField reports whether a form or JSON field name holds a secret.
func secretField(name string) bool {
	n := strings.ToLower(name)
	if IsTokenParam(n) {
		return true
	}
	for _, w := range []string{"pass", "pwd", "secret", "token", "otp", "pin", "credential"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}
