package probe

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// MaxCurlCommand bounds a pasted curl command. A browser's command with a
// large JSON body is well under it.
const MaxCurlCommand = 1 << 20

// MaxBodyFile bounds a file read for -d @file, --data-binary @file and the
// like.
const MaxBodyFile = 10 << 20

// maxHeaderFile bounds a file read for -H @file.
const maxHeaderFile = 1 << 20

// ParseCurl turns a pasted curl command into a Request: what Chrome's and
// Firefox's "Copy as cURL (bash)" and Postman's code snippet produce, or one
// written by hand. Skipped flags are listed in Request.Notes.
//
// The text is parsed as bash (mvdan.cc/sh), so quoting, $'…' strings and
// backslash-newline continuations work as in a terminal, but nothing is run:
// $(…), backticks and <(…) become empty text, and $VAR is empty unless the
// pasted text itself sets it first (TOKEN=abc or export TOKEN=abc on an
// earlier line); each is named in a note. Only HOME is taken from the
// environment, so that ~/cookies.txt names a file. A leading "$ " prompt,
// curl.exe and a path to curl are accepted; of several commands the first
// curl is used.
//
// Files named with -b FILE, -d @FILE, --data-binary @FILE, --json @FILE,
// --data-urlencode name@FILE and -H @FILE are read from disk, relative to
// the working directory. Bad input gives an InputError whose message never
// contains a header value, a password, a cookie or a body.
func ParseCurl(command string) (Request, error) {
	words, notes, unset, err := curlWords(command)
	if err != nil {
		return Request{}, err
	}
	p := &curlParser{notes: notes, noted: map[string]bool{}, unsetVars: unset}
	return p.parse(words)
}

// curlWords splits a pasted command into the curl command's arguments (the
// first is curl itself), expanded without running anything. The notes say
// what could not be expanded; unset names the variables left empty.
func curlWords(command string) (words, notes, unset []string, err error) {
	if len(command) > MaxCurlCommand {
		return nil, nil, nil, Inputf("the curl command is longer than %d MiB", MaxCurlCommand>>20)
	}
	text := cleanPaste(command)
	if text == "" {
		return nil, nil, nil, Inputf("no curl command: the text is empty")
	}
	if hint := otherFormat(text); hint != "" {
		return nil, nil, nil, Inputf("%s", hint)
	}
	if nestingDepth(text) > maxNesting {
		return nil, nil, nil, Inputf("the curl command nests $( ), ${ } or ( ) more than %d deep", maxNesting)
	}
	file, perr := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(text), "")
	if perr != nil {
		return nil, nil, nil, shellSyntaxError(perr)
	}
	plain, err := checkExpansions(file)
	if err != nil {
		return nil, nil, nil, err
	}
	var cmds []shellCmd
	flattenStmts(file.Stmts, true, &cmds)

	env := &pasteEnv{vars: map[string]string{}, plain: plain}
	cfg := &expand.Config{
		Env: env,
		CmdSubst: func(io.Writer, *syntax.CmdSubst) error {
			env.commands++
			return nil
		},
		ProcSubst: func(*syntax.ProcSubst) (string, error) {
			env.commands++
			return "", nil
		},
	}
	// expandWord expands one word to one argument. Fields does quote
	// removal (Literal keeps an unquoted backslash); with IFS empty it never
	// splits a word, and a word that expands to nothing stays an empty
	// argument.
	expandWord := func(w *syntax.Word) (string, error) {
		if w == nil {
			return "", nil
		}
		fields, err := expand.Fields(cfg, w)
		if env.spent > maxExpansion {
			return "", Inputf("the curl command's variables expand to more than %d MiB", maxExpansion>>20)
		}
		if err != nil {
			return "", Inputf("the curl command uses a shell expansion fix401 cannot do without running a shell (line %d)", w.Pos().Line())
		}
		return strings.Join(fields, " "), nil
	}
	expandWords := func(ws []*syntax.Word) ([]string, error) {
		out := make([]string, 0, len(ws))
		for _, w := range ws {
			s, err := expandWord(w)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}

	at := -1
	for i, c := range cmds {
		switch {
		case c.call == nil && c.other:
			return nil, nil, nil, notCurlError()
		case c.call == nil:
			for _, a := range c.assigns {
				if a.Name == nil || a.Naked || a.Array != nil || a.Index != nil {
					continue
				}
				v, err := expandWord(a.Value)
				if err != nil {
					return nil, nil, nil, err
				}
				if a.Append {
					v = env.vars[a.Name.Value] + v
				}
				env.vars[a.Name.Value] = v
			}
			continue
		}
		args, err := expandWords(cmds[i].call.Args)
		if err != nil {
			return nil, nil, nil, err
		}
		if len(args) > 1 && (args[0] == "$" || args[0] == "%") {
			args = args[1:]
		}
		if !isCurlName(args[0]) {
			return nil, nil, nil, notCurlError()
		}
		words, at = args, i
		break
	}
	if at < 0 {
		return nil, nil, nil, notCurlError()
	}

	// Lines that continue the command without a trailing backslash (a
	// paste that lost them) start with a flag; join them back.
	joined, others := 0, 0
	continuing := cmds[at].top
	for _, c := range cmds[at+1:] {
		if c.call == nil {
			continuing = false
			continue
		}
		first := c.call.Args[0].Lit()
		if continuing && c.top && strings.HasPrefix(first, "-") {
			args, err := expandWords(c.call.Args)
			if err != nil {
				return nil, nil, nil, err
			}
			words = append(words, args...)
			joined++
			continue
		}
		continuing = false
		if isCurlName(first) {
			others++
		}
	}
	if joined > 0 {
		notes = append(notes, fmt.Sprintf("joined %d line(s) that continued the curl command without a trailing \\", joined))
	}
	if others > 0 {
		notes = append(notes, fmt.Sprintf("used the first of %d curl commands; fix401 checks one request at a time", others+1))
	}
	if env.commands > 0 {
		notes = append(notes, "left $(…) and backtick command output empty: fix401 never runs commands from a pasted command; paste the output in their place")
	}
	if len(env.unset) > 0 {
		names := make([]string, len(env.unset))
		for i, n := range env.unset {
			names[i] = "$" + n
		}
		notes = append(notes, fmt.Sprintf("left %s empty: fix401 does not read environment variables; paste the value in its place", strings.Join(names, ", ")))
	}
	return words, notes, env.unset, nil
}

// maxNesting bounds how deep $( ), ${ } and ( ) may nest in a pasted
// command; real ones hardly nest at all, and deep nesting is slow to parse.
const maxNesting = 64

// maxExpansion bounds the bytes variables may expand to, so that
// a=$a$a$a$a repeated cannot grow without end.
const maxExpansion = 4 * MaxCurlCommand

// nestingDepth returns roughly how deep $( ), ${ }, $(( )) and ( ) nest
// outside single quotes. It errs on the high side only for odd input.
// Backticks are left out: nesting them needs twice the backslashes per
// level, so the size bound keeps them shallow.
func nestingDepth(s string) int {
	depth, deepest := 0, 0
	single, double := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && !single:
			i++
		case single:
			if c == '\'' {
				single = false
			}
		case c == '\'' && !double:
			single = true
			// $'…' allows \' inside; skip escapes the same way.
			if i > 0 && s[i-1] == '$' {
				for i++; i < len(s) && s[i] != '\''; i++ {
					if s[i] == '\\' {
						i++
					}
				}
				single = false
			}
		case c == '"':
			double = !double
		case c == '$' && i+1 < len(s) && (s[i+1] == '(' || s[i+1] == '{'):
			depth++
			i++
		case c == '(' && !double:
			depth++
		case (c == ')' || c == '}') && depth > 0:
			depth--
		}
		deepest = max(deepest, depth)
	}
	return deepest
}

// checkExpansions refuses parameter expansions whose cost can grow faster
// than the text (${a//x/$a}, ${a%%*} …): only $a, ${a}, ${#a}, ${a:-x},
// ${a-x}, ${a:+x} and ${a+x} are expanded. It returns the names used
// without a default, the ones worth a note when unset.
func checkExpansions(f *syntax.File) (map[string]bool, error) {
	var bad syntax.Node
	plain := map[string]bool{}
	syntax.Walk(f, func(n syntax.Node) bool {
		pe, ok := n.(*syntax.ParamExp)
		if !ok || bad != nil {
			return bad == nil
		}
		simple := pe.Param != nil && pe.Flags == nil && !pe.Excl && !pe.Width && !pe.IsSet &&
			pe.NestedParam == nil && pe.Index == nil && len(pe.Modifiers) == 0 && pe.Slice == nil &&
			pe.Repl == nil && pe.Names == 0
		if simple && pe.Exp != nil {
			switch pe.Exp.Op {
			case syntax.DefaultUnset, syntax.DefaultUnsetOrNull, syntax.AlternateUnset, syntax.AlternateUnsetOrNull:
			default:
				simple = false
			}
		}
		switch {
		case !simple:
			bad = pe
		case pe.Exp == nil:
			plain[pe.Param.Value] = true
		}
		return true
	})
	if bad != nil {
		return nil, Inputf("the curl command uses a shell expansion fix401 cannot do without running a shell (line %d)", bad.Pos().Line())
	}
	return plain, nil
}

// cleanPaste normalises pasted text: a byte order mark, CRLF line ends,
// Markdown code fences and a trailing backslash are removed.
func cleanPaste(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "```") {
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:]
		} else {
			s = ""
		}
		s = strings.TrimSuffix(strings.TrimSpace(s), "```")
		s = strings.TrimSpace(s)
	}
	s = strings.TrimSuffix(s, "\\")
	return strings.TrimSpace(s)
}

// otherFormat recognises the other "Copy as …" formats browsers offer and
// returns a hint to use the bash one, or "".
func otherFormat(s string) string {
	const use = "; in the browser's Network panel use Copy → Copy as cURL (bash)"
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "curl") && (strings.Contains(s, " ^\n") || strings.Contains(s, "^\"")):
		return "this is a Windows cmd command (Copy as cURL (cmd))" + use
	case strings.HasPrefix(lower, "invoke-webrequest"), strings.HasPrefix(lower, "invoke-restmethod"),
		strings.HasPrefix(lower, "$session"), strings.HasPrefix(lower, "iwr "):
		return "this is a PowerShell command (Copy as PowerShell), not a curl command" + use
	case strings.HasPrefix(lower, "fetch("), strings.HasPrefix(lower, "await fetch("):
		return "this is JavaScript (Copy as fetch), not a curl command" + use
	case strings.HasPrefix(s, "“"), strings.HasPrefix(s, "‘"):
		return "the command starts with a typographic quote; replace “ ” and ‘ ’ with straight quotes"
	}
	return ""
}

func notCurlError() error {
	return Inputf("this is not a curl command: it must start with curl (in the browser's Network panel use Copy → Copy as cURL (bash))")
}

// longQuoted matches a backquoted piece of a parser message long enough to be
// pasted text rather than an operator.
var longQuoted = regexp.MustCompile("`[^`]{13,}`")

// shellSyntaxError turns a shell parse error into one clear line that quotes
// no pasted text beyond a short operator.
func shellSyntaxError(err error) error {
	var pe syntax.ParseError
	if !errors.As(err, &pe) {
		return Inputf("the curl command cannot be read as a shell command")
	}
	if pe.Incomplete {
		return Inputf("the curl command is cut short (a quote, $( or ${ is not closed, line %d); copy the whole command", pe.Pos.Line())
	}
	msg := Sanitize(longQuoted.ReplaceAllString(pe.Text, "`…`"))
	if len(msg) > 100 {
		msg = msg[:100] + "…"
	}
	return Inputf("the curl command cannot be read as a shell command: line %d, column %d: %s", pe.Pos.Line(), pe.Pos.Col(), msg)
}

// isCurlName reports whether a command word runs curl: curl, curl.exe or a
// path to either.
func isCurlName(w string) bool {
	if i := strings.LastIndexAny(w, `/\`); i >= 0 {
		w = w[i+1:]
	}
	w = strings.ToLower(w)
	return w == "curl" || w == "curl.exe"
}

// shellCmd is one simple command of the pasted text, in order.
type shellCmd struct {
	call    *syntax.CallExpr // a command with arguments
	assigns []*syntax.Assign // or variable assignments alone
	other   bool             // or something else (if, for, a function …)
	top     bool             // a statement on its own, not in a pipeline
}

func flattenStmts(stmts []*syntax.Stmt, top bool, out *[]shellCmd) {
	for _, st := range stmts {
		flattenStmt(st, top, out)
	}
}

func flattenStmt(st *syntax.Stmt, top bool, out *[]shellCmd) {
	if st == nil {
		return
	}
	switch c := st.Cmd.(type) {
	case *syntax.CallExpr:
		if len(c.Args) == 0 {
			*out = append(*out, shellCmd{assigns: c.Assigns})
		} else {
			*out = append(*out, shellCmd{call: c, top: top})
		}
	case *syntax.DeclClause:
		*out = append(*out, shellCmd{assigns: c.Args})
	case *syntax.BinaryCmd:
		flattenStmt(c.X, false, out)
		flattenStmt(c.Y, false, out)
	case *syntax.Subshell:
		flattenStmts(c.Stmts, false, out)
	case *syntax.Block:
		flattenStmts(c.Stmts, false, out)
	case *syntax.TimeClause:
		flattenStmt(c.Stmt, top, out)
	case nil:
	default:
		*out = append(*out, shellCmd{other: true})
	}
}

// pasteEnv is the environment a pasted command is expanded in: only the
// variables the paste sets itself, and HOME. Every other variable is unset
// and remembered, so that a note can name it.
type pasteEnv struct {
	vars map[string]string
	// plain are the names used without a default; unset lists those
	// looked up and not set.
	plain    map[string]bool
	unset    []string
	commands int
	// spent counts the bytes of variable values handed out.
	spent int
}

func (e *pasteEnv) Get(name string) expand.Variable {
	if v, ok := e.vars[name]; ok {
		e.spent += len(v)
		if e.spent > maxExpansion {
			return expand.Variable{}
		}
		return expand.Variable{Set: true, Kind: expand.String, Str: v}
	}
	switch {
	case name == "IFS":
		// An empty IFS keeps every word one argument.
		return expand.Variable{Set: true, Kind: expand.String}
	case name == "PWD":
		// The expander asks for it to glob, which is off.
		return expand.Variable{}
	case name == "HOME":
		if home, err := os.UserHomeDir(); err == nil {
			return expand.Variable{Set: true, Kind: expand.String, Str: home}
		}
	case strings.HasPrefix(name, "HOME "):
		// ~user stays as written rather than looking the user up.
		return expand.Variable{Set: true, Kind: expand.String, Str: "~" + strings.TrimPrefix(name, "HOME ")}
	}
	if !e.plain[name] || slices.Contains(e.unset, name) {
		return expand.Variable{}
	}
	if len(e.unset) < 10 && len(name) <= 64 {
		e.unset = append(e.unset, name)
	}
	return expand.Variable{}
}

func (e *pasteEnv) Each(f func(name string, vr expand.Variable) bool) {
	for k, v := range e.vars {
		if !f(k, expand.Variable{Set: true, Kind: expand.String, Str: v}) {
			return
		}
	}
}

// curlAct is what fix401 does with a curl option.
type curlAct int

const (
	actSkip   curlAct = iota // skipped with a note
	actSilent                // accepted: it changes nothing a diagnosis sees
	actRequest
	actHeader
	actUser
	actCookie
	actData
	actDataASCII
	actDataBinary
	actDataRaw
	actDataURLEncode
	actJSON
	actGet
	actBearer
	actUserAgent
	actReferer
	actInsecure
	actLocationTrusted
	actMaxRedirs
	actProxy
	actProxyUser
	actURL
	actURLQuery
	actHead
	actMaxTime
	actJunkSession
	actGlobOff
	actForm
	actUpload
	actNext
)

// curlOpt describes one curl option.
type curlOpt struct {
	value bool    // takes a value
	act   curlAct // what to do
	why   string  // for a skipped option: why, in the note
}

// Reasons given in notes for skipped options.
const (
	whyGeneric   = "fix401 does not use it"
	whyHTTPVer   = "fix401 lets Go choose the HTTP version"
	whyTLS       = "fix401 uses Go's TLS settings and the system's certificate authorities"
	whyClientCrt = "fix401 does not send client certificates"
	whyResolve   = "fix401 connects to the address DNS gives"
	whyNetrc     = "fix401 does not read .netrc files; give the login with -u"
	whyWinAuth   = "fix401 does not do NTLM or Negotiate (Windows) sign-in"
	whyNoBody    = "fix401 does not send multipart forms or upload files, so the request went without a body"
	whyTimeout   = "fix401 bounds the whole check with -m/--max-time"
	whyIPFamily  = "fix401 uses whichever address family connects"
	whyProxyOpt  = "fix401 uses the proxy from -x or the environment as is"
)

// curlOpts maps long option names (without "--") to what they do; curlShort
// maps short options to long names. Options curl knows but fix401 does not
// list are skipped with a note too; knowing which take a value keeps that
// value from being mistaken for the URL.
var (
	curlOpts  = map[string]curlOpt{}
	curlShort = map[byte]string{}
)

func init() {
	handled := map[string]curlOpt{
		"request": {value: true, act: actRequest}, "header": {value: true, act: actHeader},
		"user": {value: true, act: actUser}, "cookie": {value: true, act: actCookie},
		"data": {value: true, act: actData}, "data-ascii": {value: true, act: actDataASCII},
		"data-binary": {value: true, act: actDataBinary}, "data-raw": {value: true, act: actDataRaw},
		"data-urlencode": {value: true, act: actDataURLEncode}, "json": {value: true, act: actJSON},
		"get": {act: actGet}, "oauth2-bearer": {value: true, act: actBearer},
		"user-agent": {value: true, act: actUserAgent}, "referer": {value: true, act: actReferer},
		"insecure": {act: actInsecure}, "location": {act: actSilent},
		"location-trusted": {act: actLocationTrusted}, "max-redirs": {value: true, act: actMaxRedirs},
		"proxy": {value: true, act: actProxy}, "proxy-user": {value: true, act: actProxyUser},
		"url": {value: true, act: actURL}, "url-query": {value: true, act: actURLQuery},
		"compressed": {act: actSilent}, "head": {act: actHead}, "max-time": {value: true, act: actMaxTime},
		"junk-session-cookies": {act: actJunkSession}, "globoff": {act: actGlobOff},
		"form": {value: true, act: actForm, why: whyNoBody}, "form-string": {value: true, act: actForm, why: whyNoBody},
		"upload-file": {value: true, act: actUpload, why: whyNoBody}, "next": {act: actNext},
		// Basic and Digest are answered as the server asks.
		"basic": {act: actSilent}, "digest": {act: actSilent}, "anyauth": {act: actSilent},
	}
	for k, v := range handled {
		curlOpts[k] = v
	}
	add := func(value bool, act curlAct, why string, names string) {
		for n := range strings.FieldsSeq(names) {
			curlOpts[n] = curlOpt{value: value, act: act, why: why}
		}
	}
	// Output and progress options: they change nothing a diagnosis sees.
	add(false, actSilent, "", `silent show-error verbose include show-headers fail fail-with-body fail-early
		no-progress-meter progress-meter progress-bar remote-name remote-name-all remote-header-name
		create-dirs no-buffer buffer trace-time trace-ids styled-output no-clobber clobber remove-on-error
		skip-existing parallel parallel-immediate xattr remote-time disable help version manual`)
	add(true, actSilent, "", `output write-out dump-header cookie-jar trace trace-ascii trace-config
		stderr libcurl output-dir parallel-max create-file-mode etag-save`)
	// Options that take a value and are skipped with a note.
	add(true, actSkip, whyTimeout, "connect-timeout")
	add(true, actSkip, whyClientCrt, "cert cert-type key key-type pass proxy-cert proxy-cert-type proxy-key proxy-key-type proxy-pass")
	add(true, actSkip, whyTLS, `cacert capath ciphers tls13-ciphers curves pinnedpubkey crlfile tls-max tlsuser
		tlspassword tlsauthtype engine random-file egd-file proxy-cacert proxy-capath proxy-ciphers
		proxy-tls13-ciphers proxy-crlfile proxy-pinnedpubkey proxy-tlsuser proxy-tlspassword
		proxy-tlsauthtype ech ssl-sessions`)
	add(true, actSkip, whyResolve, "resolve connect-to dns-servers dns-interface dns-ipv4-addr dns-ipv6-addr doh-url interface local-port")
	add(true, actSkip, whyNetrc, "netrc-file")
	add(true, actSkip, whyWinAuth, "delegation service-name proxy-service-name socks5-gssapi-service krb")
	add(true, actSkip, whyProxyOpt, "proxy-header preproxy socks4 socks4a socks5 socks5-hostname noproxy")
	add(true, actSkip, "fix401 does not sign requests with AWS Signature Version 4", "aws-sigv4")
	add(true, actSkip, "fix401 does not read curl config files", "config")
	add(true, actSkip, whyGeneric, `retry retry-delay retry-max-time limit-rate range continue-at speed-limit
		speed-time time-cond max-filesize expect100-timeout keepalive-time keepalive-cnt
		happy-eyeballs-timeout-ms rate quote mail-from mail-rcpt mail-auth ftp-port ftp-account
		ftp-alternative-to-user ftp-method ftp-ssl-ccc-mode login-options sasl-authzid telnet-option
		tftp-blksize unix-socket abstract-unix-socket request-target proto proto-redir proto-default
		etag-compare hsts alt-svc variable ip-tos vlan-priority ipfs-gateway haproxy-clientip
		hostpubmd5 hostpubsha256 pubkey knownhosts form-escape-mode`)
	// Options without a value that are skipped with a note.
	add(false, actSkip, whyHTTPVer, "http1.0 http1.1 http2 http2-prior-knowledge http3 http3-only proxy-http2")
	add(false, actSkip, whyTLS, `tlsv1 tlsv1.0 tlsv1.1 tlsv1.2 tlsv1.3 sslv2 sslv3 cert-status false-start ssl
		ssl-reqd ssl-allow-beast ssl-no-revoke ssl-revoke-best-effort ssl-auto-client-cert ca-native
		proxy-ca-native proxy-insecure proxy-ssl-allow-beast proxy-ssl-auto-client-cert doh-insecure
		doh-cert-status no-sessionid sessionid no-alpn alpn no-npn npn`)
	add(false, actSkip, whyIPFamily, "ipv4 ipv6")
	add(false, actSkip, whyNetrc, "netrc netrc-optional")
	add(false, actSkip, whyWinAuth, "ntlm ntlm-wb negotiate proxy-ntlm proxy-negotiate socks5-gssapi socks5-gssapi-nec")
	add(false, actSkip, whyProxyOpt, "proxytunnel proxy-basic proxy-digest proxy-anyauth socks5-basic suppress-connect-headers")
	add(false, actSkip, whyGeneric, `path-as-is raw tr-encoding post301 post302 post303 no-keepalive keepalive
		tcp-nodelay tcp-fastopen disallow-username-in-url crlf use-ascii list-only append ftp-pasv
		ftp-skip-pasv-ip ftp-create-dirs ftp-ssl-control ftp-pret disable-eprt disable-epsv
		ignore-content-length metalink compressed-ssh sasl-ir mptcp form-escape retry-all-errors
		retry-connrefused ssl-allow-beast`)

	for c, long := range map[byte]string{
		'X': "request", 'H': "header", 'u': "user", 'b': "cookie", 'd': "data", 'G': "get",
		'A': "user-agent", 'e': "referer", 'k': "insecure", 'L': "location", 'x': "proxy",
		'U': "proxy-user", 'I': "head", 'm': "max-time", 'j': "junk-session-cookies", 'g': "globoff",
		'F': "form", 'T': "upload-file", 'n': "netrc", 'K': "config", 's': "silent", 'S': "show-error",
		'v': "verbose", 'i': "include", 'o': "output", 'w': "write-out", 'f': "fail", '#': "progress-bar",
		'O': "remote-name", 'J': "remote-header-name", 'D': "dump-header", 'c': "cookie-jar",
		'N': "no-buffer", 'Z': "parallel", 'R': "remote-time", 'q': "disable", 'h': "help",
		'V': "version", 'M': "manual", 'E': "cert", 'r': "range", 'C': "continue-at", 'Y': "speed-limit",
		'y': "speed-time", 'z': "time-cond", 'Q': "quote", 'P': "ftp-port", 't': "telnet-option",
		'0': "http1.0", '1': "tlsv1", '2': "sslv2", '3': "sslv3", '4': "ipv4", '6': "ipv6",
		'p': "proxytunnel", 'B': "use-ascii", 'l': "list-only", 'a': "append", ':': "next",
	} {
		curlShort[c] = long
	}
}

// dataPart is one -d, --data-* or --json argument after reading files and
// encoding; glued parts (--json) join the previous one without '&'.
type dataPart struct {
	text  string
	glued bool
}

// curlParser interprets curl's arguments.
type curlParser struct {
	req   Request
	notes []string
	noted map[string]bool

	unsetVars   []string
	urls        []string
	maybeValue  []int // indexes into urls of arguments that followed an unknown option
	method      string
	head, get   bool
	globOff     bool
	junk        bool
	json        bool
	form        bool
	upload      bool
	data        []dataPart
	queries     []string
	userAgent   *string
	referer     *string
	proxyUser   string
	hasProxyU   bool
	headerCount int
}

// note adds a note once.
func (p *curlParser) note(text string) {
	if !p.noted[text] {
		p.noted[text] = true
		p.notes = append(p.notes, text)
	}
}

func (p *curlParser) parse(words []string) (Request, error) {
	args := words[1:]
	flags := true
	unknown := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		// An argument right after an unknown option may be its value.
		afterUnknown := unknown
		unknown = false
		// next returns the option's value: the rest of the word or the next one.
		next := func(shown, attached string, hasAttached bool) (string, error) {
			if hasAttached {
				return attached, nil
			}
			if i+1 >= len(args) {
				return "", Inputf("%s needs a value at the end of the curl command", shown)
			}
			i++
			return args[i], nil
		}
		switch {
		case a == "":
			// An empty argument is most often an unset variable ("$URL");
			// the notes name it.
		case !flags || a == "-" || !strings.HasPrefix(a, "-"):
			p.urls = append(p.urls, a)
			if afterUnknown {
				p.maybeValue = append(p.maybeValue, len(p.urls)-1)
			}
		case a == "--":
			flags = false
		case strings.HasPrefix(a, "--"):
			name, attached, hasAttached := strings.Cut(a[2:], "=")
			shown := "--" + name
			opt, known := lookupLong(name)
			if hasAttached && known && !opt.value {
				known = false
			}
			if !known {
				p.note(fmt.Sprintf("skipped %s: %s", showUnknown(shown), whyGeneric))
				unknown = !hasAttached
				continue
			}
			_, exact := curlOpts[name]
			on := exact || !strings.HasPrefix(name, "no-")
			var val string
			if opt.value {
				v, err := next(shown, attached, hasAttached)
				if err != nil {
					return Request{}, err
				}
				val = v
			}
			if err := p.apply(opt, shown, val, on); err != nil {
				return Request{}, err
			}
			if opt.act == actNext {
				return p.finish()
			}
		default:
			// One or more short options: -sSL, -XPOST, -HName: v.
			for j := 1; j < len(a); j++ {
				long, ok := curlShort[a[j]]
				shown := "-" + string(a[j])
				if !ok {
					p.note(fmt.Sprintf("skipped %s: %s", showUnknown(shown), whyGeneric))
					continue
				}
				opt := curlOpts[long]
				var val string
				if opt.value {
					v, err := next(shown, a[j+1:], j+1 < len(a))
					if err != nil {
						return Request{}, err
					}
					val = v
				}
				if err := p.apply(opt, shown, val, true); err != nil {
					return Request{}, err
				}
				if opt.act == actNext {
					return p.finish()
				}
				if opt.value {
					break
				}
			}
		}
	}
	return p.finish()
}

// lookupLong finds a long option, its --no- negation for options without a
// value, and curl 8's --expand- forms.
func lookupLong(name string) (curlOpt, bool) {
	if opt, ok := curlOpts[name]; ok {
		return opt, true
	}
	if base, ok := strings.CutPrefix(name, "no-"); ok {
		if opt, ok := curlOpts[base]; ok && !opt.value {
			return opt, true
		}
	}
	if base, ok := strings.CutPrefix(name, "expand-"); ok {
		if opt, ok := curlOpts[base]; ok && opt.value {
			return opt, true
		}
	}
	return curlOpt{}, false
}

// validFlagName matches option names safe to repeat in a note.
var validFlagName = regexp.MustCompile(`^--?[A-Za-z0-9#:][A-Za-z0-9.-]{0,31}$`)

// showUnknown returns an unknown option as it may appear in a note: its
// name when it looks like an option name, never anything that could be a
// pasted secret.
func showUnknown(shown string) string {
	if validFlagName.MatchString(shown) {
		return shown
	}
	return "an unknown option"
}

func (p *curlParser) apply(opt curlOpt, shown, val string, on bool) error {
	switch opt.act {
	case actSilent:
	case actSkip:
		p.note(fmt.Sprintf("skipped %s: %s", shown, cmpOr(opt.why, whyGeneric)))
	case actRequest:
		if !isToken(val) || len(val) > 32 {
			return Inputf("%s must be an HTTP method such as GET or POST", shown)
		}
		p.method = val
	case actHeader:
		return p.header(shown, val)
	case actUser:
		user, pass, hasPass := strings.Cut(val, ":")
		p.req.User, p.req.Password, p.req.HasUser = user, pass, true
		if !hasPass {
			p.note(fmt.Sprintf("%s gives no password: curl would ask for one; an empty password is used", shown))
		}
	case actCookie:
		cookies, file, err := ParseCookieArg(val)
		if err != nil {
			return err
		}
		p.req.Cookies = append(p.req.Cookies, cookies...)
		if file != "" && p.req.CookieFile == "" {
			p.req.CookieFile = file
		}
	case actData, actDataASCII, actDataBinary, actDataRaw, actJSON:
		return p.dataArg(opt.act, shown, val)
	case actDataURLEncode:
		return p.urlencodeArg(shown, val, false)
	case actURLQuery:
		return p.urlencodeArg(shown, val, true)
	case actGet:
		p.get = on
	case actBearer:
		p.req.Bearer = val
	case actUserAgent:
		p.userAgent = &val
	case actReferer:
		r := strings.TrimSuffix(val, ";auto")
		p.referer = &r
	case actInsecure:
		p.req.Insecure = on
	case actLocationTrusted:
		p.req.LocationTrusted = on
	case actMaxRedirs:
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil {
			return Inputf("%s must be a whole number of redirects", shown)
		}
		switch {
		case n == 0:
			p.req.MaxRedirects = -1
		case n < 0:
			p.req.MaxRedirects = 0
			p.note(fmt.Sprintf("%s %d (no limit) was replaced by fix401's limit of 10 redirects", shown, n))
		default:
			p.req.MaxRedirects = n
		}
	case actProxy:
		p.req.Proxy = val
		if val == "" {
			p.note(fmt.Sprintf("%s \"\" (no proxy) is not supported: fix401 uses the environment's proxy settings", shown))
		}
	case actProxyUser:
		p.proxyUser, p.hasProxyU = val, true
	case actURL:
		p.urls = append(p.urls, val)
	case actHead:
		p.head = on
	case actMaxTime:
		return p.maxTime(shown, val)
	case actJunkSession:
		p.junk = on
	case actGlobOff:
		p.globOff = on
	case actForm:
		p.form = true
		p.note(fmt.Sprintf("skipped %s: %s", shown, opt.why))
	case actUpload:
		p.upload = true
		p.note(fmt.Sprintf("skipped %s: %s", shown, opt.why))
	case actNext:
		p.note(fmt.Sprintf("used the part before %s; fix401 checks one request at a time", shown))
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// header applies one -H argument: "Name: value", "Name;" (an empty value),
// "Name:" (curl removes a header of its own; skipped) or @file.
func (p *curlParser) header(shown, val string) error {
	if file, ok := strings.CutPrefix(val, "@"); ok {
		data, err := readInputFile("header file", file, maxHeaderFile)
		if err != nil {
			return err
		}
		for line := range strings.SplitSeq(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			if err := p.header(shown, line); err != nil {
				return err
			}
		}
		return nil
	}
	p.headerCount++
	nth := fmt.Sprintf("%s number %d", shown, p.headerCount)
	name, value, hasColon := strings.Cut(val, ":")
	if !hasColon {
		trimmed := strings.TrimRight(val, " \t")
		n, isEmpty := strings.CutSuffix(trimmed, ";")
		if !isEmpty || !isToken(n) {
			return Inputf("%s has no colon: write it as Name: value", nth)
		}
		p.req.Headers = append(p.req.Headers, Field{Name: n, Value: ""})
		return nil
	}
	if name == "" {
		return Inputf("%s has no header name before the colon", nth)
	}
	if !isToken(name) {
		return Inputf("%s has a header name with a space or another character a name cannot have", nth)
	}
	value = strings.TrimLeft(value, " \t")
	if value == "" {
		p.note(fmt.Sprintf("skipped the header %s: with no value: in curl it removes a header curl adds itself", name))
		return nil
	}
	p.req.Headers = append(p.req.Headers, Field{Name: name, Value: value})
	return nil
}

// dataArg applies -d, --data-ascii, --data-binary, --data-raw and --json.
func (p *curlParser) dataArg(act curlAct, shown, val string) error {
	part := dataPart{text: val, glued: act == actJSON && p.json}
	if act == actJSON {
		p.json = true
	}
	if file, ok := strings.CutPrefix(val, "@"); ok && act != actDataRaw {
		if file == "-" {
			p.note(fmt.Sprintf("skipped %s @-: a pasted command cannot read standard input, so that part of the body is empty", shown))
			p.data = append(p.data, dataPart{glued: part.glued})
			return nil
		}
		data, err := readInputFile("data file", file, MaxBodyFile)
		if err != nil {
			return err
		}
		part.text = string(data)
		if act == actData || act == actDataASCII {
			// curl drops carriage returns and newlines from a -d @file.
			part.text = strings.Map(func(r rune) rune {
				if r == '\r' || r == '\n' {
					return -1
				}
				return r
			}, part.text)
		}
	}
	p.data = append(p.data, part)
	return nil
}

// urlencodeArg applies --data-urlencode and --url-query: "content",
// "=content", "name=content", "@file" and "name@file", the content
// form-encoded as curl does. --url-query also takes "+content", added
// as is.
func (p *curlParser) urlencodeArg(shown, val string, query bool) error {
	if query {
		if raw, ok := strings.CutPrefix(val, "+"); ok {
			p.queries = append(p.queries, raw)
			return nil
		}
	}
	name, content := "", val
	sep := strings.IndexByte(val, '=')
	if sep < 0 {
		sep = strings.IndexByte(val, '@')
	}
	if sep >= 0 {
		name, content = val[:sep], val[sep+1:]
		if val[sep] == '@' {
			if content == "-" {
				p.note(fmt.Sprintf("skipped %s @-: a pasted command cannot read standard input, so that part is empty", shown))
				content = ""
			} else {
				data, err := readInputFile("data file", content, MaxBodyFile)
				if err != nil {
					return err
				}
				content = string(data)
			}
		}
	}
	// curl encodes as a form does: a space becomes '+'.
	enc := url.QueryEscape(content)
	if name != "" {
		enc = name + "=" + enc
	}
	if query {
		p.queries = append(p.queries, enc)
	} else {
		p.data = append(p.data, dataPart{text: enc})
	}
	return nil
}

// maxTime applies -m/--max-time: seconds, fractions allowed; 0 is curl's
// "no limit", which leaves fix401's default.
func (p *curlParser) maxTime(shown, val string) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return Inputf("%s must be a number of seconds, such as 30", shown)
	}
	if f > float64(math.MaxInt64)/float64(time.Second) {
		return Inputf("%s is too large", shown)
	}
	if f == 0 {
		p.note(fmt.Sprintf("%s 0 (no limit) was replaced by fix401's default of 15 s", shown))
	}
	p.req.Timeout = time.Duration(f * float64(time.Second))
	return nil
}

// finish checks the URL and builds the Request.
func (p *curlParser) finish() (Request, error) {
	if len(p.urls) > 1 && len(p.maybeValue) > 0 && len(p.urls)-len(p.maybeValue) == 1 {
		// The others were most likely the values of options fix401 does
		// not know.
		for i, u := range p.urls {
			if !slices.Contains(p.maybeValue, i) {
				p.urls = []string{u}
				break
			}
		}
		p.note("took the argument after an unknown option as that option's value, not as a URL")
	}
	switch len(p.urls) {
	case 0:
		if len(p.unsetVars) > 0 {
			return Request{}, Inputf("no URL in the curl command ($%s is not set here: fix401 does not read environment variables)", p.unsetVars[0])
		}
		return Request{}, Inputf("no URL in the curl command")
	case 1:
	default:
		return Request{}, Inputf("the curl command has %d URLs; fix401 checks one at a time", len(p.urls))
	}
	raw := p.urls[0]
	if !p.globOff {
		// Chrome escapes [ ] { } in URLs for curl's globbing; curl removes
		// the backslashes.
		raw = unglob.Replace(raw)
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
		p.note("the URL has no scheme: http:// was used, as curl does")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Request{}, Inputf("the URL in the curl command is not valid")
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return Request{}, Inputf("fix401 checks http and https URLs, not %s", showScheme(u.Scheme))
	}
	if u.Host == "" {
		return Request{}, Inputf("the URL in the curl command has no host name")
	}

	body := joinData(p.data)
	hasData := len(p.data) > 0
	queries := p.queries
	if p.get && hasData {
		queries = append([]string{body}, queries...)
		body, hasData = "", false
	}
	raw = addQuery(raw, queries)

	switch {
	case p.method != "":
		p.req.Method = p.method
	case p.head && (hasData || p.form):
		return Request{}, Inputf("the curl command asks for both HEAD (-I) and a body (-d or -F); curl refuses that too")
	case p.head:
		p.req.Method = "HEAD"
	case p.get:
		p.req.Method = ""
	case hasData || p.form:
		p.req.Method = "POST"
	case p.upload:
		p.req.Method = "PUT"
	}
	p.req.URL = raw
	p.req.Body = body

	if hasData && !p.hasHeader("Content-Type") {
		ct := "application/x-www-form-urlencoded"
		if p.json {
			ct = "application/json"
		}
		p.req.Headers = append(p.req.Headers, Field{Name: "Content-Type", Value: ct})
	}
	if hasData && p.json && !p.hasHeader("Accept") {
		p.req.Headers = append(p.req.Headers, Field{Name: "Accept", Value: "application/json"})
	}
	// A -H header of the same name wins over -A and -e, as in curl.
	if p.userAgent != nil && *p.userAgent != "" && !p.hasHeader("User-Agent") {
		p.req.Headers = append(p.req.Headers, Field{Name: "User-Agent", Value: *p.userAgent})
	}
	if p.referer != nil && *p.referer != "" && !p.hasHeader("Referer") {
		p.req.Headers = append(p.req.Headers, Field{Name: "Referer", Value: *p.referer})
	}

	if p.req.Proxy != "" && !strings.Contains(p.req.Proxy, "://") {
		// curl's default proxy scheme; Go needs it spelled out.
		p.req.Proxy = "http://" + p.req.Proxy
	}
	if p.hasProxyU {
		if p.req.Proxy == "" {
			p.note("skipped -U/--proxy-user: no proxy was given with -x")
		} else {
			proxy, err := withProxyUser(p.req.Proxy, p.proxyUser)
			if err != nil {
				return Request{}, err
			}
			p.req.Proxy = proxy
		}
	}

	if p.junk {
		kept := p.req.Cookies[:0]
		for _, c := range p.req.Cookies {
			if c.Domain == "" || !c.Expires.IsZero() {
				kept = append(kept, c)
			}
		}
		p.req.Cookies = kept
	}
	p.req.Notes = p.notes
	return p.req, nil
}

var unglob = strings.NewReplacer(`\[`, "[", `\]`, "]", `\{`, "{", `\}`, "}")

func showScheme(s string) string {
	if validFlagName.MatchString("-"+s) && len(s) <= 16 {
		return s + ":"
	}
	return "this scheme"
}

func (p *curlParser) hasHeader(name string) bool {
	for _, h := range p.req.Headers {
		if strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}

// joinData joins the body parts with '&', as curl does for several -d.
func joinData(parts []dataPart) string {
	var b strings.Builder
	for i, d := range parts {
		if i > 0 && !d.glued {
			b.WriteByte('&')
		}
		b.WriteString(d.text)
	}
	return b.String()
}

// addQuery appends query parts to a URL, before any fragment.
func addQuery(raw string, parts []string) string {
	if len(parts) == 0 {
		return raw
	}
	frag := ""
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw, frag = raw[:i], raw[i:]
	}
	q := strings.Join(parts, "&")
	switch {
	case !strings.Contains(raw, "?"):
		raw += "?" + q
	case strings.HasSuffix(raw, "?") || strings.HasSuffix(raw, "&"):
		raw += q
	default:
		raw += "&" + q
	}
	return raw + frag
}

// withProxyUser puts -U user:password into the proxy URL, where Go's
// transport takes proxy credentials from.
func withProxyUser(proxy, userpass string) (string, error) {
	u, err := url.Parse(proxy)
	if err != nil || u.Host == "" {
		return "", Inputf("the proxy given with -x is not a valid URL")
	}
	user, pass, hasPass := strings.Cut(userpass, ":")
	if hasPass {
		u.User = url.UserPassword(user, pass)
	} else {
		u.User = url.User(user)
	}
	return u.String(), nil
}
