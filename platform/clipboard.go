package platform

import (
	"context"
	"encoding/base64"
	"io"
	"time"
)

// maxOSC52 bounds the text sent through OSC 52; many terminals cap it.
const maxOSC52 = 74 << 10

// CopyResult says how text was put on the clipboard, so the caller can tell
// the person. The caller always shows the text on screen as well: OSC 52
// gives no sign of success, and a native tool may not reach the person's
// own clipboard.
type CopyResult struct {
	// OSC52 is set when the OSC 52 sequence was written to the terminal
	// (the terminal may still ignore it: GNOME Terminal, Terminal.app).
	OSC52 bool `json:"osc52"`
	// Tool is the native tool that took the text ("wl-copy"), empty when
	// none did.
	Tool string `json:"tool,omitempty"`
	// Skipped says why no native tool was used, in plain words.
	Skipped string `json:"skipped,omitempty"`
	// ToolError says why the native tool failed.
	ToolError string `json:"tool_error,omitempty"`
}

// Copied reports whether anything is likely to have reached a clipboard.
func (r CopyResult) Copied() bool { return r.Tool != "" || r.OSC52 }

// OSC52 returns the escape sequence that asks the terminal to put text on
// the system clipboard.
func OSC52(text string) string {
	return "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(text)) + "\a"
}

// clipboardTool picks the native clipboard tool for this machine, or says
// why there is none.
func clipboardTool(env *Env, text string) ([]string, string) {
	if env.goos() != "windows" && (env.getenv("SSH_CONNECTION") != "" || env.getenv("SSH_TTY") != "") {
		return nil, "over SSH the native clipboard is the remote machine's, not yours"
	}
	switch env.goos() {
	case "darwin":
		if p := env.lookPath("pbcopy"); p != "" {
			return []string{p}, ""
		}
		return nil, "pbcopy is not available"
	case "windows":
		for _, r := range text {
			if r > 0x7e {
				return nil, "clip.exe would garble non-ASCII text"
			}
		}
		if p := env.lookPath("clip"); p != "" {
			return []string{p}, ""
		}
		return nil, "clip.exe is not available"
	}
	if env.getenv("WAYLAND_DISPLAY") != "" {
		if p := env.lookPath("wl-copy"); p != "" {
			return []string{p}, ""
		}
	}
	if env.getenv("DISPLAY") != "" {
		if p := env.lookPath("xclip"); p != "" {
			return []string{p, "-selection", "clipboard"}, ""
		}
		if p := env.lookPath("xsel"); p != "" {
			return []string{p, "--clipboard", "--input"}, ""
		}
	}
	if env.getenv("WAYLAND_DISPLAY") == "" && env.getenv("DISPLAY") == "" {
		return nil, "no graphical session"
	}
	return nil, "no clipboard tool (wl-copy, xclip or xsel) is installed"
}

// Copy puts text on the clipboard: OSC 52 written to term (when not nil),
// and the native tool (pbcopy, wl-copy, xclip, xsel, clip) when one fits
// this machine. The tools that stay resident to serve the selection are
// run with their output discarded, never captured, so Copy does not hang.
func Copy(ctx context.Context, env *Env, term io.Writer, text string) CopyResult {
	var r CopyResult
	if term != nil && len(text) <= maxOSC52 {
		if _, err := io.WriteString(term, OSC52(text)); err == nil {
			r.OSC52 = true
		}
	}
	argv, why := clipboardTool(env, text)
	if argv == nil {
		r.Skipped = why
		return r
	}
	res := env.run(ctx, Cmd{Argv: argv, Stdin: text, HasStdin: true, Discard: true, Timeout: 5 * time.Second})
	if res.OK() {
		r.Tool = baseName(argv[0])
		return r
	}
	r.ToolError = Judge(Action{ID: "clipboard", Argv: argv, Timeout: 5 * time.Second}, res, ViaDirect).Reason
	return r
}
