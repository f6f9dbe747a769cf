package steps

import (
	"strings"
	"testing"
)

// TestNormalizeBrowser pins which instructions a $BROWSER value selects.
func TestNormalizeBrowser(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/bin/google-chrome-stable": "chrome",
		"chromium":                      "chrome",
		"/usr/bin/firefox":              "firefox",
		"iceweasel":                     "firefox",
		`C:\Program Files\Microsoft\Edge\Application\msedge.exe`: "edge",
		"edge": "edge",
		"/Applications/Safari.app/Contents/MacOS/Safari": "safari",
		"brave-browser": "brave",
		"opera":         "",
		"vivaldi":       "",
		"lynx":          "",
		"":              "",
	} {
		if got := normalizeBrowser(in); got != want {
			t.Errorf("normalizeBrowser(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestURLRemarksLoopback does not call loopback http unprotected.
func TestURLRemarksLoopback(t *testing.T) {
	local := strings.Join(urlRemarks("http://127.0.0.1:8080/x", nil), " ")
	remote := strings.Join(urlRemarks("http://api.example.com/x", nil), " ")
	if strings.Contains(local, "unprotected") || !strings.Contains(local, "does not leave the machine") {
		t.Errorf("loopback: %q", local)
	}
	if !strings.Contains(remote, "unprotected") {
		t.Errorf("remote: %q", remote)
	}
}
