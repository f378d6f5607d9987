package sign

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/common/math"
	"github.com/ethereum/go-ethereum/signer/core/apitypes"
)

// The simulator verifies orders with go-ethereum's generic typed-data
// hashing; this test makes sure the hand-rolled digests agree with it on
// random orders of every exchange, and that the POLY_1271 inner digest is
// the generic TypedDataSign hash.

var orderFields = []apitypes.Type{
	{Name: "salt", Type: "uint256"}, {Name: "maker", Type: "address"}, {Name: "signer", Type: "address"},
	{Name: "tokenId", Type: "uint256"}, {Name: "makerAmount", Type: "uint256"}, {Name: "takerAmount", Type: "uint256"},
	{Name: "side", Type: "uint8"}, {Name: "signatureType", Type: "uint8"}, {Name: "timestamp", Type: "uint256"},
	{Name: "metadata", Type: "bytes32"}, {Name: "builder", Type: "bytes32"},
}

var domainFields = []apitypes.Type{
	{Name: "name", Type: "string"}, {Name: "version", Type: "string"},
	{Name: "chainId", Type: "uint256"}, {Name: "verifyingContract", Type: "address"},
}

func orderMessage(o *Order) apitypes.TypedDataMessage {
	return apitypes.TypedDataMessage{
		"salt": new(big.Int).SetUint64(o.Salt).String(), "maker": o.Maker.Hex(), "signer": o.Signer.Hex(),
		"tokenId": new(big.Int).SetBytes(o.TokenID[:]).String(), "makerAmount": new(big.Int).SetUint64(o.MakerAmount).String(),
		"takerAmount": new(big.Int).SetUint64(o.TakerAmount).String(), "side": new(big.Int).SetUint64(uint64(o.Side)).String(),
		"signatureType": new(big.Int).SetUint64(uint64(o.SignatureType)).String(), "timestamp": new(big.Int).SetUint64(o.Timestamp).String(),
		"metadata": hexutil.Encode(o.Metadata[:]), "builder": hexutil.Encode(o.Builder[:]),
	}
}

func domainOf(e *Exchange) apitypes.TypedDataDomain {
	return apitypes.TypedDataDomain{Name: "Polymarket CTF Exchange", Version: versionString(e.Version),
		ChainId: math.NewHexOrDecimal256(int64(e.ChainID)), VerifyingContract: e.Address.Hex()}
}

func randomOrder(rng *rand.Rand) Order {
	var o Order
	o.Salt = rng.Uint64() & MaxSalt
	for i := range o.Maker {
		o.Maker[i] = byte(rng.Uint32())
		o.Signer[i] = byte(rng.Uint32())
	}
	for i := range o.TokenID {
		o.TokenID[i] = byte(rng.Uint32())
		if rng.IntN(4) == 0 {
			o.Metadata[i] = byte(rng.Uint32())
			o.Builder[i] = byte(rng.Uint32())
		}
	}
	o.MakerAmount, o.TakerAmount = rng.Uint64(), rng.Uint64N(1e12)
	o.Side, o.SignatureType = uint8(rng.IntN(2)), uint8(rng.IntN(4))
	o.Timestamp = 1_700_000_000_000 + rng.Uint64N(1e11)
	return o
}

func TestDigestMatchesAPITypes(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var exchanges []*Exchange
	for _, chain := range []uint64{137, 80002} {
		for _, v := range []int{2, 3} {
			for _, nr := range []bool{false, true} {
				e, _ := ExchangeFor(chain, v, nr, nil)
				exchanges = append(exchanges, e)
			}
		}
	}
	for i := 0; i < 200; i++ {
		e := exchanges[i%len(exchanges)]
		o := randomOrder(rng)
		td := apitypes.TypedData{
			Types:       apitypes.Types{"EIP712Domain": domainFields, "Order": orderFields},
			PrimaryType: "Order", Domain: domainOf(e), Message: orderMessage(&o),
		}
		want, _, err := apitypes.TypedDataAndHash(td)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.Digest(&o); common.BytesToHash(want) != common.Hash(got) {
			t.Fatalf("order %d on %v: digest %x, apitypes %x", i, e, got, want)
		}
		ds, err := td.HashStruct("EIP712Domain", td.Domain.Map())
		if err != nil || common.BytesToHash(ds) != common.Hash(e.DomainSeparator) {
			t.Fatalf("domain separator of %v: %x vs %x", e, e.DomainSeparator, ds)
		}
		if i%10 != 0 {
			continue
		}
		// POLY_1271: the inner digest is the generic TypedDataSign hash.
		o.SignatureType = SigPoly1271
		o.Signer = o.Maker
		inner := apitypes.TypedData{
			Types: apitypes.Types{"EIP712Domain": domainFields, "Order": orderFields, "TypedDataSign": {
				{Name: "contents", Type: "Order"}, {Name: "name", Type: "string"}, {Name: "version", Type: "string"},
				{Name: "chainId", Type: "uint256"}, {Name: "verifyingContract", Type: "address"}, {Name: "salt", Type: "bytes32"},
			}},
			PrimaryType: "TypedDataSign", Domain: domainOf(e),
			Message: apitypes.TypedDataMessage{"contents": map[string]any(orderMessage(&o)), "name": "DepositWallet", "version": "1",
				"chainId": new(big.Int).SetUint64(e.ChainID).String(), "verifyingContract": o.Signer.Hex(), "salt": hexutil.Encode(make([]byte, 32))},
		}
		want, _, err = apitypes.TypedDataAndHash(inner)
		if err != nil {
			t.Fatal(err)
		}
		contents := StructHash(&o)
		if got := e.poly1271Digest(&o, &contents); common.BytesToHash(want) != common.Hash(got) {
			t.Fatalf("POLY_1271 inner digest %x, apitypes %x", got, want)
		}
	}
}
