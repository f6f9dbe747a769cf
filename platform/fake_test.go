package platform

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"time"
)

// facts is one machine's recorded facts: files, links, environment,
// programs on PATH, command results, processes, interfaces and registry
// values. env() turns them into an Env whose runner records every argv.
type facts struct {
	goos  string
	files map[string]string
	links map[string]string
	// exists lists paths that exist besides files and their directories
	// (sockets, directories).
	exists []string
	vars   map[string]string
	// path maps program names to their absolute paths.
	path map[string]string
	// cmds maps "argv joined by spaces" to a result; argv[0] may be given
	// as the bare name or the absolute path.
	cmds   map[string]CmdResult
	procs  []Proc
	ifaces []Iface
	// reg maps `KEY|name` to a string, uint64 or []byte.
	reg   map[string]any
	admin bool
	// local is the answer of LocalAddrFor; hosts that of LookupHost.
	local string
	hosts map[string][]string

	mu      sync.Mutex
	calls   [][]string
	started [][]string
	temp    int
}

func out(stdout string) CmdResult { return CmdResult{ExitCode: 0, Stdout: stdout} }
func exit(code int, stderr string) CmdResult {
	return CmdResult{ExitCode: code, Stderr: stderr}
}

func (f *facts) env() *Env {
	e := &Env{GOOS: f.goos}
	e.ReadFile = func(name string) ([]byte, error) {
		if s, ok := f.files[name]; ok {
			return []byte(s), nil
		}
		return nil, fs.ErrNotExist
	}
	e.ReadDir = func(name string) ([]string, error) {
		set := map[string]bool{}
		for p := range f.files {
			if path.Dir(p) == name {
				set[path.Base(p)] = true
			}
		}
		if len(set) == 0 {
			return nil, fs.ErrNotExist
		}
		var names []string
		for n := range set {
			names = append(names, n)
		}
		sort.Strings(names)
		return names, nil
	}
	e.Readlink = func(name string) (string, error) {
		if t, ok := f.links[name]; ok {
			return t, nil
		}
		return "", fs.ErrInvalid
	}
	e.Exists = func(name string) bool {
		if _, ok := f.files[name]; ok {
			return true
		}
		for _, p := range f.exists {
			if p == name {
				return true
			}
		}
		for p := range f.files {
			if strings.HasPrefix(p, name+"/") {
				return true
			}
		}
		return false
	}
	e.LookPath = func(file string) (string, error) {
		if p, ok := f.path[file]; ok {
			return p, nil
		}
		return "", errors.New("not found")
	}
	e.Getenv = func(k string) string { return f.vars[k] }
	e.Run = func(_ context.Context, c Cmd) CmdResult {
		f.mu.Lock()
		f.calls = append(f.calls, c.Argv)
		f.mu.Unlock()
		key := strings.Join(c.Argv, " ")
		res, ok := f.cmds[key]
		if !ok && len(c.Argv) > 0 {
			res, ok = f.cmds[strings.Join(append([]string{path.Base(c.Argv[0])}, c.Argv[1:]...), " ")]
		}
		if !ok {
			return CmdResult{Argv: c.Argv, ExitCode: -1, NotFound: true}
		}
		res.Argv = c.Argv
		return res
	}
	e.Start = func(argv []string) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.started = append(f.started, argv)
		return nil
	}
	if f.procs != nil {
		e.Processes = func() ([]Proc, error) { return f.procs, nil }
	}
	e.Interfaces = func() ([]Iface, error) { return f.ifaces, nil }
	e.LocalAddrFor = func(context.Context, string) (string, error) {
		if f.local == "" {
			return "", errors.New("no route")
		}
		return f.local, nil
	}
	e.LookupHost = func(_ context.Context, h string) ([]string, error) {
		if a, ok := f.hosts[h]; ok {
			return a, nil
		}
		return nil, fmt.Errorf("lookup %s: no such host", h)
	}
	if f.reg != nil {
		e.Registry = fakeRegistry(f.reg)
	}
	e.IsAdmin = func() bool { return f.admin }
	e.MkdirTemp = func(pattern string) (string, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.temp++
		return "/tmp/" + strings.Replace(pattern, "*", fmt.Sprint(f.temp), 1), nil
	}
	if f.goos == "windows" {
		e.Elevate = func(_ context.Context, argv []string, _ time.Duration) (int, error) {
			f.mu.Lock()
			f.calls = append(f.calls, append([]string{"<uac>"}, argv...))
			f.mu.Unlock()
			res, ok := f.cmds["<uac> "+strings.Join(argv, " ")]
			if !ok {
				return -1, ErrCancelled
			}
			return res.ExitCode, nil
		}
	}
	return e
}

// ran reports the argv vectors run, joined by spaces.
func (f *facts) ran() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		out = append(out, strings.Join(c, " "))
	}
	return out
}

type fakeRegistry map[string]any

func (r fakeRegistry) get(key, name string) (any, error) {
	if v, ok := r[strings.ToLower(key+"|"+name)]; ok {
		return v, nil
	}
	for k, v := range r {
		if strings.EqualFold(k, key+"|"+name) {
			return v, nil
		}
	}
	return nil, fs.ErrNotExist
}

func (r fakeRegistry) String(key, name string) (string, error) {
	v, err := r.get(key, name)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", errors.New("wrong type")
	}
	return s, nil
}

func (r fakeRegistry) Integer(key, name string) (uint64, error) {
	v, err := r.get(key, name)
	if err != nil {
		return 0, err
	}
	n, ok := v.(uint64)
	if !ok {
		return 0, errors.New("wrong type")
	}
	return n, nil
}

func (r fakeRegistry) Binary(key, name string) ([]byte, error) {
	v, err := r.get(key, name)
	if err != nil {
		return nil, err
	}
	b, ok := v.([]byte)
	if !ok {
		return nil, errors.New("wrong type")
	}
	return b, nil
}

func (r fakeRegistry) Subkeys(key string) ([]string, error) {
	prefix := strings.ToLower(key) + `\`
	set := map[string]bool{}
	for k := range r {
		kk, _, _ := strings.Cut(k, "|")
		if strings.HasPrefix(strings.ToLower(kk), prefix) {
			rest := kk[len(prefix):]
			first, _, _ := strings.Cut(rest, `\`)
			set[first] = true
		}
	}
	if len(set) == 0 {
		return nil, fs.ErrNotExist
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}
