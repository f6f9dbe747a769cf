package main

import (
	"io"
	"os"

	"github.com/charmbracelet/colorprofile"
)

// colorWriter wraps w so that styled text is downsampled to what w can
// show: plain text when w is not a terminal, no colour when NO_COLOR has any
// non-empty value (colorprofile alone honours only true-ish values).
func colorWriter(w io.Writer, environ []string) *colorprofile.Writer {
	cw := colorprofile.NewWriter(w, environ)
	if noColor(environ) && cw.Profile > colorprofile.Ascii {
		cw.Profile = colorprofile.Ascii
	}
	return cw
}

// noColor reports whether NO_COLOR is set to a non-empty value.
func noColor(environ []string) bool {
	for _, kv := range environ {
		if len(kv) > len("NO_COLOR=") && kv[:len("NO_COLOR=")] == "NO_COLOR=" {
			return true
		}
	}
	return false
}

// environ is the process environment; tests replace it.
var environ = os.Environ
