package sim

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
)

// fuzzRequest serves one L2-signed request in process and checks the
// answer is well-formed JSON: an object with a string "error" on failure.
func fuzzRequest(t *testing.T, s *Server, c *client, method, path string, body []byte, arrayOK bool) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	for k, v := range c.l2Headers(method, path, body) {
		req.Header.Set(k, v)
	}
	s.srv.Handler.ServeHTTP(rec, req)
	out := rec.Body.Bytes()
	if !json.Valid(out) {
		t.Fatalf("%s %s %q -> %d invalid JSON %q", method, path, body, rec.Code, out)
	}
	if rec.Code == 200 {
		if arrayOK && len(out) > 0 && out[0] == '[' {
			return
		}
		var obj map[string]any
		if err := json.Unmarshal(out, &obj); err != nil {
			t.Fatalf("200 not an object: %q", out)
		}
		return
	}
	var e map[string]any
	if err := json.Unmarshal(out, &e); err != nil {
		t.Fatalf("%d not an object: %q", rec.Code, out)
	}
	if _, ok := e["error"].(string); !ok {
		if _, ok := e["error_msg"].(string); !ok {
			t.Fatalf("%d without error string: %q", rec.Code, out)
		}
	}
}

func fuzzSetup(f *testing.F) (*Server, *client, []byte) {
	s := startSmall(f, func(c *Config) { c.Rate = -1 })
	c := newClient(f, s, 0)
	nr, _, _ := smallMarkets(s)
	valid := c.envelope(orderSpec{token: nr[0].YesToken, side: Buy, maker: 200_000, taker: 10_000_000})
	return s, c, valid
}

func FuzzPostOrder(f *testing.F) {
	s, c, valid := fuzzSetup(f)
	f.Add(valid)
	f.Add(bytes.Replace(valid, []byte(`"BUY"`), []byte(`"HOLD"`), 1))
	f.Add(bytes.Replace(valid, []byte(`"salt":`), []byte(`"taker":"0x0","salt":`), 1))
	f.Add(bytes.Replace(valid, []byte(`"makerAmount":"`), []byte(`"makerAmount":"-`), 1))
	f.Add([]byte(`{"order":{"salt":1e300,"tokenId":"1","makerAmount":"1","takerAmount":"1","side":"BUY","signatureType":9}}`))
	f.Add([]byte(`{"order":null}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(``))
	f.Add([]byte(`{"order":{"signature":"0x` + string(bytes.Repeat([]byte("ab"), 300)) + `","signatureType":3}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzRequest(t, s, c, "POST", "/order", body, false)
	})
}

func FuzzPostOrders(f *testing.F) {
	s, c, valid := fuzzSetup(f)
	f.Add(append(append([]byte{'['}, valid...), ']'))
	f.Add([]byte(`[{"order":{}},{"order":null},1,"x",null]`))
	f.Add([]byte(`[` + string(bytes.Repeat([]byte(`{},`), 16)) + `{}]`))
	f.Add([]byte(`{"not":"an array"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzRequest(t, s, c, "POST", "/orders", body, true)
	})
}

func FuzzCancel(f *testing.F) {
	s, c, _ := fuzzSetup(f)
	f.Add("/order", []byte(`{"orderID":"0x01"}`))
	f.Add("/orders", []byte(`["0x01","0x02"]`))
	f.Add("/cancel-market-orders", []byte(`{"market":"0x1","asset_id":"2"}`))
	f.Add("/cancel-all", []byte(``))
	f.Add("/order", []byte(`{"orderID":5}`))
	f.Fuzz(func(t *testing.T, path string, body []byte) {
		switch path {
		case "/order", "/orders", "/cancel-market-orders", "/cancel-all":
		default:
			path = "/order"
		}
		fuzzRequest(t, s, c, "DELETE", path, body, false)
	})
}

func FuzzHeartbeat(f *testing.F) {
	s, c, _ := fuzzSetup(f)
	f.Add([]byte(`{"heartbeat_id":""}`))
	f.Add([]byte(`{"heartbeat_id":7}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzRequest(t, s, c, "POST", "/v1/heartbeats", body, false)
	})
}

func FuzzBooksRequest(f *testing.F) {
	s, c, _ := fuzzSetup(f)
	nr, _, _ := smallMarkets(s)
	f.Add([]byte(`[{"token_id":"` + nr[0].YesToken + `"}]`))
	f.Add([]byte(`[{"token_id":1}]`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzRequest(t, s, c, "POST", "/books", body, true)
	})
}

// FuzzMarketSubscribe feeds arbitrary frames to the market channel's
// subscribe handler: it never panics and only ever queues valid JSON.
func FuzzMarketSubscribe(f *testing.F) {
	s := startSmall(f, func(c *Config) { c.Rate = -1 })
	nr, _, _ := smallMarkets(s)
	f.Add([]byte(`{"assets_ids":["` + nr[0].YesToken + `"],"type":"market"}`))
	f.Add([]byte(`{"operation":"unsubscribe","assets_ids":["` + nr[0].YesToken + `"]}`))
	f.Add([]byte(`{"assets_ids":"x","initial_dump":"no"}`))
	f.Add([]byte(`{"auth":{"apiKey":1}}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		mc := &marketConn{wsConn: newWSConn(a, 0, 64), assets: map[string]bool{}}
		s.mhub.handle(mc, msg)
		uc := &userConn{wsConn: newWSConn(b, 0, 64), markets: map[string]bool{}}
		s.uhub.handle(uc, msg)
		for {
			select {
			case out := <-mc.out:
				if !json.Valid(out) {
					t.Fatalf("queued invalid JSON %q", out)
				}
			default:
				return
			}
		}
	})
}

func FuzzParseScenario(f *testing.F) {
	for _, n := range BundledScenarios() {
		b, _ := bundled.ReadFile("scenarios/" + n + ".toml")
		f.Add(string(b))
	}
	f.Add("[[events]]\ncount = 2\noutcomes = [2, 3]\ntick = \"0.0025\"\nfee_rate = \"0.07\"")
	f.Add(`[windows]
every = "-1s"`)
	f.Fuzz(func(t *testing.T, data string) {
		sc, err := ParseScenario(data)
		if err != nil {
			return
		}
		total := 0
		for _, e := range sc.Events {
			total += max(e.Count, 1) * e.Outcomes[1]
		}
		for _, m := range sc.Markets {
			total += max(m.Count, 1)
		}
		if total > 2000 {
			return
		}
		_, _ = sc.build(1)
	})
}

func FuzzDecodeCursor(f *testing.F) {
	for _, s := range []string{"", "MA==", "LTE=", "NTAw", "!!", "LTI="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, c string) {
		n, ok := decodeCursor(c)
		if ok && n < -1 {
			t.Fatalf("cursor %q -> %d", c, n)
		}
	})
}

func FuzzParseGamma(f *testing.F) {
	// small seeds in the fixtures' shapes (large seeds make the fuzzer spend
	// its time minimizing)
	f.Add([]byte(`{"id":"30829","slug":"d","title":"D","negRisk":true,"negRiskAugmented":true,"negRiskMarketID":"0x2c","markets":[{"id":"559657","conditionId":"0xc8f1cf5d4f26e0fd9c8fe89f2a7b3263b902cf14fde7bfccef525753bb492e47","outcomes":"[\"Yes\", \"No\"]","outcomePrices":"[\"0.0105\", \"0.9895\"]","clobTokenIds":"[\"60590045489347122735554346200880179420435533609307820342798544098823516727807\", \"76005700027045000587004110133818166617024719626220722682005164003117993034812\"]","orderPriceMinTickSize":0.001,"orderMinSize":5,"negRisk":true,"acceptingOrders":true}]}`))
	f.Add([]byte(`[{"id":"1","conditionId":"0x` + strings.Repeat("b", 64) + `","clobTokenIds":"[\"1\",\"2\"]","orderPriceMinTickSize":0.01,"feesEnabled":true,"feeSchedule":{"exponent":1,"rate":0.05,"rebateRate":0.25,"takerOnly":true}}]`))
	f.Add([]byte(`[{"conditionId":"0x` + strings.Repeat("a", 64) + `","clobTokenIds":"[\"1\",\"2\"]","orderPriceMinTickSize":0.0025,"feesEnabled":true,"feeSchedule":{"rate":1e400}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		events, markets, err := ParseGamma(data)
		if err != nil {
			return
		}
		for _, e := range events {
			markets = append(markets, e.Markets...)
		}
		for _, m := range markets {
			if !m.Tick.Valid() || m.MinSize < 0 || m.YesToken == "" {
				t.Fatalf("imported an unusable market %+v", m)
			}
		}
	})
}
