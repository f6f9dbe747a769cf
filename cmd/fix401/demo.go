package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fix401/fix401/internal/demo"
	"github.com/fix401/fix401/probe"
	"github.com/fix401/fix401/tui"
)

func init() { subcommands = append(subcommands, newDemoCmd) }

func newDemoCmd() *cobra.Command {
	var scenario string
	var plain bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Open the wizard on a built-in broken server, with nothing to set up",
		Long: `demo starts a small server on 127.0.0.1 with a broken endpoint and opens the wizard on it,
so you can see the whole flow: the diagnosis, the steps, the re-tests. Each scenario is fixed
by a different step; the screen tells you what to type.

Scenarios:
  basic          a mistyped password, fixed in step 1 (Confirm your login information)
  expired-token  an expired token, fixed in step 10 (Check API tokens)
  redirect       a redirect to another host drops the login, fixed in step 4 (Verify the URL)`,
		Example: `  fix401 demo
  fix401 demo --scenario expired-token
  fix401 demo --scenario redirect --plain`,
		Args: maxArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDemo(cmd, scenario, plain)
		},
	}
	cmd.Flags().StringVar(&scenario, "scenario", demo.Scenarios[0], "what is broken: "+strings.Join(demo.Scenarios, ", "))
	cmd.Flags().BoolVar(&plain, "plain", false, "a line-by-line dialogue instead of the full-screen wizard")
	return cmd
}

func runDemo(cmd *cobra.Command, scenario string, plain bool) error {
	known := false
	for _, s := range demo.Scenarios {
		known = known || s == scenario
	}
	if !known {
		return usagef("unknown scenario %q: choose one of %s", scenario, strings.Join(demo.Scenarios, ", "))
	}
	srv, err := demo.NewServer(nil)
	if err != nil {
		return err
	}
	base, stop, err := srv.Listen(cmd.Context())
	if err != nil {
		return err
	}
	defer stop()
	setup, err := srv.Scenario(scenario, base)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	env := wizardEnv()
	env.Actions = setup.Actions
	// The demo saves no progress (its server is gone once it ends), but a
	// report written on request names this machine like any other.
	sup := tui.Support{Meta: reportMeta(cmd.Context()), Copy: copyText}
	cfg := tui.Config{Request: setup.Request, Env: env, Intro: setup.Intro, Check: probe.Run, Support: sup}
	return runUI(cmd, cfg, plain)
}
