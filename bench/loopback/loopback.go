// Package loopback runs the engine's hot path end to end against the
// simulator on 127.0.0.1 and measures frame-to-wire latency without
// coordinated omission.
//
// What runs, one box per goroutine:
//
//	simclob (sim.Start): background makers and takers at a fixed action rate
//	planter: at fixed scheduled times t0 + k·PlantEvery, dips one leg of an
//	         event (a resting SELL placed through the sim) so its YES basket
//	         costs ~0.98; the schedule is recorded per asset and price
//	feed.Client reader ─► ring ─► hot goroutine (parked): Integrity → Scanner
//	         → template Take per leg → sign.Batch → exec/httpconn POST /orders
//	cold goroutine: scanner pool events → template pool Apply + Refill
//
// Latency is measured from the scheduled time of the planted change, not
// from when the sim got round to sending it, so a stall anywhere (sim,
// socket, reader, parked consumer, GC) shows up in the histogram: the hot
// goroutine correlates the basket it sends with the plant by content (the
// dipped asset and the price its leg is priced at). Planted changes that
// never traded are counted (Missed) instead of silently dropped.
package loopback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ethereum/go-ethereum/common"
	"github.com/valyala/fastjson"

	"github.com/hotpath/hotpath/bench"
	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/exec/httpconn"
	"github.com/hotpath/hotpath/feed"
	"github.com/hotpath/hotpath/hist"
	"github.com/hotpath/hotpath/ring"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sign"
	"github.com/hotpath/hotpath/sim"
)

// Options configure a run. Zero fields take the defaults in brackets.
type Options struct {
	Duration   time.Duration // the measured schedule [10s]
	WarmUp     time.Duration // books and templates settle before it [2s]
	Rate       float64       // the sim's background actions per second [200]
	PlantEvery time.Duration // one planted window every [50ms]
	Window     time.Duration // how long a planted dip rests [150ms]
	Events     int           // neg-risk events of 3–10 outcomes [8]
	Seed       uint64        // [20260428]
	// OutDir, when set, receives the hist files (frame_to_wire.hgrm,
	// decision_to_ack.hgrm, latency.hlog) and summary.json.
	OutDir string
	// Conditions are added to the histogram headers (CPU model, load).
	Conditions []string
}

// Result is what a run measured. Latencies are nanoseconds.
type Result struct {
	Planted int // planted changes in the measured schedule
	Skipped int // schedule slots with no plantable event (counted, not planted)
	Traded  int // planted changes whose basket reached the wire
	Missed  int // planted changes that never traded
	// FrameToWire: scheduled time of the planted change → request bytes
	// written (socket write returned).
	FrameToWire hist.Summary `json:"frame_to_wire"`
	// PlantLate: scheduled time → the planter placed the dip (its own
	// lateness: timer, REST reads, the sim's lock), part of FrameToWire.
	PlantLate hist.Summary `json:"plant_late"`
	// ReadToWire: the frame's bytes read by the feed → bytes written (the
	// in-process part).
	ReadToWire hist.Summary `json:"read_to_wire"`
	// DecisionToAck: the basket decided → the venue's response parsed.
	DecisionToAck hist.Summary `json:"decision_to_ack"`
	Baskets       int          // baskets sent (planted or not)
	Orders        int
	Filled        int    // legs the sim matched
	Rejected      int    // legs the sim refused (FOK killed, min size…)
	Misses        uint64 // legs signed on the spot (no template)
	Pool          sign.Stats
	PoolEnters    uint64 // groups entering the near-miss pool (scanner)
	PoolLeaves    uint64
	Exclusions    uint64 // books taken out of scanning by the integrity checks
	Frames        uint64 // market-channel messages decoded
	Events        uint64
	FramesPerSec  float64 `json:"frames_per_sec"` // measured offered rate
	HashChecks    uint64
	HashMismatch  uint64
	Elapsed       time.Duration
	Rate          float64 `json:"background_actions_per_sec"`
	PlantEvery    time.Duration
	Assets        int
	NegRiskEvents int `json:"neg_risk_events"`
}

// plant is one scheduled dip: the asset, its new ask and when it was
// scheduled (feed.Now clock).
type plant struct {
	price book.Price
	sched int64
	used  atomic.Bool
}

func (o *Options) defaults() {
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.WarmUp <= 0 {
		o.WarmUp = 2 * time.Second
	}
	if o.Rate == 0 {
		o.Rate = 200
	}
	if o.PlantEvery <= 0 {
		o.PlantEvery = 50 * time.Millisecond
	}
	if o.Window <= 0 {
		o.Window = 150 * time.Millisecond
	}
	if o.Events <= 0 {
		o.Events = 8
	}
	if o.Seed == 0 {
		o.Seed = 20260428
	}
}

// Scenario is the venue the run drives: neg-risk events of 3–10 outcomes
// at tick 0.01, fee-free, makers quoting baskets 0.5–1.5 % over the payout, no
// windows of the sim's own (the planter makes them on a fixed schedule).
func Scenario(events int, seed uint64) string {
	return `name = "loopback"
seed = ` + strconv.FormatUint(seed, 10) + `
chain_id = 137
rate = 200

[[accounts]]
hardhat = [0, 0]
cash = "10000000"
shares = "0"

[[events]]
count = ` + strconv.Itoa(events) + `
outcomes = [3, 10]
tick = "0.01"
min_size = "5"
fee_rate = "0"
category = "Politics"
title = "Loopback election {n}"

[makers]
accounts = 4
overround = ["1.005", "1.015"]
levels = 3
depth = ["200", "600"]
spread_ticks = [1, 3]
`
}

// Run starts the simulator and the engine's path, drives the schedule and
// returns the measurements. It stops everything it started before
// returning.
func Run(ctx context.Context, opt Options) (*Result, error) {
	opt.defaults()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	spec, err := sim.ParseScenario(Scenario(opt.Events, opt.Seed))
	if err != nil {
		return nil, fmt.Errorf("loopback: scenario: %w", err)
	}
	srv, err := sim.Start(ctx, sim.Config{Spec: spec, Rate: opt.Rate, Listen: "127.0.0.1:0"})
	if err != nil {
		return nil, fmt.Errorf("loopback: sim: %w", err)
	}
	defer srv.Close()
	urls := srv.URLs()

	// The registry: the YES token of every neg-risk outcome, grouped by event.
	m := &bench.Market{Reg: book.NewRegistry()}
	byEvent := map[string]int{}
	tokens := map[book.AssetIndex]string{}
	for _, mk := range srv.Exchange().Markets() {
		if mk.EventID == "" || !mk.NegRisk || mk.Augmented {
			continue
		}
		a, err := m.Reg.Add(book.AssetInfo{TokenID: mk.YesToken, Market: mk.ConditionID, Tick: mk.Tick, MinSize: mk.MinSize, NegRisk: true, Outcome: "Yes"})
		if err != nil {
			return nil, fmt.Errorf("loopback: registry: %w", err)
		}
		tokens[a] = mk.YesToken
		e, ok := byEvent[mk.EventID]
		if !ok {
			e = len(m.Events)
			byEvent[mk.EventID] = e
			m.Events = append(m.Events, bench.Event{})
		}
		m.Events[e].Legs = append(m.Events[e].Legs, a)
		m.EventOf = append(m.EventOf, e)
	}
	if len(m.Events) == 0 {
		return nil, errors.New("loopback: the scenario has no neg-risk event")
	}
	addr := sim.HardhatAddress(0)
	creds := srv.Credentials(addr, 0)
	p, err := bench.NewPipeline(bench.PipelineConfig{Market: m, Key: sim.HardhatKeys[0], APIKey: creds.APIKey,
		Passphrase: creds.Passphrase, Secret: creds.Secret, HashAll: true, SignOnMiss: true, TicksBelow: 6, PerKey: 2,
		// Wide pool bands: the sim's drift and our own fills push baskets past
		// 1.025 often, and every re-entry re-signs the legs' templates.
		EnterPPM: 1_050_000, LeavePPM: 1_080_000,
		Ladder: []book.Size{10 * book.OneShare, 50 * book.OneShare}, MaxAge: 30 * time.Second})
	if err != nil {
		return nil, err
	}
	client, err := feed.NewClient(feed.Config{URL: urls.WSMarket, Registry: m.Reg, PingInterval: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("loopback: feed: %w", err)
	}
	hc, err := httpconn.New(urls.REST, httpconn.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("loopback: http: %w", err)
	}
	if err := hc.Warm(ctx, "/ok"); err != nil {
		return nil, fmt.Errorf("loopback: warm: %w", err)
	}
	defer hc.Close()

	var wg sync.WaitGroup
	clientErr := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		clientErr <- client.Run(ctx)
	}()

	// Cold side of the template pool: pool entries → Apply, Refill every 2 ms.
	coldErr := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		tk := time.NewTicker(2 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tk.C:
				for {
					ev, ok := p.PoolEvents().Pop()
					if !ok {
						break
					}
					if ev.Event == scan.PoolLeave {
						// The sim's makers requote by cancelling first, so a
						// leg's asks vanish for a message or two and its group
						// leaves the pool; retiring the templates then would
						// re-sign them all moments later. They stay valid
						// (age, epoch), and are only used when the scanner
						// fires on current books, so the cold side keeps them.
						continue
					}
					if err := p.ApplyPool(&ev); err != nil {
						select {
						case coldErr <- err:
						default:
						}
					}
				}
				if _, err := p.Pool().Refill(now); err != nil {
					select {
					case coldErr <- err:
					default:
					}
				}
			}
		}
	}()

	col := hist.NewCollector(hist.Options{Conditions: append([]string{
		fmt.Sprintf("loopback: sim background %.0f actions/s, one planted window every %s, %d events / %d assets, message shapes: sim price_change (current format) and book",
			opt.Rate, opt.PlantEvery, len(m.Events), m.Reg.Len())}, opt.Conditions...)})
	plants := make([]atomic.Pointer[plant], m.Reg.Len())
	res := &Result{Rate: opt.Rate, PlantEvery: opt.PlantEvery, Assets: m.Reg.Len(), NegRiskEvents: len(m.Events)}
	readToWire := hdr.New(hist.LowestValue, hist.HighestValue, hist.SignificantDigits)
	var measuring atomic.Bool

	// The hot goroutine: books, scan, templates, one write per basket.
	hotDone := make(chan error, 1)
	rec := col.NewRecorder("hot")
	wg.Add(1)
	go func() {
		defer wg.Done()
		hotDone <- hot(ctx, client, p, hc, creds, addr, rec, plants, int64(opt.Window+2*time.Second), readToWire, res, &measuring)
	}()

	// Warm-up: snapshots, pool entries, templates signed; then re-announce
	// the hot groups with their current asks so the templates follow them.
	if err := sleepCtx(ctx, opt.WarmUp); err != nil {
		return nil, err
	}
	st0 := client.Stats()
	measuring.Store(true)
	start := time.Now()
	late := hdr.New(hist.LowestValue, hist.HighestValue, hist.SignificantDigits)
	planted, skipped := plantSchedule(ctx, srv, urls.REST, m, tokens, plants, opt, late)
	// let the last window play out
	_ = sleepCtx(ctx, opt.Window+200*time.Millisecond)
	measuring.Store(false)
	res.Elapsed = time.Since(start)
	st := client.Stats()
	cancel()
	wg.Wait()
	if err := <-hotDone; err != nil && !errors.Is(err, context.Canceled) {
		return nil, err
	}
	select {
	case err := <-coldErr:
		return nil, fmt.Errorf("loopback: template pool: %w", err)
	default:
	}
	res.Planted, res.Skipped = planted, skipped
	res.Missed = res.Planted - res.Traded
	res.Frames = st.Decoder.Frames - st0.Decoder.Frames
	res.Events = st.Decoder.Events - st0.Decoder.Events
	res.FramesPerSec = float64(res.Frames) / res.Elapsed.Seconds()
	res.Misses = p.Stats.Misses
	res.Pool = p.Pool().Stats()
	in := p.Integrity().Stats()
	res.HashChecks, res.HashMismatch = in.HashChecks(), in.HashMismatch
	for _, n := range in.Exclusions {
		res.Exclusions += n
	}
	res.PoolEnters, res.PoolLeaves = p.Scanner().Stats.PoolEnters, p.Scanner().Stats.PoolLeaves
	col.Collect()
	res.FrameToWire = col.Percentiles(hist.FrameToWire)
	res.DecisionToAck = col.Percentiles(hist.DecisionToAck)
	res.ReadToWire = hist.Summarize(readToWire)
	res.PlantLate = hist.Summarize(late)
	if opt.OutDir != "" {
		if err := col.WriteDir(opt.OutDir); err != nil {
			return res, err
		}
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(opt.OutDir+"/summary.json", append(b, '\n'), 0o644); err != nil {
			return res, err
		}
	}
	return res, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// hot is the engine's book+scan+exec stage in its parked form: it drains the
// connection's event ring, and for every basket that fires writes one POST
// /orders, then reads the response. It records, per planted change that
// traded, scheduled → written (FrameToWire) and, per basket, read → written
// and decision → response.
func hot(ctx context.Context, client *feed.Client, p *bench.Pipeline, hc *httpconn.Conn, creds sim.Credentials, addr common.Address,
	rec *hist.Recorder, plants []atomic.Pointer[plant], maxAge int64, readToWire *hdr.Histogram, res *Result, measuring *atomic.Bool) error {
	defer rec.Close()
	conns := client.Conns()
	if len(conns) != 1 {
		return fmt.Errorf("loopback: %d connections, want 1", len(conns))
	}
	r := conns[0].Ring()
	var rp fastjson.Parser
	addrHex := sign.AppendAddress(nil, &addr)
	var lastCheck, lastReemit int64
	for r.Wait(ring.Park) {
		evs := r.Peek()
		if len(evs) == 0 {
			continue
		}
		recv := evs[len(evs)-1].RecvNs
		p.Events(evs)
		r.Release(len(evs))
		now := feed.Now()
		for p.Next(now) {
			decided := feed.Now()
			b := p.Batch()
			// The planted change this basket answers, matched by content.
			// The most recent unused plant on one of its legs at the leg's
			// price, scheduled less than maxAge ago (an old dip that never
			// traded must not be credited to a later basket that happens to
			// price that leg at the same level; it stays Missed).
			var pl *plant
			opp := p.Opportunity()
			for i := range opp.Legs[:opp.N] {
				if c := plants[opp.Legs[i].Asset].Load(); c != nil && c.price == opp.Legs[i].Limit && !c.used.Load() &&
					decided-c.sched < maxAge && (pl == nil || c.sched > pl.sched) {
					pl = c
				}
			}
			hc.Begin("POST", "/orders")
			hc.Header(sign.HeaderAddress, addrHex)
			hc.Header(sign.HeaderSignature, b.Signature)
			hc.Header(sign.HeaderTimestamp, b.Timestamp)
			hc.HeaderString(sign.HeaderAPIKey, creds.APIKey)
			hc.HeaderString(sign.HeaderPassphrase, creds.Passphrase)
			err := hc.Send(b.Body)
			wire := feed.Now()
			if err != nil {
				return fmt.Errorf("loopback: POST /orders: %w", err)
			}
			n := b.N
			if measuring.Load() {
				if pl != nil {
					pl.used.Store(true)
					res.Traded++
					rec.Record(hist.FrameToWire, wire-pl.sched)
				}
				_ = readToWire.RecordValue(max(wire-recv, 0))
			}
			resp, err := hc.Receive()
			ack := feed.Now()
			if err != nil {
				return fmt.Errorf("loopback: response: %w", err)
			}
			if measuring.Load() {
				rec.Record(hist.DecisionToAck, ack-decided)
				res.Baskets++
				res.Orders += n
				filled := matched(&rp, resp.Status, resp.Body)
				res.Filled += filled
				res.Rejected += n - filled
			}
		}
		rec.Flip()
		if now-lastCheck > int64(time.Second) {
			p.Integrity().Check(now)
			lastCheck = now
		}
		// Pool events are edge-triggered: re-announce the hot groups with
		// their current asks every 100 ms so the templates follow the
		// drifting asks (the cold side carries unchanged ones over).
		if now-lastReemit > int64(100*time.Millisecond) {
			p.Scanner().ReemitPool()
			lastReemit = now
		}
	}
	return ctx.Err()
}

// restBook is the part of a REST /book answer the planter reads.
type restBook struct {
	Asks []struct{ Price, Size string }
}

// plantSchedule plants one dip every PlantEvery for Duration, at scheduled
// times fixed in advance. A planner goroutine prepares the slots ahead (it
// reads the slot's event's books over REST and computes a dip that brings
// the YES basket to ~0.98); the placer sleeps until each slot's scheduled
// time, records (asset, price, time), pulls the bids the dip would cross and
// rests the SELL. Dips are cancelled after Window. A slot placed late keeps
// its scheduled time: the lateness is part of what is measured (and
// reported on its own in late).
func plantSchedule(ctx context.Context, srv *sim.Server, rest string, m *bench.Market, tokens map[book.AssetIndex]string,
	plants []atomic.Pointer[plant], opt Options, late *hdr.Histogram) (planted, skipped int) {
	x := srv.Exchange()
	who := common.HexToAddress("0x00000000000000000000000000000000b0b0b0b0")
	slots := int(opt.Duration / opt.PlantEvery)
	// Events take turns; one that would be dipped again before its last
	// window ended (plus 100 ms) skips its turn.
	gap := time.Duration(len(m.Events)) * opt.PlantEvery
	type slot struct {
		ok    bool
		leg   book.AssetIndex
		dip   book.Price
		sched int64
	}
	plans := make(chan slot, 2)
	t0 := feed.Now() + int64(2*opt.PlantEvery)
	go func() {
		defer close(plans)
		httpc := &http.Client{Timeout: 2 * time.Second}
		for k := 0; k < slots; k++ {
			sl := slot{sched: t0 + int64(k)*int64(opt.PlantEvery)}
			if gap >= opt.Window+100*time.Millisecond {
				sl.leg, sl.dip, sl.ok = planDip(ctx, httpc, rest, m, k%len(m.Events), tokens)
			}
			select {
			case plans <- sl:
			case <-ctx.Done():
				return
			}
		}
	}()
	type pending struct {
		id  string
		end time.Time
	}
	var open []pending
	for sl := range plans {
		for len(open) > 0 && time.Now().After(open[0].end) {
			x.Cancel("", open[0].id)
			open = open[1:]
		}
		if d := time.Duration(sl.sched - feed.Now()); d > 0 {
			if sleepCtx(ctx, d) != nil {
				break
			}
		}
		if !sl.ok {
			skipped++
			continue
		}
		leg, dip := sl.leg, sl.dip
		plants[leg].Store(&plant{price: dip, sched: sl.sched})
		// Pull the bids the dip would cross (makers' quotes on the YES
		// book and their NO mirror), then rest the dip, as the sim's own
		// windows do.
		if mk, _, found := x.MarketByToken(tokens[leg]); found {
			x.CancelWhere("", func(o *sim.Order) bool {
				return o.Market == mk && (o.Yes && o.Side == sim.Buy && o.Price >= dip || !o.Yes && o.Side == sim.Sell && o.Price <= book.One-dip)
			})
		}
		id, _, err := x.PlaceBot(who, tokens[leg], sim.Sell, dip, 100*book.OneShare, sim.GTC)
		_ = late.RecordValue(max(feed.Now()-sl.sched, 0))
		if err != nil {
			plants[leg].Store(nil)
			skipped++
			continue
		}
		planted++
		open = append(open, pending{id, time.Now().Add(opt.Window)})
	}
	for range plans { // drain on cancellation so the planner exits
	}
	for _, o := range open {
		x.Cancel("", o.id)
	}
	return
}

// planDip reads event e's YES books and picks the leg and price that bring
// Σ best asks to 0.98 or below, at least 3 ticks (the bids it would cross
// are pulled when it is planted).
func planDip(ctx context.Context, c *http.Client, rest string, m *bench.Market, e int, tokens map[book.AssetIndex]string) (book.AssetIndex, book.Price, bool) {
	legs := m.Events[e].Legs
	asks := make([]book.Price, len(legs))
	var sum int64
	for i, a := range legs {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, rest+"/book?token_id="+tokens[a], nil)
		resp, err := c.Do(req)
		if err != nil {
			return 0, 0, false
		}
		var rb restBook
		err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&rb)
		resp.Body.Close()
		if err != nil || len(rb.Asks) == 0 {
			return 0, 0, false
		}
		asks[i] = book.One
		for _, l := range rb.Asks {
			if p, err := book.ParsePrice([]byte(l.Price)); err == nil && p < asks[i] {
				asks[i] = p
			}
		}
		sum += int64(asks[i])
	}
	order := make([]int, len(legs))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool { return asks[order[i]] > asks[order[j]] })
	for _, i := range order {
		t := int64(m.Reg.Info(legs[i]).Tick)
		k := (sum - 980_000 + t - 1) / t
		if k < 1 {
			k = 1
		}
		dip := int64(asks[i]) - k*t
		if dip >= 3*t {
			return legs[i], book.Price(dip), true
		}
	}
	return 0, 0, false
}

// matched counts the orders of a POST /orders answer the venue reports as
// placed and matched ({"success":true,"status":"matched"}); anything else,
// including a request-level error, matched nothing.
func matched(p *fastjson.Parser, code int, body []byte) int {
	if code != http.StatusOK {
		return 0
	}
	v, err := p.ParseBytes(body)
	if err != nil {
		return 0
	}
	arr, err := v.Array()
	if err != nil {
		return 0
	}
	n := 0
	for _, o := range arr {
		if o.GetBool("success") && string(o.GetStringBytes("status")) == "matched" {
			n++
		}
	}
	return n
}
