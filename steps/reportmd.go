package steps

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Markdown renders the report for people: headings, lists and tables that
// read well as plain text and render in any Markdown viewer (a ticket, a
// chat, an e-mail client). Text from servers is escaped so that it cannot
// turn into links, images or markup.
func (rep SupportReport) Markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

	w("# fix401 support report\n\n")
	w("- **Address:** %s (%s)\n", code(rep.URL), md(rep.Method))
	w("- **Outcome:** %s\n", md(rep.Outcome.Summary))
	w("- **Written:** %s", ts(rep.GeneratedAt))
	if rep.Session.StartedAt != nil {
		w(" · session started %s", ts(*rep.Session.StartedAt))
	}
	if rep.Session.ResumedFrom != nil {
		w(" · resumed from a session saved %s", ts(*rep.Session.ResumedFrom))
	}
	w("\n")
	osName := rep.OS.Name
	if osName == "" {
		osName = rep.OS.GOOS
	}
	w("- **System:** fix401 %s on %s (%s/%s)\n", md(rep.Fix401), md(osName), md(rep.OS.GOOS), md(rep.OS.Arch))
	if rep.Session.Kind == "check" {
		w("- **Session:** %s (one fix401 check; no steps were tried)\n", code(rep.Session.ID))
	} else {
		w("- **Session:** %s (the wizard; %s)\n", code(rep.Session.ID), md(strings.ReplaceAll(rep.Session.State, "_", " ")))
	}
	w("\nPasswords, tokens, cookie values and other secrets are not in this report; where one is mentioned, at most its last 4 characters are shown.\n")

	if len(rep.AdminChecks) > 0 {
		w("\n## What the administrator should check\n\n")
		for _, c := range rep.AdminChecks {
			w("- %s\n", md(c))
		}
	}

	w("\n## Who to contact\n\n")
	if len(rep.Contacts) == 0 {
		w("The site named no contact in its answer (no `error_uri`, no `Link: rel=\"help\"`).")
		if !rep.SecurityTxt.Asked {
			w(" Its security.txt was not looked up.")
		}
		w("\n")
	}
	for _, c := range rep.Contacts {
		w("- %s — %s", code(c.Value), md(c.Source))
		if c.Note != "" {
			w(" (%s)", md(c.Note))
		}
		w("\n")
	}
	if rep.SecurityTxt.Asked && rep.SecurityTxt.Error != "" {
		w("- security.txt: %s\n", md(rep.SecurityTxt.Error))
	}

	if rep.FirstCheck != nil {
		title := "First check"
		if rep.LatestCheck == nil {
			title = "The check"
		}
		rep.FirstCheck.markdown(&b, title)
	}
	if rep.LatestCheck != nil {
		rep.LatestCheck.markdown(&b, "Latest check")
	}

	if rep.Session.Kind != "check" {
		rep.markdownSteps(&b)
	}

	if len(rep.Refreshes) > 0 {
		w("\n## OAuth token refreshes\n\n")
		for _, r := range rep.Refreshes {
			w("- %s at %s (client %s): ", ts(r.At), code(r.TokenURL), code(r.ClientID))
			if r.OK {
				w("a new access token, %s", md(r.Token))
				if r.Rotated {
					w("; the refresh token was rotated")
				}
			} else {
				w("failed")
				if r.Code != "" {
					w(" with %s", code(r.Code))
				}
				if r.Status != 0 {
					w(" (HTTP %d)", r.Status)
				}
				w(": %s", md(r.Plain))
			}
			w("\n")
		}
	}

	if len(rep.NotIncluded) > 0 {
		w("\n## Left out\n\n")
		for _, n := range rep.NotIncluded {
			w("- %s\n", md(n))
		}
	}
	if len(rep.Notes) > 0 {
		w("\n## Notes\n\n")
		for _, n := range rep.Notes {
			w("- %s\n", md(n))
		}
	}
	return b.String()
}

// markdownSteps writes the re-tests and the steps of a wizard session.
func (rep SupportReport) markdownSteps(b *strings.Builder) {
	w := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	w("\n## Re-tests\n\n")
	if len(rep.Retests) == 0 {
		w("None: no step was tried yet.\n")
	} else {
		w("| time (UTC) | after | before → after | outcome | what changed |\n|---|---|---|---|---|\n")
		for _, rt := range rep.Retests {
			after := "re-test"
			if rt.Step != 0 {
				after = fmt.Sprintf("step %d (%s)", rt.Step, rt.StepTitle)
			}
			outcome := outcomeWords(rt.Outcome)
			if rt.Answer != "" {
				outcome += "; in the browser: " + rt.Answer
			}
			w("| %s | %s | %s → %s | %s | %s |\n", rt.At.UTC().Format("15:04:05"), cell(after), cell(rt.Before.StatusText), cell(rt.After.StatusText), cell(outcome), cell(rt.Change))
		}
	}

	w("\n## Steps\n\n")
	w("| order | step | state | the person's answer | re-tests | last outcome |\n|---|---|---|---|---|---|\n")
	for _, st := range rep.Steps {
		last := ""
		if st.LastOutcome != "" {
			last = outcomeWords(st.LastOutcome)
		}
		w("| %d | %d. %s | %s | %s | %d | %s |\n", st.Position, st.Number, cell(st.Title), cell(st.State), cell(st.Answer), st.Retests, cell(last))
	}

}

func (c *ReportCheck) markdown(b *strings.Builder, title string) {
	w := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	w("\n## %s: %s\n\n", title, md(c.StatusText))
	w("- **When:** %s\n", c.At.UTC().Format("2006-01-02 15:04:05 UTC"))
	w("- **Request:** %s %s", md(c.Method), code(c.URL))
	if c.FinalURL != "" && c.FinalURL != c.URL {
		w(" → ended at %s", code(c.FinalURL))
	}
	w("\n- **Verdict:** %s — %s\n", code(string(c.Verdict)), md(c.Summary))
	if c.Failure != nil {
		w("- **Failure:** %s: %s\n", code(string(c.Failure.Kind)), md(c.Failure.Message))
	}
	if c.ServerDate != nil {
		w("- **Server clock:** %s (skew %d s)\n", c.ServerDate.UTC().Format("2006-01-02 15:04:05 UTC"), c.ClockSkewSeconds)
	}
	if c.Proxy != nil {
		w("- **Proxy:** %s (%s)\n", code(c.Proxy.URL), md(c.Proxy.Source))
	}
	if len(c.RecommendedSteps) > 0 {
		w("- **Recommended order of the steps:** %s\n", joinInts(c.RecommendedSteps, ", "))
	}

	w("\n### What the server said\n\n")
	if len(c.Challenges) == 0 {
		w("No challenge (no `WWW-Authenticate` or `Proxy-Authenticate` header).\n")
	}
	for _, ch := range c.Challenges {
		w("- %s: %s\n", md(ch.Header), code(ch.Raw))
		for _, kv := range [][2]string{{"realm", ch.Realm}, {"error", ch.Error}, {"error_description", ch.ErrorDescription}, {"error_uri", ch.ErrorURI}, {"scope", ch.Scope}} {
			if kv[1] != "" {
				w("  - %s: %s\n", kv[0], code(kv[1]))
			}
		}
	}
	if len(c.RequestIDs) > 0 {
		w("- Request ids (for the server's logs): %s\n", joinCode(c.RequestIDs))
	}

	w("\n### Findings\n\n")
	if len(c.Findings) == 0 {
		w("None.\n")
	}
	for _, f := range c.Findings {
		w("- **%s** (%s, %s)", md(f.Title), code(f.ID), md(string(f.Severity)))
		if f.Detail != "" {
			w(": %s", md(f.Detail))
		}
		if f.Evidence != "" {
			w(" Evidence: %s", code(f.Evidence))
		}
		if len(f.Steps) > 0 {
			w(" → steps %s", joinInts(f.Steps, ", "))
		}
		w("\n")
	}

	if len(c.Redirects) > 0 {
		if len(c.Redirects) > 1 {
			w("\n### Redirect chain\n\n")
		} else {
			w("\n### Request\n\n")
		}
		for i, h := range c.Redirects {
			status := "no answer"
			if h.Status != 0 {
				status = fmt.Sprint(h.Status)
			}
			w("%d. %s %s → %s", i+1, md(h.Method), code(h.URL), status)
			if h.Location != "" {
				w(", Location: %s", code(h.Location))
			}
			w("\n")
			if len(h.CredentialsSent) > 0 {
				var parts []string
				for _, cr := range h.CredentialsSent {
					parts = append(parts, md(string(cr.Kind))+" "+code(cr.Name+" "+cr.Value))
				}
				w("   - sent: %s\n", strings.Join(parts, ", "))
			}
			for _, d := range h.CredentialsDropped {
				w("   - dropped %s %s: %s\n", md(string(d.Kind)), code(d.Name), md(d.Reason))
			}
		}
	}
	if len(c.Tokens) > 0 {
		w("\n### Tokens sent (decoded, never the token itself)\n\n")
		for _, t := range c.Tokens {
			w("- %s: alg %s", md(t.Where), code(t.Alg))
			if t.Issuer != "" {
				w(", iss %s", code(t.Issuer))
			}
			if t.Subject != "" {
				w(", sub %s", code(t.Subject))
			}
			if len(t.Audience) > 0 {
				w(", aud %s", joinCode(t.Audience))
			}
			if len(t.Scopes) > 0 {
				w(", scope %s", joinCode(t.Scopes))
			}
			if t.Expires != nil {
				w(", exp %s", t.Expires.UTC().Format("2006-01-02 15:04:05 UTC"))
			}
			if t.Expired {
				w(" (**expired**)")
			}
			w("\n")
		}
	}
}

// md escapes text for Markdown: what could start markup, a link or an
// image is backslash-escaped, and line breaks become spaces.
func md(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '#', '!', '~':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// code puts text in a code span, which shows it literally; a span long
// enough to hold the text's own backticks is used.
func code(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	if s == "" {
		return "(none)"
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || len(fence) > 1 {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

func joinCode(list []string) string {
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = code(s)
	}
	return strings.Join(parts, ", ")
}

// joinInts joins the numbers ns with sep: 3, 10 → "3, 10".
func joinInts(ns []int, sep string) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, sep)
}

// cell is md for a table cell.
func cell(s string) string {
	if s == "" {
		return "–"
	}
	return md(s)
}
