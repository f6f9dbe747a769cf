package steps

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
)

// EnvStateDir names the environment variable that overrides the state
// directory (for tests, and for people who keep such files elsewhere).
const EnvStateDir = "FIX401_STATE_DIR"

// StateDir returns the directory fix401 keeps its saved sessions and
// reports in: $FIX401_STATE_DIR when set; otherwise $XDG_STATE_HOME/fix401
// or ~/.local/state/fix401 on Linux and other Unix systems,
// ~/Library/Application Support/fix401 on macOS and %LocalAppData%\fix401
// on Windows. getenv nil means os.Getenv; home is the home directory ("" →
// os.UserHomeDir). It fails only when no directory can be named at all.
func StateDir(goos string, getenv func(string) string, home string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if d := strings.TrimSpace(getenv(EnvStateDir)); d != "" {
		return d, nil
	}
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil && goos != "windows" {
			if x := getenv("XDG_STATE_HOME"); x == "" || !filepath.IsAbs(x) {
				return "", fmt.Errorf("steps: no home directory to keep the session in (set %s): %w", EnvStateDir, err)
			}
		}
		home = h
	}
	switch goos {
	case "windows":
		if d := getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "fix401"), nil
		}
		if home == "" {
			return "", fmt.Errorf("steps: neither %%LocalAppData%% nor a home directory is set (set %s)", EnvStateDir)
		}
		return filepath.Join(home, "AppData", "Local", "fix401"), nil
	case "darwin":
		return filepath.Join(home, "Library", "Application Support", "fix401"), nil
	}
	// The XDG base directory spec ignores relative paths.
	if x := getenv("XDG_STATE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "fix401"), nil
	}
	return filepath.Join(home, ".local", "state", "fix401"), nil
}

// WriteFileAtomic writes data to path so that a reader sees either the old
// file or the new one, never half of it: a temporary file in the same
// directory, mode 0600, synced, then renamed over path. A path that exists
// and is not a regular file (a device such as /dev/stdout, a pipe) is
// written in place instead, since it cannot be replaced. A symbolic link is
// followed, so that the file it points to is replaced, not the link. Parent
// directories are not created. The error says in plain words what went
// wrong (see PlainFileError).
func WriteFileAtomic(path string, data []byte) error {
	if path == "" {
		return fmt.Errorf("steps: no file name given")
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&fs.ModeSymlink != 0 {
			if real, err := filepath.EvalSymlinks(path); err == nil {
				path = real
				fi, err = os.Stat(path)
				if err != nil {
					return err
				}
			}
		}
		if fi.IsDir() {
			return &fs.PathError{Op: "write", Path: path, Err: syscall.EISDIR}
		}
		if !fi.Mode().IsRegular() {
			return writeInPlace(path, data)
		}
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	// CreateTemp already uses 0600; say it outright for umasks and other
	// systems.
	if err := tmp.Chmod(0o600); err != nil && !errors.Is(err, errors.ErrUnsupported) && !isWindows() {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return err
	}
	ok = true
	return nil
}

func isWindows() bool { return filepath.Separator == '\\' }

// writeInPlace writes to an existing file that is not a regular file.
func writeInPlace(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr != nil {
		return werr
	}
	return cerr
}

// PlainFileError says in plain words why a file could not be written or
// read: "the disk is full", "permission denied", "… is not a directory".
func PlainFileError(err error) string {
	if err == nil {
		return ""
	}
	var pe *fs.PathError
	where := ""
	if errors.As(err, &pe) {
		where = pe.Path
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		where = le.New
	}
	var why string
	switch {
	case errors.Is(err, syscall.ENOSPC):
		why = "the disk is full (no space left on the device)"
	case errors.Is(err, fs.ErrPermission):
		why = "permission denied"
	case errors.Is(err, syscall.ENOTDIR):
		why = "a part of the path is a file, not a directory"
	case errors.Is(err, fs.ErrNotExist):
		why = "the directory does not exist"
	case errors.Is(err, syscall.EISDIR):
		why = "it is a directory"
	case errors.Is(err, syscall.EROFS):
		why = "the file system is read-only"
	case errors.Is(err, syscall.EDQUOT):
		why = "the disk quota is used up"
	default:
		why = err.Error()
		if pe != nil {
			why = pe.Err.Error()
		}
	}
	if where != "" && !strings.HasPrefix(filepath.Base(where), ".") {
		return sanitizePath(where) + ": " + why
	}
	return why
}

// sanitizePath makes a path fit to print.
func sanitizePath(p string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, p)
}

// Store keeps saved sessions in a directory, one file per session
// (sessions/ID.json), and reports beside them (reports/). Saving is safe
// from several goroutines: writes are serialised, and a record older than
// the one last written is not written over it.
type Store struct {
	// Dir is the state directory (see StateDir).
	Dir string

	mu      sync.Mutex
	written map[string]int64 // the newest revision written, per session
}

// maxSessions bounds how many saved sessions are kept; the oldest
// finished ones go first.
const maxSessions = 20

// maxRecordSize bounds what Load reads of a saved session.
const maxRecordSize = 4 << 20

// NewStore returns a store in dir. Nothing is created until the first Save.
func NewStore(dir string) *Store { return &Store{Dir: dir} }

func (st *Store) sessionsDir() string { return filepath.Join(st.Dir, "sessions") }

// ReportDir is where reports go by default.
func (st *Store) ReportDir() string { return filepath.Join(st.Dir, "reports") }

// SessionPath is the file a session is saved in.
func (st *Store) SessionPath(id string) string {
	return filepath.Join(st.sessionsDir(), safeID(id)+".json")
}

// safeID keeps a session id to characters safe in a file name.
func safeID(id string) string {
	out := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, id)
	if out == "" {
		out = "session"
	}
	if len(out) > 64 {
		out = out[:64]
	}
	return out
}

// Save writes the record atomically with mode 0600, creating the
// directories (0700) when needed. Records carry a revision (Updated): one
// older than the newest already written for the same session is skipped.
func (st *Store) Save(rec Record) error {
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("steps: encoding the session: %w", err)
	}
	data = append(data, '\n')
	st.mu.Lock()
	defer st.mu.Unlock()
	rev := rec.Updated.UnixNano()
	if st.written == nil {
		st.written = map[string]int64{}
	}
	if last, ok := st.written[rec.ID]; ok && rev < last {
		return nil
	}
	if err := os.MkdirAll(st.sessionsDir(), 0o700); err != nil {
		return err
	}
	if err := WriteFileAtomic(st.SessionPath(rec.ID), data); err != nil {
		return err
	}
	st.written[rec.ID] = rev
	st.prune()
	return nil
}

// prune removes the oldest saved sessions beyond maxSessions, finished
// ones first. Errors are ignored: pruning is housekeeping.
func (st *Store) prune() {
	recs, _ := st.list()
	if len(recs) <= maxSessions {
		return
	}
	sort.SliceStable(recs, func(i, j int) bool {
		if recs[i].rec.Finished != recs[j].rec.Finished {
			return recs[i].rec.Finished
		}
		return recs[i].rec.Updated.Before(recs[j].rec.Updated)
	})
	for _, r := range recs[:len(recs)-maxSessions] {
		os.Remove(r.path)
	}
}

type storedRecord struct {
	path string
	rec  Record
}

// list reads every saved session; unreadable files are skipped.
func (st *Store) list() ([]storedRecord, error) {
	entries, err := os.ReadDir(st.sessionsDir())
	if err != nil {
		return nil, err
	}
	var out []storedRecord
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(st.sessionsDir(), e.Name())
		rec, err := LoadRecord(p)
		if err != nil {
			continue
		}
		out = append(out, storedRecord{p, rec})
	}
	return out, nil
}

// ErrNothingToResume is returned by Latest when no unfinished session is
// saved.
var ErrNothingToResume = errors.New("no unfinished session is saved")

// Latest returns the most recently updated unfinished session.
func (st *Store) Latest() (Record, error) {
	recs, err := st.list()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Record{}, fmt.Errorf("steps: reading the saved sessions in %s: %s", sanitizePath(st.sessionsDir()), PlainFileError(err))
	}
	var best *Record
	for i := range recs {
		r := &recs[i].rec
		if r.Finished {
			continue
		}
		if best == nil || r.Updated.After(best.Updated) {
			best = r
		}
	}
	if best == nil {
		return Record{}, fmt.Errorf("steps: %w in %s", ErrNothingToResume, sanitizePath(st.sessionsDir()))
	}
	return *best, nil
}

// LoadRecord reads one saved session, bounded in size, and checks it.
func LoadRecord(path string) (Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return Record{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxRecordSize+1))
	if err != nil {
		return Record{}, err
	}
	if len(data) > maxRecordSize {
		return Record{}, fmt.Errorf("steps: %s is larger than %d MiB", sanitizePath(path), maxRecordSize>>20)
	}
	var rec Record
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&rec); err != nil {
		return Record{}, fmt.Errorf("steps: %s is not a saved fix401 session: %w", sanitizePath(path), err)
	}
	if err := rec.check(); err != nil {
		return Record{}, fmt.Errorf("steps: %s: %w", sanitizePath(path), err)
	}
	return rec, nil
}

// ReportFileName is the default name of a session's report.
func ReportFileName(id string) string { return "fix401-report-" + safeID(id) + ".md" }

// WriteReport writes a report where asked: to path when given (JSON for a
// .json name, Markdown otherwise), else into the store's report directory
// (created 0700), falling back to the system's temporary directory when
// that cannot be written. It returns where the report went, and, when a
// fallback was used, why the first place failed.
func WriteReport(rep SupportReport, path string, st *Store) (written string, fallback string, err error) {
	if path != "" {
		data, err := EncodeReport(rep, path)
		if err != nil {
			return "", "", err
		}
		return path, "", WriteFileAtomic(path, data)
	}
	name := ReportFileName(rep.Session.ID)
	data, err := EncodeReport(rep, name)
	if err != nil {
		return "", "", err
	}
	if st != nil {
		dir := st.ReportDir()
		p := filepath.Join(dir, name)
		err := os.MkdirAll(dir, 0o700)
		if err == nil {
			err = WriteFileAtomic(p, data)
		}
		if err == nil {
			return p, "", nil
		}
		fallback = PlainFileError(err)
	}
	p := filepath.Join(os.TempDir(), name)
	if err := WriteFileAtomic(p, data); err != nil {
		return "", fallback, err
	}
	return p, fallback, nil
}
