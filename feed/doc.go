// Package feed is the engine's market-data input: the Polymarket market
// channel client, the zero-allocation decoder, the integrity stage that keeps
// the books honest, and capture/replay of raw frames (design §2, §4, §6;
// protocol §2).
//
// Data flow, one goroutine per box:
//
//	venue WS ──► Conn reader: frameReader → Decoder → Event ──► ring.Ring[Event] (one per connection)
//	                                                              │
//	                                    consumer: Integrity.Apply → *book.Book per asset → scan
//
// The pieces:
//
//   - Client shards the assets over connections of at most 500 (Config),
//     subscribes in frames of at most 100 ids, sends the text PING every
//     10 s, reconnects on EOF, error, oversize frame or missing PONG with a
//     jittered exponential backoff, resubscribes, and emits KindResync for
//     every asset of a lost connection so the consumer invalidates them.
//   - The reader reads frames itself (frameReader: reused bufio.Reader and
//     buffers, the size cap checked before any payload byte is read), stamps
//     each message once with Now right after its bytes are in, and decodes it
//     with one reused fastjson.Parser into fixed-size Events. A `book`
//     snapshot becomes KindBookBegin, KindLevel…, KindBookEnd.
//   - Decoder counts every problem by Reason (fixed enum, plain counters)
//     and turns a problem with a known asset into KindSuspect, never into a
//     crash.
//   - Integrity applies events to the books and runs the checks of design
//     §6: snapshots and epochs, deltas ignored until a snapshot, crossed
//     books, top-of-book agreement, the venue's book hash (layouts 9, 10, 6;
//     per-asset switch, always on for hot assets), per-asset and
//     per-connection staleness and a busy canary asset per connection. Every
//     exclusion is counted (Exclusion) and asks Control (the Client) for a
//     resync or a reconnect.
//   - capture (sub-package) stores raw messages with receive times; Replay
//     drives them back through the same Decoder and Integrity; Verify
//     recomputes the venue's hashes of recorded messages (hotpath verify).
//
// Zero allocation per message in steady state is proven by
// feed_alloc_test.go; decode_timing_test.go compares with encoding/json.
package feed
