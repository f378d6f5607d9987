package sim

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/hotpath/hotpath/book"
)

// startSmall runs the "small" scenario on 127.0.0.1 with no background flow.
func startSmall(t testing.TB, mod func(*Config)) *Server {
	t.Helper()
	cfg := Config{Scenario: "small", Rate: 0, MinedDelay: 20 * time.Millisecond, ConfirmDelay: 40 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type client struct {
	t      testing.TB
	s      *Server
	keyHex string
	addr   common.Address
	creds  Credentials
	salt   int
}

func newClient(t testing.TB, s *Server, hardhat int) *client {
	a := HardhatAddress(hardhat)
	return &client{t: t, s: s, keyHex: HardhatKeys[hardhat], addr: a, creds: DeriveCredentials(a, 0)}
}

func (c *client) raw(method, path string, body []byte, hdr map[string]string) (int, []byte, http.Header) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.s.URLs().REST+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

func (c *client) l2Headers(method, path string, body []byte) map[string]string {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sig, err := HMACSignature(c.creds.Secret, ts, method, path, string(body))
	if err != nil {
		c.t.Fatal(err)
	}
	return map[string]string{"POLY_ADDRESS": c.addr.Hex(), "POLY_SIGNATURE": sig, "POLY_TIMESTAMP": ts,
		"POLY_API_KEY": c.creds.APIKey, "POLY_PASSPHRASE": c.creds.Passphrase}
}

// call makes an L2-authenticated request; path may carry a query string.
func (c *client) call(method, pathQuery string, body []byte) (int, []byte) {
	c.t.Helper()
	path, _, _ := strings.Cut(pathQuery, "?")
	code, b, _ := c.raw(method, pathQuery, body, c.l2Headers(method, path, body))
	return code, b
}

type orderSpec struct {
	token    string
	side     Side
	maker    int64
	taker    int64
	typ      OrderType
	domain   *Domain // override
	owner    string  // override
	postOnly bool
	v1       bool
	funder   string // maker wallet (signature types 1/2)
	sigType  int
	exp      int64 // GTD expiration, unix seconds
}

func (c *client) envelope(o orderSpec) []byte {
	c.t.Helper()
	m, _, ok := c.s.x.MarketByToken(o.token)
	if !ok {
		c.t.Fatalf("token %s", o.token)
	}
	c.salt++
	maker := c.addr.Hex()
	if o.funder != "" {
		maker = o.funder
	}
	so := &SignedOrder{Salt: strconv.Itoa(1000 + c.salt), Maker: maker, Signer: c.addr.Hex(), TokenID: o.token,
		MakerAmount: strconv.FormatInt(o.maker, 10), TakerAmount: strconv.FormatInt(o.taker, 10), Side: int(o.side),
		SignatureType: o.sigType, Timestamp: strconv.FormatInt(time.Now().UnixMilli(), 10), Metadata: zeroBytes32, Builder: zeroBytes32}
	d := ExchangeDomain(o.token, m.NegRisk, c.s.cfg.ChainID)
	if o.domain != nil {
		d = *o.domain
	}
	signOrderGeth(c.t, so, d, c.keyHex)
	order := map[string]any{
		"salt": 1000 + c.salt, "maker": so.Maker, "signer": so.Signer, "tokenId": so.TokenID,
		"makerAmount": so.MakerAmount, "takerAmount": so.TakerAmount, "side": o.side.String(),
		"signatureType": o.sigType, "timestamp": so.Timestamp, "expiration": strconv.FormatInt(o.exp, 10), "metadata": so.Metadata,
		"builder": so.Builder, "signature": "0x" + common.Bytes2Hex(so.Signature),
	}
	if o.v1 {
		order["taker"] = "0x0000000000000000000000000000000000000000"
		order["nonce"] = "0"
		order["feeRateBps"] = "0"
	}
	owner := c.creds.APIKey
	if o.owner != "" {
		owner = o.owner
	}
	typ := o.typ
	if typ == "" {
		typ = GTC
	}
	b, _ := json.Marshal(map[string]any{"order": order, "owner": owner, "orderType": typ, "postOnly": o.postOnly, "deferExec": false})
	return b
}

func (c *client) post(o orderSpec) (int, orderResponse, string) {
	c.t.Helper()
	code, b := c.call("POST", "/order", c.envelope(o))
	var r orderResponse
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(b, &r)
	_ = json.Unmarshal(b, &e)
	return code, r, e.Error
}

// markets of the small scenario
func smallMarkets(s *Server) (negRisk []*Market, binary01, binary005 *Market) {
	for _, e := range s.x.Events() {
		if !e.Augmented {
			negRisk = e.Markets
		}
	}
	for _, m := range s.x.Markets() {
		if !m.NegRisk {
			if m.Tick == book.Tick0_01 {
				binary01 = m
			} else {
				binary005 = m
			}
		}
	}
	return
}

func TestPublicEndpoints(t *testing.T) {
	s := startSmall(t, nil)
	c := newClient(t, s, 0)
	nr, b01, _ := smallMarkets(s)
	for path, want := range map[string]string{
		"/version":                             `{"version":2}`,
		"/ok":                                  `"OK"`,
		"/neg-risk?token_id=" + nr[0].YesToken: `{"neg_risk":true}`,
		"/neg-risk?token_id=" + b01.YesToken:   `{"neg_risk":false}`,
		"/tick-size?token_id=" + b01.YesToken:  `{"minimum_tick_size":0.01}`,
		"/fee-rate?token_id=" + b01.YesToken:   `{"base_fee":0}`,
		"/fee-rate?token_id=" + nr[0].YesToken: `{"base_fee":1000}`,
		"/markets-by-token/" + nr[0].NoToken:   `"condition_id":"` + nr[0].ConditionID + `"`,
		"/clob-markets/" + nr[0].ConditionID:   `"fd":{"e":1,"r":0.04,"to":true}`,
		"/book?token_id=" + nr[0].YesToken:     `"neg_risk":true`,
		"/gamma/events?limit=1":                `"negRiskAugmented":false`,
		"/gamma/markets?limit=1&offset=0":      `"clobTokenIds":"[\"`,
		"/markets":                             `"next_cursor":"LTE="`,
	} {
		code, b, _ := c.raw("GET", path, nil, nil)
		if code != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s = %d %s; want %s", path, code, b, want)
		}
	}
	code, b, _ := c.raw("GET", "/time", nil, nil)
	if n, err := strconv.ParseInt(string(b), 10, 64); code != 200 || err != nil || n < time.Now().Unix()-5 {
		t.Errorf("/time = %s", b)
	}
	if code, _, _ := c.raw("GET", "/book?token_id=123", nil, nil); code != 404 {
		t.Errorf("unknown book = %d", code)
	}
}

func TestBookHashREST(t *testing.T) {
	s := startSmall(t, nil)
	nr, _, _ := smallMarkets(s)
	c := newClient(t, s, 0)
	for _, tok := range []string{nr[0].YesToken, nr[0].NoToken} {
		_, b, _ := c.raw("GET", "/book?token_id="+tok, nil, nil)
		var bk struct {
			Market, AssetID, Timestamp, Hash string
			Bids, Asks                       []struct{ Price, Size string }
			MinOrderSize                     string `json:"min_order_size"`
			TickSize                         string `json:"tick_size"`
			NegRisk                          bool   `json:"neg_risk"`
		}
		if err := json.Unmarshal(b, &bk); err != nil {
			t.Fatal(err)
		}
		if len(bk.Bids) == 0 || len(bk.Asks) == 0 {
			t.Fatalf("empty book %s", b)
		}
		// the 9-key preimage, rebuilt by hand from the response
		pre := `{"market":"` + bk.Market + `","asset_id":"` + tok + `","timestamp":"` + bk.Timestamp + `","hash":"","bids":` +
			levelsJSON(bk.Bids) + `,"asks":` + levelsJSON(bk.Asks) + `,"min_order_size":"` + bk.MinOrderSize +
			`","tick_size":"` + bk.TickSize + `","neg_risk":true}`
		if got := sha1hex(pre); got != bk.Hash {
			t.Fatalf("hash %s != recomputed %s", bk.Hash, got)
		}
		// bids ascending, asks descending: best last
		if bk.Bids[0].Price >= bk.Bids[len(bk.Bids)-1].Price && len(bk.Bids) > 1 {
			t.Errorf("bids not ascending: %v", bk.Bids)
		}
	}
}

func levelsJSON(ls []struct{ Price, Size string }) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, l := range ls {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"price":"` + l.Price + `","size":"` + l.Size + `"}`)
	}
	b.WriteByte(']')
	return b.String()
}

func TestTLS(t *testing.T) {
	s := startSmall(t, func(c *Config) { c.TLS = true; c.Rate = -1 })
	u := s.URLs()
	if !strings.HasPrefix(u.REST, "https://127.0.0.1:") || !strings.HasPrefix(u.WSMarket, "wss://") {
		t.Fatalf("urls %+v", u)
	}
	cl := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // self-signed test cert
	resp, err := cl.Get(u.REST + "/version")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Fatalf("%d %v", resp.StatusCode, resp.TLS)
	}
}
