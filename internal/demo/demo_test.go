package demo

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fix401/fix401/probe"
)

// start serves a demo server on loopback for the test.
func start(t *testing.T) (*Server, string) {
	t.Helper()
	s, err := NewServer(time.Now)
	if err != nil {
		t.Fatal(err)
	}
	base, stop, err := s.Listen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return s, base
}

func check(t *testing.T, req probe.Request) *probe.Result {
	t.Helper()
	res, err := probe.Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestScenariosAreBrokenAndFixable runs each scenario's starting request
// through the real probe (it must fail for the reason the scenario names)
// and then the fix the intro describes (it must work).
func TestScenariosAreBrokenAndFixable(t *testing.T) {
	s, base := start(t)

	t.Run("basic", func(t *testing.T) {
		setup, err := s.Scenario("basic", base)
		if err != nil {
			t.Fatal(err)
		}
		broken := check(t, setup.Request)
		if broken.Diagnosis.Status != http.StatusUnauthorized || !broken.Diagnosis.Has("credentials-rejected") {
			t.Fatalf("broken: %d %v", broken.Diagnosis.Status, ids(broken))
		}
		if !strings.Contains(strings.Join(setup.Intro, " "), Password) {
			t.Fatalf("the intro does not show the password to type: %q", setup.Intro)
		}
		fixed := setup.Request
		fixed.Password = Password
		if res := check(t, fixed); res.Diagnosis.Verdict != probe.VerdictOK {
			t.Fatalf("fixed: %d %v", res.Diagnosis.Status, ids(res))
		}
	})

	t.Run("expired-token", func(t *testing.T) {
		setup, err := s.Scenario("expired-token", base)
		if err != nil {
			t.Fatal(err)
		}
		broken := check(t, setup.Request)
		if !broken.Diagnosis.Has("token-expired") || !broken.Diagnosis.Has("bearer-invalid-token") || broken.Diagnosis.Steps[0] != 10 {
			t.Fatalf("broken: %d %v steps %v", broken.Diagnosis.Status, ids(broken), broken.Diagnosis.Steps)
		}
		acts := setup.Actions(10)
		if len(acts) != 1 || len(acts[0].Values) != 1 {
			t.Fatalf("step 10 offers %+v, want the fresh token", acts)
		}
		fixed := setup.Request
		fixed.Bearer = acts[0].Values[0]
		if res := check(t, fixed); res.Diagnosis.Verdict != probe.VerdictOK {
			t.Fatalf("fixed: %d %v", res.Diagnosis.Status, ids(res))
		}
		// A token with a forged signature is refused even when not expired.
		forged := acts[0].Values[0][:len(acts[0].Values[0])-4] + "AAAA"
		res := check(t, probe.Request{URL: setup.Request.URL, Bearer: forged})
		if res.Diagnosis.Status != http.StatusUnauthorized {
			t.Fatalf("forged token: status %d", res.Diagnosis.Status)
		}
	})

	t.Run("redirect", func(t *testing.T) {
		setup, err := s.Scenario("redirect", base)
		if err != nil {
			t.Fatal(err)
		}
		broken := check(t, setup.Request)
		if !broken.Diagnosis.Has("credentials-dropped-on-redirect") || broken.Diagnosis.Steps[0] != 4 {
			t.Fatalf("broken: %d %v steps %v", broken.Diagnosis.Status, ids(broken), broken.Diagnosis.Steps)
		}
		fixed := setup.Request
		fixed.URL = broken.Exchange.Last().URL
		if res := check(t, fixed); res.Diagnosis.Verdict != probe.VerdictOK {
			t.Fatalf("fixed with the final URL %s: %d %v", fixed.URL, res.Diagnosis.Status, ids(res))
		}
	})

	if _, err := s.Scenario("nope", base); err == nil {
		t.Fatal("an unknown scenario was accepted")
	}
}

func ids(res *probe.Result) []string {
	var out []string
	for _, f := range res.Diagnosis.Findings {
		out = append(out, f.ID)
	}
	return out
}
