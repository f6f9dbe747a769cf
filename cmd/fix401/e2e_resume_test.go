//go:build linux || darwin

package main

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fix401/fix401/steps"
)

// waitForRecord polls until the saved session satisfies ok, and returns it.
func waitForRecord(t *testing.T, dir string, ok func(steps.Record) bool) steps.Record {
	t.Helper()
	st := steps.NewStore(dir)
	deadline := time.Now().Add(20 * time.Second)
	var rec steps.Record
	var err error
	for time.Now().Before(deadline) {
		rec, err = st.Latest()
		if err == nil && ok(rec) {
			return rec
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the saved session never got there: %+v %v", rec, err)
	return rec
}

var osc52 = regexp.MustCompile(`\x1b\]52;c;([A-Za-z0-9+/=]*)(?:\x07|\x1b\\)`)

// TestE2EKillAndResume runs the real binary in a pseudo-terminal, drives a
// few steps, kills it (SIGKILL: no chance to clean up; SIGINT: as ctrl+c
// from outside), and resumes with fix401 --resume in a new terminal:
// everything before the step in progress is still there, and no secret
// was saved, shown or copied.
func TestE2EKillAndResume(t *testing.T) {
	const secret = "Wr0ng-Passw0rd-e2e-resume"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="resume-e2e"`)
		w.Header().Set("X-Request-Id", "req-e2e-resume")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "no\n")
	}))
	defer srv.Close()
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state")
			env := []string{"FIX401_STATE_DIR=" + state}
			s := startPTY(t, env, "-u", "bob:"+secret, srv.URL+"/private")
			s.waitFor("What fix401 found")
			// Step 7: "does it work in a private window?" No: a re-test.
			s.typeKeys("7")
			s.waitFor("Step 7 · Try a private window")
			s.typeKeys("n")
			s.waitFor("After step 7")
			// Step 6 skipped; the next pending step is 8.
			s.typeKeys("6")
			s.waitFor("Step 6 · Turn off browser add-ons")
			s.typeKeys("s")
			// The renderer redraws only what changed: "Step " stays.
			s.waitFor("8 · Check security and firewall settings")
			// Saves are asynchronous: wait for the one that records the skip.
			rec := waitForRecord(t, state, func(r steps.Record) bool {
				return r.Current == 8 && r.Phase == "step" && len(r.States) == 10 && r.States[5] == "skipped"
			})
			if a, ok := rec.Answers[7]; !ok || a || len(rec.History) != 1 || rec.History[0].Step != 7 || rec.States[5] != "skipped" || rec.States[6] != "done" {
				t.Fatalf("saved before the kill: %+v", rec)
			}
			if err := s.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			code := s.wait()
			switch sig {
			case syscall.SIGKILL:
				if code != -1 && code != 137 {
					t.Logf("exit %d after SIGKILL", code)
				}
			case syscall.SIGINT:
				if code != exitInterrupted {
					t.Fatalf("exit %d after SIGINT, want 130", code)
				}
				s.settle()
				if !strings.Contains(s.screen(), "fix401 --resume") {
					t.Errorf("no resume hint after SIGINT:\n%s", s.screen())
				}
			}
			first := s.raw()

			r := startPTY(t, env, "--resume")
			r.waitFor("Step 8 · Check security and firewall settings")
			r.waitFor("Resumed the session")
			r.typeKeys("c")
			r.waitFor("Written to")
			r.typeKeys("b")
			r.typeKeys("q")
			if code := r.wait(); code != exitProblem {
				t.Fatalf("exit %d after resuming, want 1:\n%s", code, r.screen())
			}
			r.settle()
			r.restored()

			rec = waitForRecord(t, state, func(r steps.Record) bool { return len(r.History) >= 2 })
			if rec.ID == "" || rec.States[5] != "skipped" || rec.States[6] != "done" || rec.History[0].Step != 7 || rec.History[0].Answer == nil || *rec.History[0].Answer {
				t.Fatalf("after resuming: %+v", rec)
			}
			reports, _ := filepath.Glob(filepath.Join(state, "reports", "*.md"))
			if len(reports) != 1 {
				t.Fatalf("reports: %v", reports)
			}
			md, _ := os.ReadFile(reports[0])
			for _, want := range []string{"step 7 (Try a private window)", "in the browser: still fails", "| 6. Turn off browser add-ons | skipped |", "the session was resumed", "req-e2e-resume", "resumed from a session saved"} {
				if !strings.Contains(string(md), want) {
					t.Errorf("the report lacks %q:\n%s", want, md)
				}
			}
			// The summary went to the terminal's clipboard (OSC 52): it
			// says where the report is, and holds no secret.
			m := osc52.FindStringSubmatch(r.raw())
			if m == nil {
				t.Fatal("no OSC 52 clipboard sequence")
			}
			copied, err := base64.StdEncoding.DecodeString(m[1])
			if err != nil || !strings.Contains(string(copied), "Full report: "+reports[0]) {
				t.Fatalf("copied %q %v", copied, err)
			}
			sessions, _ := filepath.Glob(filepath.Join(state, "sessions", "*.json"))
			saved, _ := os.ReadFile(sessions[0])
			for what, out := range map[string]string{"first run's terminal": first, "resumed terminal": r.raw(), "clipboard": string(copied), "report": string(md), "state file": string(saved)} {
				if strings.Contains(out, secret) || strings.Contains(out, secret[:len(secret)-4]) || strings.Contains(out, base64.StdEncoding.EncodeToString([]byte("bob:"+secret))) {
					t.Errorf("the password is in the %s", what)
				}
			}
		})
	}
}
