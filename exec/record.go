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

// appendIntent appends an intent record for legs[from:] of b. It runs
// before every send (hist.Build), so keys and fixed values are appended as
// whole fragments.
func appendIntent(dst []byte, b *basket, from int, x *Executor) []byte {
	dst = append(dst, `{"k":"intent","b":`...)
	dst = strconv.AppendUint(dst, b.id, 10)
	dst = append(dst, `,"g":`...)
	dst = strconv.AppendUint(dst, uint64(b.group), 10)
	dst = append(dst, `,"kind":`...)
	dst = strconv.AppendUint(dst, uint64(b.kind), 10)
	dst = append(dst, `,"ev":`...)
	dst = strconv.AppendInt(dst, int64(b.event), 10)
	dst = append(dst, `,"payout":`...)
	dst = strconv.AppendInt(dst, b.payout, 10)
	dst = append(dst, `,"q":`...)
	dst = strconv.AppendInt(dst, int64(b.q), 10)
	dst = append(dst, `,"cost":`...)
	dst = strconv.AppendInt(dst, b.expCost, 10)
	dst = append(dst, `,"notional":`...)
	dst = strconv.AppendInt(dst, b.notional, 10)
	dst = append(dst, `,"n":`...)
	dst = strconv.AppendInt(dst, int64(b.nGroup), 10)
	if b.paper {
		dst = append(dst, `,"paper":true,"legs":[`...)
	} else {
		dst = append(dst, `,"paper":false,"legs":[`...)
	}
	for i := from; i < len(b.legs); i++ {
		l := &b.legs[i]
		if i > from {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"i":`...)
		dst = strconv.AppendUint(dst, uint64(l.idx), 10)
		dst = append(dst, `,"role":"`...)
		dst = append(dst, l.role.String()...) // enum names: nothing to escape
		dst = append(dst, `","a":`...)
		dst = strconv.AppendUint(dst, uint64(l.asset), 10)
		dst = append(dst, `,"tok":`...)
		dst = sign.AppendJSONString(dst, x.tokenStr[l.asset])
		dst = append(dst, intentSideType(l.side, l.role)...)
		dst = strconv.AppendUint(dst, uint64(l.limit), 10)
		dst = append(dst, `,"tick":`...)
		dst = strconv.AppendUint(dst, uint64(l.tick), 10)
		dst = append(dst, `,"sh":`...)
		dst = strconv.AppendInt(dst, int64(l.shares), 10)
		dst = append(dst, `,"mk":`...)
		dst = strconv.AppendUint(dst, l.maker, 10)
		dst = append(dst, `,"tk":`...)
		dst = strconv.AppendUint(dst, l.taker, 10)
		dst = append(dst, `,"h":"0x`...)
		dst = sign.AppendHex(dst, l.hash[:])
		dst = append(dst, '"', '}')
	}
	return append(dst, ']', '}')
}

// intentSideType is an intent leg's "side" and "type" (FOK for entries, FAK
// for leg-risk orders) through the key of "px".
func intentSideType(side uint8, r legRole) string {
	switch {
	case side == sign.Sell && r == roleEntry:
		return `,"side":"SELL","type":"FOK","px":`
	case side == sign.Sell:
		return `,"side":"SELL","type":"FAK","px":`
	case r == roleEntry:
		return `,"side":"BUY","type":"FOK","px":`
	}
	return `,"side":"BUY","type":"FAK","px":`
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
