package loopback

import (
	"testing"

	"github.com/valyala/fastjson"
)

func TestMatched(t *testing.T) {
	cases := []struct {
		code int
		body string
		want int
	}{
		{200, `[{"success":true,"status":"matched"},{"success":true,"status":"matched"}]`, 2},
		{200, `[{"success":true,"status":"matched"},{"success":false,"errorMsg":"order couldn't be fully filled. FOK orders are fully filled or killed."}]`, 1},
		{200, `[{"success":true,"status":"live"},{"success":true,"status":"delayed"}]`, 0},
		{400, `{"error":"Invalid order payload"}`, 0},
		{200, `{"error":"not an array"}`, 0},
		{200, `not json`, 0},
	}
	var p fastjson.Parser
	for _, c := range cases {
		if got := matched(&p, c.code, []byte(c.body)); got != c.want {
			t.Errorf("%d %s: %d, want %d", c.code, c.body, got, c.want)
		}
	}
}

func FuzzMatched(f *testing.F) {
	f.Add(200, []byte(`[{"success":true,"status":"matched"}]`))
	f.Add(200, []byte(`[1,{"success":"true"},{"status":"matched"}]`))
	f.Add(500, []byte(``))
	var p fastjson.Parser
	f.Fuzz(func(t *testing.T, code int, body []byte) {
		n := matched(&p, code, body)
		v, err := fastjson.ParseBytes(body)
		limit := 0
		if err == nil && v.Type() == fastjson.TypeArray {
			a, _ := v.Array()
			limit = len(a)
		}
		if n < 0 || n > limit || code != 200 && n != 0 {
			t.Fatalf("%d matched of %d (code %d)", n, limit, code)
		}
	})
}
