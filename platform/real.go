package platform

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Real returns the Env of the machine fix401 runs on.
func Real() *Env {
	e := &Env{
		GOOS:     runtime.GOOS,
		ReadFile: os.ReadFile,
		ReadDir: func(name string) ([]string, error) {
			entries, err := os.ReadDir(name)
			names := make([]string, 0, len(entries))
			for _, d := range entries {
				names = append(names, d.Name())
			}
			return names, err
		},
		Readlink: os.Readlink,
		Exists: func(name string) bool {
			_, err := os.Stat(name)
			return err == nil
		},
		LookPath: func(file string) (string, error) {
			p, err := exec.LookPath(file)
			if err != nil {
				return "", err
			}
			return filepath.Abs(p)
		},
		Getenv:       os.Getenv,
		Run:          runCommand,
		Start:        startDetached,
		Interfaces:   interfaces,
		LocalAddrFor: localAddrFor,
		LookupHost:   net.DefaultResolver.LookupHost,
		MkdirTemp:    func(pattern string) (string, error) { return os.MkdirTemp("", pattern) },
	}
	realOS(e)
	return e
}

// maxOutput bounds what is kept of a command's stdout and of its stderr.
const maxOutput = 64 << 10

// boundedBuffer keeps the first maxOutput bytes written to it and drops the
// rest, so that a chatty or hostile command cannot fill memory.
type boundedBuffer struct {
	b         []byte
	truncated bool
}

func (w *boundedBuffer) Write(p []byte) (int, error) {
	room := maxOutput - len(w.b)
	if room <= 0 {
		w.truncated = w.truncated || len(p) > 0
		return len(p), nil
	}
	if len(p) > room {
		w.b = append(w.b, p[:room]...)
		w.truncated = true
		return len(p), nil
	}
	w.b = append(w.b, p...)
	return len(p), nil
}

// runCommand is the real Env.Run: argv only, bounded by the timeout (the
// whole process group is killed on Unix), output bounded.
func runCommand(ctx context.Context, c Cmd) CmdResult {
	res := CmdResult{Argv: c.Argv, ExitCode: -1}
	if len(c.Argv) == 0 || c.Argv[0] == "" {
		res.Err = errors.New("platform: empty command")
		return res
	}
	path, err := exec.LookPath(c.Argv[0])
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			res.NotFound = true
		}
		res.Err = err
		return res
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, c.Argv[1:]...)
	cmd.Env = commandEnv()
	cmd.WaitDelay = 2 * time.Second
	prepareCmd(cmd)
	if c.HasStdin {
		cmd.Stdin = strings.NewReader(c.Stdin)
	}
	var stdout, stderr boundedBuffer
	if !c.Discard {
		cmd.Stdout = &stdout
		cmd.Stderr = &stderr
	}
	start := time.Now()
	err = cmd.Run()
	res.Elapsed = time.Since(start)
	res.Stdout = string(stdout.b)
	res.Stderr = string(stderr.b)
	if ctx.Err() == context.DeadlineExceeded {
		res.TimedOut = true
		res.Err = ctx.Err()
		return res
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		res.ExitCode = 0
	case errors.As(err, &ee):
		res.ExitCode = ee.ExitCode()
		if res.ExitCode == -1 {
			res.Signaled = true
		}
		if ctx.Err() != nil {
			res.Err = ctx.Err()
		}
	default:
		res.Err = err
	}
	return res
}

// commandEnv is the environment of every command fix401 runs: the
// person's own, with the C locale on Unix so that the little text read from
// a command is not translated.
func commandEnv() []string {
	env := os.Environ()
	if runtime.GOOS == "windows" {
		return env
	}
	out := env[:0:0]
	for _, kv := range env {
		if strings.HasPrefix(kv, "LC_ALL=") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "LC_ALL=C")
}

// startDetached is the real Env.Start: the program runs on its own, with no
// terminal, stdin or output of fix401's, and survives fix401's exit and a
// ctrl+c in its terminal.
func startDetached(argv []string) error {
	if len(argv) == 0 {
		return errors.New("platform: empty command")
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return err
	}
	cmd := exec.Command(path, argv[1:]...)
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}

func interfaces() ([]Iface, error) {
	list, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	desc := adapterDescriptions()
	out := make([]Iface, 0, len(list))
	for _, in := range list {
		it := Iface{Name: in.Name, Index: in.Index, Flags: in.Flags, Description: desc[in.Index]}
		addrs, _ := in.Addrs()
		for _, a := range addrs {
			it.Addrs = append(it.Addrs, a.String())
		}
		out = append(out, it)
	}
	return out, nil
}

func localAddrFor(ctx context.Context, ip string) (string, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", net.JoinHostPort(ip, "443"))
	if err != nil {
		return "", err
	}
	defer conn.Close()
	host, _, err := net.SplitHostPort(conn.LocalAddr().String())
	return host, err
}
