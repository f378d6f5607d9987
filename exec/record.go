package exec

import (
	"strconv"

	"github.com/hotpath/hotpath/sign"
)

// Journal records. Every record is one JSON object with "k" naming its
// kind; amounts are integers in micro-units, order hashes 0x-hex:
//
//	intent  {"k":"intent","b":id,"g":group,"kind":k,"ev":event,"payout":p,"q":Q,"cost":c,"notional":n,"paper":bool,
//	         "legs":[{"i":groupLeg,"role":"entry|complete|unwind","a":asset,"tok":"…","side":"BUY|SELL",
//	                  "type":"FOK|FAK","px":limit,"tick":t,"sh":shares,"mk":maker,"tk":taker,"h":"0x…"}]}
//	resp    {"k":"resp","b":id,"code":http,"req":"ok|notsent|unknown|rejected","rej":reject,
//	         "legs":[{"h":"0x…","st":legStatus,"rej":reject,"mk":making,"tk":taking,"fee":estFee}]}
//	order   {"k":"order","b":id,"h":"0x…","st":legStatus,"mk":making,"tk":taking}      (a query's answer)
//	trade   {"k":"trade","b":id,"h":"0x…","id":"…","st":"MATCHED|…","sh":s,"cash":c,"fee":f}
//	legrisk {"k":"legrisk","b":id,"try":n,"act":"complete|unwind|none","lossComplete":l,"lossUnwind":l,"why":"…"}
//	convert {"k":"convert","b":id,"sets":s}                                              (NO basket: convertPositions intent)
//	final   {"k":"final","b":id,"state":"complete|unwound|failed","pnl":p,"cash":c,"fees":f}
//	cancel  {"k":"cancel","h":"0x…","ok":bool}
//	recon   {"k":"recon","baskets":n,"queried":n,"cancelled":n}
//
// The executor appends a record before it acts on what the record says
// (journal-before-act); replay applies the same records in order to
// rebuild baskets, positions and cash.

func appendKey(b []byte, k string) []byte {
	b = append(b, ',', '"')
	b = append(b, k...)
	return append(b, '"', ':')
}

func appendInt(b []byte, k string, v int64) []byte {
	return strconv.AppendInt(appendKey(b, k), v, 10)
}

func appendUint(b []byte, k string, v uint64) []byte {
	return strconv.AppendUint(appendKey(b, k), v, 10)
}

func appendBool(b []byte, k string, v bool) []byte {
	return strconv.AppendBool(appendKey(b, k), v)
}

// appendStr appends a string value; s must not need escaping (our own
// enum names, token ids, hex) or it is escaped by sign.AppendJSONString.
func appendStr(b []byte, k, s string) []byte {
	return sign.AppendJSONString(appendKey(b, k), s)
}

func appendHash(b []byte, k string, h *[32]byte) []byte {
	b = append(appendKey(b, k), '"', '0', 'x')
	b = sign.AppendHex(b, h[:])
	return append(b, '"')
}

func sideName(s uint8) string {
	if s == sign.Sell {
		return "SELL"
	}
	return "BUY"
}

// appendIntent appends an intent record for legs[from:] of b.
func appendIntent(dst []byte, b *basket, from int, x *Executor) []byte {
	dst = append(dst, `{"k":"intent"`...)
	dst = appendUint(dst, "b", b.id)
	dst = appendUint(dst, "g", uint64(b.group))
	dst = appendUint(dst, "kind", uint64(b.kind))
	dst = appendInt(dst, "ev", int64(b.event))
	dst = appendInt(dst, "payout", b.payout)
	dst = appendInt(dst, "q", int64(b.q))
	dst = appendInt(dst, "cost", b.expCost)
	dst = appendInt(dst, "notional", b.notional)
	dst = appendInt(dst, "n", int64(b.nGroup))
	dst = appendBool(dst, "paper", b.paper)
	dst = append(dst, `,"legs":[`...)
	for i := from; i < len(b.legs); i++ {
		l := &b.legs[i]
		if i > from {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"i":`...)
		dst = strconv.AppendUint(dst, uint64(l.idx), 10)
		dst = appendStr(dst, "role", l.role.String())
		dst = appendUint(dst, "a", uint64(l.asset))
		dst = appendStr(dst, "tok", x.tokenStr[l.asset])
		dst = appendStr(dst, "side", sideName(l.side))
		typ := "FOK"
		if l.role != roleEntry {
			typ = "FAK"
		}
		dst = appendStr(dst, "type", typ)
		dst = appendUint(dst, "px", uint64(l.limit))
		dst = appendUint(dst, "tick", uint64(l.tick))
		dst = appendInt(dst, "sh", int64(l.shares))
		dst = appendUint(dst, "mk", l.maker)
		dst = appendUint(dst, "tk", l.taker)
		dst = appendHash(dst, "h", &l.hash)
		dst = append(dst, '}')
	}
	return append(dst, ']', '}')
}

// Request outcomes in resp records.
const (
	reqOK       = "ok"
	reqNotSent  = "notsent"
	reqUnknown  = "unknown"
	reqRejected = "rejected"
)

// appendResp appends a resp record for legs[from:to] of b.
func appendResp(dst []byte, b *basket, from, to int, code int, req string, rej Reject) []byte {
	dst = append(dst, `{"k":"resp"`...)
	dst = appendUint(dst, "b", b.id)
	dst = appendInt(dst, "code", int64(code))
	dst = appendStr(dst, "req", req)
	dst = appendStr(dst, "rej", rej.String())
	dst = append(dst, `,"legs":[`...)
	for i := from; i < to; i++ {
		l := &b.legs[i]
		if i > from {
			dst = append(dst, ',')
		}
		dst = append(dst, '{', '"', 'h', '"', ':', '"', '0', 'x')
		dst = sign.AppendHex(dst, l.hash[:])
		dst = append(dst, '"')
		if l.vid != l.hash {
			dst = appendHash(dst, "id", &l.vid)
		}
		if l.accepted {
			dst = append(dst, `,"acc":true`...)
		}
		dst = appendStr(dst, "st", l.status.String())
		dst = appendStr(dst, "rej", l.reject.String())
		dst = appendInt(dst, "mk", respMaking(l))
		dst = appendInt(dst, "tk", respTaking(l))
		dst = appendInt(dst, "fee", l.estFee)
		dst = append(dst, '}')
	}
	return append(dst, ']', '}')
}

// respMaking/respTaking turn the leg's view back into the venue's terms.
func respMaking(l *leg) int64 {
	if l.side == sign.Sell {
		return l.respShares
	}
	return l.respCash
}

func respTaking(l *leg) int64 {
	if l.side == sign.Sell {
		return l.respCash
	}
	return l.respShares
}
