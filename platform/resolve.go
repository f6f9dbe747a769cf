package platform

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/fix401/fix401/probe"
)

// Resolution is what a host resolves to through the system resolver, and
// the hosts-file lines that name it.
type Resolution struct {
	Host  string   `json:"host"`
	Addrs []string `json:"addrs"`
	// Error says in plain words why it did not resolve.
	Error string `json:"error,omitempty"`
	// Via names the path asked: "getent ahosts" (Linux: hosts file,
	// systemd-resolved, nscd, as glibc programs see it) or the system
	// resolver (getaddrinfo on macOS, GetAddrInfoW on Windows).
	Via string `json:"via"`
	// Hosts are the hosts-file lines for the host.
	Hosts []probe.HostsEntry `json:"hosts"`
	// HostsFiles are the hosts files read.
	HostsFiles []string `json:"hosts_files"`
	// Notes explain surprises (Windows' moved hosts folder).
	Notes []string `json:"notes,omitempty"`
}

// ValidHost checks a host name or IP literal given by the person before it
// goes into an argv: no leading "-", only name characters.
func ValidHost(host string) error {
	h := strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if h == "" {
		return probe.Inputf("no host name given")
	}
	if len(h) > 253 {
		return probe.Inputf("host name is longer than 253 characters")
	}
	if net.ParseIP(h) != nil {
		return nil
	}
	if h[0] == '-' {
		return probe.Inputf("host name %q starts with '-'", probe.Sanitize(host))
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return probe.Inputf("host name %q has a character that is not allowed in a name: %q", probe.Sanitize(host), r)
		}
	}
	return nil
}

// Resolve asks the system resolver for host, and reads the hosts-file lines
// naming it. Call it before and after a flush to show what changed. The
// re-test itself must use a fresh http.Transport (or CloseIdleConnections):
// a kept-alive connection still goes to the old address.
func Resolve(ctx context.Context, env *Env, host string) Resolution {
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	r := Resolution{Host: host, Addrs: []string{}}
	if err := ValidHost(host); err != nil {
		r.Error = err.Error()
		return r
	}
	r.Hosts, r.HostsFiles, r.Notes = HostsEntries(env, host)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if env.goos() == "linux" {
		if bin := env.lookPath("getent"); bin != "" {
			r.Via = "getent ahosts (the hosts file, systemd-resolved and nscd, as programs see them)"
			res := env.run(ctx, Cmd{Argv: []string{bin, "ahosts", host}, Timeout: 10 * time.Second})
			switch {
			case res.OK():
				r.Addrs = parseGetent(res.Stdout)
				return r
			case res.ExitCode == 2:
				r.Error = "the name does not resolve"
				return r
			}
			// getent failed otherwise: fall back to Go's resolver.
		}
	}
	r.Via = "the system resolver"
	if env.goos() == "linux" {
		r.Via = "Go's resolver (resolv.conf and the hosts file)"
	}
	if env.LookupHost == nil {
		r.Error = "no resolver available"
		return r
	}
	addrs, err := env.LookupHost(ctx, host)
	if err != nil {
		r.Error = lookupError(err)
		return r
	}
	r.Addrs = addrs
	return r
}

func lookupError(err error) string {
	if de, ok := err.(*net.DNSError); ok {
		switch {
		case de.IsNotFound:
			return "the name does not resolve"
		case de.IsTimeout:
			return "the DNS server did not answer in time"
		}
		return probe.Sanitize(de.Err)
	}
	return plainErr(err)
}

// parseGetent reads "ADDR STREAM name" lines and returns each address once.
func parseGetent(s string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || net.ParseIP(f[0]) == nil || seen[f[0]] {
			continue
		}
		seen[f[0]] = true
		out = append(out, f[0])
	}
	return out
}

// HostsPath returns the hosts file the OS uses by default.
func HostsPath(env *Env) string {
	if env.goos() == "windows" {
		root := env.getenv("SystemRoot")
		if root == "" {
			root = `C:\Windows`
		}
		return root + `\System32\drivers\etc\hosts`
	}
	return "/etc/hosts"
}

// HostsEntries returns the hosts-file lines that name host, the files
// read, and notes. On Windows the folder can be moved with the registry
// value Tcpip\Parameters\DataBasePath: Windows then reads that one, while
// Go's own resolver still reads the default path, so both are read.
func HostsEntries(env *Env, host string) (entries []probe.HostsEntry, files []string, notes []string) {
	entries = []probe.HostsEntry{}
	files = []string{HostsPath(env)}
	if env.goos() == "windows" && env.Registry != nil {
		if db, err := env.Registry.String(`HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters`, "DataBasePath"); err == nil && db != "" {
			moved := strings.TrimRight(db, `\`) + `\hosts`
			if !strings.EqualFold(moved, files[0]) {
				files = append(files, moved)
				notes = append(notes, fmt.Sprintf("Windows reads its hosts file from %s (registry DataBasePath); fix401's own lookups read %s.", probe.Sanitize(moved), files[0]))
			}
		}
	}
	want := strings.ToLower(strings.TrimSuffix(host, "."))
	for _, f := range files {
		s, ok := env.readFile(f)
		if !ok {
			continue
		}
		for i, line := range strings.Split(s, "\n") {
			body, _, _ := strings.Cut(line, "#")
			fields := strings.Fields(body)
			if len(fields) < 2 || net.ParseIP(strings.Split(fields[0], "%")[0]) == nil {
				continue
			}
			for _, name := range fields[1:] {
				if strings.ToLower(strings.TrimSuffix(name, ".")) == want {
					text := strings.TrimSpace(line)
					if len(text) > 300 {
						text = text[:300] + "…"
					}
					entries = append(entries, probe.HostsEntry{File: f, Line: i + 1, IP: fields[0], Text: probe.Sanitize(text)})
					break
				}
			}
		}
	}
	return entries, files, notes
}
