package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fix401/fix401/probe"
	"github.com/fix401/fix401/steps"
	"github.com/fix401/fix401/tui"
)

// wizardHARFlags start the wizard from a browser's HAR export.
type wizardHARFlags struct {
	file  string
	entry int
	url   string
}

func (h *wizardHARFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&h.file, "har", "", "start from a browser's HAR export `FILE`: pick the failed request, then the steps, replaying it live after each")
	fs.IntVar(&h.entry, "entry", 0, "with --har: start from request `N` of the file (as fix401 check --har FILE --list numbers them)")
	fs.StringVar(&h.url, "url", "", "with --har: start from the first failed request whose URL contains `TEXT`")
}

// harRequestFlags are the request flags that describe a request of their
// own; with --har the request is the recorded one. --proxy, --insecure and
// --max-time still apply to the replays.
var harRequestFlags = []string{"user", "header", "request", "cookie", "oauth2-bearer", "data", "location-trusted", "curl"}

// used checks the HAR flags and reports whether the wizard starts from a
// HAR export.
func (h *wizardHARFlags) used(fs *pflag.FlagSet, args []string) (bool, error) {
	if h.file == "" {
		for _, name := range []string{"entry", "url"} {
			if fs.Changed(name) {
				return false, usagef("--%s works with --har FILE", name)
			}
		}
		return false, nil
	}
	if h.file == "-" {
		return true, usagef("the wizard reads your answers from standard input, so it cannot read the HAR from there too: save it to a file and pass --har FILE")
	}
	if len(args) > 0 {
		return true, usagef("--har replays the request recorded in the file; leave out the URL %q (use --url TEXT to pick a request)", probe.Sanitize(args[0]))
	}
	for _, name := range harRequestFlags {
		if fs.Changed(name) {
			return true, usagef("--%s describes a request of its own and cannot be used with --har, which replays the recorded one", name)
		}
	}
	if fs.Changed("entry") && fs.Changed("url") {
		return true, usagef("give --entry or --url, not both")
	}
	if fs.Changed("entry") && h.entry < 1 {
		return true, usagef("--entry counts from 1, got %d", h.entry)
	}
	return true, nil
}

// runWizardHAR starts the wizard from the diagnosis of a HAR export's
// failed request; the person picks it from a list when there are several.
func runWizardHAR(cmd *cobra.Command, o *wizardOptions) error {
	log, name, err := readHARFile(o.har.file, cmd.InOrStdin())
	if err != nil {
		return err
	}
	fails := log.Failures()
	idx := -1
	if o.har.entry > 0 || o.har.url != "" {
		idx, err = (&harFlags{entry: o.har.entry, url: o.har.url}).pick(log, fails)
		if err != nil {
			return err
		}
	}
	if idx < 0 && len(fails) == 0 {
		w := cmd.OutOrStdout()
		fmt.Fprintf(w, "No failed requests in %s: %s, none refused for lack of a login (401, 403, 407, 419, 440, or an error in a 200 answer).\n",
			probe.Sanitize(name), plural(len(log.Entries), "request"))
		fmt.Fprintln(w, "Record again while the problem happens, or pick a request with --entry N or --url TEXT.")
		return nil
	}
	// Only the transport settings of the flags apply to the replays.
	flags, err := o.req.build(cmd.Flags(), placeholderURL, cmd.InOrStdin(), cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	base := probe.Request{Proxy: flags.Proxy, Insecure: flags.Insecure, Timeout: flags.Timeout}
	env, cleanup := withPlatform(wizardEnv())
	defer cleanup()
	cfg := tui.Config{Request: base, Env: env, Check: probe.Run, HAR: &steps.HAR{Log: log, Name: name, Entry: idx}, Support: o.rep.support(cmd)}
	return runUI(cmd, cfg, o.plain)
}

// guideLine is the last line of check's report: how to be guided through
// the steps, for a live check or a HAR export.
func guideLine(source, target string) string {
	if source == "har" {
		return "Run fix401 --har FILE --entry N (this file, and the request number above) to be guided through them, replaying the request after each."
	}
	return "Run fix401 " + shellQuote(target) + " to be guided through them, re-testing after each."
}
