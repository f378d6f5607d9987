package exec

import (
	"strings"
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/exec/journal"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sim"
)

// requote replaces one side of group leg i's YES book at the sim: every
// resting order of the scenario's makers on that side is cancelled and, if
// size > 0, one order of size shares is placed at price (bids: YES bids,
// asks: YES asks). An empty or collapsed side is how a venue looks when
// leg risk has to act at the worst moment.
func (h *harness) requote(i int, bids bool, price book.Price, size book.Size) {
	h.t.Helper()
	x := h.s.Exchange()
	m, _, ok := x.MarketByToken(h.tokens[i])
	if !ok {
		h.t.Fatal("no market")
	}
	x.CancelWhere("", func(o *sim.Order) bool {
		return o.Market == m && o.Yes == (o.Side == sim.Buy) == bids
	})
	if size == 0 {
		return
	}
	side := sim.Sell
	if bids {
		side = sim.Buy
	}
	if _, _, err := x.PlaceBot(sim.HardhatAddress(1), h.tokens[i], side, price, size, sim.GTC); err != nil {
		h.t.Fatal(err)
	}
}

// ourSides counts the trades the venue matched for our orders, by side.
func (h *harness) ourSides() (buys, sells int) {
	for _, tr := range h.s.Exchange().Trades() {
		if tr.TakerAddr != sim.HardhatAddress(0) {
			continue
		}
		if tr.Side == sim.Buy {
			buys++
		} else {
			sells++
		}
	}
	return buys, sells
}

func (h *harness) alerted(prefix string) string {
	for _, a := range h.alerts {
		if strings.HasPrefix(a, prefix) {
			return a
		}
	}
	return ""
}

func (h *harness) stuck() bool {
	o := h.x.Snapshot().Open
	return len(o) == 1 && o[0].Stuck
}

// partialBasket starts a harness on the quiet venue and submits a
// 10-share basket whose leg kill is killed (its limit a tick under the
// ask): two legs fill, the basket is partial. It returns the harness, the
// opportunity and our ledger before it.
func partialBasket(t *testing.T, kill int) (*harness, scan.Opportunity, sim.AccountSnapshot) {
	t.Helper()
	s := startSim(t, nil)
	h := newHarness(t, s, "", nil)
	x := h.start()
	before := s.Ledger(sim.HardhatAddress(0))
	o := h.opp(10_000_000)
	killLeg(&o, kill)
	if out := x.Submit(&o); out.Kind != OutPartial || out.Filled != 2 || out.Killed != 1 || out.Reject != RejectFOKNotFilled {
		t.Fatalf("outcome %+v", out)
	}
	return h, o, before
}

// journalRecords returns every journal record as a string.
func journalRecords(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	if err := journal.Replay(dir, func(p []byte) error { out = append(out, string(p)); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// journalWhys returns the "why" of every legrisk record.
func journalWhys(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, k := range journalRecords(t, dir) {
		if strings.Contains(k, `"k":"legrisk"`) {
			i := strings.Index(k, `"why":"`)
			out = append(out, k[i+7:])
		}
	}
	return out
}

// TestNoWayOutIsStuckAndReported: a FOK leg is killed while the others
// fill; then the killed leg's asks and the filled legs' bids vanish: the
// policy can neither complete nor unwind. After LegRiskAttempts tries the
// basket is stuck: no order sent, the position kept, an alert and a
// journal record with its exact exposure, and the same again at Shutdown.
func TestNoWayOutIsStuckAndReported(t *testing.T) {
	h, _, before := partialBasket(t, 1)
	s, x := h.s, h.x
	h.requote(1, false, 0, 0)
	h.requote(0, true, 0, 0)
	h.requote(2, true, 0, 0)
	h.poll("leg risk to give up", 5*time.Second, h.stuck)
	if buys, sells := h.ourSides(); buys != 2 || sells != 0 {
		t.Fatalf("trades: %d buys (2 at entry), %d sells", buys, sells)
	}
	snap := x.Snapshot()
	if snap.BasketsUnwound != 0 || snap.BasketsCompleted != 0 || len(snap.Positions) != 2 || snap.Open[0].Orders != 3 || snap.Open[0].Attempts != h.cfg.LegRiskAttempts {
		t.Fatalf("snapshot %+v", snap)
	}
	a := h.alerted("leg_risk: basket 1 is still partial after leg risk (after 3 attempts)")
	if !strings.Contains(a, "; cash -") || !strings.Contains(a, "last try: completion impossible, unwind impossible, cap 1000000") || !strings.Contains(a, "=10000000") || !strings.Contains(a, "1:"+h.tokens[1]+"=0") {
		t.Fatalf("no exposure alert: %v", h.alerts)
	}
	// stays stuck: no further tries
	n := snap.LegRiskActions
	for range 10 {
		x.Poll(x.cfg.Now())
		time.Sleep(10 * time.Millisecond)
	}
	if got := x.Snapshot().LegRiskActions; got != n {
		t.Fatalf("leg risk kept trying: %d → %d", n, got)
	}
	h.checkLedger(before)
	if err := x.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if a := h.alerted("open_at_shutdown: basket 1 is still stuck at shutdown"); !strings.Contains(a, "; cash -") {
		t.Fatalf("no shutdown alert: %v", h.alerts)
	}
	whys := journalWhys(t, h.cfg.JournalDir)
	if len(whys) != 5 || !strings.HasPrefix(whys[3], "gave up: after 3 attempts; held ") || !strings.HasPrefix(whys[4], "shutdown: still stuck; held ") {
		t.Fatalf("journal: %q", whys)
	}
	// a restart on the journal knows the basket is stuck: no more tries
	h2 := newHarness(t, s, h.cfg.JournalDir, nil)
	x2 := h2.start()
	x2.Poll(x2.cfg.Now())
	if o := x2.Snapshot().Open; len(o) != 1 || !o[0].Stuck {
		t.Fatalf("after restart: %+v", o)
	}
}

// TestFailedSettlementIsNotReboughtBeyondBudget: every leg fills, then the
// first leg's trade FAILS after the match; by then every ask is at 0.99
// (re-buying the leg would lose several dollars of a $1 budget) and no
// one bids. Nothing may be re-bought: the loss is re-checked against the
// budget with what the basket holds after the failure.
func TestFailedSettlementIsNotReboughtBeyondBudget(t *testing.T) {
	s := startSim(t, nil)
	h := newHarness(t, s, "", nil)
	x := h.start()
	before := s.Ledger(sim.HardhatAddress(0))
	s.Faults().FailNextTrades(1)
	o := h.opp(10_000_000)
	if out := x.Submit(&o); out.Kind != OutFilled {
		t.Fatalf("outcome %+v", out)
	}
	for i := range 3 {
		h.requote(i, false, 990_000, 1000_000_000)
		h.requote(i, true, 0, 0)
	}
	h.poll("leg risk to give up", 5*time.Second, h.stuck)
	if buys, sells := h.ourSides(); buys != 3 || sells != 0 {
		t.Fatalf("trades after the failure: %d buys (3 at entry), %d sells", buys, sells)
	}
	snap := x.Snapshot()
	if snap.BasketsPartial != 1 || snap.BasketsCompleted != 0 || len(snap.Positions) != 2 {
		t.Fatalf("snapshot %+v alerts %v", snap, h.alerts)
	}
	if h.alerted("trade_failed") == "" || h.alerted("leg_risk: basket 1 is still partial after leg risk") == "" {
		t.Fatalf("alerts %v", h.alerts)
	}
	h.checkLedger(before)
}

// TestUnwindBeyondTheCapIsHeld: a FOK leg is killed; its asks jump to 0.99
// and the filled legs' bids collapse to 0.10 with plenty of size. Both
// ways out are possible and both lose far more than the basket's cap: the
// position is held (no fire sale at 0.10), retried with growing pauses,
// then left stuck with what each way out would have lost.
func TestUnwindBeyondTheCapIsHeld(t *testing.T) {
	h, _, before := partialBasket(t, 1)
	h.requote(1, false, 990_000, 1000_000_000)
	h.requote(0, true, 100_000, 1000_000_000) // $1 for 10 shares: the venue's minimum
	h.requote(2, true, 100_000, 1000_000_000)
	h.poll("leg risk to give up", 5*time.Second, h.stuck)
	if buys, sells := h.ourSides(); buys != 2 || sells != 0 {
		t.Fatalf("trades: %d buys (2 at entry), %d sells: sold into a collapsed book", buys, sells)
	}
	a := h.alerted("leg_risk: basket 1 is still partial")
	if !strings.Contains(a, "last try: completion would lose ") || !strings.Contains(a, ", unwind would lose ") {
		t.Fatalf("no losses in the alert: %v", h.alerts)
	}
	for _, w := range journalWhys(t, h.cfg.JournalDir)[:3] {
		if !strings.HasPrefix(w, "every way out loses more than the cap 1000000") {
			t.Fatalf("journal: %q", w)
		}
	}
	h.checkLedger(before)
}

// TestLegRiskPauseDoubles: the pause after try n is LegRiskRetry << (n-1),
// at most 16×; the cap is the budget or the share of the notional.
func TestLegRiskPauseDoubles(t *testing.T) {
	want := []int64{100, 200, 400, 800, 1600, 1600, 1600}
	for n, w := range want {
		if got := legRiskPause(100, n+1); got != w {
			t.Errorf("pause after try %d: %d, want %d", n+1, got, w)
		}
	}
	x := &Executor{cfg: Config{LegLossBudget: 1_000_000, LegLossShare: 50_000}}
	for _, c := range []struct{ notional, want int64 }{{10_000_000, 1_000_000}, {20_000_000, 1_000_000}, {200_000_000, 10_000_000}, {333_333_333, 16_666_666}} {
		if got := x.legLossCap(&basket{notional: c.notional}); got != c.want {
			t.Errorf("cap of notional %d: %d, want %d", c.notional, got, c.want)
		}
	}
}

// TestCompletionAtLossIsNotAFalseBasket: a FOK leg is killed; its asks
// then rise so that completing costs more than the payout (a loss of
// $0.10–0.35 incl. fees), while the filled legs' bids fall to 0.20 so
// that unwinding would lose more (several dollars, over budget). Completion is the smaller loss within budget: it
// is taken, and the basket counts as closed at a loss, not as false.
func TestCompletionAtLossIsNotAFalseBasket(t *testing.T) {
	h, o, before := partialBasket(t, 1)
	x := h.x
	// what the filled legs cost (the quiet venue fills at the opportunity's
	// prices); the completion price makes the set cost ≥ the payout
	spent := o.Legs[0].Cost + o.Legs[0].Fee + o.Legs[2].Cost + o.Legs[2].Fee
	tick := int64(book.Tick0_01)
	p := (proceeds(o.Payout, o.Q)-spent)*book.Scale/int64(o.Q) + 1 // per share, rounded up
	p = (p+tick-1)/tick*tick + tick                                // on the grid, one tick above
	h.requote(1, false, book.Price(p), 1000_000_000)
	h.requote(0, true, 200_000, 1000_000_000)
	h.requote(2, true, 200_000, 1000_000_000)
	h.poll("completion and settlement", 5*time.Second, h.idle)
	snap := x.Snapshot()
	if snap.BasketsCompleted != 1 || snap.BasketsSettled != 1 || snap.FalseBaskets != 0 || snap.BasketsClosedAtLoss != 1 {
		t.Fatalf("counters %+v alerts %v", snap, h.alerts)
	}
	if loss := -snap.PnL; loss <= 0 || loss > h.cfg.LegLossBudget { // the cap: 5 % of ~$7 is less than the budget
		t.Fatalf("loss %d, budget %d", loss, h.cfg.LegLossBudget)
	}
	if h.alerted("closed_at_loss") == "" || h.alerted("false_basket") != "" {
		t.Fatalf("alerts %v", h.alerts)
	}
	h.checkLedger(before)
}
