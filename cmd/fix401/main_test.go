package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain keeps every test's saved sessions and reports in a temporary
// state directory, never the user's own; the binaries the end-to-end tests
// start inherit it.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fix401-state-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("FIX401_STATE_DIR", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
