package telegram

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotpath/hotpath/ops"
	"github.com/hotpath/hotpath/ops/metrics"
	"github.com/hotpath/hotpath/ops/telegram/telegramtest"
)

const token = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"

// fakeEngine implements ops.Controller and records control calls.
type fakeEngine struct {
	mu     sync.Mutex
	calls  []string
	trades []ops.Trade
	nTrade int
}

func (e *fakeEngine) record(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = append(e.calls, s)
}

func (e *fakeEngine) Calls() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.calls...)
}

func (e *fakeEngine) Status() ops.Status {
	return ops.Status{Mode: "paper", State: ops.StateRunning, Version: "v0.1", FeedsUp: 2, FeedsTotal: 2,
		BooksSynced: 10, BooksTotal: 12, Excluded: 2, Groups: 5, PoolSize: 1, OpenBaskets: 0}
}
func (e *fakeEngine) Pool() []ops.PoolEntry {
	return []ops.PoolEntry{{Event: "fed-dec", Basket: "YES", Legs: 4, CostMicros: 1_004_000, PayoutMicros: 1_000_000, Since: time.Now().Add(-time.Minute)}}
}
func (e *fakeEngine) Trades(n int) []ops.Trade {
	e.mu.Lock()
	e.nTrade = n
	e.mu.Unlock()
	if n > len(e.trades) {
		n = len(e.trades)
	}
	return e.trades[:n]
}
func (e *fakeEngine) PnL() ops.PnL {
	return ops.PnL{RealizedMicros: 12_340_000, FeesMicros: 10_000, TodayMicros: -500_000, Baskets: 3}
}
func (e *fakeEngine) Limits() ops.Limits {
	return ops.Limits{MaxBasketMicros: 50_000_000, MaxOpenBaskets: 3, DailyLossMicros: 20_000_000, OrdersPerSecond: 10}
}
func (e *fakeEngine) Pause(reason string) { e.record("pause:" + reason) }
func (e *fakeEngine) Resume()             { e.record("resume") }
func (e *fakeEngine) Kill(reason string)  { e.record("kill:" + reason) }

var trade = ops.Trade{Event: "fed-dec", Basket: "YES", Outcome: "complete", Status: "matched",
	SharesMicros: 10_000_000, CostMicros: 9_850_000, PayoutMicros: 10_000_000, PnLMicros: 150_000}

const (
	opChat    = int64(1001)
	otherChat = int64(2002)
	strangers = int64(-999)
)

// start runs a bot against a fresh fake; mod adjusts the config.
func start(t *testing.T, mod func(*Config)) (*Bot, *telegramtest.Server, *fakeEngine) {
	t.Helper()
	fake := telegramtest.New(token)
	eng := &fakeEngine{trades: []ops.Trade{trade, trade, trade}}
	cfg := Config{Token: token, APIBase: fake.URL(), AllowedChats: []int64{opChat}, PollTimeout: time.Second,
		AlertEvery: 50 * time.Millisecond, AlertBurst: 5, RetryMin: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	b, err := New(cfg, eng)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
		fake.Close()
	})
	return b, fake, eng
}

func TestAlertsDelivered(t *testing.T) {
	b, fake, _ := start(t, func(c *Config) { c.AlertChats = []int64{opChat, otherChat} })
	if !b.Fill(trade) {
		t.Fatal("queue refused")
	}
	msgs := fake.WaitSent(2, 5*time.Second)
	if len(msgs) != 2 {
		t.Fatalf("sent %d", len(msgs))
	}
	chats := map[int64]bool{}
	for _, m := range msgs {
		chats[m.ChatID] = true
		want := "✅ fill: fed-dec YES: 10 shares, cost $9.85, payout $10.00, P&L $0.15 [complete, matched]"
		if m.Text != want {
			t.Errorf("text %q, want %q", m.Text, want)
		}
	}
	if !chats[opChat] || !chats[otherChat] {
		t.Errorf("chats %v", chats)
	}
	for _, tc := range []struct {
		send func() bool
		want string
	}{
		{func() bool { return b.Partial(trade, "2 of 4 legs") }, "⚠️ partial: fed-dec YES"},
		{func() bool { return b.Unwind(trade, "sold 2 legs") }, "↩️ unwind: "},
		{func() bool { return b.Error("submit", errors.New("boom")) }, "❌ error: submit: boom"},
		{func() bool { return b.FeedLost("0", "no pong for 10s") }, "📡 feed: connection 0: no pong for 10s"},
		{func() bool { return b.LimitHit("daily loss", "$20.00 reached") }, "🛑 limit: daily loss: $20.00 reached"},
	} {
		n := len(fake.Sent())
		tc.send()
		msgs := fake.WaitSent(n+2, 5*time.Second)
		if len(msgs) < n+2 || !strings.HasPrefix(msgs[n].Text, tc.want) {
			t.Errorf("want prefix %q, got %v", tc.want, msgs[n:])
		}
	}
}

func TestRateLimitCoalesces(t *testing.T) {
	b, fake, _ := start(t, func(c *Config) { c.AlertEvery = 300 * time.Millisecond; c.AlertBurst = 1 })
	b.Notify(KindInfo, "first")
	if m := fake.WaitSent(1, 5*time.Second); len(m) != 1 || m[0].Text != "ℹ️ info: first" {
		t.Fatalf("first: %v", m)
	}
	// The bucket is empty now: a burst queues up and goes out as one message.
	for range 7 {
		b.FeedLost("1", "stale")
	}
	b.Error("x", errors.New("y"))
	b.Error("x", errors.New("y"))
	b.LimitHit("rate", "budget low")
	fake.WaitSent(2, 5*time.Second)
	time.Sleep(400 * time.Millisecond) // nothing else may follow
	msgs := fake.Sent()
	if len(msgs) != 2 {
		t.Fatalf("sent %d messages, want 2: %+v", len(msgs), msgs)
	}
	want := "10 alerts (rate-limited, coalesced):\n• 📡 feed: connection 1: stale (×7)\n• ❌ error: x: y (×2)\n• 🛑 limit: rate: budget low"
	if msgs[1].Text != want {
		t.Errorf("coalesced:\n%s\nwant:\n%s", msgs[1].Text, want)
	}
	st := b.AlertStats()
	if st["queued"] != 11 || st["sent"] != 2 || st["coalesced"] != 9 || st["dropped"] != 0 {
		t.Errorf("stats %v", st)
	}
}

func TestQueueFullDropsWithoutBlocking(t *testing.T) {
	b, err := New(Config{Token: token, APIBase: "http://127.0.0.1:1", AllowedChats: []int64{1}, QueueSize: 2}, &fakeEngine{})
	if err != nil {
		t.Fatal(err)
	}
	// No Run: nobody drains the queue.
	got := []bool{b.Notify(KindInfo, "a"), b.Notify(KindInfo, "b"), b.Notify(KindInfo, "c")}
	if !got[0] || !got[1] || got[2] {
		t.Errorf("accepted %v", got)
	}
	if st := b.AlertStats(); st["dropped"] != 1 || st["queued"] != 2 {
		t.Errorf("stats %v", st)
	}
}

func TestRetryAfter429(t *testing.T) {
	b, fake, _ := start(t, nil)
	fake.Fail429(1, 1)
	start := time.Now()
	b.Notify(KindInfo, "after 429")
	m := fake.WaitSent(1, 5*time.Second)
	if len(m) != 1 || m[0].Text != "ℹ️ info: after 429" {
		t.Fatalf("got %v", m)
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Errorf("resent after %v, before retry_after", el)
	}
}

func reply(t *testing.T, fake *telegramtest.Server, chat int64, text string) string {
	t.Helper()
	n := len(fake.Sent())
	fake.SendText(chat, text)
	m := fake.WaitSent(n+1, 5*time.Second)
	if len(m) <= n {
		t.Fatalf("no reply to %q", text)
	}
	if m[n].ChatID != chat {
		t.Errorf("reply to %q went to chat %d", text, m[n].ChatID)
	}
	return m[n].Text
}

func TestAllowList(t *testing.T) {
	b, fake, eng := start(t, nil)
	reg := metrics.NewRegistry()
	if err := b.RegisterMetrics(reg); err != nil {
		t.Fatal(err)
	}
	fake.SendText(strangers, "/kill")
	fake.SendText(strangers, "/pause")
	fake.PushRaw(map[string]any{"edited_message": map[string]any{"chat": map[string]any{"id": opChat}, "text": "/kill"}})
	fake.PushRaw(map[string]any{"message": map[string]any{"from": map[string]any{"id": 7, "is_bot": true}, "chat": map[string]any{"id": opChat}, "text": "/pause"}})
	// The operator's command is answered; the strangers' never are.
	if got := reply(t, fake, opChat, "/status"); !strings.Contains(got, "paper mode, running") {
		t.Errorf("status reply %q", got)
	}
	for _, m := range fake.Sent() {
		if m.ChatID != opChat {
			t.Errorf("message to non-allowed chat: %+v", m)
		}
	}
	if len(eng.Calls()) != 0 {
		t.Errorf("controller called: %v", eng.Calls())
	}
	if b.Unauthorized() != 2 {
		t.Errorf("unauthorized = %d", b.Unauthorized())
	}
	srv, err := metrics.NewServer(metrics.ServerConfig{}, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, w := range []string{"hotpath_telegram_unauthorized_total 2", `hotpath_telegram_commands_total{command="status"} 1`, `hotpath_telegram_alerts_total{result="dropped"} 0`} {
		if !strings.Contains(body, w) {
			t.Errorf("metrics lack %q", w)
		}
	}
}

var codeRE = regexp.MustCompile(`/kill (\d{6}) within`)

func TestKillConfirmationFlow(t *testing.T) {
	_, fake, eng := start(t, func(c *Config) { c.AllowedChats = []int64{opChat, otherChat} })
	r := reply(t, fake, opChat, "/kill")
	m := codeRE.FindStringSubmatch(r)
	if m == nil {
		t.Fatalf("no code in %q", r)
	}
	if len(eng.Calls()) != 0 {
		t.Fatal("killed before confirmation")
	}
	// A wrong code cancels; the right code afterwards is stale.
	if r := reply(t, fake, opChat, "/kill 000000x"); !strings.Contains(r, "Wrong code") {
		t.Errorf("wrong code reply %q", r)
	}
	if r := reply(t, fake, opChat, "/kill "+m[1]); !strings.Contains(r, "No kill pending") {
		t.Errorf("reuse reply %q", r)
	}
	// Another chat cannot confirm a code issued to this one.
	m = codeRE.FindStringSubmatch(reply(t, fake, opChat, "/kill"))
	if r := reply(t, fake, otherChat, "/kill "+m[1]); !strings.Contains(r, "another chat") {
		t.Errorf("cross-chat reply %q", r)
	}
	if len(eng.Calls()) != 0 {
		t.Fatalf("killed: %v", eng.Calls())
	}
	m = codeRE.FindStringSubmatch(reply(t, fake, opChat, "/kill"))
	if r := reply(t, fake, opChat, "/kill "+m[1]); !strings.Contains(r, "Kill switch tripped") {
		t.Errorf("confirm reply %q", r)
	}
	if c := eng.Calls(); len(c) != 1 || c[0] != "kill:kill switch from Telegram (chat 1001)" {
		t.Errorf("calls %v", c)
	}
}

func TestKillCodeExpires(t *testing.T) {
	eng := &fakeEngine{}
	b, err := New(Config{Token: token, AllowedChats: []int64{opChat}}, eng)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	b.now = func() time.Time { return now }
	r, _ := b.command(opChat, "/kill")
	code := codeRE.FindStringSubmatch(r)[1]
	now = now.Add(61 * time.Second)
	if r, _ := b.command(opChat, "/kill "+code); !strings.Contains(r, "expired") {
		t.Errorf("got %q", r)
	}
	r, _ = b.command(opChat, "/kill")
	code = codeRE.FindStringSubmatch(r)[1]
	now = now.Add(59 * time.Second)
	if r, _ := b.command(opChat, "/kill "+code); !strings.Contains(r, "tripped") {
		t.Errorf("got %q", r)
	}
	if len(eng.Calls()) != 1 {
		t.Errorf("calls %v", eng.Calls())
	}
}

func TestPauseResume(t *testing.T) {
	_, fake, eng := start(t, nil)
	if r := reply(t, fake, opChat, "/pause spreads look odd"); !strings.HasPrefix(r, "Paused") {
		t.Errorf("pause reply %q", r)
	}
	if r := reply(t, fake, opChat, "/resume@hotpath_bot"); r != "Resumed." {
		t.Errorf("resume reply %q", r)
	}
	if r := reply(t, fake, opChat, "/PAUSE"); !strings.HasPrefix(r, "Paused") {
		t.Errorf("pause reply %q", r)
	}
	want := []string{"pause:spreads look odd (chat 1001)", "resume", "pause:paused from Telegram (chat 1001)"}
	if c := eng.Calls(); strings.Join(c, "|") != strings.Join(want, "|") {
		t.Errorf("calls %q, want %q", c, want)
	}
}

func TestCommandReplies(t *testing.T) {
	eng := &fakeEngine{trades: []ops.Trade{trade, trade, trade}}
	b, err := New(Config{Token: token, AllowedChats: []int64{opChat}}, eng)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want []string
		ok   bool
	}{
		{"/help", []string{"/status — ", "/kill — ", "/trades — "}, true},
		{"/status", []string{"hotpath v0.1 — paper mode, running", "feeds 2/2 up", "books 10/12 synced, 2 excluded", "pool 1"}, true},
		{"/pool", []string{"fed-dec YES ×4: cost $1.004 / payout $1.00 = 10040 bps"}, true},
		{"/trades", []string{"Last 3 trade(s)", "P&L $0.15"}, true},
		{"/trades 2", []string{"Last 2 trade(s)"}, true},
		{"/trades 0", []string{"usage: /trades"}, true},
		{"/trades x", []string{"usage: /trades"}, true},
		{"/pnl", []string{"realised $12.34", "today -$0.50", "fees $0.01", "3 complete"}, true},
		{"/limits", []string{"Limits (trading)", "per basket $50.00", "open baskets 0/3", "daily loss $0.00 of $20.00"}, true},
		{"/frobnicate", []string{"Unknown command /frobnicate"}, true},
		{"hello", nil, false},
		{"", nil, false},
	}
	for _, tt := range tests {
		r, ok := b.command(opChat, tt.text)
		if ok != tt.ok {
			t.Errorf("%q: ok=%v", tt.text, ok)
		}
		for _, w := range tt.want {
			if !strings.Contains(r, w) {
				t.Errorf("%q: reply %q lacks %q", tt.text, r, w)
			}
		}
	}
	b.command(opChat, "/trades 500")
	if eng.nTrade != tradesMax {
		t.Errorf("trades capped at %d, want %d", eng.nTrade, tradesMax)
	}
	if r, _ := b.command(opChat, "/pool"); strings.Contains(r, "empty") {
		t.Error(r)
	}
	if r := poolText(nil, time.Now()); r != "Near-miss pool is empty." {
		t.Error(r)
	}
	if r := tradesText(nil); r != "No trades yet." {
		t.Error(r)
	}
}

func TestDailySummarySent(t *testing.T) {
	// A clock stuck 50 ms before the summary time: the summary fires at once.
	now := time.Date(2026, 11, 21, 8, 59, 59, 950_000_000, time.UTC)
	_, fake, _ := start(t, func(c *Config) { c.SummaryAt = "09:00"; c.now = func() time.Time { return now } })
	m := fake.WaitSent(1, 5*time.Second)
	if len(m) == 0 {
		t.Fatal("no summary")
	}
	for _, w := range []string{"📊 summary: Daily summary 2026-11-21 08:59 UTC", "paper mode, running", "realised $12.34"} {
		if !strings.Contains(m[0].Text, w) {
			t.Errorf("summary %q lacks %q", m[0].Text, w)
		}
	}
}

func TestNextDaily(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("EST", -5*3600)
	}
	tests := []struct {
		now    time.Time
		hh, mm int
		loc    *time.Location
		want   time.Time
	}{
		{time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC), 9, 0, time.UTC, time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)},
		{time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC), 9, 0, time.UTC, time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)},
		{time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), 0, 15, time.UTC, time.Date(2027, 1, 1, 0, 15, 0, 0, time.UTC)},
		{time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), 9, 0, ny, time.Date(2026, 11, 21, 9, 0, 0, 0, ny)}, // 07:00 in NY
	}
	for _, tt := range tests {
		if got := nextDaily(tt.now, tt.hh, tt.mm, tt.loc); !got.Equal(tt.want) {
			t.Errorf("nextDaily(%v, %02d:%02d) = %v, want %v", tt.now, tt.hh, tt.mm, got, tt.want)
		}
	}
	if _, err := New(Config{Token: token, AllowedChats: []int64{1}, SummaryAt: "25:00"}, &fakeEngine{}); err == nil {
		t.Error("bad summary time accepted")
	}
}

func TestNewValidates(t *testing.T) {
	eng := &fakeEngine{}
	for name, cfg := range map[string]Config{
		"no token":   {AllowedChats: []int64{1}},
		"no chats":   {Token: token},
		"bad base":   {Token: token, AllowedChats: []int64{1}, APIBase: "ftp://x"},
		"empty host": {Token: token, AllowedChats: []int64{1}, APIBase: "https://"},
	} {
		if _, err := New(cfg, eng); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := New(Config{Token: token, AllowedChats: []int64{1}}, nil); err == nil {
		t.Error("nil controller accepted")
	}
}
