// Package engine wires hotpath's stages into one running engine: market
// discovery, the feed client, the books and their integrity checks, the
// scanner, the template pool, the executor and the operator's view of them
// (design §2, §4; docs/architecture.md).
//
// # Stages
//
//		feed readers ──ring per connection──► book+scan stage ──ring──► exec goroutine
//		                                          │ pool events
//		                                          └──ring──► cold pool goroutine ──► sign.Pool
//
//	  - The book+scan stage (stage) drains the feed rings, applies each event
//	    through feed.Integrity, and at every frame's end tells the scanner
//	    the best ask of each asset the frame touched (or "absent" when the
//	    book is not Usable), then hands every OK opportunity to the executor by
//	    writing the scanner's result straight into a reserved ring slot. Its
//	    loop body allocates nothing (stage_alloc_test.go).
//	  - The exec goroutine calls exec.Executor.Submit per opportunity and Poll
//	    when idle (settlement, leg risk, queries, heartbeats).
//	  - The cold pool goroutine keeps the operator's pool view, paces what
//	    the template signer gets (signerFeed) and arms each hot leg at its
//	    trigger price besides its ask (legArmer, triggerPrice), so a dip is
//	    bought through a pre-signed template.
//
// Topology (ChooseTopology): compact parks the stages on bells the
// producers ring; pinned spins them on dedicated cores; fused runs the
// book+scan stage inside the single feed reader (feed.Config.Notify), with
// no hop at all. A parked stage sleeps at most 50 ms, so integrity checks
// and executor polls run on quiet markets too.
//
// # Ownership
//
// The books, the Integrity and the Scanner belong to the book+scan stage's
// goroutine. The executor belongs to the exec goroutine. Cross-goroutine
// state is atomics only: per-group "busy until" times (the stage sets them
// when it hands a basket over, the exec goroutine when the basket is done;
// a partial or pending basket keeps its group held until the executor
// closes it), per-asset ticks for the signer side, and the counters that
// metrics, status and the demo read.
//
// # Safety on the path
//
// An opportunity reaches the executor only when the scanner says OK, its
// group is not held by a basket in flight, not paused by the jump guard (a
// best ask moving more than DefaultJumpMove within DefaultJumpWindow pauses
// the event for DefaultJumpCooldown; a market_resolved event takes the
// event out for good) and not removed by a market refresh. Every drop is
// counted by reason (Drop).
//
// # Market refresh
//
// A refresh (market.Watcher) never stops the path: a new scanner is built
// off it over the same group list (indexes stay stable for the executor and
// the journal) and installed by the stage between two frames; removed
// groups stop firing and their assets are unsubscribed. Groups that need
// assets the running feed does not know are deferred to a restart (alerted).
//
// # Shutdown
//
// Run stops opening baskets first, then stops the feed; the executor
// finishes or unwinds what is in flight (exec.Executor.Shutdown), flushes
// its journal, and the histograms are collected for --latency-out.
package engine
