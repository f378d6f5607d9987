package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/hotpath/hotpath/feed"
)

const verifyHelp = `
Recompute the venue's book hash for every message that carries one and
compare. The input (FILE, or stdin when FILE is absent or "-") is either
newline-delimited messages — each line one raw market-channel WebSocket frame
text, or a REST GET /book response; lines that are not JSON are labels and
are skipped — or a capture file written by 'hotpath record' (recognised by
its magic). Messages are applied to local books in order.

For every hash, one JSON line goes to stdout:
  {"asset_id":"…","timestamp":"…","hash":"…","computed":"…","match":true,"layout":"layout9"}
(one per price_changes[] entry with a hash, one per book, one per REST book).
A hash that cannot be compared (no snapshot of that asset yet, or a 64-hex
hash) is printed with "computed":null,"match":null and a "skipped" reason.

The hash covers min_order_size, tick_size and neg_risk, which WS messages
lack: they come from the latest preceding REST /book line of the asset, else
from the flags below, else from the first REST /book line of the asset later
in the input. Layouts tried: 9 keys, 10 (with last_trade_price), 6 (2024).

Exit status: 0 when every compared hash matches, 1 on any mismatch (with a
one-line summary on stderr), 2 on bad input.

Example:
  hotpath verify messages_hash.txt
  hotpath verify --min-order-size 5 --tick-size 0.01 capture.hpcap`

func init() {
	register(&command{name: "verify", summary: "recompute book hashes of recorded messages and compare with the venue's", run: runVerify})
}

func runVerify(args []string, stdout, stderr io.Writer) int {
	var opts feed.VerifyOptions
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&opts.MinOrderSize, "min-order-size", "", "market `min_order_size` as the venue spells it (e.g. 5)")
	fs.StringVar(&opts.TickSize, "tick-size", "", "market `tick_size` as the venue spells it (e.g. 0.01)")
	fs.BoolVar(&opts.NegRisk, "neg-risk", false, "the market is neg-risk")
	fs.Usage = func() {}
	files, err := parseFlagsAndFiles(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fs.SetOutput(stdout)
			flagUsage("verify", "[flags] [FILE|-]", verifyHelp, stdout, fs.PrintDefaults)()
			return 0
		}
		fmt.Fprintf(stderr, "hotpath verify: %v (see 'hotpath verify --help')\n", err)
		return 2
	}
	if len(files) > 1 {
		fmt.Fprintf(stderr, "hotpath verify: one input at most, got %d\n", len(files))
		return 2
	}
	if err := checkMarketMeta(opts.MinOrderSize, opts.TickSize); err != nil {
		fmt.Fprintf(stderr, "hotpath verify: %v\n", err)
		return 2
	}
	var in io.Reader = os.Stdin
	name := "stdin"
	if len(files) == 1 && files[0] != "-" {
		f, err := os.Open(files[0])
		if err != nil {
			fmt.Fprintf(stderr, "hotpath verify: %v\n", err)
			return 2
		}
		defer f.Close()
		in, name = f, files[0]
	}
	sum, err := feed.Verify(in, opts, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "hotpath verify: %s: %v\n", name, err)
		return 2
	}
	if sum.Mismatched() > 0 {
		fmt.Fprintf(stderr, "hotpath verify: %d of %d hashes MISMATCH (%d matched, %d not comparable, %d messages)\n",
			sum.Mismatched(), sum.Checked, sum.Matched, sum.Unchecked, sum.Messages)
		return 1
	}
	fmt.Fprintf(stderr, "hotpath verify: %d of %d hashes match (%d not comparable, %d messages)\n",
		sum.Matched, sum.Checked, sum.Unchecked, sum.Messages)
	return 0
}
