package telegram

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Kind classifies an alert; it sets the message's tag.
type Kind uint8

// Alert kinds.
const (
	KindInfo     Kind = iota // informational (start, stop)
	KindFill                 // a basket filled completely
	KindPartial              // a basket filled partially (legs missing)
	KindUnwind               // filled legs unwound or the set completed at a loss
	KindError                // an error an operator should see
	KindFeedLoss             // a feed connection lost or stale
	KindLimit                // a risk limit was hit (or the kill switch tripped)
	KindSummary              // the daily summary
	numKinds
)

var kindTags = [numKinds]string{"ℹ️ info", "✅ fill", "⚠️ partial", "↩️ unwind", "❌ error", "📡 feed", "🛑 limit", "📊 summary"}

// String is the tag shown in front of the alert text.
func (k Kind) String() string {
	if k < numKinds {
		return kindTags[k]
	}
	return "alert"
}

// Alert is one queued notification.
type Alert struct {
	Kind Kind
	Text string
}

func (a Alert) line() string { return a.Kind.String() + ": " + a.Text }

// Alert sender counters (indices into Bot's alert counter array).
const (
	alertQueued    = iota // accepted into the queue
	alertDropped          // queue full: dropped
	alertSent             // messages sent (one per chat)
	alertCoalesced        // alerts merged into another alert's message
	alertFailed           // messages that failed to send
	numAlertCounters
)

var alertCounterNames = [numAlertCounters]string{"queued", "dropped", "sent", "coalesced", "failed"}

// bucket is a token bucket: burst tokens, one more every `every`. Owned by
// the sender goroutine (no locks).
type bucket struct {
	every  time.Duration
	burst  int
	tokens int
	last   time.Time // time of the last refill credit
}

func newBucket(every time.Duration, burst int, now time.Time) *bucket {
	return &bucket{every: every, burst: burst, tokens: burst, last: now}
}

func (b *bucket) refill(now time.Time) {
	if b.tokens >= b.burst {
		b.last = now
		return
	}
	n := now.Sub(b.last) / b.every
	if n <= 0 {
		return
	}
	if b.tokens+int(n) >= b.burst {
		b.tokens, b.last = b.burst, now
		return
	}
	b.tokens += int(n)
	b.last = b.last.Add(n * b.every)
}

// wait is how long until a token is available (0: now).
func (b *bucket) wait(now time.Time) time.Duration {
	b.refill(now)
	if b.tokens > 0 {
		return 0
	}
	return b.last.Add(b.every).Sub(now)
}

// take consumes a token; call only when wait returned 0.
func (b *bucket) take(now time.Time) {
	b.refill(now)
	b.tokens--
}

// block empties the bucket until t (a 429's retry_after).
func (b *bucket) block(t time.Time) {
	b.tokens = 0
	b.last = t.Add(-b.every)
}

// maxCoalesce bounds how many queued alerts one message absorbs.
const maxCoalesce = 1000

// coalesce renders pending alerts as one message: the alert itself when
// there is one, otherwise a header with the count and one line per distinct
// alert with its repeat count, in first-seen order, within MaxMessageLen.
func coalesce(pending []Alert) string {
	if len(pending) == 1 {
		return pending[0].line()
	}
	type group struct {
		line string
		n    int
	}
	var groups []group
	index := make(map[string]int, len(pending))
	for _, a := range pending {
		l := a.line()
		if i, ok := index[l]; ok {
			groups[i].n++
			continue
		}
		index[l] = len(groups)
		groups = append(groups, group{l, 1})
	}
	var sb strings.Builder
	sb.WriteString(strconv.Itoa(len(pending)))
	sb.WriteString(" alerts (rate-limited, coalesced):")
	for i, g := range groups {
		line := "\n• " + g.line
		if g.n > 1 {
			line += " (×" + strconv.Itoa(g.n) + ")"
		}
		more := "\n… and " + strconv.Itoa(len(groups)-i) + " more"
		if sb.Len()+len(line)+len(more) > MaxMessageLen-64 {
			sb.WriteString(more)
			break
		}
		sb.WriteString(line)
	}
	return sb.String()
}

// runAlerts is the sender goroutine: it takes alerts off the queue, waits
// for a rate token, merges everything queued meanwhile into one message and
// sends it to every alert chat. Alerts still queued when ctx ends are lost.
func (b *Bot) runAlerts(ctx context.Context) {
	bk := newBucket(b.cfg.AlertEvery, b.cfg.AlertBurst, b.now())
	var pending []Alert
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		if len(pending) == 0 {
			select {
			case a := <-b.queue:
				pending = append(pending, a)
			case <-ctx.Done():
				return
			}
		}
		if d := bk.wait(b.now()); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return
			}
			continue
		}
	drain:
		for len(pending) < maxCoalesce {
			select {
			case a := <-b.queue:
				pending = append(pending, a)
			default:
				break drain
			}
		}
		bk.take(b.now())
		text := b.redact(coalesce(pending))
		b.alertStats[alertCoalesced].Add(uint64(len(pending) - 1))
		pending = pending[:0]
		for _, chat := range b.cfg.AlertChats {
			b.sendAlert(ctx, bk, chat, text)
		}
	}
}

// sendAlert sends text to chat, honouring one 429 retry_after.
func (b *Bot) sendAlert(ctx context.Context, bk *bucket, chat int64, text string) {
	for attempt := 0; ; attempt++ {
		err := b.send(ctx, chat, text)
		if err == nil {
			b.alertStats[alertSent].Add(1)
			return
		}
		var ae *APIError
		if attempt == 0 && errors.As(err, &ae) && ae.Code == 429 && ae.RetryAfter > 0 {
			bk.block(b.now().Add(ae.RetryAfter))
			t := time.NewTimer(ae.RetryAfter)
			select {
			case <-t.C:
				continue
			case <-ctx.Done():
				t.Stop()
			}
		}
		b.alertStats[alertFailed].Add(1)
		b.onError(err)
		return
	}
}
