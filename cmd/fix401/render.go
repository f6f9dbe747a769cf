package main

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/fix401/fix401/probe"
	"mvdan.cc/sh/v3/syntax"
)

// reportStyles are the colours of the check report. Colours are chosen to
// read on dark and light backgrounds alike (a one-shot command cannot ask
// the terminal for its background without a delay).
type reportStyles struct {
	title, status, ok, warn, bad, info, faint, bold, key lipgloss.Style
}

func newReportStyles() reportStyles {
	return reportStyles{
		title:  lipgloss.NewStyle().Bold(true),
		status: lipgloss.NewStyle().Bold(true),
		ok:     lipgloss.NewStyle().Foreground(lipgloss.Green),
		warn:   lipgloss.NewStyle().Foreground(lipgloss.Yellow),
		bad:    lipgloss.NewStyle().Foreground(lipgloss.Red),
		info:   lipgloss.NewStyle().Foreground(lipgloss.Blue),
		faint:  lipgloss.NewStyle().Faint(true),
		bold:   lipgloss.NewStyle().Bold(true),
		key:    lipgloss.NewStyle().Foreground(lipgloss.Cyan),
	}
}

// Icons used in the report.
const (
	iconOK   = "✓"
	iconErr  = "✗"
	iconWarn = "!"
	iconInfo = "i"
)

// renderReport draws the doctor-style report of one check. Everything from
// the server or the person passes through the exchange's Redactor.
func renderReport(res *probe.Result, st reportStyles, verbose bool, guide string) string {
	ex := &res.Exchange
	d := &res.Diagnosis
	red := probe.ExchangeRedactor(ex)
	red.Add(res.Request.Secrets()...)
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }

	target := res.Request.URL
	if len(ex.Hops) > 0 {
		target = ex.Hops[0].URL
	}
	method := "GET"
	if len(ex.Hops) > 0 {
		method = ex.Hops[0].Method
	}
	line("%s %s", st.title.Render("fix401 check"), st.faint.Render(method+" "+red.URL(target)))
	line("")
	statusStyle := st.bad
	switch d.Verdict {
	case probe.VerdictOK:
		statusStyle = st.ok
	case probe.VerdictUnreachable:
		statusStyle = st.warn
	}
	head := probe.StatusText(d.Status)
	if d.Status == 0 && ex.Failure != nil {
		// The failure's kind in words: "connection refused", not the
		// JSON's "connection-refused".
		head = "No answer (" + strings.ReplaceAll(string(ex.Failure.Kind), "-", " ") + ")"
	}
	line("  %s  %s", statusStyle.Inherit(st.status).Render(head), st.faint.Render("verdict: "+string(d.Verdict)))
	line("  %s", wrap(red.Text(d.Summary), 88, "  "))
	line("")

	if len(d.Findings) > 0 {
		line("%s", st.bold.Render("What fix401 found"))
		for _, f := range d.Findings {
			icon := map[probe.Severity]string{probe.SevError: st.bad.Render(iconErr), probe.SevWarning: st.warn.Render(iconWarn), probe.SevInfo: st.info.Render(iconInfo)}[f.Severity]
			line("  %s %s  %s", icon, st.bold.Render(red.Text(f.Title)), st.faint.Render("["+f.ID+"] → "+stepList(f.Steps)))
			line("    %s", wrap(red.Text(f.Detail), 86, "    "))
			if f.Evidence != "" {
				line("    %s", styleLines(st.faint, wrap("evidence: "+red.Text(f.Evidence), 86, "    ")))
			}
		}
		line("")
	} else if d.Verdict == probe.VerdictOK {
		line("  %s %s", st.ok.Render(iconOK), "Nothing stands in the way: no findings.")
		line("")
	}

	if len(d.Challenges) > 0 || len(d.ProxyChallenges) > 0 {
		// A 407's challenge comes from the proxy, not the site.
		title := "What the server asks for"
		switch {
		case len(d.Challenges) == 0:
			title = "What the proxy asks for"
		case len(d.ProxyChallenges) > 0:
			title = "What the server and the proxy ask for"
		}
		line("%s", st.bold.Render(title))
		challenge := func(header string, c probe.Challenge) {
			line("  %s %s", st.key.Render(header+":"), wrap(red.Text(c.Raw), 84-len(header), "    "))
			line("    %s", st.faint.Render(probe.SchemeInPlainWords(c.Scheme)))
		}
		for _, c := range d.Challenges {
			challenge("WWW-Authenticate", c)
		}
		for _, c := range d.ProxyChallenges {
			challenge("Proxy-Authenticate", c)
		}
		line("")
	}

	if len(ex.Hops) > 0 {
		// A Digest answer is a second request, not a redirect.
		title := "Request"
		for _, h := range ex.Hops[1:] {
			if h.DigestRetry {
				title = "Requests"
			} else {
				title = "Redirect chain"
				break
			}
		}
		line("%s", st.bold.Render(title))
		for i, h := range ex.Hops {
			status := probe.StatusText(h.Status)
			if h.Status == 0 && ex.Failure != nil && i == len(ex.Hops)-1 {
				status = "failed: " + red.Text(ex.Failure.Message)
			}
			line("  %d. %s %s → %s", i+1, h.Method, red.URL(h.URL), status)
			sent := "nothing"
			if len(h.Sent) > 0 {
				sent = credNames(h.Sent)
			}
			extra := ""
			if h.DigestRetry {
				extra = " (answering the Digest challenge)"
			}
			line("     %s", st.faint.Render("sent: "+sent+extra))
			for _, dr := range h.Dropped {
				line("     %s", styleLines(st.warn, wrap("dropped "+credNames([]probe.Credential{dr.Credential})+": "+dr.Reason, 84, "     ")))
			}
			if h.Location != "" && i < len(ex.Hops)-1 {
				line("     %s", st.faint.Render("Location: "+red.URL(h.Location)))
			}
			if verbose {
				for _, hl := range headerLines(h.RequestHeader, red) {
					line("     %s %s", st.faint.Render(">"), hl)
				}
				for _, hl := range headerLines(h.Header, red) {
					line("     %s %s", st.faint.Render("<"), hl)
				}
			}
		}
		if ex.TooManyRedirects {
			line("  %s", st.bad.Render("… stopped: too many redirects"))
		}
		line("")
	}

	if len(d.Tokens) > 0 {
		line("%s", st.bold.Render("Tokens"))
		ref := d.ServerDate
		clock := "server clock"
		if ref.IsZero() {
			ref, clock = ex.Facts.Now, "local clock"
		}
		for _, t := range d.Tokens {
			line("  %s: alg %s, issuer %s, audience %s", red.Text(t.Where), orDash(red.Text(t.Alg)), orDash(red.Text(t.Issuer)), orDash(red.Text(strings.Join(t.Audience, " "))))
			line("    %s (%s)", t.HumanExpiry(ref), clock)
		}
		line("")
	}

	if ids := probe.RequestIDs(lastHeader(ex)); len(ids) > 0 {
		line("%s", st.bold.Render("Request ids (give these to the administrator)"))
		for _, id := range ids {
			line("  %s", red.Text(id))
		}
		line("")
	}

	if len(ex.Hops) > 0 {
		line("%s", st.bold.Render("Timings"))
		b.WriteString(timingBars(ex.TotalTimings(), st))
		line("")
	}

	if len(ex.Notes) > 0 {
		line("%s", st.bold.Render("Notes"))
		for _, n := range ex.Notes {
			line("  - %s", wrap(red.Text(n), 86, "    "))
		}
		line("")
	}

	if d.Verdict != probe.VerdictOK {
		line("%s", st.bold.Render("Try these steps, in this order"))
		for i, s := range d.Steps {
			line("  %2d. %s %s", i+1, probe.StepTitle(s), st.faint.Render(fmt.Sprintf("(step %d)", s)))
		}
		line("")
		if guide == "" {
			guide = guideLine(ex.Facts.Source, red.URL(target))
		}
		line("%s", st.faint.Render(guide))
	}
	return b.String()
}

func lastHeader(ex *probe.Exchange) http.Header {
	if l := ex.Last(); l != nil {
		return l.Header
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func stepList(steps []int) string {
	var parts []string
	for _, s := range steps {
		parts = append(parts, fmt.Sprint(s))
	}
	if len(parts) == 1 {
		return "step " + parts[0]
	}
	return "steps " + strings.Join(parts, ", ")
}

func credNames(cs []probe.Credential) string {
	var parts []string
	for _, c := range cs {
		switch c.Kind {
		case probe.CredCookie:
			parts = append(parts, "cookie "+probe.Sanitize(c.Name)+"="+probe.MaskSecret(c.Value))
		case probe.CredAPIKeyQuery:
			parts = append(parts, "?"+probe.Sanitize(c.Name)+"="+probe.MaskSecret(c.Value))
		default:
			parts = append(parts, probe.Sanitize(c.Name)+": "+probe.Sanitize(probe.MaskCredential(c.Value)))
		}
	}
	return strings.Join(parts, ", ")
}

func headerLines(h http.Header, red *probe.Redactor) []string {
	var names []string
	for n := range h {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		for _, v := range h[n] {
			out = append(out, probe.Sanitize(n)+": "+red.Header(n, v))
		}
	}
	return out
}

// timingBars draws one bar per phase, scaled to the slowest.
func timingBars(t probe.Timings, st reportStyles) string {
	phases := []struct {
		name string
		d    time.Duration
	}{{"DNS", t.DNS}, {"connect", t.Connect}, {"TLS", t.TLS}, {"server", t.Server}, {"transfer", t.Transfer}}
	var max time.Duration
	for _, p := range phases {
		if p.d > max {
			max = p.d
		}
	}
	const width = 40
	var b strings.Builder
	for _, p := range phases {
		n := 0
		if max > 0 {
			n = int(float64(width) * float64(p.d) / float64(max))
		}
		if n == 0 && p.d > 0 {
			n = 1
		}
		fmt.Fprintf(&b, "  %-9s %s%s %s\n", p.name, st.info.Render(strings.Repeat("█", n)), strings.Repeat(" ", width-n), fmtDur(p.d))
	}
	fmt.Fprintf(&b, "  %-9s %s %s\n", "total", strings.Repeat(" ", width), fmtDur(t.Total))
	return b.String()
}

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "–"
	case d < time.Millisecond:
		return fmt.Sprintf("%d µs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// wrap breaks text into lines of at most width columns, indenting the
// following lines.
func wrap(s string, width int, indent string) string {
	words := strings.Fields(s)
	var b strings.Builder
	col := 0
	for i, w := range words {
		wl := lipgloss.Width(w)
		if i > 0 {
			if col+1+wl > width {
				b.WriteString("\n" + indent)
				col = 0
			} else {
				b.WriteByte(' ')
				col++
			}
		}
		b.WriteString(w)
		col += wl
	}
	return b.String()
}

// styleLines styles each line of s on its own, so that Lip Gloss does not
// pad the lines of a block to one width.
func styleLines(st lipgloss.Style, s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = st.Render(l)
	}
	return strings.Join(lines, "\n")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	q, err := syntax.Quote(s, syntax.LangPOSIX)
	if err != nil {
		// Only text with a NUL byte cannot be quoted; URLs never hold one.
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return q
}
