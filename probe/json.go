package probe

import (
	"net/url"
	"time"
)

// SchemaVersion is the version of the JSON document fix401 check --json
// writes.
const SchemaVersion = 1

// CheckJSON is the JSON document for one check. Every value is redacted and
// sanitized: it can be shared as is.
type CheckJSON struct {
	Schema          int              `json:"schema"`
	URL             string           `json:"url"`
	FinalURL        string           `json:"final_url"`
	Method          string           `json:"method"`
	Status          int              `json:"status"`
	StatusText      string           `json:"status_text"`
	Verdict         Verdict          `json:"verdict"`
	Summary         string           `json:"summary"`
	Challenges      []ChallengeJSON  `json:"challenges"`
	ProxyChallenges []ChallengeJSON  `json:"proxy_challenges"`
	Redirects       []HopJSON        `json:"redirects"`
	Findings        []Finding        `json:"findings"`
	Steps           []int            `json:"steps"`
	TimingsMS       TimingsJSON      `json:"timings_ms"`
	ServerDate      *time.Time       `json:"server_date"`
	ClockSkewSecs   int64            `json:"clock_skew_seconds"`
	Tokens          []TokenJSON      `json:"tokens"`
	Failure         *FailureJSON     `json:"failure"`
	RequestIDs      []string         `json:"request_ids"`
	Proxy           *ProxyJSON       `json:"proxy"`
	Hosts           []HostsEntryJSON `json:"hosts_entries"`
	Notes           []string         `json:"notes"`
	CheckedAt       time.Time        `json:"checked_at"`
}

// ChallengeJSON is one challenge in the JSON document.
type ChallengeJSON struct {
	Scheme  string            `json:"scheme"`
	Token68 string            `json:"token68"`
	Params  map[string]string `json:"params"`
}

// HopJSON is one hop of the redirect chain in the JSON document.
type HopJSON struct {
	URL                string           `json:"url"`
	Method             string           `json:"method"`
	Status             int              `json:"status"`
	Location           string           `json:"location"`
	CredentialsSent    []CredentialJSON `json:"credentials_sent"`
	CredentialsDropped []DropJSON       `json:"credentials_dropped"`
	RemoteAddr         string           `json:"remote_addr,omitempty"`
	TimingsMS          TimingsJSON      `json:"timings_ms"`
}

// CredentialJSON is a credential with its value masked.
type CredentialJSON struct {
	Kind  CredentialKind `json:"kind"`
	Name  string         `json:"name"`
	Value string         `json:"value"`
}

// DropJSON is a dropped credential and why.
type DropJSON struct {
	Kind   CredentialKind `json:"kind"`
	Name   string         `json:"name"`
	Reason string         `json:"reason"`
}

// TimingsJSON are phase durations in milliseconds.
type TimingsJSON struct {
	DNS      float64 `json:"dns"`
	Connect  float64 `json:"connect"`
	TLS      float64 `json:"tls"`
	Server   float64 `json:"server"`
	Transfer float64 `json:"transfer"`
	Total    float64 `json:"total"`
}

// TokenJSON is a decoded token's header and time claims.
type TokenJSON struct {
	Where     string     `json:"where"`
	Alg       string     `json:"alg,omitempty"`
	Issuer    string     `json:"iss,omitempty"`
	Subject   string     `json:"sub,omitempty"`
	Audience  []string   `json:"aud,omitempty"`
	Scopes    []string   `json:"scope,omitempty"`
	Expires   *time.Time `json:"exp,omitempty"`
	NotBefore *time.Time `json:"nbf,omitempty"`
	IssuedAt  *time.Time `json:"iat,omitempty"`
	Expired   bool       `json:"expired"`
}

// FailureJSON is the transport failure, if nothing usable answered.
type FailureJSON struct {
	Kind    FailureKind `json:"kind"`
	Message string      `json:"message"`
}

// ProxyJSON is the proxy the request went through and where that setting
// came from.
type ProxyJSON struct {
	URL    string `json:"url"`
	Source string `json:"source"`
}

// HostsEntryJSON is a hosts-file line naming the host.
type HostsEntryJSON struct {
	File string `json:"file"`
	Line int    `json:"line"`
	IP   string `json:"ip"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func timingsJSON(t Timings) TimingsJSON {
	return TimingsJSON{ms(t.DNS), ms(t.Connect), ms(t.TLS), ms(t.Server), ms(t.Transfer), ms(t.Total)}
}

// TotalTimings adds up the phases of every hop.
func (e *Exchange) TotalTimings() Timings {
	var t Timings
	for _, h := range e.Hops {
		t.DNS += h.Timings.DNS
		t.Connect += h.Timings.Connect
		t.TLS += h.Timings.TLS
		t.Server += h.Timings.Server
		t.Transfer += h.Timings.Transfer
		t.Total += h.Timings.Total
	}
	return t
}

// JSON builds the shareable JSON document for a result.
func (r *Result) JSON() CheckJSON {
	ex := &r.Exchange
	d := &r.Diagnosis
	red := ExchangeRedactor(ex)
	red.Add(r.Request.Secrets()...)
	out := CheckJSON{
		Schema:          SchemaVersion,
		Status:          d.Status,
		StatusText:      StatusText(d.Status),
		Verdict:         d.Verdict,
		Summary:         red.Text(d.Summary),
		Challenges:      challengesJSON(d.Challenges, red),
		ProxyChallenges: challengesJSON(d.ProxyChallenges, red),
		Redirects:       []HopJSON{},
		Steps:           d.Steps,
		TimingsMS:       timingsJSON(ex.TotalTimings()),
		ClockSkewSecs:   int64(d.Skew / time.Second),
		Tokens:          []TokenJSON{},
		RequestIDs:      []string{},
		Hosts:           []HostsEntryJSON{},
		Notes:           []string{},
		CheckedAt:       ex.Facts.Now.UTC(),
	}
	// Findings pass through the document's redactor too: it also knows the
	// request's secrets (the password as typed, cookie values).
	out.Findings = make([]Finding, 0, len(d.Findings))
	for _, f := range d.Findings {
		f.Title, f.Detail, f.Evidence = red.Text(f.Title), red.Text(f.Detail), red.Text(f.Evidence)
		out.Findings = append(out.Findings, f)
	}
	if len(ex.Hops) > 0 {
		out.URL = red.URL(ex.Hops[0].URL)
		out.Method = ex.Hops[0].Method
		last := ex.Last()
		out.FinalURL = red.URL(last.URL)
		for _, id := range RequestIDs(last.Header) {
			out.RequestIDs = append(out.RequestIDs, red.Text(id))
		}
	} else if r.Request.URL != "" {
		out.URL = red.URL(r.Request.URL)
		out.FinalURL = out.URL
	}
	for _, h := range ex.Hops {
		hj := HopJSON{URL: red.URL(h.URL), Method: h.Method, Status: h.Status, Location: red.URL(h.Location),
			CredentialsSent: []CredentialJSON{}, CredentialsDropped: []DropJSON{}, RemoteAddr: Sanitize(h.RemoteAddr), TimingsMS: timingsJSON(h.Timings)}
		for _, c := range h.Sent {
			hj.CredentialsSent = append(hj.CredentialsSent, CredentialJSON{Kind: c.Kind, Name: Sanitize(c.Name), Value: maskedValue(c)})
		}
		for _, dr := range h.Dropped {
			hj.CredentialsDropped = append(hj.CredentialsDropped, DropJSON{Kind: dr.Credential.Kind, Name: Sanitize(dr.Credential.Name), Reason: dr.Reason})
		}
		out.Redirects = append(out.Redirects, hj)
	}
	if !d.ServerDate.IsZero() {
		t := d.ServerDate
		out.ServerDate = &t
	}
	ref := d.ServerDate
	if ref.IsZero() {
		ref = ex.Facts.Now
	}
	for _, t := range d.Tokens {
		tj := TokenJSON{Where: red.Text(t.Where), Alg: red.Text(t.Alg), Issuer: red.Text(t.Issuer), Subject: red.Text(t.Subject), Audience: redactAll(red, t.Audience), Scopes: redactAll(red, t.Scopes),
			Expires: timePtr(t.Expires), NotBefore: timePtr(t.NotBefore), IssuedAt: timePtr(t.IssuedAt)}
		tj.Expired = t.ExpiredAt(ref)
		out.Tokens = append(out.Tokens, tj)
	}
	if ex.Failure != nil {
		out.Failure = &FailureJSON{Kind: ex.Failure.Kind, Message: red.Text(ex.Failure.Message)}
	}
	if ex.Facts.Proxy != "" {
		out.Proxy = &ProxyJSON{URL: red.URL(ex.Facts.Proxy), Source: ex.Facts.ProxySource}
	}
	for _, h := range ex.Facts.Hosts {
		out.Hosts = append(out.Hosts, HostsEntryJSON{File: Sanitize(h.File), Line: h.Line, IP: Sanitize(h.IP)})
	}
	for _, n := range ex.Notes {
		out.Notes = append(out.Notes, red.Text(n))
	}
	return out
}

func maskedValue(c Credential) string {
	switch c.Kind {
	case CredCookie, CredAPIKeyQuery, CredAPIKeyHeader:
		return MaskSecret(c.Value)
	}
	return Sanitize(MaskCredential(c.Value))
}

func redactAll(r *Redactor, in []string) []string {
	var out []string
	for _, s := range in {
		out = append(out, r.Text(s))
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func challengesJSON(cs []Challenge, red *Redactor) []ChallengeJSON {
	out := []ChallengeJSON{}
	for _, c := range cs {
		cj := ChallengeJSON{Scheme: red.Text(c.Scheme), Token68: red.Text(c.Token68), Params: map[string]string{}}
		for k, v := range c.Params {
			cj.Params[red.Text(k)] = red.Text(v)
		}
		out = append(out, cj)
	}
	return out
}

// HostOf returns the host of a URL, or "" when it does not parse.
func HostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
