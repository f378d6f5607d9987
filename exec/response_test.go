package exec

import (
	"fmt"
	"testing"
)

func TestClassifyVenueStrings(t *testing.T) {
	cases := []struct {
		msg  string
		want Reject
		act  Action
	}{
		{"order couldn't be fully filled. FOK orders are fully filled or killed.", RejectFOKNotFilled, ActNone},
		{"FOK orders are filled or killed", RejectFOKNotFilled, ActNone},
		{"no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found.", RejectFAKNoMatch, ActNone},
		{"invalid signature", RejectSignature, ActHalt},
		{"not enough balance / allowance", RejectBalance, ActHalt},
		{"order 0xabc is invalid. Price (0.555) breaks minimum tick size rule: 0.01", RejectTick, ActInvalidate},
		{"order 0xabc is invalid. Size (1) lower than the minimum: 5", RejectMinSize, ActInvalidate},
		{"order 0xabc is invalid. Duplicated.", RejectDuplicate, ActQuery},
		{"invalid amounts, the market buy orders maker amount supports a max accuracy of 2 decimals, taker amount a max of 4 decimals", RejectPrecision, ActHalt},
		{"order_version_mismatch", RejectVersion, ActResign},
		{"the order owner has to be the owner of the API KEY", RejectAuth, ActHalt},
		{"'0xabc' address banned", RejectBanned, ActHalt},
		{"'0xabc' address in closed only mode", RejectBanned, ActHalt},
		{"the market is not yet ready to process new orders", RejectNotReady, ActBackoff},
		{"Trading is currently cancel-only", RejectNotReady, ActBackoff},
		{"order match delayed due to market conditions", RejectDelayed, ActQuery},
		{"the trade contains rounding issues", RejectEngine, ActBackoff},
		{"Too many orders in payload: 16, max allowed: 15", RejectPayload, ActHalt},
		{"something new the venue says", RejectUnknown, ActQuery},
		{"", RejectNone, ActNone},
	}
	for _, c := range cases {
		got := Classify([]byte(c.msg))
		if got != c.want {
			t.Errorf("Classify(%q) = %v, want %v", c.msg, got, c.want)
		}
		if a := ActionFor(got); a != c.act {
			t.Errorf("ActionFor(%v) = %v, want %v", got, a, c.act)
		}
	}
}

func TestRejectForHTTP(t *testing.T) {
	for _, c := range []struct {
		code int
		msg  string
		want Reject
	}{
		{425, "", RejectRestarting},
		{429, "Too Many Requests", RejectRateLimited},
		{401, "Unauthorized/Invalid api key", RejectAuth},
		{500, "internal", RejectEngine},
		{503, "Trading is currently disabled", RejectNotReady},
		{400, "invalid signature", RejectSignature},
		{400, "weird", RejectUnknown},
	} {
		if got := RejectForHTTP(c.code, []byte(c.msg)); got != c.want {
			t.Errorf("%d %q: %v, want %v", c.code, c.msg, got, c.want)
		}
	}
}

const okID = "0x23b457271bce9fa09b4f79125c9ec09e968235a462de82e318ef4eb6fe0ffeb0"

func TestParseBatchBothRejectionForms(t *testing.T) {
	body := fmt.Sprintf(`[
	 {"success":true,"errorMsg":"","orderID":%q,"status":"matched","makingAmount":"100","takingAmount":"2.5","transactionsHashes":["0x1"],"tradeIDs":["t1"]},
	 {"success":false,"errorMsg":"order couldn't be fully filled. FOK orders are fully filled or killed.","orderID":"","status":"","makingAmount":"","takingAmount":""},
	 {"success":true,"errorMsg":"","orderID":%q,"status":"delayed","makingAmount":"","takingAmount":""},
	 {"error":"not enough balance / allowance"}
	]`, okID, okID)
	var rp ResponseParser
	out := make([]LegResult, 4)
	rej, err := rp.ParseBatch(200, []byte(body), out)
	if err != nil || rej != RejectNone {
		t.Fatalf("rej=%v err=%v", rej, err)
	}
	if !out[0].Success || out[0].Status != StatusMatched || out[0].Making != 100_000_000 || out[0].Taking != 2_500_000 || !out[0].HasID || out[0].OrderID[0] != 0x23 {
		t.Errorf("leg 0 = %+v", out[0])
	}
	if out[1].Success || out[1].Reject != RejectFOKNotFilled || out[1].Making != 0 {
		t.Errorf("leg 1 = %+v", out[1])
	}
	if !out[2].Success || out[2].Status != StatusDelayed {
		t.Errorf("leg 2 = %+v", out[2])
	}
	if out[3].Success || out[3].Reject != RejectBalance {
		t.Errorf("leg 3 = %+v", out[3])
	}

	rej, err = rp.ParseBatch(400, []byte(`{"error":"Too many orders in payload: 16, max allowed: 15"}`), out)
	if err != nil || rej != RejectPayload {
		t.Errorf("400: rej=%v err=%v", rej, err)
	}
	rej, _ = rp.ParseBatch(429, []byte(`Too Many Requests`), out)
	if rej != RejectRateLimited {
		t.Errorf("429 plain text: %v", rej)
	}
	if _, err := rp.ParseBatch(200, []byte(`[{"success":true}]`), out); err != ErrResponseCount {
		t.Errorf("count mismatch: %v", err)
	}
	if _, err := rp.ParseBatch(200, []byte(`{"success":`), out[:1]); err != ErrResponseShape {
		t.Errorf("truncated: %v", err)
	}
}

func FuzzParseBatch(f *testing.F) {
	f.Add(200, []byte(`[{"success":true,"orderID":"`+okID+`","status":"matched","makingAmount":"1","takingAmount":"2"}]`), 1)
	f.Add(400, []byte(`{"error":"invalid signature"}`), 2)
	f.Add(200, []byte(`{"success":false,"errorMsg":"x"}`), 1)
	f.Add(200, []byte(`[1,2,"x"]`), 3)
	f.Fuzz(func(t *testing.T, code int, body []byte, n int) {
		if n < 0 || n > 16 {
			return
		}
		var rp ResponseParser
		out := make([]LegResult, n)
		_, _ = rp.ParseBatch(code, body, out)
		for i := range out {
			if out[i].Making < 0 || out[i].Taking < 0 {
				t.Fatalf("negative amount %+v", out[i])
			}
		}
	})
}
