package probe

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// DiagnoseHAR diagnoses entry i of a HAR log (an index into h.Entries) with
// the same rules as a live check (Diagnose over h.Exchange(i)), and adds
// what only the browser's own record shows:
//
//   - har-no-cookie-sent: the browser sent no cookie at all, though the site
//     had set some or other requests carried them;
//   - har-cookie-wrong-path: the login cookie's Path does not cover the
//     address that failed;
//   - har-missing-authorization: the web app's other calls to the origin
//     carried an Authorization header and this one did not;
//   - har-after-login-post: the failure follows (or is) the login form's POST;
//   - har-preflight-refused: a CORS preflight, which never carries
//     credentials, was refused;
//   - har-sanitized: the export left out cookies and credential headers, what
//     cannot be judged without them, and how to export them.
//
// Findings are sorted and the recommended step order recomputed with them.
// Like Diagnose, every string is sanitized and has secrets masked.
func DiagnoseHAR(h *HARLog, i int) Diagnosis {
	ex := h.Exchange(i)
	red := exchangeRedactor(&ex)
	red.Add(h.secretsNear(i)...)
	d := &diag{ex: &ex, red: red}
	d.run()
	if i < 0 || i >= len(h.Entries) || len(ex.Hops) == 0 {
		return d.out
	}
	hd := &harDiag{h: h, i: i, e: &h.Entries[i], chain: h.Chain(i), d: d}
	hd.u, _ = url.Parse(hd.e.URL)
	if hd.u == nil {
		hd.u = &url.URL{}
	}
	hd.run()
	return d.out
}

// harDiag holds the state of the HAR-only rules.
type harDiag struct {
	h     *HARLog
	i     int
	e     *HAREntry
	u     *url.URL
	chain []int
	d     *diag
	// forced is the step a HAR finding puts first, 0 for none.
	forced int
	// explained is set when a HAR finding says why nothing was sent, which
	// makes the generic no-credentials finding redundant.
	explained bool
}

func (hd *harDiag) run() {
	d := hd.d
	before := len(d.out.Findings)
	hd.bodyAuthError()
	hd.preflight()
	hd.afterLoginPost()
	hd.cookieWrongPath()
	hd.noCookieSent()
	hd.missingAuthorization()
	hd.sanitized()
	added := len(d.out.Findings) > before

	removed := false
	if hd.explained || hd.h.Sanitized {
		removed = hd.remove("no-credentials")
	}
	hd.harFirst()
	if hd.h.Sanitized && len(d.ex.Last().Sent) == 0 && (d.out.Status == 401 || d.out.Status == 403) {
		d.out.Summary = "The server wants to know who you are before it answers (" + StatusText(d.out.Status) + "). This HAR was saved without cookies and sign-in headers, so it does not show whether your browser sent any."
	}
	if !added && !removed {
		return
	}
	forced := d.forced
	if hd.forced != 0 && (forced == 0 || forced == StepLogin || forced == StepTokens) {
		forced = hd.forced
	} else if removed && (forced == StepLogin || forced == StepTokens) && !hd.leads(forced) {
		forced = hd.forced
	}
	d.forced = forced
	sortFindings(d.out.Findings)
	d.out.Steps = RecommendOrder(d.out.Findings, forced)
}

// remove deletes a finding by id and reports whether it was there.
func (hd *harDiag) remove(id string) bool {
	fs := hd.d.out.Findings
	for k, f := range fs {
		if f.ID == id {
			hd.d.out.Findings = append(fs[:k:k], fs[k+1:]...)
			return true
		}
	}
	return false
}

// leads reports whether an error finding puts step first.
func (hd *harDiag) leads(step int) bool {
	for _, f := range hd.d.out.Findings {
		if f.Severity == SevError && len(f.Steps) > 0 && f.Steps[0] == step {
			return true
		}
	}
	return false
}

// refused reports whether the failing entry is an authentication failure.
func (hd *harDiag) refused() bool {
	return harFailureStatus(hd.e.Status) || hd.e.AuthError != ""
}

// entryRef names an entry for the expert: "#12 GET https://…/api/me".
func (hd *harDiag) entryRef(j int) string {
	e := &hd.h.Entries[j]
	return fmt.Sprintf("#%d %s %s", e.Index+1, Sanitize(e.Method), hd.d.red.URL(e.URL))
}

// pathOf returns the path of the failing URL, "/" when empty.
func (hd *harDiag) pathOf() string {
	if hd.u.Path == "" {
		return "/"
	}
	return hd.u.Path
}

// sentCookie reports whether the failing request carried a cookie by name.
func (hd *harDiag) sentCookie(name string) bool {
	for _, c := range hd.e.RequestCookies {
		if c.Name == name {
			return true
		}
	}
	for _, c := range cookiesFromHeader(hd.e.RequestHeader) {
		if c.Name == name {
			return true
		}
	}
	return false
}

// sameSite reports whether two hosts belong to the same site, roughly: the
// same host, or the same last two labels.
func sameSite(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	if a == b {
		return true
	}
	base := func(h string) string {
		parts := strings.Split(h, ".")
		if len(parts) <= 2 {
			return h
		}
		return strings.Join(parts[len(parts)-2:], ".")
	}
	return strings.Count(a, ".") > 0 && base(a) == base(b)
}

// bodyAuthError judges a 2xx response whose body is an authentication
// error: the status line says OK, the body says the token is missing or
// invalid.
func (hd *harDiag) bodyAuthError() {
	e, d := hd.e, hd.d
	if e.AuthError == "" {
		return
	}
	d.out.Verdict = VerdictUnauthorized
	d.out.Summary = "The server answered " + StatusText(e.Status) + ", but the answer itself says the login is missing or invalid (" + Sanitize(e.AuthError) + "): the request was refused."
	steps := []int{StepTokens, StepRelogin}
	detail := "The response's status says OK, but its body is an error: " + Sanitize(e.AuthError) + "."
	switch {
	case strings.Contains(e.AuthError, "499"):
		detail += " The service needs a token and none was given: sign in to the map portal again, or add the token to the app's settings."
	case strings.Contains(e.AuthError, "498"):
		detail += " The token given is invalid or expired: sign in again to get a fresh one."
	default:
		detail += " The app's sign-in is missing or has expired: log out and back in."
		steps = []int{StepRelogin, StepTokens, StepCookies}
	}
	if len(d.ex.Last().Sent) == 0 && !hd.h.Sanitized {
		hd.explained = true
	}
	hd.forced = steps[0]
	d.add(Finding{ID: "auth-error-in-body", Severity: SevError, Title: "The answer says OK, but its content is a login error",
		Detail: detail, Evidence: hd.entryRef(hd.i) + " answered " + StatusText(e.Status) + " with " + Sanitize(e.AuthError) + " in the body",
		Steps: steps})
}

// preflight reports a refused CORS preflight.
func (hd *harDiag) preflight() {
	e := hd.e
	if e.Method != http.MethodOptions || e.RequestHeader.Get("Access-Control-Request-Method") == "" || !hd.refused() {
		return
	}
	hd.explained = true
	hd.forced = StepAdmin
	hd.d.add(Finding{ID: "har-preflight-refused", Severity: SevError, Title: "The server refused the browser's permission check",
		Detail: "Before a web app may call another site, the browser first asks that site for permission (a CORS \u201cpreflight\u201d OPTIONS request). Browsers never send cookies or tokens with that check, so the server has to answer it without a login; this one answered " +
			StatusText(e.Status) + " instead, and the real request was never sent. Nothing on your side fixes this: the site's administrator has to let OPTIONS requests through without a login.",
		Evidence: hd.entryRef(hd.i) + " (Access-Control-Request-Method: " + Sanitize(e.RequestHeader.Get("Access-Control-Request-Method")) + ") answered " + StatusText(e.Status),
		Steps:    []int{StepAdmin}})
}

// loginPost reports whether an entry is a login form's (or login API's)
// POST, and whether its body had a password field.
func loginPost(e *HAREntry) (isLogin, password bool) {
	if e.Method != http.MethodPost {
		return false, false
	}
	fields := postFields(e.PostData)
	for _, f := range fields {
		n := strings.ToLower(f)
		if strings.Contains(n, "pass") || strings.Contains(n, "pwd") {
			password = true
		}
	}
	if password || isLoginURL(e.URL) {
		return true, password
	}
	u, err := url.Parse(e.URL)
	if err != nil {
		return false, false
	}
	p := strings.ToLower(u.Path)
	for _, w := range []string{"login", "logon", "signin", "sign-in", "sign_in", "authenticate", "/session", "/auth"} {
		if strings.Contains(p, w) {
			return true, false
		}
	}
	return false, false
}

// postFields lists the field names of a form or JSON body, sorted.
func postFields(body string) []string {
	return slices.Sorted(maps.Keys(postForm(body)))
}

// afterLoginPost relates the failure to the login form's POST: the POST
// itself refused, or a failure soon after signing in.
func (hd *harDiag) afterLoginPost() {
	h, e := hd.h, hd.e
	if !hd.refused() {
		return
	}
	// The POST is part of the failing chain: the sign-in itself was refused.
	for _, j := range hd.chain {
		p := &h.Entries[j]
		isLogin, password := loginPost(p)
		if !isLogin {
			continue
		}
		what := "The sign-in form was sent"
		if password {
			what = "The sign-in form, with a password, was sent"
		}
		hd.forced = StepLogin
		hd.explained = true
		hd.d.add(Finding{ID: "har-after-login-post", Severity: SevError, Title: "The sign-in itself was refused",
			Detail:   what + " and the server answered " + StatusText(e.Status) + ": it did not accept the user name or password, or the sign-in form had expired (forms carry a security code that lapses). Reload the sign-in page and try again; check Caps Lock and the keyboard layout, and whether the account is locked.",
			Evidence: hd.entryRef(j) + " answered " + StatusText(e.Status) + postEvidence(p),
			Steps:    []int{StepLogin, StepRelogin, StepCookies, StepPrivate}})
		return
	}
	// The latest login POST before the failing chain, on the same site.
	start := hd.chain[0]
	for j := start - 1; j >= 0; j-- {
		p := &h.Entries[j]
		isLogin, _ := loginPost(p)
		if !isLogin {
			continue
		}
		pu, err := url.Parse(p.URL)
		if err != nil || !sameSite(pu.Hostname(), hd.u.Hostname()) {
			continue
		}
		if !e.Started.IsZero() && !p.Started.IsZero() && e.Started.Sub(p.Started) > 30*time.Minute {
			return
		}
		hd.afterLogin(j)
		return
	}
}

// afterLogin explains a failure that follows a login POST (entry j).
func (hd *harDiag) afterLogin(j int) {
	h, e := hd.h, hd.e
	p := &h.Entries[j]
	ref := hd.entryRef(j) + " answered " + StatusText(p.Status)
	if p.Status >= 400 || p.AuthError != "" {
		hd.forced = StepLogin
		hd.explained = true
		hd.d.add(Finding{ID: "har-after-login-post", Severity: SevError, Title: "The sign-in before this was refused",
			Detail:   "The sign-in form was sent just before and the server refused it (" + StatusText(p.Status) + "), so the browser was not signed in when it made this request. Check the user name and password and sign in again.",
			Evidence: ref + postEvidence(p) + "; then " + hd.entryRef(hd.i) + " answered " + StatusText(e.Status),
			Steps:    []int{StepLogin, StepRelogin}})
		return
	}
	if hd.h.Sanitized {
		// Without cookies and headers, what the sign-in gave the browser
		// and what it sent afterwards cannot be compared.
		return
	}
	var set, kept []string
	setAny := false
	for _, c := range p.ResponseCookies {
		if c.Value == "" || c.ExpiredAt(p.Started) || !cookieDomainMatch(c, hd.u.Hostname()) {
			continue
		}
		setAny = true
		// A cookie that had expired, or whose path does not cover this
		// address, is explained by the cookie rules.
		if c.ExpiredAt(e.Started) || !pathMatch(hd.pathOf(), c.Path) {
			continue
		}
		set = append(set, Sanitize(c.Name))
		if hd.sentCookie(c.Name) {
			kept = append(kept, Sanitize(c.Name))
		}
	}
	if setAny && len(set) == 0 {
		return
	}
	switch {
	case len(set) > 0 && len(kept) == 0:
		hd.forced = StepPrivate
		hd.explained = true
		hd.d.add(Finding{ID: "har-after-login-post", Severity: SevError, Title: "You signed in, but the browser did not keep the session",
			Detail: fmt.Sprintf("The sign-in worked (%s) and the site gave the browser its session cookie (%s), but the next request did not carry it and was refused. The browser dropped or blocked the cookie: third-party cookie blocking (when the site is embedded in another one), a privacy add-on or tracking protection, or a cookie the site set for another address.",
				StatusText(p.Status), strings.Join(set, ", ")),
			Evidence: ref + " with Set-Cookie " + strings.Join(set, ", ") + "; then " + hd.entryRef(hd.i) + " sent no such cookie",
			Steps:    []int{StepPrivate, StepAddons, StepCookies, StepAdmin}})
	case len(kept) > 0:
		hd.d.add(Finding{ID: "har-after-login-post", Severity: SevWarning, Title: "You signed in, yet the site refused its own session",
			Detail: fmt.Sprintf("The sign-in worked (%s), the browser sent the new session cookie (%s) with the next request, and the server still refused it. The site did not accept a session it had just created: often a load balancer sending you to another server that does not know the session, or the session store failing. Tell the site's administrator the time this happened.",
				StatusText(p.Status), strings.Join(kept, ", ")),
			Evidence: ref + "; then " + hd.entryRef(hd.i) + " carried " + strings.Join(kept, ", ") + " and answered " + StatusText(e.Status),
			Steps:    []int{StepAdmin, StepRelogin, StepCookies}})
	default:
		hd.d.add(Finding{ID: "har-after-login-post", Severity: SevWarning, Title: "This failed right after signing in",
			Detail:   fmt.Sprintf("The sign-in just before worked (%s), and this request was still refused. The sign-in may be for another part of the site, or the app did not pass on what the sign-in gave it.", StatusText(p.Status)),
			Evidence: ref + "; then " + hd.entryRef(hd.i) + " answered " + StatusText(e.Status),
			Steps:    []int{StepRelogin, StepCookies, StepAdmin}})
	}
}

// postEvidence names the fields of a login POST, never their values.
func postEvidence(p *HAREntry) string {
	fields := postFields(p.PostData)
	if len(fields) == 0 {
		return ""
	}
	if len(fields) > 8 {
		fields = append(fields[:8], "…")
	}
	for k, f := range fields {
		fields[k] = Sanitize(clip(f, 40))
	}
	return " (form fields: " + strings.Join(fields, ", ") + ")"
}

// sessionLike reports whether a cookie looks like a login session: an
// HttpOnly cookie, or a name that says so.
func sessionLike(c Cookie) bool {
	if c.HTTPOnly {
		return true
	}
	n := strings.ToLower(c.Name)
	for _, w := range []string{"sess", "sid", "auth", "token", "login", "jwt", "remember", "user", "identity", "oauth", "saml", "sso"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// cookieWrongPath reports a login cookie the site set with a Path that
// does not cover the address that failed.
func (hd *harDiag) cookieWrongPath() {
	h, e := hd.h, hd.e
	if h.Sanitized || !hd.refused() {
		return
	}
	reqPath := hd.pathOf()
	for _, c := range h.setCookiesBefore(hd.i) {
		if c.deletion() || pathMatch(reqPath, c.Path) || hd.sentCookie(c.Name) {
			continue
		}
		if c.ExpiredAt(e.Started) {
			continue
		}
		isLogin, _ := loginPost(&h.Entries[c.entry])
		if !sessionLike(c.Cookie) && !isLogin {
			continue
		}
		explicit := setCookieHasPath(&h.Entries[c.entry], c.Name)
		why := fmt.Sprintf("The site set the cookie %q with Path=%s, so the browser sends it only to addresses under %s.", Sanitize(c.Name), Sanitize(c.Path), Sanitize(c.Path))
		if !explicit {
			why = fmt.Sprintf("The site set the cookie %q without a Path, so the browser keeps it for the folder of the address that set it, %s, and sends it only to addresses under that.", Sanitize(c.Name), Sanitize(c.Path))
		}
		hd.forced = StepAdmin
		hd.explained = true
		hd.d.add(Finding{ID: "har-cookie-wrong-path", Severity: SevError, Title: "The login cookie is limited to another part of the site",
			Detail:   why + fmt.Sprintf(" This request went to %s, outside it, so it carried no login cookie and was refused. The site has to set the cookie with Path=/ (or call addresses under %s): that is the site's fix, not yours.", Sanitize(reqPath), Sanitize(c.Path)),
			Evidence: fmt.Sprintf("%s set %s (Path=%s); %s carried no %s", hd.entryRef(c.entry), Sanitize(c.Name), Sanitize(c.Path), hd.entryRef(hd.i), Sanitize(c.Name)),
			Steps:    []int{StepAdmin, StepURL}})
		return
	}
}

// setCookieHasPath reports whether entry e's Set-Cookie for name carried a
// Path attribute (or, without Set-Cookie fields, the export listed one).
func setCookieHasPath(e *HAREntry, name string) bool {
	lines := e.ResponseHeader.Values("Set-Cookie")
	if len(lines) == 0 {
		return true
	}
	for _, line := range lines {
		c, err := http.ParseSetCookie(line)
		if err == nil && c.Name == name {
			return c.Path != ""
		}
	}
	return true
}

// noCookieSent reports a request that carried no cookie at all to a site
// that uses them.
func (hd *harDiag) noCookieSent() {
	h, e := hd.h, hd.e
	if h.Sanitized || !hd.refused() || len(e.RequestCookies) > 0 || e.RequestHeader.Get("Cookie") != "" {
		return
	}
	if hd.d.out.Has("har-cookie-wrong-path") || hd.d.out.Has("har-after-login-post") {
		return
	}
	host := hd.u.Hostname()
	var expired, insecure, held []string
	setBy := -1
	for _, c := range h.setCookiesBefore(hd.i) {
		if c.deletion() || !pathMatch(hd.pathOf(), c.Path) {
			continue
		}
		name := Sanitize(c.Name)
		switch {
		case c.ExpiredAt(e.Started):
			expired = append(expired, fmt.Sprintf("%s (expired %s)", name, c.Expires.UTC().Format("2006-01-02 15:04:05 UTC")))
		case c.Secure && !strings.EqualFold(hd.u.Scheme, "https") && !isLoopback(host):
			insecure = append(insecure, name)
		default:
			held = append(held, name)
		}
		setBy = c.entry
	}
	// Other requests to the same host that carried cookies.
	carried, lastCarrier := 0, -1
	for j := range h.Entries {
		o := &h.Entries[j]
		if j == hd.i || (len(o.RequestCookies) == 0 && o.RequestHeader.Get("Cookie") == "") {
			continue
		}
		if ou, err := url.Parse(o.URL); err == nil && strings.EqualFold(ou.Hostname(), host) {
			carried++
			if j < hd.i || lastCarrier < 0 {
				lastCarrier = j
			}
		}
	}
	if len(expired)+len(insecure)+len(held) == 0 && carried == 0 {
		return
	}
	hd.explained = true
	if len(held)+len(insecure) == 0 && len(expired) > 0 && hd.d.out.Has("cookie-expired") {
		// The live rules already name the expired cookie.
		hd.forced = StepRelogin
		return
	}
	var because []string
	if len(expired)+len(insecure)+len(held) > 0 {
		because = append(because, "the site set cookies earlier in this recording")
	}
	if carried > 0 {
		because = append(because, fmt.Sprintf("%s to the same site carried cookies", plural(carried, "other request")))
	}
	detail := fmt.Sprintf("The request to %s carried no cookie at all, though %s.", Sanitize(host), strings.Join(because, " and "))
	steps := []int{StepPrivate, StepAddons, StepCookies, StepRelogin}
	hd.forced = StepPrivate
	if len(expired) > 0 {
		detail += " " + strings.Join(expired, ", ") + " had expired by the time of this request, so the browser no longer sent it: the session is over. Log out and back in."
		steps = []int{StepRelogin, StepCookies}
		hd.forced = StepRelogin
	}
	if len(insecure) > 0 {
		detail += " " + strings.Join(insecure, ", ") + " may only travel over https://, and this address is http://: use the https:// address."
		if len(expired) == 0 {
			steps = []int{StepURL, StepCookies}
			hd.forced = StepURL
		}
	}
	if len(held) > 0 || (carried > 0 && len(expired)+len(insecure) == 0) {
		detail += " The browser held them back: browsers block cookies when a page is embedded in or called from another site (third-party cookies, SameSite rules), tracking protection or a privacy add-on can remove them, or they were deleted. A private window with add-ons off tells which."
	}
	var ev []string
	ev = append(ev, hd.entryRef(hd.i)+" sent no Cookie")
	if setBy >= 0 {
		ev = append(ev, "cookies set by "+hd.entryRef(setBy))
	}
	if lastCarrier >= 0 {
		ev = append(ev, "cookies carried by "+hd.entryRef(lastCarrier))
	}
	hd.d.add(Finding{ID: "har-no-cookie-sent", Severity: SevError, Title: "Your browser sent no cookie to this site",
		Detail: detail, Evidence: strings.Join(ev, "; "), Steps: steps})
}

// missingAuthorization reports a request without the Authorization header
// the web app's other calls to the same origin carried.
func (hd *harDiag) missingAuthorization() {
	h, e := hd.h, hd.e
	if h.Sanitized || !hd.refused() || e.Method == http.MethodOptions || e.RequestHeader.Get("Authorization") != "" {
		return
	}
	origin := e.Origin()
	count, example := 0, -1
	for j := range h.Entries {
		o := &h.Entries[j]
		if j == hd.i || o.RequestHeader.Get("Authorization") == "" || o.Origin() != origin {
			continue
		}
		count++
		if j < hd.i || example < 0 {
			example = j
		}
	}
	if count == 0 {
		return
	}
	hd.explained = true
	sample := Sanitize(MaskCredential(h.Entries[example].RequestHeader.Get("Authorization")))
	ev := fmt.Sprintf("%s carried Authorization: %s; %s carried none", hd.entryRef(example), sample, hd.entryRef(hd.i))
	if e.ResourceType == "document" && h.Entries[example].ResourceType != "document" {
		hd.forced = StepURL
		hd.d.add(Finding{ID: "har-missing-authorization", Severity: SevError, Title: "This address was opened directly, without the app's sign-in token",
			Detail: fmt.Sprintf("You opened %s directly in the browser tab (or a link led there). The web app adds its sign-in token to its own calls (%s to this site carried one), but a page opened directly never carries it, so the server refused. Use the app's own pages instead of this address.",
				hd.d.red.URL(e.URL), plural(count, "request")),
			Evidence: ev, Steps: []int{StepURL, StepRelogin}})
		return
	}
	hd.forced = StepRelogin
	hd.d.add(Finding{ID: "har-missing-authorization", Severity: SevError, Title: "The web app left its sign-in token off this request",
		Detail: fmt.Sprintf("The web app's other calls to %s carried a sign-in token (an Authorization header, on %s), this one did not, and the server refused it. The app lost its token or did not have it yet when it made this call: it signed you out (perhaps in another tab), its stored token was cleared, or an add-on interfered. Log out and back in; if it keeps happening, it is a bug for the site's administrator.",
			Sanitize(origin), plural(count, "request")),
		Evidence: ev, Steps: []int{StepRelogin, StepCookies, StepAddons, StepPrivate, StepAdmin}})
}

// sanitized explains what a sanitized export hides and how to export a
// complete one.
func (hd *harDiag) sanitized() {
	h := hd.h
	if !h.Sanitized {
		return
	}
	what := "The file has no cookies or sign-in headers (Cookie, Set-Cookie, Authorization) anywhere. Chrome and Edge leave them out unless asked to include them,"
	if h.placeholders {
		what = "The cookies and sign-in headers in this file were replaced by placeholders such as [REDACTED],"
	}
	howTo := HARExportHowTo(h.Browser)
	switch h.Browser {
	case "Firefox", "Safari":
		howTo = "The browser saved everything, so a tool replaced the secrets afterwards; send the original export. " + howTo
	}
	hd.d.add(Finding{ID: "har-sanitized", Severity: SevInfo, Title: "This HAR leaves out cookies and sign-in headers",
		Detail: what + " so fix401 cannot tell whether your browser sent a session cookie or token with this request, whether it had expired, or whether a redirect dropped it. " +
			howTo +
			" That file holds your live session: share it only with someone you trust, and log out afterwards to end that session.",
		Evidence: "no Cookie, Set-Cookie or Authorization in " + plural(len(h.Entries), "request") + harCreatorEvidence(h),
		// Without the evidence, the fixes for a browser session in their
		// usual order, and asking for a complete export.
		Steps: []int{StepRelogin, StepCookies, StepPrivate, StepAdmin}})
}

func harCreatorEvidence(h *HARLog) string {
	if h.Creator == "" {
		return ""
	}
	return "; exported by " + Sanitize(h.Creator)
}

// HARExportHowTo says, in the words of the given browser's menus, how to
// save a HAR that includes cookies and sign-in headers. The browser is
// named as HARLog.Browser names it, in any case; Chromium, Brave and
// Vivaldi get Chrome's menus. An unknown or empty browser gets the
// instructions for all of them.
func HARExportHowTo(browser string) string {
	chrome := "In Chrome or Edge: open DevTools (F12) → Settings (the gear) → Preferences → Network, tick \u201cAllow to generate HAR with sensitive data\u201d, then in the Network panel open the download arrow's menu and choose \u201cExport HAR (with sensitive data)…\u201d."
	firefox := "In Firefox: open the Network panel (F12), reload the page, then right-click a request and choose \u201cSave All As HAR\u201d; Firefox includes cookies and headers."
	safari := "In Safari: turn on Settings → Advanced → \u201cShow features for web developers\u201d, open Web Inspector (Option-Command-I) → Network, reload, then click Export; Safari includes cookies and headers."
	switch strings.ToLower(browser) {
	case "chrome", "edge", "opera", "chromium", "brave", "vivaldi":
		return chrome
	case "firefox":
		return firefox
	case "safari":
		return safari
	}
	return chrome + " " + firefox + " " + safari
}

// harFirst moves the HAR-only findings ahead of the live rules' findings,
// so that after the stable sort by severity the more specific explanation
// comes first.
func (hd *harDiag) harFirst() {
	var first, rest []Finding
	for _, f := range hd.d.out.Findings {
		if strings.HasPrefix(f.ID, "har-") || f.ID == "auth-error-in-body" {
			first = append(first, f)
		} else {
			rest = append(rest, f)
		}
	}
	hd.d.out.Findings = append(first, rest...)
}
