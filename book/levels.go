package book

import "math/bits"

// levelSet is the set of occupied price levels of one side of a book: a
// bitmap of uint64 words plus a summary bitmap with one bit per non-zero
// word, so that finding the next occupied level costs a few word scans even
// on a 10001-level (0.0001 tick) grid with a sparse book.
//
// Invariant: summary bit w is set if and only if words[w] != 0. Bits at or
// beyond the number of levels are never set.
type levelSet struct {
	words   []uint64
	summary []uint64
}

// reset sizes the set for n levels and empties it, reusing memory when it
// is large enough.
func (s *levelSet) reset(n int) {
	nw := (n + 63) >> 6
	ns := (nw + 63) >> 6
	if cap(s.words) >= nw {
		s.words = s.words[:nw]
		clear(s.words)
	} else {
		s.words = make([]uint64, nw)
	}
	if cap(s.summary) >= ns {
		s.summary = s.summary[:ns]
		clear(s.summary)
	} else {
		s.summary = make([]uint64, ns)
	}
}

// clearAll empties the set without resizing it.
func (s *levelSet) clearAll() {
	clear(s.words)
	clear(s.summary)
}

// add marks level i occupied. i must be in range.
func (s *levelSet) add(i int) {
	w := i >> 6
	s.words[w] |= 1 << (uint(i) & 63)
	s.summary[w>>6] |= 1 << (uint(w) & 63)
}

// remove marks level i empty. i must be in range.
func (s *levelSet) remove(i int) {
	w := i >> 6
	s.words[w] &^= 1 << (uint(i) & 63)
	if s.words[w] == 0 {
		s.summary[w>>6] &^= 1 << (uint(w) & 63)
	}
}

// next returns the lowest occupied level >= i, or -1.
func (s *levelSet) next(i int) int {
	if i < 0 {
		i = 0
	}
	w := i >> 6
	if w >= len(s.words) {
		return -1
	}
	if m := s.words[w] & (^uint64(0) << (uint(i) & 63)); m != 0 {
		return w<<6 + bits.TrailingZeros64(m)
	}
	w = nextWord(s.summary, w+1)
	if w < 0 {
		return -1
	}
	return w<<6 + bits.TrailingZeros64(s.words[w])
}

// prev returns the highest occupied level <= i, or -1.
func (s *levelSet) prev(i int) int {
	if i < 0 {
		return -1
	}
	w := i >> 6
	if w >= len(s.words) {
		w = len(s.words) - 1
		if w < 0 {
			return -1
		}
		i = w<<6 + 63
	}
	if m := s.words[w] & (^uint64(0) >> (63 - uint(i)&63)); m != 0 {
		return w<<6 + 63 - bits.LeadingZeros64(m)
	}
	w = prevWord(s.summary, w-1)
	if w < 0 {
		return -1
	}
	return w<<6 + 63 - bits.LeadingZeros64(s.words[w])
}

// nextWord returns the lowest set bit >= j in the bitmap sum, or -1.
func nextWord(sum []uint64, j int) int {
	k := j >> 6
	if k >= len(sum) {
		return -1
	}
	m := sum[k] & (^uint64(0) << (uint(j) & 63))
	for m == 0 {
		k++
		if k >= len(sum) {
			return -1
		}
		m = sum[k]
	}
	return k<<6 + bits.TrailingZeros64(m)
}

// prevWord returns the highest set bit <= j in the bitmap sum, or -1.
func prevWord(sum []uint64, j int) int {
	if j < 0 {
		return -1
	}
	k := j >> 6
	m := sum[k] & (^uint64(0) >> (63 - uint(j)&63))
	for m == 0 {
		k--
		if k < 0 {
			return -1
		}
		m = sum[k]
	}
	return k<<6 + 63 - bits.LeadingZeros64(m)
}
