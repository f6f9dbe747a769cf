package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fix401/fix401/probe"
	"github.com/fix401/fix401/steps"
	"github.com/fix401/fix401/tui"
)

// wizardReport holds the wizard's flags for reports, resuming and the
// OAuth refresh.
type wizardReport struct {
	report       string
	resume       bool
	tokenURL     string
	clientID     string
	clientSecret string
	refreshToken string
}

// register adds the flags to the root command.
func (w *wizardReport) register(fs *pflag.FlagSet) {
	fs.StringVar(&w.report, "report", "", "write the support report to PATH (JSON for a .json name, Markdown otherwise) instead of the state directory")
	fs.BoolVar(&w.resume, "resume", false, "continue the last unfinished session (passwords and tokens are never saved: give them again with the same flags)")
	fs.StringVar(&w.tokenURL, "token-url", "", "token endpoint URL for an OAuth 2.0 refresh in steps 3 and 10 (or "+probe.EnvTokenURL+")")
	fs.StringVar(&w.clientID, "client-id", "", "client ID for the OAuth 2.0 refresh (or "+probe.EnvClientID+")")
	fs.StringVar(&w.clientSecret, "client-secret", "", "client SECRET for the OAuth 2.0 refresh, if the client has one (better: "+probe.EnvClientSecret+", which other users cannot see)")
	fs.StringVar(&w.refreshToken, "refresh-token", "", "refresh TOKEN for the OAuth 2.0 refresh (better: "+probe.EnvRefreshToken+")")
}

// oauth is the OAuth configuration: the environment, overridden by flags.
func (w *wizardReport) oauth(fs *pflag.FlagSet) probe.RefreshConfig {
	cfg := probe.RefreshConfigFromEnv(os.Getenv)
	set := func(name string, dst *string, v string) {
		if fs.Changed(name) {
			*dst = strings.TrimSpace(v)
		}
	}
	set("token-url", &cfg.TokenURL, w.tokenURL)
	set("client-id", &cfg.ClientID, w.clientID)
	set("client-secret", &cfg.ClientSecret, w.clientSecret)
	set("refresh-token", &cfg.RefreshToken, w.refreshToken)
	return cfg
}

// support builds the wizard's support configuration: the state store, the
// report path, the clipboard and the OAuth refresh. A state directory
// that cannot even be named is said, and the wizard goes on without it.
func (w *wizardReport) support(cmd *cobra.Command) tui.Support {
	sup := tui.Support{ReportPath: w.report, Meta: reportMeta(cmd.Context()), Copy: copyText, OAuth: w.oauth(cmd.Flags())}
	st, err := openStore()
	if err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "fix401: progress will not be saved: %s\n", strings.TrimPrefix(err.Error(), "steps: "))
	} else {
		sup.Store = st
	}
	return sup
}

// runResume continues the last unfinished session: the saved request,
// without credentials, plus those the flags and environment give again.
func runResume(cmd *cobra.Command, o *wizardOptions, args []string) error {
	st, err := openStore()
	if err != nil {
		return usagef("--resume: %s", strings.TrimPrefix(err.Error(), "steps: "))
	}
	rec, err := st.Latest()
	if err != nil {
		if errors.Is(err, steps.ErrNothingToResume) {
			return usagef("--resume: there is no unfinished session to continue (looked in %s)", probe.Sanitize(st.Dir))
		}
		return usagef("--resume: %s", strings.TrimPrefix(err.Error(), "steps: "))
	}
	rawURL := rec.Request.URL
	if len(args) == 1 {
		rawURL = args[0]
	}
	flagReq, err := o.req.build(cmd.Flags(), rawURL, cmd.InOrStdin(), cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	req := mergeResumed(rec.RequestOf(), flagReq, cmd.Flags(), o.req.curl != "")
	sup := o.rep.support(cmd)
	sup.Store = st
	sup.Resume = &rec
	sup.Given = givenAgain(req, sup.OAuth)
	cfg := tui.Config{Request: req, Env: wizardEnv(), Check: probe.Run, Support: sup}
	return runUI(cmd, cfg, o.plain)
}

// mergeResumed lays what the flags give over the saved request: the
// credentials (which were never saved), and whatever else was given
// explicitly. An imported curl command is taken whole.
func mergeResumed(saved, given probe.Request, fs *pflag.FlagSet, curl bool) probe.Request {
	if curl {
		return given
	}
	req := saved
	req.URL = given.URL
	if fs.Changed("user") {
		req.User, req.Password, req.HasUser = given.User, given.Password, given.HasUser
	}
	if fs.Changed("oauth2-bearer") {
		req.Bearer = given.Bearer
	}
	if fs.Changed("header") {
		// Headers given again replace saved ones of the same name.
		names := map[string]bool{}
		for _, h := range given.Headers {
			names[strings.ToLower(h.Name)] = true
		}
		kept := []probe.Field{}
		for _, h := range saved.Headers {
			if !names[strings.ToLower(h.Name)] {
				kept = append(kept, h)
			}
		}
		req.Headers = append(kept, given.Headers...)
	}
	if fs.Changed("cookie") {
		req.Cookies, req.CookieFile = given.Cookies, given.CookieFile
	} else {
		req.CookieFile = ""
	}
	if fs.Changed("request") {
		req.Method = given.Method
	}
	if fs.Changed("data") {
		req.Body = given.Body
	}
	if fs.Changed("proxy") {
		req.Proxy = given.Proxy
	}
	if fs.Changed("insecure") {
		req.Insecure = given.Insecure
	}
	if fs.Changed("max-time") || req.Timeout == 0 {
		req.Timeout = given.Timeout
	}
	if fs.Changed("location-trusted") {
		req.LocationTrusted = given.LocationTrusted
	}
	return req
}

// givenAgain names the credentials a resumed session has again, in plain
// words, so that the person knows what the first check sends.
func givenAgain(req probe.Request, oauth probe.RefreshConfig) []string {
	var out []string
	if req.HasUser && req.Password != "" {
		out = append(out, fmt.Sprintf("the password for %q", probe.Sanitize(req.User)))
	}
	if req.Bearer != "" {
		out = append(out, "the bearer token")
	}
	for _, h := range req.Headers {
		if probe.IsSecretHeader(h.Name) {
			out = append(out, "the "+probe.Sanitize(h.Name)+" header")
		}
	}
	if len(req.Cookies) > 0 {
		out = append(out, fmt.Sprintf("%d cookie(s)", len(req.Cookies)))
	}
	for _, c := range probe.CredentialsOf(nil, mustParse(req.URL)) {
		out = append(out, "the "+probe.Sanitize(c.Name)+" parameter of the address")
	}
	if oauth.RefreshToken != "" {
		out = append(out, "the OAuth refresh token")
	}
	return out
}

// finishSupport writes the final report and saves the session one last
// time, then says where the report is and how to resume. Nothing is
// written for a run without a store or report path (the demo) or with
// nothing checked.
func finishSupport(cmd *cobra.Command, cfg tui.Config, o tui.Outcome) {
	sup := cfg.Support
	if sup.Store == nil && sup.ReportPath == "" {
		return
	}
	out := cmd.OutOrStdout()
	path, fallback, saveErr, err := tui.FinalReport(o, sup)
	if tui.IsNothingToReport(err) {
		return
	}
	switch {
	case err != nil:
		fmt.Fprintf(cmd.ErrOrStderr(), "fix401: the support report could not be written: %s\n", reportWriteError(path, err))
	default:
		fmt.Fprintf(out, "Support report (send it to the site's administrator): %s\n", probe.Sanitize(path))
		if fallback != "" {
			fmt.Fprintf(out, "(The state directory could not be written: %s.)\n", fallback)
		}
	}
	if saveErr != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "fix401: the session could not be saved: %s\n", steps.PlainFileError(saveErr))
	} else if !o.Resolved && sup.Store != nil {
		fmt.Fprintln(out, "To continue this session later: fix401 --resume (with the same login flags).")
	}
}

// mustParse parses a URL, nil when it does not parse.
func mustParse(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	return u
}
