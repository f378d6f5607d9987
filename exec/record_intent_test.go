package exec

import (
	"math/rand"
	"strconv"
	"testing"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sign"
)

// appendIntentRef is the intent record written field by field with the
// generic helpers: appendIntent must produce exactly these bytes.
func appendIntentRef(dst []byte, b *basket, from int, x *Executor) []byte {
	dst = append(dst, `{"k":"intent"`...)
	dst = appendUint(dst, "b", b.id)
	dst = appendUint(dst, "g", uint64(b.group))
	dst = appendUint(dst, "kind", uint64(b.kind))
	dst = appendInt(dst, "ev", int64(b.event))
	dst = appendInt(dst, "payout", b.payout)
	dst = appendInt(dst, "q", int64(b.q))
	dst = appendInt(dst, "cost", b.expCost)
	dst = appendInt(dst, "notional", b.notional)
	dst = appendInt(dst, "n", int64(b.nGroup))
	dst = appendBool(dst, "paper", b.paper)
	dst = append(dst, `,"legs":[`...)
	for i := from; i < len(b.legs); i++ {
		l := &b.legs[i]
		if i > from {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"i":`...)
		dst = strconv.AppendUint(dst, uint64(l.idx), 10)
		dst = appendStr(dst, "role", l.role.String())
		dst = appendUint(dst, "a", uint64(l.asset))
		dst = appendStr(dst, "tok", x.tokenStr[l.asset])
		side := "BUY"
		if l.side == sign.Sell {
			side = "SELL"
		}
		dst = appendStr(dst, "side", side)
		typ := "FOK"
		if l.role != roleEntry {
			typ = "FAK"
		}
		dst = appendStr(dst, "type", typ)
		dst = appendUint(dst, "px", uint64(l.limit))
		dst = appendUint(dst, "tick", uint64(l.tick))
		dst = appendInt(dst, "sh", int64(l.shares))
		dst = appendUint(dst, "mk", l.maker)
		dst = appendUint(dst, "tk", l.taker)
		dst = appendHash(dst, "h", &l.hash)
		dst = append(dst, '}')
	}
	return append(dst, ']', '}')
}

// TestAppendIntentExact: random baskets (every role and side, paper or
// not, any starting leg, extreme values, token ids that need escaping)
// give the reference bytes.
func TestAppendIntentExact(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	x := &Executor{tokenStr: []string{"71321045679252212594626385532706912750332728571942532289631379312455583992563", "1", `we"ird\tok`, ""}}
	for it := 0; it < 2000; it++ {
		b := &basket{id: rng.Uint64(), group: rng.Uint32(), kind: scan.Kind(rng.Intn(3)), event: rng.Intn(1<<20) - 5,
			payout: rng.Int63() - 1<<40, q: book.Size(rng.Int63()), nGroup: rng.Intn(20), notional: rng.Int63(), expCost: -rng.Int63(), paper: rng.Intn(2) == 0}
		n := 1 + rng.Intn(5)
		for i := 0; i < n; i++ {
			l := b.newLeg()
			l.idx, l.role, l.side = uint8(rng.Intn(256)), legRole(rng.Intn(3)), uint8(rng.Intn(2))
			l.asset, l.limit, l.tick = book.AssetIndex(rng.Intn(4)), book.Price(rng.Uint32()), book.Tick(rng.Intn(100_000))
			l.shares, l.maker, l.taker = book.Size(rng.Int63()-1<<62), rng.Uint64(), rng.Uint64()
			rng.Read(l.hash[:])
		}
		from := rng.Intn(n + 1)
		got := appendIntent([]byte("x"), b, from, x)
		want := appendIntentRef([]byte("x"), b, from, x)
		if string(got) != string(want) {
			t.Fatalf("intent record:\n got %s\nwant %s", got, want)
		}
	}
}
