package platform

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/fix401/fix401/probe"
)

// Action is one thing fix401 can run on the machine: an exact argv (never
// shell text), what it needs and what it does. Argv[0] is the absolute path
// found on PATH when the action was planned, so the command shown is the
// command run, with or without sudo.
type Action struct {
	// ID is stable ("dns.resolved.flush", "dns.macos.killall").
	ID string `json:"id"`
	// Title says in plain words what it does.
	Title string   `json:"title"`
	Argv  []string `json:"argv"`
	// Admin is set when the action needs admin rights (root, sudo or UAC).
	Admin bool `json:"admin"`
	// AdminOnFailure is set when the action is tried without admin rights
	// first and elevation is worth offering only if that fails (Windows
	// ipconfig /flushdns; resolvectl on systemd versions with polkit).
	AdminOnFailure bool `json:"admin_on_failure,omitempty"`
	// Changes is set when the action changes the system: show Command and
	// ask before running it.
	Changes bool `json:"changes"`
	// Timeout bounds the run; 0 means DefaultTimeout.
	Timeout time.Duration `json:"timeout"`
	// ExitReasons explain known exit codes in plain words.
	ExitReasons map[int]ExitReason `json:"-"`
}

// ExitReason explains one exit code of an action.
type ExitReason struct {
	Text string
	// NeedsAdmin is set when the code means "not allowed without admin
	// rights", so that running it again with them is worth offering.
	NeedsAdmin bool
}

// Command returns the argv as one line to show the person (quoted like a
// POSIX shell would need; it is never given to a shell).
func (a Action) Command() string { return displayArgv(a.Argv) }

// CommandVia returns the line to show for running the action via v: with
// the sudo prefix for ViaSudo, "as administrator" for ViaUAC.
func (a Action) CommandVia(v Via) string {
	switch v {
	case ViaSudo:
		return displayArgv(sudoArgv(a.Argv))
	case ViaUAC:
		return a.Command() + "   (as administrator, after the Windows UAC prompt)"
	}
	return a.Command()
}

func (a Action) timeout() time.Duration {
	if a.Timeout > 0 {
		return a.Timeout
	}
	return DefaultTimeout
}

func (a Action) name() string {
	if len(a.Argv) == 0 {
		return "the command"
	}
	return strings.TrimSuffix(strings.ToLower(baseName(a.Argv[0])), ".exe")
}

// baseName is the last element of a Unix or Windows path.
func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// displayArgv quotes each argument that a shell would split or expand.
func displayArgv(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		parts[i] = quoteArg(a)
	}
	return strings.Join(parts, " ")
}

func quoteArg(s string) string {
	if s == "" {
		return "''"
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_@%+=:,./-\\", r)) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}

// Status is how an action ended.
type Status string

// The statuses of an Outcome. Cancelled (the person said no, or left a
// password or UAC prompt) is not Failed.
const (
	StatusOK          Status = "ok"
	StatusFailed      Status = "failed"
	StatusCancelled   Status = "cancelled"
	StatusNothingToDo Status = "nothing-to-do"
)

// Outcome is the result of one action.
type Outcome struct {
	Action string `json:"action"`
	Status Status `json:"status"`
	// Reason says in plain words why it failed, was cancelled or had
	// nothing to do; empty on success.
	Reason string `json:"reason,omitempty"`
	// ExitCode is the command's exit status, -1 when it did not exit.
	ExitCode int `json:"exit_code"`
	// Output is the end of what the command printed (stderr first),
	// sanitized and bounded, for the expert.
	Output string `json:"output,omitempty"`
	// Via is how it ran.
	Via Via `json:"via"`
	// NeedsAdmin is set on a failure that admin rights would likely fix:
	// offer to run it again via sudo or UAC.
	NeedsAdmin bool `json:"needs_admin,omitempty"`
}

// Via is how an action is run.
type Via string

// The ways to run an action.
const (
	// ViaDirect runs it as fix401 runs.
	ViaDirect Via = "direct"
	// ViaSudo runs "sudo -n -- argv": it never prompts, so the password (if
	// any) must have been given to SudoPrompt first.
	ViaSudo Via = "sudo"
	// ViaUAC runs it elevated through the Windows UAC prompt (Env.Elevate).
	ViaUAC Via = "uac"
)

func sudoArgv(argv []string) []string {
	return append([]string{"sudo", "-n", "--"}, argv...)
}

// Do runs the action via v and judges the result by its exit code. It
// never asks for consent: the caller has shown CommandVia(v) and the person
// agreed.
func Do(ctx context.Context, env *Env, a Action, v Via) Outcome {
	if len(a.Argv) == 0 {
		return Outcome{Action: a.ID, Status: StatusNothingToDo, ExitCode: -1, Via: v, Reason: "there is no command to run"}
	}
	switch v {
	case ViaUAC:
		if env.Elevate == nil {
			return Outcome{Action: a.ID, Status: StatusFailed, ExitCode: -1, Via: v,
				Reason: "running as administrator through UAC is only possible on Windows"}
		}
		code, err := env.Elevate(ctx, a.Argv, a.timeout())
		return judgeElevated(a, code, err)
	case ViaSudo:
		res := env.run(ctx, Cmd{Argv: sudoArgv(a.Argv), Timeout: a.timeout()})
		return Judge(a, res, ViaSudo)
	}
	res := env.run(ctx, Cmd{Argv: a.Argv, Timeout: a.timeout()})
	return Judge(a, res, ViaDirect)
}

// Judge turns what a command did into an Outcome for action a, by exit
// code, never by the (possibly translated) text it printed.
func Judge(a Action, res CmdResult, v Via) Outcome {
	o := Outcome{Action: a.ID, Status: StatusFailed, ExitCode: res.ExitCode, Via: v, Output: outputTail(res)}
	name := a.name()
	switch {
	case res.NotFound && v == ViaSudo && len(res.Argv) > 0 && res.Argv[0] == "sudo":
		o.Reason = "sudo is not installed, so fix401 cannot get admin rights; run the command yourself as root"
	case res.NotFound:
		o.Reason = name + " is not installed (it is not on PATH)"
	case res.TimedOut:
		o.Reason = fmt.Sprintf("%s did not finish within %s and was stopped", name, a.timeout())
	case res.Err != nil && errors.Is(res.Err, context.Canceled):
		o.Status = StatusCancelled
		o.Reason = "stopped before it finished"
	case res.Err != nil:
		o.Reason = fmt.Sprintf("%s could not be started: %s", name, plainErr(res.Err))
	case res.Signaled:
		o.Reason = name + " was stopped by a signal before it finished"
	case res.ExitCode == 0:
		o.Status = StatusOK
		o.Output = outputTail(res)
	case v == ViaSudo && sudoRefused(res):
		o.Reason = "sudo needs your password first (or this account may not use sudo)"
		o.NeedsAdmin = true
	default:
		if r, ok := a.ExitReasons[res.ExitCode]; ok {
			o.Reason = fmt.Sprintf("%s (%s exit code %d)", r.Text, name, res.ExitCode)
			o.NeedsAdmin = r.NeedsAdmin && v == ViaDirect
		} else {
			o.Reason = fmt.Sprintf("%s failed (exit code %d)", name, res.ExitCode)
			o.NeedsAdmin = a.AdminOnFailure && v == ViaDirect
		}
	}
	return o
}

// sudoRefused tells sudo's own refusal (sudo -n without cached credentials,
// or no rights) from the command's exit code 1. Commands run with LC_ALL=C,
// so sudo's message is in English.
func sudoRefused(res CmdResult) bool {
	if res.ExitCode != 1 {
		return false
	}
	s := strings.TrimSpace(res.Stderr)
	return strings.HasPrefix(s, "sudo:") && (strings.Contains(s, "password is required") ||
		strings.Contains(s, "sudoers") || strings.Contains(s, "may not run sudo") ||
		strings.Contains(s, "not allowed") || strings.Contains(s, "terminal is required"))
}

func judgeElevated(a Action, code int, err error) Outcome {
	o := Outcome{Action: a.ID, Status: StatusFailed, ExitCode: code, Via: ViaUAC}
	switch {
	case errors.Is(err, ErrCancelled):
		o.Status = StatusCancelled
		o.Reason = "the Windows UAC prompt was declined"
	case errors.Is(err, context.DeadlineExceeded):
		o.Reason = fmt.Sprintf("%s did not finish within %s", a.name(), a.timeout())
	case err != nil:
		o.Reason = fmt.Sprintf("%s could not be run as administrator: %s", a.name(), plainErr(err))
	case code == 0:
		o.Status = StatusOK
	default:
		if r, ok := a.ExitReasons[code]; ok {
			o.Reason = fmt.Sprintf("%s (%s exit code %d)", r.Text, a.name(), code)
		} else {
			o.Reason = fmt.Sprintf("%s failed as administrator too (exit code %d)", a.name(), code)
		}
	}
	return o
}

// plainErr shortens an error for a person: the innermost message.
func plainErr(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return probe.Sanitize(err.Error())
		}
		err = u
	}
}

// outputTail keeps the last few lines of what a command printed, stderr
// first, sanitized for a terminal.
func outputTail(res CmdResult) string {
	s := strings.TrimSpace(res.Stderr)
	if out := strings.TrimSpace(res.Stdout); out != "" {
		if s != "" {
			s += "\n"
		}
		s += out
	}
	lines := strings.Split(s, "\n")
	if len(lines) > 6 {
		lines = lines[len(lines)-6:]
	}
	for i, l := range lines {
		if len(l) > 300 {
			l = l[:300] + "…"
		}
		lines[i] = probe.Sanitize(l)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// PrivilegeState says how fix401 can get admin rights for an action.
type PrivilegeState string

// The privilege states.
const (
	// PrivAdmin: fix401 already runs as root or elevated.
	PrivAdmin PrivilegeState = "admin"
	// PrivSudoReady: sudo works without asking now (cached or NOPASSWD).
	PrivSudoReady PrivilegeState = "sudo-ready"
	// PrivSudoPassword: sudo will ask for the password; hand SudoPrompt to
	// tea.ExecProcess first, then run actions ViaSudo.
	PrivSudoPassword PrivilegeState = "sudo-password"
	// PrivSudoDenied: this account may not use sudo.
	PrivSudoDenied PrivilegeState = "sudo-denied"
	// PrivNoSudo: sudo is not installed.
	PrivNoSudo PrivilegeState = "no-sudo"
	// PrivUAC: Windows, not elevated; each admin action is run ViaUAC,
	// which shows the UAC prompt.
	PrivUAC PrivilegeState = "uac"
)

// Privilege is how admin rights can be had on this machine.
type Privilege struct {
	State PrivilegeState `json:"state"`
	// Detail says it in plain words.
	Detail string `json:"detail"`
}

// Via returns how to run an admin action in this state; "" when there is
// no way (then show the command for the person to run as administrator).
func (p Privilege) Via() Via {
	switch p.State {
	case PrivAdmin:
		return ViaDirect
	case PrivSudoReady, PrivSudoPassword:
		return ViaSudo
	case PrivUAC:
		return ViaUAC
	}
	return ""
}

// CheckPrivilege finds out how admin rights can be had. On Linux and macOS
// it runs "sudo -n true", which never prompts (and is logged by sudo, so
// call it only when an admin action is about to be offered). On Windows it
// reads the process token.
func CheckPrivilege(ctx context.Context, env *Env) Privilege {
	if env.isAdmin() {
		if env.goos() == "windows" {
			return Privilege{PrivAdmin, "fix401 runs as administrator (elevated)"}
		}
		return Privilege{PrivAdmin, "fix401 runs as root"}
	}
	if env.goos() == "windows" {
		return Privilege{PrivUAC, "fix401 runs without administrator rights; Windows will ask (UAC) for each action that needs them"}
	}
	res := env.run(ctx, Cmd{Argv: []string{"sudo", "-n", "true"}, Timeout: 5 * time.Second})
	switch {
	case res.NotFound:
		return Privilege{PrivNoSudo, "sudo is not installed; run the command as root yourself"}
	case res.OK():
		return Privilege{PrivSudoReady, "sudo works without a password right now"}
	}
	s := strings.ToLower(res.Stderr)
	if strings.Contains(s, "sudoers") || strings.Contains(s, "may not run sudo") || strings.Contains(s, "not allowed to") {
		return Privilege{PrivSudoDenied, "this account may not use sudo; ask someone with admin rights to run the command"}
	}
	return Privilege{PrivSudoPassword, "sudo will ask for your password"}
}

// SudoPrompt returns "sudo -v" for the caller to run with the terminal
// handed over (the wizard: tea.ExecProcess; the CLI: stdin, stdout and
// stderr of the process), so that sudo itself asks for the password on the
// terminal. fix401 never sees the password. why completes the prompt
// ("to flush the DNS cache"). Afterwards, run the actions ViaSudo; judge
// this command's error with JudgePrompt.
func SudoPrompt(why string) *exec.Cmd {
	prompt := "[fix401] admin rights " + strings.ReplaceAll(why, "%", "%%") + ". Password for %u: "
	return exec.Command("sudo", "-v", "-p", prompt)
}

// JudgePrompt judges the error of a finished SudoPrompt command (the error
// tea.ExecProcess hands to its callback): ok, cancelled (ctrl+c at the
// prompt), or failed (wrong password three times, no rights, no sudo).
func JudgePrompt(err error) Outcome {
	o := Outcome{Action: "sudo.validate", Via: ViaSudo, Status: StatusOK}
	if err == nil {
		return o
	}
	o.Status = StatusFailed
	o.ExitCode = -1
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && ee.ExitCode() == -1:
		o.Status = StatusCancelled
		o.Reason = "the password prompt was left without a password"
	case errors.As(err, &ee):
		o.ExitCode = ee.ExitCode()
		o.Reason = "sudo did not give admin rights (wrong password, or this account may not use sudo)"
	case errors.Is(err, exec.ErrNotFound):
		o.Reason = "sudo is not installed"
	default:
		o.Reason = "sudo could not be run: " + plainErr(err)
	}
	return o
}
