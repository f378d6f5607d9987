package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/feed"
	"github.com/hotpath/hotpath/sign"
)

func testMarket(t testing.TB) *Market {
	t.Helper()
	m, err := NewMarket(MarketConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func testPipeline(t testing.TB, m *Market, replay bool) *Pipeline {
	t.Helper()
	p, err := NewPipeline(PipelineConfig{Market: m, Replay: replay})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Warm(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMarketShape(t *testing.T) {
	m := testMarket(t)
	if len(m.Events) != 8 {
		t.Fatalf("%d events", len(m.Events))
	}
	for e, ev := range m.Events {
		if n := len(ev.Legs); n < 3 || n > 10 {
			t.Fatalf("event %d has %d outcomes", e, n)
		}
	}
	if len(m.Snapshots) != m.Reg.Len() || len(m.Trades) != len(m.Events) || len(m.Cycle) != len(m.Noise)+2*len(m.Trades) {
		t.Fatalf("snapshots %d assets %d trades %d cycle %d noise %d", len(m.Snapshots), m.Reg.Len(), len(m.Trades), len(m.Cycle), len(m.Noise))
	}
	var total int
	for _, f := range m.Cycle {
		total += len(f.Msg)
		var v struct {
			EventType    string `json:"event_type"`
			PriceChanges []struct {
				AssetID, Price, Size, Side, Hash, BestBid, BestAsk string
			} `json:"price_changes"`
		}
		if err := json.Unmarshal(f.Msg, &v); err != nil || v.EventType != "price_change" || len(v.PriceChanges) != 1 || len(v.PriceChanges[0].Hash) != 40 {
			t.Fatalf("frame %s: %v", f.Msg, err)
		}
	}
	if avg := total / len(m.Cycle); avg < 280 || avg > 380 {
		t.Fatalf("average price_change size %d bytes, want ~300", avg)
	}
	again := testMarket(t)
	for i := range m.Cycle {
		if !bytes.Equal(m.Cycle[i].Msg, again.Cycle[i].Msg) {
			t.Fatal("generation is not deterministic")
		}
	}
}

// TestPipelineTradesExactlyTheDips runs the cycle three times: every dip
// frame writes one basket of every leg of its event, no other frame writes
// anything, every hash of a hot book is checked and matches, no book is
// excluded and no template is missed.
func TestPipelineTradesExactlyTheDips(t *testing.T) {
	m := testMarket(t)
	p := testPipeline(t, m, true)
	signer, _ := sign.NewSigner(TestKey)
	for round := 0; round < 3; round++ {
		for i, f := range m.Cycle {
			n := p.Frame(f.Msg)
			want := 0
			if f.Trade {
				want = 1
			}
			if n != want {
				t.Fatalf("round %d frame %d (trade %v): %d baskets, stats %+v, reasons %v", round, i, f.Trade, n, p.Stats, p.Scanner().Stats.Reasons)
			}
			if f.Trade && round == 0 {
				checkRequest(t, m, f, p.req, signer.Address())
			}
		}
	}
	st := p.Stats
	if st.Trades != uint64(3*len(m.Trades)) || st.Misses != 0 || st.RestoreFailed != 0 || st.BelowLadder != 0 {
		t.Fatalf("stats %+v", st)
	}
	in := p.Integrity().Stats()
	if in.HashMismatch != 0 || in.HashChecks() == 0 || in.DeltasIgnored != 0 {
		t.Fatalf("integrity %+v", in)
	}
	for x, n := range in.Exclusions {
		if n != 0 {
			t.Fatalf("exclusion %s: %d", feed.Exclusion(x), n)
		}
	}
	if p.PoolEvents().Len() != 0 || p.Scanner().Stats.PoolDropped != 0 {
		t.Fatal("the cycle churned the near-miss pool")
	}
}

// checkRequest parses the request bytes as HTTP and checks the basket: one
// FOK BUY per leg of the event at the leg's ask (the dipped leg at the dip),
// 50 shares each, signed by the key, L2 signature over the body.
func checkRequest(t *testing.T, m *Market, f Frame, raw []byte, addr common.Address) {
	t.Helper()
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	if req.Method != "POST" || req.URL.Path != "/orders" || req.Header.Get(sign.HeaderAddress) != addr.Hex() {
		t.Fatalf("request %s %s %v", req.Method, req.URL, req.Header)
	}
	want, err := sign.L2Signature(TestSecret, req.Header.Get(sign.HeaderTimestamp), "POST", "/orders", body)
	if err != nil || req.Header.Get(sign.HeaderSignature) != want {
		t.Fatalf("L2 signature %q want %q (%v)", req.Header.Get(sign.HeaderSignature), want, err)
	}
	var orders []struct {
		Order struct {
			TokenID     string `json:"tokenId"`
			MakerAmount string `json:"makerAmount"`
			TakerAmount string `json:"takerAmount"`
			Side        string `json:"side"`
			Signature   string `json:"signature"`
		} `json:"order"`
		Owner     string `json:"owner"`
		OrderType string `json:"orderType"`
	}
	if err := json.Unmarshal(body, &orders); err != nil {
		t.Fatal(err)
	}
	legs := m.Events[f.Event].Legs
	if len(orders) != len(legs) {
		t.Fatalf("%d orders for %d legs", len(orders), len(legs))
	}
	for i, o := range orders {
		a := legs[i]
		info := m.Reg.Info(a)
		limit := f.DipPrice
		if a != f.DipAsset {
			limit = snapshotAsk(t, m, a)
		}
		maker, taker, _ := sign.MarketBuyAmounts(limit, m.DipShares, info.Tick)
		if o.Order.TokenID != info.TokenID || o.Order.Side != "BUY" || o.OrderType != "FOK" || o.Owner != TestAPIKey ||
			o.Order.MakerAmount != strconv.FormatUint(maker, 10) || o.Order.TakerAmount != strconv.FormatUint(taker, 10) {
			t.Fatalf("leg %d: %+v, want limit %s maker %d taker %d", i, o, limit, maker, taker)
		}
	}
}

// snapshotAsk reads an asset's best ask from its snapshot message.
func snapshotAsk(t *testing.T, m *Market, a book.AssetIndex) book.Price {
	var v struct{ Asks []struct{ Price string } }
	if err := json.Unmarshal(m.Snapshots[a], &v); err != nil || len(v.Asks) == 0 {
		t.Fatal(err)
	}
	p, err := book.ParsePrice([]byte(v.Asks[len(v.Asks)-1].Price))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPipelineNoReplaySpendsTemplates(t *testing.T) {
	m := testMarket(t)
	p := testPipeline(t, m, false)
	tr := m.Trades[0]
	if p.Frame(tr[0].Msg) != 1 {
		t.Fatalf("no trade: %+v", p.Stats)
	}
	p.Frame(tr[1].Msg)
	if p.Frame(tr[0].Msg) != 0 || p.Stats.Misses != 1 {
		t.Fatalf("a spent template was used again: %+v", p.Stats)
	}
	if !strings.Contains(string(p.req), "POST /orders HTTP/1.1\r\n") {
		t.Fatal("request line")
	}
}

// TestBaselineTradesTheSameBaskets: the typical bot trades the same frames
// with the same legs, amounts and a valid signature, so the two benchmarks
// do the same work.
func TestBaselineTradesTheSameBaskets(t *testing.T) {
	m := testMarket(t)
	p := testPipeline(t, m, true)
	bl, err := NewBaseline(m, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range m.Snapshots {
		if _, err := bl.Frame(s); err != nil {
			t.Fatal(err)
		}
	}
	ex, _ := sign.ExchangeFor(137, 2, true, nil)
	for i, f := range m.Cycle {
		n, err := bl.Frame(f.Msg)
		if err != nil {
			t.Fatal(err)
		}
		if pn := p.Frame(f.Msg); pn != n {
			t.Fatalf("frame %d: baseline %d baskets, pipeline %d", i, n, pn)
		}
		if n == 0 {
			continue
		}
		opp := p.Opportunity()
		if len(bl.LastOrders) != int(opp.N) {
			t.Fatalf("frame %d: %d orders vs %d legs", i, len(bl.LastOrders), opp.N)
		}
		for j, o := range bl.LastOrders {
			leg := opp.Legs[j]
			maker, taker, _ := sign.MarketBuyAmounts(leg.Limit, m.DipShares, book.Tick0_01)
			bm, _ := strconv.ParseUint(o.MakerAmount, 10, 64)
			bt, _ := strconv.ParseUint(o.TakerAmount, 10, 64)
			// The bot's float rounding may lose a cent (50 × 0.29 = 14.4999…
			// rounds down to 14.49): that is the typical client's behaviour.
			if o.TokenID != m.Reg.Info(leg.Asset).TokenID || maker-bm > 10_000 || taker-bt > 100_000 || bm > maker || bt > taker {
				t.Fatalf("frame %d leg %d: baseline %+v, pipeline limit %s maker %d taker %d", i, j, o, leg.Limit, maker, taker)
			}
			var so sign.Order
			so.Salt = uint64(o.Salt)
			so.Maker = common.HexToAddress(o.Maker)
			so.Signer = so.Maker
			so.TokenID, _ = sign.ParseTokenID(o.TokenID)
			so.MakerAmount, so.TakerAmount = bm, bt
			ts, _ := strconv.ParseUint(o.Timestamp, 10, 64)
			so.Timestamp = ts
			who, err := sign.RecoverOrderSigner(ex, &so, common.FromHex(o.Signature))
			if err != nil || who != so.Maker {
				t.Fatalf("baseline signature recovers to %s (%v)", who.Hex(), err)
			}
		}
	}
	if bl.Trades != len(m.Trades) {
		t.Fatalf("baseline traded %d times, want %d", bl.Trades, len(m.Trades))
	}
}
