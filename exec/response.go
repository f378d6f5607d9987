package exec

import (
	"bytes"
	"errors"

	"github.com/valyala/fastjson"

	"github.com/hotpath/hotpath/book"
)

// Status is an order's placement status (protocol.md §5.3).
type Status uint8

// Placement statuses.
const (
	StatusNone      Status = iota // rejected or not reported
	StatusMatched                 // matched at placement, fully or partially
	StatusLive                    // resting on the book
	StatusDelayed                 // marketable, subject to a matching delay: neither filled nor dead
	StatusUnmatched               // marketable, delay failed, placement successful
)

var statusNames = [...]string{"none", "matched", "live", "delayed", "unmatched"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "status?"
}

// Reject classifies a rejection message into what the engine must do about
// it. The venue's strings are in protocol.md §5.4.
type Reject uint8

// Rejection kinds.
const (
	RejectNone         Reject = iota
	RejectFOKNotFilled        // FOK killed: nothing filled, nothing rests
	RejectFAKNoMatch          // FAK found nothing: nothing filled
	RejectSignature           // invalid signature: wrong domain or key — halt
	RejectBalance             // not enough balance / allowance — halt and alert
	RejectTick                // price breaks the tick rule — templates stale
	RejectMinSize             // size below the market minimum
	RejectPrecision           // amount precision — sizing bug, halt that group
	RejectDuplicate           // the same order was already accepted — query, never resend
	RejectVersion             // order_version_mismatch — re-read version, re-sign
	RejectCrossesBook         // post-only crossing
	RejectAuth                // 401, API key / owner / signer mismatch — halt
	RejectBanned              // address banned or closed-only — halt
	RejectNotReady            // market not ready / trading disabled / cancel-only
	RejectDelayed             // "order match delayed due to market conditions"
	RejectEngine              // matching engine 500s ("rounding issues", "no matching orders"...)
	RejectRateLimited         // 429
	RejectRestarting          // 425, the matching engine restarts
	RejectPayload             // invalid payload / too many orders: our bug
	RejectUnknown             // anything else
)

var rejectNames = [...]string{
	"none", "fok_not_filled", "fak_no_match", "invalid_signature", "balance", "tick", "min_size",
	"precision", "duplicate", "version_mismatch", "crosses_book", "auth", "banned", "not_ready",
	"delayed", "engine", "rate_limited", "restarting", "payload", "unknown",
}

func (r Reject) String() string {
	if int(r) < len(rejectNames) {
		return rejectNames[r]
	}
	return "reject?"
}

// Action is what the executor does next with a leg or a request.
type Action uint8

// Actions, in increasing severity.
const (
	ActNone       Action = iota // filled or cleanly killed: the leg's outcome is known
	ActQuery                    // the outcome is unknown: ask the venue (GET /data/order), never resend
	ActBackoff                  // the venue did not act: wait (Retry-After) and let the next window retry
	ActResign                   // re-read /version, re-sign templates, retry once
	ActInvalidate               // templates or sizing for this market are stale: rebuild them
	ActHalt                     // stop trading and alert: keys, balance, auth, bans
)

var actionNames = [...]string{"none", "query", "backoff", "resign", "invalidate", "halt"}

func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return "action?"
}

// ActionFor maps a rejection to the executor's response.
func ActionFor(r Reject) Action {
	switch r {
	case RejectNone, RejectFOKNotFilled, RejectFAKNoMatch:
		return ActNone
	case RejectDuplicate, RejectDelayed, RejectUnknown:
		return ActQuery
	case RejectRateLimited, RejectRestarting, RejectNotReady, RejectEngine:
		return ActBackoff
	case RejectVersion:
		return ActResign
	case RejectTick, RejectMinSize, RejectCrossesBook:
		return ActInvalidate
	case RejectSignature, RejectBalance, RejectAuth, RejectBanned, RejectPrecision, RejectPayload:
		return ActHalt
	}
	return ActHalt
}

// rejectPatterns are substrings of the venue's messages, most specific
// first. Matching is case-insensitive on ASCII.
var rejectPatterns = []struct {
	sub string
	r   Reject
}{
	{"fok orders are", RejectFOKNotFilled}, // "...fully filled or killed." and the engine variant
	{"couldn't be fully filled", RejectFOKNotFilled},
	{"fok_order_not_filled", RejectFOKNotFilled},
	{"no orders found to match with fak", RejectFAKNoMatch},
	{"order_version_mismatch", RejectVersion},
	{"invalid order version", RejectVersion},
	{"invalid signature", RejectSignature},
	{"not enough balance", RejectBalance},
	{"not_enough_balance", RejectBalance},
	{"minimum tick size", RejectTick},
	{"min_tick_size", RejectTick},
	{"lower than the minimum", RejectMinSize},
	{"invalid amount for a marketable", RejectMinSize}, // below the $1 minimum of FOK/FAK orders
	{"min_size", RejectMinSize},
	{"invalid amounts", RejectPrecision},
	{"max accuracy", RejectPrecision},
	{"duplicated", RejectDuplicate},
	{"crosses book", RejectCrossesBook},
	{"crosses the book", RejectCrossesBook},
	{"owner of the api key", RejectAuth},
	{"address of the api key", RejectAuth},
	{"unauthorized", RejectAuth},
	{"invalid api key", RejectAuth},
	{"invalid l1 request headers", RejectAuth},
	{"address banned", RejectBanned},
	{"closed only mode", RejectBanned},
	{"not yet ready", RejectNotReady},
	{"trading is currently", RejectNotReady},
	{"match delayed", RejectDelayed},
	{"too many requests", RejectRateLimited},
	{"there are no matching orders", RejectEngine},
	{"rounding issues", RejectEngine},
	{"discrepancy greater than allowed", RejectEngine},
	{"too many orders in payload", RejectPayload},
	{"invalid order payload", RejectPayload},
	{"payload exceeds", RejectPayload},
	{"invalid nonce", RejectPayload},
	{"invalid expiration", RejectPayload},
}

// Classify reads a venue error message. It does not allocate.
func Classify(msg []byte) Reject {
	if len(msg) == 0 {
		return RejectNone
	}
	for _, p := range rejectPatterns {
		if containsFold(msg, p.sub) {
			return p.r
		}
	}
	return RejectUnknown
}

// containsFold reports whether s contains sub (lower-case ASCII), ignoring
// ASCII case in s.
func containsFold(s []byte, sub string) bool {
	n := len(sub)
outer:
	for i := 0; i+n <= len(s); i++ {
		for j := 0; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				continue outer
			}
		}
		return true
	}
	return false
}

// RejectForHTTP classifies a request-level failure by status code when the
// body says nothing more specific.
func RejectForHTTP(code int, msg []byte) Reject {
	if r := Classify(msg); r != RejectNone && r != RejectUnknown {
		return r
	}
	switch {
	case code == 425:
		return RejectRestarting
	case code == 429:
		return RejectRateLimited
	case code == 401 || code == 403:
		return RejectAuth
	case code == 503:
		return RejectNotReady
	case code >= 500:
		return RejectEngine
	}
	return RejectUnknown
}

// LegResult is one order's outcome from a POST /orders response.
type LegResult struct {
	Success bool
	Status  Status
	Reject  Reject
	OrderID [32]byte
	HasID   bool
	// Making and Taking are the matched amounts in micro-units (the venue
	// sends human decimals: "100", "2.5", "" for none).
	Making, Taking int64
	// Msg is the venue's error text, copied into a fixed buffer (truncated
	// at len(Msg)) so results can outlive the response body.
	Msg    [96]byte
	MsgLen uint8
}

// Message returns the venue's error text (possibly truncated).
func (r *LegResult) Message() []byte { return r.Msg[:r.MsgLen] }

// Response parsing errors.
var (
	ErrResponseShape = errors.New("exec: unexpected response shape")
	ErrResponseCount = errors.New("exec: response has a different number of results than orders sent")
)

// ResponseParser parses POST /order(s) responses without allocating in
// steady state. One per executor goroutine.
type ResponseParser struct {
	p fastjson.Parser
}

// ParseBatch parses a POST /orders response for n orders into out[:n].
//
// Request-level rejection (HTTP 4xx/5xx with {"error": "..."}) returns
// reqReject != RejectNone and leaves out untouched: no order was accepted.
// Otherwise the body must be an array of n per-order objects in request
// order, each either {"success":true,...} or {"success":false,"errorMsg":...}
// (both rejection forms of §5.3 are handled: success:false, or a non-empty
// errorMsg/error on an element).
func (rp *ResponseParser) ParseBatch(code int, body []byte, out []LegResult) (reqReject Reject, err error) {
	if code != 200 && code != 201 {
		msg := body
		if v, perr := rp.p.ParseBytes(body); perr == nil {
			if e := v.GetStringBytes("error"); e != nil {
				msg = e
			} else if e := v.GetStringBytes("errorMsg"); e != nil {
				msg = e
			}
		}
		return RejectForHTTP(code, msg), nil
	}
	v, perr := rp.p.ParseBytes(body)
	if perr != nil {
		return RejectNone, ErrResponseShape
	}
	switch v.Type() {
	case fastjson.TypeArray:
		arr, _ := v.Array()
		if len(arr) != len(out) {
			return RejectNone, ErrResponseCount
		}
		for i, el := range arr {
			parseOne(el, &out[i])
		}
	case fastjson.TypeObject:
		if len(out) != 1 {
			// A single object for a batch is a request-level error.
			if e := v.GetStringBytes("error"); e != nil {
				return RejectForHTTP(code, e), nil
			}
			return RejectNone, ErrResponseCount
		}
		parseOne(v, &out[0])
	default:
		return RejectNone, ErrResponseShape
	}
	return RejectNone, nil
}

func parseOne(v *fastjson.Value, r *LegResult) {
	*r = LegResult{}
	msg := v.GetStringBytes("errorMsg")
	if len(msg) == 0 {
		msg = v.GetStringBytes("error")
	}
	r.MsgLen = uint8(copy(r.Msg[:], msg))
	r.Success = v.GetBool("success") && len(msg) == 0
	switch st := v.GetStringBytes("status"); {
	case bytes.EqualFold(st, []byte("matched")):
		r.Status = StatusMatched
	case bytes.EqualFold(st, []byte("live")):
		r.Status = StatusLive
	case bytes.EqualFold(st, []byte("delayed")):
		r.Status = StatusDelayed
	case bytes.EqualFold(st, []byte("unmatched")):
		r.Status = StatusUnmatched
	}
	if id := v.GetStringBytes("orderID"); len(id) == 66 && id[0] == '0' && (id[1] == 'x' || id[1] == 'X') {
		r.HasID = decodeHex32(&r.OrderID, id[2:])
	}
	r.Making = humanMicros(v.GetStringBytes("makingAmount"))
	r.Taking = humanMicros(v.GetStringBytes("takingAmount"))
	if !r.Success {
		r.Reject = Classify(msg)
		if r.Reject == RejectNone {
			r.Reject = RejectUnknown
		}
	}
}

// humanMicros converts the venue's human-unit decimal ("2.5", "", "100")
// into micro-units; "" and malformed values are 0 (the venue sends "" when
// nothing matched).
func humanMicros(b []byte) int64 {
	if len(b) == 0 {
		return 0
	}
	s, err := book.ParseSize(b)
	if err != nil {
		return 0
	}
	return int64(s)
}

func decodeHex32(dst *[32]byte, h []byte) bool {
	for i := 0; i < 32; i++ {
		hi, ok1 := unhex(h[2*i])
		lo, ok2 := unhex(h[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
