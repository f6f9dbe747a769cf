package probe

import (
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// mint signs claims with golang-jwt, an independent JWT implementation.
func mint(t testing.TB, method jwt.SigningMethod, key any, claims jwt.Claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rawJWT builds a token from literal JSON parts, for claims golang-jwt
// would not write.
func rawJWT(header, claims, sig string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims)) + "." + sig
}

var hsKey = []byte("test-key-not-a-secret-0123456789")

func TestDecodeJWTSigned(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	nbf := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	iat := time.Date(2024, 6, 1, 0, 0, 1, 0, time.UTC)
	tok := mint(t, jwt.SigningMethodHS256, hsKey, jwt.MapClaims{
		"iss":   "https://issuer.example/",
		"sub":   "user-42",
		"aud":   []string{"api://one", "api://two"},
		"scope": "read:items  write:items",
		"exp":   exp.Unix(),
		"nbf":   nbf.Unix(),
		"iat":   iat.Unix(),
		"cnf":   map[string]any{"jkt": "abc"},
	})
	info, err := DecodeJWT(tok)
	if err != nil {
		t.Fatal(err)
	}
	if info.Alg != "HS256" || info.Typ != "JWT" || !info.Signed {
		t.Errorf("alg %q typ %q signed %v", info.Alg, info.Typ, info.Signed)
	}
	if info.Issuer != "https://issuer.example/" || info.Subject != "user-42" {
		t.Errorf("iss %q sub %q", info.Issuer, info.Subject)
	}
	if !reflect.DeepEqual(info.Audience, []string{"api://one", "api://two"}) {
		t.Errorf("aud %q", info.Audience)
	}
	if !reflect.DeepEqual(info.Scopes, []string{"read:items", "write:items"}) {
		t.Errorf("scopes %q", info.Scopes)
	}
	if !info.Expires.Equal(exp) || !info.NotBefore.Equal(nbf) || !info.IssuedAt.Equal(iat) {
		t.Errorf("exp %v nbf %v iat %v", info.Expires, info.NotBefore, info.IssuedAt)
	}
	cnf, ok := info.Claims["cnf"].(map[string]any)
	if !ok || cnf["jkt"] != "abc" {
		t.Errorf("cnf claim %#v", info.Claims["cnf"])
	}
	if info.Header["alg"] != "HS256" {
		t.Errorf("header %#v", info.Header)
	}
}

func TestDecodeJWTVariants(t *testing.T) {
	hs := mint(t, jwt.SigningMethodHS256, hsKey, jwt.MapClaims{"sub": "s", "aud": "only-one", "scp": []string{"a", "b"}})
	none := mint(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.MapClaims{"sub": "s"})
	parts := strings.Split(hs, ".")
	pad := func(s string) string { return s + strings.Repeat("=", (4-len(s)%4)%4) }
	padded := pad(parts[0]) + "." + pad(parts[1]) + "." + pad(parts[2])
	stripped := parts[0] + "." + parts[1] + "."

	tests := []struct {
		name     string
		in       string
		signed   bool
		aud      []string
		scopes   []string
		wantNone bool
	}{
		{"plain", hs, true, []string{"only-one"}, []string{"a", "b"}, false},
		{"Bearer prefix", "Bearer " + hs, true, []string{"only-one"}, []string{"a", "b"}, false},
		{"lower-case bearer and tab", "bearer\t" + hs, true, []string{"only-one"}, []string{"a", "b"}, false},
		{"surrounding whitespace and newline", "  " + hs + "\r\n", true, []string{"only-one"}, []string{"a", "b"}, false},
		{"padded base64url", padded, true, []string{"only-one"}, []string{"a", "b"}, false},
		{"signature stripped", stripped, false, []string{"only-one"}, []string{"a", "b"}, false},
		{"alg none", none, false, nil, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := DecodeJWT(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if info.Signed != tc.signed {
				t.Errorf("Signed = %v, want %v", info.Signed, tc.signed)
			}
			if info.Subject != "s" {
				t.Errorf("sub %q", info.Subject)
			}
			if !reflect.DeepEqual(info.Audience, tc.aud) || !reflect.DeepEqual(info.Scopes, tc.scopes) {
				t.Errorf("aud %q scopes %q", info.Audience, info.Scopes)
			}
			if tc.wantNone && info.Alg != "none" {
				t.Errorf("alg %q", info.Alg)
			}
		})
	}
}

func TestDecodeJWTClaimShapes(t *testing.T) {
	tests := []struct {
		name   string
		claims string
		check  func(t *testing.T, info TokenInfo)
	}{
		{"fractional NumericDate", `{"exp":1700000000.5,"iat":1.6e9}`, func(t *testing.T, info TokenInfo) {
			if want := time.Unix(1700000000, 500_000_000); !info.Expires.Equal(want) {
				t.Errorf("exp %v, want %v", info.Expires, want)
			}
			if want := time.Unix(1600000000, 0); !info.IssuedAt.Equal(want) {
				t.Errorf("iat %v, want %v", info.IssuedAt, want)
			}
		}},
		{"NumericDate as string is ignored", `{"exp":"1700000000"}`, func(t *testing.T, info TokenInfo) {
			if !info.Expires.IsZero() {
				t.Errorf("exp %v", info.Expires)
			}
		}},
		{"NumericDate out of range is ignored", `{"exp":1e300,"nbf":-1e300,"iat":99999999999999999999}`, func(t *testing.T, info TokenInfo) {
			if !info.Expires.IsZero() || !info.NotBefore.IsZero() || !info.IssuedAt.IsZero() {
				t.Errorf("exp %v nbf %v iat %v", info.Expires, info.NotBefore, info.IssuedAt)
			}
		}},
		{"large integers kept exact", `{"n":12345678901234567890}`, func(t *testing.T, info TokenInfo) {
			if got := info.Claims["n"]; got == nil || got.(interface{ String() string }).String() != "12345678901234567890" {
				t.Errorf("n = %#v", got)
			}
		}},
		{"scp as string", `{"scp":"User.Read Mail.Send"}`, func(t *testing.T, info TokenInfo) {
			if !reflect.DeepEqual(info.Scopes, []string{"User.Read", "Mail.Send"}) {
				t.Errorf("scopes %q", info.Scopes)
			}
		}},
		{"scope wins over scp", `{"scope":"a","scp":["b"]}`, func(t *testing.T, info TokenInfo) {
			if !reflect.DeepEqual(info.Scopes, []string{"a"}) {
				t.Errorf("scopes %q", info.Scopes)
			}
		}},
		{"aud of wrong types", `{"aud":[1,"x",null],"iss":5}`, func(t *testing.T, info TokenInfo) {
			if !reflect.DeepEqual(info.Audience, []string{"x"}) || info.Issuer != "" {
				t.Errorf("aud %q iss %q", info.Audience, info.Issuer)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := DecodeJWT(rawJWT(`{"alg":"RS256","typ":"at+jwt"}`, tc.claims, "c2ln"))
			if err != nil {
				t.Fatal(err)
			}
			if info.Typ != "at+jwt" || !info.Signed {
				t.Errorf("typ %q signed %v", info.Typ, info.Signed)
			}
			tc.check(t, info)
		})
	}
}

func TestDecodeJWTErrors(t *testing.T) {
	enc := base64.RawURLEncoding.EncodeToString
	good := enc([]byte(`{"alg":"HS256"}`))
	huge := rawJWT(`{"alg":"HS256"}`, `{"x":"`+strings.Repeat("A", MaxJWTSize)+`"}`, "c2ln")
	tests := []struct {
		name, in, want string
	}{
		{"empty", "   ", "empty"},
		{"bearer only", "Bearer ", "empty"},
		{"opaque token", "ghp_0123456789abcdefghijklmnopqrstuvwxyz", "1 dot-separated parts"},
		{"two parts", good + "." + good, "2 dot-separated parts"},
		{"JWE", good + ".a.b.c.d", "encrypted token (JWE)"},
		{"header not base64", "!!!." + good + ".c2ln", "header is not base64url"},
		{"claims not JSON", good + "." + enc([]byte("hello world")) + ".c2ln", "claims is not a JSON object"},
		{"claims a JSON array", good + "." + enc([]byte(`["a"]`)) + ".c2ln", "claims is not a JSON object"},
		{"claims null", good + "." + enc([]byte(`null`)) + ".c2ln", "claims is not a JSON object"},
		{"trailing data", good + "." + enc([]byte(`{"a":1} {"b":2}`)) + ".c2ln", "claims has data after its JSON object"},
		{"signature not base64", good + "." + good + ".%%%", "signature is not base64url"},
		{"too large", huge, "longer than 64 KiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeJWT(tc.in)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, errNotJWT) {
				t.Errorf("error %v does not wrap errNotJWT", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to mention %q", err, tc.want)
			}
			for _, part := range strings.Split(strings.TrimSpace(tc.in), ".") {
				if len(part) >= 4 && strings.Contains(err.Error(), part) {
					t.Errorf("error %q contains part of the token", err)
				}
			}
		})
	}
}

func TestTokenTimes(t *testing.T) {
	ref := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name            string
		exp, nbf        time.Time
		expired, notYet bool
		human           string
	}{
		{"no exp", time.Time{}, time.Time{}, false, false, "does not expire"},
		{"expired 3 hours ago", ref.Add(-3*time.Hour - 10*time.Minute), time.Time{}, true, false, "expired 3 hours ago"},
		{"expires in 12 minutes", ref.Add(12*time.Minute + 30*time.Second), time.Time{}, false, false, "expires in 12 minutes"},
		{"exactly now is expired", ref, time.Time{}, true, false, "expired just now"},
		{"half a second left", ref.Add(500 * time.Millisecond), time.Time{}, false, false, "expires in less than a second"},
		{"one second ago", ref.Add(-time.Second), time.Time{}, true, false, "expired 1 second ago"},
		{"one minute", ref.Add(time.Minute), time.Time{}, false, false, "expires in 1 minute"},
		{"36 hours", ref.Add(36 * time.Hour), time.Time{}, false, false, "expires in 36 hours"},
		{"days ago", ref.Add(-10 * 24 * time.Hour), time.Time{}, true, false, "expired 10 days ago"},
		{"years", ref.AddDate(3, 0, 1), time.Time{}, false, false, "expires in 3 years"},
		{"far future beyond Duration", time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{}, false, false, "expires in 7973 years"},
		{"not yet valid", ref.Add(time.Hour), ref.Add(time.Minute), false, true, "expires in 1 hour"},
		{"nbf exactly now is valid", ref.Add(time.Hour), ref, false, false, "expires in 1 hour"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ti := TokenInfo{Expires: tc.exp, NotBefore: tc.nbf}
			if got := ti.ExpiredAt(ref); got != tc.expired {
				t.Errorf("ExpiredAt = %v", got)
			}
			if got := ti.NotYetValidAt(ref); got != tc.notYet {
				t.Errorf("NotYetValidAt = %v", got)
			}
			if got := ti.HumanExpiry(ref); got != tc.human {
				t.Errorf("HumanExpiry = %q, want %q", got, tc.human)
			}
		})
	}
}

// TestDecodeJWTExpiryFromRealToken ties decoding and the time helpers
// together on a token minted with golang-jwt's registered claims.
func TestDecodeJWTExpiryFromRealToken(t *testing.T) {
	now := time.Now()
	tok := mint(t, jwt.SigningMethodHS512, hsKey, jwt.RegisteredClaims{
		ExpiresAt: jwt.NewNumericDate(now.Add(-3*time.Hour - time.Minute)),
		NotBefore: jwt.NewNumericDate(now.Add(-4 * time.Hour)),
		Audience:  jwt.ClaimStrings{"single"},
	})
	info, err := DecodeJWT(tok)
	if err != nil {
		t.Fatal(err)
	}
	if !info.ExpiredAt(now) || info.NotYetValidAt(now) {
		t.Errorf("expired %v notYet %v", info.ExpiredAt(now), info.NotYetValidAt(now))
	}
	if got := info.HumanExpiry(now); got != "expired 3 hours ago" {
		t.Errorf("HumanExpiry = %q", got)
	}
}

func FuzzDecodeJWT(f *testing.F) {
	f.Add(mint(f, jwt.SigningMethodHS256, hsKey, jwt.MapClaims{"sub": "s", "aud": []string{"a"}, "exp": 1700000000, "scope": "x y"}))
	f.Add(mint(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.MapClaims{"exp": 1.5}))
	f.Add("Bearer " + rawJWT(`{"alg":"ES256"}`, `{"exp":1e300,"scp":["a",1]}`, ""))
	f.Add(rawJWT(`{}`, `{"nbf":-5}`, "AA=="))
	f.Add("a.b.c")
	f.Add("a.b.c.d.e")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		info, err := DecodeJWT(in)
		if err != nil {
			if !errors.Is(err, errNotJWT) {
				t.Fatalf("error %v does not wrap errNotJWT", err)
			}
			if s := strings.TrimSpace(in); strings.Contains(s, ".") && strings.Contains(err.Error(), s) {
				t.Fatalf("error %q contains the token", err)
			}
			return
		}
		if info.Header == nil || info.Claims == nil {
			t.Fatalf("nil header or claims for %q", in)
		}
		if info.Signed && (info.Alg == "" || strings.EqualFold(info.Alg, "none")) {
			t.Fatalf("Signed with alg %q", info.Alg)
		}
		_ = info.HumanExpiry(time.Now())
	})
}
