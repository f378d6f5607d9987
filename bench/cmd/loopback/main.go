// Command loopback runs the engine's hot path against the simulator on
// 127.0.0.1 at a fixed offered rate with planted arbitrage windows and
// reports the frame-to-wire latency measured from each planted change's
// scheduled time (no coordinated omission). `make bench` runs it.
//
//	go run ./bench/cmd/loopback -duration 30s -rate 300 -every 50ms -out bench/out/loopback
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/hotpath/hotpath/bench/loopback"
	"github.com/hotpath/hotpath/hist"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loopback", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opt loopback.Options
	var asJSON bool
	var conditions string
	fs.DurationVar(&opt.Duration, "duration", 20*time.Second, "length of the measured schedule")
	fs.DurationVar(&opt.WarmUp, "warmup", 3*time.Second, "settling time before the schedule (books, templates)")
	fs.Float64Var(&opt.Rate, "rate", 200, "the simulator's background actions per second (makers, takers)")
	fs.DurationVar(&opt.PlantEvery, "every", 50*time.Millisecond, "one planted arbitrage window per this interval")
	fs.DurationVar(&opt.Window, "window", 150*time.Millisecond, "how long a planted dip rests")
	fs.IntVar(&opt.Events, "events", 8, "neg-risk events of 3–10 outcomes")
	fs.Uint64Var(&opt.Seed, "seed", 20260428, "scenario seed")
	fs.StringVar(&opt.OutDir, "out", "", "directory for frame_to_wire.hgrm, latency.hlog and summary.json")
	fs.StringVar(&conditions, "conditions", "", "extra run conditions for the histogram headers, ';'-separated")
	fs.BoolVar(&asJSON, "json", false, "print the summary as JSON")
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: loopback [flags]

Starts the simulator on 127.0.0.1, connects the real feed client, books,
scanner, template pool and a keep-alive HTTP connection, plants one
arbitrage window every -every on a fixed schedule while the simulator's
makers run at -rate, and measures scheduled change → order bytes written.

Example:
  go run ./bench/cmd/loopback -duration 30s -rate 300 -every 50ms -out bench/out/loopback

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "loopback: unexpected argument %q (see --help)\n", fs.Arg(0))
		return 2
	}
	if opt.Duration <= 0 || opt.PlantEvery <= 0 || opt.Rate < 0 || opt.Events <= 0 {
		fmt.Fprintln(stderr, "loopback: -duration, -every and -events must be positive, -rate not negative")
		return 2
	}
	for _, c := range strings.Split(conditions, ";") {
		if c = strings.TrimSpace(c); c != "" {
			opt.Conditions = append(opt.Conditions, c)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := loopback.Run(ctx, opt)
	if err != nil {
		fmt.Fprintf(stderr, "loopback: %v\n", err)
		return 1
	}
	if asJSON {
		b, _ := json.MarshalIndent(res, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
		return 0
	}
	fmt.Fprintf(stdout, "offered: %.0f background actions/s (%.0f market messages/s measured), one planted window every %s, %d events / %d assets, %s\n",
		res.Rate, res.FramesPerSec, res.PlantEvery, res.NegRiskEvents, res.Assets, res.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(stdout, "planted %d, traded %d, missed %d, skipped %d; baskets %d (%d orders: %d filled, %d rejected), legs signed on the spot %d\n",
		res.Planted, res.Traded, res.Missed, res.Skipped, res.Baskets, res.Orders, res.Filled, res.Rejected, res.Misses)
	fmt.Fprintf(stdout, "%-34s %7s %10s %10s %10s %10s %10s\n", "latency (µs)", "count", "p50", "p90", "p99", "p99.9", "max")
	row := func(name string, s hist.Summary) {
		us := func(ns int64) string { return fmt.Sprintf("%.1f", float64(ns)/1000) }
		fmt.Fprintf(stdout, "%-34s %7d %10s %10s %10s %10s %10s\n", name, s.Count, us(s.P50), us(s.P90), us(s.P99), us(s.P999), us(s.Max))
	}
	row("frame_to_wire (from schedule)", res.FrameToWire)
	row("  of which planter late", res.PlantLate)
	row("read_to_wire (in process)", res.ReadToWire)
	row("decision_to_ack", res.DecisionToAck)
	return 0
}
