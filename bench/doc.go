// Package bench is the benchmark suite that guards the hot path (design §9,
// §10): the real stages composed in process and fed recorded-shape frames
// (BenchmarkTickToTrade, BenchmarkFrameNoTrade, BenchmarkStream), the same
// work done the way a typical bot does it (BenchmarkBaseline…, for a ratio
// measured side by side in one `go test -bench` run), and the allocation tests
// that prove the path allocates nothing per frame.
//
// The pieces:
//
//   - Market (market.go) generates a deterministic synthetic venue: neg-risk
//     events of 3–10 outcomes, a `book` snapshot per asset and a cycle of
//     current-format `price_change` frames (~330 bytes, one entry, with the
//     venue's book hash and top of book) that moves levels around and, once
//     per block, dips one leg's ask so that the event's YES basket costs less
//     than its $1 payout. Every block returns every book to its start state, so
//     the cycle can be replayed forever with valid hashes.
//   - Pipeline (pipeline.go) is the engine's hot path fused on one goroutine:
//     feed.Decoder → feed.Integrity (books, hash checks of hot assets) →
//     scan.Scanner (OnBestAsk, Next) → sign.Pool.Take per leg → sign.Batch
//     body + L2 HMAC → HTTP request bytes → a sink.
//   - Baseline (baseline.go) is a typical bot: encoding/json, map books,
//     float sums, sort, go-ethereum's generic typed-data signing per order at
//     decision time, encoding/json body, a fresh HMAC, net/http request
//     writing.
//
// The loopback end-to-end run against the simulator lives in bench/loopback
// (library and test) and bench/cmd/loopback (the `make bench` program).
// bench/official_client.mjs times Polymarket's official TypeScript client
// producing one signed order, body and L2 headers. `make bench` runs all of
// it and bench/cmd/results writes bench/RESULTS.md.
package bench
