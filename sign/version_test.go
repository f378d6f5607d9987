package sign

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// checkSignedFor fails unless tpl is an order signed for CLOB version v:
// its hash is the digest under v's exchange for its leg and its signature
// recovers to the key under that exchange.
func checkSignedFor(t *testing.T, tpl *Template, leg HotLeg, v int) {
	t.Helper()
	e, err := ExchangeFor(137, v, leg.NegRisk, &leg.TokenID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Digest(&tpl.Order) != tpl.OrderHash {
		t.Fatalf("asset %d: order hash is not the digest under the version-%d exchange", leg.Asset, v)
	}
	var env struct{ Order struct{ Signature string } }
	if err := json.Unmarshal(tpl.Envelope, &env); err != nil {
		t.Fatal(err)
	}
	if who, err := RecoverOrderSigner(e, &tpl.Order, common.FromHex(env.Order.Signature)); err != nil || who != testSigner(t).Address() {
		t.Fatalf("asset %d: signature does not recover under version %d: %s %v", leg.Asset, v, who.Hex(), err)
	}
}

// TestPoolSetVersion: after SetVersion every template signed for the old
// version is refused at once (counted stale), the next refill lays the legs
// out for the new version's exchanges and re-signs them, and the pool keeps
// serving hits. A version it cannot sign for (1, unknown) is refused and
// changes nothing; the current version is a no-op.
func TestPoolSetVersion(t *testing.T) {
	p := testPool(t, SigEOA)
	legs := testLegs(t)
	if err := p.Apply(PoolEvent{Entered: true, Legs: legs}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := p.Refill(now); err != nil {
		t.Fatal(err)
	}
	if p.Version() != 2 {
		t.Fatalf("Version = %d", p.Version())
	}
	if err := p.SetVersion(2); err != nil {
		t.Fatal(err)
	}
	tpl := p.Take(legs[0].Asset, legs[0].Ask, 5_000_000, now.UnixNano())
	if tpl == nil {
		t.Fatal("SetVersion to the current version retired templates")
	}
	checkSignedFor(t, tpl, legs[0], 2)

	if err := p.SetVersion(7); err == nil || p.Version() != 2 {
		t.Fatalf("SetVersion(7): %v, version %d", err, p.Version())
	}

	if err := p.SetVersion(3); err != nil {
		t.Fatal(err)
	}
	stale := p.Stats().Stale
	for _, leg := range legs {
		if p.Take(leg.Asset, leg.Ask, 10_000_000, now.UnixNano()) != nil {
			t.Fatalf("asset %d: a version-2 template was handed out after SetVersion(3)", leg.Asset)
		}
	}
	if got := p.Stats().Stale - stale; got != 3 {
		t.Fatalf("%d stale, want 3", got)
	}
	if _, err := p.Refill(now); err != nil {
		t.Fatal(err)
	}
	for _, leg := range legs {
		tpl := p.Take(leg.Asset, leg.Ask, 10_000_000, now.UnixNano())
		if tpl == nil {
			t.Fatalf("asset %d: no template after the refill at version 3", leg.Asset)
		}
		checkSignedFor(t, tpl, leg, 3)
	}

	// Version 1 orders cannot be signed (reference only): refused, nothing
	// changes.
	if err := p.SetVersion(1); err != ErrPoolVersion || p.Version() != 3 {
		t.Fatalf("SetVersion(1): %v, version %d", err, p.Version())
	}
	// SignNow follows the version too.
	if err := p.SetVersion(2); err != nil {
		t.Fatal(err)
	}
	tpl, err := p.SignNow(&legs[2], legs[2].Ask, 5_000_000, now)
	if err != nil {
		t.Fatal(err)
	}
	checkSignedFor(t, tpl, legs[2], 2)
	tpl, err = p.SignNow(&legs[0], legs[0].Ask, 5_000_000, now)
	if err != nil {
		t.Fatal(err)
	}
	checkSignedFor(t, tpl, legs[0], 2)
}

// TestPoolSetVersionConcurrent: SetVersion from another goroutine while the
// cold side refills: a template Take hands out after the version settled is
// always signed for it (run with -race).
func TestPoolSetVersionConcurrent(t *testing.T) {
	p := testPool(t, SigEOA)
	legs := testLegs(t)[:2]
	if err := p.Apply(PoolEvent{Entered: true, Legs: legs}); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the cold side
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := p.Refill(time.Now()); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(50 * time.Microsecond)
		}
	}()
	defer func() { close(stop); wg.Wait() }()
	rounds := 6
	if testing.Short() {
		rounds = 3
	}
	for r := 0; r < rounds; r++ {
		v := 2 + r%2
		// From another goroutine, but finished before the round goes on: a
		// call left running from an earlier round could otherwise land
		// late and flip the version back under this one.
		done := make(chan error, 1)
		go func() { done <- p.SetVersion(v) }()
		if err := <-done; err != nil {
			t.Fatalf("round %d: SetVersion(%d): %v", r, v, err)
		}
		deadline := time.Now().Add(10 * time.Second)
		if got := p.Version(); got != v {
			t.Fatalf("round %d: version %d after SetVersion(%d)", r, got, v)
		}
		for _, leg := range legs {
			var tpl *Template
			for tpl == nil {
				if time.Now().After(deadline) {
					t.Fatalf("round %d: no template at version %d", r, v)
				}
				tpl = p.Take(leg.Asset, leg.Ask, 5_000_000, time.Now().UnixNano())
				if tpl == nil {
					time.Sleep(20 * time.Microsecond)
				}
			}
			checkSignedFor(t, tpl, leg, v)
		}
	}
}
