package platform

import (
	"path"
	"strings"
)

// desktopEntry is what fix401 reads of a freedesktop .desktop file.
type desktopEntry struct {
	ID        string // the file name, "firefox.desktop"
	File      string
	Name      string
	Exec      []string
	TryExec   string
	MimeTypes []string
	Hidden    bool
	// Private is the Exec of a [Desktop Action …] that opens a private
	// window, if the file has one.
	Private []string
}

// keyFile calls fn with the group, key and value of every "key=value" line
// of a key file (a desktop file, KDE's or NetworkManager's configuration),
// key and value trimmed; blank lines and # comments are skipped.
func keyFile(s string, fn func(group, key, value string)) {
	group := ""
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			group = line[1 : len(line)-1]
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			fn(group, strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
}

// parseDesktop reads a .desktop file's [Desktop Entry] group and its
// private-window action.
func parseDesktop(id, file, s string) (desktopEntry, bool) {
	e := desktopEntry{ID: id, File: file}
	isApp := false
	keyFile(s, func(group, k, v string) {
		switch {
		case group == "Desktop Entry":
			switch k {
			case "Type":
				isApp = v == "Application"
			case "Name":
				e.Name = unescapeDesktop(v)
			case "Exec":
				e.Exec = parseDesktopExec(unescapeDesktop(v))
			case "TryExec":
				e.TryExec = unescapeDesktop(v)
			case "MimeType":
				for _, m := range strings.Split(v, ";") {
					if m = strings.TrimSpace(m); m != "" {
						e.MimeTypes = append(e.MimeTypes, m)
					}
				}
			case "Hidden", "NoDisplay":
				if k == "Hidden" && v == "true" {
					e.Hidden = true
				}
			}
		case strings.HasPrefix(group, "Desktop Action ") && k == "Exec":
			action := strings.ToLower(strings.TrimPrefix(group, "Desktop Action "))
			if strings.Contains(action, "private") || strings.Contains(action, "incognito") || strings.Contains(action, "inprivate") {
				e.Private = parseDesktopExec(unescapeDesktop(v))
			}
		}
	})
	return e, isApp && len(e.Exec) > 0
}

// unescapeDesktop undoes the string escapes of a desktop-file value.
func unescapeDesktop(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
			switch v[i] {
			case 's':
				b.WriteByte(' ')
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '\\':
				b.WriteByte('\\')
			default:
				b.WriteByte('\\')
				b.WriteByte(v[i])
			}
			continue
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// parseDesktopExec splits an Exec value into argv: double quotes group,
// backslash escapes inside them, field codes (%u, %F, …) and Flatpak's
// file-forwarding markers are dropped, and a leading "env VAR=value" (snap
// launchers) is removed.
func parseDesktopExec(s string) []string {
	var args []string
	var cur strings.Builder
	inQuote, have := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote && c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == '"':
			inQuote = !inQuote
			have = true
		case !inQuote && (c == ' ' || c == '\t'):
			if have {
				args = append(args, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteByte(c)
			have = true
		}
	}
	if have {
		args = append(args, cur.String())
	}
	out := args[:0]
	for _, a := range args {
		switch {
		case len(a) == 2 && a[0] == '%':
			if a == "%%" {
				out = append(out, "%")
			}
		case a == "@@" || a == "@@u" || a == "@@f":
		default:
			out = append(out, strings.ReplaceAll(a, "%%", "%"))
		}
	}
	if len(out) > 0 && path.Base(out[0]) == "env" {
		j := 1
		for j < len(out) && strings.Contains(out[j], "=") && !strings.HasPrefix(out[j], "-") {
			j++
		}
		out = out[j:]
	}
	return out
}
