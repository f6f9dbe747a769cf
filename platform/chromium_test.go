//go:build !windows

package platform

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestChromiumThrowawayProfile starts the real Chromium that fix401 finds
// on this machine, with the throwaway-profile argv fix401 builds, against a
// loopback server, and waits for the request to arrive.
func TestChromiumThrowawayProfile(t *testing.T) {
	env := Real()
	list := DetectBrowsers(t.Context(), env)
	b, ok := FindBrowser(list, "chromium")
	if !ok {
		b, ok = FindBrowser(list, "chrome")
	}
	if !ok {
		// Outside a desktop install the binary may lack a desktop file.
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				b, ok = newBrowser("chromium"), true
				b.Exec = []string{p}
				break
			}
		}
	}
	if !ok {
		t.Skip("Chromium not found (no chromium desktop file or binary on PATH): install Debian's chromium package to run this test")
	}

	t.Logf("browser: %s (%s)", b.Name, b.Source)
	got := make(chan *http.Request, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fix401" {
			select {
			case got <- r:
			default:
			}
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><title>fix401</title>ok"))
	}))
	defer srv.Close()

	// Headless for CI; as root Chromium also needs --no-sandbox, and the
	// background-networking flags keep it off the (closed) network.
	extra := []string{"--headless=new", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"}
	if os.Geteuid() == 0 {
		extra = append(extra, "--no-sandbox")
	}
	target := srv.URL + "/fix401?a=1&b=two%20words&next=--gpu-launcher"
	l, err := PlanLaunch(env, b, ModeClean, target, extra...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(l.ProfileDir) })
	if !slices.Contains(l.Argv, "--user-data-dir="+l.ProfileDir) || !slices.Contains(l.Argv, "--disable-extensions") {
		t.Errorf("argv lacks the throwaway profile: %q", l.Argv)
	}
	if n := len(l.Argv); l.Argv[n-2] != "--" || l.Argv[n-1] != target {
		t.Errorf("argv must end with -- URL: %q", l.Argv)
	}

	cmd := exec.Command(l.Argv[0], l.Argv[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}()

	select {
	case r := <-got:
		if r.URL.RawQuery != "a=1&b=two%20words&next=--gpu-launcher" {
			t.Errorf("query arrived as %q", r.URL.RawQuery)
		}
		if ua := r.Header.Get("User-Agent"); !strings.Contains(ua, "Chrome") {
			t.Errorf("User-Agent = %q", ua)
		}
	case err := <-done:
		t.Fatalf("Chromium exited before requesting the page: %v\n%s", err, tail(stderr.String()))
	case <-time.After(90 * time.Second):
		t.Fatalf("Chromium did not request the page within 90s\n%s", tail(stderr.String()))
	}
	// Chromium wrote its profile into the throwaway directory.
	entries, err := os.ReadDir(l.ProfileDir)
	if err != nil || len(entries) == 0 {
		t.Errorf("throwaway profile %s is empty (%v): Chromium did not use it", l.ProfileDir, err)
	}
}

func tail(s string) string {
	if len(s) > 3000 {
		return s[len(s)-3000:]
	}
	return s
}
