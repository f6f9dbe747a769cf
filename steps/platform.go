package steps

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/fix401/fix401/platform"
	"github.com/fix401/fix401/probe"
)

// Platform offers what fix401 can see and do on one machine in steps 2 and
// 5 to 9: flush the DNS cache (step 5), open the address in a clean or
// private browser window (steps 6 and 7), copy the browser's own pages for
// cookies and site data (step 2), show proxies, firewall and VPN and re-test
// without the proxy (step 8), and name the person's browser (steps 2, 6, 7
// and 9). Its Detect is Env.Detect.
//
// Detect only reads. Every action that changes the system is marked
// Changes, shows its exact command lines (sudo included), and runs only
// after the person said yes; admin rights come from sudo, which asks for
// the password on the terminal itself (NeedTerminal), or from the Windows
// UAC prompt.
type Platform struct {
	Env *platform.Env
	// TempDir is where throwaway browser profiles go ("" is the system's
	// temporary folder).
	TempDir string
	// Mkdir creates a throwaway profile folder (os.Mkdir with mode 0700
	// when nil).
	Mkdir func(dir string) error

	mu       sync.Mutex
	browsers []platform.Browser
	found    bool
	profiles []string
}

// NewPlatform returns the offers of the machine env describes.
func NewPlatform(env *platform.Env) *Platform { return &Platform{Env: env} }

// maxBrowsers bounds the browsers offered in steps 6 and 7.
const maxBrowsers = 4

// Detect finds what step n can show and offer for req. It runs commands
// and reads files, so call it off the UI's thread; ctx bounds it.
func (p *Platform) Detect(ctx context.Context, n int, req probe.Request) Offer {
	switch n {
	case 2:
		return p.siteDataOffer(ctx, req)
	case 5:
		return p.dnsOffer(ctx, req)
	case 6:
		return p.browserOffer(ctx, req, platform.ModeClean)
	case 7:
		return p.browserOffer(ctx, req, platform.ModePrivate)
	case 8:
		return p.networkOffer(ctx, req)
	case 9:
		b, _ := p.defaultBrowser(ctx)
		return Offer{Browser: b.ID}
	}
	return Offer{}
}

// Cleanup removes the throwaway browser profiles made for step 6. Call it
// when the wizard ends.
func (p *Platform) Cleanup() error {
	p.mu.Lock()
	dirs := p.profiles
	p.profiles = nil
	p.mu.Unlock()
	var errs []error
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (p *Platform) isAdmin() bool { return p.Env.IsAdmin != nil && p.Env.IsAdmin() }

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// --- Step 5: the DNS cache.

func (p *Platform) dnsOffer(ctx context.Context, req probe.Request) Offer {
	var o Offer
	rep := platform.DetectDNS(ctx, p.Env)
	if len(rep.Caches) == 0 {
		note := rep.Note
		if note == "" {
			note = platform.NothingCaches
		}
		o.Info = append(o.Info, note)
		for _, c := range rep.Unused {
			line := c.Name + " runs, but this computer's own lookups do not go through it"
			if c.Note != "" {
				line += ": " + c.Note
			}
			o.Info = append(o.Info, line+".")
		}
		return o
	}
	admin := p.isAdmin()
	var priv *platform.Privilege
	if !admin && p.Env.GOOS != "windows" {
		for _, a := range rep.Actions() {
			if a.Admin {
				pr := platform.CheckPrivilege(ctx, p.Env)
				priv = &pr
				break
			}
		}
	}
	host := hostOf(req.URL)
	for _, c := range rep.Caches {
		line := "This computer keeps DNS answers in " + c.Name
		if len(c.Evidence) > 0 {
			line += " (" + strings.Join(c.Evidence, "; ") + ")"
		}
		o.Info = append(o.Info, line+".")
		if c.Note != "" {
			o.Info = append(o.Info, "  "+c.Note)
		}
		if len(c.Actions) == 0 {
			continue
		}
		vias := make([]platform.Via, len(c.Actions))
		for i, a := range c.Actions {
			vias[i] = p.plannedVia(a)
		}
		if priv != nil && slices.Contains(vias, platform.ViaSudo) && priv.Via() == "" {
			var cmds []string
			for i, a := range c.Actions {
				cmds = append(cmds, a.CommandVia(vias[i]))
			}
			o.Info = append(o.Info, "Flushing it needs administrator rights, and "+priv.Detail+". Someone with them can run: "+strings.Join(cmds, " ; "))
			continue
		}
		o.Actions = append(o.Actions, p.flushAction(c, c.Actions, vias, host, priv, false))
	}
	return o
}

// plannedVia is how an action will run: as fix401 runs when it needs no
// admin rights (or fix401 has them), else through UAC on Windows or sudo.
func (p *Platform) plannedVia(a platform.Action) platform.Via {
	if !a.Admin || p.isAdmin() {
		return platform.ViaDirect
	}
	return p.adminVia()
}

func (p *Platform) adminVia() platform.Via {
	if p.Env.GOOS == "windows" {
		return platform.ViaUAC
	}
	return platform.ViaSudo
}

// flushAction is the one action that flushes cache c: its commands run in
// order, between a look-up of the host before and after.
func (p *Platform) flushAction(c platform.DNSCache, acts []platform.Action, vias []platform.Via, host string, priv *platform.Privilege, again bool) Action {
	a := Action{Label: "Flush the DNS cache (" + c.Name + ")", Kind: ActionRun, Changes: true}
	if again {
		a.Label = "Flush the DNS cache (" + c.Name + ") with administrator rights"
	}
	for i, pa := range acts {
		a.Show = append(a.Show, pa.CommandVia(vias[i]))
		a.Changes = a.Changes || pa.Changes
		if vias[i] != platform.ViaDirect {
			a.Admin = true
		}
	}
	if a.Admin {
		a.Why = "It needs administrator rights: the DNS cache belongs to the system, not to your account. "
		switch {
		case p.Env.GOOS == "windows":
			a.Why += "Windows asks you to allow it (UAC)."
		case priv != nil && priv.State == platform.PrivSudoReady:
			a.Why += "sudo lets fix401 run it without asking for your password right now."
		default:
			a.Why += "sudo asks for your password on this terminal; fix401 never sees it."
		}
	}
	acts, vias = slices.Clone(acts), slices.Clone(vias)
	a.Run = func(ctx context.Context) (string, error) { return p.runFlush(ctx, c, acts, vias, host) }
	return a
}

// runFlush looks host up, runs the flush commands, and looks host up
// again. A password for sudo is asked for before anything runs.
func (p *Platform) runFlush(ctx context.Context, c platform.DNSCache, acts []platform.Action, vias []platform.Via, host string) (string, error) {
	if slices.Contains(vias, platform.ViaSudo) {
		pr := platform.CheckPrivilege(ctx, p.Env)
		switch pr.State {
		case platform.PrivSudoReady, platform.PrivAdmin:
		case platform.PrivSudoPassword:
			return "", &NeedTerminal{Cmd: platform.SudoPrompt("to flush the DNS cache"), Judge: judgePrompt}
		default:
			return "", errors.New(pr.Detail)
		}
	}
	var before platform.Resolution
	if host != "" {
		before = platform.Resolve(ctx, p.Env, host)
	}
	for i, a := range acts {
		out := platform.Do(ctx, p.Env, a, vias[i])
		switch out.Status {
		case platform.StatusOK, platform.StatusNothingToDo:
			continue
		case platform.StatusCancelled:
			return "", fmt.Errorf("%s: %w", out.Reason, ErrCancelled)
		}
		if out.NeedsAdmin && vias[i] == platform.ViaDirect && !p.isAdmin() {
			rest := acts[i:]
			adminVias := make([]platform.Via, len(rest))
			for k := range adminVias {
				adminVias[k] = p.adminVia()
			}
			var priv *platform.Privilege
			if p.adminVia() == platform.ViaSudo {
				pr := platform.CheckPrivilege(ctx, p.Env)
				priv = &pr
				if pr.Via() == "" {
					return "", fmt.Errorf("%s; it needs administrator rights, and %s", out.Reason, pr.Detail)
				}
			}
			return "", &NeedConsent{
				Reason: a.Title + " did not work without administrator rights: " + out.Reason + ".",
				Next:   p.flushAction(c, rest, adminVias, host, priv, true),
			}
		}
		msg := out.Reason
		if out.Output != "" {
			msg += " (it said: " + strings.ReplaceAll(out.Output, "\n", " / ") + ")"
		}
		return "", errors.New(msg)
	}
	if host == "" {
		return "the cache is empty now", nil
	}
	after := platform.Resolve(ctx, p.Env, host)
	return resolutionChange(before, after), nil
}

// judgePrompt judges the error of sudo's password prompt.
func judgePrompt(err error) error {
	o := platform.JudgePrompt(err)
	switch o.Status {
	case platform.StatusOK:
		return nil
	case platform.StatusCancelled:
		return fmt.Errorf("%s: %w", o.Reason, ErrCancelled)
	}
	return errors.New(o.Reason)
}

// resolutionChange says in one line what host resolved to before and after
// the flush, and which hosts-file lines still decide it.
func resolutionChange(before, after platform.Resolution) string {
	describe := func(r platform.Resolution) string {
		switch {
		case r.Error != "":
			return "does not resolve (" + r.Error + ")"
		case len(r.Addrs) == 0:
			return "resolves to nothing"
		}
		return "resolves to " + strings.Join(r.Addrs, ", ")
	}
	b, a := describe(before), describe(after)
	var out string
	if b == a {
		out = fmt.Sprintf("%s %s, as before", after.Host, a)
	} else {
		out = fmt.Sprintf("%s %s before, and now %s", after.Host, strings.TrimPrefix(b, "resolves to "), a)
	}
	for _, h := range after.Hosts {
		out += fmt.Sprintf("; the hosts file %s line %d still says %s", h.File, h.Line, h.IP)
	}
	return probe.Sanitize(out)
}

// --- Steps 2, 6, 7 and 9: browsers.

// detectBrowsers lists the installed browsers once per run.
func (p *Platform) detectBrowsers(ctx context.Context) []platform.Browser {
	p.mu.Lock()
	if p.found {
		defer p.mu.Unlock()
		return p.browsers
	}
	p.mu.Unlock()
	list := platform.DetectBrowsers(ctx, p.Env)
	if ctx.Err() != nil {
		return list
	}
	p.mu.Lock()
	p.browsers, p.found = list, true
	p.mu.Unlock()
	return list
}

// orderedBrowsers returns the browsers with the default first.
func (p *Platform) orderedBrowsers(ctx context.Context) []platform.Browser {
	list := slices.Clone(p.detectBrowsers(ctx))
	slices.SortStableFunc(list, func(a, b platform.Browser) int {
		switch {
		case a.Default && !b.Default:
			return -1
		case b.Default && !a.Default:
			return 1
		}
		return 0
	})
	return list
}

func (p *Platform) defaultBrowser(ctx context.Context) (platform.Browser, bool) {
	list := p.orderedBrowsers(ctx)
	if len(list) == 0 {
		return platform.Browser{}, false
	}
	return list[0], true
}

// canOpen says why no browser can be started here (fix401 runs as root,
// or there is no graphical session), or nil.
func (p *Platform) canOpen() error {
	probeEnv := *p.Env
	probeEnv.Start = func([]string) error { return nil }
	return platform.Open(&probeEnv, platform.Launch{Browser: "check", Argv: []string{"check"}})
}

// refusal says in a plain sentence why fix401 does not start a browser.
func refusal(err error) string {
	switch {
	case errors.Is(err, platform.ErrRoot):
		return "fix401 runs as administrator (root), and a browser must never run that way, so fix401 does not open one: open the address yourself."
	case errors.Is(err, platform.ErrNoDisplay):
		return "This terminal has no graphical desktop (no DISPLAY or WAYLAND_DISPLAY), so fix401 cannot open a browser here: open the address in a browser yourself."
	}
	return strings.TrimPrefix(err.Error(), "platform: ")
}

// copyAction copies text (an address to paste): on the terminal's
// clipboard through Copy, and with the machine's own tool.
func (p *Platform) copyAction(label, text, then string) Action {
	return Action{Label: label, Kind: ActionRun, Copy: text, KeepStep: true,
		Run: func(ctx context.Context) (string, error) {
			r := platform.Copy(ctx, p.Env, nil, text)
			how := "fix401 asked your terminal to put it on the clipboard"
			if r.Tool != "" {
				how = "fix401 put it on the clipboard (" + r.Tool + ")"
			}
			return probe.Sanitize("Copied: " + text + " (" + how + "; if pasting gives nothing, copy it from here). " + then), nil
		}}
}

func (p *Platform) siteDataOffer(ctx context.Context, req probe.Request) Offer {
	b, ok := p.defaultBrowser(ctx)
	if !ok {
		return Offer{}
	}
	o := Offer{Browser: b.ID}
	name := probe.Sanitize(b.Name)
	// platform words each page's steps for after the copy; the shared
	// first sentence is said once, before anything is copied.
	paste := b.Name + " will not open this address from the command line: click its address bar, paste the address (fix401 copied it) and press Enter."
	said := false
	for _, pg := range []struct {
		page platform.Page
		what string
	}{{platform.PageSiteData, "This site's cookies and data"}, {platform.PageClearData, "All browsing data"}} {
		m := platform.InternalPage(b, pg.page, req.URL)
		if m.Address == "" {
			o.Info = append(o.Info, name+": "+m.Steps)
			continue
		}
		if !said {
			o.Info = append(o.Info, name+" does not open its own pages from the command line: paste the address into its address bar and press Enter (the actions below copy it for you).")
			said = true
		}
		rest := strings.TrimSpace(strings.TrimPrefix(m.Steps, paste))
		o.Info = append(o.Info, "  "+pg.what+": "+m.Address+" — then: "+rest)
		o.Actions = append(o.Actions, p.copyAction("Copy "+name+"'s address for "+strings.ToLower(pg.what[:1])+pg.what[1:], m.Address, m.Steps))
	}
	return o
}

func (p *Platform) browserOffer(ctx context.Context, req probe.Request, mode platform.Mode) Offer {
	list := p.orderedBrowsers(ctx)
	var o Offer
	if len(list) > 0 {
		o.Browser = list[0].ID
	}
	target, err := platform.ValidateURL(req.URL)
	if err != nil {
		o.Info = append(o.Info, "fix401 cannot open this address in a browser: "+strings.TrimPrefix(err.Error(), "probe: ")+".")
		return o
	}
	if err := p.canOpen(); err != nil {
		o.Info = append(o.Info, refusal(err))
		o.Actions = append(o.Actions, p.copyAction("Copy the address", target, "Paste it into a "+modeWords(mode)+"."))
		return o
	}
	if len(list) == 0 {
		o.Info = append(o.Info, "fix401 found no browser it knows how to start on this computer.")
		return o
	}
	for _, b := range list[:min(len(list), maxBrowsers)] {
		if a, ok := p.launchAction(b, mode, target); ok {
			o.Actions = append(o.Actions, a)
		}
	}
	return o
}

func modeWords(mode platform.Mode) string {
	if mode == platform.ModeClean {
		return "browser window without add-ons"
	}
	return "private window"
}

// launchAction opens target in browser b: a private window, or a clean
// run with a new, empty profile (no extensions, no cookies) that is
// removed when the wizard ends.
func (p *Platform) launchAction(b platform.Browser, mode platform.Mode, target string) (Action, bool) {
	// The profile folder is named now, so that the command shown is the
	// command run, and made only when the person chooses this browser.
	var profile string
	plan := *p.Env
	plan.MkdirTemp = func(pattern string) (string, error) {
		var rnd [8]byte
		if _, err := rand.Read(rnd[:]); err != nil {
			return "", err
		}
		profile = filepath.Join(p.tempDir(), strings.Replace(pattern, "*", hex.EncodeToString(rnd[:]), 1))
		return profile, nil
	}
	l, err := platform.PlanLaunch(&plan, b, mode, target)
	if err != nil {
		return Action{}, false
	}
	name := probe.Sanitize(b.Name)
	if b.Default {
		name += " (your default browser)"
	}
	if len(l.Argv) == 0 {
		return p.copyAction("Copy the address for "+name, l.Copy, l.Manual), true
	}
	a := Action{Kind: ActionRun, KeepStep: true, Show: []string{platform.Action{Argv: l.Argv}.Command()}}
	done := "Opened " + probe.Sanitize(b.Name) + " in a private window at the address."
	if mode == platform.ModeClean {
		a.Label = "Open " + name + " clean: new empty profile, no add-ons, no cookies"
		done = "Opened " + probe.Sanitize(b.Name) + " with a new, empty profile (no add-ons, no cookies) at the address; fix401 removes that profile when it ends."
	} else {
		a.Label = "Open the address in a private window of " + name
	}
	done += " Sign in there, then answer the question below."
	if l.Note != "" {
		done += " " + l.Note
	}
	a.Run = func(context.Context) (string, error) {
		if profile != "" {
			if err := p.makeProfile(profile); err != nil {
				return "", fmt.Errorf("making the throwaway profile: %w", err)
			}
		}
		if err := platform.Open(p.Env, l); err != nil {
			if errors.Is(err, platform.ErrRoot) || errors.Is(err, platform.ErrNoDisplay) {
				return "", errors.New(refusal(err))
			}
			return "", err
		}
		return done, nil
	}
	return a, true
}

func (p *Platform) tempDir() string {
	if p.TempDir != "" {
		return p.TempDir
	}
	return os.TempDir()
}

// makeProfile creates the throwaway profile folder once; an existing
// folder that fix401 did not make is refused.
func (p *Platform) makeProfile(dir string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if slices.Contains(p.profiles, dir) {
		return nil
	}
	mkdir := p.Mkdir
	if mkdir == nil {
		mkdir = func(d string) error { return os.Mkdir(d, 0o700) }
	}
	if err := mkdir(dir); err != nil {
		return err
	}
	p.profiles = append(p.profiles, dir)
	return nil
}

// --- Step 8: proxies, firewall, VPN.

func (p *Platform) networkOffer(ctx context.Context, req probe.Request) Offer {
	var o Offer
	pr := platform.DetectProxies(ctx, p.Env)
	for _, s := range pr.Settings {
		line := "Proxy setting (" + s.Scope + "): " + s.Value + " — set in " + s.Source
		if s.UsedByFix401 {
			line += "; fix401's own requests follow it"
		}
		o.Info = append(o.Info, line+".")
	}
	o.Info = append(o.Info, pr.Notes...)
	px, _, err := platform.EnvProxyConfig(p.Env).ProxyFor(req.URL)
	switch {
	case req.Proxy == probe.ProxyDirect:
		o.Info = append(o.Info, "fix401's re-tests now go straight to the site, without any proxy.")
	case err != nil:
		o.Info = append(o.Info, strings.TrimPrefix(err.Error(), "platform: ")+".")
	case px != nil || req.Proxy != "":
		// The step itself says which proxy the last check went through.
		o.Actions = append(o.Actions, Action{Label: "Re-test without the proxy, straight to the site", Kind: ActionRequest,
			Change: func(r *probe.Request) { r.Proxy = probe.ProxyDirect }})
	}
	fw := platform.DetectFirewall(ctx, p.Env)
	for _, f := range fw.Firewalls {
		line := "Firewall: " + f.Name + " is " + f.State
		if f.Detail != "" {
			line += " (" + f.Detail + ")"
		}
		o.Info = append(o.Info, line+".")
	}
	target := ""
	if host := hostOf(req.URL); host != "" {
		if ip := net.ParseIP(host); ip != nil {
			target = ip.String()
		} else if p.Env.LookupHost != nil {
			if addrs, err := p.Env.LookupHost(ctx, host); err == nil {
				for _, a := range addrs {
					if net.ParseIP(a) != nil {
						target = a
						if net.ParseIP(a).To4() != nil {
							break
						}
					}
				}
			}
		}
	}
	vpn := platform.DetectVPN(ctx, p.Env, target)
	for _, v := range vpn.VPNs {
		line := "Looks like a VPN: " + v.Name
		if v.Description != "" {
			line += " (" + v.Description + ")"
		}
		line += ", " + v.Reason
		switch {
		case v.CarriesTarget:
			line += "; traffic to this site goes through it"
		case v.AllTraffic:
			line += "; all traffic goes through it"
		}
		o.Info = append(o.Info, probe.Sanitize(line)+".")
	}
	if len(vpn.VPNs) == 0 {
		o.Info = append(o.Info, "No VPN interface found.")
	}
	if len(fw.Firewalls) > 0 || len(vpn.VPNs) > 0 {
		o.Info = append(o.Info, fw.Note, vpn.Note)
	}
	return o
}
