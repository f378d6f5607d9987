package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hotpath/hotpath/config"
	"github.com/hotpath/hotpath/engine"
	"github.com/hotpath/hotpath/hist"
	"github.com/hotpath/hotpath/market"
	"github.com/hotpath/hotpath/ops"
	"github.com/hotpath/hotpath/ops/creds"
	"github.com/hotpath/hotpath/ops/logx"
	"github.com/hotpath/hotpath/ops/metrics"
	"github.com/hotpath/hotpath/ops/sdnotify"
	"github.com/hotpath/hotpath/ops/telegram"
	"github.com/hotpath/hotpath/sign"
)

func init() {
	register(&command{name: "run", summary: "run the engine: paper (default), live or replay", run: runRun})
}

const runHelp = `
Runs the engine: discovers the universe (Gamma + CLOB market info, the
correctness gate), subscribes the market channel, keeps every book, scans
every YES and NO basket of every tradeable neg-risk event, and trades the
baskets whose asks plus taker fees are below what they pay.

Modes (--mode overrides the config file's 'mode'):
  paper   live market data, fills simulated against the live books, nothing
          sent (the default; no keys needed)
  live    real orders. Needs the signing key (HOTPATH_PRIVATE_KEY, or a
          keystore: [keys] keystore_file + HOTPATH_KEYSTORE_PASSWORD), API
          credentials (HOTPATH_API_KEY/SECRET/PASSPHRASE, or derived with the
          key through L1) and [live] confirm = "` + config.LiveConfirmation + `"
  replay  a capture written by 'hotpath record' through the same stages
          (--capture FILE, and --events FILE: the Gamma /events response the
          universe is built from; nothing touches the network)

Prints a start-up summary (mode, universe, exclusions, topology and why,
limits, journal, metrics address), runs until SIGINT/SIGTERM or --duration,
then stops opening baskets, lets the executor finish or unwind what is in
flight, flushes the journal and writes the latency histograms (--latency-out).

Exit status: 0 after a clean stop, 1 on a runtime error, 2 on bad flags or
configuration (one message saying what is wrong).

Examples:
  hotpath run --config hotpath.toml
  hotpath run --config hotpath.toml --mode live --latency-out latency/
  hotpath run --mode replay --capture cap.hpcap --events events.json --duration 1m`

type runFlags struct {
	config, mode, capture, events, latencyOut string
	duration                                  time.Duration
}

func runRun(args []string, stdout, stderr io.Writer) int {
	var f runFlags
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.config, "config", "", "configuration `FILE` (TOML); HOTPATH_* environment variables override it")
	fs.StringVar(&f.mode, "mode", "", "paper, live or replay (overrides the config's mode)")
	fs.StringVar(&f.capture, "capture", "", "capture `FILE` to replay (--mode replay; overrides [replay] file)")
	fs.StringVar(&f.events, "events", "", "Gamma /events response `FILE` the replay universe is built from")
	fs.StringVar(&f.latencyOut, "latency-out", "", "write .hgrm per stage and latency.hlog into `DIR` at exit")
	fs.DurationVar(&f.duration, "duration", 0, "stop after this long (0: until SIGINT/SIGTERM)")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fs.SetOutput(stdout)
			flagUsage("run", "[flags]", runHelp, stdout, fs.PrintDefaults)()
			return 0
		}
		fmt.Fprintf(stderr, "hotpath run: %v (see 'hotpath run --help')\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hotpath run: unexpected argument %q (see 'hotpath run --help')\n", fs.Arg(0))
		return 2
	}
	env := os.Environ()
	if f.capture != "" {
		env = append(env, "HOTPATH_REPLAY_FILE="+f.capture) // --capture overrides [replay] file
	}
	cfg, err := loadRunConfig(f.config, f.mode, env)
	if err != nil {
		fmt.Fprintf(stderr, "hotpath run: %v\n", err)
		return 2
	}
	if cfg.Mode == config.Demo {
		fmt.Fprintln(stderr, "hotpath run: mode demo is 'hotpath demo' (it starts the simulator)")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if f.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.duration)
		defer cancel()
	}
	code, err := runEngine(ctx, cfg, &f, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "hotpath run: %v\n", err)
	}
	return code
}

// loadRunConfig loads the file and environment, with --mode applied as the
// HOTPATH_MODE override so that validation (live confirmation) sees it.
func loadRunConfig(path, mode string, env []string) (config.Config, error) {
	if mode != "" {
		switch config.Mode(mode) {
		case config.Paper, config.Live, config.Replay:
		default:
			return config.Config{}, fmt.Errorf("--mode %q: want paper, live or replay", mode)
		}
		env = append(append([]string(nil), env...), "HOTPATH_MODE="+mode)
	}
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return config.Config{}, fmt.Errorf("config: %v", err)
		}
	}
	cfg, err := config.Load(path, env)
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) && len(ce.Problems) > 1 {
			return cfg, fmt.Errorf("config %s: %s", orDefault(path), strings.Join(ce.Problems, "; "))
		}
		return cfg, err
	}
	return cfg, nil
}

func orDefault(path string) string {
	if path == "" {
		return "(defaults + environment)"
	}
	return path
}

// runEngine builds the pieces the engine needs (keys, credentials, logs,
// metrics, Telegram, systemd), runs it and writes the histograms. It
// returns the exit code and the error to print.
func runEngine(ctx context.Context, cfg config.Config, f *runFlags, stdout, stderr io.Writer) (int, error) {
	red := &logx.Redactor{}
	for _, name := range config.SecretEnv() {
		if v, _, err := creds.Lookup(name); err == nil {
			red.Add(v)
		}
	}
	log, err := logx.New(logx.Config{Level: cfg.Log.Level, Output: cfg.Log.File}, red)
	if err != nil {
		return 2, fmt.Errorf("log: %w", err)
	}
	defer log.Close()

	opt := engine.Options{Version: buildVersion()}
	// Keys: required live; optional on paper (then templates are signed
	// ahead as they would be live).
	signer, kerr := sign.SignerFromEnv(os.Getenv, cfg.Keys.KeystoreFile)
	switch {
	case kerr == nil:
		opt.Signer = signer
	case cfg.Mode == config.Live:
		return 2, kerr
	case !errors.Is(kerr, sign.ErrNoKey):
		return 2, kerr
	}
	if cfg.Mode == config.Live {
		c, ok, err := engine.CredentialsFromEnv()
		if err != nil {
			return 2, err
		}
		if ok {
			opt.Creds = c
			red.Add(c.Secret, c.Passphrase)
		}
	}
	if cfg.Mode == config.Replay {
		if f.events == "" {
			return 2, errors.New("replay needs --events FILE (the Gamma /events response the universe is built from)")
		}
		fh, err := os.Open(cfg.Replay.File)
		if err != nil {
			return 2, err
		}
		defer fh.Close()
		opt.Capture = fh
		data, err := os.ReadFile(f.events)
		if err != nil {
			return 2, err
		}
		evs, err := market.DecodeEvents(data)
		if err != nil {
			return 2, fmt.Errorf("%s: %w", f.events, err)
		}
		opt.Universe = market.Build(evs, market.Options{IncludeBinary: cfg.Universe.IncludeBinary})
	}

	var bot *telegram.Bot
	opt.OnAlert = func(kind, msg string) {
		log.Warn().Str("alert", kind).Msg(red.Redact(msg))
		if bot != nil {
			bot.Notify(telegram.KindError, kind+": "+msg)
		}
	}
	coll := hist.NewCollector(hist.Options{Conditions: []string{"mode " + string(cfg.Mode)}})
	opt.Collector = coll

	// Ops: metrics + health first, so that the summary names the address
	// actually bound (with port 0 the kernel picks it) and /readyz answers
	// "starting" while the universe is discovered.
	reg := metrics.NewRegistry()
	var engp atomic.Pointer[engine.Engine]
	var srv *metrics.Server
	if cfg.Ops.MetricsAddr != "" {
		ready := func() error {
			if e := engp.Load(); e != nil {
				return e.Ready()
			}
			return errors.New("starting")
		}
		if srv, err = metrics.NewServer(metrics.ServerConfig{Addr: cfg.Ops.MetricsAddr, Pprof: cfg.Ops.Pprof}, reg, ready); err != nil {
			return 2, err
		}
		if err := srv.Start(); err != nil {
			return 1, err
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}()
		cfg.Ops.MetricsAddr = srv.Addr()
	}

	eng, err := engine.New(cfg, opt)
	if err != nil {
		return 1, err
	}
	if err := eng.RegisterMetrics(reg); err != nil {
		return 1, err
	}
	engp.Store(eng)
	fmt.Fprint(stdout, eng.Summary())

	// Telegram, systemd.
	if tok, _, _ := creds.Lookup("HOTPATH_TELEGRAM_TOKEN"); tok != "" && len(cfg.Ops.TelegramChats) > 0 {
		red.Add(tok)
		if bot, err = telegram.New(telegram.Config{Token: tok, APIBase: cfg.Ops.TelegramAPI, AllowedChats: cfg.Ops.TelegramChats,
			SummaryAt: "00:00", Redact: red.Redact}, eng.Controller()); err != nil {
			return 2, err
		}
		_ = bot.RegisterMetrics(reg)
		go func() { _ = bot.Run(ctx) }()
		go alertFills(ctx, eng.Controller(), bot, fillAlertEvery)
	}
	notifier, err := sdnotify.New()
	if err != nil {
		return 2, err
	}
	go notifier.RunWatchdog(ctx, eng.Alive)

	runErr := eng.Run(ctx, func() {
		_, _ = notifier.Ready("trading: " + string(cfg.Mode))
		log.Info().Str("mode", string(cfg.Mode)).Msg("engine ready")
	})
	_, _ = notifier.Stopping("stopped")
	if srv != nil {
		srv.SetAlive(false)
	}
	dir := f.latencyOut
	if dir == "" {
		dir = cfg.Latency.OutDir
	}
	if dir != "" {
		if err := coll.WriteDir(dir); err != nil {
			return 1, fmt.Errorf("latency: %w", err)
		}
	}
	fmt.Fprint(stdout, eng.Report())
	if runErr != nil && !errors.Is(runErr, context.Canceled) && !errors.Is(runErr, context.DeadlineExceeded) {
		return 1, runErr
	}
	return 0, nil
}

// fillAlertEvery is how often alertFills looks for new baskets.
const fillAlertEvery = 250 * time.Millisecond

// alertFills sends a Telegram fill alert for every complete basket (live,
// or a paper fill) the engine records, looking at Controller.Trades (newest first)
// every `every` until ctx is done. The engine's own alerts (OnAlert) cover
// partial baskets, leg risk and unwinds; a basket killed whole moved no
// money and is not alerted. Cold: a goroutine of its own, never the path.
func alertFills(ctx context.Context, ctrl ops.Controller, bot *telegram.Bot, every time.Duration) {
	tk := time.NewTicker(every)
	defer tk.Stop()
	var last time.Time // newest trade already looked at
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		ts := ctrl.Trades(50)
		n := 0
		for n < len(ts) && ts[n].Time.After(last) {
			n++
		}
		for i := n - 1; i >= 0; i-- { // oldest first
			if ts[i].Outcome == "complete" || (ts[i].Outcome == "paper" && ts[i].Status == "matched") {
				bot.Fill(ts[i])
			}
		}
		if n > 0 {
			last = ts[0].Time
		}
	}
}

func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
