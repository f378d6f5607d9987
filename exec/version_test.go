package exec

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/hotpath/hotpath/sign"
	"github.com/hotpath/hotpath/sim"
)

// versionVenue answers GET /version with its current version and POST
// /orders with matched results, except that the first POST is refused with
// order_version_mismatch and moves the venue to version `to`. It keeps the
// bodies it received.
type versionVenue struct {
	mu      sync.Mutex
	version int
	to      int
	bodies  [][]byte
}

func (v *versionVenue) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.mu.Lock()
	defer v.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	switch {
	case r.URL.Path == "/version":
		io.WriteString(w, `{"version":`+strconv.Itoa(v.version)+`}`)
	case r.Method == "POST" && r.URL.Path == "/orders":
		v.bodies = append(v.bodies, body)
		if len(v.bodies) == 1 {
			v.version = v.to
			w.WriteHeader(400)
			io.WriteString(w, `{"error":"order_version_mismatch"}`)
			return
		}
		n := strings.Count(string(body), `"orderType"`)
		el := `{"success":true,"errorMsg":"","orderID":"","status":"matched","makingAmount":"3.1","takingAmount":"10","transactionsHashes":[],"tradeIDs":[]}`
		io.WriteString(w, "["+strings.Repeat(el+",", n-1)+el+"]")
	default:
		io.WriteString(w, `{"data":[],"next_cursor":"LTE="}`)
	}
}

// TestVersionMismatchMovesPool: after order_version_mismatch the executor
// reads the venue's new version and moves the template pool to it; the
// refused legs are re-signed on the spot for the new version, the pool's
// old templates are never sent, and once the pool has re-signed, baskets are
// served from templates again — signed for the new version.
func TestVersionMismatchMovesPool(t *testing.T) {
	venue := &versionVenue{version: 2, to: 3}
	srv := httptest.NewServer(venue)
	defer srv.Close()
	f := newHitFixtureAt(t, srv.URL, 2, nil)
	x, pool, opp := f.x, f.pool, f.opp

	// First basket: templates (version 2) refused, legs re-signed at 3.
	out := x.Submit(&opp)
	if out.Kind != OutFilled || out.Hits != 3 {
		t.Fatalf("first basket: %+v", out)
	}
	if pool.Version() != 3 {
		t.Fatalf("pool at version %d after the mismatch, want 3", pool.Version())
	}
	checkBodyVersion(t, venue.bodies[0], 2)
	checkBodyVersion(t, venue.bodies[1], 3)
	release(x)

	// Before the pool re-signs, its version-2 templates are stale: the
	// basket signs on the spot, at version 3.
	out = x.Submit(&opp)
	if out.Kind != OutFilled || out.Hits != 0 {
		t.Fatalf("basket before the refill: %+v", out)
	}
	checkBodyVersion(t, venue.bodies[2], 3)
	release(x)

	// After the refill the pool serves again, at version 3.
	if _, err := pool.Refill(time.Now()); err != nil {
		t.Fatal(err)
	}
	out = x.Submit(&opp)
	if out.Kind != OutFilled || out.Hits != 3 {
		t.Fatalf("basket after the refill: %+v", out)
	}
	checkBodyVersion(t, venue.bodies[3], 3)
}

// release closes the newest basket (the venue's fills are not followed to
// settlement here).
func release(x *Executor) {
	si := x.open[len(x.open)-1]
	b := &x.slots[si]
	x.risk.Close(b.event, b.notional, 0)
	x.closeSlot(si)
}

// checkBodyVersion fails unless every order of a POST /orders body is signed
// for CLOB version v: its signature recovers to the signer under v's
// exchange for the order's token.
func checkBodyVersion(t *testing.T, body []byte, v int) {
	t.Helper()
	var envs []struct {
		Order struct {
			Salt                                     uint64
			Maker, Signer, TokenID                   string
			MakerAmount, TakerAmount, Side           string
			SignatureType                            uint8
			Timestamp, Expiration, Metadata, Builder string
			Signature                                string
		}
	}
	if err := json.Unmarshal(body, &envs); err != nil || len(envs) == 0 {
		t.Fatalf("body %q: %v", body, err)
	}
	for _, e := range envs {
		o := e.Order
		tok, err := sign.ParseTokenID(o.TokenID)
		if err != nil {
			t.Fatal(err)
		}
		mk, _ := strconv.ParseUint(o.MakerAmount, 10, 64)
		tk, _ := strconv.ParseUint(o.TakerAmount, 10, 64)
		ts, _ := strconv.ParseUint(o.Timestamp, 10, 64)
		ord := sign.Order{Salt: o.Salt, Maker: common.HexToAddress(o.Maker), Signer: common.HexToAddress(o.Signer),
			TokenID: tok, MakerAmount: mk, TakerAmount: tk, Side: sign.Buy, SignatureType: o.SignatureType, Timestamp: ts}
		ex, err := sign.ExchangeFor(137, v, true, &tok)
		if err != nil {
			t.Fatal(err)
		}
		who, err := sign.RecoverOrderSigner(ex, &ord, common.FromHex(o.Signature))
		if err != nil || who != sim.HardhatAddress(0) {
			t.Fatalf("order not signed for version %d (recovers to %s, %v)", v, who.Hex(), err)
		}
	}
}
