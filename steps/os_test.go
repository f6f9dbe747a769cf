package steps

import "testing"

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
