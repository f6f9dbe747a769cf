package platform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/fix401/fix401/probe"
)

// Family groups browsers that take the same command-line flags.
type Family string

// The browser families.
const (
	FamilyChromium Family = "chromium"
	FamilyFirefox  Family = "firefox"
	FamilySafari   Family = "safari"
	FamilyOther    Family = "other"
)

// Browser is one installed browser.
type Browser struct {
	// ID is "chrome", "chromium", "edge", "brave", "opera", "vivaldi",
	// "firefox", "safari", or the desktop-file name of another browser.
	ID     string `json:"id"`
	Name   string `json:"name"`
	Family Family `json:"family"`
	// Exec is the argv that starts it, without URL or flags
	// (["/usr/bin/chromium"], ["/usr/bin/flatpak","run","org.mozilla.firefox"]).
	Exec []string `json:"exec"`
	// Default is set on the person's default browser.
	Default bool `json:"default"`
	// Source says where fix401 found it (a desktop file, an app bundle, a
	// registry key).
	Source string `json:"source"`
	// Sandbox is "flatpak" or "snap" for a sandboxed Linux browser.
	Sandbox string `json:"sandbox,omitempty"`
	// DesktopID (Linux), BundleID (macOS) and ProgID (Windows) are how the
	// OS names it, used to find the default.
	DesktopID string `json:"desktop_id,omitempty"`
	BundleID  string `json:"bundle_id,omitempty"`
	ProgID    string `json:"prog_id,omitempty"`
	// PrivateExec is the argv of the desktop file's private-window action,
	// used for browsers fix401 does not know.
	PrivateExec []string `json:"-"`
}

// known are the browsers fix401 knows the flags of.
var known = map[string]struct {
	name   string
	family Family
}{
	"chrome":   {"Google Chrome", FamilyChromium},
	"chromium": {"Chromium", FamilyChromium},
	"edge":     {"Microsoft Edge", FamilyChromium},
	"brave":    {"Brave", FamilyChromium},
	"opera":    {"Opera", FamilyChromium},
	"vivaldi":  {"Vivaldi", FamilyChromium},
	"firefox":  {"Firefox", FamilyFirefox},
	"safari":   {"Safari", FamilySafari},
}

// IdentifyBrowser maps a program or app name or path
// ("google-chrome-stable", "org.mozilla.firefox", "msedge.exe", $BROWSER)
// to a known browser ID, or "" when it names no browser fix401 knows.
func IdentifyBrowser(name string) string {
	name = strings.TrimSpace(name)
	n := strings.ToLower(path.Base(strings.ReplaceAll(name, `\`, "/")))
	n = strings.TrimSuffix(strings.TrimSuffix(n, ".desktop"), ".exe")
	switch {
	case strings.Contains(n, "chrome") && !strings.Contains(n, "chromium"):
		return "chrome"
	case strings.Contains(n, "chromium"):
		return "chromium"
	case strings.Contains(n, "microsoft-edge") || strings.Contains(n, "com.microsoft.edge") || n == "msedge" || n == "edge":
		return "edge"
	case strings.Contains(n, "brave"):
		return "brave"
	case strings.Contains(n, "opera"):
		return "opera"
	case strings.Contains(n, "vivaldi"):
		return "vivaldi"
	case strings.Contains(n, "firefox") || strings.Contains(n, "iceweasel"):
		return "firefox"
	case strings.Contains(n, "safari"):
		return "safari"
	}
	return ""
}

func newBrowser(id string) Browser {
	k := known[id]
	return Browser{ID: id, Name: k.name, Family: k.family}
}

// DetectBrowsers lists the installed browsers and marks the default:
// desktop files on Linux, app bundles on macOS, the registry on Windows.
func DetectBrowsers(ctx context.Context, env *Env) []Browser {
	var list []Browser
	switch env.goos() {
	case "windows":
		list = windowsBrowsers(env)
	case "darwin":
		list = darwinBrowsers(ctx, env)
	default:
		list = linuxBrowsers(ctx, env)
	}
	if list == nil {
		list = []Browser{}
	}
	return list
}

// DefaultBrowser returns the default browser from a detected list.
func DefaultBrowser(list []Browser) (Browser, bool) {
	for _, b := range list {
		if b.Default {
			return b, true
		}
	}
	return Browser{}, false
}

// FindBrowser picks a browser by ID ("firefox") or by name, case-insensitive.
func FindBrowser(list []Browser, key string) (Browser, bool) {
	for _, b := range list {
		if strings.EqualFold(b.ID, key) || strings.EqualFold(b.Name, key) || strings.EqualFold(b.DesktopID, key) {
			return b, true
		}
	}
	return Browser{}, false
}

func linuxAppDirs(env *Env) []string {
	home := env.homeDir()
	dataHome := env.getenv("XDG_DATA_HOME")
	if dataHome == "" && home != "" {
		dataHome = home + "/.local/share"
	}
	var dirs []string
	if dataHome != "" {
		dirs = append(dirs, dataHome+"/applications")
	}
	dataDirs := env.getenv("XDG_DATA_DIRS")
	if dataDirs == "" {
		dataDirs = "/usr/local/share:/usr/share"
	}
	for _, d := range strings.Split(dataDirs, ":") {
		if d != "" {
			dirs = append(dirs, strings.TrimRight(d, "/")+"/applications")
		}
	}
	if home != "" {
		dirs = append(dirs, home+"/.local/share/flatpak/exports/share/applications")
	}
	dirs = append(dirs, "/var/lib/flatpak/exports/share/applications", "/var/lib/snapd/desktop/applications")
	seen := map[string]bool{}
	out := dirs[:0]
	for _, d := range dirs {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

func linuxBrowsers(ctx context.Context, env *Env) []Browser {
	var list []Browser
	seenID := map[string]bool{}
	for _, dir := range linuxAppDirs(env) {
		names := env.readDir(dir)
		slices.Sort(names)
		for _, n := range names {
			if !strings.HasSuffix(n, ".desktop") || seenID[n] {
				continue
			}
			seenID[n] = true
			file := dir + "/" + n
			s, ok := env.readFile(file)
			if !ok {
				continue
			}
			e, ok := parseDesktop(n, file, s)
			if !ok || e.Hidden || !(slices.Contains(e.MimeTypes, "x-scheme-handler/http") || slices.Contains(e.MimeTypes, "x-scheme-handler/https")) {
				continue
			}
			if e.TryExec != "" && !resolvable(env, e.TryExec) {
				continue
			}
			exe := e.Exec[0]
			if !strings.HasPrefix(exe, "/") {
				if exe = env.lookPath(exe); exe == "" {
					continue
				}
			} else if !env.exists(exe) {
				continue
			}
			b := Browser{DesktopID: n, Source: "desktop file " + file, Exec: append([]string{exe}, e.Exec[1:]...)}
			appName := path.Base(exe)
			switch {
			case path.Base(exe) == "flatpak":
				b.Sandbox = "flatpak"
				if i := flatpakAppIndex(b.Exec); i > 0 {
					appName = b.Exec[i]
					b.Exec = b.Exec[:i+1]
				}
			case strings.HasPrefix(exe, "/snap/"):
				b.Sandbox = "snap"
			}
			id := IdentifyBrowser(appName)
			if id == "" {
				id = IdentifyBrowser(strings.TrimSuffix(n, ".desktop"))
			}
			if id != "" {
				k := known[id]
				b.ID, b.Name, b.Family = id, k.name, k.family
				if e.Name != "" {
					b.Name = e.Name
				}
				if b.Family == FamilyChromium || b.Family == FamilyFirefox {
					// Drop the file's own flags (--new-window, --incognito)
					// only when they are not needed to start it.
					b.Exec = trimTrailingFlags(b.Exec)
				}
			} else {
				b.ID, b.Name, b.Family = strings.TrimSuffix(n, ".desktop"), e.Name, FamilyOther
				b.PrivateExec = e.Private
				if len(b.PrivateExec) > 0 && !strings.HasPrefix(b.PrivateExec[0], "/") {
					if p := env.lookPath(b.PrivateExec[0]); p != "" {
						b.PrivateExec[0] = p
					}
				}
			}
			if b.Name == "" {
				b.Name = b.ID
			}
			b.Name = probe.Sanitize(b.Name)
			list = append(list, b)
		}
	}
	def := ""
	if res := env.run(ctx, Cmd{Argv: []string{"xdg-settings", "get", "default-web-browser"}, Timeout: detectTimeout}); res.OK() {
		def = strings.TrimSpace(res.Stdout)
	}
	if def == "" {
		if res := env.run(ctx, Cmd{Argv: []string{"xdg-mime", "query", "default", "x-scheme-handler/https"}, Timeout: detectTimeout}); res.OK() {
			def = strings.TrimSpace(res.Stdout)
		}
	}
	for i := range list {
		if def != "" && list[i].DesktopID == def {
			list[i].Default = true
		}
	}
	return list
}

// flatpakAppIndex finds the application ID in "flatpak run [opts] APP".
func flatpakAppIndex(argv []string) int {
	for i := 2; i < len(argv); i++ {
		if argv[1] == "run" && !strings.HasPrefix(argv[i], "-") {
			return i
		}
	}
	return -1
}

// trimTrailingFlags removes flags after the program (and after a Flatpak
// app ID): fix401 adds its own.
func trimTrailingFlags(argv []string) []string {
	if len(argv) > 1 && path.Base(argv[0]) == "flatpak" {
		return argv
	}
	return argv[:1]
}

func resolvable(env *Env, p string) bool {
	if strings.HasPrefix(p, "/") {
		return env.exists(p)
	}
	return env.lookPath(p) != ""
}

// macApps are the app bundles fix401 knows on macOS.
var macApps = []struct{ id, bundle, app, exe string }{
	{"chrome", "com.google.Chrome", "Google Chrome.app", "Google Chrome"},
	{"chromium", "org.chromium.Chromium", "Chromium.app", "Chromium"},
	{"edge", "com.microsoft.edgemac", "Microsoft Edge.app", "Microsoft Edge"},
	{"firefox", "org.mozilla.firefox", "Firefox.app", "firefox"},
	{"brave", "com.brave.Browser", "Brave Browser.app", "Brave Browser"},
	{"opera", "com.operasoftware.Opera", "Opera.app", "Opera"},
	{"vivaldi", "com.vivaldi.Vivaldi", "Vivaldi.app", "Vivaldi"},
	{"safari", "com.apple.Safari", "Safari.app", "Safari"},
}

func darwinBrowsers(ctx context.Context, env *Env) []Browser {
	home := env.homeDir()
	dirs := []string{"/Applications"}
	if home != "" {
		dirs = append(dirs, home+"/Applications")
	}
	var list []Browser
	for _, a := range macApps {
		for _, d := range dirs {
			bundle := d + "/" + a.app
			exe := bundle + "/Contents/MacOS/" + a.exe
			if !env.exists(exe) && !(a.id == "safari" && env.exists(bundle)) {
				continue
			}
			b := newBrowser(a.id)
			b.BundleID, b.Source = a.bundle, "app bundle "+bundle
			b.Exec = []string{exe}
			if a.id == "safari" {
				// Safari is started through Launch Services.
				b.Exec = []string{abs(env, "open"), "-a", "Safari"}
			}
			list = append(list, b)
			break
		}
	}
	def := "com.apple.safari"
	if home != "" {
		plist := home + "/Library/Preferences/com.apple.LaunchServices/com.apple.launchservices.secure.plist"
		res := env.run(ctx, Cmd{Argv: []string{"plutil", "-extract", "LSHandlers", "json", "-o", "-", plist}, Timeout: detectTimeout})
		if res.OK() {
			if id := lsHandler(res.Stdout, "https"); id != "" {
				def = id
			} else if id := lsHandler(res.Stdout, "http"); id != "" {
				def = id
			}
		}
	}
	for i := range list {
		if strings.EqualFold(list[i].BundleID, def) {
			list[i].Default = true
		}
	}
	return list
}

// lsHandler finds the bundle ID that handles a URL scheme in Launch
// Services' LSHandlers array (as JSON from plutil).
func lsHandler(js, scheme string) string {
	var handlers []map[string]any
	if json.Unmarshal([]byte(js), &handlers) != nil {
		return ""
	}
	for _, h := range handlers {
		if s, _ := h["LSHandlerURLScheme"].(string); strings.EqualFold(s, scheme) {
			if id, _ := h["LSHandlerRoleAll"].(string); id != "" {
				return id
			}
		}
	}
	return ""
}

// commandPath returns the program of a Windows command line
// ("\"C:\\Program Files\\…\\chrome.exe\" --single-argument %1").
func commandPath(cmd string) string {
	cmd = strings.TrimSpace(cmd)
	if strings.HasPrefix(cmd, `"`) {
		if end := strings.Index(cmd[1:], `"`); end >= 0 {
			return cmd[1 : end+1]
		}
		return strings.Trim(cmd, `"`)
	}
	if i := strings.Index(strings.ToLower(cmd), ".exe"); i >= 0 {
		return cmd[:i+4]
	}
	p, _, _ := strings.Cut(cmd, " ")
	return p
}

func windowsBrowsers(env *Env) []Browser {
	r := env.Registry
	if r == nil {
		return nil
	}
	var list []Browser
	have := map[string]bool{}
	for _, root := range []string{`HKCU`, `HKLM`, `HKLM\SOFTWARE\WOW6432Node`} {
		base := root + `\SOFTWARE\Clients\StartMenuInternet`
		if root == `HKLM\SOFTWARE\WOW6432Node` {
			base = root + `\Clients\StartMenuInternet`
		}
		subs, err := r.Subkeys(base)
		if err != nil {
			continue
		}
		slices.Sort(subs)
		for _, sub := range subs {
			key := base + `\` + sub
			cmd, err := r.String(key+`\shell\open\command`, "")
			if err != nil {
				continue
			}
			exe := commandPath(cmd)
			id := IdentifyBrowser(exe)
			if id == "" && strings.Contains(strings.ToLower(exe), "opera") {
				id = "opera"
			}
			if id == "" || have[strings.ToLower(exe)] {
				continue
			}
			if id == "chrome" && strings.Contains(strings.ToLower(exe), "chromium") {
				id = "chromium"
			}
			have[strings.ToLower(exe)] = true
			b := newBrowser(id)
			if name, err := r.String(key, ""); err == nil && name != "" {
				b.Name = probe.Sanitize(name)
			}
			b.Exec = []string{exe}
			b.Source = `registry ` + key
			b.ProgID, _ = r.String(key+`\Capabilities\URLAssociations`, "https")
			list = append(list, b)
		}
	}
	// App Paths catch installs that did not register as a browser.
	for _, exe := range []string{"chrome.exe", "msedge.exe", "firefox.exe", "brave.exe", "opera.exe", "vivaldi.exe"} {
		id := IdentifyBrowser(exe)
		if slices.ContainsFunc(list, func(b Browser) bool { return b.ID == id }) {
			continue
		}
		for _, base := range []string{`HKCU\SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths`, `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths`, `HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\App Paths`} {
			p, err := r.String(base+`\`+exe, "")
			if err != nil || p == "" {
				continue
			}
			b := newBrowser(id)
			b.Exec = []string{commandPath(p)}
			b.Source = `registry ` + base + `\` + exe
			list = append(list, b)
			break
		}
	}
	progID, _ := r.String(`HKCU\Software\Microsoft\Windows\Shell\Associations\UrlAssociations\https\UserChoice`, "ProgId")
	if progID == "" {
		progID, _ = r.String(`HKCU\Software\Microsoft\Windows\Shell\Associations\UrlAssociations\http\UserChoice`, "ProgId")
	}
	if progID != "" {
		found := false
		for i := range list {
			if list[i].ProgID != "" && strings.EqualFold(list[i].ProgID, progID) {
				list[i].Default, found = true, true
				break
			}
		}
		if !found {
			if id := progIDBrowser(progID); id != "" {
				for i := range list {
					if list[i].ID == id {
						list[i].Default = true
						break
					}
				}
			}
		}
	}
	return list
}

// progIDBrowser maps well-known ProgIds to a browser ID.
func progIDBrowser(p string) string {
	l := strings.ToLower(p)
	switch {
	case strings.HasPrefix(l, "chromehtml"):
		return "chrome"
	case strings.HasPrefix(l, "msedgehtm"):
		return "edge"
	case strings.HasPrefix(l, "firefoxurl"):
		return "firefox"
	case strings.HasPrefix(l, "bravehtml"):
		return "brave"
	case strings.HasPrefix(l, "opera"):
		return "opera"
	case strings.HasPrefix(l, "vivaldi"):
		return "vivaldi"
	case strings.HasPrefix(l, "chromium"):
		return "chromium"
	}
	return ""
}

// ErrUnsafeURL is wrapped by ValidateURL's errors.
var ErrUnsafeURL = errors.New("not a safe web address")

// ValidateURL accepts only an absolute http or https URL with a host and no
// credentials, and returns it re-encoded so that it holds no space, quote
// or control character: it can then be neither read as a flag by a browser
// nor split by anything. The error is a probe.InputError.
func ValidateURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	bad := func(why string) (string, error) {
		return "", probe.Inputf("%s: %w", why, ErrUnsafeURL)
	}
	if s == "" {
		return bad("no address given")
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "/") {
		return bad(fmt.Sprintf("%q is not a web address (it starts with %q)", probe.Sanitize(truncate(s, 80)), s[:1]))
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return bad("the address contains a control character")
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return bad("the address cannot be read: " + probe.Sanitize(plainErr(err)))
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		if u.Scheme == "" {
			return bad("the address must start with https:// or http://")
		}
		return bad(fmt.Sprintf("only http and https addresses are opened, not %q", probe.Sanitize(truncate(u.Scheme, 40))))
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return bad("the address has no host name")
	}
	if u.User != nil {
		return bad("the address holds a user name or password; fix401 does not put credentials on a command line")
	}
	if strings.HasPrefix(u.Hostname(), "-") {
		return bad("the host name starts with '-'")
	}
	u.Scheme = scheme
	return encodeUnsafe(u.String()), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// encodeUnsafe percent-encodes what url.URL.String leaves as is in a query
// or fragment but a command line or browser might mangle.
func encodeUnsafe(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c >= 0x7f || strings.IndexByte("\"'<>`{}|\\^", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Mode is how to open a URL in a browser.
type Mode string

// The launch modes.
const (
	// ModeNormal opens a normal window.
	ModeNormal Mode = "normal"
	// ModePrivate opens a private (incognito, InPrivate) window: no
	// cookies of the normal profile and, by default, no extensions.
	ModePrivate Mode = "private"
	// ModeClean starts the browser with a new, empty throwaway profile: no
	// cookies and no extensions even when the browser is already running
	// (a running browser ignores --disable-extensions).
	ModeClean Mode = "clean"
)

// Launch is a planned browser start.
type Launch struct {
	Browser string `json:"browser"`
	Mode    Mode   `json:"mode"`
	URL     string `json:"url"`
	// Argv is what to start; nil when the person must do it by hand.
	Argv []string `json:"argv,omitempty"`
	// ProfileDir is the throwaway profile of ModeClean. The browser keeps
	// using it after fix401 returns; remove it when the wizard ends.
	ProfileDir string `json:"profile_dir,omitempty"`
	// Manual says what the person must do themselves, when Argv cannot do
	// it (Safari's private window); Copy is then the text to put on the
	// clipboard for them.
	Manual string `json:"manual,omitempty"`
	Copy   string `json:"copy,omitempty"`
	// Note is said alongside (enterprise policy may disable private
	// windows; a sandboxed browser keeps its own copy of the profile).
	Note string `json:"note,omitempty"`
}

// privateFlag is each known browser's private-window flag.
var privateFlag = map[string]string{
	"chrome":   "--incognito",
	"chromium": "--incognito",
	"brave":    "--incognito",
	"vivaldi":  "--incognito",
	"edge":     "--inprivate",
	"opera":    "--private",
	"firefox":  "-private-window",
}

// PlanLaunch builds the argv that opens rawURL in b. ModeClean creates the
// throwaway profile directory (through env.MkdirTemp). extra flags go
// before the URL (tests use it for --headless). The URL is validated
// first, and for the Chromium family it follows "--", which ends flag
// parsing.
func PlanLaunch(env *Env, b Browser, mode Mode, rawURL string, extra ...string) (Launch, error) {
	u, err := ValidateURL(rawURL)
	if err != nil {
		return Launch{}, err
	}
	for _, f := range extra {
		if !strings.HasPrefix(f, "-") {
			return Launch{}, fmt.Errorf("platform: extra browser argument %q is not a flag", f)
		}
	}
	l := Launch{Browser: b.ID, Mode: mode, URL: u}
	if len(b.Exec) == 0 {
		return Launch{}, fmt.Errorf("platform: %s has no command to start it", b.Name)
	}
	argv := slices.Clone(b.Exec)
	switch mode {
	case ModeNormal, ModePrivate, ModeClean:
	default:
		return Launch{}, fmt.Errorf("platform: unknown launch mode %q", mode)
	}
	switch b.Family {
	case FamilySafari:
		if mode != ModeNormal {
			l.Manual = "Safari has no command-line option for a private window. In Safari, press ⇧⌘N (File → New Private Window), " +
				"click the address bar, paste the address (fix401 copied it) and press Return."
			l.Copy = u
			return l, nil
		}
		l.Argv = append(argv, u)
		return l, nil
	case FamilyOther:
		switch mode {
		case ModeNormal:
			l.Argv = append(append(argv, extra...), u)
		case ModePrivate:
			if len(b.PrivateExec) == 0 {
				return Launch{}, fmt.Errorf("platform: fix401 does not know how to open a private window in %s", b.Name)
			}
			l.Argv = append(append(slices.Clone(b.PrivateExec), extra...), u)
		default:
			return Launch{}, fmt.Errorf("platform: fix401 does not know how to start %s with a throwaway profile", b.Name)
		}
		return l, nil
	}
	if mode == ModeClean {
		if env.MkdirTemp == nil {
			return Launch{}, errors.New("platform: no temporary directory for a throwaway profile")
		}
		dir, err := env.MkdirTemp("fix401-profile-*")
		if err != nil {
			return Launch{}, fmt.Errorf("platform: throwaway profile: %w", err)
		}
		l.ProfileDir = dir
		if b.Sandbox != "" {
			l.Note = "This browser runs in a " + b.Sandbox + " sandbox, which keeps its own copy of the throwaway profile."
		}
	}
	switch b.Family {
	case FamilyChromium:
		switch mode {
		case ModePrivate:
			argv = append(argv, privateFlag[b.ID])
			l.Note = "If your organisation turned private windows off, a normal window opens instead."
		case ModeClean:
			argv = append(argv, "--user-data-dir="+l.ProfileDir, "--no-first-run", "--no-default-browser-check", "--disable-extensions")
		}
		argv = append(append(argv, extra...), "--", u)
	case FamilyFirefox:
		switch mode {
		case ModePrivate:
			argv = append(argv, "-private-window")
			l.Note = "If your organisation turned private windows off, a normal window opens instead."
		case ModeClean:
			argv = append(argv, "-no-remote", "-profile", l.ProfileDir)
		}
		argv = append(append(argv, extra...), u)
	}
	l.Argv = argv
	return l, nil
}

// ErrRoot is returned when fix401 runs as root on Linux or macOS: browsers
// must not run as root.
var ErrRoot = errors.New("platform: fix401 runs as root, and a browser must not: open the address yourself (it is shown on screen)")

// ErrNoDisplay is returned on Linux without a graphical session.
var ErrNoDisplay = errors.New("platform: no graphical session here (DISPLAY and WAYLAND_DISPLAY are not set): open the address in a browser yourself")

// Open starts a planned launch detached, output discarded. A Launch with
// no Argv (Manual) is not started: show Manual and copy Copy instead.
func Open(env *Env, l Launch) error {
	if len(l.Argv) == 0 {
		return fmt.Errorf("platform: %s", l.Manual)
	}
	if err := canOpen(env); err != nil {
		return err
	}
	if env.Start == nil {
		return errors.New("platform: cannot start programs here")
	}
	if err := env.Start(l.Argv); err != nil {
		return fmt.Errorf("platform: starting %s: %w", l.Browser, err)
	}
	return nil
}

func canOpen(env *Env) error {
	if env.goos() != "windows" && env.isAdmin() {
		return ErrRoot
	}
	if env.goos() == "linux" && env.getenv("DISPLAY") == "" && env.getenv("WAYLAND_DISPLAY") == "" && env.getenv("WSL_DISTRO_NAME") == "" {
		return ErrNoDisplay
	}
	return nil
}

// PlanDefault builds the argv that opens rawURL in the default browser:
// open on macOS, rundll32 url.dll,FileProtocolHandler on Windows (never
// cmd /c start, which runs what follows an "&"), and on Linux the first of
// xdg-open, x-www-browser, www-browser and wslview on PATH.
func PlanDefault(env *Env, rawURL string) (Launch, error) {
	u, err := ValidateURL(rawURL)
	if err != nil {
		return Launch{}, err
	}
	l := Launch{Browser: "default", Mode: ModeNormal, URL: u}
	switch env.goos() {
	case "darwin":
		l.Argv = []string{abs(env, "open"), u}
	case "windows":
		root := env.getenv("SystemRoot")
		if root == "" {
			root = `C:\Windows`
		}
		l.Argv = []string{root + `\System32\rundll32.exe`, "url.dll,FileProtocolHandler", u}
	default:
		for _, tool := range []string{"xdg-open", "x-www-browser", "www-browser", "wslview"} {
			if p := env.lookPath(tool); p != "" {
				l.Argv = []string{p, u}
				return l, nil
			}
		}
		return Launch{}, errors.New("platform: no program to open a web address (xdg-open) is installed: open it in a browser yourself")
	}
	return l, nil
}

// Page is a browser-internal page.
type Page string

// The internal pages fix401 points to.
const (
	PageSiteData   Page = "site-data"   // the cookies and data of one site
	PageClearData  Page = "clear-data"  // the clear-browsing-data dialog
	PageExtensions Page = "extensions"  // the add-ons list
	PageDNSCache   Page = "dns-cache"   // the browser's own DNS cache
	PageSockets    Page = "socket-pool" // kept-alive connections
)

// Manual is an internal page the person must open by hand: browsers refuse
// chrome://, edge:// and about: addresses from the command line, so copy
// Address and show Steps.
type Manual struct {
	// Address is the internal address to paste into the address bar;
	// empty when there is none (Safari).
	Address string `json:"address,omitempty"`
	// Steps say where to paste it and what to click.
	Steps string `json:"steps"`
}

// InternalPage returns where page is in browser b. siteURL (for
// PageSiteData) is the URL whose site's data to show.
func InternalPage(b Browser, page Page, siteURL string) Manual {
	origin := siteURL
	host := siteURL
	if u, err := url.Parse(siteURL); err == nil && u.Host != "" {
		origin = u.Scheme + "://" + u.Host
		host = u.Hostname()
	}
	host = probe.Sanitize(host)
	paste := fmt.Sprintf("%s will not open this address from the command line: click its address bar, paste the address (fix401 copied it) and press Enter.", b.Name)
	switch b.Family {
	case FamilySafari:
		switch page {
		case PageSiteData:
			return Manual{Steps: "In Safari: Safari → Settings → Privacy → Manage Website Data…, search for " + host + ", then Remove."}
		case PageClearData:
			return Manual{Steps: "In Safari: Safari → Clear History…"}
		case PageExtensions:
			return Manual{Steps: "In Safari: Safari → Settings → Extensions, and untick each extension."}
		case PageDNSCache, PageSockets:
			return Manual{Steps: "Safari uses the system's DNS cache: flushing that is enough. Quit Safari (⌘Q) and start it again to drop its connections."}
		}
	case FamilyFirefox:
		switch page {
		case PageSiteData:
			return Manual{Address: "about:preferences#privacy", Steps: paste + " Under Cookies and Site Data click Manage Data…, search for " + host + ", then Remove Selected and Save Changes."}
		case PageClearData:
			return Manual{Address: "about:preferences#privacy", Steps: paste + " Under Cookies and Site Data click Clear Data…; or press Ctrl+Shift+Delete (⌘⇧⌫ on a Mac)."}
		case PageExtensions:
			return Manual{Address: "about:addons", Steps: paste + " Switch each extension off."}
		case PageDNSCache, PageSockets:
			return Manual{Address: "about:networking#dns", Steps: paste + " Click Clear DNS Cache."}
		}
	case FamilyChromium:
		scheme := "chrome://"
		switch b.ID {
		case "edge":
			scheme = "edge://"
		case "brave":
			scheme = "brave://"
		case "opera":
			scheme = "opera://"
		}
		switch page {
		case PageSiteData:
			return Manual{Address: scheme + "settings/content/siteDetails?site=" + url.QueryEscape(origin), Steps: paste + " Then click Delete data (or Clear data)."}
		case PageClearData:
			return Manual{Address: scheme + "settings/clearBrowserData", Steps: paste + " Tick Cookies and Cached images, then Delete data."}
		case PageExtensions:
			return Manual{Address: scheme + "extensions", Steps: paste + " Switch each extension off."}
		case PageDNSCache:
			return Manual{Address: scheme + "net-internals/#dns", Steps: paste + " Click Clear host cache."}
		case PageSockets:
			return Manual{Address: scheme + "net-internals/#sockets", Steps: paste + " Click Flush socket pools."}
		}
	}
	return Manual{Steps: "Look in " + b.Name + "'s settings under Privacy for cookies and site data."}
}
