package probe

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRunDirectBypassesEnvironmentProxy points HTTP_PROXY at a proxy that
// answers 407 and checks that ProxyDirect reaches the server itself.
func TestRunDirectBypassesEnvironmentProxy(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer origin.Close()
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Proxy-Authenticate", `Basic realm="corp"`)
		w.WriteHeader(http.StatusProxyAuthRequired)
	}))
	defer proxy.Close()

	// Go never proxies loopback hosts, so reach the origin under a name
	// that the dialer sends to it.
	dial := dialTo(origin.Listener.Addr().String())
	r := &Runner{DialContext: dial}

	viaProxy, err := r.Run(context.Background(), Request{URL: "http://api.example.test/", Proxy: proxy.URL})
	if err != nil {
		t.Fatal(err)
	}
	if viaProxy.Diagnosis.Status != http.StatusProxyAuthRequired {
		t.Fatalf("through the proxy: status %d, want 407", viaProxy.Diagnosis.Status)
	}
	t.Setenv("HTTP_PROXY", proxy.URL)
	direct, err := r.Run(context.Background(), Request{URL: "http://api.example.test/", Proxy: ProxyDirect})
	if err != nil {
		t.Fatal(err)
	}
	if direct.Diagnosis.Status != http.StatusNoContent {
		t.Fatalf("direct: status %d, want 204 from the origin", direct.Diagnosis.Status)
	}
	if direct.Exchange.Facts.Proxy != "" {
		t.Fatalf("direct re-test recorded a proxy: %q", direct.Exchange.Facts.Proxy)
	}
}

// dialTo returns a dialer that sends api.example.test to origin and every
// other address where it says.
func dialTo(origin string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if strings.HasPrefix(addr, "api.example.test:") {
			addr = origin
		}
		return d.DialContext(ctx, network, addr)
	}
}

// TestRedactorURLUnparsable masks the password of a URL that does not
// parse, and a token given where the URL belongs is not echoed.
func TestRedactorURLUnparsable(t *testing.T) {
	got := NewRedactor().URL("http://user:p%zzsecret@proxy.example/")
	if strings.Contains(got, "secret") || !strings.Contains(got, "user:"+Mask+"@") {
		t.Fatalf("URL() = %q", got)
	}
	tok := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijklmnopqrstuvwx"
	_, err := ParseURL(tok)
	if err == nil || !IsInputError(err) || strings.Contains(err.Error(), "abcdefghijklmnop") {
		t.Fatalf("ParseURL(token) = %v", err)
	}
}
