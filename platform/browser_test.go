package platform

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/fix401/fix401/probe"
)

func browserIDs(list []Browser) []string {
	var out []string
	for _, b := range list {
		id := b.ID
		if b.Default {
			id += "*"
		}
		out = append(out, id)
	}
	return out
}

func TestDetectBrowsersLinux(t *testing.T) {
	f := &facts{goos: "linux",
		vars: map[string]string{"HOME": "/home/ann"},
		files: map[string]string{
			"/usr/share/applications/chromium.desktop": `[Desktop Entry]
Version=1.0
Name=Chromium
Exec=/usr/bin/chromium %U
Type=Application
MimeType=text/html;x-scheme-handler/http;x-scheme-handler/https;

[Desktop Action new-private-window]
Name=New Incognito Window
Exec=/usr/bin/chromium --incognito
`,
			"/usr/share/applications/google-chrome.desktop": `[Desktop Entry]
Name=Google Chrome
Exec=/usr/bin/google-chrome-stable %U
TryExec=google-chrome-stable
Type=Application
MimeType=x-scheme-handler/https;
`,
			"/usr/share/applications/org.gnome.Epiphany.desktop": `[Desktop Entry]
Name=Web
Exec=epiphany %U
Type=Application
MimeType=x-scheme-handler/http;x-scheme-handler/https;
Actions=new-window;incognito-window;

[Desktop Action incognito-window]
Name=New Incognito Window
Exec=epiphany --incognito-mode
`,
			"/usr/share/applications/gedit.desktop": "[Desktop Entry]\nName=Text Editor\nExec=gedit %U\nType=Application\nMimeType=text/plain;\n",
			"/usr/share/applications/opera.desktop": "[Desktop Entry]\nName=Opera\nExec=opera %U\nType=Application\nMimeType=x-scheme-handler/http;\n",
			"/var/lib/flatpak/exports/share/applications/org.mozilla.firefox.desktop": `[Desktop Entry]
Name=Firefox
Exec=/usr/bin/flatpak run --branch=stable --arch=x86_64 --command=firefox --file-forwarding org.mozilla.firefox @@u %u @@
Type=Application
MimeType=x-scheme-handler/http;x-scheme-handler/https;
`,
			"/var/lib/snapd/desktop/applications/brave_brave.desktop": "[Desktop Entry]\nName=Brave Web Browser\nExec=env BAMF_DESKTOP_FILE_HINT=/var/lib/snapd/desktop/applications/brave_brave.desktop /snap/bin/brave %U\nType=Application\nMimeType=x-scheme-handler/https;\n",
			// The person hid Vivaldi with an override in their own data dir.
			"/home/ann/.local/share/applications/vivaldi-stable.desktop": "[Desktop Entry]\nHidden=true\n",
			"/usr/share/applications/vivaldi-stable.desktop":             "[Desktop Entry]\nName=Vivaldi\nExec=/usr/bin/vivaldi-stable %U\nType=Application\nMimeType=x-scheme-handler/https;\n",
			"/usr/bin/chromium":       "",
			"/usr/bin/flatpak":        "",
			"/snap/bin/brave":         "",
			"/usr/bin/vivaldi-stable": "",
		},
		path: map[string]string{"epiphany": "/usr/bin/epiphany"},
		cmds: map[string]CmdResult{"xdg-settings get default-web-browser": out("org.mozilla.firefox.desktop\n")},
	}
	list := DetectBrowsers(t.Context(), f.env())
	// Chrome's TryExec and Opera's Exec are not on PATH: not installed.
	want := []string{"chromium", "org.gnome.Epiphany", "firefox*", "brave"}
	if got := browserIDs(list); !slices.Equal(got, want) {
		t.Fatalf("browsers = %v, want %v", got, want)
	}
	chromium, _ := FindBrowser(list, "chromium")
	if !slices.Equal(chromium.Exec, []string{"/usr/bin/chromium"}) || chromium.Family != FamilyChromium {
		t.Errorf("chromium = %+v", chromium)
	}
	ff, _ := DefaultBrowser(list)
	if ff.Sandbox != "flatpak" || !slices.Equal(ff.Exec, []string{"/usr/bin/flatpak", "run", "--branch=stable", "--arch=x86_64", "--command=firefox", "--file-forwarding", "org.mozilla.firefox"}) {
		t.Errorf("flatpak firefox = %+v", ff)
	}
	brave, _ := FindBrowser(list, "brave")
	if brave.Sandbox != "snap" || !slices.Equal(brave.Exec, []string{"/snap/bin/brave"}) {
		t.Errorf("snap brave = %+v", brave)
	}
	web, _ := FindBrowser(list, "Web")
	if web.Family != FamilyOther || !slices.Equal(web.PrivateExec, []string{"/usr/bin/epiphany", "--incognito-mode"}) {
		t.Errorf("epiphany = %+v", web)
	}

	// xdg-settings missing: xdg-mime decides.
	delete(f.cmds, "xdg-settings get default-web-browser")
	f.cmds["xdg-mime query default x-scheme-handler/https"] = out("chromium.desktop\n")
	if got := browserIDs(DetectBrowsers(t.Context(), f.env())); !slices.Contains(got, "chromium*") {
		t.Errorf("xdg-mime default not used: %v", got)
	}
}

func TestParseDesktopExec(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"/usr/bin/chromium %U", []string{"/usr/bin/chromium"}},
		{`"/opt/My Browser/browser" --flag %u`, []string{"/opt/My Browser/browser", "--flag"}},
		{`sh -c "echo \"hi\" \$HOME" %f`, []string{"sh", "-c", `echo "hi" $HOME`}},
		{"env A=1 B=2 /snap/bin/firefox %u", []string{"/snap/bin/firefox"}},
		{"flatpak run org.x.Y @@u %U @@", []string{"flatpak", "run", "org.x.Y"}},
		{"app --percent=100%% %i %c %k", []string{"app", "--percent=100%"}},
	}
	for _, tt := range tests {
		if got := parseDesktopExec(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("parseDesktopExec(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDetectBrowsersDarwin(t *testing.T) {
	f := &facts{goos: "darwin", vars: map[string]string{"HOME": "/Users/ann"},
		exists: []string{
			"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
			"/Applications/Safari.app",
			"/Users/ann/Applications/Firefox.app/Contents/MacOS/firefox",
		},
		path: map[string]string{"open": "/usr/bin/open"},
		cmds: map[string]CmdResult{
			"plutil -extract LSHandlers json -o - /Users/ann/Library/Preferences/com.apple.LaunchServices/com.apple.launchservices.secure.plist": out(
				`[{"LSHandlerContentType":"public.html","LSHandlerRoleAll":"org.mozilla.firefox"},{"LSHandlerURLScheme":"https","LSHandlerRoleAll":"com.google.chrome","LSHandlerPreferredVersions":{"LSHandlerRoleAll":"-"}}]`),
		}}
	list := DetectBrowsers(t.Context(), f.env())
	if got := browserIDs(list); !slices.Equal(got, []string{"chrome*", "firefox", "safari"}) {
		t.Fatalf("browsers = %v", got)
	}
	if !slices.Equal(list[0].Exec, []string{"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"}) {
		t.Errorf("chrome exec = %q", list[0].Exec)
	}
	if !slices.Equal(list[2].Exec, []string{"/usr/bin/open", "-a", "Safari"}) {
		t.Errorf("safari exec = %q", list[2].Exec)
	}
	// No Launch Services entry: Safari is the default.
	delete(f.cmds, "plutil -extract LSHandlers json -o - /Users/ann/Library/Preferences/com.apple.LaunchServices/com.apple.launchservices.secure.plist")
	if got := browserIDs(DetectBrowsers(t.Context(), f.env())); !slices.Equal(got, []string{"chrome", "firefox", "safari*"}) {
		t.Errorf("without LSHandlers: %v", got)
	}
}

func TestDetectBrowsersWindows(t *testing.T) {
	const smi = `HKLM\SOFTWARE\Clients\StartMenuInternet\`
	f := &facts{goos: "windows", reg: map[string]any{
		smi + `Google Chrome|`:                                                                       "Google Chrome",
		smi + `Google Chrome\shell\open\command|`:                                                    `"C:\Program Files\Google\Chrome\Application\chrome.exe"`,
		smi + `Google Chrome\Capabilities\URLAssociations|https`:                                     "ChromeHTML",
		smi + `Microsoft Edge|`:                                                                      "Microsoft Edge",
		smi + `Microsoft Edge\shell\open\command|`:                                                   `"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe"`,
		smi + `Microsoft Edge\Capabilities\URLAssociations|https`:                                    "MSEdgeHTM",
		smi + `IEXPLORE.EXE\shell\open\command|`:                                                     `"C:\Program Files\Internet Explorer\iexplore.exe"`,
		`HKCU\SOFTWARE\Clients\StartMenuInternet\Firefox-308046B0AF4A39CB\shell\open\command|`:       `C:\Users\ann\AppData\Local\Mozilla Firefox\firefox.exe -osint -url "%1"`,
		`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\brave.exe|`:                        `C:\Program Files\BraveSoftware\Brave-Browser\Application\brave.exe`,
		`HKCU\Software\Microsoft\Windows\Shell\Associations\UrlAssociations\https\UserChoice|ProgId`: "FirefoxURL-308046B0AF4A39CB",
	}}
	list := DetectBrowsers(t.Context(), f.env())
	if got := browserIDs(list); !slices.Equal(got, []string{"firefox*", "chrome", "edge", "brave"}) {
		t.Fatalf("browsers = %v", got)
	}
	if !slices.Equal(list[0].Exec, []string{`C:\Users\ann\AppData\Local\Mozilla Firefox\firefox.exe`}) {
		t.Errorf("firefox exec = %q", list[0].Exec)
	}
	if list[2].Exec[0] != `C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe` {
		t.Errorf("edge exec = %q", list[2].Exec)
	}
	// A ProgId registered by the browser wins over the prefix table.
	f.reg[`HKCU\Software\Microsoft\Windows\Shell\Associations\UrlAssociations\https\UserChoice|ProgId`] = "MSEdgeHTM"
	if got := browserIDs(DetectBrowsers(t.Context(), f.env())); !slices.Contains(got, "edge*") {
		t.Errorf("edge default: %v", got)
	}
}

func TestValidateURL(t *testing.T) {
	good := map[string]string{
		"https://example.com":                    "https://example.com",
		"  HTTPS://example.com/a?b=1&c=2#frag  ": "https://example.com/a?b=1&c=2#frag",
		"http://127.0.0.1:8080/x y":              "http://127.0.0.1:8080/x%20y",
		`https://e.com/?q="'<>` + "`":            "https://e.com/?q=%22%27%3C%3E%60",
		"https://[::1]:443/":                     "https://[::1]:443/",
	}
	for in, want := range good {
		got, err := ValidateURL(in)
		if err != nil || got != want {
			t.Errorf("ValidateURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []string{
		"", "--gpu-launcher=/bin/sh -c id", "-incognito", "javascript:alert(1)", "file:///etc/passwd",
		"chrome://settings", "data:text/html,hi", "example.com/path", "//example.com/", "/etc/passwd",
		"https://user:pass@example.com/", "https:///nohost", "https://example.com/\x1b[31m", "https://exa\nmple.com",
		"ftp://example.com/", "https://-flag.example/", "vbscript:msgbox", "about:blank",
	}
	for _, in := range bad {
		got, err := ValidateURL(in)
		if err == nil {
			t.Errorf("ValidateURL(%q) accepted as %q", in, got)
			continue
		}
		if !probe.IsInputError(err) || !errors.Is(err, ErrUnsafeURL) {
			t.Errorf("ValidateURL(%q) error %v is not an InputError wrapping ErrUnsafeURL", in, err)
		}
		if strings.ContainsRune(err.Error(), 0x1b) {
			t.Errorf("error message carries an escape: %q", err)
		}
	}
}

func TestPlanLaunch(t *testing.T) {
	const u = "https://example.com/login?next=/a&b=2"
	exe := func(id string, exec ...string) Browser { b := newBrowser(id); b.Exec = exec; return b }
	tests := []struct {
		b    Browser
		mode Mode
		want string
	}{
		{exe("chrome", "/usr/bin/google-chrome"), ModePrivate, "/usr/bin/google-chrome --incognito -- " + u},
		{exe("chromium", "/usr/bin/chromium"), ModeNormal, "/usr/bin/chromium -- " + u},
		{exe("edge", `C:\Edge\msedge.exe`), ModePrivate, `C:\Edge\msedge.exe --inprivate -- ` + u},
		{exe("brave", "/snap/bin/brave"), ModePrivate, "/snap/bin/brave --incognito -- " + u},
		{exe("opera", "/usr/bin/opera"), ModePrivate, "/usr/bin/opera --private -- " + u},
		{exe("vivaldi", "/usr/bin/vivaldi"), ModePrivate, "/usr/bin/vivaldi --incognito -- " + u},
		{exe("firefox", "/usr/bin/firefox"), ModePrivate, "/usr/bin/firefox -private-window " + u},
		{exe("firefox", "/usr/bin/flatpak", "run", "org.mozilla.firefox"), ModeNormal, "/usr/bin/flatpak run org.mozilla.firefox " + u},
		{exe("chrome", "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"), ModeClean,
			"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome --user-data-dir=/tmp/fix401-profile-1 --no-first-run --no-default-browser-check --disable-extensions -- " + u},
		{exe("firefox", "/usr/bin/firefox"), ModeClean, "/usr/bin/firefox -no-remote -profile /tmp/fix401-profile-1 " + u},
		{exe("safari", "/usr/bin/open", "-a", "Safari"), ModeNormal, "/usr/bin/open -a Safari " + u},
	}
	for _, tt := range tests {
		t.Run(tt.b.ID+"/"+string(tt.mode), func(t *testing.T) {
			f := &facts{goos: "linux"}
			l, err := PlanLaunch(f.env(), tt.b, tt.mode, u)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(l.Argv, " "); got != tt.want {
				t.Errorf("argv = %q\nwant   %q", got, tt.want)
			}
			if l.Argv[len(l.Argv)-1] != u {
				t.Errorf("the URL must be the last argument, whole: %q", l.Argv)
			}
			if tt.b.Family == FamilyChromium && l.Argv[len(l.Argv)-2] != "--" {
				t.Errorf("Chromium argv must end flags with --: %q", l.Argv)
			}
			if (tt.mode == ModeClean) != (l.ProfileDir != "") {
				t.Errorf("profile dir = %q for mode %s", l.ProfileDir, tt.mode)
			}
		})
	}
	// Safari has no private flag: the person is told how, and the URL is
	// offered for the clipboard.
	l, err := PlanLaunch((&facts{goos: "darwin"}).env(), exe("safari", "/usr/bin/open", "-a", "Safari"), ModePrivate, u)
	if err != nil || l.Argv != nil || !strings.Contains(l.Manual, "⇧⌘N") || l.Copy != u {
		t.Errorf("safari private = %+v, %v", l, err)
	}
	// Extra flags go before "--"; something that is not a flag is refused.
	l, _ = PlanLaunch((&facts{}).env(), exe("chromium", "/usr/bin/chromium"), ModeNormal, u, "--headless=new")
	if got := strings.Join(l.Argv, " "); got != "/usr/bin/chromium --headless=new -- "+u {
		t.Errorf("extra flags: %q", got)
	}
	if _, err := PlanLaunch((&facts{}).env(), exe("chromium", "/usr/bin/chromium"), ModeNormal, u, "https://evil/"); err == nil {
		t.Error("a non-flag extra argument was accepted")
	}
	// An unknown browser's private window comes from its desktop action.
	web := Browser{ID: "org.gnome.Epiphany", Name: "Web", Family: FamilyOther, Exec: []string{"/usr/bin/epiphany"}, PrivateExec: []string{"/usr/bin/epiphany", "--incognito-mode"}}
	l, err = PlanLaunch((&facts{}).env(), web, ModePrivate, u)
	if err != nil || strings.Join(l.Argv, " ") != "/usr/bin/epiphany --incognito-mode "+u {
		t.Errorf("epiphany private = %q, %v", l.Argv, err)
	}
	if _, err := PlanLaunch((&facts{}).env(), web, ModeClean, u); err == nil {
		t.Error("a throwaway profile for an unknown browser was planned")
	}
}

func TestPlanLaunchHostileURL(t *testing.T) {
	b := newBrowser("chromium")
	b.Exec = []string{"/usr/bin/chromium"}
	for _, u := range []string{"--gpu-launcher=xcalc", "--renderer-cmd-prefix=sh -c id", "javascript:alert(document.cookie)", "file:///etc/shadow", " -x", "/c calc"} {
		f := &facts{goos: "windows"}
		if l, err := PlanLaunch(f.env(), b, ModePrivate, u); err == nil {
			t.Errorf("PlanLaunch(%q) = %q", u, l.Argv)
		}
		if l, err := PlanDefault(f.env(), u); err == nil {
			t.Errorf("PlanDefault(%q) = %q", u, l.Argv)
		}
	}
	// An ampersand stays inside the one URL argument.
	l, err := PlanDefault((&facts{goos: "windows", vars: map[string]string{"SystemRoot": `C:\Windows`}}).env(), "https://e.com/?a=1&calc.exe")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`C:\Windows\System32\rundll32.exe`, "url.dll,FileProtocolHandler", "https://e.com/?a=1&calc.exe"}
	if !slices.Equal(l.Argv, want) {
		t.Errorf("windows default = %q, want %q", l.Argv, want)
	}
	for _, a := range l.Argv {
		if strings.EqualFold(a, "cmd") || strings.EqualFold(a, "/c") || strings.EqualFold(a, "start") {
			t.Errorf("cmd /c start must never be used: %q", l.Argv)
		}
	}
}

func TestPlanDefaultAndOpen(t *testing.T) {
	const u = "https://example.com/"
	f := &facts{goos: "linux", path: map[string]string{"xdg-open": "/usr/bin/xdg-open"}, vars: map[string]string{"DISPLAY": ":0"}}
	env := f.env()
	l, err := PlanDefault(env, u)
	if err != nil || !slices.Equal(l.Argv, []string{"/usr/bin/xdg-open", u}) {
		t.Fatalf("linux default = %q, %v", l.Argv, err)
	}
	if err := Open(env, l); err != nil {
		t.Fatal(err)
	}
	if len(f.started) != 1 || !slices.Equal(f.started[0], l.Argv) {
		t.Errorf("started %q", f.started)
	}
	// As root, or without a graphical session, nothing is started.
	f.admin = true
	if err := Open(f.env(), l); !errors.Is(err, ErrRoot) {
		t.Errorf("root: %v", err)
	}
	f.admin = false
	delete(f.vars, "DISPLAY")
	if err := Open(f.env(), l); !errors.Is(err, ErrNoDisplay) {
		t.Errorf("no display: %v", err)
	}
	if len(f.started) != 1 {
		t.Errorf("started after refusals: %q", f.started)
	}
	m := &facts{goos: "darwin", path: map[string]string{"open": "/usr/bin/open"}}
	if l, _ := PlanDefault(m.env(), u); !slices.Equal(l.Argv, []string{"/usr/bin/open", u}) {
		t.Errorf("darwin default = %q", l.Argv)
	}
	if _, err := PlanDefault((&facts{goos: "linux"}).env(), u); err == nil {
		t.Error("no xdg-open: want an error")
	}
}

func TestInternalPage(t *testing.T) {
	site := "https://intranet.example.com:8443/app/login"
	tests := []struct {
		id   string
		page Page
		want string
	}{
		{"chrome", PageSiteData, "chrome://settings/content/siteDetails?site=https%3A%2F%2Fintranet.example.com%3A8443"},
		{"chrome", PageClearData, "chrome://settings/clearBrowserData"},
		{"edge", PageClearData, "edge://settings/clearBrowserData"},
		{"edge", PageExtensions, "edge://extensions"},
		{"brave", PageDNSCache, "brave://net-internals/#dns"},
		{"opera", PageExtensions, "opera://extensions"},
		{"vivaldi", PageSockets, "chrome://net-internals/#sockets"},
		{"firefox", PageExtensions, "about:addons"},
		{"firefox", PageDNSCache, "about:networking#dns"},
		{"safari", PageSiteData, ""},
	}
	for _, tt := range tests {
		m := InternalPage(newBrowser(tt.id), tt.page, site)
		if m.Address != tt.want {
			t.Errorf("%s %s: address %q, want %q", tt.id, tt.page, m.Address, tt.want)
		}
		if m.Steps == "" {
			t.Errorf("%s %s: no steps", tt.id, tt.page)
		}
		if tt.want != "" && !strings.Contains(m.Steps, "paste") {
			t.Errorf("%s %s: steps do not say to paste: %q", tt.id, tt.page, m.Steps)
		}
	}
	if m := InternalPage(newBrowser("safari"), PageSiteData, site); !strings.Contains(m.Steps, "intranet.example.com") {
		t.Errorf("safari steps should name the site: %q", m.Steps)
	}
}

func TestIdentifyBrowser(t *testing.T) {
	for name, want := range map[string]string{
		"google-chrome-stable":          "chrome",
		" /usr/bin/chromium-browser ":   "chromium",
		`C:\Program Files\msedge.exe`:   "edge",
		"edge":                          "edge",
		"microsoft-edge-stable.desktop": "edge",
		"com.brave.Browser":             "brave",
		"org.mozilla.firefox":           "firefox",
		"iceweasel":                     "firefox",
		"Safari":                        "safari",
		"vivaldi-stable":                "vivaldi",
		"opera":                         "opera",
		"xdg-open":                      "",
		"sensible-browser":              "",
		"":                              "",
		"/":                             "",
	} {
		if got := IdentifyBrowser(name); got != want {
			t.Errorf("IdentifyBrowser(%q) = %q, want %q", name, got, want)
		}
	}
}
