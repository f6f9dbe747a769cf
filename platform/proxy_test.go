package platform

import (
	"encoding/binary"
	"slices"
	"strings"
	"testing"
)

func TestEnvProxyFor(t *testing.T) {
	vars := map[string]string{
		"HTTPS_PROXY": "proxy.corp:3128",
		"https_proxy": "http://ignored:1",
		"http_proxy":  "http://plain.corp:80",
		"no_proxy":    "internal.example, .sub.example,10.0.0.0/8, 192.0.2.5:8443, [2001:db8::1], api.example:444",
	}
	c := EnvProxyConfig((&facts{vars: vars}).env())
	if c.HTTPSVar != "HTTPS_PROXY" || c.HTTPVar != "http_proxy" || c.NoProxyVar != "no_proxy" {
		t.Errorf("variables = %+v", c)
	}
	tests := []struct {
		url, want, from string
	}{
		{"https://example.com/", "http://proxy.corp:3128", "HTTPS_PROXY"},
		{"http://example.com/", "http://plain.corp:80", "http_proxy"},
		{"https://internal.example/", "", ""},
		{"https://a.internal.example/", "", ""},
		{"https://sub.example/", "http://proxy.corp:3128", "HTTPS_PROXY"},
		{"https://x.sub.example/", "", ""},
		{"https://10.1.2.3/", "", ""},
		{"https://192.0.2.5:8443/", "", ""},
		{"https://192.0.2.5/", "http://proxy.corp:3128", "HTTPS_PROXY"},
		{"https://[2001:db8::1]/", "", ""},
		{"https://api.example/", "http://proxy.corp:3128", "HTTPS_PROXY"},
		{"https://api.example:444/", "", ""},
		{"https://localhost/", "", ""},
		{"https://127.0.0.1:8080/", "", ""},
		{"https://[::1]/", "", ""},
		{"ftp://example.com/", "", ""},
	}
	for _, tt := range tests {
		p, from, err := c.ProxyFor(tt.url)
		got := ""
		if p != nil {
			got = p.String()
		}
		if err != nil || got != tt.want || from != tt.from {
			t.Errorf("ProxyFor(%q) = %q from %q, %v; want %q from %q", tt.url, got, from, err, tt.want, tt.from)
		}
	}
	star := EnvProxyConfig((&facts{vars: map[string]string{"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"}}).env())
	if p, _, _ := star.ProxyFor("https://example.com/"); p != nil {
		t.Errorf("NO_PROXY=* still proxies: %v", p)
	}
	cgi := EnvProxyConfig((&facts{vars: map[string]string{"HTTP_PROXY": "http://p:1", "REQUEST_METHOD": "GET"}}).env())
	if _, _, err := cgi.ProxyFor("http://example.com/"); err == nil {
		t.Error("CGI: HTTP_PROXY must be refused")
	}
}

func scopes(r ProxyReport) []string {
	var out []string
	for _, s := range r.Settings {
		out = append(out, s.Scope+"="+s.Value+" ("+s.Source+")")
	}
	return out
}

func TestDetectProxiesEnvMasksCredentials(t *testing.T) {
	f := &facts{goos: "linux", vars: map[string]string{"HTTPS_PROXY": "http://alice:s3cretpass@proxy:8080", "ALL_PROXY": "socks5://bob:hunter22@s:1080"}}
	r := DetectProxies(t.Context(), f.env())
	got := strings.Join(scopes(r), "\n")
	if strings.Contains(got, "s3cretpass") || strings.Contains(got, "hunter22") {
		t.Fatalf("a proxy password leaked: %s", got)
	}
	if !strings.Contains(got, "https=http://alice:") || !strings.Contains(got, "environment HTTPS_PROXY") {
		t.Errorf("settings = %s", got)
	}
	if !r.Settings[0].UsedByFix401 || r.Settings[1].UsedByFix401 {
		t.Errorf("only HTTPS_PROXY is used by fix401: %+v", r.Settings)
	}
	if !slices.ContainsFunc(r.Notes, func(n string) bool { return strings.Contains(n, "ALL_PROXY") }) {
		t.Errorf("notes = %q", r.Notes)
	}
}

func TestDetectProxiesDarwin(t *testing.T) {
	scutil := `<dictionary> {
  ExceptionsList : <array> {
    0 : *.local
    1 : 169.254/16
  }
  FTPPassive : 1
  HTTPEnable : 1
  HTTPPort : 8080
  HTTPProxy : proxy.example.com
  HTTPSEnable : 0
  ProxyAutoConfigEnable : 1
  ProxyAutoConfigURLString : http://wpad.example.com/proxy.pac
  ProxyAutoDiscoveryEnable : 0
}
`
	f := &facts{goos: "darwin", cmds: map[string]CmdResult{"scutil --proxy": out(scutil)}}
	r := DetectProxies(t.Context(), f.env())
	want := []string{
		"http=proxy.example.com:8080 (macOS network settings (scutil --proxy))",
		"pac=http://wpad.example.com/proxy.pac (macOS network settings (scutil --proxy))",
		"bypass=*.local, 169.254/16 (macOS network settings (scutil --proxy))",
	}
	if got := scopes(r); !slices.Equal(got, want) {
		t.Errorf("settings =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !slices.Equal(r.PAC, []string{"http://wpad.example.com/proxy.pac"}) || !slices.Contains(r.Notes, PACNote) {
		t.Errorf("PAC = %q notes = %q", r.PAC, r.Notes)
	}
}

// connBlob builds an Internet Settings connection blob.
func connBlob(flags uint32, strs ...string) []byte {
	b := binary.LittleEndian.AppendUint32(nil, 0x46)
	b = binary.LittleEndian.AppendUint32(b, 7)
	b = binary.LittleEndian.AppendUint32(b, flags)
	for _, s := range strs {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return b
}

func TestDetectProxiesWindows(t *testing.T) {
	const is = `HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings`
	f := &facts{goos: "windows", reg: map[string]any{
		is + "|ProxyEnable":                           uint64(1),
		is + "|ProxyServer":                           "http=web.corp:8080;https=secure.corp:8443",
		is + "|ProxyOverride":                         "<local>;*.corp",
		is + "|AutoConfigURL":                         "http://pac.corp/proxy.pac",
		is + `\Connections|DefaultConnectionSettings`: connBlob(connDirect|connAutoDetect|connAutoURL, "", "", "http://pac.corp/proxy.pac"),
		`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections|WinHttpSettings`: connBlob(connDirect|connProxy, "machine.corp:3128", "<local>"),
	}}
	r := DetectProxies(t.Context(), f.env())
	got := scopes(r)
	for _, want := range []string{
		"http=web.corp:8080 (Windows Internet Options, current user (browsers use it))",
		"https=secure.corp:8443 (Windows Internet Options, current user (browsers use it))",
		"bypass=<local>;*.corp (Windows Internet Options, current user (browsers use it))",
		"pac=http://pac.corp/proxy.pac (Windows Internet Options, current user (browsers use it))",
		"auto-detect=WPAD (Automatically detect settings) (Windows Internet Options, current user (browsers use it))",
		"all=machine.corp:3128 (WinHTTP, machine-wide (services and some programs))",
		"bypass=<local> (WinHTTP, machine-wide (services and some programs))",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, strings.Join(got, "\n"))
		}
	}
	// ProxyEnable 0: the server value is ignored; WinHTTP direct: nothing.
	f.reg[is+"|ProxyEnable"] = uint64(0)
	f.reg[`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections|WinHttpSettings`] = connBlob(connDirect)
	delete(f.reg, is+"|AutoConfigURL")
	f.reg[is+`\Connections|DefaultConnectionSettings`] = connBlob(connDirect)
	if got := scopes(DetectProxies(t.Context(), f.env())); len(got) != 0 {
		t.Errorf("disabled proxy still listed: %q", got)
	}
	// A truncated blob is not a panic.
	if _, ok := parseConnSettings([]byte{1, 2, 3}); ok {
		t.Error("short blob accepted")
	}
	c, _ := parseConnSettings(append(connBlob(2), 0xff, 0xff, 0xff, 0x7f))
	if c.flags != 2 || c.proxy != "" {
		t.Errorf("hostile length: %+v", c)
	}
}

func TestDetectProxiesLinuxDesktop(t *testing.T) {
	f := &facts{goos: "linux", path: map[string]string{"gsettings": "/usr/bin/gsettings"}, cmds: map[string]CmdResult{
		"/usr/bin/gsettings get org.gnome.system.proxy mode":         out("'manual'\n"),
		"/usr/bin/gsettings get org.gnome.system.proxy.http host":    out("'gproxy.example'\n"),
		"/usr/bin/gsettings get org.gnome.system.proxy.http port":    out("3128\n"),
		"/usr/bin/gsettings get org.gnome.system.proxy.https host":   out("''\n"),
		"/usr/bin/gsettings get org.gnome.system.proxy.socks host":   out("''\n"),
		"/usr/bin/gsettings get org.gnome.system.proxy ignore-hosts": out("['localhost', '127.0.0.0/8']\n"),
	}, vars: map[string]string{"HOME": "/home/ann"}, files: map[string]string{
		"/home/ann/.config/kioslaverc": "[Proxy Settings]\nProxyType=2\nProxy Config Script=http://pac.example/p.pac\n",
	}}
	got := scopes(DetectProxies(t.Context(), f.env()))
	want := []string{
		"http=gproxy.example:3128 (GNOME settings (org.gnome.system.proxy))",
		"bypass=['localhost', '127.0.0.0/8'] (GNOME settings (org.gnome.system.proxy))",
		"pac=http://pac.example/p.pac (KDE settings (kioslaverc))",
	}
	if !slices.Equal(got, want) {
		t.Errorf("settings =\n%s", strings.Join(got, "\n"))
	}
	// A PAC address can carry a token in its query.
	f.files["/home/ann/.config/kioslaverc"] = "[Proxy Settings]\nProxyType=2\nProxy Config Script=http://pac.example/p.pac?access_token=pacsecret1234567\n"
	if got := strings.Join(scopes(DetectProxies(t.Context(), f.env())), "\n"); strings.Contains(got, "pacsecret") || !strings.Contains(got, "pac=http://pac.example/p.pac?access_token=") {
		t.Errorf("PAC token not masked:\n%s", got)
	}
	f.cmds["/usr/bin/gsettings get org.gnome.system.proxy mode"] = out("'auto'\n")
	f.cmds["/usr/bin/gsettings get org.gnome.system.proxy autoconfig-url"] = out("''\n")
	delete(f.files, "/home/ann/.config/kioslaverc")
	if got := scopes(DetectProxies(t.Context(), f.env())); !slices.Equal(got, []string{"auto-detect=WPAD (GNOME settings (org.gnome.system.proxy))"}) {
		t.Errorf("auto mode = %q", got)
	}
}
