package tui

import (
	"github.com/fix401/fix401/probe"
)

// checkDoneMsg carries a finished check back into Update.
type checkDoneMsg struct {
	seq int
	res *probe.Result
	err error
}

// dnsDoneMsg carries a finished host lookup back.
type dnsDoneMsg struct {
	host  string
	addrs []string
	err   error
}

// actionDoneMsg carries a finished step action back.
type actionDoneMsg struct {
	step   int
	label  string
	output string
	err    error
}
