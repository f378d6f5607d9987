package hist

import "time"

// base anchors Now: time.Since reads the monotonic clock, so spans between
// two Now readings never jump with wall-clock adjustments.
var base = time.Now()

// Now returns monotonic nanoseconds since process start, for the one clock
// reading per stage boundary the hot path takes (design §4); differences of
// two readings are what Record takes. It does not allocate.
func Now() int64 { return int64(time.Since(base)) }
