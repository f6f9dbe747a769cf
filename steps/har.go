package steps

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/fix401/fix401/probe"
)

// HAR is a browser's HAR export for the wizard to start from: its
// diagnosis of the failed request replaces the first check, and every
// re-test replays that request live.
type HAR struct {
	Log *probe.HARLog
	// Name is the file's name as shown ("app.har", "standard input").
	Name string
	// Entry is the request to start from, an index into Log.Entries; -1
	// lets the person pick among the failed requests (or takes the only
	// one).
	Entry int
}

// The events of a HAR session.
type (
	// OpenHAR starts the session from a HAR export, on the URL screen.
	OpenHAR struct{ HAR HAR }
	// Pick chooses failed request Index (of HARChoices) to start from.
	Pick struct{ Index int }
)

func (OpenHAR) isEvent() {}
func (Pick) isEvent()    {}

type harState struct {
	h     HAR
	fails []probe.HARFailure
	entry int // the request picked, -1 before
	// base holds the transport settings given on the command line
	// (proxy, -k, time limit), kept for the replays.
	base probe.Request
}

func (s *Session) openHAR(h HAR) []Effect {
	if s.Phase != PhaseURL || h.Log == nil {
		return nil
	}
	s.har = &harState{h: h, fails: h.Log.Failures(), entry: -1, base: s.Request}
	s.Redactor.Add(h.Log.Secrets()...)
	switch {
	case h.Entry >= 0 && h.Entry < len(h.Log.Entries):
		s.startFromEntry(h.Entry)
	case h.Entry >= 0:
		s.Error = fmt.Sprintf("The HAR file has no request #%d.", h.Entry+1)
	case len(s.har.fails) == 1:
		s.startFromEntry(s.har.fails[0].Entry)
	case len(s.har.fails) > 1:
		s.Phase = PhasePick
	default:
		s.Error = "No request in " + probe.Sanitize(h.Name) + " was refused for lack of a login."
	}
	return nil
}

func (s *Session) pick(i int) []Effect {
	if s.Phase != PhasePick || s.har == nil {
		return nil
	}
	if i < 0 || i >= len(s.har.fails) {
		s.Notice = fmt.Sprintf("Choose a number from 1 to %d.", len(s.har.fails))
		return nil
	}
	s.startFromEntry(s.har.fails[i].Entry)
	return nil
}

// startFromEntry makes the recorded entry i the first check: its
// diagnosis, and the request that replays it.
func (s *Session) startFromEntry(i int) {
	log := s.har.h.Log
	e := &log.Entries[i]
	req := ReplayRequest(e)
	b := s.har.base
	req.Proxy, req.Insecure, req.Timeout, req.MaxRedirects = b.Proxy, b.Insecure, b.Timeout, b.MaxRedirects
	s.Request = req
	s.addSecrets(req)
	res := &probe.Result{Request: req, Exchange: log.Exchange(i), Diagnosis: probe.DiagnoseHAR(log, i)}
	s.har.entry = i
	s.Initial, s.Last = res, res
	s.History, s.FixedBy, s.Current = nil, 0, 0
	s.States = [NumSteps + 1]State{}
	s.Answers = map[int]bool{}
	s.DNS = DNSAnswer{}
	s.Order = NormalizeOrder(res.Diagnosis.Steps)
	if Snap(res).OK() {
		s.Phase = PhaseResolved
		return
	}
	s.Phase = PhaseDiagnosis
}

// backFromDiagnosis is where Back goes from the diagnosis: the list of
// failed requests of a HAR export, the URL screen otherwise.
func (s *Session) backFromDiagnosis() Phase {
	switch {
	case s.har == nil:
		return PhaseURL
	case len(s.har.fails) > 1:
		return PhasePick
	}
	return PhaseDiagnosis
}

// HARChoice is one failed request of a HAR export, as the list shows it.
type HARChoice struct {
	// Number is the request's number in the file (from 1).
	Number int
	Origin string
	// Label is "401 Unauthorized · GET https://…", secrets masked.
	Label string
	// Current is set on the request the session started from.
	Current bool
}

// HARChoices lists the failed requests of the HAR export, grouped by
// origin (nil outside a HAR session).
func (s *Session) HARChoices() []HARChoice {
	if s.har == nil {
		return nil
	}
	out := make([]HARChoice, 0, len(s.har.fails))
	for _, f := range s.har.fails {
		e := &s.har.h.Log.Entries[f.Entry]
		out = append(out, HARChoice{
			Number:  e.Index + 1,
			Origin:  s.Redactor.Text(f.Origin),
			Label:   s.Redactor.Text(f.Reason) + " · " + probe.Sanitize(f.Method) + " " + s.Redactor.URL(f.URL),
			Current: f.Entry == s.har.entry,
		})
	}
	return out
}

// HARSummary says which file the session started from, who recorded it
// and how many requests failed; "" outside a HAR session.
func (s *Session) HARSummary() string {
	if s.har == nil {
		return ""
	}
	log := s.har.h.Log
	by := log.Browser
	if by == "" {
		by = "an unknown browser"
	}
	out := fmt.Sprintf("%s, recorded by %s: %s, %d refused.", probe.Sanitize(s.har.h.Name), probe.Sanitize(by),
		plural(len(log.Entries)+log.Skipped, "request"), len(s.har.fails))
	if log.Sanitized {
		out += " The export has no cookies or sign-in headers, so the replays carry none."
	}
	return out
}

// HARSource says which recorded request the session started from and
// that re-tests replay it live; "" outside a HAR session or before the
// pick.
func (s *Session) HARSource() string {
	if s.har == nil || s.har.entry < 0 {
		return ""
	}
	e := &s.har.h.Log.Entries[s.har.entry]
	by := s.har.h.Log.Browser
	if by == "" {
		by = "the browser"
	}
	return fmt.Sprintf("As %s recorded it in %s (request #%d, %s %s). Every re-test sends it again, live.",
		probe.Sanitize(by), probe.Sanitize(s.har.h.Name), e.Index+1, probe.Sanitize(e.Method), s.Redactor.URL(e.URL))
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// replayDropped are the request headers a replay leaves out, and why:
//
//   - Host, Content-Length: Go sets them from the URL and the body.
//   - Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding, TE,
//     Trailer, Upgrade: hop-by-hop headers of the browser's own connection.
//   - Proxy-Authorization: the browser's proxy login; a replay uses
//     fix401's proxy settings.
//   - Accept-Encoding: Go then asks for gzip itself and decodes the answer,
//     so fix401 can read the server's error body.
//   - If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since,
//     If-Range, Range: a 304 or 206 answer would hide the refusal.
//   - Expect: a 100-continue handshake is the transport's business.
//   - Cookie: its cookies become Request.Cookies, so that step 2 can list
//     them and re-test without them.
//
// HTTP/2 pseudo-headers (:authority, :path) never reach Request.Headers.
// Everything else is kept as the browser sent it, Authorization, Origin,
// Referer, User-Agent and the Sec-Fetch-* and Sec-CH-UA* metadata included:
// servers decide on them, and a replay that differs from what failed proves
// nothing.
var replayDropped = map[string]bool{
	"host": true, "content-length": true,
	"connection": true, "keep-alive": true, "proxy-connection": true, "transfer-encoding": true,
	"te": true, "trailer": true, "upgrade": true,
	"proxy-authorization": true, "accept-encoding": true,
	"if-none-match": true, "if-modified-since": true, "if-match": true, "if-unmodified-since": true,
	"if-range": true, "range": true, "expect": true, "cookie": true,
}

// ReplayRequest builds the request that replays a HAR entry: its method,
// URL, body, headers (see replayDropped for those left out) and cookies, as
// the browser sent them. Header names that are not valid and values with
// line breaks are left out too, so that a hostile file cannot smuggle a
// header in.
func ReplayRequest(e *probe.HAREntry) probe.Request {
	req := probe.Request{URL: e.URL, Method: e.Method, Body: e.PostData}
	names := make([]string, 0, len(e.RequestHeader))
	for name := range e.RequestHeader {
		names = append(names, name)
	}
	sort.Strings(names)
	var skipped []string
	for _, name := range names {
		lower := strings.ToLower(name)
		if strings.HasPrefix(name, ":") || replayDropped[lower] {
			continue
		}
		if !validHeaderName(name) {
			skipped = append(skipped, probe.Sanitize(name))
			continue
		}
		for _, v := range e.RequestHeader[name] {
			if strings.ContainsAny(v, "\r\n\x00") {
				skipped = append(skipped, probe.Sanitize(name))
				continue
			}
			req.Headers = append(req.Headers, probe.Field{Name: name, Value: v})
		}
	}
	req.Cookies = replayCookies(e)
	req.Notes = append(req.Notes, fmt.Sprintf("Replays request #%d of the HAR file as the browser sent it (without Host, Content-Length, Accept-Encoding, conditional and hop-by-hop headers).", e.Index+1))
	if len(skipped) > 0 {
		req.Notes = append(req.Notes, "Headers left out because they are malformed: "+strings.Join(skipped, ", ")+".")
	}
	return req
}

// replayCookies returns the cookies the browser sent with e: those of its
// Cookie header, in order, with the expiry the export lists for them.
func replayCookies(e *probe.HAREntry) []probe.Cookie {
	listed := map[string]probe.Cookie{}
	for _, c := range e.RequestCookies {
		listed[c.Name] = c
	}
	var out []probe.Cookie
	for _, line := range e.RequestHeader.Values("Cookie") {
		for _, part := range strings.Split(line, ";") {
			name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
			name = strings.TrimSpace(name)
			if !ok || name == "" || !validHeaderName(name) || strings.ContainsAny(value, "\r\n\x00;") {
				continue
			}
			out = append(out, probe.Cookie{Name: name, Value: strings.TrimSpace(value), Expires: listed[name].Expires})
		}
	}
	if len(out) > 0 || len(e.RequestHeader.Values("Cookie")) > 0 {
		return out
	}
	for _, c := range e.RequestCookies {
		if c.Name == "" || !validHeaderName(c.Name) || strings.ContainsAny(c.Value, "\r\n\x00;") {
			continue
		}
		out = append(out, probe.Cookie{Name: c.Name, Value: c.Value, Expires: c.Expires})
	}
	return out
}

// validHeaderName reports whether s is an HTTP token (RFC 9110 §5.6.2).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return http.CanonicalHeaderKey(s) != ""
}

// addHARHowTo explains in steps 2, 6, 7 and 9 how to save a HAR file, in
// the words of the person's browser when it is known, so that a help desk
// can ask for one.
func (s *Session) addHARHowTo(st *Step, browser string) {
	switch st.Number {
	case 2, 6, 7, 9:
	default:
		return
	}
	if browser == "" && s.har != nil {
		browser = strings.ToLower(s.har.h.Log.Browser)
	}
	if browser == "" {
		browser = normalizeBrowser(s.Env.Browser)
	}
	if st.Number == 9 {
		st.Instructions = append(st.Instructions, "If they ask for a HAR file: "+probe.HARExportHowTo(browser)+
			" It holds your live session: send it only to them, and sign out afterwards to end that session.")
		return
	}
	st.HelpDesk = append(st.HelpDesk,
		"A HAR file shows exactly what your browser sends. "+probe.HARExportHowTo(browser),
		"The file holds your live session: share it only with someone you trust, and sign out afterwards. fix401 --har FILE starts these steps from it.")
}
