package sign

import (
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/hotpath/hotpath/book"
)

func testLegs(t testing.TB) []HotLeg {
	return []HotLeg{
		{Asset: 0, TokenID: mustTokenID(t, "71321045679252212594626385532706912750332728571942532289631379312455583992563"), Ask: 330_000, Tick: book.Tick0_01, NegRisk: true},
		{Asset: 1, TokenID: mustTokenID(t, "52114319501245915516055106046884209969926127482827954674443846427813813222426"), Ask: 250_000, Tick: book.Tick0_01, NegRisk: true},
		{Asset: 2, TokenID: mustTokenID(t, "1234"), Ask: 401_000, Tick: book.Tick0_001, NegRisk: false}, // Protocol-V2 position: V3
	}
}

func testPool(t testing.TB, sigType uint8) *Pool {
	t.Helper()
	cfg := TemplateConfig{Signer: testSigner(t), ChainID: 137, CLOBVersion: 2, SignatureType: sigType,
		Owner: "00000000-0000-0000-0000-000000000000", TicksBelow: 2, Shares: []book.Size{5_000_000, 10_000_000},
		MaxAge: time.Minute, MaxAssets: 8}
	if sigType != SigEOA {
		cfg.Funder = common.HexToAddress("0x995c9b1f779c04e65AF8ea3360F96c43b5e62316")
	}
	p, err := NewPool(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPoolTemplates(t *testing.T) {
	for _, st := range []uint8{SigEOA, SigPoly1271} {
		p := testPool(t, st)
		legs := testLegs(t)
		if err := p.Apply(PoolEvent{Entered: true, Legs: legs}); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		n, err := p.Refill(now)
		if err != nil {
			t.Fatal(err)
		}
		if n != 3*3*2 {
			t.Fatalf("signed %d templates, want 18", n)
		}
		salts := map[uint64]bool{}
		for _, leg := range legs {
			e, _ := ExchangeFor(137, 2, leg.NegRisk, &leg.TokenID)
			for i := 0; i <= 2; i++ {
				price := leg.Ask - book.Price(i)*book.Price(leg.Tick)
				for _, sh := range []book.Size{5_000_000, 10_000_000} {
					tpl := p.Take(leg.Asset, price, sh, now.UnixNano())
					if tpl == nil {
						t.Fatalf("miss for %d %s %s", leg.Asset, price, sh)
					}
					if p.Take(leg.Asset, price, sh, now.UnixNano()) != nil {
						t.Fatal("template handed out twice")
					}
					o := &tpl.Order
					if salts[o.Salt] || o.Salt > MaxSalt {
						t.Fatalf("salt %d reused or too big", o.Salt)
					}
					salts[o.Salt] = true
					wantM, wantT, _ := MarketBuyAmounts(price, sh, leg.Tick)
					if o.MakerAmount != wantM || o.TakerAmount != wantT || o.Side != Buy || o.TokenID != leg.TokenID {
						t.Fatalf("order %+v", o)
					}
					if d := e.Digest(o); d != tpl.OrderHash {
						t.Fatal("order hash is not the digest under the routed exchange")
					}
					// The envelope is exactly AppendEnvelopeJSON of its order, and its
					// signature recovers to the key.
					var env struct {
						Order            struct{ Signature string }
						Owner, OrderType string
					}
					if err := json.Unmarshal(tpl.Envelope, &env); err != nil {
						t.Fatal(err)
					}
					sig := common.FromHex(env.Order.Signature)
					if who, err := RecoverOrderSigner(e, o, sig); err != nil || who != testSigner(t).Address() {
						t.Fatalf("recover %s %v", who.Hex(), err)
					}
					if string(AppendEnvelopeJSON(nil, o, sig, &Envelope{Owner: env.Owner, OrderType: FOK})) != string(tpl.Envelope) || env.OrderType != FOK {
						t.Fatal("envelope mismatch")
					}
				}
			}
			if p.Take(leg.Asset, leg.Ask+book.Price(leg.Tick), 5_000_000, now.UnixNano()) != nil {
				t.Fatal("hit above the ask")
			}
		}
		st := p.Stats()
		if st.Hits != 18 || st.Signed != 18 {
			t.Fatalf("stats %+v", st)
		}
	}
}

func TestPoolInvalidation(t *testing.T) {
	p := testPool(t, SigEOA)
	legs := testLegs(t)[:1]
	_ = p.Apply(PoolEvent{Entered: true, Legs: legs})
	now := time.Now()
	_, _ = p.Refill(now)
	ask := legs[0].Ask
	take := func(at time.Time) *Template { return p.Take(0, ask, 5_000_000, at.UnixNano()) }

	// Age.
	if take(now.Add(2*time.Minute)) != nil {
		t.Fatal("expired template handed out")
	}
	_, _ = p.Refill(now)
	// Version/fee change.
	p.InvalidateAll()
	if take(now) != nil {
		t.Fatal("template from an old epoch handed out")
	}
	n, _ := p.Refill(now)
	if n != 6 {
		t.Fatalf("refill after InvalidateAll signed %d, want 6 (all)", n)
	}
	// Balance.
	p.SetBalance(1_000_000) // 1 USDC < 5 shares × 0.33
	if take(now) != nil {
		t.Fatal("template beyond the balance handed out")
	}
	p.SetBalance(-1)
	_, _ = p.Refill(now)
	// Ask moves one tick down: the two surviving prices carry over, one is new.
	moved := legs[0]
	moved.Ask -= book.Price(moved.Tick)
	_ = p.Apply(PoolEvent{Entered: true, Legs: []HotLeg{moved}})
	if tpl := p.Take(0, moved.Ask, 5_000_000, now.UnixNano()); tpl == nil {
		t.Fatal("carried-over template missing")
	}
	if p.Take(0, ask, 5_000_000, now.UnixNano()) != nil {
		t.Fatal("price above the new ask still served")
	}
	// Tick change retires everything.
	_, _ = p.Refill(now)
	ticked := moved
	ticked.Tick = book.Tick0_001
	_ = p.Apply(PoolEvent{Entered: true, Legs: []HotLeg{ticked}})
	if p.Take(0, moved.Ask, 5_000_000, now.UnixNano()) != nil {
		t.Fatal("template from the old tick size served")
	}
	n, _ = p.Refill(now)
	if n != 6 {
		t.Fatalf("after tick change signed %d", n)
	}
	// Leaving the pool.
	_ = p.Apply(PoolEvent{Entered: false, Legs: []HotLeg{ticked}})
	if p.Take(0, ticked.Ask, 5_000_000, now.UnixNano()) != nil {
		t.Fatal("template after leaving served")
	}
	// Miss: sign on the spot.
	tpl, err := p.SignNow(&ticked, ticked.Ask, 7_000_000, now)
	if err != nil || tpl == nil || tpl.Shares != 7_000_000 {
		t.Fatalf("SignNow %v", err)
	}
	before := p.Stats()
	if tpl, hit, err := p.TakeOrSign(&ticked, ticked.Ask, 5_000_000, now); err != nil || hit || tpl == nil {
		t.Fatalf("TakeOrSign after leaving: hit %v err %v", hit, err)
	}
	if p.Stats().Misses != before.Misses+1 {
		t.Fatal("miss not counted")
	}
	_ = p.Apply(PoolEvent{Entered: true, Legs: []HotLeg{ticked}})
	_, _ = p.Refill(now)
	if tpl, hit, err := p.TakeOrSign(&ticked, ticked.Ask, 5_000_000, now); err != nil || !hit || tpl == nil {
		t.Fatalf("TakeOrSign on a hot leg: hit %v err %v", hit, err)
	}
	st := p.Stats()
	if st.Misses == 0 || st.Stale == 0 {
		t.Fatalf("stats %+v", st)
	}
	if err := p.Apply(PoolEvent{Entered: true, Legs: []HotLeg{{Asset: 99, Tick: book.Tick0_01, Ask: 500_000}}}); err != ErrAssetRange {
		t.Fatal(err)
	}
}

// One cold goroutine refilling while one hot goroutine takes: no template is
// ever handed out twice.
func TestPoolConcurrentSingleUse(t *testing.T) {
	p := testPool(t, SigEOA)
	legs := testLegs(t)
	_ = p.Apply(PoolEvent{Entered: true, Legs: legs})
	_, _ = p.Refill(time.Now())
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			if _, err := p.Refill(time.Now()); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(100 * time.Microsecond)
		}
	}()
	seen := map[*Template]bool{}
	salts := map[uint64]bool{}
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		for _, leg := range legs {
			tpl := p.Take(leg.Asset, leg.Ask, 10_000_000, time.Now().UnixNano())
			if tpl == nil {
				continue
			}
			if seen[tpl] || salts[tpl.Order.Salt] {
				t.Fatal("template handed out twice")
			}
			seen[tpl], salts[tpl.Order.Salt] = true, true
		}
		time.Sleep(50 * time.Microsecond)
	}
	stop.Store(true)
	wg.Wait()
	if len(seen) < 3 {
		t.Fatalf("only %d templates taken", len(seen))
	}
}

func TestBatch(t *testing.T) {
	p := testPool(t, SigEOA)
	legs := testLegs(t)
	_ = p.Apply(PoolEvent{Entered: true, Legs: legs})
	now := time.Now()
	_, _ = p.Refill(now)
	l2, _ := NewL2Signer("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	b := NewBatch()
	for round := 0; round < 2; round++ {
		b.Reset()
		for _, leg := range legs {
			if err := b.Add(p.Take(leg.Asset, leg.Ask-book.Price(round)*book.Price(leg.Tick), 5_000_000, now.UnixNano())); err != nil {
				t.Fatal(err)
			}
		}
		b.Finish(l2, "/orders", 1700000000)
		var arr []map[string]any
		if err := json.Unmarshal(b.Body, &arr); err != nil || len(arr) != 3 {
			t.Fatalf("body %s: %v", b.Body, err)
		}
		want, _ := L2Signature("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "1700000000", "POST", "/orders", b.Body)
		if string(b.Signature) != want || string(b.Timestamp) != "1700000000" || b.N != 3 {
			t.Fatalf("signature %s want %s", b.Signature, want)
		}
	}
	b.Reset()
	for i := 0; i < MaxBatch; i++ {
		_ = b.Add(&Template{Envelope: []byte("{}")})
	}
	if b.Add(&Template{Envelope: []byte("{}")}) != ErrBatchFull {
		t.Fatal("16th order accepted")
	}
}
