package probe

import (
	"errors"
	"fmt"
)

var errNotJWT = errors.New("probe: not a JWT")

// InputError is bad input from the person: a malformed URL, header, cookie
// file or curl command. Commands exit with code 2 on it.
type InputError struct {
	Msg string
	Err error
}

// Error returns the one-line message.
func (e *InputError) Error() string { return e.Msg }

// Unwrap returns the underlying error, if any.
func (e *InputError) Unwrap() error { return e.Err }

// Inputf returns an InputError with a formatted one-line message. A %w verb
// wraps its argument as Err.
func Inputf(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &InputError{Msg: err.Error(), Err: errors.Unwrap(err)}
}

// IsInputError reports whether err is (or wraps) an InputError.
func IsInputError(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}
