package steps

import (
	"strings"
	"testing"
	"time"

	"github.com/fix401/fix401/probe"
)

func TestJudge(t *testing.T) {
	yes, no := true, false
	s401, s200, s302, s403 := Snapshot{Status: 401}, Snapshot{Status: 200}, Snapshot{Status: 302}, Snapshot{Status: 403}
	down := Snapshot{Failure: probe.FailRefused}
	cases := []struct {
		step          int
		before, after Snapshot
		answer        *bool
		want          Outcome
	}{
		{1, s401, s200, nil, OutcomeFixed},
		{4, s401, s302, nil, OutcomeFixed},
		{1, s401, s401, nil, OutcomeNoChange},
		{1, s401, s403, nil, OutcomeProgress},
		{5, s401, down, nil, OutcomeProgress},
		{6, s401, s401, &yes, OutcomeWorksInBrowser},
		{7, s401, s401, &no, OutcomeNoChange},
		{1, s401, s401, &yes, OutcomeNoChange}, // Answers count on 6 and 7 only.
		{0, s200, s200, nil, OutcomeStillOK},
		{2, s200, s401, nil, OutcomeBroken},
	}
	for _, c := range cases {
		if got := Judge(c.step, c.before, c.after, c.answer); got != c.want {
			t.Errorf("Judge(%d, %d → %d/%s) = %v, want %v", c.step, c.before.Status, c.after.Status, c.after.Failure, got, c.want)
		}
	}
}

// TestExplainSaysWhetherAnythingAnswered: a re-test where nothing
// answers does not speak of the server's answer, and one where a server
// answers after nothing did does not say "still".
func TestExplainSaysWhetherAnythingAnswered(t *testing.T) {
	refused, timeout := Snapshot{Failure: probe.FailRefused}, Snapshot{Failure: probe.FailTimeout}
	s401 := Snapshot{Status: 401}
	cases := []struct {
		before, after Snapshot
		want, not     string
	}{
		{s401, s401, "the server answers the same", "nothing"},
		{refused, refused, "nothing answers, as before", "server answers"},
		{refused, timeout, "still nothing answers", "now nothing answers at all"},
		{s401, refused, "now nothing answers at all", "still"},
		{refused, s401, "a server answers now", "still"},
	}
	for _, c := range cases {
		r := Retest{Before: c.before, After: c.after, Outcome: Judge(1, c.before, c.after, nil)}
		if got := r.Explain(); !strings.Contains(got, c.want) || strings.Contains(got, c.not) {
			t.Errorf("%+v → %+v: %q, want %q and not %q", c.before, c.after, got, c.want, c.not)
		}
	}
}

func TestNormalizeOrder(t *testing.T) {
	got := NormalizeOrder([]int{4, 10, 4, 0, 11, 1})
	want := []int{4, 10, 1, 2, 3, 5, 6, 7, 8, 9}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestCleanToken(t *testing.T) {
	for in, want := range map[string]string{
		"abc.def.ghi":               "abc.def.ghi",
		"  Bearer abc.def.ghi\n":    "abc.def.ghi",
		"Bearer Bearer abc.def.ghi": "abc.def.ghi",
		`"abc.def.ghi"`:             "abc.def.ghi",
		"abc.def\n.ghi":             "abc.def.ghi",
		"bearer  'abc'":             "abc",
	} {
		if got := CleanToken(in); got != want {
			t.Errorf("CleanToken(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestInspectTokenProblems(t *testing.T) {
	r := InspectToken("Bearer Bearer opaque-token\n", nil, time.Now())
	all := strings.Join(append(r.Problems, r.Lines...), "\n")
	for _, want := range []string{"line break", "Bearer Bearer", "not a JWT"} {
		if !strings.Contains(all, want) {
			t.Errorf("report lacks %q:\n%s", want, all)
		}
	}
	if r.JWT {
		t.Error("an opaque token is not a JWT")
	}
}

func TestAgo(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Second: "1 second", 90 * time.Second: "1 minute", 2 * time.Hour: "2 hours",
		-3 * 24 * time.Hour: "3 days", 800 * 24 * time.Hour: "2 years",
	} {
		if got := Ago(d); got != want {
			t.Errorf("Ago(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestStepsHaveContentOnEveryOS(t *testing.T) {
	for _, goos := range []string{"linux", "darwin", "windows", "plan9"} {
		s := NewSession(Env{GOOS: goos}, probe.Request{URL: "https://example.com/"})
		for n := 1; n <= NumSteps; n++ {
			st := s.Step(n)
			if st.Title == "" || len(st.Why) == 0 || len(st.Instructions) == 0 || st.Judge == "" {
				t.Errorf("%s step %d is missing content: %+v", goos, n, st)
			}
		}
	}
}
