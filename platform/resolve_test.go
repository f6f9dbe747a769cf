package platform

import (
	"context"
	"slices"
	"strings"
	"testing"
)

const hostsFile = `127.0.0.1	localhost
# 10.0.0.9 intranet.example.com (commented out)
10.1.2.3   Intranet.Example.COM. intranet   # the old server
::1 localhost ip6-localhost
192.0.2.1 other.example.com
not-an-ip intranet.example.com
`

func TestHostsEntries(t *testing.T) {
	f := &facts{goos: "linux", files: map[string]string{"/etc/hosts": hostsFile}}
	got, files, _ := HostsEntries(f.env(), "intranet.example.com")
	if !slices.Equal(files, []string{"/etc/hosts"}) {
		t.Errorf("files = %v", files)
	}
	if len(got) != 1 || got[0].IP != "10.1.2.3" || got[0].Line != 3 || got[0].File != "/etc/hosts" {
		t.Fatalf("entries = %+v, want the one live line 3", got)
	}
	if !strings.Contains(got[0].Text, "the old server") {
		t.Errorf("text = %q", got[0].Text)
	}
	if got, _, _ := HostsEntries(f.env(), "example.com"); len(got) != 0 {
		t.Errorf("a parent domain must not match: %+v", got)
	}
}

func TestHostsEntriesWindowsDataBasePath(t *testing.T) {
	f := &facts{goos: "windows", vars: map[string]string{"SystemRoot": `C:\WINDOWS`},
		files: map[string]string{
			`C:\WINDOWS\System32\drivers\etc\hosts`: "10.0.0.1 a.example\n",
			`D:\etc\hosts`:                          "10.0.0.2 a.example\r\n",
		},
		reg: map[string]any{`HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters|DataBasePath`: `D:\etc`}}
	got, files, notes := HostsEntries(f.env(), "a.example")
	if !slices.Equal(files, []string{`C:\WINDOWS\System32\drivers\etc\hosts`, `D:\etc\hosts`}) {
		t.Errorf("files = %q", files)
	}
	if len(got) != 2 || got[1].IP != "10.0.0.2" || got[1].Text != "10.0.0.2 a.example" {
		t.Errorf("entries = %+v", got)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "DataBasePath") {
		t.Errorf("notes = %q", notes)
	}
	// DataBasePath at its default adds nothing.
	f.reg = map[string]any{`HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters|DataBasePath`: `C:\WINDOWS\System32\drivers\etc`}
	if _, files, notes := HostsEntries(f.env(), "a.example"); len(files) != 1 || len(notes) != 0 {
		t.Errorf("default DataBasePath: files %q notes %q", files, notes)
	}
}

func TestResolve(t *testing.T) {
	getent := "2001:db8::5     STREAM intranet.example.com\n2001:db8::5     DGRAM  \n10.1.2.3        STREAM \n10.1.2.3        DGRAM  \n"
	f := &facts{goos: "linux", files: map[string]string{"/etc/hosts": hostsFile},
		path: map[string]string{"getent": "/usr/bin/getent"},
		cmds: map[string]CmdResult{
			"/usr/bin/getent ahosts intranet.example.com": out(getent),
			"/usr/bin/getent ahosts gone.example.com":     exit(2, ""),
		}}
	r := Resolve(context.Background(), f.env(), "intranet.example.com")
	if !slices.Equal(r.Addrs, []string{"2001:db8::5", "10.1.2.3"}) || r.Error != "" || !strings.HasPrefix(r.Via, "getent") {
		t.Errorf("resolution = %+v", r)
	}
	if len(r.Hosts) != 1 {
		t.Errorf("hosts lines = %+v", r.Hosts)
	}
	r = Resolve(context.Background(), f.env(), "gone.example.com")
	if r.Error != "the name does not resolve" || len(r.Addrs) != 0 {
		t.Errorf("unresolvable: %+v", r)
	}
	// A hostile host never reaches getent.
	r = Resolve(context.Background(), f.env(), "--help")
	if r.Error == "" || slices.ContainsFunc(f.ran(), func(s string) bool { return strings.Contains(s, "--help") }) {
		t.Errorf("--help as a host: %+v, ran %q", r, f.ran())
	}
	// macOS and Windows use the system resolver.
	m := &facts{goos: "darwin", hosts: map[string][]string{"a.example": {"192.0.2.7"}}}
	r = Resolve(context.Background(), m.env(), "a.example.")
	if !slices.Equal(r.Addrs, []string{"192.0.2.7"}) || r.Via != "the system resolver" || r.Host != "a.example" {
		t.Errorf("darwin: %+v", r)
	}
}

func TestValidHost(t *testing.T) {
	for _, ok := range []string{"example.com", "a-b.example", "10.0.0.1", "::1", "[2001:db8::1]", "under_score.local", "x."} {
		if err := ValidHost(ok); err != nil {
			t.Errorf("ValidHost(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-x", "--gpu-launcher=sh", "a b", "a;b", "a/b", "\x1b[31m", strings.Repeat("a", 254)} {
		if err := ValidHost(bad); err == nil {
			t.Errorf("ValidHost(%q) accepted", bad)
		}
	}
}
