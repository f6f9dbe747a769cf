package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fix401/fix401/probe"
	"github.com/spf13/cobra"
)

// harFlags are check's flags for diagnosing a browser's HAR export instead
// of sending a request.
type harFlags struct {
	file  string
	entry int
	url   string
	list  bool
}

func init() {
	checkFlagHooks = append(checkFlagHooks, func(cmd *cobra.Command, o *checkOptions) {
		h := &harFlags{}
		fs := cmd.Flags()
		fs.StringVar(&h.file, "har", "", "diagnose a browser's HAR export FILE instead of sending a request (\"-\" reads standard input)")
		fs.IntVar(&h.entry, "entry", 0, "with --har: diagnose request N of the file (as numbered by --list) instead of the first failure")
		fs.StringVar(&h.url, "url", "", "with --har: diagnose the first failed request whose URL contains TEXT")
		fs.BoolVar(&h.list, "list", false, "with --har: list the failed requests, grouped by site, and exit (1 when there are any)")
		o.hooks = append(o.hooks, h.run)
		cmd.Example += `
  fix401 check --har ~/Downloads/app.example.com.har
  fix401 check --har app.har --list
  fix401 check --har app.har --url /api/orders --json`
	})
}

// liveOnlyFlags are check's flags that describe a request to send; they
// mean nothing for a recorded one.
var liveOnlyFlags = []string{"user", "header", "request", "cookie", "oauth2-bearer", "data", "insecure", "proxy", "max-time", "location-trusted", "curl"}

// run is check's hook: with --har it diagnoses the file and reports that it
// handled the command.
func (h *harFlags) run(_ context.Context, cmd *cobra.Command, o *checkOptions, args []string) (bool, error) {
	fs := cmd.Flags()
	if h.file == "" {
		for _, name := range []string{"entry", "url", "list"} {
			if fs.Changed(name) {
				return true, usagef("--%s works with --har FILE", name)
			}
		}
		return false, nil
	}
	if len(args) > 0 {
		return true, usagef("--har reads the request from the file; leave out the URL %q (use --url TEXT to pick a request)", probe.Sanitize(args[0]))
	}
	for _, name := range liveOnlyFlags {
		if fs.Changed(name) {
			return true, usagef("--%s describes a request to send and cannot be used with --har, which diagnoses a recorded one", name)
		}
	}
	if fs.Changed("entry") && fs.Changed("url") {
		return true, usagef("give --entry or --url, not both")
	}
	if fs.Changed("entry") && h.entry < 1 {
		return true, usagef("--entry counts from 1, got %d", h.entry)
	}
	log, name, err := readHARFile(h.file, cmd.InOrStdin())
	if err != nil {
		return true, err
	}
	fails := log.Failures()
	w := cmd.OutOrStdout()
	if h.list {
		if err := printHARList(w, log, name, fails, o.json); err != nil {
			return true, err
		}
		if len(fails) > 0 {
			return true, exitError{exitProblem}
		}
		return true, nil
	}
	idx, err := h.pick(log, fails)
	if err != nil {
		return true, err
	}
	if idx < 0 {
		// Nothing failed and nothing was asked for.
		if o.json {
			return true, printHARList(w, log, name, fails, true)
		}
		fmt.Fprintf(w, "No failed requests in %s: %s, none refused for lack of a login (401, 403, 407, 419, 440, or an error in a 200 answer).\n",
			probe.Sanitize(name), plural(len(log.Entries), "request"))
		fmt.Fprintln(w, "Record again while the problem happens, or pick a request with --entry N or --url TEXT.")
		return true, nil
	}
	res := &probe.Result{Exchange: log.Exchange(idx), Diagnosis: probe.DiagnoseHAR(log, idx)}
	others := len(fails)
	for _, f := range fails {
		if f.Entry == idx {
			others--
		}
	}
	if others > 0 {
		res.Exchange.Notes = append(res.Exchange.Notes, fmt.Sprintf("The file has %s; fix401 check --har FILE --list shows them, --entry N picks one.", plural(others, "other failed request")))
	}
	if !o.json {
		fmt.Fprintln(w, harHeader(log, name, idx))
	}
	guide := "" // A HAR read from standard input cannot be named again.
	if h.file != "-" {
		guide = fmt.Sprintf("Run fix401 --har %s --entry %d to be guided through them, replaying the request after each.", shellQuote(h.file), idx+1)
	}
	if err := printResult(w, res, o.json, o.verbose, guide); err != nil {
		return true, err
	}
	if code := checkExitCode(res); code != exitOK {
		return true, exitError{code}
	}
	return true, nil
}

// readHARFile reads the HAR file, or standard input for "-".
func readHARFile(path string, stdin io.Reader) (*probe.HARLog, string, error) {
	name := path
	var r io.Reader
	if path == "-" {
		name, r = "standard input", stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, "", usagef("cannot open the HAR file %s: %v", probe.Sanitize(path), err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, "", usagef("%s is a folder, not a HAR file", probe.Sanitize(path))
		}
		r = f
	}
	log, err := probe.ReadHAR(r)
	if err != nil {
		if errors.Is(err, probe.ErrHARTruncated) {
			return nil, "", usagef("%s: %v", probe.Sanitize(name), trimProbe(err))
		}
		if probe.IsInputError(err) {
			return nil, "", usagef("%s: %v", probe.Sanitize(name), trimProbe(err))
		}
		return nil, "", fmt.Errorf("%s: %w", probe.Sanitize(name), err)
	}
	return log, name, nil
}

// trimProbe drops the "probe: " prefix of an error for a person to read.
func trimProbe(err error) string {
	return strings.TrimPrefix(err.Error(), "probe: ")
}

// pick chooses the entry to diagnose: --entry N, the first failure whose
// URL contains --url (or, failing that, the first request whose URL does),
// or the first failure. It returns -1 when there is nothing to diagnose.
func (h *harFlags) pick(log *probe.HARLog, fails []probe.HARFailure) (int, error) {
	switch {
	case h.entry > 0:
		for i, e := range log.Entries {
			if e.Index == h.entry-1 {
				return i, nil
			}
		}
		return -1, usagef("the HAR has no request #%d (it has %s)", h.entry, plural(len(log.Entries)+log.Skipped, "request"))
	case h.url != "":
		want := strings.ToLower(h.url)
		for _, f := range fails {
			if strings.Contains(strings.ToLower(f.URL), want) {
				return f.Entry, nil
			}
		}
		for i, e := range log.Entries {
			if strings.Contains(strings.ToLower(e.URL), want) {
				return i, nil
			}
		}
		return -1, usagef("no request in the HAR has %q in its URL", probe.Sanitize(h.url))
	case len(fails) > 0:
		return fails[0].Entry, nil
	}
	return -1, nil
}

// harHeader is the line above the report: which file, browser and request.
func harHeader(log *probe.HARLog, name string, idx int) string {
	e := &log.Entries[idx]
	by := log.Browser
	if by == "" {
		by = "an unknown browser"
	}
	s := fmt.Sprintf("From %s (recorded by %s", probe.Sanitize(name), probe.Sanitize(by))
	if log.Sanitized {
		s += ", without cookies and sign-in headers"
	}
	return s + fmt.Sprintf("): request #%d of %d\n", e.Index+1, len(log.Entries)+log.Skipped)
}

// harListJSON is the JSON document of check --har --list.
type harListJSON struct {
	Schema    int              `json:"schema"`
	File      string           `json:"file"`
	Browser   string           `json:"browser"`
	Creator   string           `json:"creator"`
	Sanitized bool             `json:"sanitized"`
	Requests  int              `json:"requests"`
	Failures  []harFailureJSON `json:"failures"`
}

type harFailureJSON struct {
	Entry  int    `json:"entry"`
	Origin string `json:"origin"`
	Status int    `json:"status"`
	Method string `json:"method"`
	URL    string `json:"url"`
	Reason string `json:"reason"`
}

// printHARList lists the failures, grouped by origin, or writes them as one
// JSON object.
func printHARList(w io.Writer, log *probe.HARLog, name string, fails []probe.HARFailure, asJSON bool) error {
	red := probe.NewRedactor(log.Secrets()...)
	if asJSON {
		doc := harListJSON{Schema: probe.SchemaVersion, File: probe.Sanitize(name), Browser: log.Browser, Creator: probe.Sanitize(log.Creator),
			Sanitized: log.Sanitized, Requests: len(log.Entries) + log.Skipped, Failures: []harFailureJSON{}}
		for _, f := range fails {
			doc.Failures = append(doc.Failures, harFailureJSON{Entry: log.Entries[f.Entry].Index + 1, Origin: red.Text(f.Origin), Status: f.Status,
				Method: probe.Sanitize(f.Method), URL: red.URL(f.URL), Reason: red.Text(f.Reason)})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(doc); err != nil {
			return fmt.Errorf("writing JSON: %w", err)
		}
		return nil
	}
	st := newReportStyles()
	cw := colorWriter(w, environ())
	var b strings.Builder
	by := log.Browser
	if by == "" {
		by = "an unknown browser"
	}
	fmt.Fprintf(&b, "%s %s\n\n", st.title.Render("fix401 check --har"), st.faint.Render(fmt.Sprintf("%s, recorded by %s, %s", probe.Sanitize(name), probe.Sanitize(by), plural(len(log.Entries)+log.Skipped, "request"))))
	if len(fails) == 0 {
		fmt.Fprintf(&b, "  %s No request was refused for lack of a login.\n", st.ok.Render(iconOK))
	}
	origin := "\x00"
	for _, f := range fails {
		if f.Origin != origin {
			origin = f.Origin
			o := red.Text(f.Origin)
			if o == "" {
				o = "(no valid URL)"
			}
			fmt.Fprintf(&b, "%s\n", st.bold.Render(o))
		}
		e := &log.Entries[f.Entry]
		fmt.Fprintf(&b, "  %s %s  %s %s\n", st.key.Render(fmt.Sprintf("#%-4d", e.Index+1)), st.bad.Render(red.Text(f.Reason)), probe.Sanitize(f.Method), red.URL(f.URL))
	}
	if len(fails) > 0 {
		b.WriteString("\n" + st.faint.Render("fix401 check --har FILE --entry N diagnoses one of them; without --entry, the first.") + "\n")
	}
	if log.Sanitized {
		b.WriteString(st.faint.Render("This export has no cookies or sign-in headers, so some causes cannot be judged.") + "\n")
	}
	_, err := io.WriteString(cw, b.String())
	return err
}

// plural writes "1 request", "3 requests".
func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
