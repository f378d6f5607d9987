package feed

import "time"

// Pump is a plain consumer for cold uses (record, tools, tests; the engine
// runs its own pinned or parked loop): it drains every ring of c into in
// (nil: events are discarded), runs in.Check about every checkEvery, runs
// the functions sent on do between events (so callers can inspect in
// safely), sleeps 200 µs when idle (it never spins), and returns once every
// ring is closed and drained (Client.Run has returned).
func Pump(c *Client, in *Integrity, checkEvery time.Duration, do <-chan func(*Integrity)) {
	lastCheck := Now()
	for {
		progressed, open := false, false
		for _, cn := range c.conns {
			r := cn.ring
			for {
				e, ok := r.Pop()
				if !ok {
					break
				}
				progressed = true
				if in != nil {
					in.Apply(&e)
				}
			}
			if !r.Closed() || r.Len() > 0 {
				open = true
			}
		}
		select {
		case f := <-do:
			f(in)
			progressed = true
		default:
		}
		if now := Now(); in != nil && now-lastCheck >= int64(checkEvery) {
			lastCheck = now
			in.Check(now)
		}
		if !open {
			return
		}
		if !progressed {
			time.Sleep(200 * time.Microsecond)
		}
	}
}
