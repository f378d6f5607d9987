package exec

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sign"
	"github.com/hotpath/hotpath/sim"
)

// aboveFixture: three legs quoted at 0.31, 0.30 and 0.32 whose pool holds
// 10-share templates at each ask and two ticks below, and for legs 1 and 2
// at their trigger anchors 0.25 and 0.26 (and two ticks below); the
// opportunity is leg 1 (and, with both, leg 2 too) dipped to 0.20 with
// 30 shares there. Fee-free unless fees says otherwise; margin $0.002.
type aboveFixture struct {
	x   *Executor
	opp scan.Opportunity
}

const aboveQ = 10_000_000

func newAboveFixture(t testing.TB, fees []scan.FeeModel, both bool, perKey int, mod func(*Config)) *aboveFixture {
	t.Helper()
	reg := book.NewRegistry()
	asks := []book.Price{310_000, 300_000, 320_000}
	triggers := []book.Price{0, 250_000, 260_000}
	limits := []book.Price{310_000, 200_000, 320_000}
	if both {
		limits[2] = 200_000
	}
	var legs []book.AssetIndex
	var hot []sign.HotLeg
	opp := scan.Opportunity{Kind: scan.YesBasket, Reason: scan.OK, N: 3, Q: aboveQ, Payout: 1_000_000}
	for i := range asks {
		tok := strconv.Itoa(2_000_000_000 + i)
		a, err := reg.Add(book.AssetInfo{TokenID: tok, Tick: book.Tick0_01, MinSize: 5_000_000, NegRisk: true})
		if err != nil {
			t.Fatal(err)
		}
		legs = append(legs, a)
		id, _ := sign.ParseTokenID(tok)
		hot = append(hot, sign.HotLeg{Asset: a, TokenID: id, Ask: asks[i], Tick: book.Tick0_01, NegRisk: true, Trigger: triggers[i]})
		c := book.CostUp(limits[i], aboveQ)
		var f int64
		if i < len(fees) {
			f = fees[i].FeeMicroUp(limits[i], aboveQ, 5)
		}
		opp.Legs[i] = scan.Leg{Asset: a, Limit: limits[i], Tick: book.Tick0_01, Levels: 1, Size: aboveQ, Amount: c, Cost: c, Fee: f, DepthAtLimit: 30_000_000}
		opp.Cost += c + f
		opp.Fees += f
	}
	opp.Proceeds = aboveQ
	opp.Edge = opp.Proceeds - opp.Cost
	opp.EdgeWorst = opp.Edge // fee shares 0 in this fixture: USDC fees are the worst case
	signer, _ := sign.NewSigner(sim.HardhatKeys[0])
	cr := sim.DeriveCredentials(sim.HardhatAddress(0), 0)
	pool, err := sign.NewPool(sign.TemplateConfig{Signer: signer, ChainID: 137, CLOBVersion: 2, Owner: cr.APIKey,
		TicksBelow: 2, Shares: []book.Size{aboveQ}, PerKey: perKey, MaxAge: time.Hour, MaxAssets: reg.Len()})
	if err != nil {
		t.Fatal(err)
	}
	if err := pool.Apply(sign.PoolEvent{Entered: true, Legs: hot}); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Refill(time.Now()); err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Mode: Live, CLOBURL: loopbackVenue(t, 3), ChainID: 137, Signer: signer,
		Creds: Credentials{APIKey: cr.APIKey, Secret: cr.Secret, Passphrase: cr.Passphrase},
		Pool:  pool, Ladder: []book.Size{aboveQ}, Margin: 2_000, Fees: fees,
		Registry: reg, Groups: []GroupInfo{{EventIndex: 0, Kind: scan.YesBasket, Payout: 1_000_000, Legs: legs}},
		NumEvents: 1, JournalDir: t.TempDir(),
		Limits:       Limits{MaxBasketNotional: 1e12, MaxEventExposure: 1e15, MaxOpenBaskets: 1 << 30, MaxDailyLoss: 1e12},
		OrdersPer10s: 1 << 30, MaxBaskets: 8,
	}
	if mod != nil {
		mod(&cfg)
	}
	x, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shutdownSoon(x) })
	return &aboveFixture{x: x, opp: opp}
}

// submit sends the opportunity and returns the outcome and the limits the
// legs were signed at.
func (f *aboveFixture) submit(t *testing.T) (Outcome, []book.Price) {
	t.Helper()
	out := f.x.Submit(&f.opp)
	if out.Kind != OutFilled {
		t.Fatalf("outcome %+v", out)
	}
	b := &f.x.slots[f.x.open[len(f.x.open)-1]]
	var lim []book.Price
	for i := range b.legs {
		l := &b.legs[i]
		lim = append(lim, l.limit)
		if m, _, _ := sign.MarketBuyAmounts(l.limit, aboveQ, book.Tick0_01); l.maker != m {
			t.Errorf("leg %d: maker %d for limit %d, want %d", i, l.maker, l.limit, m)
		}
	}
	return out, lim
}

// release closes the last basket's slot (a filled basket would otherwise
// wait for settlement in Poll).
func (f *aboveFixture) release() {
	x := f.x
	si := x.open[len(x.open)-1]
	b := &x.slots[si]
	x.risk.Close(b.event, b.notional, 0)
	x.closeSlot(si)
}

func TestTemplateAboveLimit(t *testing.T) {
	fee5 := []scan.FeeModel{{}, {Rate: 50_000, Exponent: 1}, {}}
	// Leg 1 at 0.20 through the 0.23 template: Δ = 10 × 0.03 = $0.30. With
	// fees 0.05·p(1−p) on leg 1 the spend-all reading buys 1.5 more shares
	// at 0.20: fee 1.5 × 0.05 × 0.16 = $0.012.
	minEdge := int64(10 * 2_000) // Q × margin
	cases := []struct {
		name      string
		fees      []scan.FeeModel
		both      bool
		edgeWorst int64 // 0: the fixture's
		depth     book.Size
		notional  int64 // MaxBasketNotional, 0: unlimited
		want      []book.Price
		above     uint8
	}{
		{name: "edge to spare: cheapest template at or above the dip", want: []book.Price{310_000, 230_000, 320_000}, above: 1},
		{name: "edge exactly Δ + margin", edgeWorst: minEdge + 300_000 + 20, want: []book.Price{310_000, 230_000, 320_000}, above: 1},
		{name: "edge a cent short of Δ + margin", edgeWorst: minEdge + 290_000, want: []book.Price{310_000, 200_000, 320_000}},
		{name: "worst-case edge below the margin", edgeWorst: minEdge - 1, want: []book.Price{310_000, 200_000, 320_000}},
		{name: "fee of the extra shares counted", fees: fee5, edgeWorst: minEdge + 305_000, want: []book.Price{310_000, 200_000, 320_000}},
		{name: "fee of the extra shares covered", fees: fee5, edgeWorst: minEdge + 320_000, want: []book.Price{310_000, 230_000, 320_000}, above: 1},
		// 10 shares at 0.20 and nothing beyond: a spend-all fill of $2.30
		// would need 1.5 shares the book does not show.
		{name: "no depth for a spend-all fill", depth: aboveQ, want: []book.Price{310_000, 200_000, 320_000}},
		// $2.30 needs 11.5 shares at 0.20: 12 are there.
		{name: "just enough depth", depth: 12_000_000, want: []book.Price{310_000, 230_000, 320_000}, above: 1},
		{name: "basket notional has no room", notional: 3_100_000 + 2_000_000 + 3_200_000 + 200_000, want: []book.Price{310_000, 200_000, 320_000}},
		// Both legs dipped to 0.20; leg 2's cheapest is 0.24 (Δ $0.40). The
		// slack pays for leg 1 (Δ $0.30) but not then for leg 2 as well.
		{name: "slack shared by two raised legs", both: true, edgeWorst: minEdge + 600_000, want: []book.Price{310_000, 230_000, 200_000}, above: 1},
		{name: "slack for both", both: true, edgeWorst: minEdge + 700_000, want: []book.Price{310_000, 230_000, 240_000}, above: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newAboveFixture(t, c.fees, c.both, 1, func(cfg *Config) {
				if c.notional > 0 {
					cfg.Limits.MaxBasketNotional = c.notional
				}
			})
			if c.edgeWorst != 0 {
				f.opp.EdgeWorst = c.edgeWorst
			}
			if c.depth != 0 {
				f.opp.Legs[1].DepthAtLimit = c.depth
			}
			out, lim := f.submit(t)
			for i := range c.want {
				if lim[i] != c.want[i] {
					t.Errorf("limits %v, want %v", lim, c.want)
					break
				}
			}
			hits := uint8(3)
			for i, p := range c.want {
				if p == f.opp.Legs[i].Limit && p < 300_000 { // a dipped leg signed on the spot
					hits--
				}
			}
			if out.Hits != hits || out.HitsAbove != c.above {
				t.Errorf("hits %d (above %d), want %d (above %d)", out.Hits, out.HitsAbove, hits, c.above)
			}
			s := f.x.Snapshot()
			if s.TemplateHitsAbove != uint64(c.above) || s.TemplateHits != uint64(hits) || s.TemplateMisses != uint64(3-hits) || s.TemplateAboveDropped != 0 {
				t.Errorf("snapshot: hits %d above %d misses %d dropped %d", s.TemplateHits, s.TemplateHitsAbove, s.TemplateMisses, s.TemplateAboveDropped)
			}
		})
	}
}

// The largest price whose maker amount for q shares (rounded up to a
// cent) fits, on the grid.
func TestMaxPriceFor(t *testing.T) {
	cases := []struct {
		maker int64
		q     book.Size
		tick  book.Tick
		want  book.Price
	}{
		{2_300_000, 10_000_000, book.Tick0_01, 230_000},
		{2_299_999, 10_000_000, book.Tick0_01, 220_000},
		{2_304_743, 10_000_000, book.Tick0_01, 230_000},
		// 25 × 0.357 = 8.925 → $8.93: 8.93 fits 0.357, 8.92 does not.
		{8_930_000, 25_000_000, book.Tick0_001, 357_000},
		{8_920_000, 25_000_000, book.Tick0_001, 356_000},
		{100_000_000, 10_000_000, book.Tick0_01, 990_000}, // capped at 1 − tick
		{50_000, 10_000_000, book.Tick0_01, 0},            // below one tick
		{1_000_000, 0, book.Tick0_01, 0},
	}
	for _, c := range cases {
		if got := maxPriceFor(c.maker, c.q, c.tick); got != c.want {
			t.Errorf("maxPriceFor(%d, %d, %d) = %d, want %d", c.maker, c.q, c.tick, got, c.want)
		}
	}
}

// worstEdgeAt below Q, checked by hand. Leg 0 at 0.33 pays 0.07·p(1−p),
// leg 1 at 0.60 is fee-free; Q = 48, q = 40.
func TestWorstEdgeAt(t *testing.T) {
	x := &Executor{cfg: Config{Fees: []scan.FeeModel{{Rate: 70_000, Exponent: 1}, {}}, FeeDecimals: 5}}
	opp := scan.Opportunity{N: 2, Q: 48_000_000, Payout: 1_000_000, EdgeWorst: 123}
	opp.Legs[0] = scan.Leg{Asset: 0, Limit: 330_000, Tick: book.Tick0_01, Levels: 1, Size: 48_000_000,
		Fee: 742_900, FeeShares: 2_251_213}
	opp.Legs[1] = scan.Leg{Asset: 1, Limit: 600_000, Tick: book.Tick0_01, Levels: 1, Size: 48_000_000}
	if got := x.worstEdgeAt(&opp, opp.Q); got != 123 {
		t.Errorf("at Q: %d, want EdgeWorst", got)
	}
	// One level: exact. Makers 40×0.33 = 13.2 and 40×0.60 = 24; fee
	// 40×0.07×0.33×0.67 = 0.61908, as shares 0.61908/0.33 = 1.876: the
	// share reading costs $1.876. 40 − 37.2 − 1.876 = 0.924.
	if got := x.worstEdgeAt(&opp, 40_000_000); got != 924_000 {
		t.Errorf("one level: %d, want 924000", got)
	}
	// Two levels (20 at 0.30, 28 at 0.33): at Q the fees are 0.294 +
	// 0.43336 and as shares 0.98 + 1.313213. At 40: fee ≤ min(0.72736,
	// fee of 40 at 0.33 + 2 units = 0.6191), shares ≤ min(2.293213, 40 ×
	// 0.07 + 2 × (0.00001/0.01 + 0.000001) = 2.802002): 2.8 − 2.293213.
	opp.Legs[0].Levels, opp.Legs[0].Fee, opp.Legs[0].FeeShares = 2, 727_360, 2_293_213
	if got := x.worstEdgeAt(&opp, 40_000_000); got != 506_787 {
		t.Errorf("two levels: %d, want 506787", got)
	}
	// (The true worst-case edge of those 40 — 20 at 0.30: fee 0.294, 0.98
	// as shares; 20 at 0.33: 0.30954, 0.938 — is 2.8 − 1.918 = 0.882.)
}
