package probe

import (
	"context"
	"net/http"
	"testing"
)

// BenchmarkCheck is one complete check: Run (a new connection, the
// request, the 401 with its challenge, the body) and Diagnose, against a
// loopback server.
func BenchmarkCheck(b *testing.B) {
	srv := liveServer(b, liveStatus(http.StatusUnauthorized, `{"message":"Unauthorized"}`,
		"WWW-Authenticate", `Bearer realm="api", error="invalid_token", error_description="The access token expired"`,
		"WWW-Authenticate", `Basic realm="api", charset="UTF-8"`))
	r := liveRunner(b)
	req := Request{URL: srv.URL + "/v1/me", Bearer: "bench-token-0123456789"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := r.Run(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if res.Diagnosis.Status != http.StatusUnauthorized {
			b.Fatalf("status %d", res.Diagnosis.Status)
		}
	}
}

// BenchmarkDiagnose is Diagnose alone on a recorded exchange.
func BenchmarkDiagnose(b *testing.B) {
	srv := liveServer(b, liveStatus(http.StatusUnauthorized, "",
		"WWW-Authenticate", `Bearer realm="api", error="invalid_token"`))
	res := liveRun(b, nil, Request{URL: srv.URL, Bearer: "bench-token-0123456789"})
	b.ReportAllocs()
	for b.Loop() {
		Diagnose(&res.Exchange)
	}
}

// BenchmarkJSON builds the JSON document of a result.
func BenchmarkJSON(b *testing.B) {
	srv := liveServer(b, liveStatus(http.StatusUnauthorized, "",
		"WWW-Authenticate", `Bearer realm="api", error="invalid_token"`))
	res := liveRun(b, nil, Request{URL: srv.URL, Bearer: "bench-token-0123456789"})
	b.ReportAllocs()
	for b.Loop() {
		res.JSON()
	}
}
