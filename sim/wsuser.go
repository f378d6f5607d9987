package sim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gobwas/ws"

	"github.com/hotpath/hotpath/book"
)

// userHub serves /ws/user (protocol.md §3): order and trade events of the
// authenticated API key, optionally filtered to condition ids.
type userHub struct {
	s     *Server
	mu    sync.Mutex
	conns map[*userConn]struct{}
}

type userConn struct {
	*wsConn
	mu      sync.Mutex
	key     string
	markets map[string]bool // empty = all
}

func newUserHub(s *Server) *userHub { return &userHub{s: s, conns: map[*userConn]struct{}{}} }

func (h *userHub) serve(w http.ResponseWriter, r *http.Request) {
	c, _, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		return
	}
	uc := &userConn{wsConn: newWSConn(c, h.s.cfg.WSIdleTimeout, h.s.cfg.WSQueue), markets: map[string]bool{}}
	uc.onStop = func() {
		h.mu.Lock()
		delete(h.conns, uc)
		h.mu.Unlock()
	}
	go uc.writer()
	uc.reader(func(msg []byte) { h.handle(uc, msg) })
}

func (h *userHub) handle(uc *userConn, msg []byte) {
	var sub subscribeMsg
	if json.Unmarshal(msg, &sub) != nil {
		return
	}
	// lock order is hub → connection (sendTo), so register after unlocking
	uc.mu.Lock()
	register := false
	if uc.key == "" {
		k := (*apiKey)(nil)
		if sub.Auth != nil {
			k = h.s.keys.get(sub.Auth.APIKey)
		}
		if k == nil || k.Secret != sub.Auth.Secret || k.Passphrase != sub.Auth.Passphrase {
			uc.mu.Unlock()
			uc.close()
			return
		}
		uc.key, register = k.Key, true
	}
	unsub := strings.EqualFold(sub.Operation, "unsubscribe")
	for _, m := range sub.Markets {
		if unsub {
			delete(uc.markets, m)
		} else {
			uc.markets[m] = true
		}
	}
	uc.mu.Unlock()
	if register {
		h.mu.Lock()
		h.conns[uc] = struct{}{}
		h.mu.Unlock()
	}
}

func (h *userHub) closeAll() {
	h.mu.Lock()
	cs := make([]*userConn, 0, len(h.conns))
	for uc := range h.conns {
		cs = append(cs, uc)
	}
	h.mu.Unlock()
	for _, uc := range cs {
		uc.close()
	}
}

func (h *userHub) sendTo(key, market string, b []byte) {
	if key == "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for uc := range h.conns {
		uc.mu.Lock()
		ok := uc.key == key && (len(uc.markets) == 0 || uc.markets[market])
		uc.mu.Unlock()
		if ok {
			uc.send(b)
		}
	}
}

// orderEvent sends an order event to the order's key. Locked (exchange).
func (h *userHub) orderEvent(o *Order, kind string, ts int64) {
	if o.Owner == "" {
		return
	}
	b := []byte(`{"event_type":"order",`)
	b = appendStr(b, "id", o.ID)
	b = append(b, ',')
	b = appendStr(b, "owner", o.Owner)
	b = append(b, ',')
	b = appendStr(b, "market", o.Market.ConditionID)
	b = append(b, ',')
	b = appendStr(b, "asset_id", o.Token)
	b = append(b, ',')
	b = appendStr(b, "side", o.Side.String())
	b = append(b, ',')
	b = appendStr(b, "order_owner", o.Owner)
	b = append(b, `,"original_size":"`...)
	b = book.AppendSize(b, o.Size)
	b = append(b, `","size_matched":"`...)
	b = book.AppendSize(b, o.Matched)
	b = append(b, `","price":"`...)
	b = book.AppendPrice(b, o.Price)
	b = append(b, `","associate_trades":`...)
	ids, _ := json.Marshal(nonNil(o.TradeIDs))
	b = append(b, ids...)
	b = append(b, ',')
	b = appendStr(b, "outcome", strings.ToUpper(outcome(o)))
	b = append(b, ',')
	b = appendStr(b, "type", kind)
	b = append(b, ',')
	b = appendStr(b, "created_at", strconv.FormatInt(o.CreatedAt.Unix(), 10))
	b = append(b, ',')
	b = appendStr(b, "expiration", strconv.FormatInt(o.Expiration, 10))
	b = append(b, ',')
	b = appendStr(b, "order_type", string(o.Type))
	b = append(b, ',')
	b = appendStr(b, "status", o.Status)
	b = append(b, ',')
	b = appendStr(b, "maker_address", o.Maker.Hex())
	b = append(b, ',')
	b = appendStr(b, "timestamp", strconv.FormatInt(ts, 10))
	b = append(b, '}')
	h.sendTo(o.Owner, o.Market.ConditionID, b)
}

// tradeStatus sends the trade event (any lifecycle status) to the taker's
// and the maker's keys. Locked (exchange).
func (h *userHub) tradeStatus(t *Trade, ts int64) {
	build := func(taker bool) []byte {
		owner, side, asset, price, addr, role := t.TakerOwner, t.Side, t.AssetID, t.Price, t.TakerAddr, "TAKER"
		if !taker {
			owner, side, asset, price, addr, role = t.MakerOwner, t.MakerSide, t.MakerAssetID, t.MakerPrice, t.MakerAddr, "MAKER"
		}
		out := "YES"
		if asset == t.Market.NoToken {
			out = "NO"
		}
		mout := "YES"
		if t.MakerAssetID == t.Market.NoToken {
			mout = "NO"
		}
		b := []byte(`{"event_type":"trade","type":"TRADE",`)
		b = appendStr(b, "id", t.ID)
		b = append(b, ',')
		b = appendStr(b, "taker_order_id", t.TakerOrderID)
		b = append(b, ',')
		b = appendStr(b, "market", t.Market.ConditionID)
		b = append(b, ',')
		b = appendStr(b, "asset_id", asset)
		b = append(b, ',')
		b = appendStr(b, "side", side.String())
		b = append(b, `,"size":"`...)
		b = book.AppendSize(b, t.Size)
		b = append(b, `","price":"`...)
		b = book.AppendPrice(b, price)
		b = append(b, `","fee_rate_bps":"0",`...)
		b = appendStr(b, "status", t.Status)
		b = append(b, ',')
		b = appendStr(b, "match_time", strconv.FormatInt(t.MatchTime.Unix(), 10))
		b = append(b, ',')
		b = appendStr(b, "last_update", strconv.FormatInt(t.LastUpdate.Unix(), 10))
		b = append(b, ',')
		b = appendStr(b, "outcome", out)
		b = append(b, ',')
		b = appendStr(b, "owner", owner)
		b = append(b, ',')
		b = appendStr(b, "trade_owner", owner)
		b = append(b, ',')
		b = appendStr(b, "maker_address", addr.Hex())
		b = append(b, ',')
		b = appendStr(b, "transaction_hash", t.TxHash)
		b = append(b, `,"bucket_index":0,`...)
		b = appendStr(b, "trader_side", role)
		b = append(b, `,"maker_orders":[{`...)
		b = appendStr(b, "order_id", t.MakerOrderID)
		b = append(b, ',')
		b = appendStr(b, "owner", t.MakerOwner)
		b = append(b, ',')
		b = appendStr(b, "maker_address", t.MakerAddr.Hex())
		b = append(b, `,"matched_amount":"`...)
		b = book.AppendSize(b, t.Size)
		b = append(b, `","price":"`...)
		b = book.AppendPrice(b, t.MakerPrice)
		b = append(b, `","fee_rate_bps":"0",`...)
		b = appendStr(b, "asset_id", t.MakerAssetID)
		b = append(b, ',')
		b = appendStr(b, "outcome", mout)
		b = append(b, ',')
		b = appendStr(b, "side", t.MakerSide.String())
		b = append(b, `}],`...)
		b = appendStr(b, "timestamp", strconv.FormatInt(ts, 10))
		return append(b, '}')
	}
	if t.TakerOwner != "" {
		h.sendTo(t.TakerOwner, t.Market.ConditionID, build(true))
	}
	if t.MakerOwner != "" && t.MakerOwner != t.TakerOwner {
		h.sendTo(t.MakerOwner, t.Market.ConditionID, build(false))
	}
}
