package steps

import (
	"time"

	"github.com/fix401/fix401/probe"
)

// The screen goes through the session's redactor like every other output:
// a server can echo a secret back in any text it controls (a challenge's
// error_description, a token's claims), so the texts built from what it
// sent are redacted here before anyone shows them.

// ExplainLastChallenges is ExplainChallenges for the latest answer, with
// every secret the session knows hidden. It says nothing when there is
// nothing to explain: no answer at all, or an answer other than 401 that
// asks for no login (a 403 or a 500 never carries a challenge).
func (s *Session) ExplainLastChallenges() []string {
	d := s.Diagnosis()
	if d == nil || (d.Status != 401 && len(d.Challenges) == 0) {
		return nil
	}
	return s.redactLines(ExplainChallenges(d.Challenges))
}

// InspectToken is the package's InspectToken against the latest
// diagnosis, with every secret the session knows hidden.
func (s *Session) InspectToken(raw string, now time.Time) TokenReport {
	return s.redactReport(InspectToken(raw, s.Diagnosis(), now))
}

// reportToken is ReportToken, redacted.
func (s *Session) reportToken(t probe.TokenInfo, d *probe.Diagnosis) TokenReport {
	return s.redactReport(ReportToken(t, d, s.Env.now()))
}

func (s *Session) redactReport(r TokenReport) TokenReport {
	r.Lines, r.Problems = s.redactLines(r.Lines), s.redactLines(r.Problems)
	r.Header, r.Claims = s.redactLines(r.Header), s.redactLines(r.Claims)
	return r
}

func (s *Session) redactLines(in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, l := range in {
		out[i] = s.Redactor.Text(l)
	}
	return out
}
