package platform

import (
	"context"
	"regexp"
	"strings"
)

// Firewall is the state of one firewall.
type Firewall struct {
	Name string `json:"name"`
	// State is "on", "off" or "unknown".
	State  string `json:"state"`
	Detail string `json:"detail,omitempty"`
	Source string `json:"source"`
}

// FirewallReport lists the firewalls fix401 can see.
type FirewallReport struct {
	Firewalls []Firewall `json:"firewalls"`
	Note      string     `json:"note"`
}

// FirewallNote keeps expectations honest.
const FirewallNote = "A firewall blocks connections or lets them through; it does not turn a server's answer into 401. " +
	"It matters here only when it sends you to a different server (an intercepting proxy or filter)."

// The firewall states.
const (
	StateOn      = "on"
	StateOff     = "off"
	StateUnknown = "unknown"
)

// DetectFirewall reads the firewall state without changing it: the
// registry on Windows, socketfilterfw on macOS, ufw's configuration,
// firewall-cmd and (as root) nft on Linux.
func DetectFirewall(ctx context.Context, env *Env) FirewallReport {
	r := FirewallReport{Note: FirewallNote, Firewalls: []Firewall{}}
	switch env.goos() {
	case "windows":
		r.Firewalls = windowsFirewall(env)
	case "darwin":
		r.Firewalls = append(r.Firewalls, macFirewall(ctx, env))
	default:
		r.Firewalls = linuxFirewall(ctx, env)
	}
	return r
}

var alfStateRE = regexp.MustCompile(`State = (\d)`)

func macFirewall(ctx context.Context, env *Env) Firewall {
	const bin = "/usr/libexec/ApplicationFirewall/socketfilterfw"
	f := Firewall{Name: "macOS Application Firewall", State: StateUnknown, Source: bin + " --getglobalstate"}
	res := env.run(ctx, Cmd{Argv: []string{bin, "--getglobalstate"}, Timeout: detectTimeout})
	if !res.OK() {
		f.Detail = Judge(Action{Argv: []string{bin}}, res, ViaDirect).Reason
		return f
	}
	m := alfStateRE.FindStringSubmatch(res.Stdout)
	switch {
	case m == nil:
		f.Detail = "its answer could not be read"
	case m[1] == "0":
		f.State = StateOff
	case m[1] == "2":
		f.State, f.Detail = StateOn, "blocking all incoming connections"
	default:
		f.State = StateOn
	}
	return f
}

func windowsFirewall(env *Env) []Firewall {
	var out []Firewall
	reg := env.Registry
	if reg == nil {
		return out
	}
	const base = `HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\`
	const policy = `HKLM\SOFTWARE\Policies\Microsoft\WindowsFirewall\`
	for _, p := range []struct{ key, policyKey, name string }{
		{"DomainProfile", "DomainProfile", "domain networks"},
		{"StandardProfile", "PrivateProfile", "private networks"},
		{"PublicProfile", "PublicProfile", "public networks"},
	} {
		f := Firewall{Name: "Windows Defender Firewall, " + p.name, State: StateUnknown, Source: `registry ` + base + p.key}
		if v, err := reg.Integer(policy+p.policyKey, "EnableFirewall"); err == nil {
			f.State, f.Source, f.Detail = onOff(v), `registry `+policy+p.policyKey, "set by your organisation's policy"
		} else if v, err := reg.Integer(base+p.key, "EnableFirewall"); err == nil {
			f.State = onOff(v)
		}
		out = append(out, f)
	}
	return out
}

func onOff(v uint64) string {
	if v != 0 {
		return StateOn
	}
	return StateOff
}

func linuxFirewall(ctx context.Context, env *Env) []Firewall {
	var out []Firewall
	if s, ok := env.readFile("/etc/ufw/ufw.conf"); ok {
		f := Firewall{Name: "ufw", State: StateUnknown, Source: "/etc/ufw/ufw.conf"}
		switch strings.ToLower(parseKeyValues(s)["ENABLED"]) {
		case "yes":
			f.State = StateOn
		case "no":
			f.State = StateOff
		}
		out = append(out, f)
	} else if env.lookPath("ufw") != "" {
		out = append(out, Firewall{Name: "ufw", State: StateUnknown, Source: "ufw",
			Detail: "its configuration could not be read, and 'ufw status' needs admin rights"})
	}
	if bin := env.lookPath("firewall-cmd"); bin != "" {
		f := Firewall{Name: "firewalld", State: StateUnknown, Source: "firewall-cmd --state"}
		res := env.run(ctx, Cmd{Argv: []string{bin, "--state"}, Timeout: detectTimeout})
		switch {
		case res.OK():
			f.State = StateOn
		case res.ExitCode == 252:
			f.State = StateOff
		default:
			f.Detail = Judge(Action{Argv: []string{bin}}, res, ViaDirect).Reason
		}
		out = append(out, f)
	}
	if bin := env.lookPath("nft"); bin != "" {
		f := Firewall{Name: "nftables rules", State: StateUnknown, Source: "nft list tables"}
		if !env.isAdmin() {
			f.Detail = "reading the rules needs admin rights"
		} else {
			res := env.run(ctx, Cmd{Argv: []string{bin, "list", "tables"}, Timeout: detectTimeout})
			switch {
			case !res.OK():
				f.Detail = Judge(Action{Argv: []string{bin}}, res, ViaDirect).Reason
			case strings.TrimSpace(res.Stdout) == "":
				f.State, f.Detail = StateOff, "no rule tables loaded"
			default:
				n := strings.Count(strings.TrimSpace(res.Stdout), "\n") + 1
				f.State, f.Detail = StateOn, plural(n, "rule table")+" loaded"
			}
		}
		if len(out) == 0 || f.State != StateUnknown {
			out = append(out, f)
		}
	}
	return out
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return itoa(n) + " " + what + "s"
}
