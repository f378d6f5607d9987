package sign

import (
	"strconv"

	"github.com/ethereum/go-ethereum/common"
)

// Order types of the POST body.
const (
	GTC = "GTC"
	GTD = "GTD"
	FOK = "FOK"
	FAK = "FAK"
)

// AppendAddress appends the EIP-55 checksummed 0x-hex of a (what ethers'
// getAddress and the official client emit). It does not allocate when dst
// has room.
func AppendAddress(dst []byte, a *common.Address) []byte {
	h := getHasher()
	lower := h.pre[:40]
	AppendHex(lower[:0], a[:])
	sum := h.sum(lower)
	dst = append(dst, '0', 'x')
	for i, c := range lower {
		nib := sum[i/2]
		if i%2 == 0 {
			nib >>= 4
		}
		if c >= 'a' && nib&15 >= 8 {
			c -= 'a' - 'A'
		}
		dst = append(dst, c)
	}
	hasherPool.Put(h)
	return dst
}

func appendBytes32(dst []byte, b *[32]byte) []byte {
	return AppendHex(append(dst, '0', 'x'), b[:])
}

// jsonEscaped marks the bytes AppendJSONString escapes.
var jsonEscaped = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// AppendJSONString appends s as a JSON string (quotes, escapes for '"', '\\'
// and control characters). A string without such bytes (token ids, hex,
// UUIDs, enum names) is copied whole.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	i := 0
	for i < len(s) && !jsonEscaped[s[i]] {
		i++
	}
	dst = append(dst, s[:i]...)
	if i == len(s) {
		return append(dst, '"')
	}
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

func appendQuotedUint(dst []byte, v uint64) []byte {
	return append(strconv.AppendUint(append(dst, '"'), v, 10), '"')
}

// AppendOrderJSON appends the V2/V3 "order" object exactly as the official
// client's orderToJsonV2 + JSON.stringify emit it, key order included:
// salt (number), maker, signer, tokenId, makerAmount, takerAmount, side,
// signatureType (number), timestamp, expiration, metadata, builder,
// signature. No taker/nonce/feeRateBps. sig is the raw signature bytes.
func AppendOrderJSON(dst []byte, o *Order, sig []byte) []byte {
	dst = append(dst, `{"salt":`...)
	dst = strconv.AppendUint(dst, o.Salt, 10)
	dst = append(dst, `,"maker":"`...)
	dst = AppendAddress(dst, &o.Maker)
	dst = append(dst, `","signer":"`...)
	dst = AppendAddress(dst, &o.Signer)
	dst = append(dst, `","tokenId":"`...)
	dst = AppendTokenID(dst, &o.TokenID)
	dst = append(dst, `","makerAmount":`...)
	dst = appendQuotedUint(dst, o.MakerAmount)
	dst = append(dst, `,"takerAmount":`...)
	dst = appendQuotedUint(dst, o.TakerAmount)
	if o.Side == Buy {
		dst = append(dst, `,"side":"BUY","signatureType":`...)
	} else {
		dst = append(dst, `,"side":"SELL","signatureType":`...)
	}
	dst = strconv.AppendUint(dst, uint64(o.SignatureType), 10)
	dst = append(dst, `,"timestamp":`...)
	dst = appendQuotedUint(dst, o.Timestamp)
	dst = append(dst, `,"expiration":`...)
	dst = appendQuotedUint(dst, o.Expiration)
	dst = append(dst, `,"metadata":"`...)
	dst = appendBytes32(dst, &o.Metadata)
	dst = append(dst, `","builder":"`...)
	dst = appendBytes32(dst, &o.Builder)
	dst = append(dst, `","signature":"0x`...)
	dst = AppendHex(dst, sig)
	return append(dst, `"}`...)
}

// Envelope is the per-order part of a POST /order(s) body besides the order.
type Envelope struct {
	Owner     string // API key (UUID) of the credentials making the request
	OrderType string // GTC, GTD, FOK or FAK
	PostOnly  bool   // only with GTC/GTD
	DeferExec bool
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

// AppendEnvelopeJSON appends one POST body element exactly as the official
// client sends it:
// {"deferExec":false,"postOnly":false,"order":{…},"owner":"…","orderType":"FOK"}.
// POST /order sends one; POST /orders sends a JSON array of them (≤ 15).
func AppendEnvelopeJSON(dst []byte, o *Order, sig []byte, env *Envelope) []byte {
	dst = append(dst, `{"deferExec":`...)
	dst = appendBool(dst, env.DeferExec)
	dst = append(dst, `,"postOnly":`...)
	dst = appendBool(dst, env.PostOnly)
	dst = append(dst, `,"order":`...)
	dst = AppendOrderJSON(dst, o, sig)
	dst = append(dst, `,"owner":`...)
	dst = AppendJSONString(dst, env.Owner)
	dst = append(dst, `,"orderType":`...)
	dst = AppendJSONString(dst, env.OrderType)
	return append(dst, '}')
}
