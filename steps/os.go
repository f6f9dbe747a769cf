package steps

import "github.com/fix401/fix401/platform"

// These are the manual instructions for the steps whose OS actions come
// from platform/. They stay as the fallback when an action is unavailable.

func osOf(e Env) string {
	switch e.GOOS {
	case "windows", "darwin", "linux":
		return e.GOOS
	}
	return "other"
}

// browsersFor returns the browsers to give instructions for: the person's
// own if known, else the common ones on this OS.
func browsersFor(e Env) []string {
	if b := normalizeBrowser(e.Browser); b != "" {
		return []string{b}
	}
	switch e.GOOS {
	case "windows":
		return []string{"edge", "chrome", "firefox"}
	case "darwin":
		return []string{"safari", "chrome", "firefox"}
	}
	return []string{"firefox", "chrome"}
}

// normalizeBrowser maps a browser name or path ($BROWSER) to a browser the
// instructions below are written for, through platform's one list of
// browser names: Chromium takes Chrome's, a browser they do not cover "".
func normalizeBrowser(b string) string {
	switch id := platform.IdentifyBrowser(b); id {
	case "chromium":
		return "chrome"
	case "chrome", "edge", "firefox", "safari", "brave":
		return id
	}
	return ""
}

func mod(os string) string {
	if os == "darwin" {
		return "⌘"
	}
	return "Ctrl"
}

func browserName(b string) string {
	switch b {
	case "edge":
		return "Edge"
	case "chrome":
		return "Chrome"
	case "firefox":
		return "Firefox"
	case "safari":
		return "Safari"
	case "brave":
		return "Brave"
	}
	return b
}

func cacheInstructions(os string, browsers []string) []string {
	m := mod(os)
	out := make([]string, 0, len(browsers)+1)
	for _, b := range browsers {
		switch b {
		case "chrome", "brave":
			out = append(out, browserName(b)+": press "+m+"+Shift+Delete, tick \"Cookies and other site data\" and \"Cached images and files\", choose \"All time\", then \"Delete data\".")
		case "edge":
			out = append(out, "Edge: press "+m+"+Shift+Delete, tick \"Cookies and other site data\" and \"Cached images and files\", choose \"All time\", then \"Clear now\".")
		case "firefox":
			out = append(out, "Firefox: press "+m+"+Shift+Delete, tick \"Cookies and site data\" and \"Temporary cached files and pages\", choose \"Everything\", then \"Clear\".")
		case "safari":
			out = append(out, "Safari: Safari menu → Settings → Privacy → \"Manage Website Data…\", find the site, \"Remove\"; then Develop → Empty Caches (⌥⌘E).")
		}
	}
	out = append(out, "Then close the browser completely, open it again, go to the address and sign in. Press enter here when done.")
	return out
}

func addonInstructions(os string, browsers []string) []string {
	out := make([]string, 0, len(browsers)+1)
	for _, b := range browsers {
		switch b {
		case "chrome", "brave", "edge":
			out = append(out, browserName(b)+": type "+b+"://extensions in the address bar and switch every extension off (ad blockers, privacy and password tools first).")
		case "firefox":
			out = append(out, "Firefox: type about:addons in the address bar → Extensions, and switch each one off (or Help → Troubleshoot Mode, which turns them all off at once).")
		case "safari":
			out = append(out, "Safari: Safari menu → Settings → Extensions, and untick each extension.")
		}
	}
	out = append(out, "Then open the address again and sign in. Answer y if it works now, n if not.")
	return out
}

func privateInstructions(os string, browsers []string) []string {
	m := mod(os)
	out := make([]string, 0, len(browsers)+1)
	for _, b := range browsers {
		switch b {
		case "chrome", "brave":
			out = append(out, browserName(b)+": press "+m+"+Shift+N for an Incognito window.")
		case "edge":
			out = append(out, "Edge: press "+m+"+Shift+N for an InPrivate window.")
		case "firefox":
			out = append(out, "Firefox: press "+m+"+Shift+P for a private window.")
		case "safari":
			out = append(out, "Safari: press ⌘+Shift+N for a private window.")
		}
	}
	out = append(out, "Paste the address there and sign in. A private window starts without cookies and usually without add-ons. Answer y if it works there, n if not.")
	return out
}

func dnsInstructions(os string) []string {
	var out []string
	switch os {
	case "windows":
		out = []string{"Open Command Prompt (Start → type cmd → Enter) and run:  ipconfig /flushdns"}
	case "darwin":
		out = []string{"Open Terminal (Applications → Utilities) and run:  sudo dscacheutil -flushcache; sudo killall -HUP mDNSResponder", "It asks for your Mac password; nothing is printed when it works."}
	case "linux":
		out = []string{
			"Most Linux systems use systemd-resolved; run:  resolvectl flush-caches",
			"With nscd instead, run:  sudo nscd -i hosts",
			"Many Linux systems keep no DNS cache at all; then there is nothing to flush.",
		}
	default:
		out = []string{"Restart the computer, or use the system's own way to clear its DNS cache."}
	}
	return append(out, "Chrome and Edge keep their own: open chrome://net-internals/#dns (edge://net-internals/#dns) and press \"Clear host cache\". Then press enter here to re-test.")
}

func securityInstructions(os string) []string {
	var out []string
	switch os {
	case "windows":
		out = []string{
			"Proxy: Settings → Network & internet → Proxy. If \"Use a proxy server\" is on and you did not expect it, ask your IT department before changing it.",
			"Firewall and antivirus: Windows Security → Firewall & network protection. Some security suites inspect web traffic and can strip logins.",
		}
	case "darwin":
		out = []string{
			"Proxy: System Settings → Network → your network → Details → Proxies.",
			"Firewall: System Settings → Network → Firewall. Security apps that inspect web traffic can strip logins.",
		}
	case "linux":
		out = []string{
			"Proxy: Settings → Network → Network Proxy (GNOME), and the HTTP_PROXY / HTTPS_PROXY variables in your shell.",
			"Firewall (ufw, firewalld) rarely causes a 401; a company web filter or proxy can.",
		}
	default:
		out = []string{"Check the system's proxy and firewall settings."}
	}
	return append(out,
		"Switch a VPN off for a moment, or try another network (a phone hotspot), then press enter to re-test.",
		"Check that this computer's date and time are set automatically.")
}
