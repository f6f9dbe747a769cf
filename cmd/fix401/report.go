package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"

	"github.com/fix401/fix401/platform"
	"github.com/fix401/fix401/probe"
	"github.com/fix401/fix401/steps"
)

func init() {
	subcommands = append(subcommands, newReportCmd)
	checkFlagHooks = append(checkFlagHooks, registerCheckReport)
	afterCheckHooks = append(afterCheckHooks, afterCheckReport)
}

// fix401Version is the version for reports: the one set at build time,
// else the module's, else "(devel)".
func fix401Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// reportMeta names fix401's version and this OS for reports.
func reportMeta(ctx context.Context) steps.ReportMeta {
	info := platform.DetectOS(ctx, platform.Real())
	return steps.ReportMeta{Version: fix401Version(), OS: steps.ReportOS{GOOS: runtime.GOOS, Arch: runtime.GOARCH, Name: info.Name}}
}

// openStore opens the state directory (see steps.StateDir).
func openStore() (*steps.Store, error) {
	dir, err := steps.StateDir(runtime.GOOS, os.Getenv, "")
	if err != nil {
		return nil, err
	}
	return steps.NewStore(dir), nil
}

// copyText puts text on the clipboard with this machine's own tool and
// says how it went; tests replace it to see what was copied.
var copyText = func(ctx context.Context, text string) string {
	r := platform.Copy(ctx, platform.Real(), nil, text)
	switch {
	case r.Tool != "":
		return "copied with " + r.Tool
	case r.ToolError != "":
		return "the clipboard tool failed: " + r.ToolError
	case r.Skipped != "":
		return "no clipboard tool used (" + r.Skipped + ")"
	}
	return ""
}

// checkReport holds check's report flags.
type checkReport struct {
	path        string
	securityTxt bool
}

// registerCheckReport adds --report and --security-txt to check.
func registerCheckReport(cmd *cobra.Command, o *checkOptions) {
	r := &checkReport{}
	cmd.Flags().StringVar(&r.path, "report", "", "also write a support report to PATH: JSON for a .json name, Markdown otherwise (secrets left out)")
	cmd.Flags().BoolVar(&r.securityTxt, "security-txt", false, "with --report: also fetch the site's /.well-known/security.txt for a contact (one more request)")
	// This hook runs first, so that a report that cannot be written is
	// said before anything is sent or read.
	o.hooks = append([]checkHook{func(_ context.Context, cmd *cobra.Command, _ *checkOptions, _ []string) (bool, error) {
		if r.securityTxt && r.path == "" {
			return false, usagef("--security-txt goes with --report PATH")
		}
		if r.path == "" {
			return false, nil
		}
		if f := cmd.Flags().Lookup("har"); f != nil && f.Changed {
			return false, usagef("--report does not go with --har: run fix401 check --report on the URL itself")
		}
		return false, checkReportPath(r.path)
	}}, o.hooks...)
	checkReports.Store(o, r)
}

// checkReports holds each check command's report flags, by its options
// (a new command tree is built for every run).
var checkReports sync.Map

// afterCheckReport writes the report after a live check, when asked.
func afterCheckReport(cmd *cobra.Command, o *checkOptions, res *probe.Result) error {
	v, ok := checkReports.LoadAndDelete(o)
	if !ok {
		return nil
	}
	r := v.(*checkReport)
	if r.path == "" {
		return nil
	}
	return writeCheckReport(cmd, r, res)
}

// checkReportPath says whether a report could be written at path: its
// directory exists, and it is not itself a directory.
func checkReportPath(path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		return usagef("--report %s: %s", probe.Sanitize(path), steps.PlainFileError(err))
	case !fi.IsDir():
		return usagef("--report %s: %s is not a directory", probe.Sanitize(path), probe.Sanitize(dir))
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return usagef("--report %s: it is a directory", probe.Sanitize(path))
	}
	return nil
}

// writeCheckReport writes the report of one check. The check was printed
// already; a report that cannot be written is said on standard error, and
// the exit code is at least 1.
func writeCheckReport(cmd *cobra.Command, r *checkReport, res *probe.Result) error {
	ctx := cmd.Context()
	var contacts []probe.Contact
	var cerr error
	if r.securityTxt {
		contacts, cerr = probe.FetchSecurityTxt(ctx, res.Request.URL, res.Request.Insecure)
	}
	rep := steps.ReportFromResult(res, reportMeta(ctx), contacts, cerr, r.securityTxt)
	path, _, err := steps.WriteReport(rep, r.path, nil)
	if err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "fix401: the report could not be written: %s\n", reportWriteError(path, err))
		code := checkExitCode(res)
		if code == exitOK {
			code = exitProblem
		}
		return exitError{code}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "Support report written to %s\n", probe.Sanitize(path))
	return nil
}

// reportWriteError names the file and the reason once.
func reportWriteError(path string, err error) string {
	msg := steps.PlainFileError(err)
	if !strings.Contains(msg, path) {
		msg = probe.Sanitize(path) + ": " + msg
	}
	return msg
}

// maxReportFile bounds what report show reads.
const maxReportFile = 8 << 20

func newReportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Read support reports fix401 wrote",
		Long: `A support report is what fix401 writes for a site's administrator: the address, the answer,
what the server said, what was tried and what to check. The wizard writes one at the end of
every session (and on w); fix401 check --report PATH writes one too. Markdown for people,
JSON for tools, chosen by the file's extension. Secrets are never in it.`,
		Args: maxArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	show := &cobra.Command{
		Use:   "show FILE",
		Short: "Show a saved support report in the terminal",
		Long: `show renders a report fix401 wrote (Markdown or JSON) for reading in a terminal, so that the
help-desk person can read what the user sent them. "-" reads standard input. Anything in the
file that could drive the terminal (escape sequences, control characters) is removed.`,
		Example: `  fix401 report show fix401-report-20260314-150926-a1b2c3.md
  fix401 report show report.json
  pbpaste | fix401 report show -`,
		Args: exactArgs(1, "the report FILE to show (\"-\" for standard input)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReportShow(cmd, args[0])
		},
	}
	cmd.AddCommand(show)
	return cmd
}

func runReportShow(cmd *cobra.Command, name string) error {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(io.LimitReader(cmd.InOrStdin(), maxReportFile+1))
		if err == nil && len(data) > maxReportFile {
			err = fmt.Errorf("larger than %d MiB", maxReportFile>>20)
		}
	} else {
		data, err = readBounded(name, maxReportFile)
	}
	if err != nil {
		return usagef("report show %s: %v", probe.Sanitize(name), err)
	}
	text, err := reportText(data)
	if err != nil {
		return usagef("report show %s: %v", probe.Sanitize(name), err)
	}
	cw := colorWriter(cmd.OutOrStdout(), environ())
	_, err = io.WriteString(cw, renderMarkdown(text, newReportStyles()))
	return err
}

// reportText turns a report file into Markdown: a JSON report is decoded
// and rendered, anything else is taken as the Markdown fix401 wrote.
func reportText(data []byte) (string, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return "", fmt.Errorf("the file is empty")
	}
	if trimmed[0] == '{' {
		rep, err := steps.DecodeReport(trimmed)
		if err != nil {
			return "", fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "steps: "))
		}
		return rep.Markdown(), nil
	}
	if !strings.Contains(string(trimmed[:min(len(trimmed), 4096)]), "fix401") {
		return "", fmt.Errorf("this does not look like a fix401 report")
	}
	return string(data), nil
}

// renderMarkdown shows the Markdown fix401 writes in a terminal: headings
// styled, list items with bullets, tables aligned, code spans and
// backslash escapes resolved. Every line is sanitized first: the file may
// come from anyone.
func renderMarkdown(text string, st reportStyles) string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var b strings.Builder
	for i := 0; i < len(lines); i++ {
		l := probe.Sanitize(lines[i])
		trim := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(trim, "|"):
			var rows [][]string
			for ; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|"); i++ {
				row := splitRow(probe.Sanitize(strings.TrimSpace(lines[i])))
				if isSeparatorRow(row) {
					continue
				}
				rows = append(rows, row)
			}
			i--
			b.WriteString(renderTable(rows, st))
		case strings.HasPrefix(l, "# "):
			b.WriteString(st.title.Render(inline(l[2:], st)) + "\n")
		case strings.HasPrefix(l, "## "):
			b.WriteString(st.bold.Inherit(st.info).Render(inline(l[3:], st)) + "\n")
		case strings.HasPrefix(l, "### "):
			b.WriteString(st.bold.Render(inline(l[4:], st)) + "\n")
		default:
			indent := len(l) - len(strings.TrimLeft(l, " "))
			body := strings.TrimLeft(l, " ")
			if rest, ok := strings.CutPrefix(body, "- "); ok {
				b.WriteString(strings.Repeat(" ", indent) + "• " + inline(rest, st) + "\n")
			} else {
				b.WriteString(strings.Repeat(" ", indent) + inline(body, st) + "\n")
			}
		}
	}
	return b.String()
}

// inline resolves code spans, bold and backslash escapes.
func inline(s string, st reportStyles) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && strings.IndexByte("\\`*_[]<>|#!~", s[i+1]) >= 0:
			b.WriteByte(s[i+1])
			i += 2
		case c == '`':
			n := 0
			for i+n < len(s) && s[i+n] == '`' {
				n++
			}
			fence := strings.Repeat("`", n)
			end := strings.Index(s[i+n:], fence)
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			code := s[i+n : i+n+end]
			if n > 1 {
				code = strings.TrimPrefix(strings.TrimSuffix(code, " "), " ")
			}
			b.WriteString(st.key.Render(code))
			i += n + end + n
		case c == '*' && strings.HasPrefix(s[i:], "**"):
			end := strings.Index(s[i+2:], "**")
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			b.WriteString(st.bold.Render(inline(s[i+2:i+2+end], st)))
			i += 2 + end + 2
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// splitRow splits a table row on the pipes that are not escaped or inside
// a code span.
func splitRow(row string) []string {
	row = strings.TrimSuffix(strings.TrimPrefix(row, "|"), "|")
	var cells []string
	var cur strings.Builder
	inCode := false
	for i := 0; i < len(row); i++ {
		c := row[i]
		switch {
		case c == '\\' && i+1 < len(row):
			cur.WriteByte(c)
			cur.WriteByte(row[i+1])
			i++
		case c == '`':
			inCode = !inCode
			cur.WriteByte(c)
		case c == '|' && !inCode:
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

func isSeparatorRow(row []string) bool {
	for _, c := range row {
		if strings.Trim(c, "-: ") != "" {
			return false
		}
	}
	return true
}

// renderTable aligns a table's columns; the first row is the header.
func renderTable(rows [][]string, st reportStyles) string {
	if len(rows) == 0 {
		return ""
	}
	cells := make([][]string, len(rows))
	widths := []int{}
	for i, r := range rows {
		for j, c := range r {
			txt := inline(c, st)
			cells[i] = append(cells[i], txt)
			if j >= len(widths) {
				widths = append(widths, 0)
			}
			widths[j] = max(widths[j], lipgloss.Width(txt))
		}
	}
	var b strings.Builder
	for i, r := range cells {
		parts := make([]string, len(r))
		for j, c := range r {
			pad := widths[j] - lipgloss.Width(c)
			if j == len(r)-1 {
				pad = 0
			}
			if i == 0 {
				c = st.bold.Render(ansi.Strip(c))
			}
			parts[j] = c + strings.Repeat(" ", max(0, pad))
		}
		b.WriteString("  " + strings.Join(parts, "  ") + "\n")
	}
	return b.String()
}
