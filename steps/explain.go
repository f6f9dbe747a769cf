package steps

import (
	"fmt"
	"time"

	"github.com/fix401/fix401/probe"
)

// Meaning says in one plain sentence what a status means, for someone who
// does not know what a status code is. The diagnosis's own Summary is
// preferred when it has one.
func Meaning(d *probe.Diagnosis) string {
	if d == nil {
		return ""
	}
	if d.Summary != "" {
		return probe.Sanitize(d.Summary)
	}
	return MeaningOf(d.Status)
}

// MeaningOf is the generic sentence for a status.
func MeaningOf(status int) string {
	switch {
	case status == 0:
		return "Nothing answered: the address could not be reached."
	case status == 401:
		return "The site did not accept who you are: it wants login information it can check, and what it got (if anything) did not work."
	case status == 403:
		return "The site knows who you are, or does not care, but will not let you in."
	case status == 404:
		return "The site says this page does not exist (some sites say so to hide pages you may not see)."
	case status == 407:
		return "A proxy on your network wants its own login before it lets you reach the site."
	case status >= 200 && status < 300:
		return "The site answered normally: it works."
	case status >= 300 && status < 400:
		return "The site sends you on to another address."
	case status >= 500:
		return "The site itself has a problem; this is not about your login."
	}
	return "The site refused the request."
}

// WhyNot explains why this status is not one of its neighbours, so that
// nobody chases the wrong problem.
func WhyNot(status int) string {
	switch status {
	case 401:
		return "Why 401 and not 403, 404 or 500: 403 would mean the site knows you but you may not enter; 404 that the page does not exist; 500 that the site is broken. 401 means only the login is the problem, and that is usually fixable from your side."
	case 403:
		return "Why 403 and not 401: with 401 better login information would help; with 403 the site will not let this account in, so usually the administrator must grant access."
	case 407:
		return "Why 407 and not 401: 401 comes from the site; 407 comes from a proxy between you and the site."
	}
	return ""
}

// ExplainChallenges says in plain words what the server asked for.
func ExplainChallenges(cs []probe.Challenge) []string {
	if len(cs) == 0 {
		return []string{"The server did not say which kind of login it wants (no WWW-Authenticate header). Apps that wait to be asked may then never send the login."}
	}
	out := make([]string, 0, len(cs)+1)
	out = append(out, "What the server asked for:")
	for _, c := range cs {
		line := "• " + explainScheme(c)
		if r := c.Param("realm"); r != "" {
			line += fmt.Sprintf(" (it calls the protected area %q)", probe.Sanitize(r))
		}
		out = append(out, line+".")
		if e := c.Param("error_description"); e != "" {
			out = append(out, "  It says: "+probe.Sanitize(e))
		} else if e := c.Param("error"); e != "" {
			out = append(out, "  Error: "+probe.Sanitize(e))
		}
	}
	return out
}

func explainScheme(c probe.Challenge) string {
	switch {
	case c.Is("Basic"):
		return "Basic: a user name and password, sent with every request"
	case c.Is("Digest"):
		return "Digest: a user name and password, proven without sending the password itself"
	case c.Is("Bearer"):
		return "Bearer: an access token, a long code an app or site gives you after you sign in"
	case c.Is("Negotiate"), c.Is("NTLM"), c.Is("Nego2"):
		return probe.Sanitize(c.Scheme) + ": your Windows or company sign-in, which browsers send by themselves on company networks"
	case c.Is("DPoP"):
		return "DPoP: an access token tied to a key on your device"
	}
	return "\"" + probe.Sanitize(c.Scheme) + "\": the site's own kind of login"
}

// Ago spells a duration out roughly: "3 hours", "5 minutes", "40 seconds".
func Ago(d time.Duration) string {
	d = abs(d)
	unit := func(n int64, name string) string {
		if n == 1 {
			return "1 " + name
		}
		return fmt.Sprintf("%d %ss", n, name)
	}
	switch {
	case d < time.Minute:
		return unit(int64(d/time.Second), "second")
	case d < time.Hour:
		return unit(int64(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return unit(int64(d/time.Hour), "hour")
	case d < 60*24*time.Hour:
		return unit(int64(d/(24*time.Hour)), "day")
	}
	return unit(int64(d/(365*24*time.Hour)), "year")
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// Prevention returns tips for next time, given the step that fixed it.
func Prevention(step int) []string {
	tips := map[int][]string{
		1:  {"Keep the password in a password manager, so it is always typed exactly.", "If the site makes you change it regularly, update it everywhere you use it (apps, scripts, saved logins)."},
		2:  {"If it happens again, clearing this one site's cookies is usually enough.", "Signing out properly (not just closing the tab) avoids stale logins."},
		3:  {"Sessions and tokens run out; sign in again when a site says 401 after a break."},
		4:  {"Bookmark the final address (https, with or without www as the site uses it).", "In scripts, use the final address, so that no redirect drops the login."},
		5:  {"If the site moved servers recently, this can recur until old DNS records expire everywhere."},
		6:  {"Allow this site in your ad blocker or privacy add-on."},
		7:  {"A private window is a quick test; to fix your normal window, clear this site's cookies (step 2)."},
		8:  {"Keep the computer's clock set automatically; note which network or VPN works."},
		9:  {"Note who fixed it and what they changed, for next time."},
		10: {"Tokens expire: renew them before the expiry time, or let the app refresh them automatically.", "Store tokens in a secret manager, never in shared files."},
	}
	if t, ok := tips[step]; ok {
		return t
	}
	return []string{"If it breaks again, run fix401 on the same address: it re-checks in seconds."}
}
