package feed

import (
	"fmt"
	"io"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/feed/capture"
	"github.com/valyala/fastjson"
)

// ReplayOptions configure Replay.
type ReplayOptions struct {
	// Registry of the assets; nil builds one from the capture header's
	// asset ids (tick unknown: grid checks off, books on the finest grid).
	Registry *book.Registry
	// Speed 0 replays as fast as possible; N > 0 at N× the recorded pace.
	Speed float64
	// Hash policy for the books [HashAll].
	Hash HashPolicy
	// Market fields for hash layouts 9/10 when the registry lacks them.
	MinOrderSize, TickSize string
	NegRisk                bool
	// Progress, when set, is called about every ProgressEvery with the
	// records replayed so far.
	Progress      func(records uint64)
	ProgressEvery time.Duration
	// OnEvent, when set, sees every event after it was applied (the engine
	// hooks its scan stage here).
	OnEvent func(in *Integrity, e *Event)
}

// ReplaySummary is what a replay saw.
type ReplaySummary struct {
	Header    capture.Header
	Records   uint64 // messages replayed
	Events    uint64
	Books     int // assets with a usable book at the end
	Decoder   Counts
	Integrity IntegrityStats
	Elapsed   time.Duration
}

// EventsPerSecond is Events / Elapsed.
func (s *ReplaySummary) EventsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Events) / s.Elapsed.Seconds()
}

// Replay reads a capture and drives every message through a Decoder and an
// Integrity, deterministically (the recorded receive times are the event
// times, so staleness and hashes behave as they did live). It returns the
// summary also on error (what was replayed before the damage).
func Replay(r io.Reader, opts ReplayOptions) (ReplaySummary, error) {
	var sum ReplaySummary
	cr, err := capture.NewReader(r)
	if err != nil {
		return sum, fmt.Errorf("replay: %w", err)
	}
	defer cr.Close()
	sum.Header = cr.Header()
	reg := opts.Registry
	if reg == nil {
		reg = book.NewRegistry()
		tick, _ := book.ParseTick([]byte(opts.TickSize))
		for _, id := range sum.Header.Assets {
			if _, err := reg.Add(book.AssetInfo{TokenID: id, Tick: tick}); err != nil {
				return sum, fmt.Errorf("replay: capture header: %w", err)
			}
		}
	}
	if opts.Hash == HashHot {
		opts.Hash = HashAll
	}
	in := NewIntegrity(IntegrityConfig{Registry: reg, Hash: opts.Hash})
	// Markets missing from the registry are learnt from the messages (a
	// second parse per message, only until every market is known).
	missing := 0
	for i := range reg.Len() {
		a := book.AssetIndex(i)
		if opts.MinOrderSize != "" || opts.TickSize != "" {
			in.SetMeta(a, []byte(opts.MinOrderSize), []byte(opts.TickSize), opts.NegRisk)
		}
		if reg.Info(a).Market == "" {
			missing++
		}
	}
	var p fastjson.Parser
	learn := func(msg []byte) {
		v, err := p.ParseBytes(msg)
		if err != nil {
			return
		}
		visit := func(o *fastjson.Value) {
			market := o.GetStringBytes("market")
			if len(market) == 0 {
				return
			}
			for _, id := range [][]byte{o.GetStringBytes("asset_id")} {
				if a, ok := reg.Lookup(id); ok && !in.hasMarket(a) {
					in.setMarket(a, market)
					missing--
				}
			}
			for _, c := range o.GetArray("price_changes") {
				if a, ok := reg.Lookup(c.GetStringBytes("asset_id")); ok && !in.hasMarket(a) {
					in.setMarket(a, market)
					missing--
				}
			}
		}
		if v.Type() == fastjson.TypeArray {
			for _, o := range v.GetArray() {
				visit(o)
			}
			return
		}
		visit(v)
	}

	dec := NewDecoder(reg, 0)
	start := time.Now()
	lastProgress := start
	var t0, lastCheck int64
	for {
		recv, msg, err := cr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			sum.finish(dec, in, reg, start)
			return sum, fmt.Errorf("replay: %w", err)
		}
		if sum.Records == 0 {
			t0 = recv
		}
		if opts.Speed > 0 {
			due := start.Add(time.Duration(float64(recv-t0) / opts.Speed))
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
		}
		if missing > 0 {
			learn(msg)
		}
		evs := dec.Decode(msg, recv)
		for i := range evs {
			in.Apply(&evs[i])
			if opts.OnEvent != nil {
				opts.OnEvent(in, &evs[i])
			}
		}
		sum.Records++
		if recv-lastCheck >= int64(time.Second) { // staleness on the recorded clock
			lastCheck = recv
			in.Check(recv)
		}
		if opts.Progress != nil && time.Since(lastProgress) >= opts.ProgressEvery {
			lastProgress = time.Now()
			opts.Progress(sum.Records)
		}
	}
	sum.finish(dec, in, reg, start)
	return sum, nil
}

func (s *ReplaySummary) finish(dec *Decoder, in *Integrity, reg *book.Registry, start time.Time) {
	s.Elapsed = time.Since(start)
	s.Decoder = dec.Counts()
	s.Integrity = in.Stats()
	s.Events = s.Decoder.Events
	for i := range reg.Len() {
		if in.Usable(book.AssetIndex(i)) {
			s.Books++
		}
	}
}
