package platform

import (
	"context"
	"net"
)

// System is what fix401 sees of this machine (the "fix401 system"
// command, and the facts behind steps 5 to 8).
type System struct {
	OS OSInfo `json:"os"`
	// Admin is set when fix401 runs as root or elevated.
	Admin bool      `json:"admin"`
	DNS   DNSReport `json:"dns"`
	// Host is the host asked about: what it resolves to and its hosts-file
	// lines; nil when no host was given.
	Host *Resolution `json:"host,omitempty"`
	// HostProxy is the proxy fix401's own requests to https://HOST use
	// (from the environment), empty when they go direct.
	HostProxy       string         `json:"host_proxy,omitempty"`
	HostProxySource string         `json:"host_proxy_source,omitempty"`
	Browsers        []Browser      `json:"browsers"`
	Proxies         ProxyReport    `json:"proxies"`
	Firewall        FirewallReport `json:"firewall"`
	VPN             VPNReport      `json:"vpn"`
}

// Inspect gathers everything fix401 can see of the machine. It only reads:
// nothing is changed, nothing asks for a password (sudo is not probed).
// host is optional.
func Inspect(ctx context.Context, env *Env, host string) System {
	s := System{
		OS:       DetectOS(ctx, env),
		Admin:    env.isAdmin(),
		Browsers: DetectBrowsers(ctx, env),
		Proxies:  DetectProxies(ctx, env),
		Firewall: DetectFirewall(ctx, env),
	}
	if env.goos() == "darwin" {
		s.DNS = detectDNSDarwin(ctx, env, s.OS.Version)
	} else {
		s.DNS = DetectDNS(ctx, env)
	}
	target := ""
	if host != "" {
		res := Resolve(ctx, env, host)
		s.Host = &res
		for _, a := range res.Addrs {
			if ip := net.ParseIP(a); ip != nil {
				target = a
				if ip.To4() != nil {
					break
				}
			}
		}
		if res.Error == "" {
			if p, from, err := EnvProxyConfig(env).ProxyFor("https://" + net.JoinHostPort(res.Host, "443")); err == nil && p != nil {
				s.HostProxy, s.HostProxySource = maskProxy(p.String()), from
			}
		}
	}
	s.VPN = DetectVPN(ctx, env, target)
	return s
}
