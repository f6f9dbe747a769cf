package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/fix401/fix401/platform"
	"github.com/fix401/fix401/probe"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func init() { subcommands = append(subcommands, newSystemCmd) }

// newPlatformEnv builds the machine the platform commands look at; tests
// replace it with recorded facts and stub programs.
var newPlatformEnv = platform.Real

// systemOptions are the flags of fix401 system.
type systemOptions struct {
	JSON bool
	Host string
}

func newSystemCmd() *cobra.Command {
	var opts systemOptions
	cmd := &cobra.Command{
		Use:   "system",
		Short: "Show what fix401 sees of this machine: DNS cache, hosts file, browsers, proxies, firewall, VPN",
		Long: `system prints what fix401 can see of this machine and would use in the fix steps:
the OS and its version, the DNS resolver and what caches DNS (and the exact command that
would flush it), the hosts-file lines and address of a host, the installed browsers and the
default one, proxies with where each is set, the firewall, and network interfaces that look
like a VPN. It only reads: nothing is changed and nothing asks for a password.`,
		Example: `  # Everything, for a help-desk ticket
  fix401 system

  # Include what intranet.example.com resolves to and its hosts-file lines
  fix401 system --host intranet.example.com

  # One JSON object, for scripts
  fix401 system --json --host https://intranet.example.com/login`,
		Args: maxArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSystem(cmd.Context(), opts, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print one JSON object instead of text")
	cmd.Flags().StringVar(&opts.Host, "host", "", "also show what HOST (a name or URL) resolves to and its hosts-file lines")
	return cmd
}

// hostArg accepts a host name or a URL and returns the host.
func hostArg(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil || u.Hostname() == "" {
			return "", probe.Inputf("--host %q is neither a host name nor a URL with a host", probe.Sanitize(s))
		}
		s = u.Hostname()
	}
	if err := platform.ValidHost(s); err != nil {
		return "", probe.Inputf("--host: %s", err.Error())
	}
	return strings.TrimSuffix(strings.Trim(s, "[]"), "."), nil
}

func runSystem(ctx context.Context, opts systemOptions, w io.Writer) error {
	host := ""
	if opts.Host != "" {
		h, err := hostArg(opts.Host)
		if err != nil {
			return err
		}
		host = h
	}
	if ctx == nil {
		ctx = context.Background()
	}
	sys := platform.Inspect(ctx, newPlatformEnv(), host)
	if opts.JSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(sys)
	}
	printSystem(w, sys)
	return nil
}

// p is a sanitizing printer: every string shown may come from a file, the
// registry or a command's output.
type p struct{ w io.Writer }

func (o p) line(format string, args ...any) {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = probe.Sanitize(s)
		}
	}
	fmt.Fprintf(o.w, format+"\n", args...)
}

func printSystem(w io.Writer, s platform.System) {
	o := p{w}
	o.line("System")
	osLine := s.OS.Name
	if s.OS.Kernel != "" {
		osLine += ", kernel " + s.OS.Kernel
	}
	o.line("  OS          %s (%s/%s)", osLine, s.OS.GOOS, s.OS.Arch)
	if s.Admin {
		o.line("  Running as  administrator (root or elevated)")
	} else {
		o.line("  Running as  a normal user")
	}

	o.line("")
	o.line("DNS")
	printDNS(o, s.DNS)

	if h := s.Host; h != nil {
		o.line("")
		o.line("Host %s", h.Host)
		printResolution(o, *h)
		if s.HostProxy != "" {
			o.line("  Proxy       fix401's requests to it go through %s (%s)", s.HostProxy, s.HostProxySource)
		} else {
			o.line("  Proxy       fix401's requests to it go direct (no proxy in the environment applies)")
		}
	}

	o.line("")
	o.line("Browsers")
	if len(s.Browsers) == 0 {
		o.line("  none found")
	}
	for _, b := range s.Browsers {
		def := ""
		if b.Default {
			def = " (default)"
		}
		o.line("  %s%s", b.Name, def)
		o.line("    %s", strings.Join(b.Exec, " "))
		o.line("    found in %s", b.Source)
	}

	o.line("")
	o.line("Proxies")
	if len(s.Proxies.Settings) == 0 {
		o.line("  none set")
	}
	for _, ps := range s.Proxies.Settings {
		used := ""
		if ps.UsedByFix401 {
			used = " (used by fix401)"
		}
		o.line("  %-11s %s — %s%s", ps.Scope, ps.Value, ps.Source, used)
	}
	for _, n := range s.Proxies.Notes {
		o.line("  Note: %s", n)
	}

	o.line("")
	o.line("Firewall")
	if len(s.Firewall.Firewalls) == 0 {
		o.line("  none found")
	}
	for _, f := range s.Firewall.Firewalls {
		detail := ""
		if f.Detail != "" {
			detail = ": " + f.Detail
		}
		o.line("  %s: %s%s (%s)", f.Name, f.State, detail, f.Source)
	}
	o.line("  Note: %s", s.Firewall.Note)

	o.line("")
	o.line("VPN")
	if len(s.VPN.VPNs) == 0 {
		o.line("  no interface looks like a VPN")
	}
	for _, v := range s.VPN.VPNs {
		extra := ""
		if v.AllTraffic {
			extra += "; carries all traffic"
		}
		if v.CarriesTarget {
			extra += "; carries the traffic to the host"
		}
		name := v.Name
		if v.Description != "" {
			name += " (" + v.Description + ")"
		}
		o.line("  %s %s: %s%s", name, strings.Join(v.Addrs, ", "), v.Reason, extra)
	}
	if s.VPN.TargetInterface != "" {
		o.line("  Traffic to %s leaves through %s.", s.VPN.TargetIP, s.VPN.TargetInterface)
	}
	o.line("  Note: %s", s.VPN.Note)
}

func printDNS(o p, r platform.DNSReport) {
	if len(r.Nameservers) > 0 {
		o.line("  Servers     %s", strings.Join(r.Nameservers, ", "))
	}
	if r.ResolvConf != "" {
		o.line("  resolv.conf links to %s", r.ResolvConf)
	}
	if r.NSSwitchHosts != "" {
		o.line("  nsswitch    hosts: %s", r.NSSwitchHosts)
	}
	for _, c := range r.Caches {
		o.line("  Cache       %s", c.Name)
		for _, e := range c.Evidence {
			o.line("              - %s", e)
		}
		for _, a := range c.Actions {
			admin := ""
			switch {
			case a.Admin:
				admin = " (needs admin rights)"
			case a.AdminOnFailure:
				admin = " (admin rights only if it fails without)"
			}
			o.line("              flush: %s%s", a.Command(), admin)
		}
		if c.Note != "" {
			o.line("              %s", c.Note)
		}
	}
	for _, c := range r.Unused {
		o.line("  Not used    %s: %s", c.Name, c.Note)
	}
	if r.Note != "" {
		o.line("  %s", r.Note)
	}
}

func printResolution(o p, r platform.Resolution) {
	switch {
	case r.Error != "":
		o.line("  Resolves    no: %s (%s)", r.Error, r.Via)
	case len(r.Addrs) == 0:
		o.line("  Resolves    to nothing (%s)", r.Via)
	default:
		o.line("  Resolves to %s (%s)", strings.Join(r.Addrs, ", "), r.Via)
	}
	if len(r.Hosts) == 0 {
		o.line("  Hosts file  no line for it in %s", strings.Join(r.HostsFiles, ", "))
	}
	for _, h := range r.Hosts {
		o.line("  Hosts file  %s:%d  %s", h.File, h.Line, h.Text)
	}
	for _, n := range r.Notes {
		o.line("  Note: %s", n)
	}
}

// isTerminal reports whether r is a terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
