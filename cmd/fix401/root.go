package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"charm.land/fang/v2"
	"github.com/fix401/fix401/probe"
	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

// subcommands lists the constructors of every subcommand; each command's
// file adds its own in an init function.
var subcommands []func() *cobra.Command

// newRootCmd builds the command tree. The root runs the wizard.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "fix401 [URL]",
		Short: "Find out why a site or API answers 401 Unauthorized, and fix it",
		Long: `fix401 asks for the URL you are locked out of (and the login or token you use),
sends the request the way your client does, explains why the server refused it in plain
words, then walks you through ten fix steps in the order that fits your case, re-testing
the URL after every step.`,
		Example: `  # Start the wizard and type the URL when asked
  fix401

  # Start the wizard on a URL
  fix401 https://api.example.com/v1/me

  # See the whole flow on a built-in broken server, nothing to set up
  fix401 demo

  # One-shot diagnosis for scripts and help-desk staff
  fix401 check -u alice https://intranet.example.com/
  fix401 check --json -H "Authorization: Bearer $TOKEN" https://api.example.com/v1/me`,
		Args: maxArgs(1),
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	for _, sub := range subcommands {
		root.AddCommand(sub())
	}
	if rootRun != nil {
		rootRun(root)
	} else {
		root.RunE = func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		}
	}
	return root
}

// completionUsage adds cobra's completion command now, not when it runs,
// so call it after SetOut (the command keeps the writer it finds), and
// makes it runnable: a command that cannot run answers an unknown
// shell ("fix401 completion tcsh") with its help and exit code 0, where a
// usage error and exit code 2 are right.
func completionUsage(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" && c.RunE == nil && c.Run == nil {
			c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		}
	}
}

// rootRun, when set (by the wizard's file), installs the root command's
// flags and RunE.
var rootRun func(root *cobra.Command)

// maxArgs is cobra.MaximumNArgs that returns a usage error. The error does
// not repeat the arguments: an unquoted -H "Authorization: Bearer …" puts
// the token among them.
func maxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return usagef("%s takes at most %d argument(s), got %d (quote a value that holds spaces)", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}

// exactArgs is cobra.ExactArgs that returns a usage error.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("%s needs %s", cmd.CommandPath(), what)
		}
		if len(args) > n {
			return usagef("%s takes %d argument(s), got %d (quote a value that holds spaces)", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}

// Main runs fix401 with the given arguments and returns the exit code.
func Main(args []string) int {
	return run(context.Background(), args, os.Stdin, os.Stdout, os.Stderr)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	completionUsage(root)
	opts := []fang.Option{
		fang.WithErrorHandler(func(w io.Writer, _ fang.Styles, err error) {
			if errors.As(err, new(exitError)) {
				return
			}
			fmt.Fprintln(w, "fix401: "+oneLine(err.Error()))
		}),
		fang.WithNotifySignal(os.Interrupt),
	}
	if version != "" {
		opts = append(opts, fang.WithVersion(version))
	}
	// A command that only sets an exit code (its output already said what
	// happened) returns nil to fang: fang's error path asks the terminal
	// for its background colour, which stalls for seconds on a terminal
	// that does not answer.
	silent := 0
	quietExits(root, &silent)
	err := fang.Execute(ctx, root, opts...)
	if err == nil && silent != 0 {
		return silent
	}
	code := exitCode(err)
	if code == exitProblem && isCobraUsage(err) {
		code = exitUsage
	}
	return code
}

// quietExits wraps every command's RunE so that an exitError becomes a
// nil error with the code recorded in *code.
func quietExits(cmd *cobra.Command, code *int) {
	if run := cmd.RunE; run != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			err := run(c, args)
			var ee exitError
			if errors.As(err, &ee) {
				*code = ee.code
				return nil
			}
			return err
		}
	}
	for _, sub := range cmd.Commands() {
		quietExits(sub, code)
	}
}

// isCobraUsage recognises the errors cobra returns for unknown commands and
// arguments, which do not pass through the flag error function.
func isCobraUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "accepts ", "requires "} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// oneLine keeps an error message on one line, with no escape sequence
// from an argument or a file reaching the terminal.
func oneLine(s string) string {
	return strings.Join(strings.Fields(probe.Sanitize(s)), " ")
}
