package feed

import "github.com/hotpath/hotpath/book"

// Kind says what an Event means. Events are fixed-size so they can cross an
// SPSC ring by value; a venue `book` snapshot therefore becomes
// KindBookBegin, one KindLevel per level (FlagSnapshot set), KindBookEnd.
type Kind uint8

// Event kinds.
const (
	KindNone Kind = iota
	// KindBookBegin starts a snapshot of Asset: the consumer empties the
	// book (book.BeginSnapshot). VenueMs is the snapshot's timestamp.
	KindBookBegin
	// KindLevel sets the total Size at Price on Side of Asset (0 removes
	// the level). With FlagSnapshot it belongs to the snapshot between
	// KindBookBegin and KindBookEnd; otherwise it is a price_change delta,
	// possibly carrying the venue's book hash after the change (FlagHash)
	// and the top of book (FlagBestBid, FlagBestAsk).
	KindLevel
	// KindBookEnd completes a snapshot (book.EndSnapshot). Hash is the
	// venue's hash of the snapshot when FlagHash is set.
	KindBookEnd
	// KindTickSize: the asset's tick changed to Tick (in Price units). The
	// book moves to a new epoch and ignores deltas until a fresh snapshot.
	// With FlagSnapshot it comes from a snapshot naming a new tick_size and
	// that snapshot follows at once.
	KindTickSize
	// KindLastTrade: a trade at Price for Size; Side is the taker's side.
	KindLastTrade
	// KindBestBidAsk: top of book as the venue sees it (custom feature).
	KindBestBidAsk
	// KindNewMarket: a market was listed. Asset is the index of its first
	// known token or NoAsset; Size holds the number of token ids listed.
	KindNewMarket
	// KindResolved: a market resolved. Asset is the winning token.
	KindResolved
	// KindSuspect: something about Asset's data was wrong (Reason says
	// what). The consumer invalidates the book and asks for a resync.
	KindSuspect
	// KindResync: the connection carrying Asset was lost (or the asset was
	// re-subscribed); the book is invalid until the fresh snapshot.
	KindResync
	// KindPong: the venue answered our text PING (no asset).
	KindPong
	numKinds
)

var kindNames = [numKinds]string{"none", "book_begin", "level", "book_end", "tick_size",
	"last_trade", "best_bid_ask", "new_market", "resolved", "suspect", "resync", "pong"}

// String names the kind.
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "kind?"
}

// Flags qualify an Event.
type Flags uint8

// Event flags.
const (
	// FlagSnapshot: a KindLevel inside a snapshot.
	FlagSnapshot Flags = 1 << iota
	// FlagHash: Hash holds the venue's 40-hex book hash.
	FlagHash
	// FlagHashUnverifiable: the venue sent a hash of another length (64 hex
	// digits have been seen on REST); it cannot be compared.
	FlagHashUnverifiable
	// FlagBestBid / FlagBestAsk: BestBid / BestAsk were sent (an empty
	// side is sent as "0"/"1" or ""; "" leaves the flag clear).
	FlagBestBid
	FlagBestAsk
	// FlagLast: the last event decoded from one frame; a consumer can batch
	// work (group sums, hash checks) until it sees it.
	FlagLast
)

// NoAsset is the Asset of events that concern no known asset.
const NoAsset book.AssetIndex = ^book.AssetIndex(0)

// Event is one decoded market-data fact, fixed-size (72 bytes) so it crosses
// a ring by value. Token ids never appear: Asset is the registry index.
type Event struct {
	RecvNs  int64     // when the frame's bytes were read (one clock read per frame)
	VenueMs int64     // the message's venue timestamp in ms (0 when absent)
	Size    book.Size // level size, trade size; count of ids for KindNewMarket
	Asset   book.AssetIndex
	Price   book.Price // level price, trade price, new tick for KindTickSize
	BestBid book.Price
	BestAsk book.Price
	Hash    [20]byte // venue book hash (FlagHash)
	Conn    uint16   // connection id that received the frame
	Kind    Kind
	Side    book.Side
	Flags   Flags
	Reason  Reason // KindSuspect: why
}

// Tick returns the new tick of a KindTickSize event.
func (e *Event) Tick() book.Tick { return book.Tick(e.Price) }
