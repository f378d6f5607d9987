package sim

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/signer/core/apitypes"

	"github.com/hotpath/hotpath/book"
)

// bestAsk returns the YES-terms best ask of a token, in micro.
func bestOf(s *Server, token string) (bid, ask int64) {
	s.x.mu.Lock()
	defer s.x.mu.Unlock()
	m, yes, _ := s.x.MarketByToken(token)
	b, a, _, _ := m.best(yes)
	return int64(b), int64(a)
}

func TestPostOrderFlows(t *testing.T) {
	s := startSmall(t, nil)
	c := newClient(t, s, 0)
	nr, b01, _ := smallMarkets(s)
	tok := nr[0].YesToken
	bid, ask := bestOf(s, tok)

	// a resting limit BUY one tick under the bid: live
	p := bid - 10_000
	code, r, e := c.post(orderSpec{token: tok, side: Buy, maker: p * 10, taker: 10_000_000})
	if code != 200 || !r.Success || r.Status != "live" || r.MakingAmount != "" || !strings.HasPrefix(r.OrderID, "0x") || len(r.OrderID) != 66 {
		t.Fatalf("GTC: %d %+v %s", code, r, e)
	}
	// FOK BUY of 10 shares at the ask (amounts as the client builds them: $ to 2 dp)
	code, r, e = c.post(orderSpec{token: tok, side: Buy, maker: ask * 10, taker: 10_000_000, typ: FOK})
	if code != 200 || r.Status != "matched" || r.TakingAmount != "10" || len(r.TradeIDs) != 1 || len(r.TransactionsHashes) != 1 {
		t.Fatalf("FOK: %d %+v %s", code, r, e)
	}
	if r.MakingAmount != book.Size(ask*10).String() {
		t.Fatalf("making %s", r.MakingAmount)
	}
	// FOK SELL of NO on a standard market
	nb, _ := bestOf(s, b01.NoToken)
	code, r, e = c.post(orderSpec{token: b01.NoToken, side: Sell, maker: 5_000_000, taker: nb * 5, typ: FAK})
	if code != 200 || r.Status != "matched" || r.MakingAmount != "5" {
		t.Fatalf("FAK sell NO: %d %+v %s", code, r, e)
	}
}

func TestPostOrderRejections(t *testing.T) {
	s := startSmall(t, nil)
	c := newClient(t, s, 0)
	nr, b01, b005 := smallMarkets(s)
	tok := nr[0].YesToken
	bid, _ := bestOf(s, tok)
	p := bid - 10_000
	std := Domain{Version: "2", ChainID: 137, Contract: ExchangeV2}
	cases := []struct {
		name string
		o    orderSpec
		code int
		msg  string
	}{
		{"wrong domain (standard for neg-risk)", orderSpec{token: tok, side: Buy, maker: p * 10, taker: 10_000_000, domain: &std}, 400, ErrMsgSignature},
		{"wrong owner", orderSpec{token: tok, side: Buy, maker: p * 10, taker: 10_000_000, owner: "00000000-0000-0000-0000-000000000000"}, 400, ErrMsgOwner},
		{"v1 shaped", orderSpec{token: tok, side: Buy, maker: p * 10, taker: 10_000_000, v1: true}, 400, ErrMsgVersion},
		{"off grid 0.005", orderSpec{token: b005.YesToken, side: Buy, maker: 5_510_000, taker: 10_000_000}, 400, "breaks minimum tick size rule: 0.005"},
		{"above 1-tick", orderSpec{token: b01.YesToken, side: Buy, maker: 9_950_000, taker: 10_000_000}, 400, "Price (0.995) breaks minimum tick size rule: 0.01"},
		{"below min size", orderSpec{token: tok, side: Buy, maker: p * 4, taker: 4_000_000}, 400, "Size (4) lower than the minimum: 5"},
		{"marketable under $1", orderSpec{token: b01.YesToken, side: Buy, maker: 900_000, taker: 1_800_000, typ: FOK}, 400, "invalid amount for a marketable BUY order ($0.9), min size: $1"},
		{"maker precision", orderSpec{token: b01.YesToken, side: Buy, maker: 5_005_000, taker: 10_010_000, typ: FOK}, 400, "invalid amounts, the market buy orders maker amount supports a max accuracy of 2 decimals, taker amount a max of 4 decimals"},
		{"taker precision", orderSpec{token: b01.YesToken, side: Buy, maker: 5_000_000, taker: 9_999_999, typ: FOK}, 400, "taker amount a max of 4 decimals"},
		{"balance", orderSpec{token: tok, side: Buy, maker: p * 5000, taker: 5000_000_000}, 400, ErrMsgBalance},
		{"shares", orderSpec{token: tok, side: Sell, maker: 500_000_000, taker: 500_000_000 - 10_000_000}, 400, ErrMsgBalance},
		{"FAK nothing", orderSpec{token: tok, side: Buy, maker: 1_000_000, taker: 100_000_000, typ: FAK}, 400, ErrMsgFAK},
		{"FOK short", orderSpec{token: tok, side: Buy, maker: 900_000_000, taker: 1_000_000_000, typ: FOK}, 400, ErrMsgFOK},
		{"post-only crosses", orderSpec{token: tok, side: Buy, maker: 990_000 * 5, taker: 5_000_000, postOnly: true}, 400, ErrMsgPostOnly},
	}
	for _, tc := range cases {
		code, _, e := c.post(tc.o)
		if code != tc.code || !strings.Contains(e, tc.msg) {
			t.Errorf("%s: %d %q; want %d %q", tc.name, code, e, tc.code, tc.msg)
		}
	}
	// duplicate: the same signed body twice
	env := c.envelope(orderSpec{token: tok, side: Buy, maker: p * 10, taker: 10_000_000})
	if code, b := c.call("POST", "/order", env); code != 200 {
		t.Fatalf("first: %d %s", code, b)
	}
	code, b := c.call("POST", "/order", env)
	if code != 400 || !strings.Contains(string(b), "is invalid. Duplicated.") {
		t.Fatalf("duplicate: %d %s", code, b)
	}
	// bad HMAC
	hdr := c.l2Headers("POST", "/order", env)
	hdr["POLY_SIGNATURE"] = strings.Repeat("A", 43) + "="
	if code, b, _ := c.raw("POST", "/order", env, hdr); code != 401 {
		t.Fatalf("bad hmac: %d %s", code, b)
	}
	// another account's key cannot post this account's order
	other := newClient(t, s, 1)
	if code, b := other.call("POST", "/order", env); code != 400 || !strings.Contains(string(b), ErrMsgOwner) {
		t.Fatalf("foreign key: %d %s", code, b)
	}
	// malformed payload
	if code, b := c.call("POST", "/order", []byte(`{"order":`)); code != 400 || !strings.Contains(string(b), ErrMsgPayload) {
		t.Fatalf("malformed: %d %s", code, b)
	}
}

func TestPostOrdersBatch(t *testing.T) {
	s := startSmall(t, nil)
	c := newClient(t, s, 0)
	nr, _, _ := smallMarkets(s)
	var envs []json.RawMessage
	for i := 0; i < 16; i++ {
		envs = append(envs, c.envelope(orderSpec{token: nr[i%3].YesToken, side: Buy, maker: 50_000 * 10, taker: 10_000_000}))
	}
	body, _ := json.Marshal(envs)
	code, b := c.call("POST", "/orders", body)
	if code != 400 || !strings.Contains(string(b), "Too many orders in payload: 16, max allowed: 15") {
		t.Fatalf("16: %d %s", code, b)
	}
	envs = envs[:3]
	envs = append(envs, c.envelope(orderSpec{token: nr[0].YesToken, side: Buy, maker: 1_000_000, taker: 100_000_000, typ: FOK}))
	body, _ = json.Marshal(envs)
	code, b = c.call("POST", "/orders", body)
	var rs []orderResponse
	if code != 200 || json.Unmarshal(b, &rs) != nil || len(rs) != 4 {
		t.Fatalf("batch: %d %s", code, b)
	}
	for i := 0; i < 3; i++ {
		if !rs[i].Success || rs[i].Status != "live" {
			t.Errorf("batch[%d] %+v", i, rs[i])
		}
	}
	if rs[3].Success || rs[3].ErrorMsg != ErrMsgFOK {
		t.Errorf("batch[3] %+v", rs[3])
	}
}

func TestCancelsAndQueries(t *testing.T) {
	s := startSmall(t, nil)
	c := newClient(t, s, 0)
	nr, b01, _ := smallMarkets(s)
	var ids []string
	for i := 0; i < 4; i++ {
		tok := nr[0].YesToken
		if i >= 2 {
			tok = b01.YesToken
		}
		_, r, e := c.post(orderSpec{token: tok, side: Buy, maker: 100_000 * int64(10+i), taker: int64(10+i) * 1_000_000})
		if !r.Success {
			t.Fatalf("post %d: %s", i, e)
		}
		ids = append(ids, r.OrderID)
	}
	code, b := c.call("GET", "/data/order/"+ids[0], nil)
	if code != 200 || !strings.Contains(string(b), `"status":"LIVE"`) || !strings.Contains(string(b), `"original_size":"10"`) {
		t.Fatalf("get order: %d %s", code, b)
	}
	code, b = c.call("GET", "/data/orders?market="+nr[0].ConditionID, nil)
	var page struct {
		Data       []map[string]any `json:"data"`
		NextCursor string           `json:"next_cursor"`
	}
	if code != 200 || json.Unmarshal(b, &page) != nil || len(page.Data) != 2 || page.NextCursor != "LTE=" {
		t.Fatalf("orders: %d %s", code, b)
	}
	body, _ := json.Marshal(map[string]string{"orderID": ids[0]})
	if code, b := c.call("DELETE", "/order", body); code != 200 || !strings.Contains(string(b), `"canceled":["`+ids[0]+`"]`) {
		t.Fatalf("cancel: %d %s", code, b)
	}
	body, _ = json.Marshal([]string{ids[0], ids[1]})
	if code, b := c.call("DELETE", "/orders", body); code != 200 || !strings.Contains(string(b), ids[1]) || !strings.Contains(string(b), `"not_canceled":{"`+ids[0]) {
		t.Fatalf("cancel many: %d %s", code, b)
	}
	body, _ = json.Marshal(map[string]string{"market": b01.ConditionID, "asset_id": b01.YesToken})
	if code, b := c.call("DELETE", "/cancel-market-orders", body); code != 200 || !strings.Contains(string(b), ids[2]) || !strings.Contains(string(b), ids[3]) {
		t.Fatalf("cancel market: %d %s", code, b)
	}
	if code, b := c.call("DELETE", "/cancel-all", nil); code != 200 || !strings.Contains(string(b), `"canceled":[]`) {
		t.Fatalf("cancel all: %d %s", code, b)
	}
	// trades query after a fill
	_, ask := bestOf(s, b01.YesToken)
	_, r, e := c.post(orderSpec{token: b01.YesToken, side: Buy, maker: ask * 5, taker: 5_000_000, typ: FOK})
	if !r.Success {
		t.Fatal(e)
	}
	code, b = c.call("GET", "/data/trades?id="+r.TradeIDs[0], nil)
	if code != 200 || !strings.Contains(string(b), `"trader_side":"TAKER"`) || !strings.Contains(string(b), `"transaction_hash":"0x`) {
		t.Fatalf("trades: %d %s", code, b)
	}
	code, b = c.call("GET", "/balance-allowance?asset_type=CONDITIONAL&token_id="+b01.YesToken+"&signature_type=0", nil)
	if code != 200 || !strings.Contains(string(b), `"balance":"105000000"`) {
		t.Fatalf("balance: %d %s", code, b)
	}
}

func TestL1Auth(t *testing.T) {
	s := startSmall(t, nil)
	c := newClient(t, s, 0)
	// official vector (Polygon, ts 100000, nonce 0)
	hdr := map[string]string{"POLY_ADDRESS": testAddress, "POLY_TIMESTAMP": "100000", "POLY_NONCE": "0",
		"POLY_SIGNATURE": "0xfdfb5abf512e439ea61c8595c18e527e718bf16010acf57cef51d09e15893098275d3c6f73038f36ec0cd0ce55436fca14dc64b11611f4dce896e354207508cc1b"}
	code, b, _ := c.raw("GET", "/auth/derive-api-key", nil, hdr)
	var cr Credentials
	if code != 200 || json.Unmarshal(b, &cr) != nil || cr != DeriveCredentials(HardhatAddress(0), 0) {
		t.Fatalf("derive: %d %s", code, b)
	}
	if len(cr.Secret) != 44 || !strings.HasSuffix(cr.Secret, "=") {
		t.Fatalf("secret shape %q", cr.Secret)
	}
	code, b, _ = c.raw("POST", "/auth/api-key", nil, hdr)
	if code != 200 || !strings.Contains(string(b), cr.APIKey) {
		t.Fatalf("create: %d %s", code, b)
	}
	hdr["POLY_NONCE"] = "1"
	if code, _, _ := c.raw("GET", "/auth/derive-api-key", nil, hdr); code != 401 {
		t.Fatalf("tampered nonce accepted: %d", code)
	}
}

func TestHeartbeatDeadMan(t *testing.T) {
	s := startSmall(t, func(c *Config) { c.HeartbeatTimeout = 300 * time.Millisecond })
	c := newClient(t, s, 0)
	nr, _, _ := smallMarkets(s)
	_, r, _ := c.post(orderSpec{token: nr[0].YesToken, side: Buy, maker: 500_000, taker: 10_000_000})
	code, b := c.call("POST", "/v1/heartbeats", []byte(`{"heartbeat_id":""}`))
	var hb struct {
		ID string `json:"heartbeat_id"`
	}
	if code != 200 || json.Unmarshal(b, &hb) != nil || hb.ID == "" {
		t.Fatalf("heartbeat: %d %s", code, b)
	}
	code, b = c.call("POST", "/v1/heartbeats", []byte(`{"heartbeat_id":"stale"}`))
	if code != 400 || !strings.Contains(string(b), `"error_msg":"Invalid Heartbeat ID","heartbeat_id":"`+hb.ID+`"`) {
		t.Fatalf("stale id: %d %s", code, b)
	}
	time.Sleep(150 * time.Millisecond)
	code, _ = c.call("POST", "/v1/heartbeats", []byte(`{"heartbeat_id":"`+hb.ID+`"}`))
	if code != 200 {
		t.Fatal("renewal failed")
	}
	time.Sleep(200 * time.Millisecond)
	if o, _ := s.x.Order(r.OrderID); o.Status != StatusLive {
		t.Fatalf("cancelled while heartbeats were on time: %s", o.Status)
	}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if o, _ := s.x.Order(r.OrderID); o.Status == StatusCanceled {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("dead-man switch did not cancel")
}

func TestSettlementAndFailure(t *testing.T) {
	s := startSmall(t, nil)
	c := newClient(t, s, 0)
	_, b01, _ := smallMarkets(s)
	_, ask := bestOf(s, b01.YesToken)
	before := s.Ledger(c.addr)
	_, r, e := c.post(orderSpec{token: b01.YesToken, side: Buy, maker: ask * 5, taker: 5_000_000, typ: FOK})
	if !r.Success {
		t.Fatal(e)
	}
	waitTrade(t, s, r.TradeIDs[0], TradeConfirmed)
	after := s.Ledger(c.addr)
	if after.Cash != before.Cash-ask*5 || after.Positions[b01.YesToken] != before.Positions[b01.YesToken]+5_000_000 {
		t.Fatalf("ledger after confirm: %+v", after)
	}
	s.Faults().FailNextTrades(1)
	_, r, e = c.post(orderSpec{token: b01.YesToken, side: Buy, maker: ask * 5, taker: 5_000_000, typ: FOK})
	if !r.Success {
		t.Fatal(e)
	}
	waitTrade(t, s, r.TradeIDs[0], TradeFailed)
	if got := s.Ledger(c.addr); got.Cash != after.Cash || got.Positions[b01.YesToken] != after.Positions[b01.YesToken] {
		t.Fatalf("FAILED did not roll back: %+v vs %+v", got, after)
	}
}

func waitTrade(t *testing.T, s *Server, id, status string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		for _, tr := range s.x.Trades() {
			if tr.ID == id && tr.Status == status {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("trade %s never reached %s", id, status)
}

func TestRESTFaults(t *testing.T) {
	s := startSmall(t, nil)
	c := newClient(t, s, 0)
	s.Faults().Inject(FaultRule{Method: "POST", Path: "/order", Status: 429, RetryAfter: 2, Count: 1})
	s.Faults().Inject(FaultRule{Path: "/book*", Status: 425, Count: 1})
	nr, _, _ := smallMarkets(s)
	code, b, h := c.raw("POST", "/order", c.envelope(orderSpec{token: nr[0].YesToken, side: Buy, maker: 500_000, taker: 10_000_000}), nil)
	if code != 429 || h.Get("Retry-After") != "2" || !strings.Contains(string(b), `"error"`) {
		t.Fatalf("429: %d %s %v", code, b, h)
	}
	if code, _, _ := c.raw("GET", "/book?token_id="+nr[0].YesToken, nil, nil); code != 425 {
		t.Fatalf("425: %d", code)
	}
	if code, _, _ := c.raw("GET", "/book?token_id="+nr[0].YesToken, nil, nil); code != 200 {
		t.Fatalf("after count: %d", code)
	}
	s.Faults().Inject(FaultRule{Path: "/time", Delay: 150 * time.Millisecond, Count: 1})
	t0 := time.Now()
	c.raw("GET", "/time", nil, nil)
	if time.Since(t0) < 150*time.Millisecond {
		t.Fatal("slow answer not slow")
	}
	// delayed matching
	s.Faults().DelayMatching(1, 100*time.Millisecond)
	_, ask := bestOf(s, nr[0].YesToken)
	_, r, _ := c.post(orderSpec{token: nr[0].YesToken, side: Buy, maker: ask * 5, taker: 5_000_000, typ: FOK})
	if r.Status != "delayed" {
		t.Fatalf("delayed: %+v", r)
	}
	if _, ok := s.x.Order(r.OrderID); ok {
		t.Fatal("delayed order matched at once")
	}
	if code, b := c.call("GET", "/data/order/"+r.OrderID, nil); code != 200 || !strings.Contains(string(b), `"status":"DELAYED"`) {
		t.Fatalf("delayed order query: %d %s", code, b)
	}
	time.Sleep(300 * time.Millisecond)
	if o, ok := s.x.Order(r.OrderID); !ok || o.Status != StatusMatched {
		t.Fatalf("delayed order not matched later: %+v", o)
	}
	// a delayed FOK that cannot fill ends UNMATCHED, still queryable
	s.Faults().DelayMatching(1, 50*time.Millisecond)
	_, r, _ = c.post(orderSpec{token: nr[0].YesToken, side: Buy, maker: 1_000_000, taker: 100_000_000, typ: FOK})
	time.Sleep(250 * time.Millisecond)
	if code, b := c.call("GET", "/data/order/"+r.OrderID, nil); code != 200 || !strings.Contains(string(b), `"status":"UNMATCHED"`) {
		t.Fatalf("failed delayed order: %d %s", code, b)
	}
	_ = strconv.Itoa
}

func TestProxyWalletAndGTD(t *testing.T) {
	proxy := "0x995c9b1f779c04e65AF8ea3360F96c43b5e62316"
	s := startSmall(t, func(c *Config) {
		c.Wallets = map[common.Address]Wallet{common.HexToAddress(proxy): {Kind: 1, Owners: []common.Address{HardhatAddress(0)}}}
	})
	c := newClient(t, s, 0)
	s.x.Fund(common.HexToAddress(proxy), 100_000_000)
	nr, _, _ := smallMarkets(s)
	tok := nr[0].YesToken
	_, r, e := c.post(orderSpec{token: tok, side: Buy, maker: 200_000, taker: 10_000_000, funder: proxy, sigType: 1})
	if !r.Success {
		t.Fatalf("proxy order: %s", e)
	}
	if o, _ := s.x.Order(r.OrderID); o.Maker != common.HexToAddress(proxy) {
		t.Fatalf("maker %s", o.Maker.Hex())
	}
	// the same maker as a Safe (type 2) is not configured: the exchange would reject it
	if _, _, e := c.post(orderSpec{token: tok, side: Buy, maker: 200_000, taker: 10_000_000, funder: proxy, sigType: 2}); e != ErrMsgSignature {
		t.Fatalf("unconfigured safe: %q", e)
	}
	code, b := c.call("GET", "/balance-allowance?asset_type=COLLATERAL&signature_type=1", nil)
	if code != 200 || !strings.Contains(string(b), `"balance":"100000000"`) {
		t.Fatalf("proxy balance: %s", b)
	}
	// GTD: the 1-minute security threshold, then expiry
	now := time.Now().Unix()
	if _, _, e := c.post(orderSpec{token: tok, side: Buy, maker: 200_000, taker: 10_000_000, typ: GTD, exp: now + 30}); e != ErrMsgExpiration {
		t.Fatalf("GTD inside threshold: %q", e)
	}
	_, r, e = c.post(orderSpec{token: tok, side: Buy, maker: 200_000, taker: 10_000_000, typ: GTD, exp: now + 62})
	if !r.Success {
		t.Fatalf("GTD: %s", e)
	}
	s.x.mu.Lock()
	s.x.expireGTD(time.Unix(now+63, 0))
	s.x.mu.Unlock()
	if o, _ := s.x.Order(r.OrderID); o.Status != StatusCanceled {
		t.Fatalf("GTD not expired: %s", o.Status)
	}
}

func TestLedgerEndpoint(t *testing.T) {
	s := startSmall(t, nil)
	c := newClient(t, s, 0)
	code, b, _ := c.raw("GET", "/sim/ledger?address="+c.addr.Hex(), nil, nil)
	var l AccountSnapshot
	if code != 200 || json.Unmarshal(b, &l) != nil || l.Cash != 1000_000_000 || len(l.Positions) == 0 {
		t.Fatalf("ledger: %d %s", code, b)
	}
	if code, _, _ := c.raw("GET", "/sim/ledger?address=nope", nil, nil); code != 400 {
		t.Fatalf("bad address: %d", code)
	}
	if code, b, _ := c.raw("GET", "/sim/windows", nil, nil); code != 200 || string(b) != "[]" {
		t.Fatalf("windows: %d %s", code, b)
	}
	for _, n := range []int{0, 1, 499, 500} {
		got, ok := decodeCursor(encodeCursor(n, 1000))
		if !ok || got != n {
			t.Errorf("cursor %d -> %d", n, got)
		}
	}
	if encodeCursor(10, 10) != "LTE=" {
		t.Error("end cursor")
	}
	code, b, _ = c.raw("GET", "/gamma/markets?limit=2&offset=1", nil, nil)
	var ms []map[string]any
	if code != 200 || json.Unmarshal(b, &ms) != nil || len(ms) != 2 {
		t.Fatalf("gamma paging: %d %s", code, b)
	}
	var ids []string
	if json.Unmarshal([]byte(ms[0]["clobTokenIds"].(string)), &ids) != nil || len(ids) != 2 {
		t.Fatalf("clobTokenIds is not a JSON-encoded string list: %v", ms[0]["clobTokenIds"])
	}
}

// sign1271 builds a POLY_1271 blob (protocol.md §7.8) for wallet-signed o
// with the owner's key: inner EOA signature over TypedDataSign, then the
// app domain separator, the contents hash, the type string and its length.
func sign1271(t *testing.T, o *SignedOrder, d Domain, keyHex string) []byte {
	t.Helper()
	key, err := crypto.HexToECDSA(strings.TrimPrefix(keyHex, "0x"))
	if err != nil {
		t.Fatal(err)
	}
	td := apitypes.TypedData{
		Types: apitypes.Types{"EIP712Domain": domainFields, "Order": orderFields, "TypedDataSign": {
			{Name: "contents", Type: "Order"}, {Name: "name", Type: "string"}, {Name: "version", Type: "string"},
			{Name: "chainId", Type: "uint256"}, {Name: "verifyingContract", Type: "address"}, {Name: "salt", Type: "bytes32"}}},
		PrimaryType: "TypedDataSign", Domain: d.typed(),
		Message: apitypes.TypedDataMessage{"contents": o.message(), "name": "DepositWallet", "version": "1",
			"chainId": big.NewInt(d.ChainID), "verifyingContract": o.Signer, "salt": zeroBytes32},
	}
	digest, _, err := apitypes.TypedDataAndHash(td)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := crypto.Sign(digest, key)
	if err != nil {
		t.Fatal(err)
	}
	sig[64] += 27
	dom, _ := td.HashStruct("EIP712Domain", td.Domain.Map())
	contents, _ := td.HashStruct("Order", o.message())
	blob := append(sig, dom...)
	blob = append(blob, contents...)
	blob = append(blob, OrderTypeString...)
	return append(blob, byte(len(OrderTypeString)>>8), byte(len(OrderTypeString)))
}

func TestDepositWalletOrder(t *testing.T) {
	wallet := common.HexToAddress("0x1111111111111111111111111111111111111111")
	s := startSmall(t, func(c *Config) {
		c.Wallets = map[common.Address]Wallet{wallet: {Kind: 3, Owners: []common.Address{HardhatAddress(0)}}}
	})
	s.x.Fund(wallet, 50_000_000)
	c := newClient(t, s, 0)
	nr, _, _ := smallMarkets(s)
	post := func(keyHex string) (int, string) {
		so := &SignedOrder{Salt: "77", Maker: wallet.Hex(), Signer: wallet.Hex(), TokenID: nr[0].YesToken,
			MakerAmount: "200000", TakerAmount: "10000000", Side: 0, SignatureType: 3,
			Timestamp: strconv.FormatInt(time.Now().UnixMilli(), 10), Metadata: zeroBytes32, Builder: zeroBytes32}
		blob := sign1271(t, so, ExchangeDomain(so.TokenID, true, 137), keyHex)
		body, _ := json.Marshal(map[string]any{"order": map[string]any{
			"salt": 77, "maker": so.Maker, "signer": so.Signer, "tokenId": so.TokenID, "makerAmount": so.MakerAmount,
			"takerAmount": so.TakerAmount, "side": "BUY", "signatureType": 3, "timestamp": so.Timestamp, "expiration": "0",
			"metadata": so.Metadata, "builder": so.Builder, "signature": "0x" + common.Bytes2Hex(blob)},
			"owner": c.creds.APIKey, "orderType": "GTC"})
		code, b := c.call("POST", "/order", body)
		return code, string(b)
	}
	if code, b := post(HardhatKeys[0]); code != 200 || !strings.Contains(b, `"status":"live"`) {
		t.Fatalf("owner-signed deposit wallet order: %d %s", code, b)
	}
	if code, b := post(HardhatKeys[1]); code != 400 || !strings.Contains(b, ErrMsgSignature) {
		t.Fatalf("non-owner inner signer: %d %s", code, b)
	}
}

// TestMarketablePriceSnapping: marketable amounts are snapped to the grid
// but the limit never exceeds the signed ratio.
func TestMarketablePriceSnapping(t *testing.T) {
	s := startSmall(t, nil)
	_, b01, _ := smallMarkets(s)
	cases := []struct {
		side         Side
		maker, taker int64
		want         book.Price
		ok           bool
	}{
		{Buy, 1_000_000, 1_785_700, 560_000, true},  // client vector: 1/0.56 rounded down → implied 0.560011
		{Buy, 1_000_000, 1_786_000, 550_000, true},  // implied 0.559910 < 0.56: limit moves inward to 0.55
		{Sell, 5_000_000, 2_800_000, 560_000, true}, // exact
		{Sell, 5_000_000, 2_799_900, 560_000, true}, // implied 0.55998 ≤ 0.56
		{Sell, 5_000_000, 2_800_100, 570_000, true}, // implied above 0.56: inward to 0.57
		{Buy, 5_000_000, 9_090_900, 550_000, true},  // implied 0.550000055: snaps to 0.55
		{Buy, 5_550_000, 10_000_000, 0, false},      // 0.555: half a tick off the grid
	}
	for i, c := range cases {
		p := &parsedOrder{id: "0x", m: b01, yes: true, side: c.side, makerAmt: c.maker, takerAmt: c.taker, typ: FOK, env: &orderEnvelope{}}
		s.x.mu.Lock()
		price, _, err := s.priceRules(p)
		s.x.mu.Unlock()
		if (err == nil) != c.ok || (c.ok && price != c.want) {
			t.Errorf("case %d: price %v err %v; want %v ok=%v", i, price, err, c.want, c.ok)
		}
	}
}

func TestRateLimit(t *testing.T) {
	s := startSmall(t, func(c *Config) { c.RateLimit = RateLimit{OrderRate: 1, OrderBurst: 3, CancelRate: 1, CancelBurst: 2} })
	c := newClient(t, s, 0)
	nr, _, _ := smallMarkets(s)
	var envs []json.RawMessage
	for i := 0; i < 4; i++ {
		envs = append(envs, c.envelope(orderSpec{token: nr[0].YesToken, side: Buy, maker: 100_000, taker: 10_000_000}))
	}
	body, _ := json.Marshal(envs)
	path := "/orders"
	code, b, h := c.raw("POST", path, body, c.l2Headers("POST", path, body))
	if code != 429 || h.Get("Retry-After") != "1" || !strings.Contains(string(b), "Too Many Requests") {
		t.Fatalf("batch of 4 over a burst of 3: %d %s %v", code, b, h)
	}
	body, _ = json.Marshal(envs[:3])
	code, _, h = c.raw("POST", path, body, c.l2Headers("POST", path, body))
	if code != 200 || h.Get("Poly-RateLimit-Remaining") != "0" {
		t.Fatalf("batch of 3: %d %v", code, h)
	}
	if code, _ := c.call("POST", "/order", envs[3]); code != 429 {
		t.Fatalf("empty bucket: %d", code)
	}
	time.Sleep(1100 * time.Millisecond)
	if code, _ := c.call("POST", "/order", envs[3]); code != 200 {
		t.Fatalf("after refill: %d", code)
	}
	for i, want := range []int{200, 200, 429} {
		if code, _ := c.call("DELETE", "/cancel-all", nil); code != want {
			t.Fatalf("cancel %d: %d", i, code)
		}
	}
}
