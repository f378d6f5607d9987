package engine

import (
	"fmt"
	"strings"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/exec"
	"github.com/hotpath/hotpath/hist"
	"github.com/hotpath/hotpath/ops"
)

// Stats is a snapshot of the engine's counters (any goroutine).
type Stats struct {
	Frames, Events uint64
	Opportunities  uint64            // OK opportunities handed to the executor
	Dropped        map[string]uint64 // OK opportunities not handed over, by reason
	NotTaken       map[string]uint64 // scanner evaluations by reason (ok included)
	Exclusions     map[string]uint64 // book exclusions by reason
	Jumps          uint64
	Resolved       uint64
	Outcomes       map[string]uint64 // Submit outcomes
	TemplateHits   uint64            // legs sent from a pre-signed template
	TemplateMisses uint64            // legs signed on the spot
	Stopped        uint64            // opportunities discarded during shutdown
	BooksValid     int64
	PoolSize       int64
	Exec           exec.Snapshot
}

// Stats returns the counters.
func (e *Engine) Stats() Stats {
	s := Stats{Frames: e.st.Frames.Load(), Events: e.st.Events.Load(), Opportunities: e.st.Opportunities.Load(),
		Dropped: map[string]uint64{}, NotTaken: map[string]uint64{}, Exclusions: map[string]uint64{}, Outcomes: map[string]uint64{},
		Jumps: e.st.Jumps.Load(), Resolved: e.st.Resolved.Load(), TemplateHits: e.xs.Hits.Load(), TemplateMisses: e.xs.Misses.Load(),
		Stopped: e.xs.Stopped.Load(), BooksValid: e.st.BooksValid.Load(), PoolSize: e.st.PoolSize.Load(), Exec: e.x.Snapshot()}
	put := func(m map[string]uint64, k string, v uint64) {
		if v > 0 {
			m[k] = v
		}
	}
	for i := range e.st.Drops {
		put(s.Dropped, dropNames[i], e.st.Drops[i].Load())
	}
	for i := range e.st.NotTaken {
		put(s.NotTaken, scanReasonNames[i], e.st.NotTaken[i].Load())
	}
	for i := range e.st.Exclusions {
		put(s.Exclusions, exclusionNames[i], e.st.Exclusions[i].Load())
	}
	for i := range e.xs.Outcomes {
		put(s.Outcomes, outcomeNames[i], e.xs.Outcomes[i].Load())
	}
	return s
}

// Collector is the engine's histogram collector.
func (e *Engine) Collector() *hist.Collector { return e.coll }

// Report is the end-of-run summary for people.
func (e *Engine) Report() string {
	s := e.Stats()
	x := s.Exec
	var b strings.Builder
	fmt.Fprintf(&b, "frames      %d (%d events), books valid %d/%d\n", s.Frames, s.Events, s.BooksValid, len(e.plan.assets))
	fmt.Fprintf(&b, "scanner     %d opportunities handed to the executor; not taken %v; dropped %v\n", s.Opportunities, s.NotTaken, s.Dropped)
	fmt.Fprintf(&b, "baskets     %d submitted, %d filled, %d partial (%d completed, %d unwound), %d failed, %d settled, %d false\n",
		x.BasketsSubmitted, x.BasketsFilled, x.BasketsPartial, x.BasketsCompleted, x.BasketsUnwound, x.BasketsFailed, x.BasketsSettled, x.FalseBaskets)
	fmt.Fprintf(&b, "p&l         %s (fees %s, realised %s, locked in sets %s)\n", ops.FormatUSD(x.PnL), ops.FormatUSD(x.Fees), ops.FormatUSD(x.Realised), ops.FormatUSD(x.Locked))
	if e.client != nil {
		cs := e.client.Stats()
		fmt.Fprintf(&b, "feed        %d connections: %d dials (%d failed), %d sessions ended (%d PONG timeouts, %d on request, %d oversize frames), decode errors %d\n",
			len(e.client.Conns()), cs.Dials, cs.DialErrors, cs.Disconnects, cs.PongTimeouts, cs.Reconnects, cs.Oversize, cs.Decoder.Errors())
	}
	fmt.Fprintf(&b, "templates   %d hits, %d misses", s.TemplateHits, s.TemplateMisses)
	if e.pool != nil {
		ps := e.pool.Stats()
		fmt.Fprintf(&b, " (pool: %d signed ahead, %d taken, %d missed, %d stale)", ps.Signed, ps.Hits, ps.Misses, ps.Stale)
	}
	b.WriteString("\n")
	if len(s.Exclusions) > 0 || s.Jumps > 0 {
		fmt.Fprintf(&b, "integrity   exclusions %v, reconnects for silence %d / silent canary %d / data after a stall-length gap %d, hash checks %d (mismatches %d), jump-guard trips %d, resolved %d\n",
			s.Exclusions, e.st.StallReconnects.Load(), e.st.CanaryReconnects.Load(), e.st.GapReconnects.Load(), e.st.HashChecks.Load(), e.st.HashMiss.Load(), s.Jumps, s.Resolved)
	}
	for _, st := range []hist.Stage{hist.Decode, hist.BookScan, hist.Decide, hist.Build, hist.Write, hist.Ack, hist.FrameToWire} {
		p := e.coll.Percentiles(st)
		if p.Count == 0 {
			continue
		}
		fmt.Fprintf(&b, "latency     %-13s n=%d p50=%s p99=%s p99.9=%s max=%s\n", st, p.Count, us(p.P50), us(p.P99), us(p.P999), us(p.Max))
	}
	return b.String()
}

// us renders nanoseconds as microseconds with one decimal.
func us(ns int64) string { return fmt.Sprintf("%d.%dµs", ns/1000, ns%1000/100) }

// SetsValue values holdings given by token id (micro-shares, e.g. a venue
// ledger) the way the executor values its own: greedily over the groups in
// scanner order, each group's complete sets (the smallest holding among its
// legs) worth its payout per set, rounded down; an asset counts in one
// group at most. Comparing it with exec's SetsValue checks the engine's
// books against the venue's.
func (e *Engine) SetsValue(positions map[string]int64) int64 {
	reg := e.plan.u.Registry
	left := make([]int64, reg.Len())
	for tok, s := range positions {
		if a, ok := reg.Lookup([]byte(tok)); ok {
			left[a] = s
		}
	}
	var v int64
	for _, g := range e.plan.groups {
		m := int64(-1)
		for _, a := range g.Legs {
			if m < 0 || left[a] < m {
				m = left[a]
			}
		}
		if m <= 0 {
			continue
		}
		for _, a := range g.Legs {
			left[a] -= m
		}
		v += proceedsDown(g.Payout, book.Size(m))
	}
	return v
}
