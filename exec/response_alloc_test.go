//go:build !race

package exec

import "testing"

func TestParseBatchAllocs(t *testing.T) {
	body := []byte(`[{"success":true,"errorMsg":"","orderID":"` + okID + `","status":"matched","makingAmount":"10.5","takingAmount":"31"},` +
		`{"success":false,"errorMsg":"order couldn't be fully filled. FOK orders are fully filled or killed.","status":""}]`)
	var rp ResponseParser
	out := make([]LegResult, 2)
	rp.ParseBatch(200, body, out)
	if n := testing.AllocsPerRun(500, func() { rp.ParseBatch(200, body, out) }); n != 0 {
		t.Fatalf("ParseBatch allocates %v", n)
	}
}
