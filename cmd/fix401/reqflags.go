package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/fix401/fix401/probe"
	"github.com/spf13/pflag"
	"golang.org/x/term"
)

// requestFlags are the flags that describe the request to send, named as
// curl names them. The check command and the wizard share them.
type requestFlags struct {
	user            string
	headers         []string
	method          string
	cookie          string
	bearer          string
	data            string
	insecure        bool
	proxy           string
	maxTime         float64
	locationTrusted bool
	curl            string
}

// register adds the request flags to fs.
func (f *requestFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&f.user, "user", "u", "", "user name and password, USER[:PASSWORD] (asked for when missing and a terminal is at hand)")
	fs.StringArrayVarP(&f.headers, "header", "H", nil, "extra request header, \"Name: value\" (repeatable)")
	fs.StringVarP(&f.method, "request", "X", "", "request METHOD (default GET, or POST with --data)")
	fs.StringVarP(&f.cookie, "cookie", "b", "", "cookies \"n=v; n2=v2\", or a Netscape cookie FILE as curl and browser extensions export it")
	fs.StringVar(&f.bearer, "oauth2-bearer", "", "bearer TOKEN (OAuth 2.0)")
	fs.StringVarP(&f.data, "data", "d", "", "request body DATA (@FILE reads it from a file)")
	fs.BoolVarP(&f.insecure, "insecure", "k", false, "do not verify the server's TLS certificate")
	fs.StringVarP(&f.proxy, "proxy", "x", "", "use this proxy URL instead of the environment's")
	fs.Float64VarP(&f.maxTime, "max-time", "m", probe.DefaultTimeout.Seconds(), "give up after SECONDS")
	fs.BoolVar(&f.locationTrusted, "location-trusted", false, "send credentials to every host a redirect leads to")
	fs.StringVar(&f.curl, "curl", "", "a pasted curl COMMAND to import (\"-\" reads it from standard input)")
}

// build turns the flags and the URL argument into a probe.Request. Flags
// given explicitly override what an imported curl command says.
func (f *requestFlags) build(fs *pflag.FlagSet, rawURL string, stdin io.Reader, prompt io.Writer) (probe.Request, error) {
	var req probe.Request
	if f.curl != "" {
		text := f.curl
		if text == "-" {
			b, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
			if err != nil {
				return req, usagef("reading the curl command from standard input: %v", err)
			}
			text = string(b)
		}
		r, err := probe.ParseCurl(text)
		if err != nil {
			return req, err
		}
		req = r
	}
	if rawURL != "" {
		req.URL = rawURL
	}
	if req.URL == "" {
		return req, usagef("no URL given: pass one, e.g. fix401 check https://example.com/, or use --curl")
	}
	changed := func(name string) bool { return fs.Changed(name) }
	if changed("user") {
		user, pass, hasPass := strings.Cut(f.user, ":")
		if !hasPass {
			p, err := askPassword(user, stdin, prompt)
			if err != nil {
				return req, err
			}
			pass = p
		}
		req.User, req.Password, req.HasUser = user, pass, true
	}
	for _, h := range f.headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			if n, found := strings.CutSuffix(h, ";"); found {
				name, value = n, "" // curl's "Name;" sends an empty header
			} else {
				// Never echo the header: it may be a credential.
				return req, usagef("a header has no colon (it starts with %q): write it as \"Name: value\"", headerStart(h))
			}
		}
		if strings.TrimSpace(name) == "" {
			return req, usagef("a header has no name before the colon: write it as \"Name: value\"")
		}
		req.Headers = append(req.Headers, probe.Field{Name: strings.TrimSpace(name), Value: strings.TrimLeft(value, " \t")})
	}
	if changed("request") {
		req.Method = f.method
	}
	if changed("cookie") {
		cookies, file, err := probe.ParseCookieArg(f.cookie)
		if err != nil {
			return req, err
		}
		req.Cookies, req.CookieFile = cookies, file
	}
	if changed("oauth2-bearer") {
		req.Bearer = f.bearer
	}
	if changed("data") {
		body := f.data
		if name, ok := strings.CutPrefix(body, "@"); ok {
			b, err := readBounded(name, probe.MaxBodyFile)
			if err != nil {
				return req, usagef("--data @%s: %v", probe.Sanitize(name), err)
			}
			body = string(b)
		}
		req.Body = body
	}
	if changed("insecure") {
		req.Insecure = f.insecure
	}
	if changed("proxy") {
		req.Proxy = f.proxy
	}
	if changed("max-time") || req.Timeout == 0 {
		if f.maxTime < 0 || math.IsNaN(f.maxTime) || math.IsInf(f.maxTime, 0) {
			return req, usagef("--max-time must be a positive number of seconds, got %v", f.maxTime)
		}
		if f.maxTime == 0 {
			return req, usagef("--max-time must be more than 0 seconds")
		}
		req.Timeout = time.Duration(f.maxTime * float64(time.Second))
	}
	if changed("location-trusted") {
		req.LocationTrusted = f.locationTrusted
	}
	if err := req.Validate(); err != nil {
		return req, err
	}
	return req, nil
}

// askPassword asks for the password of user on the terminal, without echo.
// Without a terminal the password is empty, as curl -u user:.
func askPassword(user string, stdin io.Reader, prompt io.Writer) (string, error) {
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", nil
	}
	fmt.Fprintf(prompt, "Password for %s: ", probe.Sanitize(user))
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(prompt)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	return string(b), nil
}

// headerStart is the first word of a header argument, at most 20
// characters, enough to say which header is meant without showing a value.
func headerStart(h string) string {
	w, _, _ := strings.Cut(strings.TrimSpace(h), " ")
	if r := []rune(w); len(r) > 20 {
		w = string(r[:20]) + "…"
	}
	return probe.Sanitize(w)
}

// readBounded reads a regular file of at most limit bytes.
func readBounded(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, pe.Err
		}
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d MiB", limit>>20)
	}
	return b, nil
}
