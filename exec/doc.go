// Package exec turns opportunities into orders at the venue and keeps track
// of every share and dollar that follows: submission of a basket's legs as
// FOK orders in one POST /orders, response parsing (both rejection forms),
// the leg-risk policy for partial baskets, settlement tracking, risk limits,
// the shared rate budget, heartbeats and the journal (package
// exec/journal).
//
// Ownership: everything in this package is owned by the executor goroutine
// unless a type's doc says otherwise; none of it takes a lock on the path.
package exec
