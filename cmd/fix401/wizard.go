package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/fix401/fix401/probe"
	"github.com/fix401/fix401/steps"
	"github.com/fix401/fix401/tui"
)

func init() { rootRun = installWizard }

// wizardOptions are the root command's flags: the request flags check
// uses, and the choice of a plain dialogue.
type wizardOptions struct {
	req   requestFlags
	plain bool
	rep   wizardReport // reports, --resume, OAuth (wizard_report.go)
	har   wizardHARFlags
}

// placeholderURL lets the request flags be parsed before the person has
// typed the URL; it is never sent.
const placeholderURL = "https://fix401.invalid/"

// installWizard makes the root command run the wizard.
func installWizard(root *cobra.Command) {
	o := &wizardOptions{}
	o.req.register(root.Flags())
	o.rep.register(root.Flags())
	o.har.register(root.Flags())
	root.Flags().BoolVar(&o.plain, "plain", false, "a line-by-line dialogue instead of the full-screen wizard (for screen readers; chosen automatically when stdin or stdout is not a terminal)")
	root.RunE = func(cmd *cobra.Command, args []string) error {
		return runWizard(cmd, o, args)
	}
}

func runWizard(cmd *cobra.Command, o *wizardOptions, args []string) error {
	if o.rep.resume {
		return runResume(cmd, o, args)
	}
	if har, err := o.har.used(cmd.Flags(), args); err != nil || har {
		if err != nil {
			return err
		}
		return runWizardHAR(cmd, o)
	}
	rawURL := ""
	if len(args) == 1 {
		rawURL = args[0]
	}
	var req probe.Request
	var err error
	if rawURL == "" && o.req.curl == "" {
		// No URL yet: the wizard asks for it. Parse the other flags now.
		req, err = o.req.build(cmd.Flags(), placeholderURL, cmd.InOrStdin(), cmd.ErrOrStderr())
		req.URL = ""
	} else {
		req, err = o.req.build(cmd.Flags(), rawURL, cmd.InOrStdin(), cmd.ErrOrStderr())
	}
	if err != nil {
		return err
	}
	env, cleanup := withPlatform(wizardEnv())
	defer cleanup()
	cfg := tui.Config{Request: req, Env: env, Check: probe.Run, Support: o.rep.support(cmd)}
	return runUI(cmd, cfg, o.plain)
}

// wizardEnv describes this machine to the steps.
func wizardEnv() steps.Env {
	return steps.Env{GOOS: runtime.GOOS, Browser: os.Getenv("BROWSER"), Getenv: os.Getenv}
}

// isTTY reports whether a reader or writer is a terminal.
func isTTY(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// runUI runs the full-screen wizard, or the plain dialogue when asked or
// when stdin or stdout is not a terminal, then prints a short summary and
// maps the outcome to the exit code: 0 resolved, 1 not resolved, 130
// interrupted.
func runUI(cmd *cobra.Command, cfg tui.Config, plain bool) error {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	cfg.Context = ctx
	in, out := cmd.InOrStdin(), cmd.OutOrStdout()
	if !isTTY(in) || !isTTY(out) {
		plain = true
	}
	var outcome tui.Outcome
	if plain {
		o, err := tui.RunPlain(ctx, cfg, in, out)
		outcome = o
		if err != nil && !errors.Is(err, tui.ErrInterrupted) {
			return fmt.Errorf("wizard: %w", err)
		}
	} else {
		o, err := runProgram(ctx, cfg, in, out)
		if err != nil {
			return err
		}
		outcome = o
	}
	printSummary(out, outcome)
	finishSupport(cmd, cfg, outcome)
	switch {
	case outcome.Interrupted:
		return exitError{exitInterrupted}
	case outcome.Resolved:
		return nil
	}
	return exitError{exitProblem}
}

func runProgram(ctx context.Context, cfg tui.Config, in io.Reader, out io.Writer) (tui.Outcome, error) {
	opts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out)}
	if noColor(environ()) {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	final, err := tea.NewProgram(tui.New(cfg), opts...).Run()
	m, ok := final.(tui.Model)
	switch {
	case errors.Is(err, tea.ErrInterrupted), errors.Is(err, tea.ErrProgramKilled):
		if ok {
			o := m.Outcome()
			o.Interrupted = true
			return o, nil
		}
		return tui.Outcome{Interrupted: true, Summary: []string{"fix401: stopped."}}, nil
	case err != nil:
		return tui.Outcome{}, fmt.Errorf("wizard: %w", err)
	case !ok:
		return tui.Outcome{}, fmt.Errorf("wizard: unexpected final model %T", final)
	}
	return m.Outcome(), nil
}

func printSummary(w io.Writer, o tui.Outcome) {
	for _, l := range o.Summary {
		fmt.Fprintln(w, l)
	}
}
