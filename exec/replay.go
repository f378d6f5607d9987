package exec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/exec/journal"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sign"
)

// errReplay wraps journal records the executor cannot apply.
var errReplay = errors.New("exec: journal replay")

// replayJournal rebuilds baskets, positions and cash from the journal by
// applying its records in order (nothing is sent). Baskets without a
// final record are left open for reconciliation.
func (x *Executor) replayJournal() error {
	x.replay = true
	defer func() { x.replay = false }()
	byID := make(map[uint64]*basket)
	var p fastjson.Parser
	wallNow, monoNow := time.Now().UnixNano(), x.cfg.Now()
	err := journal.Replay(x.cfg.JournalDir, func(payload []byte) error {
		v, err := p.ParseBytes(payload)
		if err != nil {
			return fmt.Errorf("%w: %v", errReplay, err)
		}
		id := v.GetUint64("b")
		kind := string(v.GetStringBytes("k"))
		b := byID[id]
		switch kind {
		case "intent":
			if b == nil {
				_, b = x.allocBasket()
				if b == nil {
					return fmt.Errorf("%w: more open baskets than MaxBaskets", errReplay)
				}
				b.id, b.group, b.kind = id, uint32(v.GetUint("g")), scan.Kind(v.GetUint("kind"))
				b.event, b.payout, b.q = v.GetInt("ev"), v.GetInt64("payout"), book.Size(v.GetInt64("q"))
				b.expCost, b.notional, b.nGroup, b.paper = v.GetInt64("cost"), v.GetInt64("notional"), v.GetInt("n"), v.GetBool("paper")
				if int(b.group) >= len(x.cfg.Groups) || b.event < 0 || b.event >= x.cfg.NumEvents || b.nGroup < 0 || b.nGroup > scan.MaxLegs {
					return fmt.Errorf("%w: basket %d does not fit the configured groups", errReplay, id)
				}
				if b.nGroup != len(x.cfg.Groups[b.group].Legs) {
					return fmt.Errorf("%w: basket %d has %d legs, group %d has %d", errReplay, id, b.nGroup, b.group, len(x.cfg.Groups[b.group].Legs))
				}
				b.notional = 0
				byID[id] = b
				if id >= x.nextID {
					x.nextID = id + 1
				}
			}
			ts := v.GetInt64("ts")
			for _, lv := range v.GetArray("legs") {
				l := b.newLeg()
				l.idx = uint8(lv.GetUint("i"))
				switch string(lv.GetStringBytes("role")) {
				case "complete":
					l.role = roleComplete
				case "unwind":
					l.role = roleUnwind
				}
				if string(lv.GetStringBytes("side")) == "SELL" {
					l.side = sign.Sell
				}
				l.asset = book.AssetIndex(lv.GetUint("a"))
				if int(l.asset) >= len(x.pos) {
					return fmt.Errorf("%w: asset %d not in the registry", errReplay, l.asset)
				}
				l.limit, l.tick = book.Price(lv.GetUint("px")), book.Tick(lv.GetUint("tick"))
				l.shares, l.maker, l.taker = book.Size(lv.GetInt64("sh")), lv.GetUint64("mk"), lv.GetUint64("tk")
				if h := lv.GetStringBytes("h"); len(h) == 66 {
					decodeHex32(&l.hash, h[2:])
				}
				l.vid = l.hash
				l.status = legPending
				l.sentAt = monoNow - (wallNow - ts)
				l.sentWall = ts / int64(time.Second)
				if l.role == roleEntry && l.side == sign.Buy {
					b.notional += int64(l.maker)
				}
			}
		case "resp", "order":
			if b == nil {
				return nil
			}
			legs := v.GetArray("legs")
			if kind == "order" {
				legs = []*fastjson.Value{v}
			}
			for _, lv := range legs {
				li := legByHash(b, lv.GetStringBytes("h"))
				if li < 0 {
					continue
				}
				l := &b.legs[li]
				if id := lv.GetStringBytes("id"); len(id) == 66 {
					decodeHex32(&l.vid, id[2:])
				}
				l.status = legStatusByName(lv.GetStringBytes("st"))
				l.reject = rejectByName(lv.GetStringBytes("rej"))
				l.accepted = l.accepted || lv.GetBool("acc")
				mk, tk := lv.GetInt64("mk"), lv.GetInt64("tk")
				if l.side == sign.Sell {
					l.respShares, l.respCash = mk, tk
				} else {
					l.respShares, l.respCash = tk, mk
				}
				l.estFee = lv.GetInt64("fee")
				if l.status == legFilled {
					b.everFilled = true
				}
				x.account(l)
			}
		case "trade":
			var l *leg
			if b != nil {
				if li := legByHash(b, v.GetStringBytes("h")); li >= 0 {
					l = &b.legs[li]
				}
			} else if h := v.GetStringBytes("h"); len(h) == 66 {
				var want [32]byte
				if decodeHex32(&want, h[2:]) {
					if c := x.findClosed(&want); c != nil {
						l = &c.leg // a late fill of a basket that had ended
					}
				}
			}
			if l == nil {
				return nil
			}
			if err := x.replayTrade(l, v); err != nil {
				return err
			}
			if b != nil && l.status == legFilled {
				b.everFilled = true
			}
		case "legrisk":
			if b == nil {
				return nil
			}
			if n := v.GetInt("try"); n > b.attempts {
				b.attempts = n
			}
			if strings.HasPrefix(string(v.GetStringBytes("why")), "gave up") {
				b.stuck = true
			}
		case "final":
			if b == nil {
				return nil
			}
			switch string(v.GetStringBytes("state")) {
			case "unwound", "failed":
				x.realised += v.GetInt64("pnl")
			}
			b.final = true
			x.rememberClosed(b)
			x.closeSlot(x.slotOf(b))
			delete(byID, id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, si := range x.open {
		b := &x.slots[si]
		x.risk.Open(b.event, b.notional)
		if complete, flat := b.shape(); !complete && !flat && !b.anyUnresolved() {
			b.partial = true
		}
	}
	return nil
}

// replayTrade applies a journaled trade status to l.
func (x *Executor) replayTrade(l *leg, v *fastjson.Value) error {
	st, ok := parseTradeStatus(v.GetStringBytes("st"))
	if !ok {
		return fmt.Errorf("%w: trade status %q", errReplay, v.GetStringBytes("st"))
	}
	tid := v.GetStringBytes("id")
	if t := l.findTrade(tid); t != nil {
		t.status = st
		t.fee = v.GetInt64("fee") // a later record may carry the venue's fee
	} else {
		l.trades = append(l.trades, trade{id: string(tid), status: st, shares: v.GetInt64("sh"), cash: v.GetInt64("cash"), fee: v.GetInt64("fee")})
	}
	if st != tradeFailed && l.status != legFilled {
		l.status = legFilled
	}
	var known, c int64
	for k := range l.trades {
		known += l.trades[k].shares
		c += l.trades[k].cash
	}
	if known > l.respShares {
		l.respShares, l.respCash = known, c
	}
	x.account(l)
	return nil
}

func legByHash(b *basket, h []byte) int {
	var want [32]byte
	if len(h) != 66 || !decodeHex32(&want, h[2:]) {
		return -1
	}
	for i := range b.legs {
		if b.legs[i].hash == want {
			return i
		}
	}
	return -1
}

func legStatusByName(s []byte) legStatus {
	for i, n := range legStatusNames {
		if string(s) == n {
			return legStatus(i)
		}
	}
	return legUnknown
}

func rejectByName(s []byte) Reject {
	for i, n := range rejectNames {
		if string(s) == n {
			return Reject(i)
		}
	}
	return RejectUnknown
}

// reconcile resolves, with the venue, every order the journal left without
// a final outcome (GET /data/order, then /data/trades for fills), cancels
// any of our orders found resting, and journals what it did. Nothing is
// ever resubmitted. Orders the venue does not know yet stay unknown until
// UnknownGrace has passed since their intent; Poll keeps asking.
func (x *Executor) reconcile(ctx context.Context) error {
	now := x.cfg.Now()
	baskets, queried := len(x.open), 0
	for k := 0; k < len(x.open); k++ {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		b := &x.slots[x.open[k]]
		for i := 0; i < len(b.legs); i++ {
			l := &b.legs[i]
			switch l.status {
			case legPending, legUnknown, legLive:
				l.lastQuery = now
				x.queryOrder(b, i, now)
				queried++
			case legFilled:
				if !l.settled() {
					x.queryTrades(b, i)
					queried++
				}
			}
		}
	}
	cancelled := x.cancelResting()
	x.jbuf = append(x.jbuf[:0], `{"k":"recon"`...)
	x.jbuf = appendInt(x.jbuf, "baskets", int64(baskets))
	x.jbuf = appendInt(x.jbuf, "queried", int64(queried))
	x.jbuf = appendInt(x.jbuf, "cancelled", int64(cancelled))
	x.jbuf = append(x.jbuf, '}')
	return x.appendJournal()
}

// cancelResting lists our open orders (GET /data/orders) and cancels every
// one: the executor never means to rest.
func (x *Executor) cancelResting() int {
	resp, err := x.coldDo("GET", "/data/orders", "", nil)
	if err != nil || resp.Status != 200 {
		return 0
	}
	var p fastjson.Parser
	v, err := p.ParseBytes(resp.Body)
	if err != nil {
		return 0
	}
	var ids [][32]byte
	for _, o := range v.GetArray("data") {
		id := o.GetStringBytes("id")
		var h [32]byte
		if len(id) == 66 && decodeHex32(&h, id[2:]) && strings.EqualFold(string(o.GetStringBytes("status")), "LIVE") {
			ids = append(ids, h)
		}
	}
	n := 0
	for i := range ids {
		x.liveSeen.Store(true)
		if x.cancelOrder(&ids[i]) {
			n++
		}
	}
	return n
}
