package engine

import (
	"time"

	"github.com/hotpath/hotpath/book"
)

// Jump guard defaults: a leg whose best ask moves by more than JumpMove
// within JumpWindow pauses its event's groups for JumpCooldown. A planted or
// real arbitrage window is one leg's ask dipping by a few ticks; a jump of
// many cents in a moment is news (a result, a resolution) during which the
// other legs' books are about to move too and a basket priced now is the
// likeliest to be a false one.
const (
	DefaultJumpMove     = 150_000 // $0.15 per share
	DefaultJumpWindow   = 2 * time.Second
	DefaultJumpCooldown = 10 * time.Second
)

// jumpGuard watches best-ask moves per asset. It belongs to the book+scan
// goroutine. For each asset it keeps a reference ask and when it was taken;
// the reference is renewed once it is older than window, so a move is
// measured against a price at most window old (and at least the time since
// the last renewal), which is all "more than X within T" needs.
type jumpGuard struct {
	move   int64 // micro-dollars
	window int64 // ns
	refAsk []book.Price
	refTS  []int64
}

func newJumpGuard(assets int, move int64, window time.Duration) jumpGuard {
	return jumpGuard{move: move, window: int64(window), refAsk: make([]book.Price, assets), refTS: make([]int64, assets)}
}

// observe records asset a's present best ask p at ts and reports whether it
// moved by more than the threshold within the window.
func (g *jumpGuard) observe(a book.AssetIndex, p book.Price, ts int64) bool {
	if g.move <= 0 {
		return false
	}
	ref, at := g.refAsk[a], g.refTS[a]
	if at == 0 || ts-at > g.window {
		g.refAsk[a], g.refTS[a] = p, ts
		return false
	}
	d := int64(p) - int64(ref)
	if d < 0 {
		d = -d
	}
	if d > g.move {
		// Start a new reference so one jump trips once.
		g.refAsk[a], g.refTS[a] = p, ts
		return true
	}
	return false
}
