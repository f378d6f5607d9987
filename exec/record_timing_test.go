package exec

import "testing"

// BenchmarkAppendIntent: the intent record of a 3-leg basket with real
// 77-digit token ids, journaled before every send (part of hist.Build).
func BenchmarkAppendIntent(b *testing.B) {
	f := newHitFixture(b, 4, nil)
	x := f.x
	for i := range x.tokenStr {
		x.tokenStr[i] = "71321045679252212594626385532706912750332728571942532289631379312455583992563"
	}
	bk := &basket{id: 123456, q: 10_000_000, payout: 1_000_000, expCost: 9_300_000, notional: 9_300_000, nGroup: 3}
	for i := 0; i < 3; i++ {
		l := bk.newLeg()
		l.idx, l.asset, l.limit, l.tick, l.shares = uint8(i), 0, 310_000, 10_000, 10_000_000
		l.maker, l.taker = 3_100_000, 10_000_000
		l.hash[0], l.hash[31] = byte(i), 0xfe
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x.jbuf = appendIntent(x.jbuf[:0], bk, 0, x)
	}
	b.SetBytes(int64(len(x.jbuf)))
}
