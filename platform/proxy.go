package platform

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/fix401/fix401/probe"
)

// ProxySetting is one proxy setting and where it came from.
type ProxySetting struct {
	// Scope is what it applies to: "http", "https", "socks", "all",
	// "pac" (a proxy auto-config file), "auto-detect" (WPAD), "bypass"
	// (the no-proxy list).
	Scope string `json:"scope"`
	// Value is the proxy (credentials masked), PAC URL or list.
	Value string `json:"value"`
	// Source names where it is set ("environment HTTPS_PROXY", "Windows
	// Internet Options (current user)", "macOS network settings").
	Source string `json:"source"`
	// UsedByFix401 is set on the settings fix401's own requests follow:
	// only the environment's (Go reads no OS proxy settings and no PAC).
	UsedByFix401 bool `json:"used_by_fix401"`
}

// ProxyReport lists every proxy setting fix401 can see.
type ProxyReport struct {
	Settings []ProxySetting `json:"settings"`
	// PAC lists proxy auto-config URLs found.
	PAC []string `json:"pac,omitempty"`
	// Notes explain what the person should know (PAC, ALL_PROXY).
	Notes []string `json:"notes,omitempty"`
}

// PACNote is said whenever a PAC file or WPAD is configured.
const PACNote = "A proxy auto-config (PAC) file or auto-detection is set. fix401, like every Go program, does not evaluate PAC files, " +
	"so your browser may use a proxy where fix401's re-test goes direct, or the other way round."

// EnvProxy is the proxy configuration Go's net/http takes from the
// environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY, upper case first), read
// from an Env so it can be tested; net/http itself reads it once per
// process.
type EnvProxy struct {
	HTTP, HTTPS, NoProxy string
	// HTTPVar, HTTPSVar and NoProxyVar name the variables the values came
	// from.
	HTTPVar, HTTPSVar, NoProxyVar string
	// CGI is set when REQUEST_METHOD is set: Go then refuses HTTP_PROXY.
	CGI bool
}

func firstEnv(env *Env, names ...string) (string, string) {
	for _, n := range names {
		if v := env.getenv(n); v != "" {
			return v, n
		}
	}
	return "", ""
}

// EnvProxyConfig reads the environment's proxy variables.
func EnvProxyConfig(env *Env) EnvProxy {
	var c EnvProxy
	c.HTTP, c.HTTPVar = firstEnv(env, "HTTP_PROXY", "http_proxy")
	c.HTTPS, c.HTTPSVar = firstEnv(env, "HTTPS_PROXY", "https_proxy")
	c.NoProxy, c.NoProxyVar = firstEnv(env, "NO_PROXY", "no_proxy")
	c.CGI = env.getenv("REQUEST_METHOD") != ""
	return c
}

// parseProxyValue reads a proxy value the way Go does: without a scheme,
// http:// is assumed.
func parseProxyValue(v string) (*url.URL, error) {
	if v == "" {
		return nil, nil
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || u.Host == "" {
		if u2, err2 := url.Parse("http://" + v); err2 == nil {
			return u2, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("platform: invalid proxy address %q: %w", probe.Sanitize(v), err)
	}
	return u, nil
}

// ProxyFor returns the proxy Go would use for rawURL with this
// configuration, the variable it came from, or nil when the request goes
// direct (no proxy for its scheme, NO_PROXY matches, or the host is
// loopback). It follows Go's x/net/http/httpproxy rules.
//
// A caller that wants a direct re-test checks ProxyFor: when it returns a
// proxy, run the probe once more with no proxy at all and compare.
func (c EnvProxy) ProxyFor(rawURL string) (*url.URL, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, "", fmt.Errorf("platform: %w", err)
	}
	var value, from string
	switch u.Scheme {
	case "https":
		value, from = c.HTTPS, c.HTTPSVar
	case "http":
		value, from = c.HTTP, c.HTTPVar
		if value != "" && c.CGI {
			return nil, "", errors.New("platform: Go refuses HTTP_PROXY when REQUEST_METHOD is set (a CGI environment)")
		}
	}
	proxy, err := parseProxyValue(value)
	if err != nil || proxy == nil {
		return nil, "", err
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if !c.useProxy(strings.ToLower(u.Hostname()), port) {
		return nil, "", nil
	}
	return proxy, from, nil
}

// useProxy applies NO_PROXY: IPs, CIDRs, host[:port], domain (and its
// subdomains), .domain (subdomains only), *; loopback never goes through a
// proxy.
func (c EnvProxy) useProxy(host, port string) bool {
	if host == "" {
		return true
	}
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	if ip != nil && ip.IsLoopback() {
		return false
	}
	for _, p := range strings.Split(c.NoProxy, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			continue
		}
		if p == "*" {
			return false
		}
		if _, cidr, err := net.ParseCIDR(p); err == nil {
			if ip != nil && cidr.Contains(ip) {
				return false
			}
			continue
		}
		phost, pport, err := net.SplitHostPort(p)
		if err != nil {
			phost, pport = p, ""
		}
		phost = strings.TrimSuffix(strings.TrimPrefix(phost, "["), "]")
		if pip := net.ParseIP(phost); pip != nil {
			if ip != nil && pip.Equal(ip) && (pport == "" || pport == port) {
				return false
			}
			continue
		}
		if phost == "" || ip != nil {
			continue
		}
		phost = strings.TrimPrefix(phost, "*")
		matchHost := !strings.HasPrefix(phost, ".")
		if matchHost {
			phost = "." + phost
		}
		if (strings.HasSuffix(host, phost) || matchHost && host == phost[1:]) && (pport == "" || pport == port) {
			return false
		}
	}
	return true
}

// maskProxy hides a password in a proxy value and a token in a PAC
// address's query.
func maskProxy(v string) string {
	if u, err := parseProxyValue(v); err == nil && u != nil && u.User != nil {
		return probe.NewRedactor().URL(u.String())
	}
	return probe.NewRedactor().URL(v)
}

// DetectProxies lists the proxies from the environment and from the OS
// settings, each with its source.
func DetectProxies(ctx context.Context, env *Env) ProxyReport {
	var r ProxyReport
	c := EnvProxyConfig(env)
	if c.HTTP != "" {
		s := ProxySetting{Scope: "http", Value: maskProxy(c.HTTP), Source: "environment " + c.HTTPVar, UsedByFix401: !c.CGI}
		r.Settings = append(r.Settings, s)
		if c.CGI {
			r.Notes = append(r.Notes, "REQUEST_METHOD is set, so Go (and fix401) ignore HTTP_PROXY.")
		}
	}
	if c.HTTPS != "" {
		r.Settings = append(r.Settings, ProxySetting{Scope: "https", Value: maskProxy(c.HTTPS), Source: "environment " + c.HTTPSVar, UsedByFix401: true})
	}
	if c.NoProxy != "" {
		r.Settings = append(r.Settings, ProxySetting{Scope: "bypass", Value: probe.Sanitize(c.NoProxy), Source: "environment " + c.NoProxyVar, UsedByFix401: true})
	}
	if v, name := firstEnv(env, "ALL_PROXY", "all_proxy"); v != "" {
		r.Settings = append(r.Settings, ProxySetting{Scope: "all", Value: maskProxy(v), Source: "environment " + name})
		r.Notes = append(r.Notes, "ALL_PROXY is set: curl and some tools use it, Go programs such as fix401 do not.")
	}
	switch env.goos() {
	case "darwin":
		macProxies(ctx, env, &r)
	case "windows":
		windowsProxies(env, &r)
	default:
		gnomeProxies(ctx, env, &r)
		kdeProxies(env, &r)
	}
	for _, s := range r.Settings {
		if s.Scope == "pac" || s.Scope == "auto-detect" {
			r.Notes = append(r.Notes, PACNote)
			break
		}
	}
	if r.Settings == nil {
		r.Settings = []ProxySetting{}
	}
	return r
}

func (r *ProxyReport) add(scope, value, source string) {
	r.Settings = append(r.Settings, ProxySetting{Scope: scope, Value: value, Source: source})
	if scope == "pac" && value != "" {
		r.PAC = append(r.PAC, value)
	}
}

// parseScutil reads the top level of scutil's dictionary output.
func parseScutil(s string) (map[string]string, map[string][]string) {
	vals := map[string]string{}
	arrays := map[string][]string{}
	depth := 0
	cur := ""
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasSuffix(line, "{"):
			depth++
			if depth == 2 {
				k, _, _ := strings.Cut(line, ":")
				cur = strings.TrimSpace(k)
			}
			continue
		case line == "}":
			depth--
			continue
		}
		k, v, ok := strings.Cut(line, " : ")
		if !ok {
			continue
		}
		if depth == 1 {
			vals[strings.TrimSpace(k)] = strings.TrimSpace(v)
		} else if depth == 2 {
			arrays[cur] = append(arrays[cur], strings.TrimSpace(v))
		}
	}
	return vals, arrays
}

func macProxies(ctx context.Context, env *Env, r *ProxyReport) {
	res := env.run(ctx, Cmd{Argv: []string{"scutil", "--proxy"}, Timeout: detectTimeout})
	if !res.OK() {
		return
	}
	const src = "macOS network settings (scutil --proxy)"
	v, arrays := parseScutil(res.Stdout)
	for _, p := range []struct{ scope, key string }{{"http", "HTTP"}, {"https", "HTTPS"}, {"socks", "SOCKS"}} {
		if v[p.key+"Enable"] == "1" && v[p.key+"Proxy"] != "" {
			r.add(p.scope, probe.Sanitize(v[p.key+"Proxy"]+":"+v[p.key+"Port"]), src)
		}
	}
	if v["ProxyAutoConfigEnable"] == "1" {
		r.add("pac", maskProxy(v["ProxyAutoConfigURLString"]), src)
	}
	if v["ProxyAutoDiscoveryEnable"] == "1" {
		r.add("auto-detect", "WPAD", src)
	}
	if ex := arrays["ExceptionsList"]; len(ex) > 0 && len(r.Settings) > 0 {
		r.add("bypass", probe.Sanitize(strings.Join(ex, ", ")), src)
	}
}

const winInternetSettings = `HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings`

// connSettings is a decoded Internet Settings connection blob
// (DefaultConnectionSettings, WinHttpSettings): a version, a counter,
// flags, then length-prefixed proxy, bypass and auto-config strings.
type connSettings struct {
	flags                 uint32
	proxy, bypass, pacURL string
}

// The flags of a connection blob.
const (
	connDirect     = 0x1
	connProxy      = 0x2
	connAutoURL    = 0x4
	connAutoDetect = 0x8
)

func parseConnSettings(b []byte) (connSettings, bool) {
	var c connSettings
	if len(b) < 12 {
		return c, false
	}
	c.flags = binary.LittleEndian.Uint32(b[8:12])
	off := 12
	next := func() string {
		if off+4 > len(b) {
			return ""
		}
		n := int(binary.LittleEndian.Uint32(b[off : off+4]))
		off += 4
		if n < 0 || n > len(b)-off {
			off = len(b)
			return ""
		}
		s := string(b[off : off+n])
		off += n
		return s
	}
	c.proxy = next()
	c.bypass = next()
	c.pacURL = next()
	return c, true
}

func windowsProxies(env *Env, r *ProxyReport) {
	reg := env.Registry
	if reg == nil {
		return
	}
	const user = "Windows Internet Options, current user (browsers use it)"
	enabled, _ := reg.Integer(winInternetSettings, "ProxyEnable")
	if server, err := reg.String(winInternetSettings, "ProxyServer"); err == nil && server != "" && enabled == 1 {
		for _, part := range strings.Split(server, ";") {
			scope, val := "all", part
			if k, v, ok := strings.Cut(part, "="); ok {
				scope, val = strings.ToLower(k), v
			}
			if val != "" {
				r.add(scope, maskProxy(val), user)
			}
		}
		if by, err := reg.String(winInternetSettings, "ProxyOverride"); err == nil && by != "" {
			r.add("bypass", probe.Sanitize(by), user)
		}
	}
	if pac, err := reg.String(winInternetSettings, "AutoConfigURL"); err == nil && pac != "" {
		r.add("pac", maskProxy(pac), user)
	}
	if b, err := reg.Binary(winInternetSettings+`\Connections`, "DefaultConnectionSettings"); err == nil {
		if c, ok := parseConnSettings(b); ok && c.flags&connAutoDetect != 0 {
			r.add("auto-detect", "WPAD (Automatically detect settings)", user)
		}
	}
	const machine = "WinHTTP, machine-wide (services and some programs)"
	if b, err := reg.Binary(`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`, "WinHttpSettings"); err == nil {
		if c, ok := parseConnSettings(b); ok && c.flags&connProxy != 0 && c.proxy != "" {
			r.add("all", maskProxy(c.proxy), machine)
			if c.bypass != "" {
				r.add("bypass", probe.Sanitize(c.bypass), machine)
			}
		}
	}
}

// gvariantString strips GVariant quoting from gsettings output ('manual').
func gvariantString(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	if i := strings.LastIndexByte(s, ' '); i >= 0 && strings.HasPrefix(s, "uint32 ") {
		return s[i+1:]
	}
	return s
}

func gnomeProxies(ctx context.Context, env *Env, r *ProxyReport) {
	bin := env.lookPath("gsettings")
	if bin == "" {
		return
	}
	get := func(schema, key string) string {
		res := env.run(ctx, Cmd{Argv: []string{bin, "get", schema, key}, Timeout: detectTimeout})
		if !res.OK() {
			return ""
		}
		return gvariantString(res.Stdout)
	}
	const src = "GNOME settings (org.gnome.system.proxy)"
	switch get("org.gnome.system.proxy", "mode") {
	case "manual":
		for _, scope := range []string{"http", "https", "socks"} {
			host := get("org.gnome.system.proxy."+scope, "host")
			if host == "" {
				continue
			}
			port := get("org.gnome.system.proxy."+scope, "port")
			r.add(scope, probe.Sanitize(host+":"+port), src)
		}
		if ig := get("org.gnome.system.proxy", "ignore-hosts"); ig != "" && ig != "@as []" {
			r.add("bypass", probe.Sanitize(ig), src)
		}
	case "auto":
		if pac := get("org.gnome.system.proxy", "autoconfig-url"); pac != "" {
			r.add("pac", maskProxy(pac), src)
		} else {
			r.add("auto-detect", "WPAD", src)
		}
	}
}

func kdeProxies(env *Env, r *ProxyReport) {
	dir := env.getenv("XDG_CONFIG_HOME")
	if dir == "" {
		if h := env.homeDir(); h != "" {
			dir = h + "/.config"
		}
	}
	if dir == "" {
		return
	}
	s, ok := env.readFile(dir + "/kioslaverc")
	if !ok {
		return
	}
	vals := map[string]string{}
	keyFile(s, func(group, k, v string) {
		if group == "Proxy Settings" {
			vals[k] = v
		}
	})
	const src = "KDE settings (kioslaverc)"
	typ, _ := strconv.Atoi(vals["ProxyType"])
	switch typ {
	case 1:
		for _, p := range []struct{ scope, key string }{{"http", "httpProxy"}, {"https", "httpsProxy"}, {"socks", "socksProxy"}} {
			if v := vals[p.key]; v != "" {
				// Older KDE writes "http://host 8080".
				r.add(p.scope, maskProxy(strings.Replace(v, " ", ":", 1)), src)
			}
		}
		if v := vals["NoProxyFor"]; v != "" {
			r.add("bypass", probe.Sanitize(v), src)
		}
	case 2:
		r.add("pac", maskProxy(vals["Proxy Config Script"]), src)
	case 3:
		r.add("auto-detect", "WPAD", src)
	}
}
