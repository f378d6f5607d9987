package hardening

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"testing"
	"time"

	"github.com/hotpath/hotpath/config"
	"github.com/hotpath/hotpath/ops/metrics"
)

func isLoopbackHost(t *testing.T, hostport string) bool {
	t.Helper()
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		t.Fatalf("%q: %v", hostport, err)
	}
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// TestOpsEndpointLocalByDefault: metrics, health and pprof listen on
// loopback unless told otherwise, pprof is off by default, and an address
// that would face the network is refused.
func TestOpsEndpointLocalByDefault(t *testing.T) {
	def := config.Default()
	if !isLoopbackHost(t, def.Ops.MetricsAddr) {
		t.Errorf("config default ops.metrics_addr %q is not loopback", def.Ops.MetricsAddr)
	}
	if def.Ops.Pprof {
		t.Error("config default turns pprof on")
	}
	if !isLoopbackHost(t, metrics.DefaultAddr) {
		t.Errorf("metrics.DefaultAddr %q is not loopback", metrics.DefaultAddr)
	}
	for _, addr := range []string{"0.0.0.0:9464", ":9464", "[::]:9464", "10.1.2.3:9464", "192.168.0.10:0", "example.com:9464"} {
		if _, err := metrics.NewServer(metrics.ServerConfig{Addr: addr}, nil, nil); !errors.Is(err, metrics.ErrNonLocal) {
			t.Errorf("NewServer(%q) = %v, want ErrNonLocal", addr, err)
		}
	}
	srv, err := metrics.NewServer(metrics.ServerConfig{Addr: "127.0.0.1:0"}, metrics.NewRegistry(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Shutdown(context.Background()) }()
	if !isLoopbackHost(t, srv.Addr()) {
		t.Errorf("listening on %s", srv.Addr())
	}
	for path, want := range map[string]int{"/healthz": 200, "/metrics": 200, "/debug/pprof/": 404, "/debug/pprof/cmdline": 404} {
		resp, err := http.Get("http://" + srv.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}
}

// TestSimclobLocalByDefault: simclob without --listen serves on loopback.
func TestSimclobLocalByDefault(t *testing.T) {
	simclob := binaries(t)["simclob"]
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, simclob, "--rate", "-1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadBytes('\n')
	if err != nil {
		t.Fatalf("no URL line: %v", err)
	}
	var urls map[string]string
	if err := json.Unmarshal(line, &urls); err != nil || len(urls) == 0 {
		t.Fatalf("URL line %q: %v", line, err)
	}
	for k, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if !isLoopbackHost(t, u.Host) {
			t.Errorf("simclob serves %s on %s", k, u.Host)
		}
	}
}
