package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// Servers listen on 127.0.0.1 only (httptest's default); nothing leaves
// the machine.

func okHandler(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }

func wsHandler(w http.ResponseWriter, r *http.Request) {
	conn, _, _, err := ws.UpgradeHTTP(r, w)
	if err == nil {
		conn.Close()
	}
}

func trust(srv *httptest.Server) *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return &tls.Config{RootCAs: pool}
}

func TestProbe(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(okHandler))
	defer plain.Close()
	secure := httptest.NewTLSServer(http.HandlerFunc(okHandler))
	defer secure.Close()
	wsPlain := httptest.NewServer(http.HandlerFunc(wsHandler))
	defer wsPlain.Close()
	wsSecure := httptest.NewTLSServer(http.HandlerFunc(wsHandler))
	defer wsSecure.Close()

	const n = 4
	tests := []struct {
		name string
		url  string
		tls  *tls.Config
		tlsN int64 // expected tls samples; -1: phase absent
	}{
		{"http", plain.URL + "/", nil, -1},
		{"https", secure.URL + "/", trust(secure), n},
		{"ws", "ws" + strings.TrimPrefix(wsPlain.URL, "http") + "/ws", nil, -1},
		{"wss", "wss" + strings.TrimPrefix(wsSecure.URL, "https") + "/ws", trust(wsSecure), n},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg, err := parseTarget(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			res := probe(context.Background(), tg, probeConfig{samples: n, interval: time.Millisecond, timeout: 5 * time.Second, tls: tc.tls})
			if res.errors != 0 {
				t.Fatalf("%d errors, first: %v", res.errors, res.firstErr)
			}
			if got := res.phases["connect"].TotalCount(); got != n {
				t.Errorf("connect samples = %d, want %d", got, n)
			}
			if h, ok := res.phases["tls"]; (tc.tlsN < 0) == ok || ok && h.TotalCount() != tc.tlsN {
				t.Errorf("tls phase = %v (present %v), want %d samples", h, ok, tc.tlsN)
			}
			// http(s): every GET after the warm-up reuses the kept-alive
			// connection; ws(s): one upgrade per sample.
			if got := res.phases["rtt"].TotalCount(); got != n {
				t.Errorf("rtt samples = %d, want %d", got, n)
			}
			if max := res.phases["rtt"].Max(); max <= 0 || max > int64(5*time.Second) {
				t.Errorf("rtt max = %d ns", max)
			}
		})
	}
}

func TestProbeCLI(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(okHandler))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	srv.StartTLS()
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI("probe", "-n", "3", "--interval", "1ms", "--unit", "us", "--cacert", ca, srv.URL+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	for _, phase := range []string{"connect", "tls", "rtt"} {
		f := strings.Fields(lineStarting(out, phase))
		if len(f) != 8 || f[1] != "3" {
			t.Errorf("%s row = %q\n%s", phase, f, out)
		}
	}
	if !strings.Contains(out, "(3 samples, 0 errors; values in us)") {
		t.Errorf("header missing:\n%s", out)
	}

	// Without the CA the certificate is refused: errors, exit 1.
	code, out, _ = runCLI("probe", "-n", "2", "--interval", "0s", srv.URL+"/")
	if code != 1 || !strings.Contains(out, "certificate signed by unknown authority") {
		t.Errorf("untrusted: exit %d\n%s", code, out)
	}
	// --insecure accepts it.
	if code, out, _ := runCLI("probe", "-n", "2", "--interval", "0s", "--insecure", "--json", srv.URL+"/"); code != 0 || !strings.Contains(out, `"stage": "rtt"`) {
		t.Errorf("--insecure --json: exit %d\n%s", code, out)
	}
}

func TestProbeRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	code, out, _ := runCLI("probe", "-n", "2", "--interval", "0s", "--timeout", "1s", "http://"+addr+"/")
	if code != 1 || !strings.Contains(out, "2 errors") && !strings.Contains(out, "3 errors") {
		t.Errorf("refused: exit %d\n%s", code, out)
	}
}

// A server that closes every connection leaves no kept-alive connection: the
// GETs are not round trips and are reported, not counted.
func TestProbeNoKeepAlive(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(okHandler))
	srv.Config.SetKeepAlivesEnabled(false)
	srv.Start()
	defer srv.Close()
	code, out, _ := runCLI("probe", "-n", "2", "--interval", "0s", srv.URL+"/")
	if code != 1 || !strings.Contains(out, "2 GET(s) found no kept-alive connection") {
		t.Errorf("exit %d\n%s", code, out)
	}
}
