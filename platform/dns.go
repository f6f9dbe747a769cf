package platform

import (
	"context"
	"net"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DNS cache kinds, stable in JSON.
const (
	CacheWindows      = "windows-dnscache"
	CacheMDNS         = "mdnsresponder"
	CacheLookupd      = "lookupd"
	CacheDiscoveryd   = "discoveryd"
	CacheResolved     = "systemd-resolved"
	CacheNscd         = "nscd"
	CacheDnsmasq      = "dnsmasq"
	CacheNMDnsmasq    = "networkmanager-dnsmasq"
	CacheUnbound      = "unbound"
	CacheNamed        = "named"
	detectTimeout     = 5 * time.Second
	flushTimeout      = 20 * time.Second
	resolvedStubAddr  = "127.0.0.53"
	resolvedProxyAddr = "127.0.0.54"
)

// DNSCache is one thing on this machine that caches DNS answers.
type DNSCache struct {
	// Kind is one of the Cache* constants.
	Kind string `json:"kind"`
	// Name is what to call it on screen.
	Name string `json:"name"`
	// Evidence lists what showed it is there and in use.
	Evidence []string `json:"evidence"`
	// Actions flush it, in order; empty when fix401 found no way (Note
	// says why).
	Actions []Action `json:"actions"`
	Note    string   `json:"note,omitempty"`
}

// DNSReport is what caches DNS on this machine and how to flush it.
type DNSReport struct {
	// Caches are the caches in the system's lookup path, to flush.
	Caches []DNSCache `json:"caches"`
	// Unused are caches that run but that the system's lookups do not go
	// through (libvirt's dnsmasq serves only virtual machines).
	Unused []DNSCache `json:"unused,omitempty"`
	// Nameservers are those in /etc/resolv.conf (Linux, macOS).
	Nameservers []string `json:"nameservers,omitempty"`
	// ResolvConf is where /etc/resolv.conf points when it is a link.
	ResolvConf string `json:"resolv_conf,omitempty"`
	// NSSwitchHosts is the hosts: line of /etc/nsswitch.conf.
	NSSwitchHosts string `json:"nsswitch_hosts,omitempty"`
	// Note is said to the person; when nothing caches it says so.
	Note string `json:"note,omitempty"`
}

// Actions returns the flush actions of every cache, in order.
func (r DNSReport) Actions() []Action {
	var out []Action
	for _, c := range r.Caches {
		out = append(out, c.Actions...)
	}
	return out
}

// NothingCaches is the note when no local cache exists.
const NothingCaches = "No local DNS cache on this machine, so there is nothing to flush. " +
	"The DNS server it asks (router, internet provider or company) may keep the old answer until it expires."

// notLocalNote is said of a DNS server that runs but that the system's own
// lookups do not ask.
const notLocalNote = "it runs, but the system's lookups do not go to a local address"

// BrowserDNSNote reminds that browsers cache DNS on their own.
const BrowserDNSNote = "Browsers keep their own DNS cache, which flushing the system's does not touch: " +
	"see InternalPage(…, PageDNSCache) for where to clear it. A browser with secure DNS (DNS over HTTPS) " +
	"does not use the system resolver at all."

// DetectDNS finds what caches DNS on this machine and plans how to flush
// exactly that. It only reads; nothing is flushed.
func DetectDNS(ctx context.Context, env *Env) DNSReport {
	switch env.goos() {
	case "windows":
		return detectDNSWindows(env)
	case "darwin":
		return detectDNSDarwin(ctx, env, DetectOS(ctx, env).Version)
	}
	return detectDNSLinux(ctx, env)
}

// abs returns the program's absolute path, or its bare name when it is not
// on PATH (it is then still run through PATH).
func abs(env *Env, name string) string {
	if p := env.lookPath(name); p != "" {
		return p
	}
	return name
}

func detectDNSWindows(env *Env) DNSReport {
	var r DNSReport
	c := DNSCache{Kind: CacheWindows, Name: "Windows DNS Client (Dnscache)",
		Evidence: []string{"the DNS Client service is part of Windows"}}
	if env.Registry != nil {
		if start, err := env.Registry.Integer(`HKLM\SYSTEM\CurrentControlSet\Services\Dnscache`, "Start"); err == nil && start == 4 {
			c.Evidence = append(c.Evidence, "the DNS Client service is disabled (Start = 4)")
			r.Unused = append(r.Unused, c)
			r.Note = NothingCaches
			return r
		}
	}
	c.Actions = []Action{{
		ID: "dns.windows.flush", Title: "Empty the Windows DNS cache",
		Argv: []string{abs(env, "ipconfig"), "/flushdns"}, AdminOnFailure: true, Changes: true, Timeout: flushTimeout,
	}}
	c.Note = "Entries from the hosts file stay listed in the cache after a flush; that is expected."
	r.Caches = []DNSCache{c}
	return r
}

func detectDNSDarwin(_ context.Context, env *Env, version string) DNSReport {
	var r DNSReport
	r.Nameservers, _ = resolvConf(env, "/etc/resolv.conf")
	v := macVersion(version)
	act := func(id, title string, argv ...string) Action {
		argv[0] = abs(env, argv[0])
		return Action{ID: id, Title: title, Argv: argv, Admin: true, Changes: true, Timeout: flushTimeout}
	}
	killall := act("dns.macos.killall", "Make mDNSResponder drop its cache", "killall", "-HUP", "mDNSResponder")
	killall.ExitReasons = map[int]ExitReason{1: {Text: "no permission to signal mDNSResponder (it needs admin rights), or it is not running", NeedsAdmin: true}}
	c := DNSCache{Kind: CacheMDNS, Name: "mDNSResponder", Evidence: []string{"macOS " + version}}
	switch {
	case v.major == 0:
		c.Evidence = []string{"macOS version unknown; using the commands of current versions"}
		c.Actions = []Action{act("dns.macos.dscacheutil", "Empty the directory service cache", "dscacheutil", "-flushcache"), killall}
	case v.less(10, 5, 0):
		c.Kind, c.Name = CacheLookupd, "lookupd"
		c.Actions = []Action{act("dns.macos.lookupd", "Empty lookupd's cache", "lookupd", "-flushcache")}
	case v.less(10, 7, 0):
		c.Kind, c.Name = CacheLookupd, "Directory Service"
		c.Actions = []Action{act("dns.macos.dscacheutil", "Empty the directory service cache", "dscacheutil", "-flushcache")}
	case v.less(10, 10, 0):
		c.Actions = []Action{killall}
	case v.less(10, 10, 4):
		c.Kind, c.Name = CacheDiscoveryd, "discoveryd"
		c.Actions = []Action{
			act("dns.macos.discoveryutil.mdns", "Empty discoveryd's multicast DNS cache", "discoveryutil", "mdnsflushcache"),
			act("dns.macos.discoveryutil.udns", "Empty discoveryd's unicast DNS cache", "discoveryutil", "udnsflushcaches"),
		}
	default:
		c.Actions = []Action{act("dns.macos.dscacheutil", "Empty the directory service cache", "dscacheutil", "-flushcache"), killall}
	}
	c.Note = "macOS prints nothing when it flushes; both commands need admin rights."
	r.Caches = []DNSCache{c}
	return r
}

// resolvConf returns the nameservers of a resolv.conf file.
func resolvConf(env *Env, name string) ([]string, bool) {
	s, ok := env.readFile(name)
	if !ok {
		return nil, false
	}
	var out []string
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "nameserver" {
			out = append(out, f[1])
		}
	}
	return out, true
}

func isLoopback(addr string) bool {
	addr, _, _ = strings.Cut(addr, "%")
	ip := net.ParseIP(addr)
	return ip != nil && ip.IsLoopback()
}

// systemdVersion parses "systemd 237 (237)" from --version output.
var systemdVersionRE = regexp.MustCompile(`(?m)^systemd (\d+)`)

func systemdVersion(s string) int {
	m := systemdVersionRE.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// mainPID asks systemd for a unit's main PID; 0 when none.
func mainPID(ctx context.Context, env *Env, unit string) int {
	res := env.run(ctx, Cmd{Argv: []string{"systemctl", "show", "-p", "MainPID", unit}, Timeout: detectTimeout})
	if !res.OK() {
		return 0
	}
	_, v, _ := strings.Cut(strings.TrimSpace(res.Stdout), "=")
	n, _ := strconv.Atoi(strings.TrimSpace(v))
	return n
}

func unitActive(ctx context.Context, env *Env, unit string) (active, known bool) {
	res := env.run(ctx, Cmd{Argv: []string{"systemctl", "is-active", unit}, Timeout: detectTimeout})
	if res.NotFound || res.Err != nil || res.TimedOut {
		return false, false
	}
	return res.ExitCode == 0, true
}

func procsNamed(ps []Proc, names ...string) []Proc {
	var out []Proc
	for _, p := range ps {
		if slices.Contains(names, p.Name) {
			out = append(out, p)
		}
	}
	return out
}

func procByPID(ps []Proc, pid int) (Proc, bool) {
	for _, p := range ps {
		if p.PID == pid {
			return p, true
		}
	}
	return Proc{}, false
}

// signalAction sends a signal to one PID, never to every process of a name.
func signalAction(env *Env, id, title, sig string, pid int) Action {
	return Action{ID: id, Title: title, Argv: []string{abs(env, "kill"), "-" + sig, strconv.Itoa(pid)},
		Admin: true, Changes: true, Timeout: flushTimeout,
		ExitReasons: map[int]ExitReason{1: {Text: "the signal could not be sent (no permission, or the process has ended)", NeedsAdmin: true}}}
}

// nmDNSMode returns NetworkManager's dns= setting from its main file and
// conf.d directories (later files win).
func nmDNSMode(env *Env) (mode, file string) {
	files := []string{"/etc/NetworkManager/NetworkManager.conf"}
	for _, dir := range []string{"/usr/lib/NetworkManager/conf.d", "/run/NetworkManager/conf.d", "/etc/NetworkManager/conf.d"} {
		names := env.readDir(dir)
		sort.Strings(names)
		for _, n := range names {
			if strings.HasSuffix(n, ".conf") {
				files = append(files, path.Join(dir, n))
			}
		}
	}
	for _, f := range files {
		s, ok := env.readFile(f)
		if !ok {
			continue
		}
		keyFile(s, func(group, k, v string) {
			if group == "main" && k == "dns" {
				mode, file = v, f
			}
		})
	}
	return mode, file
}

// nmVersion parses "nmcli tool, version 1.42.4" into (1, 42).
var nmVersionRE = regexp.MustCompile(`(\d+)\.(\d+)(?:\.\d+)?`)

func nmAtLeast(out string, major, minor int) bool {
	m := nmVersionRE.FindStringSubmatch(out)
	if m == nil {
		return false
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	return a > major || a == major && b >= minor
}

// nscdCachesHosts reads nscd.conf: "enable-cache hosts no" turns the hosts
// cache off.
func nscdCachesHosts(env *Env) bool {
	s, ok := env.readFile("/etc/nscd.conf")
	if !ok {
		return true
	}
	enabled := true
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "enable-cache" && f[1] == "hosts" {
			enabled = f[2] == "yes"
		}
	}
	return enabled
}

func isNMDnsmasq(p Proc, ps []Proc) bool {
	if parent, ok := procByPID(ps, p.PPID); ok && parent.Name == "NetworkManager" {
		return true
	}
	return slices.ContainsFunc(p.Args, func(a string) bool { return strings.Contains(a, "NetworkManager") })
}

func isLibvirtDnsmasq(p Proc) bool {
	return slices.ContainsFunc(p.Args, func(a string) bool { return strings.Contains(a, "libvirt") })
}

func detectDNSLinux(ctx context.Context, env *Env) DNSReport {
	var r DNSReport
	ns, _ := resolvConf(env, "/etc/resolv.conf")
	r.Nameservers = ns
	if env.Readlink != nil {
		if t, err := env.Readlink("/etc/resolv.conf"); err == nil {
			r.ResolvConf = t
		}
	}
	if s, ok := env.readFile("/etc/nsswitch.conf"); ok {
		for _, line := range strings.Split(s, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "hosts" {
				v, _, _ = strings.Cut(v, "#")
				r.NSSwitchHosts = strings.Join(strings.Fields(v), " ")
			}
		}
	}
	ps := env.processes()
	nssResolve := slices.Contains(strings.Fields(r.NSSwitchHosts), "resolve")

	// Addresses that the system's lookups reach on this machine: the
	// nameservers of resolv.conf, and resolved's own upstream servers when
	// lookups go through resolved.
	local := map[string]bool{}
	for _, n := range ns {
		if isLoopback(n) && n != resolvedStubAddr && n != resolvedProxyAddr {
			local[n] = true
		}
	}

	// systemd-resolved.
	if env.exists("/run/systemd/resolve") {
		active, known := unitActive(ctx, env, "systemd-resolved")
		if !known {
			active = len(procsNamed(ps, "systemd-resolve", "systemd-resolved")) > 0
		}
		if active {
			c := DNSCache{Kind: CacheResolved, Name: "systemd-resolved", Evidence: []string{"systemd-resolved is running"}}
			used := false
			if slices.Contains(ns, resolvedStubAddr) {
				used = true
				c.Evidence = append(c.Evidence, "/etc/resolv.conf points at its stub "+resolvedStubAddr)
			}
			if strings.HasPrefix(r.ResolvConf, "/run/systemd/resolve/stub-resolv.conf") || strings.HasSuffix(r.ResolvConf, "systemd/resolve/stub-resolv.conf") {
				used = true
				c.Evidence = append(c.Evidence, "/etc/resolv.conf links to "+r.ResolvConf)
			}
			if nssResolve {
				used = true
				c.Evidence = append(c.Evidence, "nsswitch.conf sends lookups to it (hosts: "+r.NSSwitchHosts+")")
			}
			c.Actions, c.Note = resolvedFlush(ctx, env)
			if used {
				if up, ok := resolvConf(env, "/run/systemd/resolve/resolv.conf"); ok {
					for _, n := range up {
						if isLoopback(n) {
							local[n] = true
						}
					}
				}
				r.Caches = append(r.Caches, c)
			} else {
				c.Note = "it runs, but /etc/resolv.conf and nsswitch.conf do not send lookups to it"
				r.Unused = append(r.Unused, c)
			}
		}
	}

	// nscd (or unscd): glibc asks it before anything else.
	nscdProcs := procsNamed(ps, "nscd", "unscd")
	sock := ""
	for _, s := range []string{"/run/nscd/socket", "/var/run/nscd/socket"} {
		if env.exists(s) {
			sock = s
			break
		}
	}
	if len(nscdProcs) > 0 || sock != "" {
		c := DNSCache{Kind: CacheNscd, Name: "nscd (name service cache daemon)"}
		if len(nscdProcs) > 0 {
			c.Evidence = append(c.Evidence, "process "+nscdProcs[0].Name+" (PID "+strconv.Itoa(nscdProcs[0].PID)+") is running")
		}
		if sock != "" {
			c.Evidence = append(c.Evidence, "its socket "+sock+" exists")
		}
		if !nscdCachesHosts(env) {
			c.Note = "/etc/nscd.conf turns its hosts cache off (enable-cache hosts no)"
			r.Unused = append(r.Unused, c)
		} else {
			if bin := env.lookPath("nscd"); bin != "" {
				c.Actions = []Action{{
					ID: "dns.nscd.invalidate", Title: "Empty nscd's hosts cache",
					Argv: []string{bin, "-i", "hosts"}, Admin: true, Changes: true, Timeout: flushTimeout,
					ExitReasons: map[int]ExitReason{
						4: {Text: "only root may empty nscd's cache", NeedsAdmin: true},
						1: {Text: "nscd is not running or could not be reached"},
					},
				}}
			} else if pid := firstPID(nscdProcs); pid > 0 {
				c.Actions = []Action{signalAction(env, "dns.nscd.restart", "Restart nscd, which empties its cache", "TERM", pid)}
				c.Note = "the nscd program is not on PATH; stopping the daemon empties its cache (the service manager restarts it, or restart it yourself)"
			} else {
				c.Note = "the nscd program is not on PATH, so fix401 cannot empty its cache"
			}
			r.Caches = append(r.Caches, c)
		}
	}

	// NetworkManager's dnsmasq plugin.
	dnsmasqs := procsNamed(ps, "dnsmasq")
	mode, modeFile := nmDNSMode(env)
	var nmChild []Proc
	for _, p := range dnsmasqs {
		if isNMDnsmasq(p, ps) {
			nmChild = append(nmChild, p)
		}
	}
	if mode == "dnsmasq" && (len(nmChild) > 0 || ps == nil) {
		c := DNSCache{Kind: CacheNMDnsmasq, Name: "NetworkManager's dnsmasq", Evidence: []string{"dns=dnsmasq in " + modeFile}}
		if len(nmChild) > 0 {
			c.Evidence = append(c.Evidence, "dnsmasq PID "+strconv.Itoa(nmChild[0].PID)+" runs for NetworkManager")
		}
		nmcli := env.lookPath("nmcli")
		switch {
		case nmcli != "" && nmAtLeast(env.run(ctx, Cmd{Argv: []string{nmcli, "--version"}, Timeout: detectTimeout}).Stdout, 1, 22):
			c.Actions = []Action{{ID: "dns.nm.reload", Title: "Restart NetworkManager's DNS plugin (empties its cache)",
				Argv: []string{nmcli, "general", "reload", "dns-full"}, Admin: true, Changes: true, Timeout: flushTimeout}}
			c.Note = "name lookups stop for a moment while the plugin restarts"
		case len(nmChild) == 1:
			c.Actions = []Action{signalAction(env, "dns.nm.dnsmasq.hup", "Make NetworkManager's dnsmasq drop its cache", "HUP", nmChild[0].PID)}
		default:
			c.Note = "fix401 found no safe way to flush it (nmcli 1.22 or later is needed)"
		}
		r.Caches = append(r.Caches, c)
	}

	// Standalone dnsmasq, unbound and named count only when lookups reach
	// a loopback address that one of them can serve.
	var standalone, libvirt []Proc
	for _, p := range dnsmasqs {
		switch {
		case isNMDnsmasq(p, ps):
		case isLibvirtDnsmasq(p):
			libvirt = append(libvirt, p)
		default:
			standalone = append(standalone, p)
		}
	}
	if len(libvirt) > 0 {
		r.Unused = append(r.Unused, DNSCache{Kind: CacheDnsmasq, Name: "dnsmasq for virtual machines (libvirt)",
			Evidence: []string{strconv.Itoa(len(libvirt)) + " libvirt dnsmasq process(es)"},
			Note:     "it serves virtual machines only; fix401 leaves it alone"})
	}
	localList := sortedKeys(local)
	if len(standalone) > 0 {
		c := DNSCache{Kind: CacheDnsmasq, Name: "dnsmasq"}
		pid := 0
		if p := mainPID(ctx, env, "dnsmasq"); p > 0 {
			if _, ok := procByPID(standalone, p); ok || ps == nil {
				pid = p
				c.Evidence = append(c.Evidence, "the dnsmasq service's main PID is "+strconv.Itoa(p))
			}
		}
		if pid == 0 {
			for _, f := range []string{"/run/dnsmasq/dnsmasq.pid", "/var/run/dnsmasq/dnsmasq.pid", "/run/dnsmasq.pid", "/var/run/dnsmasq.pid"} {
				if s, ok := env.readFile(f); ok {
					if p, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && p > 0 {
						if _, ok := procByPID(standalone, p); ok {
							pid = p
							c.Evidence = append(c.Evidence, "its PID file "+f+" names PID "+strconv.Itoa(p))
							break
						}
					}
				}
			}
		}
		if pid == 0 && len(standalone) == 1 {
			pid = standalone[0].PID
			c.Evidence = append(c.Evidence, "one dnsmasq process runs (PID "+strconv.Itoa(pid)+")")
		}
		switch {
		case len(localList) == 0:
			c.Note = notLocalNote
			r.Unused = append(r.Unused, c)
		case pid == 0:
			c.Evidence = append(c.Evidence, "lookups go to "+strings.Join(localList, ", "))
			c.Note = strconv.Itoa(len(standalone)) + " dnsmasq processes run and none is the service's; fix401 will not guess which to signal"
			r.Caches = append(r.Caches, c)
		default:
			c.Evidence = append(c.Evidence, "lookups go to "+strings.Join(localList, ", "))
			c.Actions = []Action{signalAction(env, "dns.dnsmasq.hup", "Make dnsmasq drop its cache (SIGHUP to PID "+strconv.Itoa(pid)+")", "HUP", pid)}
			r.Caches = append(r.Caches, c)
		}
	}
	// unbound and BIND are each flushed through their own control program.
	for _, d := range []struct{ proc, kind, name, id, title, tool, arg, fails string }{
		{"unbound", CacheUnbound, "unbound", "dns.unbound.reload", "Reload unbound (empties its cache)", "unbound-control", "reload",
			"unbound-control could not reach unbound (remote-control off, or its key needs admin rights)"},
		{"named", CacheNamed, "BIND (named)", "dns.named.flush", "Empty BIND's cache", "rndc", "flush",
			"rndc could not reach named (its key needs admin rights)"},
	} {
		procs := procsNamed(ps, d.proc)
		if len(procs) == 0 {
			continue
		}
		c := DNSCache{Kind: d.kind, Name: d.name, Evidence: []string{d.proc + " runs (PID " + strconv.Itoa(procs[0].PID) + ")"}}
		if len(localList) == 0 {
			c.Note = notLocalNote
			r.Unused = append(r.Unused, c)
			continue
		}
		c.Evidence = append(c.Evidence, "lookups go to "+strings.Join(localList, ", "))
		if bin := env.lookPath(d.tool); bin != "" {
			c.Actions = []Action{{ID: d.id, Title: d.title, Argv: []string{bin, d.arg}, Admin: true, Changes: true, Timeout: flushTimeout,
				ExitReasons: map[int]ExitReason{1: {Text: d.fails, NeedsAdmin: true}}}}
		} else {
			c.Note = d.tool + " is not installed, so fix401 cannot flush it"
		}
		r.Caches = append(r.Caches, c)
	}
	if len(r.Caches) == 0 {
		r.Note = NothingCaches
		if len(ns) > 0 {
			r.Note += " DNS servers in use: " + strings.Join(ns, ", ") + "."
		}
	}
	return r
}

func firstPID(ps []Proc) int {
	if len(ps) == 0 {
		return 0
	}
	return ps[0].PID
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// resolvedFlush picks the flush command for the installed systemd.
func resolvedFlush(ctx context.Context, env *Env) ([]Action, string) {
	denied := map[int]ExitReason{1: {Text: "systemd-resolved refused (this systemd may require admin rights to flush)", NeedsAdmin: true}}
	if bin := env.lookPath("resolvectl"); bin != "" {
		return []Action{{ID: "dns.resolved.flush", Title: "Empty systemd-resolved's cache",
			Argv: []string{bin, "flush-caches"}, AdminOnFailure: true, Changes: true, Timeout: flushTimeout, ExitReasons: denied}}, ""
	}
	if bin := env.lookPath("systemd-resolve"); bin != "" {
		v := systemdVersion(env.run(ctx, Cmd{Argv: []string{bin, "--version"}, Timeout: detectTimeout}).Stdout)
		if v == 0 || v >= 231 {
			return []Action{{ID: "dns.resolved.flush", Title: "Empty systemd-resolved's cache",
				Argv: []string{bin, "--flush-caches"}, AdminOnFailure: true, Changes: true, Timeout: flushTimeout, ExitReasons: denied}}, ""
		}
	}
	// systemd before 231 has no flush command; SIGUSR2 flushes every
	// version's caches.
	if pid := mainPID(ctx, env, "systemd-resolved"); pid > 0 {
		return []Action{signalAction(env, "dns.resolved.usr2", "Make systemd-resolved drop its caches (SIGUSR2)", "USR2", pid)},
			"this systemd has no flush command; the signal does the same"
	}
	return nil, "fix401 found no way to flush it (no resolvectl, and systemd-resolve is too old)"
}
