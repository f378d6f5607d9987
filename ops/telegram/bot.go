// Package telegram is hotpath's operator console on Telegram: alerts (fills,
// partial baskets, unwinds, errors, feed loss, limits, a daily summary) and
// commands (/status /pool /trades /pnl /limits /pause /resume /kill /help)
// from allow-listed chats only.
//
// It speaks the Bot API directly over net/http: the surface needed is two
// methods (getUpdates long poll, sendMessage), which is less code than an
// SDK's configuration and keeps the dependency list short. The API base URL
// is configurable so tests run against telegramtest, a local fake.
//
// Alerts never block the caller: Notify puts them on a bounded queue and
// drops (and counts) when it is full. A single sender goroutine applies a
// token-bucket rate limit and coalesces whatever queued up while it waited
// into one message with counts. The hot path never calls this package; the
// engine's cold goroutines do.
package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotpath/hotpath/ops"
	"github.com/hotpath/hotpath/ops/metrics"
)

// Config configures the bot. Zero values take the defaults noted.
type Config struct {
	Token   string // bot token (from the environment, never the config file)
	APIBase string // default DefaultAPIBase
	// AllowedChats may send commands; every other chat is ignored and
	// counted. Allowing a group chat allows every member of it.
	AllowedChats []int64
	// AlertChats receive alerts and the daily summary; default AllowedChats.
	AlertChats []int64
	// PollTimeout is the getUpdates long-poll wait (default 30 s).
	PollTimeout time.Duration
	// AlertEvery and AlertBurst are the token bucket: at most AlertBurst
	// messages at once, then one per AlertEvery (defaults 3 s and 5).
	AlertEvery time.Duration
	AlertBurst int
	// QueueSize bounds the alert queue (default 256).
	QueueSize int
	// SummaryAt is the daily summary time "HH:MM" in SummaryLocation
	// (default UTC); empty disables the summary.
	SummaryAt       string
	SummaryLocation *time.Location
	// KillCodeTTL is how long a /kill confirmation code is valid (default 60 s).
	KillCodeTTL time.Duration
	// RetryMin and RetryMax bound the poll error backoff (defaults 1 s, 30 s).
	RetryMin, RetryMax time.Duration
	// Redact is applied to every outgoing text (e.g. logx.Redactor.Redact),
	// on top of the token, which is always redacted.
	Redact func(string) string
	// OnError receives poll and send errors (already redacted), e.g. to log
	// them. Called from the bot's goroutines; must not block for long.
	OnError func(error)
	// HTTPClient is optional.
	HTTPClient *http.Client

	now func() time.Time // tests: the clock (default time.Now)
}

// Bot is the console. Create with New, start with Run.
type Bot struct {
	cfg     Config
	client  *Client
	ctrl    ops.Controller
	allowed map[int64]bool
	queue   chan Alert
	now     func() time.Time
	sumH    int
	sumM    int

	// Counters, read by the metrics collector.
	unauthorized atomic.Uint64
	alertStats   [numAlertCounters]atomic.Uint64
	cmdStats     [numCommands]atomic.Uint64

	// kill confirmation state (only the poll goroutine touches it).
	killMu   sync.Mutex
	killCode string
	killChat int64
	killExp  time.Time
}

// New validates cfg and builds the bot; ctrl is the engine.
func New(cfg Config, ctrl ops.Controller) (*Bot, error) {
	if ctrl == nil {
		return nil, errors.New("telegram: nil controller")
	}
	c, err := NewClient(cfg.APIBase, cfg.Token, cfg.HTTPClient)
	if err != nil {
		return nil, err
	}
	if len(cfg.AllowedChats) == 0 {
		return nil, errors.New("telegram: no allowed chats: every command would be ignored")
	}
	if len(cfg.AlertChats) == 0 {
		cfg.AlertChats = slices.Clone(cfg.AllowedChats)
	}
	setDefault(&cfg.PollTimeout, 30*time.Second)
	setDefault(&cfg.AlertEvery, 3*time.Second)
	setDefault(&cfg.KillCodeTTL, 60*time.Second)
	setDefault(&cfg.RetryMin, time.Second)
	setDefault(&cfg.RetryMax, 30*time.Second)
	if cfg.AlertBurst <= 0 {
		cfg.AlertBurst = 5
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 256
	}
	if cfg.SummaryLocation == nil {
		cfg.SummaryLocation = time.UTC
	}
	b := &Bot{cfg: cfg, client: c, ctrl: ctrl, allowed: map[int64]bool{}, queue: make(chan Alert, cfg.QueueSize), now: time.Now}
	if cfg.now != nil {
		b.now = cfg.now
	}
	for _, id := range cfg.AllowedChats {
		b.allowed[id] = true
	}
	if cfg.SummaryAt != "" {
		if b.sumH, b.sumM, err = parseHHMM(cfg.SummaryAt); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

// Notify queues an alert without blocking; false when the queue was full
// (the alert is dropped and counted).
func (b *Bot) Notify(k Kind, text string) bool {
	select {
	case b.queue <- Alert{Kind: k, Text: text}:
		b.alertStats[alertQueued].Add(1)
		return true
	default:
		b.alertStats[alertDropped].Add(1)
		return false
	}
}

// Fill alerts a complete basket.
func (b *Bot) Fill(t ops.Trade) bool { return b.Notify(KindFill, tradeLine(t)) }

// Partial alerts a partially filled basket.
func (b *Bot) Partial(t ops.Trade, detail string) bool {
	return b.Notify(KindPartial, tradeLine(t)+" — "+detail)
}

// Unwind alerts an unwind (or a completion at a loss).
func (b *Bot) Unwind(t ops.Trade, detail string) bool {
	return b.Notify(KindUnwind, tradeLine(t)+" — "+detail)
}

// Error alerts an error (its text is redacted before sending).
func (b *Bot) Error(what string, err error) bool {
	return b.Notify(KindError, what+": "+err.Error())
}

// FeedLost alerts a lost or stale feed connection.
func (b *Bot) FeedLost(conn string, why string) bool {
	return b.Notify(KindFeedLoss, "connection "+conn+": "+why)
}

// LimitHit alerts a risk limit (or the kill switch).
func (b *Bot) LimitHit(limit string, detail string) bool {
	return b.Notify(KindLimit, limit+": "+detail)
}

// Run polls for commands, sends alerts and the daily summary until ctx is
// done. It returns ctx's error.
func (b *Bot) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { b.runAlerts(ctx) })
	wg.Go(func() { b.runPoll(ctx) })
	if b.cfg.SummaryAt != "" {
		wg.Go(func() { b.runSummary(ctx) })
	}
	wg.Wait()
	return ctx.Err()
}

func (b *Bot) onError(err error) {
	if b.cfg.OnError != nil {
		b.cfg.OnError(err)
	}
}

func (b *Bot) redact(s string) string {
	s = b.client.redact(s)
	if b.cfg.Redact != nil {
		s = b.cfg.Redact(s)
	}
	return s
}

// send sends one message with a bounded wait.
func (b *Bot) send(ctx context.Context, chat int64, text string) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	return b.client.SendMessage(ctx, chat, text)
}

// runPoll long-polls getUpdates and dispatches commands, backing off on
// errors (doubling from RetryMin to RetryMax, or the server's retry_after).
func (b *Bot) runPoll(ctx context.Context) {
	var offset int64
	backoff := b.cfg.RetryMin
	for ctx.Err() == nil {
		pctx, cancel := context.WithTimeout(ctx, b.cfg.PollTimeout+15*time.Second)
		ups, err := b.client.GetUpdates(pctx, offset, b.cfg.PollTimeout)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			b.onError(err)
			wait := backoff
			var ae *APIError
			if errors.As(err, &ae) && ae.RetryAfter > 0 {
				wait = ae.RetryAfter
			}
			if !sleep(ctx, wait) {
				return
			}
			backoff = min(2*backoff, b.cfg.RetryMax)
			continue
		}
		backoff = b.cfg.RetryMin
		for _, u := range ups {
			if u.ID >= offset {
				offset = u.ID + 1
			}
			b.handle(ctx, u)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// handle applies one update: unauthorized chats are counted and ignored
// (no reply: the bot does not reveal itself), non-commands ignored.
func (b *Bot) handle(ctx context.Context, u Update) {
	if u.ChatID == 0 || u.FromBot {
		return
	}
	if !b.allowed[u.ChatID] {
		b.unauthorized.Add(1)
		return
	}
	reply, ok := b.command(u.ChatID, u.Text)
	if !ok {
		return
	}
	if err := b.send(ctx, u.ChatID, b.redact(reply)); err != nil {
		b.onError(err)
	}
}

// RegisterMetrics exports the bot's counters: unauthorized updates, alerts by
// result, commands by name.
func (b *Bot) RegisterMetrics(r *metrics.Registry) error {
	if err := r.Counter(metrics.TelegramIgnored, "Telegram updates from chats not allow-listed (ignored).", &b.unauthorized); err != nil {
		return err
	}
	if err := r.CounterArray(metrics.TelegramAlerts, "Telegram alerts by result.", "result", alertCounterNames[:], b.alertStats[:]); err != nil {
		return err
	}
	return r.CounterArray(metrics.TelegramCommands, "Telegram commands handled, by command.", "command", commandNames[:], b.cmdStats[:])
}

// Unauthorized is the number of updates ignored because their chat is not allowed.
func (b *Bot) Unauthorized() uint64 { return b.unauthorized.Load() }

// AlertStats returns the alert counters by name (queued, dropped, sent, coalesced, failed).
func (b *Bot) AlertStats() map[string]uint64 {
	m := make(map[string]uint64, numAlertCounters)
	for i, n := range alertCounterNames {
		m[n] = b.alertStats[i].Load()
	}
	return m
}

func parseHHMM(s string) (int, int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, 0, fmt.Errorf("telegram: summary time %q: want HH:MM", s)
	}
	return t.Hour(), t.Minute(), nil
}
