package sim

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/hotpath/hotpath/book"
)

func sha1hex(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestHashImplementationsAgree cross-checks the book package's hash with
// the sim's own preimage writer on random books, every layout and tick.
func TestHashImplementationsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 300; i++ {
		tick := []book.Tick{book.Tick0_1, book.Tick0_01, book.Tick0_005, book.Tick0_0025, book.Tick0_001, book.Tick0_0001}[rng.IntN(6)]
		m := &Market{ConditionID: "0xabc", YesToken: "1", NoToken: "2", Tick: tick, MinSize: book.Size(rng.IntN(10)+1) * book.OneShare,
			NegRisk: rng.IntN(2) == 0, hasTrade: rng.IntN(2) == 0, lastTrade: book.Price(tick) * book.Price(1+rng.IntN(5))}
		n := int(book.Scale/tick) - 1
		var bids, asks []Level
		mid := 1 + rng.IntN(n)
		for p := mid - 1; p >= 1 && len(bids) < 8; p -= 1 + rng.IntN(3) {
			bids = append(bids, Level{book.Price(p) * book.Price(tick), book.Size(1+rng.IntN(1e9)) * 10})
		}
		for p := mid + 1; p <= n && len(asks) < 8; p += 1 + rng.IntN(3) {
			asks = append(asks, Level{book.Price(p) * book.Price(tick), book.Size(1+rng.IntN(1e9)) * 10})
		}
		for _, l := range []HashLayout{Hash6, Hash9, Hash10} {
			tok := []string{"1", "2"}[rng.IntN(2)]
			a := (&hasher{}).hash(l, m, tok, bids, asks, 1757908892351)
			b := ownHash(l, m, tok, bids, asks, 1757908892351)
			if a != b {
				t.Fatalf("layout %d tick %v: book %s, sim %s\n%s", l, tick, a, b, appendBookJSON(nil, l, m, tok, bids, asks, 1757908892351, ""))
			}
		}
	}
}

// TestHashFixture checks the sim's writer on the real 2025-10 capture
// (protocol.md §2.6): the first REST /book of polypy's messages_hash.txt.
func TestHashFixture(t *testing.T) {
	const path = "testdata/polypy_rest_book.json"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var bk struct {
		Market, Hash string
		Timestamp    json.Number // polypy stored it as a number; the venue sends a string
		AssetID      string      `json:"asset_id"`
		Bids, Asks   []struct{ Price, Size string }
		MinOrderSize string `json:"min_order_size"`
		TickSize     string `json:"tick_size"`
		NegRisk      bool   `json:"neg_risk"`
	}
	if err := json.Unmarshal(data, &bk); err != nil {
		t.Fatal(err)
	}
	tick, _ := book.ParseTick([]byte(bk.TickSize))
	ms, _ := book.ParseSize([]byte(bk.MinOrderSize))
	m := &Market{ConditionID: bk.Market, YesToken: bk.AssetID, NoToken: "x", Tick: tick, MinSize: ms, NegRisk: bk.NegRisk}
	conv := func(in []struct{ Price, Size string }) []Level {
		var out []Level
		for _, l := range in {
			p, _ := book.ParsePrice([]byte(l.Price))
			s, _ := book.ParseSize([]byte(l.Size))
			out = append(out, Level{p, s})
		}
		// wire order is best last; Levels are best first
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
		return out
	}
	ts, _ := strconv.ParseInt(bk.Timestamp.String(), 10, 64)
	bids, asks := conv(bk.Bids), conv(bk.Asks)
	if got := ownHash(Hash9, m, bk.AssetID, bids, asks, ts); got != bk.Hash {
		t.Fatalf("sim hash %s, venue %s", got, bk.Hash)
	}
	if got := (&hasher{}).hash(Hash9, m, bk.AssetID, bids, asks, ts); got != bk.Hash {
		t.Fatalf("book hash %s, venue %s", got, bk.Hash)
	}
}
