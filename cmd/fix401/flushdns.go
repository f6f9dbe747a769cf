package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/fix401/fix401/platform"
	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newFlushDNSCmd) }

// flushDNSOptions are the flags of fix401 flush-dns.
type flushDNSOptions struct {
	DryRun bool
	Yes    bool
	Host   string
}

func newFlushDNSCmd() *cobra.Command {
	var opts flushDNSOptions
	cmd := &cobra.Command{
		Use:   "flush-dns",
		Short: "Empty this machine's DNS cache (shows the exact command and asks first)",
		Long: `flush-dns finds what caches DNS on this machine (the Windows DNS Client, mDNSResponder
on macOS, systemd-resolved, nscd, dnsmasq, unbound, NetworkManager's plugin) and flushes
exactly that. It prints the exact command first and asks before running it; when nothing
caches, it says so instead of claiming success. Admin rights come from sudo (which asks for
your password itself) or from the Windows UAC prompt; fix401 never sees a password.`,
		Example: `  # See what would run, run nothing
  fix401 flush-dns --dry-run

  # Flush after asking, and show what intranet.example.com resolves to before and after
  fix401 flush-dns --host intranet.example.com

  # In a script (no questions)
  fix401 flush-dns --yes`,
		Args: maxArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return runFlushDNS(ctx, opts, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the commands that would run, and run nothing")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "run without asking (needed when standard input is not a terminal)")
	cmd.Flags().StringVar(&opts.Host, "host", "", "show what HOST resolves to before and after the flush")
	return cmd
}

// flusher carries one flush-dns run.
type flusher struct {
	ctx      context.Context
	env      *platform.Env
	opts     flushDNSOptions
	in       *bufio.Reader
	stdin    io.Reader
	tty      bool
	out, err io.Writer
	priv     *platform.Privilege
}

func runFlushDNS(ctx context.Context, opts flushDNSOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	host := ""
	if opts.Host != "" {
		h, err := hostArg(opts.Host)
		if err != nil {
			return err
		}
		host = h
	}
	f := &flusher{ctx: ctx, env: newPlatformEnv(), opts: opts, in: bufio.NewReader(io.LimitReader(stdin, 4096)),
		stdin: stdin, tty: isTerminal(stdin), out: stdout, err: stderr}
	o := p{stdout}

	var before platform.Resolution
	if host != "" {
		before = platform.Resolve(ctx, f.env, host)
		o.line("Before: %s", resolutionLine(before))
	}

	report := platform.DetectDNS(ctx, f.env)
	if len(report.Caches) == 0 {
		o.line("%s", report.Note)
		for _, c := range report.Unused {
			o.line("(%s runs but is not used: %s)", c.Name, c.Note)
		}
		return nil
	}
	acts := report.Actions()
	for _, c := range report.Caches {
		o.line("DNS cache: %s (%s)", c.Name, strings.Join(c.Evidence, "; "))
		if c.Note != "" {
			o.line("  %s", c.Note)
		}
	}
	if len(acts) == 0 {
		fmt.Fprintln(stderr, "fix401: found a DNS cache but no safe way to flush it (see above)")
		return exitError{exitProblem}
	}

	o.line("")
	o.line("Command%s to run:", map[bool]string{true: "s", false: ""}[len(acts) > 1])
	for _, a := range acts {
		o.line("  %s", a.CommandVia(f.plannedVia(a)))
		o.line("      %s", a.Title)
	}
	if opts.DryRun {
		o.line("")
		o.line("Dry run: nothing was run.")
		return nil
	}
	if !opts.Yes {
		if !f.tty {
			return usagef("flush-dns asks before it changes anything, and standard input is not a terminal: pass --yes to run without asking, or --dry-run to only see the commands")
		}
		if !f.ask("Run %s? [y/N] ", map[bool]string{true: "these commands", false: "this command"}[len(acts) > 1]) {
			o.line("Cancelled: nothing was run.")
			return exitError{exitProblem}
		}
	}

	failed := false
	for _, a := range acts {
		out := f.do(a)
		switch out.Status {
		case platform.StatusOK:
			o.line("✓ %s", a.Title)
		case platform.StatusCancelled:
			o.line("– %s: cancelled (%s)", a.Title, out.Reason)
			failed = true
		default:
			o.line("✗ %s: %s", a.Title, out.Reason)
			if out.Output != "" {
				for _, l := range strings.Split(out.Output, "\n") {
					o.line("    %s", l)
				}
			}
			failed = true
		}
		if failed {
			break
		}
	}
	if host != "" {
		after := platform.Resolve(ctx, f.env, host)
		o.line("After:  %s", resolutionLine(after))
		for _, h := range after.Hosts {
			o.line("Hosts file %s:%d overrides it: %s", h.File, h.Line, h.Text)
		}
	}
	if failed {
		return exitError{exitProblem}
	}
	o.line("")
	o.line("Done. Browsers keep their own DNS cache: in Chrome or Edge open chrome://net-internals/#dns (edge://…) and click Clear host cache; in Firefox about:networking#dns.")
	return nil
}

func resolutionLine(r platform.Resolution) string {
	switch {
	case r.Error != "":
		return r.Host + " does not resolve: " + r.Error
	case len(r.Addrs) == 0:
		return r.Host + " resolves to nothing"
	}
	return r.Host + " → " + strings.Join(r.Addrs, ", ")
}

// plannedVia is how an action would run, for showing it (no probing).
func (f *flusher) plannedVia(a platform.Action) platform.Via {
	if !a.Admin || f.env.IsAdmin != nil && f.env.IsAdmin() {
		return platform.ViaDirect
	}
	if f.env.GOOS == "windows" {
		return platform.ViaUAC
	}
	return platform.ViaSudo
}

// ask prints a yes/no question on stderr and reads the answer from stdin.
func (f *flusher) ask(format string, args ...any) bool {
	fmt.Fprintf(f.err, format, args...)
	line, err := f.in.ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(f.err)
		return false
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true
	}
	return false
}

// do runs one action, getting admin rights when it needs them or when it
// failed without them and they would likely help.
func (f *flusher) do(a platform.Action) platform.Outcome {
	admin := f.env.IsAdmin != nil && f.env.IsAdmin()
	if !a.Admin || admin {
		out := platform.Do(f.ctx, f.env, a, platform.ViaDirect)
		if out.Status != platform.StatusFailed || !out.NeedsAdmin || admin {
			return out
		}
		p{f.out}.line("✗ %s without admin rights: %s", a.Title, out.Reason)
		if f.opts.Yes {
			p{f.out}.line("Running it again with admin rights: %s", a.CommandVia(f.plannedAdminVia()))
		} else if !f.ask("Run it again with admin rights (%s)? [y/N] ", a.CommandVia(f.plannedAdminVia())) {
			return platform.Outcome{Action: a.ID, Status: platform.StatusCancelled, Reason: "you chose not to use admin rights", ExitCode: out.ExitCode}
		}
	}
	via, fail := f.elevation()
	if fail != nil {
		fail.Action = a.ID
		return *fail
	}
	return platform.Do(f.ctx, f.env, a, via)
}

func (f *flusher) plannedAdminVia() platform.Via {
	if f.env.GOOS == "windows" {
		return platform.ViaUAC
	}
	return platform.ViaSudo
}

// elevation finds how to get admin rights, asking sudo for the password on
// the terminal when needed (sudo prompts itself; fix401 never sees it).
func (f *flusher) elevation() (platform.Via, *platform.Outcome) {
	if f.priv == nil {
		pr := platform.CheckPrivilege(f.ctx, f.env)
		f.priv = &pr
	}
	switch f.priv.State {
	case platform.PrivAdmin, platform.PrivSudoReady, platform.PrivUAC:
		return f.priv.Via(), nil
	case platform.PrivSudoPassword:
		if !f.tty {
			return "", &platform.Outcome{Status: platform.StatusFailed, ExitCode: -1,
				Reason: "sudo needs your password and there is no terminal to ask on; run fix401 flush-dns in a terminal, or as root"}
		}
		cmd := platform.SudoPrompt("to flush the DNS cache")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = f.stdin, f.out, f.err
		out := platform.JudgePrompt(runPrompt(cmd))
		if out.Status != platform.StatusOK {
			return "", &out
		}
		f.priv.State = platform.PrivSudoReady
		return platform.ViaSudo, nil
	}
	return "", &platform.Outcome{Status: platform.StatusFailed, ExitCode: -1,
		Reason: f.priv.Detail + "; run the command shown above as administrator yourself"}
}

// runPrompt runs the sudo prompt with the terminal; a missing sudo is an
// exec.ErrNotFound for JudgePrompt.
func runPrompt(cmd *exec.Cmd) error {
	if cmd.Err != nil {
		if errors.Is(cmd.Err, exec.ErrNotFound) {
			return exec.ErrNotFound
		}
		return cmd.Err
	}
	return cmd.Run()
}
