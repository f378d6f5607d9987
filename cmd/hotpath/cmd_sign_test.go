package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	testKeyHex  = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
	testAddress = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
)

func runSignInput(t *testing.T, input string, envVars map[string]string) (map[string]any, []any, int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &signEnv{getenv: func(k string) string { return envVars[k] }, now: func() time.Time { return time.UnixMilli(1710000000000) }}
	code := signAll([]byte(input), env, &out, &errb)
	var obj map[string]any
	var arr []any
	if strings.HasPrefix(strings.TrimSpace(input), "[") {
		if err := json.Unmarshal(out.Bytes(), &arr); err != nil {
			t.Fatalf("output %q: %v", out.String(), err)
		}
	} else if err := json.Unmarshal(out.Bytes(), &obj); err != nil {
		t.Fatalf("output %q (stderr %q): %v", out.String(), errb.String(), err)
	}
	return obj, arr, code, out.String() + errb.String()
}

func TestSignOps(t *testing.T) {
	cases := []struct {
		name  string
		input string
		want  map[string]string
	}{
		{"POLY_1271 vector (test-vectors §5)", `{"op":"order","chainId":80002,"version":2,"privateKey":"` + testKeyHex + `",
			"maker":"0x1111111111111111111111111111111111111111","signatureType":3,"salt":479249096354,"tokenId":"1234",
			"makerAmount":"100000000","takerAmount":"50000000","side":"BUY","timestamp":"1710000000000"}`,
			map[string]string{
				"exchangeAddress": "0xE111180000d2663C0091e4f400237545B87B996B",
				"domainSeparator": "0xa440cbd865bc0c6243d7a8df9a8bf48a8827b0a4abbb61c30e96d305423af148",
				"structHash":      "0xd23d42d3ad94e65d78258cecaf8dcbaddac0f73dc085040f2c12bb595dd83804",
				"signature":       "0xa3a093c83b6c20c83355c16ce94c92e6e9fcbdeb840618cc74f6c57a42ad145b2b98db73d2c73cbf1f2b6af288566ae81960ddbc3a13921027358a8bff3be6ff1ca440cbd865bc0c6243d7a8df9a8bf48a8827b0a4abbb61c30e96d305423af148d23d42d3ad94e65d78258cecaf8dcbaddac0f73dc085040f2c12bb595dd838044f726465722875696e743235362073616c742c61646472657373206d616b65722c61646472657373207369676e65722c75696e7432353620746f6b656e49642c75696e74323536206d616b6572416d6f756e742c75696e743235362074616b6572416d6f756e742c75696e743820736964652c75696e7438207369676e6174757265547970652c75696e743235362074696d657374616d702c62797465733332206d657461646174612c62797465733332206275696c6465722900ba",
			}},
		{"amounts limit §7a", `{"op":"amounts","kind":"limit","side":"BUY","price":0.56,"size":21.04,"tickSize":"0.01"}`,
			map[string]string{"makerAmount": "11782400", "takerAmount": "21040000"}},
		{"amounts market §7b", `{"op":"amounts","kind":"market","side":"BUY","price":"0.0057","amount":"1","tickSize":"0.0001"}`,
			map[string]string{"makerAmount": "1000000", "takerAmount": "175438596"}},
		{"l1 §1a", `{"op":"l1","privateKey":"` + testKeyHex + `","chainId":80002,"timestamp":"10000000","nonce":23}`,
			map[string]string{"address": testAddress, "signature": "0xf62319a987514da40e57e2f4d7529f7bac38f0355bd88bb5adbb3768d80de6c1682518e0af677d5260366425f4361e7b70c25ae232aff0ab2331e2b164a1aedc1b"}},
		{"l2 §2a", `{"op":"l2","secret":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","timestamp":"1000000","method":"test-sign","path":"/orders","body":"{\"hash\": \"0x123\"}"}`,
			map[string]string{"signature": "ZwAdJKvoYRlEKDkNMwd5BuwNNtg93kNaR_oU2HrfVvc="}},
		{"l2 §2c no body", `{"op":"l2","secret":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","timestamp":1,"method":"GET","path":"/"}`,
			map[string]string{"signature": "eHaylCwqRSOa2LFD77Nt_SaTpbsxzN8eTEI3LryhEj4="}},
		{"build market with the configured key", `{"op":"build","kind":"market","side":"BUY","price":"0.56","amount":"100","tickSize":"0.01","chainId":137,"negRisk":true,"salt":1,"timestamp":1710000000000,"tokenId":"1234","owner":"k"}`,
			map[string]string{"makerAmount": "100000000", "takerAmount": "178571400", "exchangeAddress": "0xe2222d279d744050d28e00520010520000310F59"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			obj, _, code, raw := runSignInput(t, c.input, map[string]string{"HOTPATH_PRIVATE_KEY": testKeyHex})
			if code != 0 {
				t.Fatalf("exit %d: %s", code, raw)
			}
			for k, v := range c.want {
				if obj[k] != v {
					t.Errorf("%s = %v, want %s", k, obj[k], v)
				}
			}
		})
	}
	// The build body is the official envelope with FOK for a market order.
	obj, _, _, _ := runSignInput(t, cases[len(cases)-1].input, map[string]string{"HOTPATH_PRIVATE_KEY": testKeyHex})
	body := obj["body"].(string)
	if !strings.HasPrefix(body, `{"deferExec":false,"postOnly":false,"order":{"salt":1,"maker":"`+testAddress) ||
		!strings.HasSuffix(body, `"owner":"k","orderType":"FOK"}`) {
		t.Errorf("body %s", body)
	}
	if obj["order"].(map[string]any)["signer"] != testAddress {
		t.Errorf("order %v", obj["order"])
	}
}

func TestSignErrors(t *testing.T) {
	secretish := "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ffzz"
	input := `[{"op":"amounts","kind":"limit","side":"BUY","price":0.5,"size":10,"tickSize":"0.01"},
	{"op":"nope"},
	{"op":"l1","privateKey":"` + secretish + `","chainId":137},
	{"op":"order","chainId":137,"tokenId":"1","makerAmount":"1","takerAmount":"1","side":"BUY"},
	{"op":"amounts","kind":"limit","side":"BUY","price":0.5,"size":10,"tickSize":"0.02"},
	{"op":"build","kind":"limit","side":"BUY","price":0.995,"size":10,"tickSize":"0.01","chainId":137,"tokenId":"1","privateKey":"` + testKeyHex + `"},
	{"op":"order","chainId":137,"privateKey":"` + testKeyHex + `","salt":9007199254740992,"tokenId":"1","makerAmount":"1","takerAmount":"1","side":"BUY"},
	{"op":"amounts","kind":"limit","side":"BUY","price":0.5,"size":10,"tickSize":"0.01","typo":1}]`
	_, arr, code, raw := runSignInput(t, input, map[string]string{})
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	if len(arr) != 8 {
		t.Fatalf("results %d", len(arr))
	}
	if _, bad := arr[0].(map[string]any)["error"]; bad {
		t.Error("good object failed")
	}
	for i := 1; i < len(arr); i++ {
		msg, ok := arr[i].(map[string]any)["error"].(string)
		if !ok || msg == "" {
			t.Errorf("object %d: no error: %v", i, arr[i])
		}
	}
	for _, frag := range []string{secretish[:16], secretish[20:40], "ac0974bec39a17e3", "'z'"} {
		if strings.Contains(raw, frag) {
			t.Fatalf("output reveals key material %q: %s", frag, raw)
		}
	}
	// Invalid JSON as a whole: one error, exit 1.
	var out, errb bytes.Buffer
	if code := signAll([]byte(`[{"op":`), &signEnv{getenv: func(string) string { return "" }, now: time.Now}, &out, &errb); code != 1 || errb.Len() == 0 {
		t.Errorf("broken JSON: exit %d, stderr %q", code, errb.String())
	}
}

func TestSignCommandLine(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runSign([]string{"--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "Example") || !strings.Contains(out.String(), "amounts") {
		t.Fatalf("--help: %d %q", code, out.String())
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "in.json")
	_ = os.WriteFile(file, []byte(`{"op":"l2","secret":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","timestamp":"1","method":"GET","path":"/"}`), 0o600)
	out.Reset()
	if code := runSign([]string{file}, &out, &errb); code != 0 || !strings.Contains(out.String(), "eHaylCwqRSOa2LFD77Nt_SaTpbsxzN8eTEI3LryhEj4=") {
		t.Fatalf("file input: %d %q %q", code, out.String(), errb.String())
	}
	if code := runSign([]string{"--bogus"}, &out, &errb); code != 2 {
		t.Errorf("bad flag exit %d", code)
	}
	if code := runSign([]string{filepath.Join(dir, "missing.json")}, &out, &errb); code != 1 {
		t.Errorf("missing file exit %d", code)
	}
}
