package ops_test

import (
	"context"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hotpath/hotpath/ops"
	"github.com/hotpath/hotpath/ops/creds"
	"github.com/hotpath/hotpath/ops/logx"
	"github.com/hotpath/hotpath/ops/metrics"
	"github.com/hotpath/hotpath/ops/sdnotify"
	"github.com/hotpath/hotpath/ops/telegram"
)

// engine stands in for the real engine: it owns its counters as atomics.
type engine struct {
	ops.Controller
	decodeErrors [2]atomic.Uint64
	feedUp       atomic.Bool
	synced       atomic.Bool
	killed       atomic.Bool
	heartbeat    atomic.Uint64 // bumped by the engine's main loop
}

// Example_wiring shows how cmd/hotpath wires the ops packages around the
// engine, in start-up order. It is compiled, not run.
func Example_wiring() {
	// 1. Secrets first, so nothing can log them before they are known.
	var red logx.Redactor
	for _, env := range []string{"HOTPATH_PRIVATE_KEY", "HOTPATH_API_SECRET", "HOTPATH_API_PASSPHRASE", "HOTPATH_TELEGRAM_TOKEN"} {
		v, _, err := creds.Lookup(env)
		if err != nil {
			os.Exit(1)
		}
		red.Add(v)
	}
	token, _, _ := creds.Lookup("HOTPATH_TELEGRAM_TOKEN")

	// 2. Logger: JSON on stderr (journald under systemd), non-blocking.
	log, err := logx.New(logx.Config{Level: "info"}, &red)
	if err != nil {
		os.Exit(1)
	}
	defer log.Close()

	// 3. The engine (built elsewhere) and its metric sources.
	eng := &engine{}
	reg := metrics.NewRegistry()
	_ = reg.RegisterEngine(metrics.EngineSources{
		DecodeErrors: metrics.Reasons{Names: []string{"syntax", "unknown_asset"}, Counts: eng.decodeErrors[:]},
	})
	_ = reg.CounterFunc(metrics.LogDropped, "Log lines dropped by the non-blocking writer.", log.Dropped)
	srv, err := metrics.NewServer(metrics.ServerConfig{Addr: "127.0.0.1:9464"}, reg,
		metrics.ReadyCheck(eng.feedUp.Load, eng.synced.Load, eng.killed.Load))
	if err != nil {
		log.Error().Err(err).Msg("metrics")
		return
	}
	if err := srv.Start(); err != nil {
		log.Error().Err(err).Msg("metrics")
		return
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	// 4. Telegram console (optional).
	bot, err := telegram.New(telegram.Config{Token: token, AllowedChats: []int64{123456789}, SummaryAt: "00:00",
		Redact: red.Redact, OnError: func(err error) { log.Warn().Err(err).Msg("telegram") }}, eng)
	if err == nil {
		_ = bot.RegisterMetrics(reg)
		go func() { _ = bot.Run(ctx) }()
	}

	// 5. systemd: READY once the engine is ready, watchdog gated on progress.
	sd, err := sdnotify.New()
	if err != nil {
		log.Error().Err(err).Msg("sdnotify")
		return
	}
	var last uint64
	go sd.RunWatchdog(ctx, func() bool {
		hb := eng.heartbeat.Load()
		moved := hb != last
		last = hb
		return moved
	})
	for ctx.Err() == nil && !eng.synced.Load() {
		time.Sleep(100 * time.Millisecond)
	}
	_, _ = sd.Ready("paper mode")

	<-ctx.Done()
	_, _ = sd.Stopping("signal received")
	srv.SetAlive(false)
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shut)
}
