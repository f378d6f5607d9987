// Command simclob runs simclob, the local Polymarket simulator: the CLOB
// REST API, the market and user WebSocket channels and Gamma-shaped
// metadata, on 127.0.0.1, driven by a deterministic scenario.
//
// Its first line on stdout is one JSON object with the URLs it serves:
//
//	{"rest":"http://127.0.0.1:8080","ws_market":"ws://…/ws/market","ws_user":"ws://…/ws/user","gamma":"http://…/gamma"}
//
// It then runs until interrupted.
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
	"syscall"

	"github.com/hotpath/hotpath/sim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const description = `simclob is a faithful local Polymarket: REST trading with L1/L2 auth and
EIP-712 verification, the WS market and user channels, Gamma /events and
/markets, trade settlement, fault injection and scenarios (background
makers and takers, planted arbitrage windows, jumps, tick changes,
dropped connections, stalls, bad frames), all deterministic from a seed.

The first line on stdout is a JSON object with the served URLs.
Debug endpoints: GET /sim/ledger?address=0x…, GET /sim/windows.

Example:
  simclob --scenario demo --seed 7 --rate 500 --listen 127.0.0.1:8080`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simclob", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	scenario := fs.String("scenario", "demo", "bundled scenario name ("+strings.Join(sim.BundledScenarios(), ", ")+") or a TOML file")
	seed := fs.Uint64("seed", 0, "seed for ids, prices and events (0 = the scenario's)")
	rate := fs.Float64("rate", 0, "background actions per second, each a few market messages (0 = the scenario's, negative = no background flow at all)")
	listen := fs.String("listen", "127.0.0.1:0", "TCP address to serve on")
	useTLS := fs.Bool("tls", false, "serve https/wss with a generated self-signed certificate")
	chain := fs.Int64("chain-id", 0, "EIP-712 chain id: 137 or 80002 (0 = the scenario's, else 137)")
	layout := fs.Int("hash-layout", 9, "book hash layout: 6, 9 or 10 keys")
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "Usage: simclob [flags]\n\n%s\n\nFlags:\n", description)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return 0
		}
		fmt.Fprintf(stderr, "simclob: %v (see simclob --help)\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "simclob: unexpected argument %q (see simclob --help)\n", fs.Arg(0))
		return 2
	}
	cfg := sim.Config{Scenario: *scenario, Seed: *seed, Rate: *rate, Listen: *listen, TLS: *useTLS, ChainID: *chain}
	switch *layout {
	case 6:
		cfg.HashLayout = sim.Hash6
	case 9:
		cfg.HashLayout = sim.Hash9
	case 10:
		cfg.HashLayout = sim.Hash10
	default:
		fmt.Fprintf(stderr, "simclob: --hash-layout must be 6, 9 or 10, not %d\n", *layout)
		return 2
	}
	if *chain != 0 && *chain != 137 && *chain != 80002 {
		fmt.Fprintf(stderr, "simclob: --chain-id must be 137 or 80002, not %d\n", *chain)
		return 2
	}
	s, err := sim.Start(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "simclob: %v\n", err)
		return 1
	}
	defer s.Close()
	line, _ := json.Marshal(s.URLs())
	fmt.Fprintf(stdout, "%s\n", line)
	<-ctx.Done()
	return 0
}
