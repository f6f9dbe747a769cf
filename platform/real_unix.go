//go:build !windows

package platform

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

func realOS(e *Env) {
	e.IsAdmin = func() bool { return os.Geteuid() == 0 }
	if runtime.GOOS == "linux" {
		e.Processes = linuxProcesses
	}
}

// prepareCmd puts the command in its own process group and kills the whole
// group when the run is cancelled, so that a hung script's children die with
// it.
func prepareCmd(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		return cmd.Process.Kill()
	}
}

// detach starts the program in a session of its own.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}

func adapterDescriptions() map[int]string { return nil }

// linuxProcesses reads /proc.
func linuxProcesses() ([]Proc, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var out []Proc
	for _, d := range entries {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		dir := "/proc/" + d.Name() + "/"
		comm, err := os.ReadFile(dir + "comm")
		if err != nil {
			continue
		}
		p := Proc{PID: pid, Name: strings.TrimSpace(string(comm))}
		if stat, err := os.ReadFile(dir + "stat"); err == nil {
			p.PPID = statPPID(string(stat))
		}
		if cmdline, err := os.ReadFile(dir + "cmdline"); err == nil {
			p.Args = strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
		}
		out = append(out, p)
	}
	return out, nil
}

// statPPID returns the parent PID from /proc/PID/stat, whose second field
// (the command name, in parentheses) may itself hold spaces.
func statPPID(stat string) int {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}
