package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestContactsFromLiveExchange(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("WWW-Authenticate", `Bearer realm="api", error="invalid_token", error_uri="/docs/errors#invalid_token"`)
		h.Add("WWW-Authenticate", `Basic realm="fallback"`)
		h.Add("Link", `</help/login>; rel="help"; title="Login help", <https://example.com/a,b>; rel="next", <mailto:admins@example.com>; rel="Help nofollow"`)
		h.Add("Link", `<javascript:alert(1)>; rel=help, <https://docs.example/help?token=abcdef0123456789>; rel="help"; title*=UTF-8''Hilfe%20%E2%82%AC`)
		h.Add("Link", `</help/login>; rel=help`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer s.Close()
	res, err := Run(context.Background(), Request{URL: s.URL + "/api/v1/items", Bearer: "abcdef0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	got := ContactsFrom(&res.Exchange)
	want := []Contact{
		{Kind: ContactErrorURI, Value: s.URL + "/docs/errors#invalid_token", Source: "WWW-Authenticate (Bearer challenge)"},
		{Kind: ContactHelpLink, Value: s.URL + "/help/login", Source: `Link header (rel="help")`, Note: "Login help"},
		{Kind: ContactHelpLink, Value: "mailto:admins@example.com", Source: `Link header (rel="help")`},
		{Kind: ContactHelpLink, Value: "https://docs.example/help?token=" + Mask + "6789", Source: `Link header (rel="help")`, Note: "Hilfe €"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got\n%v\nwant\n%v", got, want)
	}
}

func TestContactsFromHostileHeaders(t *testing.T) {
	link := strings.Repeat(`<https://spam.example/x>; rel="help", `, 200)
	ex := &Exchange{Hops: []Hop{{
		URL:    "https://site.example/app/",
		Status: 401,
		Header: http.Header{
			"Www-Authenticate": {"Bearer error_uri=\"https://docs.example/\x1b[31mred\x1b[0m\""},
			"Link": {
				"<https://evil.example/\x1b]8;;https://x\x07a\x1b]8;;\x07>; rel=help",
				"<file:///etc/passwd>; rel=help, <https://" + strings.Repeat("a", 5000) + ".example/>; rel=help",
				`<https://ok.example/>; rel="help"; title="a \"quoted\", title; with separators"`,
				link,
			},
		},
	}}}
	got := ContactsFrom(ex)
	if len(got) > maxContacts {
		t.Fatalf("%d contacts, want at most %d", len(got), maxContacts)
	}
	seen := map[string]bool{}
	for _, c := range got {
		if strings.ContainsFunc(c.Value+c.Source+c.Note, isControl) || len(c.Value) > maxContactLen {
			t.Errorf("not sanitized or bounded: %q", c)
		}
		if strings.HasPrefix(c.Value, "file:") {
			t.Errorf("kept a file: URI: %q", c.Value)
		}
		seen[c.Value] = true
	}
	for _, v := range []string{"https://docs.example/red", "https://evil.example/a", "https://ok.example/", "https://spam.example/x"} {
		if !seen[v] {
			t.Errorf("missing %q in %v", v, got)
		}
	}
	if got[2].Note != `a "quoted", title; with separators` {
		t.Errorf("title = %q", got[2].Note)
	}

	if ContactsFrom(nil) != nil || ContactsFrom(&Exchange{}) != nil {
		t.Error("an empty exchange has contacts")
	}
	if ContactsFrom(&Exchange{Hops: []Hop{{URL: "https://x.example/"}}, Failure: &Failure{Kind: FailTimeout}}) != nil {
		t.Error("a hop nothing answered has contacts")
	}
}

func TestParseLinks(t *testing.T) {
	cases := []struct {
		in   string
		want string // target|rel|title per link, ";"-joined
	}{
		{`<https://a.example/x,y>; rel="help next", <b>; rel=help`, "https://a.example/x,y|help next|;b|help|"},
		{`<a>; REL="Help"; rel="next"; Title="t"`, "a|Help|t"},
		{`<a>; title="x, <b>; rel=help"; rel=help`, "a|help|x, <b>; rel=help"},
		{`garbage, "quoted, <c>", <d>; rel=help`, "d|help|"},
		{`<a>; rel=help; junk here, <b>; rel="help`, "a|help|;b|help|"},
		{`<unterminated; rel=help`, ""},
		{`<a>;;; rel ; =x; rel=help`, "a||"},
		{`<a>; title*=UTF-8''%E2%82%AC; title="plain"`, "a||€"},
		{"", ""},
	}
	for _, c := range cases {
		var parts []string
		for _, l := range parseLinks(c.in) {
			parts = append(parts, l.target+"|"+l.params["rel"]+"|"+l.title())
		}
		if got := strings.Join(parts, ";"); got != c.want {
			t.Errorf("parseLinks(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// Linear time on a long hostile field.
	start := time.Now()
	parseLinks(strings.Repeat(`<a>; t="`, 100000))
	parseLinks(strings.Repeat(`x; "`, 100000))
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
}

// securityTxtSite serves files by path with their content types.
type securityTxtFile struct {
	ct   string
	body string
}

func securityTxtServer(t *testing.T, useTLS bool, files map[string]securityTxtFile) *httptest.Server {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if strings.HasPrefix(f.body, "redirect:") {
			http.Redirect(w, r, strings.TrimPrefix(f.body, "redirect:"), http.StatusMovedPermanently)
			return
		}
		if f.ct != "" {
			w.Header().Set("Content-Type", f.ct)
		}
		_, _ = io.WriteString(w, f.body)
	})
	s := httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	if useTLS {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

const textPlain = "text/plain; charset=utf-8"

func TestFetchSecurityTxt(t *testing.T) {
	future := time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339)
	body := "# Our security contacts\r\n" +
		"Contact: mailto:security@site.example\r\n" +
		"Contact: https://site.example/report\r\n" +
		"contact: tel:+1-201-555-0123\r\n" +
		"Contact: abuse@site.example\r\n" +
		"Contact: javascript:alert(1)\r\n" +
		"Contact: mailto:security@site.example\r\n" +
		"Policy: /disclosure\r\n" +
		"Preferred-Languages: en, fr\r\n" +
		"Expires: " + future + "\r\n"
	s := securityTxtServer(t, true, map[string]securityTxtFile{"/.well-known/security.txt": {textPlain, body}})
	got, err := FetchSecurityTxt(context.Background(), s.URL+"/some/page?q=1", true)
	if err != nil {
		t.Fatal(err)
	}
	src := s.URL + "/.well-known/security.txt"
	note := "preferred languages: en, fr"
	want := []Contact{
		{ContactSecurityTxt, "mailto:security@site.example", src, note},
		{ContactSecurityTxt, "https://site.example/report", src, note},
		{ContactSecurityTxt, "tel:+1-201-555-0123", src, note},
		{ContactSecurityTxt, "mailto:abuse@site.example", src, note},
		{ContactPolicy, s.URL + "/disclosure", src, note},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got\n%v\nwant\n%v", got, want)
	}

	// Without -k the self-signed certificate is refused, and that is not
	// "no security.txt".
	_, err = FetchSecurityTxt(context.Background(), s.URL, false)
	if err == nil || errors.Is(err, ErrNoSecurityTxt) || !strings.Contains(err.Error(), "could not be fetched") {
		t.Fatalf("untrusted certificate: %v", err)
	}
}

func TestFetchSecurityTxtFallbacks(t *testing.T) {
	t.Run("root path", func(t *testing.T) {
		s := securityTxtServer(t, true, map[string]securityTxtFile{"/security.txt": {textPlain, "Contact: mailto:root@site.example\n"}})
		got, err := FetchSecurityTxt(context.Background(), s.URL, true)
		if err != nil || len(got) != 1 || got[0].Source != s.URL+"/security.txt" {
			t.Fatalf("got %v, %v", got, err)
		}
	})
	t.Run("redirect", func(t *testing.T) {
		s := securityTxtServer(t, true, map[string]securityTxtFile{
			"/.well-known/security.txt": {body: "redirect:/files/security.txt"},
			"/files/security.txt":       {textPlain, "Contact: mailto:moved@site.example\n"},
		})
		got, err := FetchSecurityTxt(context.Background(), s.URL, true)
		if err != nil || len(got) != 1 || got[0].Source != s.URL+"/files/security.txt" {
			t.Fatalf("got %v, %v", got, err)
		}
	})
	t.Run("http site", func(t *testing.T) {
		s := securityTxtServer(t, false, map[string]securityTxtFile{"/.well-known/security.txt": {textPlain, "Contact: https://site.example/sec\n"}})
		got, err := FetchSecurityTxt(context.Background(), s.URL+"/login", false)
		if err != nil || len(got) != 1 || got[0].Value != "https://site.example/sec" || !strings.Contains(got[0].Note, "plain http") {
			t.Fatalf("got %v, %v", got, err)
		}
	})
	t.Run("https site never falls back to http", func(t *testing.T) {
		s := securityTxtServer(t, false, map[string]securityTxtFile{"/.well-known/security.txt": {textPlain, "Contact: https://site.example/sec\n"}})
		_, err := FetchSecurityTxt(context.Background(), strings.Replace(s.URL, "http:", "https:", 1), false)
		if err == nil {
			t.Fatal("an https site's security.txt was read over http")
		}
	})
	t.Run("none", func(t *testing.T) {
		s := securityTxtServer(t, true, nil)
		_, err := FetchSecurityTxt(context.Background(), s.URL, true)
		if !errors.Is(err, ErrNoSecurityTxt) || !strings.Contains(err.Error(), "404 Not Found") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestFetchSecurityTxtHostile(t *testing.T) {
	huge := "Contact: mailto:first@site.example\n" + strings.Repeat("# padding line\n", 1<<20)
	late := strings.Repeat("#", maxSecurityTxt) + "\nContact: mailto:late@site.example\n"
	signed := "-----BEGIN PGP SIGNED MESSAGE-----\n" +
		"Hash: SHA512\n\n" +
		"Contact: mailto:signed@site.example\n" +
		"- -Contact: mailto:dash@site.example\n" +
		"Expires: 2020-01-01T00:00:00Z\n" +
		"-----BEGIN PGP SIGNATURE-----\n" +
		"Version: x\n" +
		"Contact: mailto:inside-signature@evil.example\n\n" +
		"iQIzBAEBCgAdFiEE\n=abcd\n" +
		"-----END PGP SIGNATURE-----\n"
	cases := []struct {
		name  string
		file  securityTxtFile
		want  []string // contact values
		notes string
		none  string // the reason when there are no contacts
	}{
		{"escape sequences", securityTxtFile{textPlain, "Contact: mailto:sec@site.example\x1b[2J\x1b[31m\nContact: \x1b]8;;https://evil.example\x07https://site.example/report\x1b]8;;\x07\n"},
			[]string{"mailto:sec@site.example", "https://site.example/report"}, "", ""},
		{"huge file", securityTxtFile{textPlain, huge}, []string{"mailto:first@site.example"}, "", ""},
		{"contact after 64 KiB", securityTxtFile{textPlain, late}, nil, "", "no Contact"},
		{"html page", securityTxtFile{"text/html", "<html><body>Contact: mailto:x@site.example</body></html>"}, nil, "", "text/html"},
		{"html as text", securityTxtFile{textPlain, "<!DOCTYPE html>\n<p>\nContact: mailto:x@site.example\n"}, nil, "", "web page"},
		{"binary", securityTxtFile{"image/png", "\x89PNG\r\n\x1a\nContact: mailto:x@site.example\n"}, nil, "", "image/png"},
		{"signed", securityTxtFile{textPlain, signed}, []string{"mailto:signed@site.example"}, "expired on 1 January 2020", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := securityTxtServer(t, true, map[string]securityTxtFile{"/.well-known/security.txt": c.file})
			start := time.Now()
			got, err := FetchSecurityTxt(context.Background(), s.URL, true)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			if c.none != "" {
				if !errors.Is(err, ErrNoSecurityTxt) || !strings.Contains(err.Error(), c.none) || got != nil {
					t.Fatalf("got %v, %v; want none because %q", got, err, c.none)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var values []string
			for _, g := range got {
				values = append(values, g.Value)
				if strings.ContainsFunc(g.Value+g.Note+g.Source, isControl) {
					t.Errorf("not sanitized: %q", g)
				}
				if !strings.Contains(g.Note, c.notes) {
					t.Errorf("note %q, want %q", g.Note, c.notes)
				}
			}
			if strings.Join(values, " ") != strings.Join(c.want, " ") {
				t.Fatalf("got %v, want %v", values, c.want)
			}
		})
	}
}

func TestFetchSecurityTxtBounds(t *testing.T) {
	hang := make(chan struct{})
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	defer s.Close()
	defer close(hang)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := FetchSecurityTxt(ctx, s.URL, true)
	if err == nil || errors.Is(err, ErrNoSecurityTxt) || time.Since(start) > 3*time.Second {
		t.Fatalf("hanging server: %v after %v", err, time.Since(start))
	}

	for _, bad := range []string{"", "ftp://site.example/", "not a url", "https://"} {
		if _, err := FetchSecurityTxt(context.Background(), bad, false); !IsInputError(err) {
			t.Errorf("FetchSecurityTxt(%q): %v, want an InputError", bad, err)
		}
	}
}
