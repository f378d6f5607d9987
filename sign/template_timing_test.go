package sign

import (
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
)

// hitFixture is a pool with templates for three legs at their asks, the slots
// those templates live in (so the benchmark can put them back after each
// use: taking a template is single-use by design), an L2 signer and a batch.
type hitFixture struct {
	p     *Pool
	legs  []HotLeg
	tpls  []*Template
	slots []*slotRef
	l2    *L2Signer
	b     *Batch
	now   int64
}

type slotRef struct {
	table *assetTable
	idx   int
}

func newHitFixture(tb testing.TB) *hitFixture {
	p := testPool(tb, SigEOA)
	legs := testLegs(tb)
	if err := p.Apply(PoolEvent{Entered: true, Legs: legs}); err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	if _, err := p.Refill(now); err != nil {
		tb.Fatal(err)
	}
	f := &hitFixture{p: p, legs: legs, now: now.UnixNano(), b: NewBatch()}
	f.l2, _ = NewL2Signer("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	for _, leg := range legs {
		t := p.tables[leg.Asset].Load()
		// the slot of (ask, 10 shares, k=0): price index 0, shares index 1
		idx := (0*len(p.cfg.Shares) + 1) * p.cfg.PerKey
		f.slots = append(f.slots, &slotRef{t, idx})
		f.tpls = append(f.tpls, t.slots[idx].Load())
	}
	return f
}

// hit is the hot path of one opportunity: take each leg's template, append
// its envelope to the batch body, compute the L2 HMAC and header values.
func (f *hitFixture) hit(tb testing.TB) {
	f.b.Reset()
	for i := range f.legs {
		tpl := f.p.Take(f.legs[i].Asset, f.legs[i].Ask, 10_000_000, f.now)
		if tpl == nil {
			tb.Fatal("miss")
		}
		_ = f.b.Add(tpl)
	}
	f.b.Finish(f.l2, "/orders", 1_700_000_000)
}

// putBack republishes the taken templates (benchmark plumbing only; a real
// pool never hands a template out twice).
func (f *hitFixture) putBack() {
	for i, s := range f.slots {
		s.table.slots[s.idx].Store(f.tpls[i])
	}
}

// BenchmarkTemplateHit: opportunity (3 legs) → complete request bytes (body +
// L2 headers) ready, template hit. Includes republishing the 3 templates
// (3 atomic stores).
func BenchmarkTemplateHit(b *testing.B) {
	f := newHitFixture(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.hit(b)
		f.putBack()
	}
	b.SetBytes(int64(len(f.b.Body)))
}

// BenchmarkSignOrder: one order signed from scratch (digest + secp256k1), the
// miss path, for the ratio against BenchmarkTemplateHit.
func BenchmarkSignOrder(b *testing.B) {
	s := testSigner(b)
	e, _ := ExchangeFor(137, 2, true, nil)
	o := Order{Salt: 1, Maker: s.Address(), Signer: s.Address(), TokenID: testLegs(b)[0].TokenID,
		MakerAmount: 3_300_000, TakerAmount: 10_000_000, Timestamp: 1_700_000_000_000}
	sig := make([]byte, 0, Poly1271Len)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o.Salt++
		var err error
		if sig, err = s.SignOrder(e, &o, sig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignTemplate: a whole template (amounts, digest, signature,
// envelope JSON), what the cold side pays per template.
func BenchmarkSignTemplate(b *testing.B) {
	p := testPool(b, SigEOA)
	leg := testLegs(b)[0]
	_ = p.Apply(PoolEvent{Entered: true, Legs: []HotLeg{leg}})
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.SignNow(&leg, leg.Ask, book.Size(5_000_000), now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDigest(b *testing.B) {
	e, _ := ExchangeFor(137, 2, true, nil)
	o := Order{Salt: 1, TokenID: testLegs(b)[0].TokenID, MakerAmount: 3_300_000, TakerAmount: 10_000_000, Timestamp: 1_700_000_000_000}
	b.ReportAllocs()
	b.ResetTimer()
	var sink byte
	for i := 0; i < b.N; i++ {
		o.Salt++
		d := e.Digest(&o)
		sink ^= d[0]
	}
	_ = sink
}

func BenchmarkL2HMAC(b *testing.B) {
	l2, _ := NewL2Signer("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	f := newHitFixture(b)
	f.hit(b)
	body := append([]byte(nil), f.b.Body...) // a real 3-order body (~2 KB)
	dst := make([]byte, 0, L2SigLen)
	ts := []byte("1700000000")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dst = l2.AppendSignature(dst[:0], ts, "POST", "/orders", body)
	}
}

func BenchmarkOfficialAmounts(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, _, _ = OfficialMarketAmounts(Buy, 949.9971, 0.39, book.Tick0_01)
	}
}

func BenchmarkMarketBuyAmounts(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, _, _ = MarketBuyAmounts(390_000, 2_435_890_000, book.Tick0_01)
	}
}
