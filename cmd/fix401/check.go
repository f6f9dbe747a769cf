package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/fix401/fix401/probe"
	"github.com/spf13/cobra"
)

func init() { subcommands = append(subcommands, newCheckCmd) }

// checkOptions are the check command's inputs.
type checkOptions struct {
	req     requestFlags
	json    bool
	verbose bool
	// hooks lets other files (HAR import, reports) extend check without
	// editing it.
	hooks []checkHook
}

// checkHook runs before the live check; handled reports that it produced
// the output itself.
type checkHook func(ctx context.Context, cmd *cobra.Command, o *checkOptions, args []string) (handled bool, err error)

// checkFlagHooks let other files add their flags to check.
var checkFlagHooks []func(cmd *cobra.Command, o *checkOptions)

// afterCheckHooks run after a live check with its result (the support
// report writes its file here).
var afterCheckHooks []func(cmd *cobra.Command, o *checkOptions, res *probe.Result) error

func newCheckCmd() *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check [flags] URL",
		Short: "Diagnose a URL once and print why it is refused",
		Long: `check sends the request once, follows redirects hop by hop, and prints the status and
what it means, each finding with the fix step that addresses it, the redirect chain and
the timings. It exits 0 when the URL answered 2xx/3xx, 1 on an HTTP-level problem,
2 on bad usage or input, and 3 when nothing usable answered (DNS, refused, TLS, timeout).`,
		Example: `  fix401 check https://api.example.com/v1/me
  fix401 check -u alice:secret https://intranet.example.com/reports
  fix401 check -H "Authorization: Bearer $TOKEN" --json https://api.example.com/v1/me
  fix401 check -b cookies.txt https://app.example.com/dashboard
  pbpaste | fix401 check --curl -`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCheck(cmd, o, args)
		},
	}
	o.req.register(cmd.Flags())
	cmd.Flags().BoolVar(&o.json, "json", false, "print exactly one JSON object (schema in the README)")
	cmd.Flags().BoolVarP(&o.verbose, "verbose", "v", false, "also show the request and response headers (secrets masked)")
	for _, h := range checkFlagHooks {
		h(cmd, o)
	}
	return cmd
}

func runCheck(cmd *cobra.Command, o *checkOptions, args []string) error {
	ctx := cmd.Context()
	for _, h := range o.hooks {
		if handled, err := h(ctx, cmd, o, args); handled || err != nil {
			return err
		}
	}
	rawURL := ""
	if len(args) == 1 {
		rawURL = args[0]
	}
	req, err := o.req.build(cmd.Flags(), rawURL, cmd.InOrStdin(), cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	res, err := probe.Run(ctx, req)
	if err != nil {
		return err
	}
	if err := printResult(cmd.OutOrStdout(), res, o.json, o.verbose, ""); err != nil {
		return err
	}
	for _, h := range afterCheckHooks {
		if err := h(cmd, o, res); err != nil {
			return err
		}
	}
	if code := checkExitCode(res); code != exitOK {
		return exitError{code}
	}
	return nil
}

// printResult writes a result as JSON or as the human report, whose last
// line is guide ("" for the one that fits a live check).
func printResult(w io.Writer, res *probe.Result, asJSON, verbose bool, guide string) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(res.JSON()); err != nil {
			return fmt.Errorf("writing JSON: %w", err)
		}
		return nil
	}
	cw := colorWriter(w, environ())
	_, err := io.WriteString(cw, renderReport(res, newReportStyles(), verbose, guide))
	return err
}

// checkExitCode maps a verdict to check's exit code.
func checkExitCode(res *probe.Result) int {
	switch res.Diagnosis.Verdict {
	case probe.VerdictOK:
		return exitOK
	case probe.VerdictUnreachable:
		return exitUnreachable
	}
	return exitProblem
}
