package sim

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

const (
	testKeyHex  = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
	testAddress = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
)

func TestHMACVectors(t *testing.T) {
	const secret = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	cases := []struct{ ts, method, path, body, want string }{
		{"1000000", "test-sign", "/orders", `{"hash": "0x123"}`, "ZwAdJKvoYRlEKDkNMwd5BuwNNtg93kNaR_oU2HrfVvc="},
		{"1000000", "test-sign", "/orders", `{"hash":"0x123"}`, "4gJVbox-R6XlDK4nlaicig0_ANVL1qdcahiL8CXfXLM="},
		{"1", "GET", "/", "", "eHaylCwqRSOa2LFD77Nt_SaTpbsxzN8eTEI3LryhEj4="},
	}
	for _, c := range cases {
		got, err := HMACSignature(secret, c.ts, c.method, c.path, c.body)
		if err != nil || got != c.want {
			t.Errorf("HMAC(%q %q %q %q) = %q, %v; want %q", c.ts, c.method, c.path, c.body, got, err, c.want)
		}
	}
}

func TestClobAuthVectors(t *testing.T) {
	cases := []struct {
		chain      int64
		ts, nonce  string
		sig, digst string
	}{
		{80002, "10000000", "23", "0xf62319a987514da40e57e2f4d7529f7bac38f0355bd88bb5adbb3768d80de6c1682518e0af677d5260366425f4361e7b70c25ae232aff0ab2331e2b164a1aedc1b", "8f442df8073c9cf2e36d7b20ca9d64d1a9352e982cc82a293b7de2df57920610"},
		{137, "100000", "0", "0xfdfb5abf512e439ea61c8595c18e527e718bf16010acf57cef51d09e15893098275d3c6f73038f36ec0cd0ce55436fca14dc64b11611f4dce896e354207508cc1b", "49b2a2283c0ac60de47fce5c2c36a647b7efb65ee9dc135cd30a4117992b0e6a"},
	}
	for _, c := range cases {
		d, err := ClobAuthDigest(testAddress, c.ts, c.nonce, c.chain)
		if err != nil || hex.EncodeToString(d) != c.digst {
			t.Errorf("digest chain %d = %x, %v", c.chain, d, err)
		}
		if err := VerifyClobAuth(testAddress, c.ts, c.nonce, c.sig, c.chain); err != nil {
			t.Errorf("verify chain %d: %v", c.chain, err)
		}
		if err := VerifyClobAuth(testAddress, c.ts+"1", c.nonce, c.sig, c.chain); err == nil {
			t.Errorf("chain %d: tampered timestamp accepted", c.chain)
		}
		if err := VerifyClobAuth("0x1111111111111111111111111111111111111111", c.ts, c.nonce, c.sig, c.chain); err == nil {
			t.Errorf("chain %d: wrong address accepted", c.chain)
		}
	}
}

// Test vector §5: the official POLY_1271 blob; the inner signer is the test key.
func TestPoly1271Vector(t *testing.T) {
	const blob = "0xa3a093c83b6c20c83355c16ce94c92e6e9fcbdeb840618cc74f6c57a42ad145b2b98db73d2c73cbf1f2b6af288566ae81960ddbc3a13921027358a8bff3be6ff1ca440cbd865bc0c6243d7a8df9a8bf48a8827b0a4abbb61c30e96d305423af148d23d42d3ad94e65d78258cecaf8dcbaddac0f73dc085040f2c12bb595dd838044f726465722875696e743235362073616c742c61646472657373206d616b65722c61646472657373207369676e65722c75696e7432353620746f6b656e49642c75696e74323536206d616b6572416d6f756e742c75696e743235362074616b6572416d6f756e742c75696e743820736964652c75696e7438207369676e6174757265547970652c75696e743235362074696d657374616d702c62797465733332206d657461646174612c62797465733332206275696c6465722900ba"
	o := &SignedOrder{
		Salt: "479249096354", Maker: "0x1111111111111111111111111111111111111111", Signer: "0x1111111111111111111111111111111111111111",
		TokenID: "1234", MakerAmount: "100000000", TakerAmount: "50000000", Side: 0, SignatureType: 3,
		Timestamp: "1710000000000", Signature: common.FromHex(blob),
	}
	d := Domain{Version: "2", ChainID: 80002, Contract: ExchangeV2}
	_, eoa, err := VerifyOrder(o, d)
	if err != nil || eoa != common.HexToAddress(testAddress) {
		t.Fatalf("1271 verify = %s, %v", eoa.Hex(), err)
	}
	// The wrong exchange domain must fail.
	if _, eoa, err := VerifyOrder(o, Domain{Version: "2", ChainID: 80002, Contract: ExchangeV2NegRisk}); err == nil && eoa == common.HexToAddress(testAddress) {
		t.Fatal("1271 blob accepted under the neg-risk domain")
	}
	o.MakerAmount = "100000001"
	if _, eoa, err := VerifyOrder(o, d); err == nil && eoa == common.HexToAddress(testAddress) {
		t.Fatal("tampered order accepted")
	}
}

func TestDomainSeparators(t *testing.T) {
	cases := []struct {
		d    Domain
		want string
	}{
		{Domain{"2", 80002, ExchangeV2}, "a440cbd865bc0c6243d7a8df9a8bf48a8827b0a4abbb61c30e96d305423af148"},
		{Domain{"2", 137, ExchangeV2}, "3264e159346253e26a64e00b69032db0e7d32f94628de3e6eecb50304d7af3d2"},
		{Domain{"2", 137, ExchangeV2NegRisk}, "9b858f53327b0bd13af8ec14cfb35234fb9eb7b0504d1a4e61f433840d30e81a"},
		{Domain{"3", 137, ExchangeV3Polygon}, "466c63910185bbd55e8679264200c4e0abdcbb0c6264eb3d41d13326022e095b"},
		{Domain{"3", 80002, ExchangeV3Amoy}, "df8b5fd204134b8d562677d7fc9346884e8f02ef2fd43358239393723e8833e6"},
	}
	for _, c := range cases {
		td := c.d.typed()
		h, err := (&typedDataForDomain{}).hash(td)
		if err != nil || hex.EncodeToString(h) != c.want {
			t.Errorf("%+v: %x %v", c.d, h, err)
		}
	}
}

func TestExchangeDomainRouting(t *testing.T) {
	if d := ExchangeDomain("1234", false, 137); d.Version != "3" || d.Contract != ExchangeV3Polygon {
		t.Errorf("small id should route to V3: %+v", d)
	}
	big := "71321045679252212594626385532706912750332728571942532289631379312455583992563"
	if d := ExchangeDomain(big, true, 137); d.Version != "2" || d.Contract != ExchangeV2NegRisk {
		t.Errorf("neg-risk: %+v", d)
	}
	if d := ExchangeDomain(big, false, 137); d.Contract != ExchangeV2 {
		t.Errorf("standard: %+v", d)
	}
}

// signOrderGeth signs o with go-ethereum for the given key, as a client would.
func signOrderGeth(t testing.TB, o *SignedOrder, d Domain, keyHex string) {
	t.Helper()
	key, err := crypto.HexToECDSA(strings.TrimPrefix(keyHex, "0x"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := OrderHash(o, d)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := crypto.Sign(h[:], key)
	if err != nil {
		t.Fatal(err)
	}
	sig[64] += 27
	o.Signature = sig
}

func TestVerifyOrderEOA(t *testing.T) {
	o := &SignedOrder{
		Salt: "479249096354", Maker: testAddress, Signer: testAddress,
		TokenID:     "71321045679252212594626385532706912750332728571942532289631379312455583992563",
		MakerAmount: "100000000", TakerAmount: "50000000", Side: 0, Timestamp: "1710000000000",
	}
	d := Domain{"2", 137, ExchangeV2}
	signOrderGeth(t, o, d, testKeyHex)
	_, eoa, err := VerifyOrder(o, d)
	if err != nil || eoa != common.HexToAddress(testAddress) {
		t.Fatalf("verify: %s %v", eoa.Hex(), err)
	}
	_, eoa, _ = VerifyOrder(o, Domain{"2", 137, ExchangeV2NegRisk})
	if eoa == common.HexToAddress(testAddress) {
		t.Fatal("wrong domain recovered the signer")
	}
}
