//go:build !windows

package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fix401/fix401/platform"
)

func TestSystemJSONIsOneObject(t *testing.T) {
	pfStubs(t, map[string]string{
		"systemctl":  `[ "$1 $2" = "is-active systemd-resolved" ] && exit 0; exit 3`,
		"resolvectl": "exit 0",
		"getent":     `[ "$2" = app.example ] && { echo "10.9.9.9 STREAM app.example"; exit 0; }; exit 2`,
	})
	t.Setenv("HTTPS_PROXY", "http://ann:Sup3rSecretPw@proxy.corp:3128")
	pfMachine(t, map[string]string{
		"/etc/resolv.conf": "nameserver 127.0.0.53\n",
		"/etc/hosts":       "10.9.9.9 app.example # \x1b[31mred\n",
	}, []string{"/run/systemd/resolve"}, nil)
	code, out, errOut := pfRun(t, strings.NewReader(""), "system", "--json", "--host", "app.example")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var s platform.System
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if dec.More() {
		t.Error("more than one JSON value")
	}
	if s.Host == nil || len(s.Host.Addrs) != 1 || s.Host.Addrs[0] != "10.9.9.9" || len(s.Host.Hosts) != 1 {
		t.Errorf("host = %+v", s.Host)
	}
	if len(s.DNS.Caches) != 1 || s.DNS.Caches[0].Kind != platform.CacheResolved || !strings.HasSuffix(s.DNS.Caches[0].Actions[0].Argv[0], "/resolvectl") {
		t.Errorf("dns = %+v", s.DNS)
	}
	if strings.Contains(out, "Sup3rSecretPw") {
		t.Error("the proxy password leaked into the JSON")
	}
	if s.HostProxySource != "HTTPS_PROXY" {
		t.Errorf("host proxy = %q from %q", s.HostProxy, s.HostProxySource)
	}
	if strings.Contains(out, "\x1b") || strings.Contains(out, `\u001b`) {
		t.Error("an escape sequence from the hosts file reached the output")
	}
}

func TestSystemText(t *testing.T) {
	pfStubs(t, map[string]string{"systemctl": "exit 3"})
	t.Setenv("HTTPS_PROXY", "http://ann:Sup3rSecretPw@proxy.corp:3128")
	pfMachine(t, map[string]string{"/etc/resolv.conf": "nameserver 192.168.1.1\n", "/etc/hosts": "10.9.9.9 app.example\n"}, nil, []platform.Proc{})
	code, out, _ := pfRun(t, strings.NewReader(""), "system", "--host", "app.example")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"System\n", "DNS\n", platform.NothingCaches, "Host app.example", "Hosts file  /etc/hosts:1  10.9.9.9 app.example",
		"Browsers\n", "Proxies\n", "environment HTTPS_PROXY (used by fix401)", "Firewall\n", "VPN\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Sup3rSecretPw") {
		t.Error("the proxy password leaked")
	}
	if code, _, _ := pfRun(t, strings.NewReader(""), "system", "--host", "-x"); code != exitUsage {
		t.Errorf("bad host: exit %d", code)
	}
	if code, _, _ := pfRun(t, strings.NewReader(""), "system", "--jsn"); code != exitUsage {
		t.Errorf("bad flag: exit %d", code)
	}
}
