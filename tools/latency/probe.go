package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/gobwas/ws"
)

const probeAbout = `latency probe: network latency to endpoints, to choose where the VM lives.

Usage: latency probe [flags] URL...

For each URL (http, https, ws or wss) it takes -n samples, --interval apart,
and prints the distribution of each phase:
  connect  TCP connect time, on a fresh connection per sample
  tls      TLS handshake time on that connection (https and wss only)
  rtt      http/https: one GET of the URL on a kept-alive connection, from
           writing the request to reading the whole response; ws/wss: the
           WebSocket upgrade handshake on the fresh connection
Samples that fail are counted and the first error is shown; the exit status
is 1 when a URL produced no successful sample.

Examples:
  latency probe -n 50 https://clob.polymarket.com/
  latency probe -n 20 --interval 1s wss://ws-subscriptions-clob.polymarket.com/ws/market`

// probePhases are the phases measured, in print order.
var probePhases = []string{"connect", "tls", "rtt"}

// probeConfig is what a probe needs besides the URL.
type probeConfig struct {
	samples  int
	interval time.Duration
	timeout  time.Duration
	tls      *tls.Config // nil: system roots
}

// probeResult is the distribution of each phase for one URL.
type probeResult struct {
	url      string
	phases   map[string]*hdr.Histogram // only phases that apply to the scheme
	errors   int
	firstErr error
	fresh    int // GETs that had to open a new connection (not counted in rtt)
}

func newProbeHistogram() *hdr.Histogram {
	return hdr.New(1, int64(10*time.Minute), 3)
}

// target is a parsed probe URL.
type target struct {
	u      *url.URL
	port   string // explicit or the scheme's default
	secure bool
	ws     bool
}

func parseTarget(raw string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, err
	}
	t := target{u: u}
	var port string
	switch u.Scheme {
	case "http":
		port = "80"
	case "https":
		port, t.secure = "443", true
	case "ws":
		port, t.ws = "80", true
	case "wss":
		port, t.secure, t.ws = "443", true, true
	default:
		return target{}, fmt.Errorf("%s: scheme must be http, https, ws or wss", raw)
	}
	if u.Hostname() == "" {
		return target{}, fmt.Errorf("%s: no host", raw)
	}
	if p := u.Port(); p != "" {
		port = p
	}
	t.port = port
	return t, nil
}

// probe measures one target cfg.samples times.
func probe(ctx context.Context, t target, cfg probeConfig) *probeResult {
	res := &probeResult{url: t.u.String(), phases: map[string]*hdr.Histogram{}}
	res.phases["connect"] = newProbeHistogram()
	if t.secure {
		res.phases["tls"] = newProbeHistogram()
	}
	res.phases["rtt"] = newProbeHistogram()
	tlsConf := cfg.tls.Clone()
	if tlsConf == nil {
		tlsConf = &tls.Config{}
	}
	if tlsConf.ServerName == "" {
		tlsConf.ServerName = t.u.Hostname()
	}
	fail := func(err error) {
		res.errors++
		if res.firstErr == nil {
			res.firstErr = err
		}
	}

	// Resolve once, so that connect samples measure TCP, not DNS.
	ips, err := net.DefaultResolver.LookupHost(ctx, t.u.Hostname())
	if err == nil && len(ips) == 0 {
		err = errors.New("no addresses")
	}
	if err != nil {
		fail(fmt.Errorf("resolve %s: %w", t.u.Hostname(), err))
		return res
	}
	dialAddr := net.JoinHostPort(ips[0], t.port)

	var client *http.Client
	var req *http.Request
	if !t.ws {
		tr := &http.Transport{
			TLSClientConfig:     tlsConf,
			MaxIdleConnsPerHost: 1,
			DisableCompression:  true,
			Proxy:               nil,
		}
		defer tr.CloseIdleConnections()
		client = &http.Client{Transport: tr, Timeout: cfg.timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, t.u.String(), nil)
		if err != nil {
			fail(err)
			return res
		}
		// Warm-up: open the kept-alive connection the rtt samples reuse.
		if _, _, err := get(client, req); err != nil {
			fail(fmt.Errorf("warm-up GET: %w", err))
		}
	}

	for i := range cfg.samples {
		if i > 0 && cfg.interval > 0 {
			select {
			case <-ctx.Done():
				fail(ctx.Err())
				return res
			case <-time.After(cfg.interval):
			}
		}
		if err := probeConnect(ctx, t, dialAddr, cfg.timeout, tlsConf, res); err != nil {
			fail(err)
			continue
		}
		if !t.ws {
			d, reused, err := get(client, req)
			if err != nil {
				fail(fmt.Errorf("GET: %w", err))
				continue
			}
			if !reused {
				// The sample paid for a new connection: not a round trip.
				// The next one reuses it.
				res.fresh++
				continue
			}
			res.phases["rtt"].RecordValue(clampProbe(d))
		}
	}
	return res
}

// probeConnect opens a fresh connection (and TLS session), records connect
// and tls, and for WebSocket targets the upgrade handshake as rtt.
func probeConnect(ctx context.Context, t target, dialAddr string, timeout time.Duration, tlsConf *tls.Config, res *probeResult) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	t0 := time.Now()
	conn, err := d.DialContext(ctx, "tcp", dialAddr)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	res.phases["connect"].RecordValue(clampProbe(time.Since(t0)))
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if t.secure {
		tc := tls.Client(conn, tlsConf)
		t1 := time.Now()
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("tls: %w", err)
		}
		res.phases["tls"].RecordValue(clampProbe(time.Since(t1)))
		conn = tc
	}
	if t.ws {
		u := *t.u
		t2 := time.Now()
		if _, _, err := (ws.Dialer{}).Upgrade(conn, &u); err != nil {
			return fmt.Errorf("upgrade: %w", err)
		}
		res.phases["rtt"].RecordValue(clampProbe(time.Since(t2)))
	}
	return nil
}

// maxProbeBody bounds the response body read per GET.
const maxProbeBody = 8 << 20

// get performs one GET and reports its duration (request written to body
// read) and whether it ran on a reused connection.
func get(c *http.Client, req *http.Request) (time.Duration, bool, error) {
	var reused bool
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }}
	r := req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	t0 := time.Now()
	resp, err := c.Do(r)
	if err != nil {
		return 0, false, err
	}
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, maxProbeBody))
	resp.Body.Close()
	d := time.Since(t0)
	if err != nil {
		return 0, false, err
	}
	return d, reused, nil
}

func clampProbe(d time.Duration) int64 {
	return min(max(int64(d), 1), int64(10*time.Minute))
}

type probeJSON struct {
	URL        string            `json:"url"`
	Unit       string            `json:"unit"`
	Errors     int               `json:"errors"`
	FirstError string            `json:"first_error,omitempty"`
	FreshGETs  int               `json:"fresh_gets"` // not counted in rtt
	Phases     []reportJSONStage `json:"phases"`
}

func runProbe(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("probe", probeAbout, stderr)
	n := fs.Int("n", 20, "samples per URL")
	interval := fs.Duration("interval", 200*time.Millisecond, "pause between samples")
	timeout := fs.Duration("timeout", 5*time.Second, "timeout of each connection or request")
	unitName := fs.String("unit", "ms", "unit of the printed values: ns, us, ms or s")
	caFile := fs.String("cacert", "", "PEM `file` of CA certificates to trust instead of the system's")
	insecure := fs.Bool("insecure", false, "do not verify TLS certificates")
	asJSON := fs.Bool("json", false, "print JSON instead of tables")
	pos, code, ok := parseArgs(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		return usageError(stderr, "probe", "need at least one URL")
	}
	if *n < 1 || *n > 1_000_000 {
		return usageError(stderr, "probe", "-n must be 1..1000000")
	}
	if *interval < 0 || *timeout <= 0 {
		return usageError(stderr, "probe", "--interval must be >= 0 and --timeout > 0")
	}
	u, err := parseUnit(*unitName)
	if err != nil {
		return usageError(stderr, "probe", err.Error())
	}
	var targets []target
	for _, p := range pos {
		t, err := parseTarget(p)
		if err != nil {
			return usageError(stderr, "probe", err.Error())
		}
		targets = append(targets, t)
	}
	cfg := probeConfig{samples: *n, interval: *interval, timeout: *timeout, tls: &tls.Config{}}
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			return fail(stderr, "probe", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fail(stderr, "probe", fmt.Errorf("%s: no PEM certificates", *caFile))
		}
		cfg.tls.RootCAs = pool
	}
	cfg.tls.InsecureSkipVerify = *insecure

	status := 0
	var out []probeJSON
	var failed []string // URLs without a complete sample, with the first error
	for i, t := range targets {
		res := probe(context.Background(), t, cfg)
		if res.phases["connect"].TotalCount() == 0 || res.phases["rtt"].TotalCount() == 0 {
			status = 1
			why := "no kept-alive round trip"
			if res.firstErr != nil {
				why = "first error: " + res.firstErr.Error()
			}
			failed = append(failed, res.url+" ("+why+")")
		}
		if *asJSON {
			out = append(out, res.json(u))
			continue
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := res.write(stdout, u, *n); err != nil {
			return fail(stderr, "probe", err)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return fail(stderr, "probe", err)
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(stderr, "latency probe: no complete sample from %d of %d URLs: %s\n", len(failed), len(targets), strings.Join(failed, "; "))
	}
	return status
}

func (r *probeResult) write(w io.Writer, u unit, samples int) error {
	fmt.Fprintf(w, "== %s (%d samples, %d errors; values in %s) ==\n", r.url, samples, r.errors, u.name)
	var t table
	t.add(append([]string{"phase"}, summaryCols...)...)
	for _, name := range probePhases {
		h, ok := r.phases[name]
		if !ok {
			continue
		}
		t.add(summaryRow(name, h, u)...)
	}
	if err := t.write(w); err != nil {
		return err
	}
	if r.fresh > 0 {
		fmt.Fprintf(w, "%d GET(s) found no kept-alive connection and were not counted in rtt\n", r.fresh)
	}
	if r.firstErr != nil {
		_, err := fmt.Fprintf(w, "first error: %v\n", r.firstErr)
		return err
	}
	return nil
}

func (r *probeResult) json(u unit) probeJSON {
	out := probeJSON{URL: r.url, Unit: u.name, Errors: r.errors, FreshGETs: r.fresh}
	if r.firstErr != nil {
		out.FirstError = r.firstErr.Error()
	}
	for _, name := range probePhases {
		h, ok := r.phases[name]
		if !ok {
			continue
		}
		s := summarize(h)
		out.Phases = append(out.Phases, reportJSONStage{Stage: name, Count: s.Count,
			P50: u.value(s.P50), P90: u.value(s.P90), P99: u.value(s.P99),
			P999: u.value(s.P999), P9999: u.value(s.P9999), Max: u.value(s.Max)})
	}
	return out
}
