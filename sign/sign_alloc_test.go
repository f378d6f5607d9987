//go:build !race

package sign

import (
	"testing"

	"github.com/hotpath/hotpath/book"
)

func TestAllocs(t *testing.T) {
	e, _ := ExchangeFor(137, 2, true, nil)
	s := testSigner(t)
	o := Order{Salt: 1, Maker: s.Address(), Signer: s.Address(), TokenID: testLegs(t)[0].TokenID, MakerAmount: 3_300_000, TakerAmount: 10_000_000, Timestamp: 1}
	sig, _ := s.SignOrder(e, &o, nil)
	env := Envelope{Owner: "00000000-0000-0000-0000-000000000000", OrderType: FOK}
	buf := make([]byte, 0, 4096)
	l2, _ := NewL2Signer("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	sigBuf := make([]byte, 0, L2SigLen)
	id := o.TokenID
	f := newHitFixture(t)
	cases := []struct {
		name string
		fn   func()
	}{
		{"Digest", func() { o.Salt++; _ = e.Digest(&o) }},
		{"StructHash", func() { _ = StructHash(&o) }},
		{"ExchangeFor", func() { _, _ = ExchangeFor(80002, 2, false, &id) }},
		{"AppendEnvelopeJSON", func() { buf = AppendEnvelopeJSON(buf[:0], &o, sig, &env) }},
		{"AppendTokenID", func() { buf = AppendTokenID(buf[:0], &id) }},
		{"L2 AppendSignature", func() { sigBuf = l2.AppendSignature(sigBuf[:0], []byte("1700000000"), "POST", "/orders", buf) }},
		{"LimitAmounts", func() { _, _, _ = LimitAmounts(Buy, 330_000, 10_000_000, book.Tick0_01) }},
		{"MarketBuyAmounts", func() { _, _, _ = MarketBuyAmounts(330_000, 10_000_000, book.Tick0_01) }},
		{"TemplateHit", func() { f.hit(t); f.putBack() }},
		{"TemplateMiss", func() { _ = f.p.Take(7, 330_000, 10_000_000, f.now) }},
	}
	for _, c := range cases {
		c.fn() // warm pools and buffers
		if n := testing.AllocsPerRun(200, c.fn); n != 0 {
			t.Errorf("%s: %v allocs/op, want 0", c.name, n)
		}
	}
}
