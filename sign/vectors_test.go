package sign

import (
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Official reference values from /work/shared/docs/test-vectors.md.

const (
	testKey  = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
	testAddr = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
)

func testSigner(t testing.TB) *Signer {
	t.Helper()
	s, err := NewSigner(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func hx(b []byte) string { return "0x" + hex.EncodeToString(b) }

func mustTokenID(t testing.TB, s string) [32]byte {
	t.Helper()
	id, err := ParseTokenID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestTestKeyAddress(t *testing.T) {
	if got := testSigner(t).Address().Hex(); got != testAddr {
		t.Fatalf("address %s, want %s", got, testAddr)
	}
}

// §1: L1 ClobAuth.
func TestVectorL1(t *testing.T) {
	s := testSigner(t)
	cases := []struct {
		name, ts            string
		chain, nonce        uint64
		wantDigest, wantSig string
	}{
		{"1a amoy", "10000000", 80002, 23,
			"0x8f442df8073c9cf2e36d7b20ca9d64d1a9352e982cc82a293b7de2df57920610",
			"0xf62319a987514da40e57e2f4d7529f7bac38f0355bd88bb5adbb3768d80de6c1682518e0af677d5260366425f4361e7b70c25ae232aff0ab2331e2b164a1aedc1b"},
		{"1b polygon", "100000", 137, 0,
			"0x49b2a2283c0ac60de47fce5c2c36a647b7efb65ee9dc135cd30a4117992b0e6a",
			"0xfdfb5abf512e439ea61c8595c18e527e718bf16010acf57cef51d09e15893098275d3c6f73038f36ec0cd0ce55436fca14dc64b11611f4dce896e354207508cc1b"},
	}
	if got := hx(clobAuthTypeHash[:]); got != "0x52578c5c725a28a84fedc8c22aa47947822942f35b4dc350db028e45320e035c" {
		t.Errorf("ClobAuth typehash %s", got)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := ClobAuthDigest(c.chain, s.Address(), c.ts, c.nonce)
			if got := hx(d[:]); got != c.wantDigest {
				t.Errorf("digest %s, want %s", got, c.wantDigest)
			}
			h, err := s.L1Headers(c.chain, c.ts, c.nonce)
			if err != nil {
				t.Fatal(err)
			}
			if h.Signature != c.wantSig {
				t.Errorf("signature %s, want %s", h.Signature, c.wantSig)
			}
			if h.Address != testAddr || h.Timestamp != c.ts {
				t.Errorf("headers %+v", h)
			}
		})
	}
	h, _ := s.L1Headers(80002, "10000000", 23)
	if h.Nonce != "23" {
		t.Errorf("nonce header %q", h.Nonce)
	}
}

// §2: L2 HMAC.
func TestVectorL2(t *testing.T) {
	const secret = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	cases := []struct {
		name, ts, method, path, body, want string
	}{
		{"2a spaced body", "1000000", "test-sign", "/orders", `{"hash": "0x123"}`, "ZwAdJKvoYRlEKDkNMwd5BuwNNtg93kNaR_oU2HrfVvc="},
		{"2b compact body", "1000000", "test-sign", "/orders", `{"hash":"0x123"}`, "4gJVbox-R6XlDK4nlaicig0_ANVL1qdcahiL8CXfXLM="},
		{"2c GET no body", "1", "GET", "/", "", "eHaylCwqRSOa2LFD77Nt_SaTpbsxzN8eTEI3LryhEj4="},
	}
	l, err := NewL2Signer(secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := L2Signature(secret, c.ts, c.method, c.path, []byte(c.body))
			if err != nil || got != c.want {
				t.Errorf("L2Signature = %q, %v; want %q", got, err, c.want)
			}
			if got := string(l.AppendSignature(nil, []byte(c.ts), c.method, c.path, []byte(c.body))); got != c.want {
				t.Errorf("AppendSignature = %q, want %q", got, c.want)
			}
		})
	}
	// 2c's full header set (rs-clob-client l2_headers_should_succeed).
	h := l.Headers(common.HexToAddress(testAddr), "00000000-0000-0000-0000-000000000000", strings.Repeat("a", 64), 1, "GET", "/", nil)
	if h.Signature != cases[2].want || h.Timestamp != "1" || h.Address != testAddr || h.APIKey != "00000000-0000-0000-0000-000000000000" || h.Passphrase != strings.Repeat("a", 64) {
		t.Errorf("L2 headers %+v", h)
	}
	// The secret may come without padding; the result is the same.
	if got, _ := L2Signature(strings.TrimRight(secret, "="), "1", "GET", "/", nil); got != cases[2].want {
		t.Errorf("unpadded secret: %q", got)
	}
	if _, err := L2Signature("", "1", "GET", "/", nil); err == nil {
		t.Error("empty secret accepted")
	}
	if _, err := L2Signature("not base64!", "1", "GET", "/", nil); err == nil {
		t.Error("bad secret accepted")
	}
}

// §3: domain separators and type hashes.
func TestVectorDomains(t *testing.T) {
	zero := common.Address{}
	cases := []struct {
		name     string
		version  string
		chain    uint64
		contract *common.Address
		want     string
	}{
		{"3a amoy zero", "1", 80002, &zero, "0x029ca49b31e01a0230787b3673a6977ee0dbb02f78e68d2ee41d330893e17594"},
		{"3a polygon zero", "1", 137, &zero, "0x0ba60c2a4504ef46ef2d139f27cd131dbc8b9643d0565a54bb14de0e31cd5600"},
		{"3a amoy none", "1", 80002, nil, "0xf231a704e0942ea4f4f4a68a19fa01e198ddae4595d821697230159c60e562b0"},
		{"3a polygon none", "1", 137, nil, "0xaee1d7dd93bb10f6c6a59417017905bc5dbec7ddbd71475cd19d8a95845e632d"},
	}
	for _, c := range cases {
		if got := DomainSeparator(exchangeDomainName, c.version, c.chain, c.contract); hx(got[:]) != c.want {
			t.Errorf("%s: %s, want %s", c.name, hx(got[:]), c.want)
		}
	}
	// 3a TestHashTypedDataV4: ABI-encoded MockObj under the amoy zero domain.
	dom := DomainSeparator(exchangeDomainName, "1", 80002, &zero)
	var enc [5 * 32]byte
	th := crypto.Keccak256Hash([]byte("MockObj(string name, uint256 id)"))
	copy(enc[0:], th[:])
	enc[63] = 0x60 // string offset (3 head words)
	enc[95] = 1    // id
	enc[127] = 4   // string length
	copy(enc[128:], "test")
	sh := crypto.Keccak256Hash(enc[:])
	h := getHasher()
	got := h.typedDigest(&dom, (*[32]byte)(&sh))
	hasherPool.Put(h)
	if hx(got[:]) != "0x5b9fd6432c2890e6293b3880add5e3d40ead280b31f7cd70f06b43f8d37dcc13" {
		t.Errorf("HashTypedDataV4 mock: %s", hx(got[:]))
	}

	// 3b real contracts, through ExchangeFor.
	real := []struct {
		v       int
		chain   uint64
		negRisk bool
		addr    string
		want    string
	}{
		{1, 80002, false, "0xdFE02Eb6733538f8Ea35D585af8DE5958AD99E40", "0x44b180a7e548e2d916b5410176db13a07744966f9b6c93c4bccdabebbcdfca93"},
		{1, 80002, true, "0xC5d563A36AE78145C45a50134d48A1215220f80a", "0x9fa10822e4b86fd1eed68ea1c2628e0ee9a6c523cb2570592768432cfdb09bf1"},
		{1, 137, false, "0x4bFb41d5B3570DeFd03C39a9A4D8dE6Bd8B8982E", "0x1a573e3617c78403b5b4b892827992f027b03d4eaf570048b8ee8cdd84d151be"},
		{1, 137, true, "0xC5d563A36AE78145C45a50134d48A1215220f80a", "0x82cb6aa85babb812f4b521a12b10f0cbc68d2b44be7bc02c047004f544adb49f"},
		{2, 80002, false, "0xE111180000d2663C0091e4f400237545B87B996B", "0xa440cbd865bc0c6243d7a8df9a8bf48a8827b0a4abbb61c30e96d305423af148"},
		{2, 80002, true, "0xe2222d279d744050d28e00520010520000310F59", "0x1468e39841f0a0e05d3762b235cb7acecabf8cd7b6d3a672965a5d415bf9378e"},
		{3, 80002, false, "0x9fE6e61422AdB6F610d8597F9684b16912D50C3D", "0xdf8b5fd204134b8d562677d7fc9346884e8f02ef2fd43358239393723e8833e6"},
		{2, 137, false, "0xE111180000d2663C0091e4f400237545B87B996B", "0x3264e159346253e26a64e00b69032db0e7d32f94628de3e6eecb50304d7af3d2"},
		{2, 137, true, "0xe2222d279d744050d28e00520010520000310F59", "0x9b858f53327b0bd13af8ec14cfb35234fb9eb7b0504d1a4e61f433840d30e81a"},
		{3, 137, false, "0xe3333700cA9d93003F00f0F71f8515005F6c00Aa", "0x466c63910185bbd55e8679264200c4e0abdcbb0c6264eb3d41d13326022e095b"},
	}
	for _, c := range real {
		e, err := ExchangeFor(c.chain, c.v, c.negRisk, nil)
		if err != nil {
			t.Fatal(err)
		}
		if e.Address.Hex() != c.addr || hx(e.DomainSeparator[:]) != c.want || int(e.Version) != c.v || e.ChainID != c.chain {
			t.Errorf("V%d chain %d negRisk %v: %s %s, want %s %s", c.v, c.chain, c.negRisk, e.Address.Hex(), hx(e.DomainSeparator[:]), c.addr, c.want)
		}
	}

	// 3c type hashes.
	if got := hx(OrderTypeHashV1[:]); got != "0xa852566c4e14d00869b6db0220888a9090a13eccdaea03713ff0a3d27bf9767c" {
		t.Errorf("V1 typehash %s", got)
	}
	if got := hx(OrderTypeHash[:]); got != "0xbb86318a2138f5fa8ae32fbe8e659f8fcf13cc6ae4014a707893055433818589" {
		t.Errorf("V2 typehash %s", got)
	}
	if len(OrderTypeString) != 186 {
		t.Errorf("V2 type string length %d", len(OrderTypeString))
	}
}

// §4: V1 orders.
func TestVectorV1(t *testing.T) {
	s := testSigner(t)
	me := common.HexToAddress(testAddr)
	canonical := OrderV1{Salt: 479249096354, Maker: me, Signer: me, TokenID: mustTokenID(t, "1234"),
		MakerAmount: 100000000, TakerAmount: 50000000, FeeRateBps: 100, Side: Buy, SignatureType: SigEOA}
	amoyStd, _ := ExchangeFor(80002, 1, false, nil)
	amoyNR, _ := ExchangeFor(80002, 1, true, nil)
	polyStd, _ := ExchangeFor(137, 1, false, nil)
	one := common.HexToAddress("0x1111111111111111111111111111111111111111")
	cases := []struct {
		name       string
		e          *Exchange
		o          OrderV1
		structHash string
		digest     string
		sig        string
	}{
		{"4a amoy standard", amoyStd, canonical,
			"0x26eb80b08612a9945a9a2af3af152f3bcdccd154f9708a68d2f261f44b66a11d",
			"0x02ca1d1aa31103804173ad1acd70066cb6c1258a4be6dada055111f9a7ea4e55",
			"0x302cd9abd0b5fcaa202a344437ec0b6660da984e24ae9ad915a592a90facf5a51bb8a873cd8d270f070217fea1986531d5eec66f1162a81f66e026db653bf7ce1c"},
		{"4a amoy neg-risk", amoyNR, canonical, "",
			"0xf15790d3edc4b5aed427b0b543a9206fcf4b1a13dfed016d33bfb313076263b8",
			"0x1b3646ef347e5bd144c65bd3357ba19c12c12abaeedae733cf8579bc51a2752c0454c3bc6b236957e393637982c769b8dc0706c0f5c399983d933850afd1cbcd1c"},
		{"4b deterministic", NewExchange(V1, 137, common.HexToAddress("0x0000000000000000000000000000000000000001"), false),
			OrderV1{Salt: 1, Maker: one, Signer: one, TokenID: mustTokenID(t, "101"), MakerAmount: 1000000, TakerAmount: 2000000, Nonce: 2},
			"", "0xeb162c6cc7aa28ad096a7c40fb9556d41fa1730d71103ba7103589ae1f18d942", ""},
		{"4c all zero", polyStd, OrderV1{}, "",
			"0x54c067fcb57613f2da09446f3380fce1537502897d11121c41e6ed19f40df286",
			"0x0d18c04a653d89bf7375636adb7db69cffe362755960dc6ce8a0d46b04355b767958fae51c48e0e4b0908347442cb461e811d2f5a751303f7a8c1f75e17b3e701b"},
		{"4d proxy", polyStd,
			OrderV1{Salt: 1, Maker: common.HexToAddress("0x995c9b1f779c04e65AF8ea3360F96c43b5e62316"), Signer: me,
				Taker: common.HexToAddress("0xf7fB45986800e2D259BAa25B56466bd02dA37a44"), TokenID: mustTokenID(t, "123"),
				MakerAmount: 51200000, TakerAmount: 100000000, Nonce: 2, Side: Buy, SignatureType: SigProxy},
			"", "0xacd220bde76823464bfea5a777f89797390d99711e52e12729d15b112c07524c",
			"0xb89102a9ec11c3862d8dda7285419cef9c98543587cff4ecb06746ca9d68227e208059730490abee957b1b01da56705c60066f91d83d20e8cbf378592d3899441b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.structHash != "" {
				if got := StructHashV1(&c.o); hx(got[:]) != c.structHash {
					t.Errorf("struct hash %s, want %s", hx(got[:]), c.structHash)
				}
			}
			d := c.e.DigestV1(&c.o)
			if hx(d[:]) != c.digest {
				t.Errorf("digest %s, want %s", hx(d[:]), c.digest)
			}
			if c.sig == "" {
				return
			}
			sig, err := s.SignOrderV1(c.e, &c.o, nil)
			if err != nil {
				t.Fatal(err)
			}
			if hx(sig) != c.sig {
				t.Errorf("signature %s, want %s", hx(sig), c.sig)
			}
		})
	}
	// 4d: the official r and s in decimal.
	sig, _ := s.SignOrderV1(polyStd, &cases[4].o, nil)
	r := new(big.Int).SetBytes(sig[:32]).String()
	ss := new(big.Int).SetBytes(sig[32:64]).String()
	if r != "83481775348298569941382281649378839838022156673358335472613408323829135581822" ||
		ss != "14700784935255652319392527293337942251542995764256618215552578034044377798980" || sig[64] != 27 {
		t.Errorf("4d r/s/v: %s %s %d", r, ss, sig[64])
	}
}

// §5: V2 POLY_1271 blob.
func TestVectorPoly1271(t *testing.T) {
	const want = "0xa3a093c83b6c20c83355c16ce94c92e6e9fcbdeb840618cc74f6c57a42ad145b2b98db73d2c73cbf1f2b6af288566ae81960ddbc3a13921027358a8bff3be6ff1ca440cbd865bc0c6243d7a8df9a8bf48a8827b0a4abbb61c30e96d305423af148d23d42d3ad94e65d78258cecaf8dcbaddac0f73dc085040f2c12bb595dd838044f726465722875696e743235362073616c742c61646472657373206d616b65722c61646472657373207369676e65722c75696e7432353620746f6b656e49642c75696e74323536206d616b6572416d6f756e742c75696e743235362074616b6572416d6f756e742c75696e743820736964652c75696e7438207369676e6174757265547970652c75696e743235362074696d657374616d702c62797465733332206d657461646174612c62797465733332206275696c6465722900ba"
	s := testSigner(t)
	wallet := common.HexToAddress("0x1111111111111111111111111111111111111111")
	o := Order{Salt: 479249096354, Maker: wallet, Signer: wallet, TokenID: mustTokenID(t, "1234"),
		MakerAmount: 100000000, TakerAmount: 50000000, Side: Buy, SignatureType: SigPoly1271, Timestamp: 1710000000000}
	e, _ := ExchangeFor(80002, 2, false, nil)
	sig, err := s.SignOrder(e, &o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if hx(sig) != want {
		t.Fatalf("blob\n got %s\nwant %s", hx(sig), want)
	}
	if len(sig) != Poly1271Len || Poly1271Len != 317 {
		t.Fatalf("blob length %d", len(sig))
	}
	who, err := RecoverOrderSigner(e, &o, sig)
	if err != nil || who != s.Address() {
		t.Fatalf("recover: %s %v", who.Hex(), err)
	}
	// Any change to the order or the exchange breaks the blob.
	o2 := o
	o2.TakerAmount++
	if _, err := RecoverOrderSigner(e, &o2, sig); err == nil {
		t.Error("blob accepted for a different order")
	}
	nr, _ := ExchangeFor(80002, 2, true, nil)
	if _, err := RecoverOrderSigner(nr, &o, sig); err == nil {
		t.Error("blob accepted for a different exchange")
	}
}
