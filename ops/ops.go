// Package ops defines what the operations side of hotpath (metrics, health,
// Telegram console, systemd notify) needs from the engine, as one small
// interface and plain data structs, so that nothing under ops imports the
// engine's packages: the engine implements Controller, ops consumes it.
//
// Money is exact everywhere: amounts are int64 micro-dollars (1 USD =
// 1_000_000), sizes int64 micro-shares, prices uint32 micro-dollars per share,
// as in package book. The Format* helpers render them for humans without ever
// going through float64.
//
// Sub-packages, one job each:
//
//	ops/metrics   Prometheus collector over engine-owned atomics, /healthz, /readyz, pprof
//	ops/telegram  Bot API client (getUpdates + sendMessage), alerts, commands
//	ops/logx      zerolog through a non-blocking writer, secret redaction, file rotation
//	ops/sdnotify  systemd READY/WATCHDOG/STOPPING/STATUS notifications
package ops

import "time"

// Controller is what the engine exposes to operators. Every method is called
// from cold goroutines (the Telegram poller, the daily summary), never from
// the hot path; implementations may take locks or copy state, and must be safe
// for concurrent use.
type Controller interface {
	// Status is a one-screen snapshot of the engine.
	Status() Status
	// Pool lists the near-miss pool (hot groups), cheapest first.
	Pool() []PoolEntry
	// Trades returns the n most recent baskets, newest first.
	Trades(n int) []Trade
	// PnL is the profit and loss so far.
	PnL() PnL
	// Limits are the risk limits in force and how much of each is used.
	Limits() Limits
	// Pause stops opening new baskets (in-flight ones complete or unwind).
	Pause(reason string)
	// Resume undoes Pause. It does not undo Kill.
	Resume()
	// Kill trips the kill switch: no new orders until restart.
	Kill(reason string)
}

// RunState is the engine's trading state as operators see it.
type RunState uint8

// Run states.
const (
	StateStarting RunState = iota // not yet ready (feeds connecting, books syncing)
	StateRunning                  // scanning and trading (or paper trading)
	StatePaused                   // scanning, not opening baskets
	StateKilled                   // kill switch tripped; restart needed
)

var runStateNames = [...]string{"starting", "running", "paused", "killed"}

// String returns the lower-case name of the state.
func (s RunState) String() string {
	if int(s) < len(runStateNames) {
		return runStateNames[s]
	}
	return "unknown"
}

// Status is a snapshot of the engine for /status and the daily summary.
type Status struct {
	Mode        string    // paper, live, replay, demo
	State       RunState  // see RunState
	Reason      string    // why paused or killed (empty otherwise)
	Version     string    // build version
	Started     time.Time // process start
	FeedsUp     int       // connected feed connections
	FeedsTotal  int       // configured feed connections
	BooksSynced int       // books with a valid snapshot
	BooksTotal  int       // books subscribed
	Excluded    int       // books currently excluded from scanning
	Groups      int       // groups being scanned
	PoolSize    int       // groups in the near-miss pool
	OpenBaskets int       // baskets not yet complete (legs unconfirmed)
}

// PoolEntry is one hot group in the near-miss pool.
type PoolEntry struct {
	Event        string    // event slug or title
	Basket       string    // "YES", "NO" or "pair"
	Legs         int       // number of legs
	CostMicros   int64     // cost of one set at the best asks, taker fees included, micro-dollars (rounded up)
	PayoutMicros int64     // what one set pays, micro-dollars
	Since        time.Time // when the group entered the pool
}

// Trade is one basket attempt.
type Trade struct {
	Time         time.Time
	Event        string // event slug or title
	Basket       string // "YES", "NO" or "pair"
	Outcome      string // "complete", "partial", "unwound", "failed", "paper"
	Status       string // settlement: "matched", "mined", "confirmed", "failed"
	SharesMicros int64  // shares per leg, micro-shares
	CostMicros   int64  // total paid including fees, micro-dollars (rounded up)
	PayoutMicros int64  // total the set pays, micro-dollars
	PnLMicros    int64  // realised (or expected, until settled) profit, micro-dollars
}

// PnL is profit and loss, all micro-dollars.
type PnL struct {
	RealizedMicros   int64 // settled baskets, fees included
	UnrealizedMicros int64 // baskets not yet settled, at expected payout
	FeesMicros       int64 // taker fees paid
	TodayMicros      int64 // realised since 00:00 of the summary time zone
	Baskets          int   // complete baskets
	Partial          int   // partial baskets (completed or unwound)
	Unwinds          int   // unwinds
}

// Limits are the risk limits and their current use.
type Limits struct {
	MaxBasketMicros     int64 // per-basket notional cap
	MaxEventMicros      int64 // per-event exposure cap
	ExposureMicros      int64 // current total exposure
	MaxOpenBaskets      int
	OpenBaskets         int
	DailyLossMicros     int64 // daily loss limit (positive number)
	DailyLossUsedMicros int64 // loss so far today (positive number = loss)
	OrdersPerSecond     int   // order rate limit
	RateBudgetRemaining int   // requests left in the current rate window
	Killed              bool
	Paused              bool
}
