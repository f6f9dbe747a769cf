package steps

import (
	"testing"

	"github.com/fix401/fix401/probe"
)

func TestAnswersPhrasesNoAnswer(t *testing.T) {
	for _, c := range []struct {
		text string
		past bool
		want string
	}{
		{probe.StatusText(401), false, "answers 401 Unauthorized"},
		{probe.StatusText(401), true, "answered 401 Unauthorized"},
		{probe.StatusText(0), false, "gets no answer"},
		{probe.StatusText(0), true, "got no answer"},
	} {
		if got := Answers(c.text, c.past); got != c.want {
			t.Errorf("Answers(%q, %v) = %q, want %q", c.text, c.past, got, c.want)
		}
	}
}
