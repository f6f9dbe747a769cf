package steps

import (
	"fmt"
	"strings"

	"github.com/fix401/fix401/probe"
)

// adminChecks says what the site's administrator should check, in their
// terms: accounts, token validation, challenges, redirects, firewalls,
// logs. It is derived from the findings of the latest check (the first one
// when there is no later), from what the person tried, and from the
// request ids the server gave.
func (s *Session) adminChecks(first, latest *ReportCheck) []string {
	c := latest
	if c == nil {
		c = first
	}
	out := []string{}
	if c == nil {
		return out
	}
	add := func(format string, a ...any) {
		line := fmt.Sprintf(format, a...)
		for _, x := range out {
			if x == line {
				return
			}
		}
		out = append(out, line)
	}
	user := ""
	if s.Request.User != "" {
		user = fmt.Sprintf(" (user %q)", s.Redactor.Text(s.Request.User))
	}
	challenge := func(name string) string {
		for _, ch := range c.Challenges {
			switch name {
			case "scope":
				if ch.Scope != "" {
					return ch.Scope
				}
			case "error_description":
				if ch.ErrorDescription != "" {
					return ch.ErrorDescription
				}
			}
		}
		return ""
	}
	for _, f := range c.Findings {
		switch f.ID {
		case "credentials-rejected":
			add("The credentials reached the server and were refused. Check that the account%s exists, is enabled and not locked out, and that its password has not expired or been reset; the authentication log at the time below says which.", user)
		case "no-credentials":
			add("The request reached the server without any credentials. If the client should send some, check whether a proxy, gateway or the client's configuration strips them; if the resource should be public, check its access rules.")
		case "scheme-mismatch":
			add("The client sent a kind of credentials the server does not offer for this resource. Check which authentication schemes it should accept (the challenge below lists what it offers).")
		case "missing-challenge":
			add("The 401 answer has no WWW-Authenticate header, which HTTP requires (RFC 9110, section 11.6.1); clients that wait to be challenged then never send credentials. Add the challenge (for example Basic realm=\"…\" or Bearer).")
		case "bearer-invalid-token":
			d := challenge("error_description")
			if d != "" {
				d = " The server said: " + d + "."
			}
			add("The access token was refused as invalid.%s Check the token validation: expected issuer and audience, the signing keys (a rotated key or an out-of-date JWKS cache), revocation, and the token lifetime.", d)
		case "bearer-insufficient-scope":
			if sc := challenge("scope"); sc != "" {
				add("The token lacks the scope %q. Grant it to the application or user, or check the endpoint's scope requirement.", sc)
			} else {
				add("The token lacks a scope the endpoint requires. Grant it to the application or user, or check the endpoint's scope requirement.")
			}
		case "bearer-invalid-request":
			add("The server says the request is malformed (invalid_request). Check how this endpoint expects the token (header or parameter) and which parameters it requires.")
		case "bearer-token-not-seen":
			add("The server asks for a bearer token but saw none, although other credentials were sent. Check that the endpoint accepts what the client sends, or document that it needs a token.")
		case "token-expired", "token-not-yet-valid":
			add("The token's validity (exp/nbf) does not cover this moment by the server's clock. Check the issuer's token lifetime, the client's refresh flow, and that the clocks of the issuer and this server are synchronised (NTP).")
		case "clock-skew":
			add("The server's clock differs from the client's by %d seconds. Check time synchronisation (NTP) on the server, and on the client.", abs64(c.ClockSkewSeconds))
		case "credentials-dropped-on-redirect":
			add("A redirect to another host dropped the credentials (HTTP clients do this on purpose). Serve the resource without the cross-host redirect, or give clients the final address.")
		case "redirect-to-login":
			add("The request is redirected to a sign-in page. For API clients, answer 401 with a WWW-Authenticate challenge instead; for browsers, check the single sign-on session and its cookies.")
		case "waf-block":
			add("A web application firewall or bot protection answered, not the application. Look the request id up in the firewall's logs and check the rule that matched.")
		case "proxy-auth-required", "proxy-error", "proxy-in-use":
			add("A proxy between the person and the site is involved. The network administrators should check the proxy's own login, and whether it strips or rewrites the Authorization header.")
		case "negotiate-required":
			add("The server offers only Negotiate/NTLM (Windows integrated sign-in). Check the service principal name (SPN) and Kerberos setup, whether the client machine is in the domain, and the browser's intranet-zone settings.")
		case "digest-required":
			add("The server requires Digest authentication. Check the realm and that the account has a Digest password (HA1) for it.")
		case "cookie-expired", "session-expired":
			add("The session (cookie) expired or was ended. Check the session lifetime and whether sessions end early (a restart, load-balancer stickiness, a shared session store).")
		case "insecure-transport":
			if f.Severity == probe.SevInfo {
				continue // Loopback: nothing left the machine.
			}
			add("Credentials were sent over plain http. Serve the site over https and redirect http to it.")
		case "forbidden":
			add("403: the server knows the account%s but does not allow it here. Check its roles and permissions for this resource.", user)
		case "not-found":
			add("The address answers %s. Check the path, and whether the site hides pages from accounts that may not see them.", c.StatusText)
		case "rate-limited":
			add("The server limits the rate of requests (429). Check the limits for this client or account.")
		case "server-error":
			add("The server failed (%s). Check the application's logs at the time below.", c.StatusText)
		case "captive-portal":
			add("The network (511) wants its own sign-in before anything reaches the site: a captive portal, for the network administrators.")
		case "tls-untrusted-certificate", "tls-error":
			add("The secure connection failed (%s). Check the certificate chain, its names and expiry; a company proxy may also intercept HTTPS.", f.ID)
		case "too-many-redirects":
			add("The redirects loop (more than 10). Check the redirect rules, often between http/https or www and no www, or a sign-in page that sends back.")
		case "method-changed-on-redirect":
			add("A POST became a GET on a 301/302/303 redirect. Use 307/308 for redirects that must keep the method and body.")
		}
	}
	for _, n := range []int{6, 7} {
		if s.Answers[n] {
			add("The person says it works in their browser after step %d (%s): the problem was in the browser, not the server.", n, probe.StepTitle(n))
		}
	}
	when := c.At.UTC().Format("2006-01-02 15:04:05 UTC")
	if len(c.RequestIDs) > 0 {
		add("Search the server's logs for %s around %s.", strings.Join(c.RequestIDs, ", "), when)
	} else if c.Status != 0 {
		add("Search the server's logs for %s %s around %s (the server sent no request id).", c.Method, c.FinalURL, when)
	}
	return out
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
