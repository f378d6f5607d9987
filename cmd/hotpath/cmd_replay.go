package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/feed"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

const replayHelp = `
Replay a capture written by 'hotpath record' through the same decoder and
books the engine uses, and print a summary: records, events, usable books,
decode errors by reason, hash matches and mismatches per layout, events/s.

--speed 0 replays as fast as possible (a throughput measurement); 1 replays
at the recorded pace, N at N times it. A progress bar is shown when stderr is
a terminal, plain progress lines otherwise.

Example:
  hotpath replay capture-20261121-091500.hpcap
  hotpath replay --speed 1 --min-order-size 5 --tick-size 0.01 capture.hpcap`

func init() {
	register(&command{name: "replay", summary: "replay a capture through the decoder and books; print a summary", run: runReplay})
}

func runReplay(args []string, stdout, stderr io.Writer) int {
	var opts feed.ReplayOptions
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Float64Var(&opts.Speed, "speed", 0, "0: as fast as possible; N: N× the recorded pace")
	fs.StringVar(&opts.MinOrderSize, "min-order-size", "", "market `min_order_size` for hash layouts 9/10 (e.g. 5)")
	fs.StringVar(&opts.TickSize, "tick-size", "", "market `tick_size` for hash layouts 9/10 and grid checks (e.g. 0.01)")
	fs.BoolVar(&opts.NegRisk, "neg-risk", false, "the markets are neg-risk (hash layouts 9/10)")
	every := fs.Duration("progress", 2*time.Second, "progress line interval when stderr is not a terminal")
	fs.Usage = func() {}
	files, err := parseFlagsAndFiles(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			fs.SetOutput(stdout)
			flagUsage("replay", "[flags] FILE", replayHelp, stdout, fs.PrintDefaults)()
			return 0
		}
		fmt.Fprintf(stderr, "hotpath replay: %v (see 'hotpath replay --help')\n", err)
		return 2
	}
	if len(files) != 1 {
		fmt.Fprintln(stderr, "hotpath replay: give exactly one capture FILE (see 'hotpath replay --help')")
		return 2
	}
	if opts.Speed < 0 {
		fmt.Fprintln(stderr, "hotpath replay: --speed must be 0 or positive")
		return 2
	}
	if err := checkMarketMeta(opts.MinOrderSize, opts.TickSize); err != nil {
		fmt.Fprintf(stderr, "hotpath replay: %v\n", err)
		return 2
	}
	f, err := os.Open(files[0])
	if err != nil {
		fmt.Fprintf(stderr, "hotpath replay: %v\n", err)
		return 2
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	cr := &countingReader{r: f}
	if isTerminal(stderr) {
		bar := progressbar.NewOptions64(size, progressbar.OptionSetWriter(stderr), progressbar.OptionShowBytes(true),
			progressbar.OptionSetDescription("replaying"), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
		opts.ProgressEvery = 100 * time.Millisecond
		opts.Progress = func(uint64) { _ = bar.Set64(cr.n.Load()) }
		defer func() { _ = bar.Finish() }()
	} else {
		opts.ProgressEvery = *every
		opts.Progress = func(records uint64) {
			fmt.Fprintf(stderr, "replay: %d records, %d of %d bytes\n", records, cr.n.Load(), size)
		}
	}
	sum, err := feed.Replay(cr, opts)
	printReplaySummary(stdout, files[0], &sum)
	if err != nil {
		fmt.Fprintf(stderr, "hotpath replay: %v\n", err)
		return 1
	}
	return 0
}

func printReplaySummary(w io.Writer, name string, s *feed.ReplaySummary) {
	fmt.Fprintf(w, "capture   %s (recorded %s from %s, %d assets)\n", name, s.Header.Created.UTC().Format(time.RFC3339), s.Header.URL, len(s.Header.Assets))
	fmt.Fprintf(w, "frames    %d\n", s.Records)
	fmt.Fprintf(w, "events    %d (%.0f events/s over %s)\n", s.Events, s.EventsPerSecond(), s.Elapsed.Round(time.Microsecond))
	fmt.Fprintf(w, "books     %d usable at the end, %d snapshots, %d deltas, %d deltas ignored (no snapshot)\n",
		s.Books, s.Integrity.Snapshots, s.Integrity.Deltas, s.Integrity.DeltasIgnored)
	fmt.Fprintf(w, "decode    %d errors", s.Decoder.Errors())
	for r := feed.ReasonNone + 1; r < feed.NumReasons; r++ {
		if n := s.Decoder.Reasons[r]; n > 0 {
			fmt.Fprintf(w, ", %s %d", r, n)
		}
	}
	fmt.Fprintln(w)
	i := &s.Integrity
	fmt.Fprintf(w, "hashes    %d matched (layout9 %d, layout10 %d, layout6 %d), %d mismatched, %d unverifiable, %d not checked\n",
		i.HashMatch[0]+i.HashMatch[1]+i.HashMatch[2], i.HashMatch[1], i.HashMatch[2], i.HashMatch[0], i.HashMismatch, i.HashUnverifiable, i.HashUnchecked)
	fmt.Fprintf(w, "excluded ")
	for x := feed.Exclusion(0); x < feed.NumExclusions; x++ {
		fmt.Fprintf(w, " %s %d", x, i.Exclusions[x])
	}
	fmt.Fprintln(w)
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// isTerminal reports whether w is a terminal (progress bars only there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// checkMarketMeta refuses --tick-size and --min-order-size values the venue
// never sends: they go into the book hash and the grid checks, where a bad
// one turns into false hash mismatches.
func checkMarketMeta(minOrderSize, tickSize string) error {
	if tickSize != "" {
		if _, err := book.ParseTick([]byte(tickSize)); err != nil {
			return fmt.Errorf("--tick-size %q: want 0.1, 0.01, 0.005, 0.0025, 0.001 or 0.0001", tickSize)
		}
	}
	if minOrderSize != "" {
		if s, err := book.ParseSize([]byte(minOrderSize)); err != nil || s <= 0 {
			return fmt.Errorf("--min-order-size %q: want a positive number of shares, such as 5", minOrderSize)
		}
	}
	return nil
}

// parseFlagsAndFiles parses flags that may come before or after the
// positional arguments ("FILE --speed 1" as well as "--speed 1 FILE").
func parseFlagsAndFiles(fs *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return files, nil
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
