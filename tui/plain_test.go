package tui

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// endlessLine is a reader of n bytes of 'a' and then "\nnext\n", which
// allocates nothing itself.
type endlessLine struct{ n, tail int }

func (r *endlessLine) Read(p []byte) (int, error) {
	const tail = "\nnext\n"
	i := 0
	for ; i < len(p) && r.n > 0; i, r.n = i+1, r.n-1 {
		p[i] = 'a'
	}
	for ; i < len(p) && r.tail < len(tail); i, r.tail = i+1, r.tail+1 {
		p[i] = tail[r.tail]
	}
	if i == 0 {
		return 0, io.EOF
	}
	return i, nil
}

// TestReadLineBounded: a 64 MiB answer keeps its first MiB, costs about
// that much memory, and the next line is read as it was typed.
func TestReadLineBounded(t *testing.T) {
	const huge = 64 << 20
	br := bufio.NewReaderSize(&endlessLine{n: huge}, 64<<10)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	first, err := readLine(br)
	runtime.ReadMemStats(&after)
	if err != nil || len(first) != maxLine {
		t.Fatalf("first line: %d bytes, %v", len(first), err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8*maxLine {
		t.Fatalf("reading the line allocated %d bytes", grew)
	}
	if next, err := readLine(br); err != nil || next != "next\n" {
		t.Fatalf("next line %q, %v", next, err)
	}
	if _, err := readLine(br); err != io.EOF {
		t.Fatalf("at the end: %v", err)
	}
}

// TestPlainTokenNotesWrap: what the plain dialogue says about a pasted
// token is wrapped to its width like everything else it prints.
func TestPlainTokenNotesWrap(t *testing.T) {
	var out bytes.Buffer
	if _, err := RunPlain(context.Background(), demoConfig(t, "expired-token", false), strings.NewReader("\nnot-a-jwt-token\nq\n"), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "not a JWT") {
		t.Fatalf("the token was not inspected:\n%s", out.String())
	}
	for _, l := range strings.Split(out.String(), "\n") {
		if w := ansi.StringWidth(l); w > plainWidth && !strings.Contains(l, "://") && !strings.HasPrefix(l, "eyJ") {
			t.Errorf("line is %d wide: %q", w, l)
		}
	}
}

// TestPlainSpeaksNoFullScreenKeys: the plain dialogue's step text names
// no key that only the full-screen wizard has.
func TestPlainSpeaksNoFullScreenKeys(t *testing.T) {
	var out bytes.Buffer
	if _, err := RunPlain(context.Background(), demoConfig(t, "redirect", false), strings.NewReader("\nq\n"), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Step 4 · Verify the URL") {
		t.Fatalf("step 4 was not shown:\n%s", out.String())
	}
	for _, k := range []string{"(tab", "tab to", "esc to", "pgdn"} {
		if strings.Contains(out.String(), k) {
			t.Errorf("the plain dialogue says %q:\n%s", k, out.String())
		}
	}
}
