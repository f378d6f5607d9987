package scan

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/hotpath/hotpath/book"
)

// want is the expected result of sizing one group, in venue decimals.
type want struct {
	reason    Reason
	q         string   // shares
	limits    []string // per leg
	cost      string   // Σ fills + fees
	fees      string
	edge      string
	edgeWorst string
}

func TestSizing(t *testing.T) {
	fee025e2 := FeeModel{Rate: 250_000, Exponent: 2}
	fee004 := FeeModel{Rate: 40_000, Exponent: 1}
	fee007 := FeeModel{Rate: 70_000, Exponent: 1}
	def := DefaultConfig() // margin 0.001 → threshold 0.999 per $1 set

	same := func(n int, ls legSpec) []legSpec {
		out := make([]legSpec, n)
		for i := range out {
			out[i] = ls
		}
		return out
	}

	cases := []struct {
		name   string
		cfg    func(*Config)
		legs   []legSpec
		groups []GroupSpec // nil: YES basket over every leg
		want   want
	}{
		{
			// 0.40 + 0.50 = 0.90 ≤ 0.999; both legs run out at 100.
			// Lots: 0.40 → 0.05 sh, 0.50 → 0.02 sh; lcm 0.1; 100 is legal.
			// Cost 40 + 50 = 90, proceeds 100, edge 10.
			name: "N=2 one level",
			legs: []legSpec{{asks: []string{"0.40:100"}}, {asks: []string{"0.50:100"}}},
			want: want{OK, "100", []string{"0.4", "0.5"}, "90", "0", "10", "10"},
		},
		{
			// Level walk: (0.40,0.50)=0.90 for 10 sh; A→0.45: 0.95 for 10 more;
			// B→0.58: 1.03 > 0.999 → stop at Q=20 (B's second level unused).
			// A: 10×0.40 + 10×0.45 = 8.5; B: 20×0.50 = 10 → cost 18.5, edge 1.5.
			// Amounts: 20×0.45 = 9 and 20×0.5 = 10 → worst edge 20 − 19 = 1.
			name: "second level breaks threshold",
			legs: []legSpec{{asks: []string{"0.40:10", "0.45:50"}}, {asks: []string{"0.50:20", "0.58:100"}}},
			want: want{OK, "20", []string{"0.45", "0.5"}, "18.5", "0", "1.5", "1"},
		},
		{
			// Same books, fee 0.25·(p(1−p))² on both legs (test-vectors §8 model).
			// Marginal fees: 0.40 → 0.0144, 0.45 → 0.0153140625, 0.50 → 0.015625, 0.58 → 0.01483524.
			// m: 0.930025, then 0.9809390625 (ok), then 1.03+… (stop) → Q = 20.
			// Fees: A 10×0.0144 = 0.144 + 10×0.0153140625 = 0.153140625 → 0.15315 (up, 5 dp);
			//       B 20×0.015625 = 0.3125. Σ = 0.60965. Cost = 18.5 + 0.60965 = 19.10965.
			// Edge = 20 − 19.10965 = 0.89035.
			// FeeShares: A 0.144/0.40 = 0.36 + 0.15315/0.45 = 0.340333.. → 0.340334; Σ 0.700334;
			//            B 0.3125/0.5 = 0.625. Worst fee = max(0.60965, 1×0.700334) = 0.700334.
			// EdgeWorst = 20 − (9 + 10) − 0.700334 = 0.299666.
			name: "fees on every level",
			legs: []legSpec{{asks: []string{"0.40:10", "0.45:50"}, fee: fee025e2}, {asks: []string{"0.50:20", "0.58:100"}, fee: fee025e2}},
			want: want{OK, "20", []string{"0.45", "0.5"}, "19.10965", "0.60965", "0.89035", "0.299666"},
		},
		{
			// As above with fees rounded up to 6 decimals: A's second level
			// 0.153140625 → 0.153141; fees 0.144 + 0.153141 + 0.3125 = 0.609641.
			// FeeShares A: 0.36 + 0.153141/0.45 = 0.3403133.. → 0.340314 → 0.700314.
			name: "fees at 6 decimals",
			cfg:  func(c *Config) { c.FeeDecimals = 6 },
			legs: []legSpec{{asks: []string{"0.40:10", "0.45:50"}, fee: fee025e2}, {asks: []string{"0.50:20", "0.58:100"}, fee: fee025e2}},
			want: want{OK, "20", []string{"0.45", "0.5"}, "19.109641", "0.609641", "0.890359", "0.299686"},
		},
		{
			// And at 4 decimals: 0.153140625 → 0.1532; fees 0.144 + 0.1532 + 0.3125 = 0.6097.
			// FeeShares A: 0.36 + 0.1532/0.45 = 0.340444.. → 0.340445 → 0.700445.
			name: "fees at 4 decimals",
			cfg:  func(c *Config) { c.FeeDecimals = 4 },
			legs: []legSpec{{asks: []string{"0.40:10", "0.45:50"}, fee: fee025e2}, {asks: []string{"0.50:20", "0.58:100"}, fee: fee025e2}},
			want: want{OK, "20", []string{"0.45", "0.5"}, "19.1097", "0.6097", "0.8903", "0.299555"},
		},
		{
			// A has 20 one-share levels 0.10 .. 0.29; the walk reads MaxDepth = 16
			// of them (up to 0.25). Q = 16: A costs Σ(0.10 .. 0.25) = 2.8, B 8;
			// edge 16 − 10.8 = 5.2; amounts 16×0.25 + 8 = 12 → worst edge 4.
			// (Exact fills: with the spend-all reserve these thin levels fill
			// nothing past 2.75 shares.)
			name: "depth capped at MaxDepth levels",
			cfg:  func(c *Config) { c.AssumeExactFills = true },
			legs: []legSpec{{asks: []string{"0.10:1", "0.11:1", "0.12:1", "0.13:1", "0.14:1", "0.15:1", "0.16:1", "0.17:1", "0.18:1", "0.19:1",
				"0.20:1", "0.21:1", "0.22:1", "0.23:1", "0.24:1", "0.25:1", "0.26:1", "0.27:1", "0.28:1", "0.29:1"}}, {asks: []string{"0.50:100"}}},
			want: want{OK, "16", []string{"0.25", "0.5"}, "10.8", "0", "5.2", "4"},
		},
		{
			// Spend-all reserve: A 0.40 × 10 then 0.45 × 12, B 0.50 × 100; the walk
			// reaches 22. A FOK BUY for Q×0.45 USDC buys the 10 cheaper shares for
			// 4.00 and re-spends the 0.50 saved at 0.45: 1.111112 shares (rounded
			// up) of the 12 at 0.45 are needed beyond Q, so Q ≤ 22 − 1.111112 =
			// 20.888888 → lot 0.2 → 20.8. Check: maker 9.36 = 4.00 + 11.91 × 0.45 ≤ 4 + 12 × 0.45.
			// Cost A 4 + 10.8×0.45 = 8.86, B 10.4 → 19.26; edge 1.54; amounts 9.36 + 10.4 → worst 1.04.
			name: "spend-all reserve",
			legs: []legSpec{{asks: []string{"0.40:10", "0.45:12"}}, {asks: []string{"0.50:100"}}},
			want: want{OK, "20.8", []string{"0.45", "0.5"}, "19.26", "0", "1.54", "1.04"},
		},
		{
			// The same books with exact fills assumed: Q = 22; cost 4 + 5.4 + 11 = 20.4,
			// edge 1.6; amounts 9.9 + 11 → worst edge 1.1.
			name: "spend-all reserve off",
			cfg:  func(c *Config) { c.AssumeExactFills = true },
			legs: []legSpec{{asks: []string{"0.40:10", "0.45:12"}}, {asks: []string{"0.50:100"}}},
			want: want{OK, "22", []string{"0.45", "0.5"}, "20.4", "0", "1.6", "1.1"},
		},
		{
			// Walk reaches 4.99 (A's depth); lot 0.1 → 4.9 < min size 5.
			name: "just under min size",
			legs: []legSpec{{asks: []string{"0.40:4.99"}, minSize: "5"}, {asks: []string{"0.50:100"}, minSize: "5"}},
			want: want{BelowMinSize, "4.9", []string{"0.4", "0.5"}, "4.41", "0", "0.49", "0.49"},
		},
		{
			// Exactly 5: A costs 2.00, B 2.50; edge 5 − 4.5 = 0.5.
			name: "at min size",
			legs: []legSpec{{asks: []string{"0.40:5"}, minSize: "5"}, {asks: []string{"0.50:100"}, minSize: "5"}},
			want: want{OK, "5", []string{"0.4", "0.5"}, "4.5", "0", "0.5", "0.5"},
		},
		{
			// $1 edge: A 0.20 × 4.99 → lots 0.05 (0.20) and 0.1 (0.70) → Q 4.9;
			// A's fill 4.9 × 0.20 = 0.98 < $1.
			name: "below $1 notional",
			legs: []legSpec{{asks: []string{"0.20:4.99"}}, {asks: []string{"0.70:100"}}},
			want: want{BelowMinNotional, "4.9", []string{"0.2", "0.7"}, "4.41", "0", "0.49", "0.49"},
		},
		{
			// A 0.20 × 5 → 5 × 0.20 = 1.00: exactly the minimum, taken.
			name: "exactly $1 notional",
			legs: []legSpec{{asks: []string{"0.20:5"}}, {asks: []string{"0.70:100"}}},
			want: want{OK, "5", []string{"0.2", "0.7"}, "4.5", "0", "0.5", "0.5"},
		},
		{
			// Tick 0.001: 0.473 needs Q a multiple of 10 shares for Q×0.473
			// to be whole cents (473000·Q ≡ 0 mod 1e10 → Q ≡ 0 mod 1e7 µsh).
			// Depth 47 → Q = 40: amounts 18.92 and 20; cost 38.92, edge 1.08.
			name: "2-decimal USDC lot",
			legs: []legSpec{{tick: book.Tick0_001, asks: []string{"0.473:47"}}, {asks: []string{"0.50:100"}}},
			want: want{OK, "40", []string{"0.473", "0.5"}, "38.92", "0", "1.08", "1.08"},
		},
		{
			// A: 0.47 × 10 then 0.4731 (tick 0.0001, lot 100 shares); B 0.50 × 50.
			// Walk → 50 (B's depth), A's limit 0.4731 → lot 100 → nothing in (10, 50];
			// settle falls back to Q = 10 at A's first level (lot 1 share).
			// Cost 4.7 + 5 = 9.7, edge 0.3.
			name: "lot falls back a level",
			legs: []legSpec{{tick: book.Tick0_0001, asks: []string{"0.47:10", "0.4731:100"}}, {asks: []string{"0.50:50"}}},
			want: want{OK, "10", []string{"0.47", "0.5"}, "9.7", "0", "0.3", "0.3"},
		},
		{
			// Ten legs at 0.09 (Σ 0.90), fee 0.04·p(1−p) = 0.003276/share:
			// m = 0.93276. Q = 100 (depth). Fees 10 × 0.3276 = 3.276;
			// cost 93.276, edge 6.724. FeeShares 0.3276/0.09 = 3.64 per leg
			// → worst fee 3.64 → EdgeWorst 100 − 90 − 3.64 = 6.36.
			name: "N=10 with fees",
			legs: same(10, legSpec{asks: []string{"0.09:100"}, fee: fee004}),
			want: want{OK, "100", nil, "93.276", "3.276", "6.724", "6.36"},
		},
		{
			// 30 legs at 0.032 (tick 0.001; Σ 0.96), no fee, depth 50 each.
			// Lot of 0.032: 1.25 shares; 50 is a multiple. Cost 30×1.6 = 48.
			name: "N=30",
			legs: same(30, legSpec{tick: book.Tick0_001, asks: []string{"0.032:50"}}),
			want: want{OK, "50", nil, "48", "0", "2", "2"},
		},
		{
			// NO basket of 3 pays 2: 0.60 + 0.65 + 0.70 = 1.95 ≤ 1.999.
			// Q 20: cost 39, proceeds 40.
			name:   "N=3 NO basket",
			legs:   []legSpec{{asks: []string{"0.60:20"}}, {asks: []string{"0.65:30"}}, {asks: []string{"0.70:40"}}},
			groups: []GroupSpec{{Kind: NoBasket, Legs: []book.AssetIndex{0, 1, 2}}},
			want:   want{OK, "20", nil, "39", "0", "1", "1"},
		},
		{
			// MaxShares 37.5: cost 15 + 18.75 = 33.75, edge 3.75.
			name: "share cap",
			cfg:  func(c *Config) { c.MaxShares = 37_500_000 },
			legs: []legSpec{{asks: []string{"0.40:100"}}, {asks: []string{"0.50:100"}}},
			want: want{OK, "37.5", nil, "33.75", "0", "3.75", "3.75"},
		},
		{
			// MaxNotional $45.01 → Q ≤ 45.01/0.90 = 50.0111.. → lot 0.1 → 50.
			name: "notional cap",
			cfg:  func(c *Config) { c.MaxNotional = 45_010_000 },
			legs: []legSpec{{asks: []string{"0.40:100"}}, {asks: []string{"0.50:100"}}},
			want: want{OK, "50", nil, "45", "0", "5", "5"},
		},
		{
			// The notional cap binds on a deeper level: first 10 at 0.90/set,
			// then 0.95/set. $28: 10 × 0.9 = 9, then Q × 0.95 ≤ 28 → Q ≤ 29.47..
			// → lots 0.2 (0.45), 0.02 (0.50) → 29.4. Cost 4 + 19.4×0.45 + 14.7 = 27.43;
			// amounts 29.4×0.45 + 14.7 = 27.93 ≤ 28 → worst edge 1.47.
			name: "notional cap on second level",
			cfg:  func(c *Config) { c.MaxNotional = 28_000_000 },
			legs: []legSpec{{asks: []string{"0.40:10", "0.45:100"}}, {asks: []string{"0.50:100"}}},
			want: want{OK, "29.4", []string{"0.45", "0.5"}, "27.43", "0", "1.97", "1.47"},
		},
		{
			name: "cap zero",
			cfg:  func(c *Config) { c.MaxShares = 0 },
			legs: []legSpec{{asks: []string{"0.40:100"}}, {asks: []string{"0.50:100"}}},
			want: want{reason: CapZero, q: "0"},
		},
		{
			// 0.49 + 0.50 = 0.99 triggers; fees 0.07·p(1−p): 0.017493 + 0.0175 → 1.024993 > 0.999.
			name: "fees push above threshold",
			legs: []legSpec{{asks: []string{"0.49:100"}, fee: fee007}, {asks: []string{"0.50:100"}, fee: fee007}},
			want: want{reason: AboveThreshold, q: "0"},
		},
		{
			// Margin 0: 0.5 + 0.5 = 1.0 ≤ 1.0 passes the walk, edge is 0.
			name: "edge gone after rounding",
			cfg:  func(c *Config) { c.Margin = 0 },
			legs: []legSpec{{asks: []string{"0.50:10"}}, {asks: []string{"0.50:10"}}},
			want: want{EdgeGoneAfterRounding, "10", nil, "10", "0", "0", "0"},
		},
		{
			// 0.05 + 0.90, fee 0.07·p(1−p): 0.003325 and 0.0063 per share; Q 100.
			// Fees 0.3325 + 0.63 = 0.9625, edge 100 − 95.9625 = 4.0375.
			// If the venue withholds fees in shares: 0.3325/0.05 = 6.65 shares of
			// the cheap leg → worst fee 6.65 → EdgeWorst 100 − 95 − 6.65 = −1.65.
			name: "worst case gate",
			legs: []legSpec{{asks: []string{"0.05:100"}, fee: fee007}, {asks: []string{"0.90:100"}, fee: fee007}},
			want: want{EdgeGoneWorstCase, "100", nil, "95.9625", "0.9625", "4.0375", "-1.65"},
		},
		{
			name: "worst case gate skipped",
			cfg:  func(c *Config) { c.AssumeExactFills = true },
			legs: []legSpec{{asks: []string{"0.05:100"}, fee: fee007}, {asks: []string{"0.90:100"}, fee: fee007}},
			want: want{OK, "100", nil, "95.9625", "0.9625", "4.0375", "-1.65"},
		},
		{
			// YES 0.45 + NO 0.50 < 1: a crossed pair is an integrity alarm.
			name:   "binary pair crossed",
			legs:   []legSpec{{asks: []string{"0.45:10"}}, {asks: []string{"0.50:10"}}},
			groups: []GroupSpec{{Kind: BinaryPair, Legs: []book.AssetIndex{0, 1}}},
			want:   want{reason: PairCrossed, q: "0"},
		},
		{
			name:   "binary pair traded when allowed",
			cfg:    func(c *Config) { c.TradePairs = true },
			legs:   []legSpec{{asks: []string{"0.45:10"}}, {asks: []string{"0.50:10"}}},
			groups: []GroupSpec{{Kind: BinaryPair, Legs: []book.AssetIndex{0, 1}}},
			want:   want{OK, "10", nil, "9.5", "0", "0.5", "0.5"},
		},
		{
			name: "book not valid",
			legs: []legSpec{{asks: []string{"0.40:100"}, invalid: true}, {asks: []string{"0.50:100"}}},
			want: want{reason: BookInvalid, q: "0"},
		},
		{
			name: "book crossed",
			legs: []legSpec{{asks: []string{"0.40:100"}, bids: []string{"0.41:5"}}, {asks: []string{"0.50:100"}}},
			want: want{reason: BookCrossed, q: "0"},
		},
		{
			// An ask at 1.0 is not a price an order may carry: the walk ends there.
			// NO basket of 2 pays 1... use a 3-leg NO basket (pays 2): 0.30 + 0.60 then 1.0.
			name:   "untradeable level ends depth",
			legs:   []legSpec{{asks: []string{"0.30:10", "1:100"}}, {asks: []string{"0.60:100"}}, {asks: []string{"0.50:100"}}},
			groups: []GroupSpec{{Kind: NoBasket, Legs: []book.AssetIndex{0, 1, 2}}},
			want:   want{OK, "10", []string{"0.3", "0.6", "0.5"}, "14", "0", "6", "6"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := def
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			groups := c.groups
			if groups == nil {
				groups = basket(len(c.legs))
			}
			f := build(t, cfg, c.legs, groups)
			var o Opportunity
			r := f.s.Evaluate(0, &o)
			check(t, &o, r, c.want)
			if f.s.Stats.Reasons[r] != 1 || f.s.Stats.Evaluations != 1 {
				t.Errorf("stats %+v", f.s.Stats)
			}
		})
	}
}

func check(t *testing.T, o *Opportunity, r Reason, w want) {
	t.Helper()
	if r != w.reason || o.Reason != w.reason {
		t.Fatalf("reason %v (out %v), want %v; opp %+v", r, o.Reason, w.reason, *o)
	}
	if got := o.Q; got != sz(t, w.q) {
		t.Errorf("Q = %v, want %s", got, w.q)
	}
	if w.cost == "" {
		return
	}
	for i, l := range w.limits {
		if o.Legs[i].Limit != px(t, l) {
			t.Errorf("leg %d limit %v, want %s", i, o.Legs[i].Limit, l)
		}
	}
	if o.Cost != usd(t, w.cost) || o.Fees != usd(t, w.fees) || o.Edge != usd(t, w.edge) || o.EdgeWorst != usd(t, w.edgeWorst) {
		t.Errorf("cost %d fees %d edge %d worst %d; want %s %s %s %s", o.Cost, o.Fees, o.Edge, o.EdgeWorst, w.cost, w.fees, w.edge, w.edgeWorst)
	}
	// Internal consistency of every leg.
	var cost, fees int64
	for i := 0; i < int(o.N); i++ {
		l := &o.Legs[i]
		if l.Size != o.Q {
			t.Errorf("leg %d size %v != Q %v", i, l.Size, o.Q)
		}
		if l.Amount%10_000 != 0 || l.Amount != book.CostDown(l.Limit, l.Size) || l.Amount != book.CostUp(l.Limit, l.Size) {
			t.Errorf("leg %d amount %d not exactly Q×limit in whole cents", i, l.Amount)
		}
		if o.Q%10_000 != 0 {
			t.Errorf("Q %v has more than 2 decimals", o.Q)
		}
		if l.DepthAtLimit < l.Size || l.Tick == 0 || !l.Limit.OnGrid(l.Tick) {
			t.Errorf("leg %d depth %v tick %v", i, l.DepthAtLimit, l.Tick)
		}
		cost += l.Cost
		fees += l.Fee
	}
	if cost+fees != o.Cost || fees != o.Fees || o.Proceeds-o.Cost != o.Edge {
		t.Errorf("totals inconsistent: %+v", *o)
	}
}

// TestCentLot checks the cent lot against its definition for every price
// on the finest grids and some off-grid ones: the smallest Q (a multiple
// of 0.01 share) with Q × p a whole number of cents.
func TestCentLot(t *testing.T) {
	gcd := func(a, b int64) int64 {
		for b != 0 {
			a, b = b, a%b
		}
		return a
	}
	step := book.Price(100) // every price of the 0.0001 grid
	if testing.Short() {
		step = 700
	}
	for p := book.Price(0); p <= book.One; p += step {
		a, b := centLotExp(p)
		lot := int64(pow2[a] * pow5[b])
		want := int64(0)
		for q := int64(10_000); ; q += 10_000 {
			if q*int64(p)%10_000_000_000 == 0 {
				want = q
				break
			}
		}
		if lot != want {
			t.Fatalf("p=%v: lot %d, want %d", p, lot, want)
		}
	}
	// Off-grid micro prices: against lcm(1e4, 1e10/gcd(p, 1e10)).
	for p := book.Price(1); p <= book.One; p += 37 {
		a, b := centLotExp(p)
		l := 10_000_000_000 / gcd(int64(p), 10_000_000_000)
		want := l / gcd(l, 10_000) * 10_000
		if got := int64(pow2[a] * pow5[b]); got != want {
			t.Fatalf("p=%v: lot %d, want %d", p, got, want)
		}
	}
	// Hand-checked: 0.47 → 1 share, 0.5 → 0.02, 0.473 → 10, 0.4731 → 100, 0.032 → 1.25.
	for _, c := range []struct {
		p   book.Price
		lot int64
	}{{470_000, 1_000_000}, {500_000, 20_000}, {473_000, 10_000_000}, {473_100, 100_000_000}, {32_000, 1_250_000}} {
		a, b := centLotExp(c.p)
		if got := int64(pow2[a] * pow5[b]); got != c.lot {
			t.Errorf("p=%v lot %d, want %d", c.p, got, c.lot)
		}
	}
}

// TestLegDetail: every field of the legs of one hand-sized opportunity
// (A: 10 @ 0.40 + 10 @ 0.45 of 50; B: 20 @ 0.50, its 0.58 level untouched).
func TestLegDetail(t *testing.T) {
	legs := []legSpec{{tick: book.Tick0_001, asks: []string{"0.40:10", "0.45:50"}}, {asks: []string{"0.50:20", "0.58:100"}}}
	f := build(t, DefaultConfig(), legs, basket(2))
	f.s.SetTime(777)
	var o Opportunity
	if r := f.s.Evaluate(0, &o); r != OK {
		t.Fatalf("reason %v", r)
	}
	want := []Leg{
		{Asset: 0, Limit: 450_000, Epoch: f.books[0].Epoch(), Tick: book.Tick0_001, Levels: 2, Size: 20 * share,
			Amount: 9_000_000, Cost: 8_500_000, DepthAtLimit: 60 * share},
		{Asset: 1, Limit: 500_000, Epoch: f.books[1].Epoch(), Tick: book.Tick0_01, Levels: 1, Size: 20 * share,
			Amount: 10_000_000, Cost: 10_000_000, DepthAtLimit: 20 * share},
	}
	for i, w := range want {
		if o.Legs[i] != w {
			t.Errorf("leg %d: %+v\nwant    %+v", i, o.Legs[i], w)
		}
	}
	if o.TS != 777 || o.Group != 0 || o.Kind != YesBasket || o.N != 2 || o.Payout != book.Scale || o.Proceeds != 20_000_000 {
		t.Errorf("header %+v", o)
	}
}

// TestSpendAllTop: the reserve against math/big, on both the 64-bit and
// the 128-bit paths.
func TestSpendAllTop(t *testing.T) {
	// Hand-checked: 10 shares at 0.40 before a 12-share level at 0.45:
	// saved 10×0.45 − 4 = 0.5 → 1.111112 shares → top 22 − 1.111112.
	if got := spendAllTop(10*int64(share), 10*int64(share)*400_000, 450_000, 12*share); got != 20_888_888 {
		t.Fatalf("top %d, want 20888888", got)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for i := 0; i < 20000; i++ {
		p := book.Price(1 + rng.IntN(book.Scale))
		var before int64
		if i%2 == 0 {
			before = rng.Int64N(1 << 43)
		} else {
			before = (1 << 43) + rng.Int64N(1<<50)
		}
		// spent: before shares at prices ≤ p
		avg := int64(rng.IntN(int(p)) + 1)
		spentBig := new(big.Int).Mul(big.NewInt(before), big.NewInt(avg))
		if !spentBig.IsInt64() {
			continue
		}
		spent := spentBig.Int64()
		size := book.Size(rng.Int64N(1 << 40))
		saved := new(big.Int).Sub(new(big.Int).Mul(big.NewInt(before), big.NewInt(int64(p))), spentBig)
		q, r := new(big.Int).QuoRem(saved, big.NewInt(int64(p)), new(big.Int))
		if r.Sign() > 0 {
			q.Add(q, big.NewInt(1))
		}
		want := before + int64(size) - q.Int64()
		if got := spendAllTop(before, spent, p, size); got != want {
			t.Fatalf("before %d spent %d p %d size %d: %d, want %d", before, spent, p, size, got, want)
		}
	}
}
