package sign

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/hotpath/hotpath/book"
)

// Conformance with Polymarket's official TypeScript client: node runs
// conformance/sign_cases.mjs (the installed @polymarket/clob-client-v2 and
// ethers, offline, seeded) and this test recomputes every value in Go and
// compares byte for byte: amounts, order hashes, signatures (types 0–3),
// POST bodies (single and batch), L2 HMACs, L1 signatures, and JS number
// formatting. Without node the test skips, unless CI is set.

type confOrder struct {
	I                                        int
	ChainID                                  uint64
	Version                                  int
	NegRisk                                  bool
	SigType                                  uint8
	Funder, Kind, Side, Tick, Price, Qty     string
	TokenID, Metadata, Builder, Expiration   string
	Owner, OrderType                         string
	PostOnly, DeferExec                      bool
	Error                                    string
	Exchange, OrderHash, Salt, Timestamp     string
	Maker, Signer, MakerAmount, TakerAmount  string
	Signature, OrderExpiration, Body, Secret string
	L2ts                                     int64
	L2sig, L2address                         string
}

type confCases struct {
	Orders  []confOrder
	Batches []struct {
		Members       []int
		Owner, Body   string
		Ts            int64
		Secret, L2sig string
	}
	Amounts []struct {
		Kind, Side, Tick, Price, Qty, MakerAmount, TakerAmount, Error string
		PriceValid                                                    bool
	}
	L1 []struct {
		ChainID            uint64
		Ts                 string
		Nonce              uint64
		Address, Signature string
	}
	L2 []struct {
		Secret, Ts, Method, Path, Body, Signature string
	}
	Strings []struct{ Bits, S string }
}

func runOfficial(t *testing.T, seed, orders, amounts int) *confCases {
	t.Helper()
	node, err := exec.LookPath("node")
	root, _ := filepath.Abs("..")
	script := filepath.Join(root, "conformance", "sign_cases.mjs")
	modules := filepath.Join(root, "conformance", "node_modules", "@polymarket", "clob-client-v2")
	if err == nil {
		_, err = os.Stat(modules)
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("conformance needs node and conformance/node_modules (make conformance-deps): %v", err)
		}
		t.Skipf("node or the official client not available (%v); set CI to make this a failure", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script, strconv.Itoa(seed), strconv.Itoa(orders), strconv.Itoa(amounts))
	cmd.Dir = filepath.Join(root, "conformance")
	cmd.Stderr = os.Stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v", script, err)
	}
	t.Logf("official client: %d bytes in %v", len(out), time.Since(start).Round(time.Millisecond))
	var c confCases
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func parseHex32(t *testing.T, s string) (b [32]byte) {
	t.Helper()
	h := common.FromHex(s)
	if len(h) != 32 {
		t.Fatalf("bytes32 %q", s)
	}
	copy(b[:], h)
	return b
}

func TestConformanceOfficialClient(t *testing.T) {
	orders, amounts := 300, 4000
	if testing.Short() {
		orders, amounts = 80, 1000
	}
	c := runOfficial(t, 20260428, orders, amounts)
	s := testSigner(t)
	eoa := s.Address()

	// Number.prototype.toString.
	for _, r := range c.Strings {
		bits, _ := strconv.ParseUint(r.Bits, 10, 64)
		if got := jsString(math.Float64frombits(bits)); got != r.S {
			t.Errorf("jsString(%#x) = %q, JS %q", bits, got, r.S)
		}
	}

	// Amounts only.
	var fixedChecked int
	for _, r := range c.Amounts {
		tk := mustTick(t, r.Tick)
		price, qty := parseF(t, r.Price), parseF(t, r.Qty)
		var m, k uint64
		var err error
		if r.Kind == "limit" {
			m, k, err = OfficialLimitAmounts(sideOf(r.Side), qty, price, tk)
		} else {
			m, k, err = OfficialMarketAmounts(sideOf(r.Side), qty, price, tk)
		}
		if (err != nil) != (r.Error != "") {
			t.Errorf("%+v: Go error %v", r, err)
			continue
		}
		if err == nil && (strconv.FormatUint(m, 10) != r.MakerAmount || strconv.FormatUint(k, 10) != r.TakerAmount) {
			t.Errorf("%+v: Go %d/%d", r, m, k)
		}
		if got := OfficialPriceValid(price, tk); got != r.PriceValid {
			t.Errorf("%+v: priceValid %v", r, got)
		}
		// The exact builders agree wherever they apply (on-grid price).
		p, perr := book.ParsePriceOnGrid([]byte(r.Price), tk)
		sz, serr := book.ParseSize([]byte(r.Qty))
		if err != nil || perr != nil || serr != nil || !PriceValid(p, tk) || sz < 10_000 {
			continue
		}
		var fm, fk uint64
		if r.Kind == "limit" {
			fm, fk, err = LimitAmounts(sideOf(r.Side), p, sz, tk)
		} else {
			fm, fk, err = MarketAmounts(sideOf(r.Side), p, int64(sz), tk)
			if sideOf(r.Side) == Buy && !officialExactRegion(fk, tk) {
				continue
			}
		}
		fixedChecked++
		if err != nil || fm != m || fk != k {
			t.Errorf("%+v: exact builder %d/%d %v", r, fm, fk, err)
		}
	}
	t.Logf("%d amount cases, %d also through the exact builders", len(c.Amounts), fixedChecked)

	// Signed orders.
	byIndex := map[int]*Order{}
	sigs := map[int][]byte{}
	var nOK int
	for i := range c.Orders {
		r := &c.Orders[i]
		if r.Error != "" {
			t.Logf("official client refused case %d: %s", r.I, r.Error)
			continue
		}
		tk := mustTick(t, r.Tick)
		side := sideOf(r.Side)
		var m, k uint64
		var err error
		if r.Kind == "limit" {
			m, k, err = OfficialLimitAmounts(side, parseF(t, r.Qty), parseF(t, r.Price), tk)
		} else {
			m, k, err = OfficialMarketAmounts(side, parseF(t, r.Qty), parseF(t, r.Price), tk)
		}
		if err != nil {
			t.Errorf("case %d: %v", r.I, err)
			continue
		}
		if strconv.FormatUint(m, 10) != r.MakerAmount || strconv.FormatUint(k, 10) != r.TakerAmount {
			t.Errorf("case %d amounts: Go %d/%d, official %s/%s", r.I, m, k, r.MakerAmount, r.TakerAmount)
		}
		e, err := ExchangeFor(r.ChainID, r.Version, r.NegRisk, nil)
		if err != nil || e.Address != common.HexToAddress(r.Exchange) {
			t.Fatalf("case %d exchange %v %v, official %s", r.I, e, err, r.Exchange)
		}
		maker := eoa
		if r.Funder != "" {
			maker = common.HexToAddress(r.Funder)
		}
		signer := eoa
		if r.SigType == SigPoly1271 {
			signer = maker
		}
		salt, _ := strconv.ParseUint(r.Salt, 10, 64)
		ts, _ := strconv.ParseUint(r.Timestamp, 10, 64)
		exp, _ := strconv.ParseUint(r.Expiration, 10, 64)
		o := &Order{Salt: salt, Maker: maker, Signer: signer, TokenID: mustTokenID(t, r.TokenID), MakerAmount: m, TakerAmount: k,
			Side: side, SignatureType: r.SigType, Timestamp: ts, Metadata: parseHex32(t, r.Metadata), Builder: parseHex32(t, r.Builder), Expiration: exp}
		if r.Kind == "market" {
			o.Expiration = 0
		}
		d := e.Digest(o)
		if hx(d[:]) != r.OrderHash {
			t.Errorf("case %d order hash %s, official %s", r.I, hx(d[:]), r.OrderHash)
		}
		sig, err := s.SignOrder(e, o, nil)
		if err != nil || hx(sig) != r.Signature {
			t.Errorf("case %d signature %v\n Go %s\nofficial %s", r.I, err, hx(sig), r.Signature)
		}
		if who, err := RecoverOrderSigner(e, o, sig); err != nil || who != eoa {
			t.Errorf("case %d recover %s %v", r.I, who.Hex(), err)
		}
		env := Envelope{Owner: r.Owner, OrderType: r.OrderType, PostOnly: r.PostOnly, DeferExec: r.DeferExec}
		body := AppendEnvelopeJSON(nil, o, sig, &env)
		if string(body) != r.Body {
			t.Errorf("case %d body\n Go %s\nofficial %s", r.I, body, r.Body)
		}
		l2, err := NewL2Signer(r.Secret)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(l2.AppendSignature(nil, AppendUnix(nil, r.L2ts), "POST", "/order", []byte(r.Body))); got != r.L2sig {
			t.Errorf("case %d L2 %s, official %s", r.I, got, r.L2sig)
		}
		if r.L2address != eoa.Hex() {
			t.Errorf("case %d POLY_ADDRESS %s", r.I, r.L2address)
		}
		byIndex[r.I], sigs[r.I] = o, sig
		nOK++
	}
	if nOK < len(c.Orders)*9/10 {
		t.Errorf("only %d of %d official orders built", nOK, len(c.Orders))
	}

	// Batch bodies for POST /orders.
	for _, b := range c.Batches {
		body := []byte{'['}
		for j, i := range b.Members {
			if j > 0 {
				body = append(body, ',')
			}
			o := byIndex[i]
			if o == nil {
				t.Fatalf("batch member %d missing", i)
			}
			var ot string
			for _, r := range c.Orders {
				if r.I == i {
					ot = r.OrderType
				}
			}
			body = AppendEnvelopeJSON(body, o, sigs[i], &Envelope{Owner: b.Owner, OrderType: ot})
		}
		body = append(body, ']')
		if string(body) != b.Body {
			t.Errorf("batch body\n Go %s\nofficial %s", body, b.Body)
		}
		got, _ := L2Signature(b.Secret, strconv.FormatInt(b.Ts, 10), "POST", "/orders", body)
		if got != b.L2sig {
			t.Errorf("batch L2 %s, official %s", got, b.L2sig)
		}
	}

	// L1 and L2.
	for _, r := range c.L1 {
		h, err := s.L1Headers(r.ChainID, r.Ts, r.Nonce)
		if err != nil || h.Signature != r.Signature || h.Address != r.Address {
			t.Errorf("L1 %+v: Go %+v %v", r, h, err)
		}
	}
	for _, r := range c.L2 {
		got, err := L2Signature(r.Secret, r.Ts, r.Method, r.Path, []byte(r.Body))
		if err != nil || got != r.Signature {
			t.Errorf("L2 %+v: Go %s %v", r, got, err)
		}
	}
	t.Logf("%d orders, %d batches, %d L1, %d L2, %d number strings compared", nOK, len(c.Batches), len(c.L1), len(c.L2), len(c.Strings))
}
