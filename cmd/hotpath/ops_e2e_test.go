package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hotpath/hotpath/config"
	"github.com/hotpath/hotpath/feed"
	"github.com/hotpath/hotpath/ops/telegram/telegramtest"
	"github.com/hotpath/hotpath/sim"
	"github.com/hotpath/hotpath/sim/simtest"
)

// syncBuffer is a bytes.Buffer safe for one writer (the command) and a
// reader (the test) at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// notifySocket is a fake systemd notify socket (unixgram) collecting
// every datagram sent to it.
type notifySocket struct {
	mu   sync.Mutex
	msgs []string
}

func listenNotify(t *testing.T) (*notifySocket, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ns := &notifySocket{}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, _, err := c.ReadFromUnix(buf)
			if err != nil {
				return
			}
			ns.mu.Lock()
			ns.msgs = append(ns.msgs, string(buf[:n]))
			ns.mu.Unlock()
		}
	}()
	return ns, path
}

// has reports whether a datagram carried the line want ("READY=1").
func (ns *notifySocket) has(want string) bool {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	for _, m := range ns.msgs {
		for _, l := range strings.Split(m, "\n") {
			if l == want {
				return true
			}
		}
	}
	return false
}

func (ns *notifySocket) all() []string {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return append([]string(nil), ns.msgs...)
}

// waitUntil polls cond every 20 ms until it holds; false after d.
func waitUntil(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

func httpGet(url string) (int, string) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRunOpsLive runs 'hotpath run' in live mode against the simulator
// (a funded Hardhat account, a neg-risk event whose YES basket is an
// arbitrage at rest) with every operations hook on: Telegram pointed at
// the fake Bot API, NOTIFY_SOCKET at a socket of the test's, the metrics
// server on 127.0.0.1:0. It checks what an operator relies on: READY=1 and
// STOPPING=1 reach systemd; /status, /pause and /resume from the allowed
// chat steer the engine and are answered; a stranger's command gets no
// reply and is counted; /readyz turns ready and /metrics serves the
// engine's families; the basket filled is alerted in the chat. The run is
// stopped with SIGTERM, as systemctl stop does.
func TestRunOpsLive(t *testing.T) {
	const (
		token    = "123456:TEST-token-ops-e2e"
		chat     = int64(4242)
		stranger = int64(999)
	)
	sc, err := sim.ParseScenario(simtest.Arb{Name: "ops-e2e", Seed: 5, Accounts: [2]int{0, 0}, Cash: "2000"}.TOML())
	if err != nil {
		t.Fatal(err)
	}
	sctx, scancel := context.WithCancel(context.Background())
	defer scancel()
	srv, err := sim.Start(sctx, sim.Config{Spec: sc, MinedDelay: 20 * time.Millisecond, ConfirmDelay: 40 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tg := telegramtest.New(token)
	defer tg.Close()
	ns, sock := listenNotify(t)

	unsetenv(t, "HOTPATH_MODE", "HOTPATH_KEYSTORE", "HOTPATH_KEYSTORE_PASSWORD", "HOTPATH_KEYSTORE_PASSWORD_FILE",
		"HOTPATH_API_KEY", "HOTPATH_API_SECRET", "HOTPATH_API_PASSPHRASE", "CREDENTIALS_DIRECTORY",
		"WATCHDOG_PID", "HOTPATH_OPS_METRICS_ADDR", "HOTPATH_OPS_TELEGRAM_API")
	t.Setenv("HOTPATH_PRIVATE_KEY", sim.HardhatKeys[0])
	t.Setenv("HOTPATH_TELEGRAM_TOKEN", token)
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "400000") // pings every 200 ms while the engine's loops progress

	u := srv.URLs()
	dir := t.TempDir()
	conf := fmt.Sprintf(`mode = "live"
[venue]
clob_url = %q
ws_market_url = %q
ws_user_url = %q
gamma_url = %q
chain_id = 137
[live]
confirm = %q
[journal]
dir = %q
[latency]
interval = "1s"
[log]
file = %q
[ops]
metrics_addr = "127.0.0.1:0"
telegram_api = %q
telegram_chats = [%d]
`, u.REST, u.WSMarket, u.WSUser, u.Gamma, config.LiveConfirmation, filepath.Join(dir, "journal"),
		filepath.Join(dir, "hotpath.log"), tg.URL(), chat)

	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		// The fallback --duration only bounds a run the test failed to stop.
		done <- dispatch([]string{"run", "--config", writeConfig(t, conf), "--duration", "60s"}, &stdout, &stderr)
	}()
	running := true
	stop := func() int {
		if !running {
			return -1
		}
		running = false
		// runRun has SIGTERM routed to its context (signal.NotifyContext)
		// for as long as it runs; done is still open, so it still runs.
		if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case code := <-done:
			return code
		case <-time.After(40 * time.Second):
			t.Fatal("hotpath run did not stop after SIGTERM")
			return -1
		}
	}
	defer stop()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf(format+"\nstdout:\n%s\nstderr:\n%s\nnotify: %q\ntelegram: %q", append(args, stdout.String(), stderr.String(), ns.all(), tg.Sent())...)
	}

	// systemd: READY=1 once the engine runs.
	if !waitUntil(30*time.Second, func() bool {
		select {
		case code := <-done:
			running = false
			fail("hotpath run exited with %d before READY=1", code)
		default:
		}
		return ns.has("READY=1")
	}) {
		fail("no READY=1 on the notify socket")
	}
	if !ns.has("STATUS=trading: live") {
		fail("READY=1 without the STATUS line naming the mode")
	}

	// The summary names the metrics address actually bound.
	_, line, _ := strings.Cut(stdout.String(), "metrics     http://")
	hostPort, _, _ := strings.Cut(line, "/metrics")
	if _, port, err := net.SplitHostPort(hostPort); err != nil || port == "0" {
		fail("metrics address %q (%v) not in the summary", hostPort, err)
	}
	base := "http://" + hostPort
	if !waitUntil(10*time.Second, func() bool { code, _ := httpGet(base + "/readyz"); return code == 200 }) {
		code, body := httpGet(base + "/readyz")
		fail("/readyz %d %q, want 200", code, body)
	}
	if code, _ := httpGet(base + "/healthz"); code != 200 {
		fail("/healthz %d", code)
	}

	// Telegram: each command from the allowed chat is answered there.
	ask := func(text, want string) string {
		t.Helper()
		n := len(tg.Sent())
		tg.SendText(chat, text)
		var reply string
		if !waitUntil(10*time.Second, func() bool {
			for _, m := range tg.Sent()[n:] {
				if m.ChatID == chat && strings.Contains(m.Text, want) {
					reply = m.Text
					return true
				}
			}
			return false
		}) {
			fail("%s: no reply containing %q", text, want)
		}
		return reply
	}
	ask("/status", "live mode, running")
	ask("/pause maintenance", "Paused")
	if r := ask("/status", "live mode, paused"); !strings.Contains(r, "maintenance") {
		fail("paused status %q does not give the reason", r)
	}
	ask("/resume", "Resumed")
	ask("/status", "live mode, running")

	// A stranger is ignored (no reply anywhere) and counted.
	tg.SendText(stranger, "/pause")
	if !waitUntil(10*time.Second, func() bool {
		_, body := httpGet(base + "/metrics")
		return strings.Contains(body, "hotpath_telegram_unauthorized_total 1")
	}) {
		_, body := httpGet(base + "/metrics")
		fail("stranger's command not counted:\n%s", grepLines(body, "telegram"))
	}
	ask("/status", "live mode, running") // the stranger's /pause did nothing

	// The arbitrage at rest is traded and the fill alerted in the chat.
	if !waitUntil(10*time.Second, func() bool {
		for _, m := range tg.Sent() {
			if m.ChatID == chat && strings.Contains(m.Text, "fill") && strings.Contains(m.Text, "[complete") {
				return true
			}
		}
		return false
	}) {
		fail("no fill alert in the chat")
	}
	for _, m := range tg.Sent() {
		if m.ChatID != chat {
			fail("message to chat %d (only %d is allowed): %q", m.ChatID, chat, m.Text)
		}
	}

	// Metrics: the engine's families, filled in by this run. Latency
	// snapshots follow the collector's interval ([latency] interval, 1 s
	// here). The feed's counters are the copies each connection's reader
	// publishes on a frame a second after the last (or at a session's
	// start): the books' snapshots show once a later frame (the fill's
	// updates, at the latest the next PONG) has arrived.
	var body string
	if !waitUntil(5*time.Second, func() bool {
		_, body = httpGet(base + "/metrics")
		return strings.Contains(body, "hotpath_latency_seconds{stage=")
	}) {
		fail("no latency percentiles on /metrics:\n%s", grepLines(body, "hotpath_"))
	}
	if !waitUntil(15*time.Second, func() bool {
		_, body = httpGet(base + "/metrics")
		v, err := strconv.ParseUint(metricValue(body, `hotpath_feed_messages_total{type="book"}`), 10, 64)
		return err == nil && v > 0
	}) {
		fail("no book messages counted on /metrics:\n%s", grepLines(body, "hotpath_feed_"))
	}
	for _, typ := range []string{"book", "price_change", "tick_size_change", "last_trade_price", "best_bid_ask", "new_market", "market_resolved", "pong"} {
		if metricValue(body, `hotpath_feed_messages_total{type="`+typ+`"}`) == "" {
			fail("/metrics lacks hotpath_feed_messages_total{type=%q}:\n%s", typ, grepLines(body, "hotpath_feed_"))
		}
	}
	for r := feed.ReasonNone + 1; r < feed.NumReasons; r++ {
		if metricValue(body, `hotpath_feed_decode_errors_total{reason="`+r.String()+`"}`) == "" {
			fail("/metrics lacks hotpath_feed_decode_errors_total{reason=%q}:\n%s", r, grepLines(body, "hotpath_feed_"))
		}
	}
	if v := metricValue(body, `hotpath_feed_decode_errors_total{reason="malformed_json"}`); v != "0" {
		fail("the simulator's feed had %s malformed messages", v)
	}
	// [rate] defaults: 300 orders per 10 s, 30 kept for unwinds; the
	// basket's legs are refilled within a second or two.
	if v, err := strconv.Atoi(metricValue(body, "hotpath_rate_budget_remaining")); err != nil || v <= 0 || v > 300-30 {
		fail("hotpath_rate_budget_remaining = %d (%v), want in (0, 270]", v, err)
	}
	for _, want := range []string{
		"hotpath_ready 1",
		"hotpath_feed_up{",
		"hotpath_books_excluded ",
		"hotpath_pool_size ",
		"hotpath_opportunities_total ",
		"hotpath_opportunities_not_taken_total{reason=",
		"hotpath_baskets_total{outcome=",
		"hotpath_template_lookups_total{result=\"hit\"}",
		"hotpath_template_lookups_total{result=\"miss\"}",
		"hotpath_latency_seconds{stage=",
		"quantile=\"0.99\"",
		"hotpath_latency_seconds_max{stage=",
		"hotpath_pnl_micro_usd{kind=\"realized\"}",
		"hotpath_telegram_commands_total{command=\"pause\"} 1",
		"hotpath_telegram_commands_total{command=\"resume\"} 1",
		"hotpath_telegram_alerts_total{result=\"sent\"}",
	} {
		if !strings.Contains(body, want) {
			fail("/metrics lacks %q:\n%s", want, grepLines(body, "hotpath_"))
		}
	}
	if v := metricValue(body, "hotpath_opportunities_total"); v == "" || v == "0" {
		fail("hotpath_opportunities_total = %q after a fill", v)
	}
	if !ns.has("WATCHDOG=1") {
		fail("no watchdog ping while the engine ran")
	}

	// systemctl stop: SIGTERM, a clean exit, STOPPING=1.
	if code := stop(); code != 0 {
		fail("exit %d after SIGTERM", code)
	}
	if !waitUntil(2*time.Second, func() bool { return ns.has("STOPPING=1") }) {
		fail("no STOPPING=1 at shutdown")
	}
	if out := stdout.String(); !strings.Contains(out, "filled") {
		fail("report lacks the fills:\n%s", out)
	}
}

// grepLines keeps the lines of s containing sub (for failure messages).
func grepLines(s, sub string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) && !strings.HasPrefix(l, "#") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// metricValue is the value of an unlabelled sample name in an exposition.
func metricValue(body, name string) string {
	for _, l := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			return v
		}
	}
	return ""
}
