package sign

import (
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

func TestTokenIDRoundTrip(t *testing.T) {
	max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	cases := []string{"0", "1", "9", "10", "1234", "18446744073709551615", "18446744073709551616",
		"10000000000000000000", "9999999999999999999",
		"71321045679252212594626385532706912750332728571942532289631379312455583992563",
		max.String()}
	for _, s := range cases {
		id, err := ParseTokenID(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		b, _ := new(big.Int).SetString(s, 10)
		var want [32]byte
		b.FillBytes(want[:])
		if id != want {
			t.Errorf("%s: bytes %x, want %x", s, id, want)
		}
		if got := string(AppendTokenID(nil, &id)); got != s {
			t.Errorf("%s: append %s", s, got)
		}
	}
	if got := string(AppendTokenID(nil, &[32]byte{})); got != "0" {
		t.Errorf("zero: %q", got)
	}
	if id, _ := ParseTokenID("007"); string(AppendTokenID(nil, &id)) != "7" {
		t.Error("leading zeros")
	}
	over := new(big.Int).Add(max, big.NewInt(1)).String()
	for _, bad := range []string{"", "-1", "+1", "1 ", "0x12", "1e3", over, strings.Repeat("9", 80)} {
		if _, err := ParseTokenID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzTokenID(f *testing.F) {
	for _, s := range []string{"0", "1234", "18446744073709551616", "", "-1", "99999999999999999999999999999999999999999999999999999999999999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseTokenID(s)
		b, ok := new(big.Int).SetString(s, 10)
		valid := ok && len(s) > 0 && s[0] != '-' && s[0] != '+' && b.BitLen() <= 256 && len(s) <= 100
		if (err == nil) != valid {
			t.Fatalf("%q: err %v, big ok %v", s, err, valid)
		}
		if err != nil {
			return
		}
		if got := string(AppendTokenID(nil, &id)); got != b.String() {
			t.Fatalf("%q: round trip %s", s, got)
		}
	})
}

func TestIsV3PositionAndRouting(t *testing.T) {
	small := mustTokenID(t, "1234") // bits 40..103 zero
	if !IsV3Position(&small) {
		t.Error("1234 should be a Protocol-V2 position id")
	}
	var id [32]byte
	id[0] = 0xff // bits ≥ 248 only
	if !IsV3Position(&id) {
		t.Error("high bits only should be a position id")
	}
	for bit := 40; bit <= 103; bit++ {
		var x [32]byte
		x[31-bit/8] = 1 << (bit % 8)
		if IsV3Position(&x) {
			t.Errorf("bit %d set, still a position id", bit)
		}
	}
	for _, bit := range []int{39, 104} {
		var x [32]byte
		x[31-bit/8] = 1 << (bit % 8)
		if !IsV3Position(&x) {
			t.Errorf("bit %d set alone should be a position id", bit)
		}
	}
	classic := mustTokenID(t, "71321045679252212594626385532706912750332728571942532289631379312455583992563")
	for _, chain := range []uint64{137, 80002} {
		e, _ := ExchangeFor(chain, 2, true, &classic)
		if e.Version != V2 || !e.NegRisk {
			t.Errorf("classic neg-risk: %v", e)
		}
		e, _ = ExchangeFor(chain, 2, false, &classic)
		if e.Version != V2 || e.NegRisk {
			t.Errorf("classic standard: %v", e)
		}
		e, _ = ExchangeFor(chain, 2, true, &small)
		if e.Version != V3 || e.NegRisk {
			t.Errorf("position id: %v", e)
		}
		e, _ = ExchangeFor(chain, 3, false, nil)
		if e.Version != V3 {
			t.Errorf("version 3: %v", e)
		}
	}
	if _, err := ExchangeFor(1, 2, false, nil); err == nil {
		t.Error("chain 1 accepted")
	}
	if _, err := ExchangeFor(137, 4, false, nil); err == nil {
		t.Error("version 4 accepted")
	}
}

func TestSignRecoverAllTypes(t *testing.T) {
	s := testSigner(t)
	wallet := common.HexToAddress("0x2222222222222222222222222222222222222222")
	for _, v := range []int{2, 3} {
		for _, st := range []uint8{SigEOA, SigProxy, SigSafe, SigPoly1271} {
			e, _ := ExchangeFor(137, v, false, nil)
			o := Order{Salt: 42, Maker: wallet, Signer: s.Address(), TokenID: mustTokenID(t, "99"),
				MakerAmount: 5, TakerAmount: 10, Side: Sell, SignatureType: st, Timestamp: 1}
			if st == SigEOA {
				o.Maker = s.Address()
			}
			if st == SigPoly1271 {
				o.Signer = wallet
			}
			sig, err := s.SignOrder(e, &o, nil)
			if err != nil {
				t.Fatal(err)
			}
			who, err := RecoverOrderSigner(e, &o, sig)
			if err != nil || who != s.Address() {
				t.Errorf("V%d type %d: recovered %s, %v", v, st, who.Hex(), err)
			}
			if sig[64] != 27 && sig[64] != 28 {
				t.Errorf("v = %d", sig[64])
			}
		}
	}
	e, _ := ExchangeFor(137, 2, false, nil)
	o := Order{Signer: common.HexToAddress("0x01"), SignatureType: SigEOA}
	if _, err := s.SignOrder(e, &o, nil); err != ErrSignerMismatch {
		t.Errorf("foreign signer: %v", err)
	}
	o.SignatureType = 4
	if _, err := s.SignOrder(e, &o, nil); err != ErrSigType {
		t.Errorf("type 4: %v", err)
	}
	if _, err := RecoverOrderSigner(e, &Order{}, make([]byte, 64)); err == nil {
		t.Error("short signature accepted")
	}
}

// The key must never show up in any output.
func TestKeyNeverPrinted(t *testing.T) {
	s := testSigner(t)
	secret := strings.TrimPrefix(testKey, "0x")
	// a few distinctive fragments of the key, in both cases
	frags := []string{secret, secret[:16], secret[20:36], strings.ToUpper(secret[40:56])}
	outs := []string{}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"} {
		outs = append(outs, fmt.Sprintf(f, s), fmt.Sprintf(f, *s), fmt.Sprintf(f, []*Signer{s}), fmt.Sprintf(f, struct{ S *Signer }{s}))
	}
	outs = append(outs, s.String(), s.GoString())
	for _, o := range outs {
		for _, fr := range frags {
			if strings.Contains(strings.ToLower(o), strings.ToLower(fr)) {
				t.Fatalf("key fragment in output %q", o)
			}
		}
	}
	if !strings.Contains(s.String(), testAddr) {
		t.Errorf("String should name the address: %s", s)
	}
	// Bad keys: the error never echoes the input.
	bad := []string{
		"0xzz0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
		"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff8g",
		"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff",
		"0x0000000000000000000000000000000000000000000000000000000000000000",
		"0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"mnemonic words are not a key at all, nope nope nope nope nope nope",
	}
	for _, b := range bad {
		_, err := NewSigner(b)
		if err == nil {
			t.Fatalf("bad key accepted")
		}
		msg := err.Error()
		for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			msg += fmt.Sprintf(f, err)
		}
		core := strings.TrimPrefix(b, "0x")
		for i := 0; i+8 <= len(core); i += 4 {
			if strings.Contains(msg, core[i:i+8]) {
				t.Fatalf("error echoes key input: %q", msg)
			}
		}
		for _, c := range []string{"'z'", "'g'", "U+"} {
			if strings.Contains(msg, c) {
				t.Fatalf("error names an input character: %q", msg)
			}
		}
	}
}
