//go:build !windows

package platform

import "os/exec"

func filepathLook(name string) (string, error) { return exec.LookPath(name) }

// runErr runs a program the way tea.ExecProcess does and returns its error.
func runErr(path string) error { return exec.Command(path).Run() }
