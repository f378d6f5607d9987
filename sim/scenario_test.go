package sim

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
)

func TestDemoScenarioShape(t *testing.T) {
	sc, err := LoadScenario("demo")
	if err != nil {
		t.Fatal(err)
	}
	b, err := sc.build(sc.Seed)
	if err != nil {
		t.Fatal(err)
	}
	assets, aug, fee, free := 0, 0, 0, 0
	seen := map[string]bool{}
	for _, e := range b.events {
		if n := len(e.Markets); n < 3 || n > 30 {
			t.Errorf("event %s has %d outcomes", e.ID, n)
		}
		if e.Augmented {
			aug++
		}
		var sum book.Price
		for _, m := range e.Markets {
			for _, tok := range []string{m.YesToken, m.NoToken} {
				if len(tok) != 77 || seen[tok] {
					t.Fatalf("token id %q", tok)
				}
				seen[tok] = true
			}
			if len(m.ConditionID) != 66 {
				t.Fatalf("condition id %q", m.ConditionID)
			}
			if m.Fee.Rate > 0 {
				fee++
			} else {
				free++
			}
			sum += b.fair[m]
			assets += 2
		}
		if sum != book.One {
			t.Errorf("fairs of %s sum to %v", e.ID, sum)
		}
	}
	if len(b.events) < 24 || assets < 200 || aug != 1 || fee == 0 || free == 0 {
		t.Fatalf("events %d assets %d augmented %d fee/free %d/%d", len(b.events), assets, aug, fee, free)
	}
	// the same seed gives the same ids
	b2, _ := sc.build(sc.Seed)
	if b2.events[3].Markets[1].YesToken != b.events[3].Markets[1].YesToken {
		t.Fatal("ids not deterministic")
	}
}

func TestScenarioErrors(t *testing.T) {
	for _, bad := range []string{
		`nmae = "x"`,
		"[[events]]\noutcomes = [1, 3]",
		"[[accounts]]\nhardhat = [0, 12]",
		"[[events]]\noutcomes = [3, 3]\ntick = \"0.02\"",
	} {
		sc, err := ParseScenario(bad)
		if err == nil {
			_, err = sc.build(1)
		}
		if err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	if _, err := LoadScenario("no-such-scenario"); err == nil || !strings.Contains(err.Error(), "demo") {
		t.Errorf("missing scenario error should list the bundled ones: %v", err)
	}
}

const windowScenario = `
name = "windows"
seed = 11
rate = 100
[[accounts]]
hardhat = [0, 0]
cash = "100000"
[[events]]
count = 3
outcomes = [3, 5]
fee_rate = "0.04"
[makers]
accounts = 2
overround = ["1.01", "1.02"]
levels = 2
depth = ["50", "100"]
[windows]
every = "150ms"
duration = ["300ms", "400ms"]
edge = ["0.02", "0.03"]
baskets = [2, 2]
`

// TestWindowsPlantedAndTaken runs background flow with frequent windows,
// takes one window's basket with FOK orders over REST and checks the
// record: edge, end, and the taker.
func TestWindowsPlantedAndTaken(t *testing.T) {
	sc, err := ParseScenario(windowScenario)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(context.Background(), Config{Spec: sc, MinedDelay: 10 * time.Millisecond, ConfirmDelay: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := newClient(t, s, 0)
	deadline := time.Now().Add(5 * time.Second)
	var w Window
	for time.Now().Before(deadline) {
		ws := s.Windows()
		if len(ws) > 0 && ws[len(ws)-1].End.IsZero() {
			w = ws[len(ws)-1]
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if w.ID == 0 {
		t.Fatal("no open window")
	}
	if w.Edge < 20_000 || w.Cost+w.Edge != int64(book.One) || w.Price >= w.WasPrice {
		t.Fatalf("window %+v", w)
	}
	// take one share-basket's worth: FOK BUY each leg at its current ask
	taken := 0
	for _, tok := range w.Legs {
		_, ask := bestOf(s, tok)
		size := int64(w.Depth) // every leg is topped up to the window depth
		_, r, e := c.post(orderSpec{token: tok, side: Buy, maker: ask * size / 1_000_000, taker: size, typ: FOK})
		if r.Success {
			taken++
		} else {
			t.Logf("leg %s…: %s", tok[:6], e)
		}
	}
	if taken != len(w.Legs) {
		t.Fatalf("took %d of %d legs", taken, len(w.Legs))
	}
	time.Sleep(600 * time.Millisecond)
	for _, got := range s.Windows() {
		if got.ID != w.ID {
			continue
		}
		if got.End.IsZero() || got.Taken == 0 || len(got.TakenBy) == 0 || got.TakenBy[0] != c.addr.Hex() {
			t.Fatalf("window after: %+v", got)
		}
		return
	}
	t.Fatal("window vanished")
}

func TestGammaImport(t *testing.T) {
	ev, err := os.ReadFile("testdata/gamma_event.json")
	if err != nil {
		t.Fatal(err)
	}
	events, markets, err := ParseGamma(ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || len(markets) != 0 || !events[0].Augmented || !events[0].NegRisk || len(events[0].Markets) != 2 {
		t.Fatalf("event import: %+v", events)
	}
	m := events[0].Markets[0]
	if m.Tick != book.Tick0_001 || m.MinSize != 5*book.OneShare || len(m.YesToken) != 77 || !m.NegRisk {
		t.Fatalf("market %+v", m)
	}
	mk, err := os.ReadFile("testdata/gamma_markets.json")
	if err != nil {
		t.Fatal(err)
	}
	_, markets, err = ParseGamma(mk)
	if err != nil || len(markets) != 5 {
		t.Fatalf("markets import: %d %v", len(markets), err)
	}
	fees := 0
	for _, m := range markets {
		if m.Fee.Rate > 0 {
			fees++
		}
	}
	if fees == 0 {
		t.Fatal("no feeSchedule imported")
	}
	// a scenario built from both files trades on the imported ids
	sc, err := ParseScenario("[[accounts]]\nhardhat = [0, 0]\ncash = \"100\"\n")
	if err != nil {
		t.Fatal(err)
	}
	sc.GammaData = []string{string(ev), string(mk)}
	s, err := Start(context.Background(), Config{Spec: sc})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := newClient(t, s, 0)
	code, b, _ := c.raw("GET", "/book?token_id="+m.YesToken, nil, nil)
	if code != 200 || !strings.Contains(string(b), `"asks":[{`) {
		t.Fatalf("imported book: %d %s", code, b)
	}
	if _, r, e := c.post(orderSpec{token: m.YesToken, side: Buy, maker: 10_000, taker: 10_000_000}); !r.Success {
		t.Fatalf("order on imported market: %s", e)
	}
	for _, bad := range []string{`{"markets":[{"clobTokenIds":"[1]"}]}`, `[{"conditionId":"0x1","clobTokenIds":"[\"1\",\"2\"]"}]`, `{`} {
		if _, _, err := ParseGamma([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestScenarioRESTFaults(t *testing.T) {
	sc, err := ParseScenario(`
[[accounts]]
hardhat = [0, 0]
cash = "10"
[[markets]]
count = 1
[[faults.rest]]
path = "/book"
status = 503
count = 1
[[faults.rest]]
at = "50ms"
path = "/time"
status = 429
retry_after = 3
[[faults.delayed]]
count = 1
delay = "10ms"
`)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(context.Background(), Config{Spec: sc})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := newClient(t, s, 0)
	if code, _, _ := c.raw("GET", "/book?token_id=1", nil, nil); code != 503 {
		t.Fatalf("start rule: %d", code)
	}
	if code, _, _ := c.raw("GET", "/time", nil, nil); code != 200 {
		t.Fatalf("timed rule early: %d", code)
	}
	time.Sleep(200 * time.Millisecond)
	if code, _, h := c.raw("GET", "/time", nil, nil); code != 429 || h.Get("Retry-After") != "3" {
		t.Fatalf("timed rule: %d", code)
	}
	if f := s.Faults(); f.delayNext != 1 || f.delayFor != 10*time.Millisecond {
		t.Fatalf("delayed from scenario: %d %v", f.delayNext, f.delayFor)
	}
	if _, err := ParseScenario("[[faults.rest]]\nstatus = 200"); err == nil {
		t.Fatal("status 200 accepted as a fault")
	}
}

// TestBundledScenariosLoad: every embedded scenario parses and builds.
func TestBundledScenariosLoad(t *testing.T) {
	names := BundledScenarios()
	if len(names) < 2 {
		t.Fatalf("bundled %v", names)
	}
	for _, n := range names {
		sc, err := LoadScenario(n)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if _, err := sc.build(sc.Seed); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
}
