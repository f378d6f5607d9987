package main

// Fault-drill figures for 'hotpath demo' (hardening; written for the bundled
// 'faults' scenario, computed for any scenario). Kept apart from
// cmd_demo.go, which calls it in three places: watchFaults before the
// engine runs, stop when it has stopped, and faultFigures for the summary.
//
// The figures come from the run's records, not from the engine's opinion of
// itself: the simulator's fault schedule (the scenario, timed from the
// simulator's start), its trades, its ledger and its tick sizes (over REST),
// and samples of the engine's books-valid, frames-read and legs-sent counters
// (Engine.DrillCounters, three atomic loads) taken every 5 ms by a cold
// goroutine; the executor's snapshot at the end.

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/hotpath/hotpath/engine"
	"github.com/hotpath/hotpath/sim"
)

// demoFaults are the --json fields the fault drill adds.
type demoFaults struct {
	// StaleBookBaskets: baskets with filled FOK entry legs that the engine
	// sent on a book the venue had moved on from without telling it: an
	// update of the leg's market that the venue withheld (a silent stall,
	// a dropped connection: sim.Server.Deliveries) more than staleGrace
	// before the send, with no snapshot of the market since; or after the
	// market's tick size change until its books were valid again. (A
	// killed FOK leaves no record at the venue.)
	StaleBookBaskets int `json:"stale_book_baskets"`
	// UnresolvedPartials: partial baskets neither completed nor unwound at
	// the end (open partial baskets plus partials not accounted as either).
	UnresolvedPartials int `json:"unresolved_partials"`
	// PositionsAgree: the executor's positions equal the venue ledger's,
	// token by token.
	PositionsAgree bool `json:"positions_agree"`
	// FailedTrades: the engine's trades the venue settled FAILED.
	FailedTrades int `json:"failed_trades"`
	// RecoveryMs: per fault kind, the longest recovery of its instances:
	// feed faults, from the fault until every book was valid and data
	// flowed again (5 ms resolution); 425/429/500 answers, from the first
	// basket request the rule refused until the first request after it
	// that got through (refused orders are never resent, so this includes
	// waiting for the next opportunity); slow answers, from the first slow
	// request until the last slow answer; delayed matching, from the
	// request until its order matched. -1: never recovered before the run
	// ended; an unmeasured instance counts 0.
	RecoveryMs map[string]int64 `json:"recovery_ms"`
	Faults     []faultInstance  `json:"faults"`

	openPartials []string // for the summary
	staleDetails []string
}

type faultInstance struct {
	Kind       string `json:"kind"`
	AtMs       int64  `json:"at_ms"` // from the simulator's start
	RecoveryMs int64  `json:"recovery_ms"`
	// Unmeasured: a REST fault or delay that no basket request met, or
	// that no request followed, before the run ended (recovery then 0).
	Unmeasured bool `json:"unmeasured,omitempty"`
	at         time.Time
	end        time.Time // recovered (feed faults): a tick change's stale interval
	market     string    // condition id, for a tick change
	count      int       // requests a REST rule applies to (0: until cleared)
	// REST rules: the first and last requests they met, and the first
	// request after them that met no rule.
	firstHit, lastHit, clear time.Time
}

type faultSample struct {
	at         time.Time
	booksValid int64
	frames     uint64
	legs       uint64 // order legs handed to the executor so far (decisions)
}

// faultWatch samples the engine's counters from a cold goroutine.
type faultWatch struct {
	eng     *engine.Engine
	mu      sync.Mutex
	samples []faultSample
	stopC   chan struct{}
	done    chan struct{}
	ticks0  map[string]string // condition id → tick at the start
}

func watchFaults(eng *engine.Engine, srv *sim.Server) *faultWatch {
	srv.RecordDeliveries() // which updates the engine was never sent
	w := &faultWatch{eng: eng, stopC: make(chan struct{}), done: make(chan struct{}), ticks0: marketTicks(srv)}
	go func() {
		defer close(w.done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-w.stopC:
				return
			case now := <-t.C:
				valid, frames, legs := w.eng.DrillCounters()
				w.mu.Lock()
				w.samples = append(w.samples, faultSample{now, valid, frames, legs})
				w.mu.Unlock()
			}
		}
	}()
	return w
}

func (w *faultWatch) stop() {
	close(w.stopC)
	<-w.done
}

// marketTicks asks the simulator's REST API for every market's tick (by
// its YES token), so that reading it races with nothing.
func marketTicks(srv *sim.Server) map[string]string {
	out := map[string]string{}
	c := http.Client{Timeout: 5 * time.Second}
	for _, m := range srv.Exchange().Markets() {
		resp, err := c.Get(srv.URLs().REST + "/tick-size?token_id=" + url.QueryEscape(m.YesToken))
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		resp.Body.Close()
		out[m.ConditionID] = string(b)
	}
	return out
}

// schedule lists the scenario's timed faults up to end.
func schedule(sc *sim.Scenario, start, end time.Time) []faultInstance {
	var out []faultInstance
	add := func(kind, at, every string) {
		a, err := time.ParseDuration(at)
		if err != nil && at != "" {
			return
		}
		ev, _ := time.ParseDuration(every)
		for t := start.Add(a); !t.After(end); t = t.Add(ev) {
			out = append(out, faultInstance{Kind: kind, at: t, AtMs: t.Sub(start).Milliseconds()})
			if ev <= 0 {
				break
			}
		}
	}
	for _, a := range sc.Drops {
		add("drop_"+faultKindOr(a.Kind, "market"), a.At, a.Every)
	}
	for _, a := range sc.Stalls {
		add("stall", a.At, a.Every)
	}
	for _, a := range sc.BadFrames {
		add("bad_frame_"+faultKindOr(a.Kind, "malformed"), a.At, a.Every)
	}
	for _, a := range sc.TickChanges {
		add("tick_change", a.At, a.Every)
	}
	for _, a := range sc.Jumps {
		add("jump", a.At, a.Every)
	}
	for _, r := range sc.Faults.REST {
		kind := "rest_" + strconv.Itoa(r.Status)
		if r.Status == 0 {
			kind = "rest_slow"
		}
		add(kind, r.At, "")
		if len(out) > 0 && out[len(out)-1].Kind == kind {
			out[len(out)-1].count = r.Count
		}
	}
	for _, d := range sc.Faults.Delayed {
		add("delayed", d.At, "")
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// attributeREST replays the simulator's rule queue over the engine's basket
// submissions: a request meets the first rule, in injection order, injected
// before it and not used up (sim.Faults.match), so rules injected while
// earlier ones wait are met later than their injection. It sets each REST
// rule's first and last hit; a delayed-matching instance is met by the
// first submission after it.
func attributeREST(faults []faultInstance, subs []time.Time) {
	left := make([]int, len(faults))
	for i, f := range faults {
		left[i] = f.count
		if f.count == 0 {
			left[i] = -1 // until cleared
		}
	}
	for _, t := range subs {
		met := false
		for i := range faults {
			f := &faults[i]
			if !strings.HasPrefix(f.Kind, "rest_") || f.at.After(t) || left[i] == 0 {
				continue
			}
			if f.firstHit.IsZero() {
				f.firstHit = t
			}
			f.lastHit = t
			if left[i] > 0 {
				left[i]--
			}
			met = true
			break
		}
		if met {
			continue
		}
		for i := range faults {
			if f := &faults[i]; !f.lastHit.IsZero() && f.clear.IsZero() && left[i] == 0 {
				f.clear = t
			}
		}
	}
	for i := range faults {
		f := &faults[i]
		if f.Kind != "delayed" {
			continue
		}
		for _, t := range subs {
			if !t.Before(f.at) {
				f.firstHit, f.lastHit = t, t
				break
			}
		}
	}
}

func faultKindOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// feedRecovery measures a feed fault at tf, at the 5 ms resolution of
// the samples: when the books dipped below total within 2 s, until all
// were valid again; when the frames stopped for 100 ms or more starting
// within 500 ms of tf (a stall), until they flowed again; the later of the
// two, or 0 for a fault the engine shrugged off. Only dips and gaps that
// start before until (the next feed fault) are this fault's: a later one
// belongs to that fault (the oversized frame at 13 s was charged with the
// stall at 14 s, and baskets sent before the stall counted as stale).
func (w *faultWatch) feedRecovery(tf, until time.Time, total int64) (d time.Duration, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.samples
	i := sort.Search(len(s), func(i int) bool { return !s[i].at.Before(tf) })
	if i == len(s) {
		return 0, false
	}
	bound := func(d time.Duration) time.Time {
		if t := tf.Add(d); until.IsZero() || t.Before(until) {
			return t
		}
		return until
	}
	var end time.Time
	for j := i; j < len(s) && s[j].at.Before(bound(2*time.Second)); j++ {
		if s[j].booksValid < total {
			k := j
			for k < len(s) && s[k].booksValid < total {
				k++
			}
			if k == len(s) {
				return 0, false
			}
			end = s[k].at
			break
		}
	}
	// A gap in the frames: the last increase at or after tf, then ≥ 100 ms
	// of none.
	for j := i + 1; j < len(s) && s[j].at.Before(bound(500*time.Millisecond)); j++ {
		if s[j].frames != s[j-1].frames {
			continue
		}
		k := j
		for k < len(s) && s[k].frames == s[j-1].frames {
			k++
		}
		if k == len(s) {
			return 0, false
		}
		if s[k].at.Sub(s[j-1].at) >= 100*time.Millisecond {
			if s[k].at.After(end) {
				end = s[k].at
			}
			break
		}
		j = k
	}
	if end.IsZero() {
		return 0, true
	}
	return end.Sub(tf), true
}

// isFeedFault: the kinds measured by feedRecovery (the REST faults and
// delayed matching are measured from the basket requests).
func isFeedFault(kind string) bool {
	return !strings.HasPrefix(kind, "rest_") && kind != "delayed"
}

// delayOf is the delay of the scenario's delayed-matching entry at atMs.
func delayOf(sc *sim.Scenario, atMs int64) time.Duration {
	for _, d := range sc.Faults.Delayed {
		at, _ := time.ParseDuration(d.At)
		if at.Milliseconds() == atMs {
			dd, _ := time.ParseDuration(d.Delay)
			return dd
		}
	}
	return 0
}

// slowDelay is the delay of the scenario's REST rule injected at atMs.
func slowDelay(sc *sim.Scenario, atMs int64) time.Duration {
	for _, r := range sc.Faults.REST {
		at, _ := time.ParseDuration(r.At)
		if at.Milliseconds() == atMs && r.Status == 0 {
			d, _ := time.ParseDuration(r.Delay)
			return d
		}
	}
	return 0
}

// submissions are the times of the samples in which the engine had handed
// more basket legs to its executor than in the sample before (one basket
// decision each, at the samples' 5 ms resolution).
func (w *faultWatch) submissions() []time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []time.Time
	for i := 1; i < len(w.samples); i++ {
		if w.samples[i].legs > w.samples[i-1].legs {
			out = append(out, w.samples[i].at)
		}
	}
	return out
}

// faultFigures computes the drill's figures once the engine has stopped.
func faultFigures(srv *sim.Server, eng *engine.Engine, w *faultWatch, simStart, end time.Time, addr common.Address) demoFaults {
	st := eng.Stats()
	x := st.Exec
	total := int64(0)
	w.mu.Lock()
	for _, s := range w.samples {
		total = max(total, s.booksValid)
	}
	w.mu.Unlock()
	f := demoFaults{RecoveryMs: map[string]int64{}}

	// Which market changed its tick (for the tick change's stale interval).
	var changed []string
	for cid, t := range marketTicks(srv) {
		if t0, ok := w.ticks0[cid]; ok && t0 != t {
			changed = append(changed, cid)
		}
	}
	trades := srv.Exchange().Trades()
	var mine []sim.Trade
	for _, t := range trades {
		if t.TakerAddr == addr {
			mine = append(mine, t)
		}
	}
	faults := schedule(srv.Scenario(), simStart, end)
	applyFired(faults, srv.FiredFaults(), srv.Scenario(), simStart)
	sort.SliceStable(faults, func(i, j int) bool { return faults[i].at.Before(faults[j].at) })
	attributeREST(faults, w.submissions())
	for i := range faults {
		fi := &faults[i]
		switch {
		case fi.Kind == "delayed":
			if fi.firstHit.IsZero() {
				fi.Unmeasured = true
				break
			}
			// Until the first delayed order matched (a FOK the late match
			// killed leaves no trade: then the scenario's delay).
			fi.RecoveryMs = delayOf(srv.Scenario(), fi.AtMs).Milliseconds()
			for _, t := range mine {
				if o, ok := srv.Exchange().Order(t.TakerOrderID); ok && !o.CreatedAt.Before(fi.firstHit.Add(-5*time.Millisecond)) {
					fi.RecoveryMs = max(t.MatchTime.Sub(fi.firstHit), 0).Milliseconds()
					break
				}
			}
		case fi.Kind == "rest_slow":
			if fi.firstHit.IsZero() {
				fi.Unmeasured = true
				break
			}
			// The last slow answer comes its delay after its request.
			fi.RecoveryMs = (fi.lastHit.Sub(fi.firstHit) + slowDelay(srv.Scenario(), fi.AtMs)).Milliseconds()
		case strings.HasPrefix(fi.Kind, "rest_"):
			switch {
			case fi.firstHit.IsZero():
				fi.Unmeasured = true
			case fi.clear.IsZero():
				fi.Unmeasured = true // no request after it got to the venue
			default:
				fi.RecoveryMs = fi.clear.Sub(fi.firstHit).Milliseconds()
			}
		default:
			var until time.Time // the next feed fault
			for _, nx := range faults[i+1:] {
				if isFeedFault(nx.Kind) && nx.at.After(fi.at) {
					until = nx.at
					break
				}
			}
			d, ok := w.feedRecovery(fi.at, until, total)
			if !ok {
				fi.RecoveryMs = -1
				fi.end = end
			} else {
				fi.RecoveryMs = d.Milliseconds()
				fi.end = fi.at.Add(d)
			}
			if fi.Kind == "tick_change" && len(changed) > 0 {
				fi.market = changed[0]
				changed = changed[1:]
			}
		}
		// Per kind: the longest recovery, or -1 if any instance never
		// recovered.
		if cur, ok := f.RecoveryMs[fi.Kind]; !ok || cur >= 0 && (fi.RecoveryMs < 0 || fi.RecoveryMs > cur) {
			f.RecoveryMs[fi.Kind] = fi.RecoveryMs
		}
	}
	f.Faults = faults

	// Baskets decided on a book the venue had moved on from without telling
	// the engine. The decision time ("sent") is the sample in which its legs
	// were handed to the executor: the last such sample up to the order's
	// creation at the venue (later by the request's flight, or by a slow
	// answer's delay), at 5 ms resolution.
	subs := w.submissions()
	wh := withheldByMarket(srv.Deliveries())
	var last time.Time
	for _, t := range mine {
		if t.Status == "FAILED" {
			f.FailedTrades++
		}
		o, ok := srv.Exchange().Order(t.TakerOrderID)
		if !ok || o.Type != sim.FOK || t.Market == nil {
			continue
		}
		k := sort.Search(len(subs), func(i int) bool { return subs[i].After(o.CreatedAt.Add(5 * time.Millisecond)) })
		if k == 0 {
			continue
		}
		sent := subs[k-1]
		why := ""
		// An update of its market the venue withheld (a stall, a dropped
		// connection) and no snapshot of the market since.
		if md := wh[t.Market.ConditionID]; md != nil {
			if at, ok := md.unseen(sent.Add(-staleGrace), sent); ok {
				snap := "none"
				if s, ok := md.lastSnapshot(at); ok {
					snap = fmt.Sprintf("%.3fs", s.Sub(simStart).Seconds())
				}
				why = fmt.Sprintf("its market's update at %.3fs was withheld (%s; its last snapshot before: %s)", at.Sub(simStart).Seconds(), faultBefore(faults, at), snap)
			}
		}
		// Its market's tick changed and its books were not valid again.
		for _, fi := range faults {
			if why != "" || fi.Kind != "tick_change" || fi.end.IsZero() || fi.market != t.Market.ConditionID {
				continue
			}
			if sent.After(fi.at) && sent.Add(-5*time.Millisecond).Before(fi.end) {
				why = fmt.Sprintf("tick change at %.3fs, books valid again at %.3fs", fi.at.Sub(simStart).Seconds(), fi.end.Sub(simStart).Seconds())
			}
		}
		if why == "" {
			continue
		}
		if sent != last {
			f.StaleBookBaskets++ // one basket's legs go together
			f.staleDetails = append(f.staleDetails, fmt.Sprintf("basket sent at %.3fs (order created %.3fs, matched %.3fs): %s",
				sent.Sub(simStart).Seconds(), o.CreatedAt.Sub(simStart).Seconds(), t.MatchTime.Sub(simStart).Seconds(), why))
		}
		last = sent
	}

	// A partial basket is resolved once leg risk closed it (every leg holds
	// Q, or none holds anything), even if its last trades still wait to be
	// CONFIRMED when the run ends.
	open, closing := 0, 0
	for _, b := range x.Open {
		if !b.Partial {
			continue
		}
		if (b.Complete || b.Flat) && !b.Unknown && !b.Stuck {
			closing++
			continue
		}
		open++
		f.openPartials = append(f.openPartials, fmt.Sprintf("basket %d (group %d, %d orders, %d attempts, unknown outcome %v, stuck %v)",
			b.ID, b.Group, b.Orders, b.Attempts, b.Unknown, b.Stuck))
	}
	f.UnresolvedPartials = open
	if resolved := x.BasketsCompleted + x.BasketsUnwound + uint64(closing); x.BasketsPartial > resolved && int(x.BasketsPartial-resolved) > open {
		f.UnresolvedPartials = int(x.BasketsPartial - resolved)
	}

	led := srv.Ledger(addr)
	f.PositionsAgree = true
	seen := map[string]bool{}
	for _, p := range x.Positions {
		seen[p.TokenID] = true
		if led.Positions[p.TokenID] != p.Shares {
			f.PositionsAgree = false
		}
	}
	for tok, s := range led.Positions {
		if s != 0 && !seen[tok] {
			f.PositionsAgree = false
		}
	}
	return f
}

// staleGrace is how much older than a basket's send sample a withheld
// update must be for the basket to count as decided on a stale book: the
// sample's resolution (5 ms) and a decision already in flight, made on the
// last frame before the fault (20 ms: frame to wire stays under it but
// for the rare outlier, p99 in the fault drill ≈ 0.5 ms).
const staleGrace = 25 * time.Millisecond

// marketDeliveries are one market's withheld updates and snapshots, each
// in time order.
type marketDeliveries struct{ withheld, snapshots []time.Time }

func withheldByMarket(dl []sim.Delivery) map[string]*marketDeliveries {
	out := map[string]*marketDeliveries{}
	for _, d := range dl {
		m := out[d.Market]
		if m == nil {
			m = &marketDeliveries{}
			out[d.Market] = m
		}
		if d.Snapshot {
			m.snapshots = append(m.snapshots, d.At)
		} else {
			m.withheld = append(m.withheld, d.At)
		}
	}
	return out
}

// unseen reports the last update withheld before cutoff when no snapshot
// of the market was sent between it and sent: the engine's book then
// lacked a change the venue had made.
func (m *marketDeliveries) unseen(cutoff, sent time.Time) (time.Time, bool) {
	if m == nil {
		return time.Time{}, false
	}
	j := sort.Search(len(m.withheld), func(i int) bool { return !m.withheld[i].Before(cutoff) })
	if j == 0 {
		return time.Time{}, false
	}
	w := m.withheld[j-1]
	k := sort.Search(len(m.snapshots), func(i int) bool { return !m.snapshots[i].Before(w) })
	if k < len(m.snapshots) && !m.snapshots[k].After(sent) {
		return time.Time{}, false
	}
	return w, true
}

// lastSnapshot is the market's last snapshot before t.
func (m *marketDeliveries) lastSnapshot(t time.Time) (time.Time, bool) {
	k := sort.Search(len(m.snapshots), func(i int) bool { return !m.snapshots[i].Before(t) })
	if k == 0 {
		return time.Time{}, false
	}
	return m.snapshots[k-1], true
}

// faultBefore names the last feed fault at or before t.
func faultBefore(faults []faultInstance, t time.Time) string {
	name := "no fault: nobody subscribed"
	for _, fi := range faults {
		if isFeedFault(fi.Kind) && !fi.at.After(t) {
			name = fmt.Sprintf("%s@%.1fs", fi.Kind, float64(fi.AtMs)/1000)
		}
	}
	return name
}

// applyFired replaces each scheduled instance's time with the time the
// simulator actually ran it (FiredFaults), matched in order per kind: the
// schedule counts from when the demo started the simulator, the simulator
// from its own start, some milliseconds apart.
func applyFired(faults []faultInstance, fired []sim.FiredFault, sc *sim.Scenario, simStart time.Time) {
	used := map[int]bool{}
	for _, ff := range fired {
		kind := firedKind(ff.Kind, sc)
		for i := range faults {
			if !used[i] && faults[i].Kind == kind {
				used[i] = true
				faults[i].at = ff.At
				faults[i].AtMs = ff.At.Sub(simStart).Milliseconds()
				break
			}
		}
	}
}

// firedKind maps a simulator action kind ("drop:all", "rest:2") to the
// drill's fault kind ("drop_all", "rest_500").
func firedKind(k string, sc *sim.Scenario) string {
	kind, sub, _ := strings.Cut(k, ":")
	switch kind {
	case "drop":
		return "drop_" + faultKindOr(sub, "market")
	case "stall":
		return "stall"
	case "bad":
		return "bad_frame_" + faultKindOr(sub, "malformed")
	case "tick":
		return "tick_change"
	case "jump":
		return "jump"
	case "delayed":
		return "delayed"
	case "rest":
		i, err := strconv.Atoi(sub)
		if err != nil || i < 0 || i >= len(sc.Faults.REST) {
			return ""
		}
		if st := sc.Faults.REST[i].Status; st != 0 {
			return "rest_" + strconv.Itoa(st)
		}
		return "rest_slow"
	}
	return ""
}

// failedDrill reports a broken safety property: a basket on a stale book,
// a partial basket left unresolved, or positions that differ from the
// venue's (the demo then exits 1, as for false baskets).
func (f *demoFaults) failedDrill() bool {
	return f.StaleBookBaskets > 0 || f.UnresolvedPartials > 0 || !f.PositionsAgree
}

// writeFaultSummary prints the drill's lines of the demo summary.
func writeFaultSummary(w io.Writer, f *demoFaults) {
	agree := "agree with the venue ledger"
	if !f.PositionsAgree {
		agree = "DISAGREE with the venue ledger"
	}
	fmt.Fprintf(w, "faults      %d injected; baskets on a stale book %d, unresolved partial baskets %d, trades settled FAILED %d; positions %s\n",
		len(f.Faults), f.StaleBookBaskets, f.UnresolvedPartials, f.FailedTrades, agree)
	for _, p := range f.staleDetails {
		fmt.Fprintf(w, "stale       %s\n", p)
	}
	for _, p := range f.openPartials {
		fmt.Fprintf(w, "unresolved  %s\n", p)
	}
	if len(f.Faults) == 0 {
		return
	}
	var parts []string
	for _, fi := range f.Faults {
		r := strconv.FormatInt(fi.RecoveryMs, 10) + " ms"
		switch {
		case fi.Unmeasured:
			r = "unmeasured"
		case fi.RecoveryMs < 0:
			r = "NOT RECOVERED"
		}
		parts = append(parts, fmt.Sprintf("%s@%.1fs %s", fi.Kind, float64(fi.AtMs)/1000, r))
	}
	fmt.Fprintf(w, "recovery    %s\n", strings.Join(parts, ", "))
}
