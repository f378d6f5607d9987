package engine

import (
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/scan"
)

func TestSignerFeedPacing(t *testing.T) {
	f := newSignerFeed(2)
	type sent struct {
		g     uint32
		enter bool
		ask   uint32
	}
	var got []sent
	send := func(ev *scan.PoolEvent, enter bool) { got = append(got, sent{ev.Group, enter, uint32(ev.Asks[0])}) }
	ev := func(g uint32, k scan.PoolEventKind, ask uint32) *scan.PoolEvent {
		e := &scan.PoolEvent{Group: g, Event: k, N: 1}
		e.Asks[0] = book.Price(ask)
		return e
	}
	ms := int64(time.Millisecond)
	now := int64(1_000) * ms
	// A first entry goes out at once.
	f.observe(ev(0, scan.PoolEnter, 500), now)
	f.due(now, send)
	if len(got) != 1 || !got[0].enter || got[0].ask != 500 {
		t.Fatalf("first entry: %+v", got)
	}
	// Refreshes are coalesced to one per poolRefreshEvery, with the latest asks.
	f.observe(ev(0, scan.PoolEnter, 490), now+10*ms)
	f.observe(ev(0, scan.PoolEnter, 480), now+20*ms)
	f.due(now+20*ms, send)
	if len(got) != 1 {
		t.Fatalf("refresh sent too early: %+v", got)
	}
	f.due(now+int64(poolRefreshEvery), send)
	if len(got) != 2 || got[1].ask != 480 {
		t.Fatalf("refresh: %+v", got)
	}
	// A leave lingers; re-entering within the linger sends no leave.
	f.observe(ev(0, scan.PoolLeave, 0), now+300*ms)
	f.due(now+400*ms, send)
	f.observe(ev(0, scan.PoolEnter, 470), now+500*ms)
	f.due(now+800*ms, send)
	if len(got) != 3 || !got[2].enter || got[2].ask != 470 {
		t.Fatalf("flap inside the linger: %+v", got)
	}
	// Staying out past the linger sends the leave.
	f.observe(ev(0, scan.PoolLeave, 0), now+time.Second.Milliseconds()*ms)
	f.due(now+time.Second.Milliseconds()*ms+int64(poolLinger)-1, send)
	if len(got) != 3 {
		t.Fatalf("leave before the linger: %+v", got)
	}
	f.due(now+time.Second.Milliseconds()*ms+int64(poolLinger), send)
	if len(got) != 4 || got[3].enter {
		t.Fatalf("leave: %+v", got)
	}
	if len(f.active) != 0 {
		t.Fatalf("active %v after everything was sent", f.active)
	}
}

// Trigger prices, checked by hand (comments give the arithmetic).
func TestTriggerPrice(t *testing.T) {
	fee := func(rate uint32) scan.FeeModel { return scan.FeeModel{Rate: rate, Exponent: 1} }
	type tc struct {
		name    string
		payout  int64
		asks    []book.Price
		fees    []scan.FeeModel // by asset = leg index
		tick    book.Tick
		leg     int
		want    book.Price
		noAskOn int // 1-based leg without an ask
	}
	const margin = 2_000 // $0.002 per set
	cases := []tc{
		// others 0.35+0.30 = 0.65; 1 − 0.002 − 0.65 = 0.348 → 0.34 on the grid.
		{name: "fee-free, leg 0", payout: 1_000_000, asks: []book.Price{400_000, 350_000, 300_000}, tick: book.Tick0_01, leg: 0, want: 340_000},
		// others 0.75; 0.248 → 0.24.
		{name: "fee-free, leg 2", payout: 1_000_000, asks: []book.Price{400_000, 350_000, 300_000}, tick: book.Tick0_01, leg: 2, want: 240_000},
		// Fees 0.05·p(1−p) on every leg. Others: 0.35 → fee 0.011375, as
		// shares 0.0325; 0.30 → fee 0.0105, as shares 0.035. At P = 0.314:
		// fee 0.05·0.314·0.686 = 0.0107702 → 0.010771 (up), as shares
		// 0.034303; in USDC 0.65 + 0.314 + 0.032646 = 0.996646 ≤ 0.998, in
		// shares 0.65 + 0.314 + 0.035 = 0.999 < 1: fires. At 0.315 the
		// share reading costs exactly 1: EdgeWorst would be 0.
		{name: "fees withheld in shares bind", payout: 1_000_000, asks: []book.Price{400_000, 350_000, 300_000},
			fees: []scan.FeeModel{fee(50_000), fee(50_000), fee(50_000)}, tick: book.Tick0_001, leg: 0, want: 314_000},
		// Only the dipping leg pays 0.04·p(1−p); others 0.55. As shares its
		// fee is 0.04·(1−P): P = 0.42 → 0.0232, 0.55+0.42+0.0232 = 0.9932 <
		// 1 (and in USDC 0.979744 ≤ 0.998); P = 0.43 → 0.0228, 1.0028: the
		// share reading loses.
		{name: "the dipping leg's own fee", payout: 1_000_000, asks: []book.Price{500_000, 300_000, 250_000},
			fees: []scan.FeeModel{fee(40_000)}, tick: book.Tick0_01, leg: 0, want: 420_000},
		// NO basket of 3 pays 2: others 0.7+0.7 = 1.4; 2 − 0.002 − 1.4 = 0.598 → 0.59.
		{name: "NO basket", payout: 2_000_000, asks: []book.Price{700_000, 650_000, 700_000}, tick: book.Tick0_01, leg: 1, want: 590_000},
		// The others alone cost the payout: no price fires.
		{name: "nothing fires", payout: 1_000_000, asks: []book.Price{500_000, 500_000, 500_000}, tick: book.Tick0_01, leg: 0, want: 0},
		// Already below the payout: the trigger stays below the ask (the
		// ask's own templates cover the ask).
		{name: "capped below the ask", payout: 1_000_000, asks: []book.Price{300_000, 300_000, 300_000}, tick: book.Tick0_01, leg: 0, want: 290_000},
		{name: "a leg without an ask", payout: 1_000_000, asks: []book.Price{300_000, 300_000, 300_000}, tick: book.Tick0_01, leg: 0, noAskOn: 2, want: 0},
		{name: "no tick", payout: 1_000_000, asks: []book.Price{400_000, 350_000, 300_000}, leg: 0, want: 0},
	}
	for _, c := range cases {
		ev := &scan.PoolEvent{Payout: c.payout, N: uint8(len(c.asks)), Event: scan.PoolEnter}
		for i, a := range c.asks {
			ev.Legs[i], ev.Asks[i], ev.Has[i] = book.AssetIndex(i), a, true
		}
		if c.noAskOn > 0 {
			ev.Asks[c.noAskOn-1], ev.Has[c.noAskOn-1] = 0, false
		}
		fees := make([]scan.FeeModel, len(c.asks))
		copy(fees, c.fees)
		if got := triggerPrice(ev, c.leg, margin, fees, c.tick); got != c.want {
			t.Errorf("%s: trigger %d, want %d", c.name, got, c.want)
		}
	}
}

// Brute force: the trigger is the highest grid price below the ask that
// passes the scanner's two tests, on random groups.
func TestTriggerPriceBruteForce(t *testing.T) {
	rng := uint64(12345)
	next := func(n uint64) uint64 { rng = rng*6364136223846793005 + 1442695040888963407; return (rng >> 33) % n }
	for k := 0; k < 300; k++ {
		n := 2 + int(next(8))
		tick := []book.Tick{book.Tick0_01, book.Tick0_001}[next(2)]
		ev := &scan.PoolEvent{Payout: 1_000_000, N: uint8(n), Event: scan.PoolEnter}
		fees := make([]scan.FeeModel, n)
		var sum int64
		for i := 0; i < n; i++ {
			p := int64(tick) * int64(1+next(uint64(int64(1_000_000)/int64(tick)/int64(n)+3)))
			ev.Legs[i], ev.Asks[i], ev.Has[i] = book.AssetIndex(i), book.Price(p), true
			sum += p
			if next(2) == 0 {
				fees[i] = scan.FeeModel{Rate: uint32(next(80_000)), Exponent: uint8(1 + next(2))}
			}
		}
		i := int(next(uint64(n)))
		var others, of, ofs int64
		for j := 0; j < n; j++ {
			if j != i {
				f, fs := feePerShare(fees, ev.Legs[j], ev.Asks[j])
				others, of, ofs = others+int64(ev.Asks[j]), of+f, max(ofs, fs)
			}
		}
		want := book.Price(0)
		for p := int64(ev.Asks[i]) - int64(tick); p >= int64(tick); p -= int64(tick) {
			f, fs := feePerShare(fees, ev.Legs[i], book.Price(p))
			if others+p+of+f <= ev.Payout-2_000 && others+p+mulDivCeil(ev.Payout, max(ofs, fs), book.Scale) < ev.Payout {
				want = book.Price(p)
				break
			}
		}
		if got := triggerPrice(ev, i, 2_000, fees, tick); got != want {
			t.Fatalf("case %d (asks %v, leg %d, fees %v): trigger %d, want %d", k, ev.Asks[:n], i, fees, got, want)
		}
	}
}

// The armer fills token ids, ticks and neg-risk flags, and triggers only
// on entry.
func TestLegArmerEvent(t *testing.T) {
	ids := [][32]byte{{1}, {2}}
	a := newLegArmer(&plan{fees: make([]scan.FeeModel, 2), tokenIDs: ids, negRisk: []bool{true, false}}, 2_000, 2,
		func(book.AssetIndex) book.Tick { return book.Tick0_01 })
	ev := &scan.PoolEvent{Payout: 1_000_000, N: 2, Event: scan.PoolEnter}
	ev.Legs[0], ev.Asks[0], ev.Has[0] = 0, 520_000, true
	ev.Legs[1], ev.Asks[1], ev.Has[1] = 1, 500_000, true
	pe := a.event(ev, true)
	if !pe.Entered || len(pe.Legs) != 2 {
		t.Fatalf("%+v", pe)
	}
	// leg 0: 1 − 0.002 − 0.50 = 0.498 → 0.49; leg 1: 0.478 → 0.47.
	for i, want := range []book.Price{490_000, 470_000} {
		l := pe.Legs[i]
		if l.Trigger != want || l.TokenID != ids[i] || l.Tick != book.Tick0_01 || l.NegRisk != (i == 0) || l.Ask != ev.Asks[i] {
			t.Errorf("leg %d: %+v, want trigger %d", i, l, want)
		}
	}
	if pe := a.event(ev, false); pe.Entered || pe.Legs[0].Trigger != 0 {
		t.Errorf("leave: %+v", pe)
	}
}

func TestLegArmerSticky(t *testing.T) {
	a := newLegArmer(&plan{fees: make([]scan.FeeModel, 2), tokenIDs: make([][32]byte, 2), negRisk: make([]bool, 2)}, 2_000, 2,
		func(book.AssetIndex) book.Tick { return book.Tick0_01 })
	ev := &scan.PoolEvent{Payout: 1_000_000, N: 2, Event: scan.PoolEnter}
	ev.Legs[0], ev.Asks[0], ev.Has[0] = 0, 600_000, true
	ev.Legs[1], ev.Has[1] = 1, true
	// Leg 0's raw trigger is 0.998 − ask1 on the 0.01 grid (below its ask).
	steps := []struct {
		ask1, want book.Price
	}{
		{500_000, 490_000}, // first arming: raw 0.49
		{480_000, 490_000}, // raw 0.51: two ticks above the armed 0.49, kept
		{520_000, 490_000}, // raw 0.47: two ticks below, kept
		{530_000, 460_000}, // raw 0.46: three ticks below, re-anchored
		{510_000, 460_000}, // raw 0.48: two above 0.46, kept
		{500_000, 490_000}, // raw 0.49: three above, re-anchored
		{990_000, 0},       // nothing fires: disarmed
		{500_000, 490_000}, // armed afresh
	}
	for k, c := range steps {
		ev.Asks[1] = c.ask1
		if got := a.event(ev, true).Legs[0].Trigger; got != c.want {
			t.Errorf("step %d (ask1 %d): armed at %d, want %d", k, c.ask1, got, c.want)
		}
	}
}
