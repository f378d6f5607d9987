package sim

import (
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/hotpath/hotpath/book"
)

const (
	initialCursor = "MA=="
	endCursor     = "LTE="
	maxBatch      = 15
	maxBody       = 1 << 20
)

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

func writeRaw(w http.ResponseWriter, code int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// statusFor applies the venue's status rewriting (protocol.md §5.4).
func statusFor(msg string) int {
	l := strings.ToLower(msg)
	switch {
	case strings.Contains(l, "not found"):
		return http.StatusNotFound
	case strings.Contains(l, "unauthorized"):
		return http.StatusUnauthorized
	}
	return http.StatusBadRequest
}

func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, "OK") })
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, "OK") })
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]int{"version": 2}) })
	mux.HandleFunc("GET /time", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, s.x.now().Unix()) })
	mux.HandleFunc("GET /book", s.handleBook)
	mux.HandleFunc("POST /books", s.handleBooks)
	mux.HandleFunc("GET /tick-size", s.tokenInfo(func(m *Market, _ bool) any {
		return map[string]json.Number{"minimum_tick_size": json.Number(m.Tick.String())}
	}))
	mux.HandleFunc("GET /neg-risk", s.tokenInfo(func(m *Market, _ bool) any { return map[string]bool{"neg_risk": m.NegRisk} }))
	mux.HandleFunc("GET /fee-rate", s.tokenInfo(func(m *Market, _ bool) any {
		fee := 0
		if m.Fee.Rate > 0 {
			fee = 1000 // legacy V1 parameter; not the effective V2 rate (protocol.md §9.2)
		}
		return map[string]int{"base_fee": fee}
	}))
	// /price: BUY → best bid, SELL → best ask, per the API reference (the
	// side semantics are UNCERTAIN, protocol.md §4.1).
	mux.HandleFunc("GET /price", func(w http.ResponseWriter, r *http.Request) {
		sell := strings.EqualFold(r.URL.Query().Get("side"), "SELL")
		s.tokenInfo(func(m *Market, yes bool) any {
			bid, ask, _, _ := m.best(yes)
			if sell {
				return map[string]string{"price": ask.String()}
			}
			return map[string]string{"price": bid.String()}
		})(w, r)
	})
	mux.HandleFunc("GET /midpoint", s.tokenInfo(func(m *Market, yes bool) any {
		bid, ask, hb, ha := m.best(yes)
		if !hb || !ha {
			return map[string]string{"mid": ""}
		}
		return map[string]string{"mid": ((bid + ask) / 2).String()}
	}))
	mux.HandleFunc("GET /spread", s.tokenInfo(func(m *Market, yes bool) any {
		bid, ask, hb, ha := m.best(yes)
		if !hb || !ha || ask < bid {
			return map[string]string{"spread": ""}
		}
		return map[string]string{"spread": (ask - bid).String()}
	}))
	mux.HandleFunc("GET /last-trade-price", s.tokenInfo(func(m *Market, yes bool) any {
		if !m.hasTrade {
			return map[string]string{"price": "", "side": ""}
		}
		return map[string]string{"price": string(lastTradeString(m, m.token(yes))), "side": m.lastSide.String()}
	}))
	mux.HandleFunc("GET /clob-markets/{cid}", s.handleClobMarket)
	mux.HandleFunc("GET /markets-by-token/{token}", s.handleMarketByToken)
	mux.HandleFunc("GET /markets", s.handleMarkets)
	mux.HandleFunc("GET /markets/{cid}", s.handleMarket)
	mux.HandleFunc("POST /auth/api-key", s.handleCreateKey)
	mux.HandleFunc("GET /auth/derive-api-key", s.handleCreateKey)
	mux.HandleFunc("GET /auth/api-keys", s.auth(s.handleAPIKeys))
	mux.HandleFunc("POST /order", s.auth(s.handlePostOrder))
	mux.HandleFunc("POST /orders", s.auth(s.handlePostOrders))
	mux.HandleFunc("DELETE /order", s.auth(s.handleCancel))
	mux.HandleFunc("DELETE /orders", s.auth(s.handleCancelMany))
	mux.HandleFunc("DELETE /cancel-all", s.auth(s.handleCancelAll))
	mux.HandleFunc("DELETE /cancel-market-orders", s.auth(s.handleCancelMarket))
	mux.HandleFunc("GET /data/order/{id}", s.auth(s.handleGetOrder))
	mux.HandleFunc("GET /data/orders", s.auth(s.handleGetOrders))
	mux.HandleFunc("GET /data/trades", s.auth(s.handleGetTrades))
	mux.HandleFunc("GET /balance-allowance", s.auth(s.handleBalance))
	mux.HandleFunc("GET /balance-allowance/update", s.auth(s.handleBalance))
	mux.HandleFunc("POST /v1/heartbeats", s.auth(s.handleHeartbeat))
	mux.HandleFunc("POST /heartbeats", s.auth(s.handleHeartbeat))
	mux.HandleFunc("GET /sim/ledger", s.handleLedger)
	mux.HandleFunc("GET /sim/windows", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, s.Windows()) })
}

type authHandler func(w http.ResponseWriter, r *http.Request, k *apiKey, body []byte)

// auth reads the body, checks L2 headers and calls h.
func (s *Server) auth(h authHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil || len(body) > maxBody {
			writeErr(w, 400, "Payload exceeds the limit")
			return
		}
		k, ok := s.l2(r, body)
		if !ok {
			writeErr(w, http.StatusUnauthorized, "Unauthorized/Invalid api key")
			return
		}
		h(w, r, k, body)
	}
}

func (s *Server) tokenInfo(f func(m *Market, yes bool) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("token_id")
		if tok == "" {
			writeErr(w, 400, "Invalid token id")
			return
		}
		m, yes, ok := s.x.MarketByToken(tok)
		if !ok {
			writeErr(w, 404, "market not found")
			return
		}
		s.x.mu.Lock()
		v := f(m, yes)
		s.x.mu.Unlock()
		writeJSON(w, 200, v)
	}
}

func (s *Server) bookJSON(b []byte, m *Market, yes bool, ts int64) []byte {
	bids, asks := m.Levels(yes)
	tok := m.token(yes)
	h := s.hasher.hash(s.cfg.HashLayout, m, tok, bids, asks, ts)
	// the response carries exactly the hashed keys, so a client that hashes
	// the response it parsed (clob-client's generateOrderBookSummaryHash)
	// gets the same digest
	return appendBookJSON(b, s.cfg.HashLayout, m, tok, bids, asks, ts, h)
}

func (s *Server) handleBook(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token_id")
	m, yes, ok := s.x.MarketByToken(tok)
	if !ok {
		if tok == "" {
			writeErr(w, 400, "Invalid token id")
		} else {
			writeErr(w, 404, "No orderbook exists for the requested token id")
		}
		return
	}
	s.x.mu.Lock()
	b := s.bookJSON(nil, m, yes, s.x.now().UnixMilli())
	s.x.mu.Unlock()
	writeRaw(w, 200, b)
}

func (s *Server) handleBooks(w http.ResponseWriter, r *http.Request) {
	var req []struct {
		TokenID string `json:"token_id"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if json.Unmarshal(body, &req) != nil {
		writeErr(w, 400, "Invalid payload")
		return
	}
	if len(req) > 500 {
		writeErr(w, 400, "Payload exceeds the limit")
		return
	}
	out := []byte{'['}
	s.x.mu.Lock()
	ts := s.x.now().UnixMilli()
	n := 0
	for _, q := range req {
		m, yes, ok := s.x.MarketByToken(q.TokenID)
		if !ok {
			continue
		}
		if n > 0 {
			out = append(out, ',')
		}
		out = s.bookJSON(out, m, yes, ts)
		n++
	}
	s.x.mu.Unlock()
	writeRaw(w, 200, append(out, ']'))
}

func feeRate(m *Market) json.Number {
	return json.Number(book.Size(m.Fee.Rate).String())
}

func (s *Server) handleClobMarket(w http.ResponseWriter, r *http.Request) {
	m, ok := s.x.MarketByCondition(r.PathValue("cid"))
	if !ok {
		writeErr(w, 404, "market not found")
		return
	}
	s.x.mu.Lock()
	defer s.x.mu.Unlock()
	writeJSON(w, 200, map[string]any{
		"c":    m.ConditionID,
		"t":    []map[string]string{{"t": m.YesToken, "o": "Yes"}, {"t": m.NoToken, "o": "No"}},
		"mts":  json.Number(m.Tick.String()),
		"nr":   m.NegRisk,
		"fd":   map[string]any{"r": feeRate(m), "e": m.Fee.Exponent, "to": m.Fee.TakerOnly},
		"mbf":  0,
		"tbf":  0,
		"mos":  json.Number(m.MinSize.String()),
		"ao":   m.AcceptingOrders,
		"sd":   0,
		"cbos": false,
		"rfqe": false,
	})
}

func (s *Server) handleMarketByToken(w http.ResponseWriter, r *http.Request) {
	m, _, ok := s.x.MarketByToken(r.PathValue("token"))
	if !ok {
		writeErr(w, 404, "market not found")
		return
	}
	writeJSON(w, 200, map[string]any{"condition_id": m.ConditionID, "primary_token_id": m.YesToken, "secondary_token_id": m.NoToken})
}

func (s *Server) clobMarket(m *Market) map[string]any {
	price := func(yes bool) json.Number {
		bid, ask, hb, ha := m.best(yes)
		if hb && ha {
			return json.Number(((bid + ask) / 2).String())
		}
		return "0.5"
	}
	return map[string]any{
		"condition_id":       m.ConditionID,
		"question_id":        m.QuestionID,
		"question":           m.Question,
		"market_slug":        m.Slug,
		"tokens":             []map[string]any{{"token_id": m.YesToken, "outcome": "Yes", "price": price(true), "winner": false}, {"token_id": m.NoToken, "outcome": "No", "price": price(false), "winner": false}},
		"minimum_order_size": json.Number(m.MinSize.String()),
		"minimum_tick_size":  json.Number(m.Tick.String()),
		"neg_risk":           m.NegRisk,
		"neg_risk_market_id": m.NegRiskMarketID,
		"active":             m.Active,
		"closed":             m.Closed,
		"accepting_orders":   m.AcceptingOrders,
		"enable_order_book":  true,
		"archived":           false,
		"maker_base_fee":     0,
		"taker_base_fee":     0,
	}
}

func (s *Server) handleMarket(w http.ResponseWriter, r *http.Request) {
	m, ok := s.x.MarketByCondition(r.PathValue("cid"))
	if !ok {
		writeErr(w, 404, "market not found")
		return
	}
	s.x.mu.Lock()
	defer s.x.mu.Unlock()
	writeJSON(w, 200, s.clobMarket(m))
}

// cursor decodes a next_cursor (base64 of a decimal offset).
func decodeCursor(c string) (int, bool) {
	if c == "" || c == initialCursor {
		return 0, true
	}
	if c == endCursor {
		return -1, true
	}
	b, err := base64Std.DecodeString(c)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(string(b))
	return n, err == nil && n >= 0
}

func encodeCursor(n, total int) string {
	if n >= total {
		return endCursor
	}
	return base64Std.EncodeToString([]byte(strconv.Itoa(n)))
}

func (s *Server) handleMarkets(w http.ResponseWriter, r *http.Request) {
	const page = 500
	off, ok := decodeCursor(r.URL.Query().Get("next_cursor"))
	if !ok {
		writeErr(w, 400, "invalid next_cursor")
		return
	}
	ms := s.x.Markets()
	data := []map[string]any{}
	next := endCursor
	if off >= 0 {
		end := min(off+page, len(ms))
		s.x.mu.Lock()
		for _, m := range ms[min(off, len(ms)):end] {
			data = append(data, s.clobMarket(m))
		}
		s.x.mu.Unlock()
		next = encodeCursor(end, len(ms))
	}
	writeJSON(w, 200, map[string]any{"limit": page, "count": len(data), "next_cursor": next, "data": data})
}

func (s *Server) handleCreateKey(w http.ResponseWriter, r *http.Request) {
	addr, nonce, ok := s.l1(r)
	if !ok {
		writeErr(w, 401, "Invalid L1 Request headers")
		return
	}
	writeJSON(w, 200, s.keys.register(addr, nonce))
}

func (s *Server) handleAPIKeys(w http.ResponseWriter, r *http.Request, k *apiKey, _ []byte) {
	writeJSON(w, 200, map[string]any{"apiKeys": s.keys.byAddress(k.Address)})
}

// orderResponse is the §5.3 response of one order.
type orderResponse struct {
	Success            bool     `json:"success"`
	ErrorMsg           string   `json:"errorMsg"`
	OrderID            string   `json:"orderID"`
	Status             string   `json:"status,omitempty"`
	MakingAmount       string   `json:"makingAmount"`
	TakingAmount       string   `json:"takingAmount"`
	TransactionsHashes []string `json:"transactionsHashes"`
	TradeIDs           []string `json:"tradeIDs"`
}

func human(v int64) string {
	if v == 0 {
		return ""
	}
	return book.Size(v).String()
}

// submitOne runs one envelope end to end: parse, faults, place.
func (s *Server) submitOne(env *orderEnvelope, k *apiKey) (orderResponse, error) {
	p, err := s.parseOrder(env, k)
	if err != nil {
		return orderResponse{}, err
	}
	if d, ok := s.faults.takeDelay(); ok {
		return s.placeDelayed(p, k, d), nil
	}
	res, err := s.place(p, k)
	if err != nil {
		return orderResponse{OrderID: p.id}, err
	}
	return orderResponse{Success: true, OrderID: res.OrderID, Status: res.Status,
		MakingAmount: human(res.Making), TakingAmount: human(res.Taking),
		TransactionsHashes: nonNil(res.TxHashes), TradeIDs: nonNil(res.TradeIDs)}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// placeDelayed answers "delayed" now and matches the order after d. While
// it waits, GET /data/order shows it DELAYED; if matching then fails (a
// FOK killed, funds gone) it stays queryable as UNMATCHED.
func (s *Server) placeDelayed(p *parsedOrder, k *apiKey, d time.Duration) orderResponse {
	stub := s.stubOrder(p, k, StatusDelayed)
	s.x.mu.Lock()
	s.delayed[p.id] = stub
	s.x.mu.Unlock()
	go func() {
		select {
		case <-time.After(d):
		case <-s.done:
			return
		}
		_, err := s.place(p, k)
		s.x.mu.Lock()
		defer s.x.mu.Unlock()
		delete(s.delayed, p.id)
		if _, known := s.x.orders[p.id]; err != nil && !known {
			stub.Status = StatusUnmatched
			s.x.orders[p.id] = stub
			s.x.h.orderEvent(stub, "CANCELLATION", s.x.now().UnixMilli())
		}
	}()
	return orderResponse{Success: true, OrderID: p.id, Status: "delayed", TransactionsHashes: []string{}, TradeIDs: []string{}}
}

// stubOrder is the record of an order that is not (yet) on the book.
func (s *Server) stubOrder(p *parsedOrder, k *apiKey, status string) *Order {
	size, num, den := book.Size(p.takerAmt), p.makerAmt, p.takerAmt
	if p.side == Sell {
		size, num, den = book.Size(p.makerAmt), p.takerAmt, p.makerAmt
	}
	price := book.Price(new(big.Int).Quo(new(big.Int).Mul(big.NewInt(num), big.NewInt(book.Scale)), big.NewInt(den)).Int64())
	return &Order{ID: p.id, Market: p.m, Token: p.m.token(p.yes), Yes: p.yes, Side: p.side, Price: price, Size: size,
		Type: p.typ, Owner: k.Key, Maker: p.maker, Expiration: p.exp, Status: status, CreatedAt: s.x.now()}
}

func (s *Server) handlePostOrder(w http.ResponseWriter, r *http.Request, k *apiKey, body []byte) {
	if !s.limit(w, k, false, 1) {
		return
	}
	var env orderEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		writeErr(w, 400, ErrMsgPayload)
		return
	}
	resp, err := s.submitOne(&env, k)
	if err != nil {
		msg := RejectMessage(err)
		if msg == "" {
			msg = ErrMsgPayload
		}
		writeErr(w, statusFor(msg), msg)
		return
	}
	writeJSON(w, 200, resp)
}

func (s *Server) handlePostOrders(w http.ResponseWriter, r *http.Request, k *apiKey, body []byte) {
	var envs []json.RawMessage
	if err := json.Unmarshal(body, &envs); err != nil {
		writeErr(w, 400, ErrMsgPayload)
		return
	}
	if len(envs) > maxBatch {
		writeErr(w, 400, "Too many orders in payload: "+strconv.Itoa(len(envs))+", max allowed: "+strconv.Itoa(maxBatch))
		return
	}
	if !s.limit(w, k, false, len(envs)) { // batches are all-or-nothing at the rate check
		return
	}
	out := make([]orderResponse, len(envs))
	for i, raw := range envs {
		var env orderEnvelope
		var err error
		if json.Unmarshal(raw, &env) != nil {
			err = errPayload
		} else {
			out[i], err = s.submitOne(&env, k)
		}
		if err != nil {
			msg := RejectMessage(err)
			if msg == "" {
				msg = ErrMsgPayload
			}
			out[i] = orderResponse{Success: false, ErrorMsg: msg, OrderID: out[i].OrderID, TransactionsHashes: []string{}, TradeIDs: []string{}}
		}
	}
	writeJSON(w, 200, out)
}

type cancelResponse struct {
	Canceled    []string          `json:"canceled"`
	NotCanceled map[string]string `json:"not_canceled"`
}

func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request, k *apiKey, body []byte) {
	var req struct {
		OrderID string `json:"orderID"`
	}
	if json.Unmarshal(body, &req) != nil || req.OrderID == "" {
		writeErr(w, 400, "Invalid payload")
		return
	}
	if !s.limit(w, k, true, 1) {
		return
	}
	s.cancelIDs(w, k, []string{req.OrderID})
}

func (s *Server) handleCancelMany(w http.ResponseWriter, r *http.Request, k *apiKey, body []byte) {
	var ids []string
	if json.Unmarshal(body, &ids) != nil {
		writeErr(w, 400, "Invalid payload")
		return
	}
	if len(ids) > 1000 {
		writeErr(w, 400, "Too many orders in payload: "+strconv.Itoa(len(ids))+", max allowed: 1000")
		return
	}
	if !s.limit(w, k, true, len(ids)) {
		return
	}
	s.cancelIDs(w, k, ids)
}

func (s *Server) cancelIDs(w http.ResponseWriter, k *apiKey, ids []string) {
	resp := cancelResponse{Canceled: []string{}, NotCanceled: map[string]string{}}
	for _, id := range ids {
		if ok, why := s.x.Cancel(k.Key, id); ok {
			resp.Canceled = append(resp.Canceled, id)
		} else {
			resp.NotCanceled[id] = why
		}
	}
	writeJSON(w, 200, resp)
}

func (s *Server) handleCancelAll(w http.ResponseWriter, r *http.Request, k *apiKey, _ []byte) {
	if !s.limit(w, k, true, 1) {
		return
	}
	ids := s.x.CancelWhere(k.Key, nil)
	writeJSON(w, 200, cancelResponse{Canceled: nonNil(ids), NotCanceled: map[string]string{}})
}

func (s *Server) handleCancelMarket(w http.ResponseWriter, r *http.Request, k *apiKey, body []byte) {
	var req struct {
		Market  string `json:"market"`
		AssetID string `json:"asset_id"`
	}
	if len(body) > 0 && json.Unmarshal(body, &req) != nil {
		writeErr(w, 400, "Invalid payload")
		return
	}
	if !s.limit(w, k, true, 1) {
		return
	}
	ids := s.x.CancelWhere(k.Key, func(o *Order) bool {
		return (req.Market == "" || o.Market.ConditionID == req.Market) && (req.AssetID == "" || o.Token == req.AssetID)
	})
	writeJSON(w, 200, cancelResponse{Canceled: nonNil(ids), NotCanceled: map[string]string{}})
}

func outcome(o *Order) string {
	if o.Yes {
		return "Yes"
	}
	return "No"
}

func orderJSONView(o *Order) map[string]any {
	return map[string]any{
		"id":               o.ID,
		"status":           o.Status,
		"owner":            o.Owner,
		"maker_address":    o.Maker.Hex(),
		"market":           o.Market.ConditionID,
		"asset_id":         o.Token,
		"side":             o.Side.String(),
		"original_size":    o.Size.String(),
		"size_matched":     o.Matched.String(),
		"price":            o.Price.String(),
		"associate_trades": nonNil(o.TradeIDs),
		"outcome":          outcome(o),
		"created_at":       o.CreatedAt.Unix(),
		"expiration":       strconv.FormatInt(o.Expiration, 10),
		"order_type":       string(o.Type),
	}
}

func (s *Server) handleGetOrder(w http.ResponseWriter, r *http.Request, k *apiKey, _ []byte) {
	s.x.mu.Lock()
	defer s.x.mu.Unlock()
	o, ok := s.x.orders[r.PathValue("id")]
	if !ok {
		o, ok = s.delayed[r.PathValue("id")]
	}
	if !ok || o.Owner != k.Key {
		writeErr(w, 404, "order not found")
		return
	}
	writeJSON(w, 200, orderJSONView(o))
}

func (s *Server) handleGetOrders(w http.ResponseWriter, r *http.Request, k *apiKey, _ []byte) {
	q := r.URL.Query()
	id, market, asset := q.Get("id"), q.Get("market"), q.Get("asset_id")
	s.x.mu.Lock()
	var os []*Order
	for _, o := range s.x.orders {
		if o.Owner == k.Key && o.Status == StatusLive && (id == "" || o.ID == id) &&
			(market == "" || o.Market.ConditionID == market) && (asset == "" || o.Token == asset) {
			os = append(os, o)
		}
	}
	sort.Slice(os, func(i, j int) bool { return os[i].seq < os[j].seq })
	data := make([]map[string]any, 0, len(os))
	for _, o := range os {
		data = append(data, orderJSONView(o))
	}
	s.x.mu.Unlock()
	writeJSON(w, 200, map[string]any{"limit": len(data), "count": len(data), "next_cursor": endCursor, "data": data})
}

func (s *Server) tradeView(t *Trade, k *apiKey) map[string]any {
	side, asset, price, size := t.Side, t.AssetID, t.Price, t.Size
	traderSide, addr := "TAKER", t.TakerAddr
	if t.TakerOwner != k.Key {
		traderSide, side, asset, price, addr = "MAKER", t.MakerSide, t.MakerAssetID, t.MakerPrice, t.MakerAddr
	}
	out := "Yes"
	if asset == t.Market.NoToken {
		out = "No"
	}
	makerOut := "Yes"
	if t.MakerAssetID == t.Market.NoToken {
		makerOut = "No"
	}
	return map[string]any{
		"id":               t.ID,
		"taker_order_id":   t.TakerOrderID,
		"market":           t.Market.ConditionID,
		"asset_id":         asset,
		"side":             side.String(),
		"size":             size.String(),
		"fee_rate_bps":     "0",
		"price":            price.String(),
		"status":           t.Status,
		"match_time":       strconv.FormatInt(t.MatchTime.Unix(), 10),
		"last_update":      strconv.FormatInt(t.LastUpdate.Unix(), 10),
		"outcome":          out,
		"bucket_index":     0,
		"owner":            k.Key,
		"maker_address":    addr.Hex(),
		"transaction_hash": t.TxHash,
		"trader_side":      traderSide,
		"fee":              book.Size(t.TakerFee).String(),
		"maker_orders": []map[string]any{{
			"order_id": t.MakerOrderID, "owner": t.MakerOwner, "maker_address": t.MakerAddr.Hex(),
			"matched_amount": size.String(), "price": t.MakerPrice.String(), "fee_rate_bps": "0",
			"asset_id": t.MakerAssetID, "outcome": makerOut, "side": t.MakerSide.String(),
		}},
	}
}

func (s *Server) handleGetTrades(w http.ResponseWriter, r *http.Request, k *apiKey, _ []byte) {
	q := r.URL.Query()
	id, market, asset, makerAddr := q.Get("id"), q.Get("market"), q.Get("asset_id"), q.Get("maker_address")
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	s.x.mu.Lock()
	data := []map[string]any{}
	for _, t := range s.x.trades {
		if t.TakerOwner != k.Key && t.MakerOwner != k.Key {
			continue
		}
		if (id != "" && t.ID != id) || (market != "" && t.Market.ConditionID != market) ||
			(asset != "" && t.AssetID != asset && t.MakerAssetID != asset) ||
			(makerAddr != "" && !strings.EqualFold(makerAddr, t.MakerAddr.Hex()) && !strings.EqualFold(makerAddr, t.TakerAddr.Hex())) ||
			(before > 0 && t.MatchTime.Unix() >= before) || (after > 0 && t.MatchTime.Unix() <= after) {
			continue
		}
		data = append(data, s.tradeView(t, k))
	}
	s.x.mu.Unlock()
	writeJSON(w, 200, map[string]any{"limit": len(data), "count": len(data), "next_cursor": endCursor, "data": data})
}

// funder picks the wallet whose balances a key's calls refer to: the key's
// address for signature type 0, else a configured wallet of that kind it
// owns.
func (s *Server) funder(k *apiKey, sigType string) common.Address {
	st, _ := strconv.Atoi(sigType)
	if st == 0 {
		return k.Address
	}
	for addr, w := range s.cfg.Wallets {
		if w.Kind == st && s.walletKind(addr, k.Address, st) {
			return addr
		}
	}
	return k.Address
}

func (s *Server) handleBalance(w http.ResponseWriter, r *http.Request, k *apiKey, _ []byte) {
	q := r.URL.Query()
	addr := s.funder(k, q.Get("signature_type"))
	s.x.mu.Lock()
	a := s.x.account(addr)
	var bal int64
	switch strings.ToUpper(q.Get("asset_type")) {
	case "CONDITIONAL":
		bal = a.Positions[q.Get("token_id")]
	default:
		bal = a.Cash
	}
	s.x.mu.Unlock()
	const maxAllow = "115792089237316195423570985008687907853269984665640564039457584007913129639935"
	writeJSON(w, 200, map[string]any{
		"balance": strconv.FormatInt(bal, 10),
		"allowances": map[string]string{
			ExchangeV2: maxAllow, ExchangeV2NegRisk: maxAllow, "0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296": maxAllow,
		},
	})
}

func (s *Server) handleLedger(w http.ResponseWriter, r *http.Request) {
	a := r.URL.Query().Get("address")
	if a == "" {
		writeJSON(w, 200, s.x.Ledgers())
		return
	}
	if !common.IsHexAddress(a) {
		writeErr(w, 400, "invalid address")
		return
	}
	writeJSON(w, 200, s.x.Ledger(common.HexToAddress(a)))
}
