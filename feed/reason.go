package feed

// Reason is why the decoder or the frame reader counted (and usually
// dropped) something. It is a fixed enum so counting costs an array
// increment and allocates nothing.
type Reason uint8

// Reasons. The decoder marks the affected asset suspect (KindSuspect) for
// every reason that concerns a known asset's data, except ReasonEventType
// and ReasonUnknownAsset which only count.
const (
	ReasonNone         Reason = iota
	ReasonMalformed           // not valid JSON (or a text frame that is neither JSON nor PONG)
	ReasonShape               // valid JSON of the wrong shape: missing field, wrong type
	ReasonEventType           // an event_type this decoder does not know (counted, ignored)
	ReasonUnknownAsset        // an asset id not in the registry (counted, dropped)
	ReasonPrice               // a price that does not parse or is above 1
	ReasonSize                // a size that does not parse
	ReasonSide                // a side other than BUY/SELL
	ReasonOffGrid             // a price that is not a whole number of the asset's ticks
	ReasonTimestamp           // a timestamp that is not a decimal integer
	ReasonTick                // a tick size that is not one of the venue's six
	ReasonHash                // a hash that is not hex of 40 (or 64) digits
	ReasonOversize            // a frame or message longer than the configured cap
	ReasonBinary              // a binary message (the venue sends text)
	ReasonProtocol            // a WebSocket protocol violation (bad opcode, fragmented control…)
	NumReasons
)

var reasonNames = [NumReasons]string{"none", "malformed_json", "shape", "unknown_event_type",
	"unknown_asset", "bad_price", "bad_size", "bad_side", "off_grid", "bad_timestamp",
	"bad_tick", "bad_hash", "oversize_frame", "binary_frame", "ws_protocol"}

// String is the reason's stable snake_case name (used in summaries and
// metrics labels).
func (r Reason) String() string {
	if r < NumReasons {
		return reasonNames[r]
	}
	return "reason?"
}

// MsgType is a market-channel message type (protocol §2.5), the label of
// the decoder's per-type message counters.
type MsgType uint8

// Message types. An event_type the decoder does not know is not a MsgType:
// it counts ReasonEventType.
const (
	MsgBook MsgType = iota
	MsgPriceChange
	MsgTickSize
	MsgLastTrade
	MsgBestBidAsk
	MsgNewMarket
	MsgResolved
	MsgPong
	NumMsgTypes
)

var msgTypeNames = [NumMsgTypes]string{"book", "price_change", "tick_size_change",
	"last_trade_price", "best_bid_ask", "new_market", "market_resolved", "pong"}

// String is the message type's wire name (event_type, or "pong"), used as
// the metrics label.
func (t MsgType) String() string {
	if t < NumMsgTypes {
		return msgTypeNames[t]
	}
	return "msg_type?"
}

// Counts is a snapshot of the decoder's counters.
type Counts struct {
	Frames  uint64 // messages decoded (text frames after reassembly)
	Events  uint64 // events produced
	Pongs   uint64
	Reasons [NumReasons]uint64
	// Messages counts the messages handed to their type's decoding, by
	// type: each object of an array message counts, a PONG counts
	// MsgPong, a message whose timestamp does not parse or whose
	// event_type is unknown counts only its Reason.
	Messages [NumMsgTypes]uint64
}

// Errors sums every reason except ReasonNone.
func (c *Counts) Errors() uint64 {
	var n uint64
	for r := ReasonNone + 1; r < NumReasons; r++ {
		n += c.Reasons[r]
	}
	return n
}

// Add accumulates o into c.
func (c *Counts) Add(o *Counts) {
	c.Frames += o.Frames
	c.Events += o.Events
	c.Pongs += o.Pongs
	for i := range c.Reasons {
		c.Reasons[i] += o.Reasons[i]
	}
	for i := range c.Messages {
		c.Messages[i] += o.Messages[i]
	}
}
