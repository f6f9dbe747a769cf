package steps

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/fix401/fix401/probe"
)

// Report is the summary for a site administrator: the address, what the
// server answered, what fix401 found and every step tried with its
// before → after. Secrets are hidden; server text is sanitized.
func (s *Session) Report() []string {
	r := s.Redactor
	out := []string{"Summary for the site administrator (made by fix401):"}
	out = append(out, "Address: "+r.URL(s.Request.URL))
	if s.Initial != nil {
		first := Snap(s.Initial)
		out = append(out, "First answer: "+first.StatusText()+" at "+s.Initial.Exchange.Facts.Now.UTC().Format("2006-01-02 15:04 UTC"))
		if m := Meaning(&s.Initial.Diagnosis); m != "" {
			out = append(out, "  "+r.Text(m))
		}
		for _, c := range s.Initial.Diagnosis.Challenges {
			out = append(out, "  WWW-Authenticate: "+r.Text(c.Raw))
		}
		if len(s.Initial.Diagnosis.Findings) > 0 {
			out = append(out, "Found:")
			for _, f := range s.Initial.Diagnosis.Findings {
				out = append(out, fmt.Sprintf("  - %s [%s]", r.Text(f.Title), r.Text(f.ID)))
			}
		}
	}
	if s.Last != nil && s.Last != s.Initial {
		out = append(out, "Latest answer: "+Snap(s.Last).StatusText())
	}
	tried := false
	for n := 1; n <= NumSteps; n++ {
		if s.States[n] == StateDone || s.States[n] == StateFixed || s.States[n] == StateSkipped {
			tried = true
		}
	}
	if tried || len(s.History) > 0 {
		out = append(out, "Tried:")
		for _, h := range s.History {
			name := "re-test"
			if h.Step != 0 {
				name = fmt.Sprintf("step %d (%s)", h.Step, probe.StepTitle(h.Step))
			}
			line := fmt.Sprintf("  - %s: %s → %s, %s", name, h.Before.StatusText(), h.After.StatusText(), h.Outcome)
			if h.Change != "" {
				line += "; " + r.Text(h.Change)
			}
			out = append(out, line)
		}
		var skipped []string
		for _, n := range s.Order {
			if s.States[n] == StateSkipped {
				skipped = append(skipped, fmt.Sprint(n))
			}
		}
		if len(skipped) > 0 {
			out = append(out, "  - skipped steps: "+strings.Join(skipped, ", "))
		}
	}
	if len(s.Answers) > 0 {
		keys := make([]int, 0, len(s.Answers))
		for k := range s.Answers {
			keys = append(keys, k)
		}
		sort.Ints(keys)
		for _, k := range keys {
			ans := "still fails in the browser"
			if s.Answers[k] {
				ans = "works in the browser"
			}
			out = append(out, fmt.Sprintf("  - after step %d the person said: %s", k, ans))
		}
	}
	return out
}

// Technical is the detail for the help-desk person: the request as sent
// (secrets masked), every hop with its status, credentials sent and
// dropped, the raw challenges, the server clock, decoded token claims and
// the findings with their evidence.
func (s *Session) Technical() []string {
	r := s.Redactor
	req := s.Request
	out := []string{"Request:"}
	method := req.Method
	if method == "" {
		method = "GET"
		if req.Body != "" {
			method = "POST"
		}
	}
	out = append(out, "  "+method+" "+r.URL(req.URL))
	if req.HasUser {
		out = append(out, "  user: "+probe.Sanitize(req.User)+"  password: "+probe.MaskSecret(req.Password))
	}
	if req.Bearer != "" {
		out = append(out, "  Authorization: Bearer "+probe.MaskSecret(req.Bearer))
	}
	for _, h := range req.Headers {
		out = append(out, "  "+probe.Sanitize(h.Name)+": "+r.Header(h.Name, h.Value))
	}
	if len(req.Cookies) > 0 {
		out = append(out, fmt.Sprintf("  cookies: %d", len(req.Cookies)))
	}
	if s.Last == nil {
		return out
	}
	ex := &s.Last.Exchange
	for i, h := range ex.Hops {
		out = append(out, fmt.Sprintf("Hop %d: %s %s", i+1, probe.Sanitize(h.Method), r.URL(h.URL)))
		status := fmt.Sprintf("  ← %s", StatusText(h.Status))
		if h.Proto != "" {
			status += " (" + probe.Sanitize(h.Proto) + ")"
		}
		if h.RemoteAddr != "" {
			status += " from " + probe.Sanitize(h.RemoteAddr)
		}
		if h.Timings.Total >= time.Millisecond {
			status += fmt.Sprintf(" in %d ms", h.Timings.Total.Milliseconds())
		}
		out = append(out, status)
		for _, c := range h.Sent {
			out = append(out, "  sent "+string(c.Kind)+" "+probe.Sanitize(c.Name))
		}
		for _, d := range h.Dropped {
			out = append(out, "  dropped "+string(d.Credential.Kind)+" "+probe.Sanitize(d.Credential.Name)+": "+r.Text(d.Reason))
		}
		for _, name := range []string{"WWW-Authenticate", "Proxy-Authenticate", "Location", "Server", "Date", "Via"} {
			for _, v := range h.Header.Values(name) {
				out = append(out, "  "+name+": "+r.Header(name, v))
			}
		}
		if len(h.Body) > 0 {
			body := r.Text(string(h.Body))
			if len(body) > 160 {
				body = body[:160] + "…"
			}
			out = append(out, "  body: "+body)
		}
	}
	if ex.Failure != nil {
		out = append(out, "Failure: "+string(ex.Failure.Kind)+": "+r.Text(ex.Failure.Message))
	}
	d := &s.Last.Diagnosis
	if !d.ServerDate.IsZero() {
		out = append(out, fmt.Sprintf("Server clock: %s (skew %s)", d.ServerDate.UTC().Format("2006-01-02 15:04:05 UTC"), d.Skew.Round(1e9)))
	}
	for _, t := range d.Tokens {
		rep := s.reportToken(t, d)
		out = append(out, "Token ("+probe.Sanitize(t.Where)+") header:")
		for _, l := range rep.Header {
			out = append(out, "  "+l)
		}
		out = append(out, "  claims:")
		for _, l := range rep.Claims {
			out = append(out, "  "+l)
		}
	}
	if len(d.Findings) > 0 {
		out = append(out, "Findings:")
		for _, f := range d.Findings {
			out = append(out, fmt.Sprintf("  %s (%s) → steps %v", probe.Sanitize(f.ID), f.Severity, f.Steps))
			if f.Evidence != "" {
				out = append(out, "    "+r.Text(f.Evidence))
			}
		}
	}
	for _, n := range ex.Notes {
		out = append(out, "Note: "+r.Text(n))
	}
	return out
}
