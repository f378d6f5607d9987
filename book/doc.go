// Package book holds the fixed-point numbers of the engine (Price, Size,
// Tick), the per-asset L2 order book and the venue's book hash.
//
// # Numbers
//
// Money is exact: prices are uint32 micro-dollars, sizes int64 micro-shares,
// and every product names its rounding direction (CostUp for what we pay,
// CostDown for what we receive). No float64 touches a price, size or amount.
// The parsers read the venue's decimal strings ("0.48", ".48", "1",
// "219.217767") straight into these types without allocating and fail with
// sentinel errors; AppendPrice/AppendSize write them back the way the venue
// spells them, so parse(format(x)) == x.
//
// # Books
//
// A Book is the L2 book of one asset: the total size at each price level.
// It is stored as two arrays indexed by tick level (price / tick; 101 levels
// for a 0.01 tick, 10001 for 0.0001), a two-level bitmap of occupied levels
// per side, and the best level of each side, so that SetLevel and
// BestBid/BestAsk are a few nanoseconds and the next best level after a
// removal is found with TrailingZeros64/LeadingZeros64 over a handful of
// words.
//
// Ownership: a Book is owned by one goroutine, the stage that applies the
// feed to it. It has no locks and must not be read by another goroutine;
// other stages receive what they need (best prices, sizes, epochs) in ring
// messages.
//
// Validity: a Book is Valid only after a complete snapshot
// (BeginSnapshot, SetLevel per level, EndSnapshot) and while the deltas
// applied since are trusted. NewBook, SetTick and Invalidate leave it not
// Valid. The feed calls Invalidate when the venue's hash disagrees with
// ours, when the book is Crossed, or when the connection drops; it then
// waits for a fresh snapshot. Nothing may be priced from a book that is not
// Valid.
//
// Epochs: Epoch changes on every BeginSnapshot, SetTick and Invalidate. A
// consumer that acted on (asset, epoch) can tell later whether the book it
// saw has been replaced since, without reading the book.
//
// Prices are validated against the book's tick on every SetLevel: a price
// off the grid is ErrOffGrid, above 1 ErrAboveOne; neither panics nor
// indexes out of range.
//
// # Book hash
//
// The venue attaches to every book snapshot and to every price_change entry
// the SHA-1 of a compact JSON rendering of the book (protocol.md §2.6).
// Book.Hash recomputes it for one of the known key layouts (HashLayout6,
// HashLayout9, HashLayout10) from the book's levels and a HashMeta holding
// the venue's own strings for the other keys. The 2025-10 real capture in
// testdata/polypy reproduces with HashLayout9, the 2024-11 one with
// HashLayout6. A mismatch means "resync this book", never a crash.
package book
