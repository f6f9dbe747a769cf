package platform

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// argvs returns each flush action's argv joined by spaces.
func argvs(acts []Action) []string {
	var out []string
	for _, a := range acts {
		out = append(out, strings.Join(a.Argv, " "))
	}
	return out
}

func kinds(cs []DNSCache) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Kind)
	}
	return out
}

const stubResolv = "# This is /run/systemd/resolve/stub-resolv.conf\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n"

func TestDetectDNSLinux(t *testing.T) {
	resolvedRunning := func(f *facts) {
		f.exists = append(f.exists, "/run/systemd/resolve")
		f.cmds["systemctl is-active systemd-resolved"] = out("active\n")
		f.cmds["systemctl show -p MainPID systemd-resolved"] = out("MainPID=312\n")
	}
	tests := []struct {
		name       string
		setup      func(f *facts)
		wantKinds  []string
		wantArgv   []string
		wantUnused []string
		wantNote   string
		check      func(t *testing.T, r DNSReport)
	}{
		{
			name: "systemd-resolved stub with resolvectl",
			setup: func(f *facts) {
				resolvedRunning(f)
				f.files["/etc/resolv.conf"] = stubResolv
				f.links["/etc/resolv.conf"] = "../run/systemd/resolve/stub-resolv.conf"
				f.path["resolvectl"] = "/usr/bin/resolvectl"
			},
			wantKinds: []string{CacheResolved},
			wantArgv:  []string{"/usr/bin/resolvectl flush-caches"},
			check: func(t *testing.T, r DNSReport) {
				a := r.Actions()[0]
				if a.Admin || !a.AdminOnFailure || !a.Changes {
					t.Errorf("resolvectl flush-caches: admin=%v adminOnFailure=%v changes=%v, want false/true/true", a.Admin, a.AdminOnFailure, a.Changes)
				}
			},
		},
		{
			name: "Ubuntu 18.04: systemd-resolve 237 only",
			setup: func(f *facts) {
				resolvedRunning(f)
				f.files["/etc/resolv.conf"] = stubResolv
				f.path["systemd-resolve"] = "/usr/bin/systemd-resolve"
				f.cmds["/usr/bin/systemd-resolve --version"] = out("systemd 237\n+PAM +AUDIT +SELINUX\n")
			},
			wantKinds: []string{CacheResolved},
			wantArgv:  []string{"/usr/bin/systemd-resolve --flush-caches"},
		},
		{
			name: "Ubuntu 16.04: systemd 229 has no flush command, SIGUSR2 to the main PID",
			setup: func(f *facts) {
				resolvedRunning(f)
				f.files["/etc/resolv.conf"] = stubResolv
				f.path["systemd-resolve"] = "/usr/bin/systemd-resolve"
				f.path["kill"] = "/bin/kill"
				f.cmds["/usr/bin/systemd-resolve --version"] = out("systemd 229\n+PAM\n")
			},
			wantKinds: []string{CacheResolved},
			wantArgv:  []string{"/bin/kill -USR2 312"},
		},
		{
			name: "resolved runs but lookups bypass it (uplink resolv.conf, no nss-resolve)",
			setup: func(f *facts) {
				resolvedRunning(f)
				f.files["/etc/resolv.conf"] = "nameserver 192.168.1.1\n"
				f.files["/etc/nsswitch.conf"] = "hosts: files dns\n"
				f.path["resolvectl"] = "/usr/bin/resolvectl"
			},
			wantUnused: []string{CacheResolved},
			wantNote:   NothingCaches,
		},
		{
			name: "nsswitch resolve makes resolved count even with a plain resolv.conf",
			setup: func(f *facts) {
				resolvedRunning(f)
				f.files["/etc/resolv.conf"] = "nameserver 10.0.0.1\n"
				f.files["/etc/nsswitch.conf"] = "hosts:  mymachines resolve [!UNAVAIL=return] files myhostname dns # comment\n"
				f.path["resolvectl"] = "/usr/bin/resolvectl"
			},
			wantKinds: []string{CacheResolved},
			wantArgv:  []string{"/usr/bin/resolvectl flush-caches"},
		},
		{
			name: "nscd caches hosts",
			setup: func(f *facts) {
				f.files["/etc/resolv.conf"] = "nameserver 10.0.0.1\n"
				f.exists = append(f.exists, "/run/nscd/socket")
				f.procs = []Proc{{PID: 77, Name: "nscd"}}
				f.path["nscd"] = "/usr/sbin/nscd"
			},
			wantKinds: []string{CacheNscd},
			wantArgv:  []string{"/usr/sbin/nscd -i hosts"},
			check: func(t *testing.T, r DNSReport) {
				a := r.Actions()[0]
				if !a.Admin || !a.ExitReasons[4].NeedsAdmin {
					t.Errorf("nscd -i hosts must need admin and explain exit 4: %+v", a)
				}
			},
		},
		{
			name: "nscd with its hosts cache off",
			setup: func(f *facts) {
				f.files["/etc/resolv.conf"] = "nameserver 10.0.0.1\n"
				f.files["/etc/nscd.conf"] = "enable-cache passwd yes\n\tenable-cache\thosts\tno\n"
				f.procs = []Proc{{PID: 77, Name: "nscd"}}
				f.path["nscd"] = "/usr/sbin/nscd"
			},
			wantUnused: []string{CacheNscd},
			wantNote:   NothingCaches,
		},
		{
			name: "standalone dnsmasq: signal the service's PID, leave libvirt's alone",
			setup: func(f *facts) {
				f.files["/etc/resolv.conf"] = "nameserver 127.0.0.1\n"
				f.procs = []Proc{
					{PID: 900, PPID: 1, Name: "dnsmasq", Args: []string{"/usr/sbin/dnsmasq", "--conf-file=/var/lib/libvirt/dnsmasq/default.conf"}},
					{PID: 950, PPID: 1, Name: "dnsmasq", Args: []string{"/usr/sbin/dnsmasq", "-x", "/run/dnsmasq/dnsmasq.pid"}},
				}
				f.cmds["systemctl show -p MainPID dnsmasq"] = out("MainPID=950\n")
				f.path["kill"] = "/bin/kill"
			},
			wantKinds:  []string{CacheDnsmasq},
			wantArgv:   []string{"/bin/kill -HUP 950"},
			wantUnused: []string{CacheDnsmasq},
		},
		{
			name: "two standalone dnsmasq and no service PID: no guess",
			setup: func(f *facts) {
				f.files["/etc/resolv.conf"] = "nameserver 127.0.0.1\n"
				f.procs = []Proc{{PID: 10, Name: "dnsmasq"}, {PID: 11, Name: "dnsmasq"}}
				f.cmds["systemctl show -p MainPID dnsmasq"] = out("MainPID=0\n")
			},
			wantKinds: []string{CacheDnsmasq},
			check: func(t *testing.T, r DNSReport) {
				if len(r.Actions()) != 0 || !strings.Contains(r.Caches[0].Note, "will not guess") {
					t.Errorf("want no action and a note, got %v / %q", argvs(r.Actions()), r.Caches[0].Note)
				}
			},
		},
		{
			name: "dnsmasq pid file picks the one to signal",
			setup: func(f *facts) {
				f.files["/etc/resolv.conf"] = "nameserver ::1\n"
				f.files["/run/dnsmasq/dnsmasq.pid"] = "11\n"
				f.procs = []Proc{{PID: 10, Name: "dnsmasq"}, {PID: 11, Name: "dnsmasq"}}
			},
			wantKinds: []string{CacheDnsmasq},
			wantArgv:  []string{"kill -HUP 11"},
		},
		{
			name: "dnsmasq runs but lookups go elsewhere",
			setup: func(f *facts) {
				f.files["/etc/resolv.conf"] = "nameserver 9.9.9.9\n"
				f.procs = []Proc{{PID: 10, Name: "dnsmasq"}}
			},
			wantUnused: []string{CacheDnsmasq},
			wantNote:   NothingCaches,
		},
		{
			name: "NetworkManager dnsmasq plugin with nmcli 1.42",
			setup: func(f *facts) {
				f.files["/etc/resolv.conf"] = "nameserver 127.0.1.1\n"
				f.files["/etc/NetworkManager/NetworkManager.conf"] = "[main]\nplugins=ifupdown,keyfile\n"
				f.files["/etc/NetworkManager/conf.d/dns.conf"] = "[main]\ndns=dnsmasq\n"
				f.procs = []Proc{{PID: 500, Name: "NetworkManager"}, {PID: 600, PPID: 500, Name: "dnsmasq", Args: []string{"/usr/sbin/dnsmasq", "--conf-dir=/etc/NetworkManager/dnsmasq.d"}}}
				f.path["nmcli"] = "/usr/bin/nmcli"
				f.cmds["/usr/bin/nmcli --version"] = out("nmcli tool, version 1.42.4\n")
			},
			wantKinds: []string{CacheNMDnsmasq},
			wantArgv:  []string{"/usr/bin/nmcli general reload dns-full"},
		},
		{
			name: "NetworkManager dnsmasq plugin with nmcli 1.10: SIGHUP its dnsmasq",
			setup: func(f *facts) {
				f.files["/etc/resolv.conf"] = "nameserver 127.0.1.1\n"
				f.files["/etc/NetworkManager/NetworkManager.conf"] = "[main]\ndns=dnsmasq\n"
				f.procs = []Proc{{PID: 500, Name: "NetworkManager"}, {PID: 600, PPID: 500, Name: "dnsmasq"}}
				f.path["nmcli"] = "/usr/bin/nmcli"
				f.path["kill"] = "/bin/kill"
				f.cmds["/usr/bin/nmcli --version"] = out("nmcli tool, version 1.10.6\n")
			},
			wantKinds: []string{CacheNMDnsmasq},
			wantArgv:  []string{"/bin/kill -HUP 600"},
		},
		{
			name: "unbound on loopback",
			setup: func(f *facts) {
				f.files["/etc/resolv.conf"] = "nameserver 127.0.0.1\n"
				f.procs = []Proc{{PID: 42, Name: "unbound"}}
				f.path["unbound-control"] = "/usr/sbin/unbound-control"
			},
			wantKinds: []string{CacheUnbound},
			wantArgv:  []string{"/usr/sbin/unbound-control reload"},
		},
		{
			name: "resolved forwarding to a local dnsmasq: flush both",
			setup: func(f *facts) {
				resolvedRunning(f)
				f.files["/etc/resolv.conf"] = stubResolv
				f.files["/run/systemd/resolve/resolv.conf"] = "nameserver 127.0.0.1\n"
				f.path["resolvectl"] = "/usr/bin/resolvectl"
				f.procs = []Proc{{PID: 21, Name: "dnsmasq"}}
			},
			wantKinds: []string{CacheResolved, CacheDnsmasq},
			wantArgv:  []string{"/usr/bin/resolvectl flush-caches", "kill -HUP 21"},
		},
		{
			name: "BIND named on loopback",
			setup: func(f *facts) {
				f.files["/etc/resolv.conf"] = "nameserver 127.0.0.1\n"
				f.procs = []Proc{{PID: 53, Name: "named"}}
				f.path["rndc"] = "/usr/sbin/rndc"
			},
			wantKinds: []string{CacheNamed},
			wantArgv:  []string{"/usr/sbin/rndc flush"},
		},
		{
			name: "no local cache at all",
			setup: func(f *facts) {
				f.files["/etc/resolv.conf"] = "nameserver 192.168.1.1\nnameserver 1.1.1.1\n"
				f.procs = []Proc{{PID: 1, Name: "systemd"}}
			},
			wantNote: NothingCaches,
			check: func(t *testing.T, r DNSReport) {
				if !strings.Contains(r.Note, "192.168.1.1, 1.1.1.1") {
					t.Errorf("note should name the servers in use: %q", r.Note)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &facts{goos: "linux", files: map[string]string{}, links: map[string]string{}, path: map[string]string{}, cmds: map[string]CmdResult{}}
			tt.setup(f)
			r := DetectDNS(context.Background(), f.env())
			if got := kinds(r.Caches); !slices.Equal(got, tt.wantKinds) {
				t.Errorf("caches = %v, want %v", got, tt.wantKinds)
			}
			if got := argvs(r.Actions()); !slices.Equal(got, tt.wantArgv) {
				t.Errorf("flush argv = %q, want %q", got, tt.wantArgv)
			}
			if got := kinds(r.Unused); !slices.Equal(got, tt.wantUnused) {
				t.Errorf("unused = %v, want %v", got, tt.wantUnused)
			}
			if tt.wantNote != "" && !strings.HasPrefix(r.Note, tt.wantNote) {
				t.Errorf("note = %q, want it to start with %q", r.Note, tt.wantNote)
			}
			if tt.wantNote == "" && r.Note != "" {
				t.Errorf("unexpected note %q", r.Note)
			}
			for _, c := range r.Caches {
				if len(c.Evidence) == 0 {
					t.Errorf("%s: no evidence recorded", c.Kind)
				}
			}
			for _, call := range f.ran() {
				if strings.Contains(call, "flush") || strings.Contains(call, "kill") || strings.Contains(call, "reload") {
					t.Errorf("detection ran a changing command: %q", call)
				}
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestDetectDNSDarwinByVersion(t *testing.T) {
	tests := []struct {
		version string
		want    []string
		kind    string
	}{
		{"10.4.11", []string{"lookupd -flushcache"}, CacheLookupd},
		{"10.5.8", []string{"/usr/bin/dscacheutil -flushcache"}, CacheLookupd},
		{"10.6.8", []string{"/usr/bin/dscacheutil -flushcache"}, CacheLookupd},
		{"10.7.5", []string{"/usr/bin/killall -HUP mDNSResponder"}, CacheMDNS},
		{"10.9.5", []string{"/usr/bin/killall -HUP mDNSResponder"}, CacheMDNS},
		{"10.10", []string{"discoveryutil mdnsflushcache", "discoveryutil udnsflushcaches"}, CacheDiscoveryd},
		{"10.10.3", []string{"discoveryutil mdnsflushcache", "discoveryutil udnsflushcaches"}, CacheDiscoveryd},
		{"10.10.4", []string{"/usr/bin/dscacheutil -flushcache", "/usr/bin/killall -HUP mDNSResponder"}, CacheMDNS},
		{"10.15.7", []string{"/usr/bin/dscacheutil -flushcache", "/usr/bin/killall -HUP mDNSResponder"}, CacheMDNS},
		{"14.5", []string{"/usr/bin/dscacheutil -flushcache", "/usr/bin/killall -HUP mDNSResponder"}, CacheMDNS},
		{"15.1.1", []string{"/usr/bin/dscacheutil -flushcache", "/usr/bin/killall -HUP mDNSResponder"}, CacheMDNS},
		{"26.0", []string{"/usr/bin/dscacheutil -flushcache", "/usr/bin/killall -HUP mDNSResponder"}, CacheMDNS},
		{"", []string{"/usr/bin/dscacheutil -flushcache", "/usr/bin/killall -HUP mDNSResponder"}, CacheMDNS},
	}
	for _, tt := range tests {
		t.Run("macOS "+tt.version, func(t *testing.T) {
			f := &facts{goos: "darwin", cmds: map[string]CmdResult{"sw_vers -productVersion": out(tt.version + "\n")},
				path: map[string]string{"dscacheutil": "/usr/bin/dscacheutil", "killall": "/usr/bin/killall"}}
			r := DetectDNS(context.Background(), f.env())
			if got := argvs(r.Actions()); !slices.Equal(got, tt.want) {
				t.Errorf("argv = %q, want %q", got, tt.want)
			}
			if r.Caches[0].Kind != tt.kind {
				t.Errorf("kind = %s, want %s", r.Caches[0].Kind, tt.kind)
			}
			for _, a := range r.Actions() {
				if !a.Admin || !a.Changes {
					t.Errorf("%s must need admin and count as a change", a.ID)
				}
			}
		})
	}
}

func TestDetectDNSWindows(t *testing.T) {
	f := &facts{goos: "windows", path: map[string]string{"ipconfig": `C:\Windows\system32\ipconfig.exe`}, reg: map[string]any{}}
	r := DetectDNS(context.Background(), f.env())
	if got := argvs(r.Actions()); !slices.Equal(got, []string{`C:\Windows\system32\ipconfig.exe /flushdns`}) {
		t.Fatalf("argv = %q", got)
	}
	if a := r.Actions()[0]; a.Admin || !a.AdminOnFailure {
		t.Errorf("ipconfig /flushdns is tried unelevated first: %+v", a)
	}
	f.reg[`HKLM\SYSTEM\CurrentControlSet\Services\Dnscache|Start`] = uint64(4)
	r = DetectDNS(context.Background(), f.env())
	if len(r.Caches) != 0 || r.Note != NothingCaches {
		t.Errorf("a disabled DNS Client caches nothing: %+v", r)
	}
}
