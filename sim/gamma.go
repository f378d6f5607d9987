package sim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/hotpath/hotpath/book"
)

var base64Std = base64.StdEncoding

// Gamma-shaped metadata (protocol.md §8.2), served under /gamma. String
// fields that the real API JSON-encodes (clobTokenIds, outcomes,
// outcomePrices) are JSON strings here too; numbers are written from exact
// decimals, never through floats.

func jsonList(items ...string) string {
	b, _ := json.Marshal(items)
	return string(b)
}

func num(s string) json.Number { return json.Number(s) }

func (s *Server) gammaMarket(m *Market, e *Event) map[string]any {
	bid, ask, hb, ha := m.best(true)
	if !hb {
		bid = 0
	}
	if !ha {
		ask = book.One
	}
	mid := (bid + ask) / 2
	last := mid
	if m.hasTrade {
		last = m.lastTrade
	}
	out := map[string]any{
		"id":                    strconv.Itoa(m.GammaID),
		"question":              m.Question,
		"conditionId":           m.ConditionID,
		"questionID":            m.QuestionID,
		"slug":                  m.Slug,
		"groupItemTitle":        m.Outcome,
		"outcomes":              jsonList("Yes", "No"),
		"outcomePrices":         jsonList(mid.String(), (book.One - mid).String()),
		"clobTokenIds":          jsonList(m.YesToken, m.NoToken),
		"active":                m.Active,
		"closed":                m.Closed,
		"archived":              false,
		"restricted":            false,
		"acceptingOrders":       m.AcceptingOrders,
		"enableOrderBook":       true,
		"orderPriceMinTickSize": num(m.Tick.String()),
		"orderMinSize":          num(m.MinSize.String()),
		"negRisk":               m.NegRisk,
		"negRiskMarketID":       m.NegRiskMarketID,
		"negRiskOther":          m.Augmented && m.Outcome == "Other",
		"bestBid":               num(bid.String()),
		"bestAsk":               num(ask.String()),
		"spread":                num((ask - min(bid, ask)).String()),
		"lastTradePrice":        num(last.String()),
		"feesEnabled":           m.Fee.Rate > 0,
		"makerBaseFee":          0,
		"takerBaseFee":          0,
		"secondsDelay":          0,
		"rfqEnabled":            false,
		"endDate":               "2030-01-01T00:00:00Z",
	}
	if m.Fee.Rate > 0 {
		out["feeSchedule"] = map[string]any{"exponent": m.Fee.Exponent, "rate": feeRate(m), "takerOnly": m.Fee.TakerOnly, "rebateRate": num("0.25")}
		out["feeType"] = "general_fees"
	} else {
		out["feeType"] = nil
	}
	if e != nil {
		out["events"] = []map[string]any{{"id": e.ID, "slug": e.Slug, "title": e.Title, "negRisk": e.NegRisk}}
	}
	return out
}

func (s *Server) gammaEvent(e *Event) map[string]any {
	ms := make([]map[string]any, 0, len(e.Markets))
	for _, m := range e.Markets {
		ms = append(ms, s.gammaMarket(m, nil))
	}
	closed := eventClosed(e)
	return map[string]any{
		"id":               e.ID,
		"ticker":           e.Slug,
		"slug":             e.Slug,
		"title":            e.Title,
		"active":           !closed,
		"closed":           closed,
		"archived":         false,
		"restricted":       false,
		"enableOrderBook":  true,
		"negRisk":          e.NegRisk,
		"enableNegRisk":    e.NegRisk,
		"negRiskAugmented": e.Augmented,
		"negRiskMarketID":  e.NegRiskMarketID,
		"negRiskFeeBips":   0,
		"category":         e.Category,
		"endDate":          "2030-01-01T00:00:00Z",
		"markets":          ms,
	}
}

func pageArgs(r *http.Request, def int) (limit, offset int) {
	q := r.URL.Query()
	limit, offset = def, 0
	if v, err := strconv.Atoi(q.Get("limit")); err == nil && v >= 0 {
		limit = min(v, 1000)
	}
	if v, err := strconv.Atoi(q.Get("offset")); err == nil && v >= 0 {
		offset = v
	}
	return limit, offset
}

// boolFilter reports whether v passes the optional query flag name.
func boolFilter(r *http.Request, name string, v bool) bool {
	q := r.URL.Query().Get(name)
	return q == "" || (q == "true") == v
}

func (s *Server) gammaRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /gamma/events", func(w http.ResponseWriter, r *http.Request) {
		limit, offset := pageArgs(r, 100)
		q := r.URL.Query()
		var out []map[string]any
		s.x.mu.Lock()
		i := 0
		for _, e := range s.x.events {
			closed := eventClosed(e)
			if (q.Get("id") != "" && q.Get("id") != e.ID) || (q.Get("slug") != "" && q.Get("slug") != e.Slug) ||
				!boolFilter(r, "closed", closed) || !boolFilter(r, "active", !closed) || !boolFilter(r, "archived", false) {
				continue
			}
			if i >= offset && len(out) < limit {
				out = append(out, s.gammaEvent(e))
			}
			i++
		}
		s.x.mu.Unlock()
		if out == nil {
			out = []map[string]any{}
		}
		writeJSON(w, 200, out)
	})
	mux.HandleFunc("GET /gamma/events/{id}", func(w http.ResponseWriter, r *http.Request) {
		s.x.mu.Lock()
		defer s.x.mu.Unlock()
		for _, e := range s.x.events {
			if e.ID == r.PathValue("id") {
				writeJSON(w, 200, s.gammaEvent(e))
				return
			}
		}
		writeErr(w, 404, "not found")
	})
	mux.HandleFunc("GET /gamma/markets", func(w http.ResponseWriter, r *http.Request) {
		limit, offset := pageArgs(r, 100)
		q := r.URL.Query()
		want := map[string]bool{}
		for _, k := range []string{"condition_ids", "clob_token_ids", "id", "slug"} {
			for _, v := range q[k] {
				for _, p := range strings.Split(v, ",") {
					want[p] = true
				}
			}
		}
		var out []map[string]any
		s.x.mu.Lock()
		i := 0
		for _, m := range s.x.markets {
			if len(want) > 0 && !want[m.ConditionID] && !want[m.YesToken] && !want[m.NoToken] && !want[strconv.Itoa(m.GammaID)] && !want[m.Slug] {
				continue
			}
			if !boolFilter(r, "closed", m.Closed) || !boolFilter(r, "active", m.Active) {
				continue
			}
			if i >= offset && len(out) < limit {
				var ev *Event
				for _, e := range s.x.events {
					if e.ID == m.EventID {
						ev = e
					}
				}
				out = append(out, s.gammaMarket(m, ev))
			}
			i++
		}
		s.x.mu.Unlock()
		if out == nil {
			out = []map[string]any{}
		}
		writeJSON(w, 200, out)
	})
	mux.HandleFunc("GET /gamma/markets/{id}", func(w http.ResponseWriter, r *http.Request) {
		s.x.mu.Lock()
		defer s.x.mu.Unlock()
		for _, m := range s.x.markets {
			if strconv.Itoa(m.GammaID) == r.PathValue("id") || m.ConditionID == r.PathValue("id") {
				writeJSON(w, 200, s.gammaMarket(m, nil))
				return
			}
		}
		writeErr(w, 404, "not found")
	})
}

// eventClosed reports whether every market of e is closed. Locked.
func eventClosed(e *Event) bool {
	for _, m := range e.Markets {
		if !m.Closed {
			return false
		}
	}
	return len(e.Markets) > 0
}
