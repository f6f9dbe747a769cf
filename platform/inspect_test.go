package platform

import (
	"bytes"
	"context"
	"encoding/base64"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

func fwStates(r FirewallReport) []string {
	var out []string
	for _, f := range r.Firewalls {
		out = append(out, f.Name+"="+f.State)
	}
	return out
}

func TestDetectFirewall(t *testing.T) {
	const bin = "/usr/libexec/ApplicationFirewall/socketfilterfw --getglobalstate"
	tests := []struct {
		name string
		f    *facts
		want []string
	}{
		{"macOS on", &facts{goos: "darwin", cmds: map[string]CmdResult{bin: out("Firewall is enabled. (State = 1)\n")}}, []string{"macOS Application Firewall=on"}},
		{"macOS block all", &facts{goos: "darwin", cmds: map[string]CmdResult{bin: out("Firewall is blocking all non-essential incoming connections. (State = 2)\n")}}, []string{"macOS Application Firewall=on"}},
		{"macOS off", &facts{goos: "darwin", cmds: map[string]CmdResult{bin: out("Firewall is disabled. (State = 0)\n")}}, []string{"macOS Application Firewall=off"}},
		{"macOS unreadable", &facts{goos: "darwin", cmds: map[string]CmdResult{bin: exit(1, "")}}, []string{"macOS Application Firewall=unknown"}},
		{"ufw enabled, firewalld not running", &facts{goos: "linux",
			files: map[string]string{"/etc/ufw/ufw.conf": "# comment\nENABLED=yes\nLOGLEVEL=low\n"},
			path:  map[string]string{"firewall-cmd": "/usr/bin/firewall-cmd"},
			cmds:  map[string]CmdResult{"/usr/bin/firewall-cmd --state": exit(252, "not running\n")}},
			[]string{"ufw=on", "firewalld=off"}},
		{"ufw installed but config unreadable: unknown, not inactive", &facts{goos: "linux", path: map[string]string{"ufw": "/usr/sbin/ufw"}}, []string{"ufw=unknown"}},
		{"firewalld running", &facts{goos: "linux", path: map[string]string{"firewall-cmd": "/usr/bin/firewall-cmd"},
			cmds: map[string]CmdResult{"/usr/bin/firewall-cmd --state": out("running\n")}}, []string{"firewalld=on"}},
		{"nftables as root", &facts{goos: "linux", admin: true, path: map[string]string{"nft": "/usr/sbin/nft"},
			cmds: map[string]CmdResult{"/usr/sbin/nft list tables": out("table inet filter\ntable ip nat\n")}}, []string{"nftables rules=on"}},
		{"nftables not root", &facts{goos: "linux", path: map[string]string{"nft": "/usr/sbin/nft"}}, []string{"nftables rules=unknown"}},
		{"Windows profiles, one set by policy", &facts{goos: "windows", reg: map[string]any{
			`HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\DomainProfile|EnableFirewall`:   uint64(1),
			`HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\StandardProfile|EnableFirewall`: uint64(1),
			`HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\PublicProfile|EnableFirewall`:   uint64(1),
			`HKLM\SOFTWARE\Policies\Microsoft\WindowsFirewall\PrivateProfile|EnableFirewall`:                               uint64(0),
		}}, []string{"Windows Defender Firewall, domain networks=on", "Windows Defender Firewall, private networks=off", "Windows Defender Firewall, public networks=on"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := DetectFirewall(t.Context(), tt.f.env())
			if got := fwStates(r); !slices.Equal(got, tt.want) {
				t.Errorf("firewalls = %q, want %q", got, tt.want)
			}
			if r.Note != FirewallNote {
				t.Errorf("note = %q", r.Note)
			}
		})
	}
}

func vpnNames(r VPNReport) []string {
	var out []string
	for _, v := range r.VPNs {
		s := v.Name
		if v.AllTraffic {
			s += "+all"
		}
		if v.CarriesTarget {
			s += "+target"
		}
		out = append(out, s)
	}
	return out
}

func TestDetectVPN(t *testing.T) {
	up := net.FlagUp | net.FlagRunning
	macIfaces := []Iface{
		{Name: "lo0", Flags: up | net.FlagLoopback, Addrs: []string{"127.0.0.1/8"}},
		{Name: "en0", Flags: up, Addrs: []string{"192.168.1.20/24", "fe80::1/64"}},
		// iCloud and other system services: link-local IPv6 only.
		{Name: "utun0", Flags: up | net.FlagPointToPoint, Addrs: []string{"fe80::a/64"}},
		{Name: "utun1", Flags: up | net.FlagPointToPoint, Addrs: []string{"fe80::b/64"}},
		// A global IPv6 on a utun without routes: not counted.
		{Name: "utun2", Flags: up | net.FlagPointToPoint, Addrs: []string{"fe80::c/64", "2001:db8::c/64"}},
		// OpenVPN with half routes.
		{Name: "utun3", Flags: up | net.FlagPointToPoint, Addrs: []string{"10.8.0.6/32"}},
	}
	netstat := `Routing tables

Internet:
Destination        Gateway            Flags               Netif Expire
0/1                10.8.0.5           UGScg               utun3
default            192.168.1.1        UGScg                 en0
128.0/1            10.8.0.5           UGSc                utun3
`
	tests := []struct {
		name   string
		f      *facts
		target string
		want   []string
		tIface string
	}{
		{"macOS: system utuns are not VPNs", &facts{goos: "darwin", ifaces: macIfaces, cmds: map[string]CmdResult{"netstat -rn": out(netstat)}, local: "10.8.0.6"},
			"203.0.113.9", []string{"utun3+all+target"}, "utun3"},
		{"macOS: IPv6-only utun counts when it carries the target", &facts{goos: "darwin", ifaces: macIfaces[:5], local: "2001:db8::c"},
			"2001:db8:ffff::1", []string{"utun2+target"}, "utun2"},
		{"Linux: wg0 and tailscale0, default via eth0", &facts{goos: "linux", local: "192.168.1.9", ifaces: []Iface{
			{Name: "eth0", Flags: up, Addrs: []string{"192.168.1.9/24"}},
			{Name: "wg0", Flags: up | net.FlagPointToPoint, Addrs: []string{"10.66.0.2/32"}},
			{Name: "tailscale0", Flags: up | net.FlagPointToPoint, Addrs: []string{"100.101.102.103/32", "fd7a:115c:a1e0::1/128"}},
			{Name: "tun1", Flags: net.FlagPointToPoint, Addrs: []string{"10.9.0.2/24"}},
			{Name: "docker0", Flags: up, Addrs: []string{"172.17.0.1/16"}},
		}, files: map[string]string{"/proc/net/route": "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\nwg0\t00000000\t00000000\t0001\t0\t0\t0\t00000080\t0\t0\t0\nwg0\t00000080\t00000000\t0001\t0\t0\t0\t00000080\t0\t0\t0\n"}},
			"93.184.216.34", []string{"wg0+all", "tailscale0"}, "eth0"},
		{"Windows: adapter descriptions, not names", &facts{goos: "windows", ifaces: []Iface{
			{Name: "Ethernet 2", Flags: up, Addrs: []string{"10.20.0.5/16"}, Description: "TAP-Windows Adapter V9"},
			{Name: "Wi-Fi", Flags: up, Addrs: []string{"192.168.0.7/24"}, Description: "Intel(R) Wi-Fi 6 AX201 160MHz"},
			{Name: "Local Area Connection", Flags: up, Addrs: []string{"169.254.3.3/16"}, Description: "Wintun Userspace Tunnel"},
		}}, "", []string{"Ethernet 2"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := DetectVPN(t.Context(), tt.f.env(), tt.target)
			if got := vpnNames(r); !slices.Equal(got, tt.want) {
				t.Errorf("vpns = %q, want %q", got, tt.want)
			}
			if r.TargetInterface != tt.tIface {
				t.Errorf("target interface = %q, want %q", r.TargetInterface, tt.tIface)
			}
		})
	}
}

func TestCheckPrivilege(t *testing.T) {
	tests := []struct {
		name string
		f    *facts
		want PrivilegeState
		via  Via
	}{
		{"root", &facts{goos: "linux", admin: true}, PrivAdmin, ViaDirect},
		{"cached", &facts{goos: "linux", cmds: map[string]CmdResult{"sudo -n true": out("")}}, PrivSudoReady, ViaSudo},
		{"password", &facts{goos: "darwin", cmds: map[string]CmdResult{"sudo -n true": exit(1, "sudo: a password is required\n")}}, PrivSudoPassword, ViaSudo},
		{"not in sudoers", &facts{goos: "linux", cmds: map[string]CmdResult{"sudo -n true": exit(1, "ann is not in the sudoers file.\n")}}, PrivSudoDenied, ""},
		{"may not run", &facts{goos: "linux", cmds: map[string]CmdResult{"sudo -n true": exit(1, "Sorry, user ann may not run sudo on box.\n")}}, PrivSudoDenied, ""},
		{"no sudo", &facts{goos: "linux"}, PrivNoSudo, ""},
		{"windows elevated", &facts{goos: "windows", admin: true}, PrivAdmin, ViaDirect},
		{"windows not elevated", &facts{goos: "windows"}, PrivUAC, ViaUAC},
	}
	for _, tt := range tests {
		p := CheckPrivilege(t.Context(), tt.f.env())
		if p.State != tt.want || p.Via() != tt.via || p.Detail == "" {
			t.Errorf("%s: %+v via %q, want %s via %q", tt.name, p, p.Via(), tt.want, tt.via)
		}
		if tt.f.goos == "windows" && len(tt.f.ran()) != 0 {
			t.Errorf("%s: ran %q", tt.name, tt.f.ran())
		}
	}
}

func TestDoAndJudge(t *testing.T) {
	nscd := Action{ID: "dns.nscd.invalidate", Argv: []string{"/usr/sbin/nscd", "-i", "hosts"}, Admin: true, Changes: true,
		ExitReasons: map[int]ExitReason{4: {Text: "only root may empty nscd's cache", NeedsAdmin: true}}}
	f := &facts{goos: "linux", cmds: map[string]CmdResult{
		"/usr/sbin/nscd -i hosts":                     exit(4, "Only root is allowed to use this option!\n"),
		"sudo -n -- /usr/sbin/nscd -i hosts":          out(""),
		"sudo -n -- /usr/bin/resolvectl flush-caches": exit(1, "sudo: a password is required\n"),
	}}
	env := f.env()
	o := Do(t.Context(), env, nscd, ViaDirect)
	if o.Status != StatusFailed || o.ExitCode != 4 || !o.NeedsAdmin || !strings.Contains(o.Reason, "only root") || !strings.Contains(o.Output, "Only root") {
		t.Errorf("direct nscd = %+v", o)
	}
	o = Do(t.Context(), env, nscd, ViaSudo)
	if o.Status != StatusOK || o.Via != ViaSudo {
		t.Errorf("sudo nscd = %+v", o)
	}
	if got := f.ran(); !slices.Equal(got, []string{"/usr/sbin/nscd -i hosts", "sudo -n -- /usr/sbin/nscd -i hosts"}) {
		t.Errorf("ran %q", got)
	}
	if got := nscd.CommandVia(ViaSudo); got != "sudo -n -- /usr/sbin/nscd -i hosts" {
		t.Errorf("CommandVia = %q", got)
	}
	rc := Action{ID: "r", Argv: []string{"/usr/bin/resolvectl", "flush-caches"}, AdminOnFailure: true}
	o = Do(t.Context(), env, rc, ViaSudo)
	if o.Status != StatusFailed || !o.NeedsAdmin || !strings.Contains(o.Reason, "password") {
		t.Errorf("sudo refused = %+v", o)
	}
	// Windows: a declined UAC prompt is cancelled, not failed.
	w := &facts{goos: "windows", cmds: map[string]CmdResult{`<uac> C:\ipconfig.exe /flushdns`: out("")}}
	ip := Action{ID: "dns.windows.flush", Argv: []string{`C:\ipconfig.exe`, "/flushdns"}, AdminOnFailure: true}
	if o := Do(t.Context(), w.env(), ip, ViaUAC); o.Status != StatusOK || o.Via != ViaUAC {
		t.Errorf("uac ok = %+v", o)
	}
	ip.Argv = []string{`C:\other.exe`}
	if o := Do(t.Context(), w.env(), ip, ViaUAC); o.Status != StatusCancelled || !strings.Contains(o.Reason, "declined") {
		t.Errorf("uac declined = %+v", o)
	}
	if o := Do(t.Context(), env, ip, ViaUAC); o.Status != StatusFailed {
		t.Errorf("uac off Windows = %+v", o)
	}
	if o := Do(t.Context(), env, Action{ID: "x"}, ViaDirect); o.Status != StatusNothingToDo {
		t.Errorf("empty action = %+v", o)
	}
}

func TestActionCommandQuotes(t *testing.T) {
	a := Action{Argv: []string{"/Applications/Google Chrome.app/x", "--a=b", "it's", ""}}
	if got := a.Command(); got != `'/Applications/Google Chrome.app/x' --a=b 'it'\''s' ''` {
		t.Errorf("Command() = %s", got)
	}
}

func TestCopyChoosesTool(t *testing.T) {
	tests := []struct {
		name    string
		f       *facts
		text    string
		tool    string
		skipped string
	}{
		{"wayland", &facts{goos: "linux", vars: map[string]string{"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, path: map[string]string{"wl-copy": "/usr/bin/wl-copy", "xclip": "/usr/bin/xclip"},
			cmds: map[string]CmdResult{"/usr/bin/wl-copy": out("")}}, "x", "wl-copy", ""},
		{"x11 xclip", &facts{goos: "linux", vars: map[string]string{"DISPLAY": ":0"}, path: map[string]string{"xclip": "/usr/bin/xclip"},
			cmds: map[string]CmdResult{"/usr/bin/xclip -selection clipboard": out("")}}, "x", "xclip", ""},
		{"x11 xsel", &facts{goos: "linux", vars: map[string]string{"DISPLAY": ":0"}, path: map[string]string{"xsel": "/usr/bin/xsel"},
			cmds: map[string]CmdResult{"/usr/bin/xsel --clipboard --input": out("")}}, "x", "xsel", ""},
		{"ssh", &facts{goos: "linux", vars: map[string]string{"DISPLAY": ":0", "SSH_CONNECTION": "1 2 3 4"}, path: map[string]string{"xclip": "/usr/bin/xclip"}}, "x", "", "SSH"},
		{"headless", &facts{goos: "linux"}, "x", "", "no graphical session"},
		{"macOS", &facts{goos: "darwin", path: map[string]string{"pbcopy": "/usr/bin/pbcopy"}, cmds: map[string]CmdResult{"/usr/bin/pbcopy": out("")}}, "x", "pbcopy", ""},
		{"windows ascii", &facts{goos: "windows", path: map[string]string{"clip": `C:\Windows\system32\clip.exe`}, cmds: map[string]CmdResult{`C:\Windows\system32\clip.exe`: out("")}}, "chrome://settings", "clip.exe", ""},
		{"windows non-ascii", &facts{goos: "windows", path: map[string]string{"clip": `C:\Windows\system32\clip.exe`}}, "https://bücher.example/", "", "non-ASCII"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var term bytes.Buffer
			r := Copy(t.Context(), tt.f.env(), &term, tt.text)
			if r.Tool != tt.tool || !strings.Contains(r.Skipped, tt.skipped) {
				t.Errorf("copy = %+v, want tool %q skipped ~%q", r, tt.tool, tt.skipped)
			}
			want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(tt.text)) + "\a"
			if !r.OSC52 || term.String() != want {
				t.Errorf("OSC 52 = %q, want %q", term.String(), want)
			}
			if !r.Copied() {
				t.Error("Copied() = false")
			}
		})
	}
	// Without a terminal writer and without a tool nothing is copied.
	if r := Copy(t.Context(), (&facts{goos: "linux"}).env(), nil, "x"); r.Copied() || r.OSC52 {
		t.Errorf("nothing to copy with: %+v", r)
	}
}

func TestDetectOS(t *testing.T) {
	lin := &facts{goos: "linux", files: map[string]string{
		"/etc/os-release":            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n",
		"/proc/sys/kernel/osrelease": "6.1.0-18-amd64\n",
	}}
	if o := DetectOS(t.Context(), lin.env()); o.Name != "Debian GNU/Linux 12 (bookworm)" || o.Version != "12" || o.Kernel != "6.1.0-18-amd64" {
		t.Errorf("linux = %+v", o)
	}
	mac := &facts{goos: "darwin", cmds: map[string]CmdResult{"sw_vers -productVersion": out("10.11.6\n")}}
	if o := DetectOS(t.Context(), mac.env()); o.Name != "OS X 10.11.6" || o.Version != "10.11.6" {
		t.Errorf("darwin = %+v", o)
	}
	win := &facts{goos: "windows", reg: map[string]any{
		winCurrentVersion + "|ProductName":               "Windows 10 Pro",
		winCurrentVersion + "|DisplayVersion":            "23H2",
		winCurrentVersion + "|CurrentBuildNumber":        "22631",
		winCurrentVersion + "|CurrentMajorVersionNumber": uint64(10),
		winCurrentVersion + "|CurrentMinorVersionNumber": uint64(0),
	}}
	if o := DetectOS(t.Context(), win.env()); o.Name != "Windows 11 Pro 23H2" || o.Version != "10.0.22631" {
		t.Errorf("windows = %+v", o)
	}
}

func TestInspectReadsOnly(t *testing.T) {
	f := &facts{goos: "linux",
		files:  map[string]string{"/etc/resolv.conf": "nameserver 127.0.0.53\n", "/etc/hosts": "10.9.9.9 app.example\n"},
		exists: []string{"/run/systemd/resolve"},
		path:   map[string]string{"resolvectl": "/usr/bin/resolvectl", "getent": "/usr/bin/getent", "sudo": "/usr/bin/sudo"},
		cmds: map[string]CmdResult{
			"systemctl is-active systemd-resolved": out("active\n"),
			"/usr/bin/getent ahosts app.example":   out("10.9.9.9 STREAM app.example\n"),
		},
		vars:   map[string]string{"HTTPS_PROXY": "http://proxy:3128"},
		ifaces: []Iface{{Name: "eth0", Flags: net.FlagUp, Addrs: []string{"10.0.0.2/24"}}},
		local:  "10.0.0.2",
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	s := Inspect(ctx, f.env(), "app.example")
	if s.Host == nil || !slices.Equal(s.Host.Addrs, []string{"10.9.9.9"}) || len(s.Host.Hosts) != 1 {
		t.Errorf("host = %+v", s.Host)
	}
	if s.HostProxy != "http://proxy:3128" || s.HostProxySource != "HTTPS_PROXY" {
		t.Errorf("host proxy = %q from %q", s.HostProxy, s.HostProxySource)
	}
	if s.VPN.TargetIP != "10.9.9.9" || s.VPN.TargetInterface != "eth0" {
		t.Errorf("vpn target = %+v", s.VPN)
	}
	if kinds(s.DNS.Caches)[0] != CacheResolved {
		t.Errorf("dns = %+v", s.DNS)
	}
	for _, c := range f.ran() {
		if strings.HasPrefix(c, "sudo") || strings.Contains(c, "flush") {
			t.Errorf("Inspect ran %q", c)
		}
	}
}
