package exec

import (
	"bytes"
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/hist"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sign"
	"github.com/hotpath/hotpath/sim"
)

// loopbackVenue is a minimal venue on 127.0.0.1 that answers without
// allocating per request, so that allocation tests and benchmarks measure
// the executor alone: POST /orders gets n "matched" results, GET /version
// {"version":2}, anything else {"data":[]}.
// shutdownSoon stops x without waiting for settlement the fixture's venue
// never sends (Shutdown waits for it until its context ends).
func shutdownSoon(x *Executor) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = x.Shutdown(ctx)
}

func loopbackVenue(tb testing.TB, n int) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	el := `{"success":true,"errorMsg":"","orderID":"0x23b457271bce9fa09b4f79125c9ec09e968235a462de82e318ef4eb6fe0ffeb0","status":"matched","makingAmount":"3.1","takingAmount":"10","transactionsHashes":[],"tradeIDs":[]}`
	orders := "[" + el
	for i := 1; i < n; i++ {
		orders += "," + el
	}
	orders += "]"
	reply := func(body string) []byte {
		return []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	}
	rOrders, rVersion, rData := reply(orders), reply(`{"version":2}`), reply(`{"data":[],"next_cursor":"LTE="}`)
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				buf := make([]byte, 1<<17)
				have := 0
				for {
					k, err := nc.Read(buf[have:])
					if err != nil {
						return
					}
					have += k
					for {
						end := bytes.Index(buf[:have], []byte("\r\n\r\n"))
						if end < 0 {
							break
						}
						need := end + 4
						if i := bytes.Index(buf[:end], []byte("Content-Length: ")); i >= 0 {
							j := i + len("Content-Length: ")
							cl := 0
							for buf[j] >= '0' && buf[j] <= '9' {
								cl = cl*10 + int(buf[j]-'0')
								j++
							}
							need += cl
						}
						if have < need {
							break
						}
						r := rData
						switch {
						case bytes.HasPrefix(buf, []byte("POST /orders ")):
							r = rOrders
						case bytes.HasPrefix(buf, []byte("GET /version ")):
							r = rVersion
						}
						if _, err := nc.Write(r); err != nil {
							return
						}
						copy(buf, buf[need:have])
						have -= need
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// hitFixture is an executor against a loopback venue with a template pool
// holding perKey pre-signed orders for every leg of its 3-leg opportunity.
type hitFixture struct {
	x    *Executor
	pool *sign.Pool
	opp  scan.Opportunity
}

func newHitFixture(tb testing.TB, perKey int, rec *hist.Recorder) *hitFixture {
	return newHitFixtureAt(tb, loopbackVenue(tb, 3), perKey, rec)
}

// newHitFixtureAt is newHitFixture against the venue at clobURL.
func newHitFixtureAt(tb testing.TB, clobURL string, perKey int, rec *hist.Recorder) *hitFixture {
	reg := book.NewRegistry()
	const q = 10_000_000
	prices := []book.Price{310_000, 300_000, 320_000}
	var legs []book.AssetIndex
	var hot []sign.HotLeg
	opp := scan.Opportunity{Group: 0, Kind: scan.YesBasket, Reason: scan.OK, N: 3, Q: q, Payout: 1_000_000}
	for i, p := range prices {
		tok := strconv.Itoa(1_000_000_000 + i)
		a, err := reg.Add(book.AssetInfo{TokenID: tok, Tick: book.Tick0_01, MinSize: 5_000_000, NegRisk: true})
		if err != nil {
			tb.Fatal(err)
		}
		legs = append(legs, a)
		id, _ := sign.ParseTokenID(tok)
		hot = append(hot, sign.HotLeg{Asset: a, TokenID: id, Ask: p, Tick: book.Tick0_01, NegRisk: true})
		opp.Legs[i] = scan.Leg{Asset: a, Limit: p, Tick: book.Tick0_01, Levels: 1, Size: q, Amount: book.CostUp(p, q), Cost: book.CostUp(p, q)}
		opp.Cost += opp.Legs[i].Cost
	}
	opp.Proceeds = q
	opp.Edge, opp.EdgeWorst = opp.Proceeds-opp.Cost, opp.Proceeds-opp.Cost
	signer, _ := sign.NewSigner(sim.HardhatKeys[0])
	cr := sim.DeriveCredentials(sim.HardhatAddress(0), 0)
	pool, err := sign.NewPool(sign.TemplateConfig{Signer: signer, ChainID: 137, CLOBVersion: 2, Owner: cr.APIKey,
		Shares: []book.Size{q}, PerKey: perKey, MaxAge: time.Hour, MaxAssets: reg.Len()})
	if err != nil {
		tb.Fatal(err)
	}
	if err := pool.Apply(sign.PoolEvent{Entered: true, Legs: hot}); err != nil {
		tb.Fatal(err)
	}
	if _, err := pool.Refill(time.Now()); err != nil {
		tb.Fatal(err)
	}
	x, err := New(Config{
		Mode: Live, CLOBURL: clobURL, ChainID: 137, Signer: signer,
		Creds: Credentials{APIKey: cr.APIKey, Secret: cr.Secret, Passphrase: cr.Passphrase},
		Pool:  pool, Ladder: []book.Size{q},
		Registry: reg, Groups: []GroupInfo{{EventIndex: 0, Kind: scan.YesBasket, Payout: 1_000_000, Legs: legs}},
		NumEvents: 1, JournalDir: tb.TempDir(),
		Limits:       Limits{MaxBasketNotional: 1e12, MaxEventExposure: 1e15, MaxOpenBaskets: 1 << 30, MaxDailyLoss: 1e12},
		OrdersPer10s: 1 << 30, MaxBaskets: 8, Recorder: rec,
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := x.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { shutdownSoon(x) })
	return &hitFixture{x: x, pool: pool, opp: opp}
}

// submit sends the opportunity and releases the basket's slot (a filled
// basket would otherwise wait for settlement in Poll).
func (f *hitFixture) submit(tb testing.TB) {
	f.opp.TS = hist.Now()
	out := f.x.Submit(&f.opp)
	if out.Kind != OutFilled || out.Hits != 3 {
		tb.Fatalf("outcome %+v", out)
	}
	x := f.x
	si := x.open[len(x.open)-1]
	b := &x.slots[si]
	x.risk.Close(b.event, b.notional, 0)
	x.closeSlot(si)
}
