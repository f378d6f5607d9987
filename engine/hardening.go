package engine

import "github.com/hotpath/hotpath/book"

// FinalBook returns the engine's book of the asset with token id tok, or
// nil when tok is not in the universe. It exists for drills and tests that
// compare the engine's books with the venue's at the end of a run
// (hardening's load drill): call it only after Run has returned, because
// while Run runs every book belongs to the book+scan goroutine
// (docs/architecture.md, ownership of state).
func (e *Engine) FinalBook(tok string) *book.Book {
	a, ok := e.plan.u.Registry.Lookup([]byte(tok))
	if !ok {
		return nil
	}
	return e.in.Book(a)
}

// DrillCounters returns how many subscribed books are valid, how many
// frames have been read and how many order legs have been handed to the
// executor (counted before Submit, so a sample dates the decision, not
// the venue's answer; a basket the risk checks veto counts too), with three
// atomic loads (no allocation): for drills that sample the engine every few
// milliseconds to time its recovery from injected faults (hotpath demo's
// fault figures).
func (e *Engine) DrillCounters() (booksValid int64, frames, legsHanded uint64) {
	return e.st.BooksValid.Load(), e.st.Frames.Load(), e.xs.Handed.Load()
}
