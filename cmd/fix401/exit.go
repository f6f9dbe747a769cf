package main

import (
	"errors"
	"fmt"

	"github.com/fix401/fix401/probe"
)

// Exit codes, one table for every command.
const (
	exitOK          = 0   // the URL answered 2xx/3xx, or the wizard resolved it
	exitProblem     = 1   // an HTTP-level problem, or not resolved
	exitUsage       = 2   // bad usage or input
	exitUnreachable = 3   // nothing usable answered (DNS, refused, TLS, timeout)
	exitInterrupted = 130 // the person pressed ctrl+c
)

// exitError carries an exit code out of a command without a message of its
// own (the command already said what happened).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// usageError is bad usage: an unknown flag, a missing argument, a malformed
// value. It exits with code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usage error with a formatted message.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// exitCode maps an error returned by a command to the process exit code.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var ue usageError
	if errors.As(err, &ue) || probe.IsInputError(err) {
		return exitUsage
	}
	return exitProblem
}
