package platform

import (
	"context"
	"encoding/hex"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// VPNInterface is a network interface that looks like a VPN.
type VPNInterface struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Addrs       []string `json:"addrs"`
	// Reason says why fix401 counts it as a VPN.
	Reason string `json:"reason"`
	// AllTraffic is set when it carries the default route (or OpenVPN's
	// two half routes).
	AllTraffic bool `json:"all_traffic"`
	// CarriesTarget is set when traffic to the target host goes through it.
	CarriesTarget bool `json:"carries_target"`
}

// VPNReport is what fix401 sees of VPNs.
type VPNReport struct {
	VPNs []VPNInterface `json:"vpns"`
	// TargetIP and TargetInterface say which interface carries traffic to
	// the host being tested (empty when no target was given).
	TargetIP        string `json:"target_ip,omitempty"`
	TargetInterface string `json:"target_interface,omitempty"`
	Note            string `json:"note"`
}

// VPNNote keeps the heuristic honest.
const VPNNote = "VPNs are recognised by their interfaces, which is a heuristic: a policy-based IPsec VPN has no interface at all. " +
	"A VPN matters here when it sends the site's name or traffic to a different server (split DNS, an internal copy of the site)."

var (
	linuxVPNName = regexp.MustCompile(`^(tun|tap|wg|ppp|tailscale|cscotun|gpd|nordlynx|vpn|ipsec|zt|proton|mullvad)`)
	macTunnel    = regexp.MustCompile(`^(utun|ipsec|ppp|tun|tap)\d*`)
	winVPNDesc   = regexp.MustCompile(`(?i)tap-windows|wintun|wireguard|anyconnect|cisco|pangp|globalprotect|forti|juniper|pulse|openvpn|tailscale|zerotier|nordlynx|check point|sonicwall|wan miniport|vpn`)
)

// routeInfo says which special routes an interface carries.
type routeInfo struct{ def, lowHalf, highHalf bool }

func (r routeInfo) all() bool { return r.def || r.lowHalf && r.highHalf }

// DetectVPN finds interfaces that look like VPNs, and (with targetIP) which
// interface carries traffic to the target. Not every tunnel is a VPN: macOS
// has several utun interfaces for its own services, so a utun counts only
// with an IPv4 address, or with a global IPv6 address and routes.
func DetectVPN(ctx context.Context, env *Env, targetIP string) VPNReport {
	r := VPNReport{VPNs: []VPNInterface{}, Note: VPNNote}
	if env.Interfaces == nil {
		return r
	}
	ifaces, err := env.Interfaces()
	if err != nil {
		return r
	}
	routes := interfaceRoutes(ctx, env)
	if targetIP != "" && env.LocalAddrFor != nil && net.ParseIP(targetIP) != nil {
		r.TargetIP = targetIP
		if local, err := env.LocalAddrFor(ctx, targetIP); err == nil {
			for _, in := range ifaces {
				if slices.ContainsFunc(in.Addrs, func(a string) bool { return addrIP(a) == local }) {
					r.TargetInterface = in.Name
				}
			}
		}
	}
	for _, in := range ifaces {
		if in.Flags&net.FlagUp == 0 || in.Flags&net.FlagLoopback != 0 {
			continue
		}
		global := globalAddrs(in.Addrs)
		if len(global) == 0 {
			continue
		}
		rt := routes[in.Name]
		target := r.TargetInterface != "" && r.TargetInterface == in.Name
		reason := ""
		switch env.goos() {
		case "windows":
			switch {
			case winVPNDesc.MatchString(in.Description):
				reason = "its adapter is a VPN driver (" + in.Description + ")"
			case in.Flags&net.FlagPointToPoint != 0:
				reason = "it is a point-to-point tunnel adapter"
			}
		case "darwin":
			if m := macTunnel.FindString(in.Name); m != "" {
				v4 := slices.ContainsFunc(global, func(a string) bool { return net.ParseIP(addrIP(a)).To4() != nil })
				switch {
				case !strings.HasPrefix(in.Name, "utun"):
					reason = "a tunnel interface with an address"
				case v4:
					reason = "a tunnel interface with an IPv4 address"
				case rt.all() || target:
					reason = "a tunnel interface that carries traffic"
				}
			}
		default:
			switch {
			case linuxVPNName.MatchString(in.Name):
				reason = "a tunnel interface (" + in.Name + ") with an address"
			case in.Flags&net.FlagPointToPoint != 0:
				reason = "a point-to-point interface with an address"
			}
		}
		if reason == "" {
			continue
		}
		r.VPNs = append(r.VPNs, VPNInterface{Name: in.Name, Description: in.Description, Addrs: global,
			Reason: reason, AllTraffic: rt.all(), CarriesTarget: target})
	}
	return r
}

// addrIP returns the IP of "10.0.0.2/24".
func addrIP(a string) string {
	ip, _, _ := strings.Cut(a, "/")
	return ip
}

// globalAddrs drops link-local addresses.
func globalAddrs(addrs []string) []string {
	var out []string
	for _, a := range addrs {
		ip := net.ParseIP(addrIP(a))
		if ip == nil || ip.IsLinkLocalUnicast() || ip.IsLoopback() {
			continue
		}
		out = append(out, a)
	}
	return out
}

// interfaceRoutes reads the routing table: /proc/net/route and
// /proc/net/ipv6_route on Linux, netstat -rn on macOS.
func interfaceRoutes(ctx context.Context, env *Env) map[string]routeInfo {
	out := map[string]routeInfo{}
	switch env.goos() {
	case "darwin":
		res := env.run(ctx, Cmd{Argv: []string{"netstat", "-rn"}, Timeout: detectTimeout})
		if !res.OK() {
			return out
		}
		for _, line := range strings.Split(res.Stdout, "\n") {
			f := strings.Fields(line)
			if len(f) < 4 {
				continue
			}
			ri := out[f[3]]
			switch f[0] {
			case "default":
				ri.def = true
			case "0/1", "::/1":
				ri.lowHalf = true
			case "128.0/1", "8000::/1":
				ri.highHalf = true
			}
			out[f[3]] = ri
		}
	case "linux":
		if s, ok := env.readFile("/proc/net/route"); ok {
			for _, line := range strings.Split(s, "\n")[1:] {
				f := strings.Fields(line)
				if len(f) < 8 {
					continue
				}
				ri := out[f[0]]
				switch {
				case f[1] == "00000000" && f[7] == "00000000":
					ri.def = true
				case f[1] == "00000000" && f[7] == "00000080":
					ri.lowHalf = true
				case f[1] == "00000080" && f[7] == "00000080":
					ri.highHalf = true
				}
				out[f[0]] = ri
			}
		}
		if s, ok := env.readFile("/proc/net/ipv6_route"); ok {
			for _, line := range strings.Split(s, "\n") {
				f := strings.Fields(line)
				if len(f) < 10 {
					continue
				}
				plen, _ := strconv.ParseUint(f[1], 16, 8)
				dest, err := hex.DecodeString(f[0])
				if err != nil || len(dest) != 16 {
					continue
				}
				name := f[len(f)-1]
				ri := out[name]
				switch {
				case plen == 0:
					ri.def = true
				case plen == 1 && dest[0] == 0:
					ri.lowHalf = true
				case plen == 1 && dest[0] == 0x80:
					ri.highHalf = true
				}
				out[name] = ri
			}
		}
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
