package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	neturl "net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/feed"
	"github.com/hotpath/hotpath/feed/capture"
)

const recordHelp = `
Connect to the market channel, subscribe to the given assets (token ids) and
write every received message, with its receive time, to a capture file
(zstd-compressed; format in the feed/capture package documentation). Runs
until --duration has passed or it is interrupted (Ctrl-C), then closes the
file cleanly. Progress (messages, bytes, reconnects) goes to stderr. The
client behaves as the engine's: 500 assets per connection at most, text PING
every 10 s, reconnect with backoff and resubscribe.

Replay the file with 'hotpath replay FILE', check its hashes with
'hotpath verify FILE'.

Example:
  hotpath record --assets 7132…,5211… --duration 10m --out today.hpcap
  hotpath record --assets-file tokens.txt --url ws://127.0.0.1:8081/ws/market`

func init() {
	register(&command{name: "record", summary: "record raw market-channel messages to a capture file", run: runRecord})
}

func runRecord(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("record", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	assets := fs.String("assets", "", "comma-separated token `IDs` to subscribe")
	assetsFile := fs.String("assets-file", "", "`FILE` of token ids (one per line or comma-separated; # starts a comment)")
	url := fs.String("url", feed.DefaultURL, "market channel WebSocket `URL` (ws:// for the simulator)")
	out := fs.String("out", "", "capture `FILE` to write (default capture-<UTC time>.hpcap)")
	duration := fs.Duration("duration", 0, "stop after this long (0: until interrupted)")
	every := fs.Duration("progress", 5*time.Second, "progress line interval")
	perConn := fs.Int("max-assets-per-conn", 500, "assets per connection (the venue stops sending past ~500)")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fs.SetOutput(stdout)
			flagUsage("record", "--assets ID,ID… | --assets-file FILE [flags]", recordHelp, stdout, fs.PrintDefaults)()
			return 0
		}
		fmt.Fprintf(stderr, "hotpath record: %v (see 'hotpath record --help')\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hotpath record: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	ids, err := recordAssetIDs(*assets, *assetsFile)
	if err != nil {
		fmt.Fprintf(stderr, "hotpath record: %v\n", err)
		return 2
	}
	if *duration < 0 || *every <= 0 || *perConn <= 0 {
		fmt.Fprintln(stderr, "hotpath record: --duration must be >= 0, --progress and --max-assets-per-conn > 0")
		return 2
	}
	if u, err := neturl.Parse(*url); err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		fmt.Fprintf(stderr, "hotpath record: --url %q: want a ws:// or wss:// URL with a host\n", *url)
		return 2
	}
	reg := book.NewRegistry()
	for _, id := range ids {
		if _, err := reg.Add(book.AssetInfo{TokenID: id}); err != nil {
			fmt.Fprintf(stderr, "hotpath record: %v\n", err)
			return 2
		}
	}
	if *out == "" {
		*out = "capture-" + time.Now().UTC().Format("20060102-150405") + ".hpcap"
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintf(stderr, "hotpath record: %v\n", err)
		return 2
	}
	w, err := capture.NewWriter(f, capture.Header{Created: time.Now(), URL: *url, Assets: ids})
	if err != nil {
		f.Close()
		fmt.Fprintf(stderr, "hotpath record: %v\n", err)
		return 1
	}
	var mu sync.Mutex // the Tap runs on every connection's reader goroutine
	var werr error
	client, err := feed.NewClient(feed.Config{URL: *url, Registry: reg, MaxAssetsPerConn: *perConn,
		Tap: func(_ uint16, recvNs int64, msg []byte) {
			mu.Lock()
			if werr == nil {
				werr = w.Write(recvNs, msg)
			}
			mu.Unlock()
		}})
	if err != nil {
		f.Close()
		fmt.Fprintf(stderr, "hotpath record: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	fmt.Fprintf(stderr, "record: %d assets on %d connection(s) from %s into %s\n", len(ids), len(client.Conns()), *url, *out)
	done := make(chan struct{})
	go func() {
		feed.Pump(client, nil, time.Second, nil)
		close(done)
	}()
	progress := func() {
		mu.Lock()
		n, b := w.Records(), w.Bytes()
		mu.Unlock()
		s := client.Stats()
		fmt.Fprintf(stderr, "record: %d messages, %d bytes, %d disconnects, %d decode errors\n", n, b, s.Disconnects, s.Decoder.Errors())
	}
	runErr := make(chan error, 1)
	go func() { runErr <- client.Run(ctx) }()
	t := time.NewTicker(*every)
	defer t.Stop()
loop:
	for {
		select {
		case <-t.C:
			progress()
		case <-runErr:
			break loop
		}
	}
	<-done
	mu.Lock()
	cerr := w.Close()
	mu.Unlock()
	if err := f.Close(); cerr == nil {
		cerr = err
	}
	progress()
	if werr != nil || cerr != nil {
		fmt.Fprintf(stderr, "hotpath record: writing %s: %v\n", *out, errors.Join(werr, cerr))
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", *out)
	return 0
}

// recordAssetIDs merges --assets and --assets-file into a list without
// duplicates.
func recordAssetIDs(list, file string) ([]string, error) {
	text := list
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		var lines []string
		for l := range strings.SplitSeq(string(b), "\n") {
			if i := strings.IndexByte(l, '#'); i >= 0 {
				l = l[:i]
			}
			lines = append(lines, l)
		}
		text += "," + strings.Join(lines, ",")
	}
	seen := map[string]bool{}
	var ids []string
	for id := range strings.SplitSeq(text, ",") {
		id = strings.TrimSpace(id)
		if id == "" || seen[id] {
			continue
		}
		for _, c := range id {
			if c < '0' || c > '9' {
				return nil, fmt.Errorf("asset id %q is not a decimal token id", id)
			}
		}
		seen[id] = true
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, errors.New("no assets: give --assets ID,ID… or --assets-file FILE")
	}
	return ids, nil
}
