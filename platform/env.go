package platform

import (
	"context"
	"errors"
	"net"
	"time"
)

// Env is one machine as platform sees it. Every field is a func or value
// that tests replace with recorded facts; Real builds the one for the
// machine fix401 runs on. A nil func behaves as "nothing there".
type Env struct {
	// GOOS is "linux", "darwin" or "windows" (others are treated as Linux).
	GOOS string
	// ReadFile reads a whole file.
	ReadFile func(name string) ([]byte, error)
	// ReadDir lists the names in a directory.
	ReadDir func(name string) ([]string, error)
	// Readlink returns a symbolic link's target.
	Readlink func(name string) (string, error)
	// Exists reports whether a path exists (a socket or directory included).
	Exists func(name string) bool
	// LookPath finds a program on PATH and returns its absolute path.
	LookPath func(file string) (string, error)
	// Getenv reads an environment variable.
	Getenv func(key string) string
	// Run runs a command to its end (or its timeout) and records what it did.
	Run func(ctx context.Context, c Cmd) CmdResult
	// Start launches a program detached from the terminal, with its output
	// discarded, and does not wait for it.
	Start func(argv []string) error
	// Processes lists running processes (Linux; nil elsewhere).
	Processes func() ([]Proc, error)
	// Interfaces lists the network interfaces.
	Interfaces func() ([]Iface, error)
	// LocalAddrFor returns the local address the system would use to reach
	// ip (a UDP connect, which sends no packet).
	LocalAddrFor func(ctx context.Context, ip string) (string, error)
	// LookupHost resolves a name through the system resolver.
	LookupHost func(ctx context.Context, host string) ([]string, error)
	// Registry reads the Windows registry (nil elsewhere).
	Registry Registry
	// IsAdmin reports whether fix401 runs as root (Unix) or elevated
	// (Windows).
	IsAdmin func() bool
	// Elevate runs argv elevated through the Windows UAC prompt, waits at
	// most timeout, and returns its exit code. A declined prompt returns
	// ErrCancelled. Nil outside Windows.
	Elevate func(ctx context.Context, argv []string, timeout time.Duration) (int, error)
	// MkdirTemp creates a new temporary directory (os.MkdirTemp("", pattern)).
	MkdirTemp func(pattern string) (string, error)
}

// ErrCancelled is returned when the person declined (a UAC prompt, a sudo
// password prompt left with ctrl+c).
var ErrCancelled = errors.New("platform: cancelled")

// Registry reads the Windows registry. Keys are full paths that start with
// HKCU\, HKLM\ or HKCR\; an empty value name reads the key's default value.
type Registry interface {
	// String reads a REG_SZ or REG_EXPAND_SZ value (expanded).
	String(key, name string) (string, error)
	// Integer reads a REG_DWORD or REG_QWORD value.
	Integer(key, name string) (uint64, error)
	// Binary reads a REG_BINARY value.
	Binary(key, name string) ([]byte, error)
	// Subkeys lists the names of a key's subkeys.
	Subkeys(key string) ([]string, error)
}

// Cmd is one command to run: an argv vector, never shell text.
type Cmd struct {
	Argv []string
	// Timeout bounds the run; 0 means DefaultTimeout.
	Timeout time.Duration
	// Stdin, when HasStdin is set, is written to the command's standard
	// input.
	Stdin    string
	HasStdin bool
	// Discard throws stdout and stderr away instead of capturing them. Tools
	// that stay resident to serve the clipboard (wl-copy, xclip) keep the
	// pipes open, and capturing their output would hang.
	Discard bool
}

// DefaultTimeout bounds a command whose Cmd or Action sets no timeout.
const DefaultTimeout = 10 * time.Second

// CmdResult is what one command did.
type CmdResult struct {
	Argv []string `json:"argv"`
	// ExitCode is the exit status, or -1 when the command did not exit by
	// itself (not found, not started, timed out, killed by a signal).
	ExitCode int    `json:"exit_code"`
	Stdout   string `json:"stdout,omitempty"`
	Stderr   string `json:"stderr,omitempty"`
	// NotFound is set when the program is not installed (not on PATH).
	NotFound bool `json:"not_found,omitempty"`
	// TimedOut is set when the command was stopped at its timeout.
	TimedOut bool `json:"timed_out,omitempty"`
	// Signaled is set when the command was killed by a signal it did not
	// get from fix401 (ctrl+c at a password prompt, for one).
	Signaled bool `json:"signaled,omitempty"`
	// Err is set when the command could not be started (permission denied,
	// not an executable) or its context ended.
	Err     error         `json:"-"`
	Elapsed time.Duration `json:"elapsed"`
}

// OK reports whether the command ran and exited 0.
func (r CmdResult) OK() bool { return r.ExitCode == 0 && r.Err == nil && !r.TimedOut && !r.NotFound }

// Proc is one running process.
type Proc struct {
	PID  int
	PPID int
	// Name is the short command name (Linux /proc/PID/comm).
	Name string
	// Args is the command line.
	Args []string
}

// Iface is one network interface.
type Iface struct {
	Name  string
	Index int
	Flags net.Flags
	// Addrs are the addresses in CIDR form ("10.8.0.2/24").
	Addrs []string
	// Description is the adapter's description on Windows ("Wintun
	// Userspace Tunnel", "TAP-Windows Adapter V9"); empty elsewhere.
	Description string
}

// run runs c through env.Run, or reports the program missing when there is
// no runner.
func (e *Env) run(ctx context.Context, c Cmd) CmdResult {
	if e.Run == nil {
		return CmdResult{Argv: c.Argv, ExitCode: -1, NotFound: true}
	}
	return e.Run(ctx, c)
}

func (e *Env) readFile(name string) (string, bool) {
	if e.ReadFile == nil {
		return "", false
	}
	b, err := e.ReadFile(name)
	if err != nil {
		return "", false
	}
	return string(b), true
}

func (e *Env) readDir(name string) []string {
	if e.ReadDir == nil {
		return nil
	}
	names, err := e.ReadDir(name)
	if err != nil {
		return nil
	}
	return names
}

func (e *Env) exists(name string) bool { return e.Exists != nil && e.Exists(name) }

func (e *Env) getenv(key string) string {
	if e.Getenv == nil {
		return ""
	}
	return e.Getenv(key)
}

// lookPath returns the absolute path of a program, or "" when it is not on
// PATH.
func (e *Env) lookPath(file string) string {
	if e.LookPath == nil {
		return ""
	}
	p, err := e.LookPath(file)
	if err != nil {
		return ""
	}
	return p
}

func (e *Env) isAdmin() bool { return e.IsAdmin != nil && e.IsAdmin() }

func (e *Env) processes() []Proc {
	if e.Processes == nil {
		return nil
	}
	ps, err := e.Processes()
	if err != nil {
		return nil
	}
	return ps
}

// goos returns GOOS with everything that is not Windows or macOS treated as
// Linux (the BSDs share its tools well enough for detection).
func (e *Env) goos() string {
	switch e.GOOS {
	case "windows", "darwin":
		return e.GOOS
	}
	return "linux"
}

// homeDir returns the person's home directory from the environment.
func (e *Env) homeDir() string {
	if e.goos() == "windows" {
		return e.getenv("USERPROFILE")
	}
	return e.getenv("HOME")
}
