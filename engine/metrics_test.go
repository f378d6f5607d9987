package engine

import (
	"context"
	"testing"
	"time"

	"github.com/hotpath/hotpath/feed"
	"github.com/hotpath/hotpath/ops/metrics"
	dto "github.com/prometheus/client_model/go"
)

// The feed's message and decode-error families carry every type and every
// error reason (ReasonNone is not one) from the first scrape, and the rate
// budget gauge is the executor's published room for new baskets.
func TestRegisterMetricsFeedAndBudget(t *testing.T) {
	e, _ := paperEngine(t, testUniverse(t, 3))
	reg := metrics.NewRegistry()
	if err := e.RegisterMetrics(reg); err != nil {
		t.Fatal(err)
	}
	if err := e.x.Start(context.Background()); err != nil { // publishes the budget
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_ = e.x.Shutdown(ctx) // its venue never settles: do not wait for it
	})
	mfs, err := reg.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	fams := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		fams[mf.GetName()] = mf
	}
	labels := func(name, label string, typ dto.MetricType) map[string]bool {
		t.Helper()
		mf := fams[name]
		if mf == nil {
			t.Fatalf("%s not exported", name)
		}
		if mf.GetType() != typ {
			t.Fatalf("%s: type %v, want %v", name, mf.GetType(), typ)
		}
		got := map[string]bool{}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label {
					got[lp.GetValue()] = true
				}
			}
		}
		return got
	}
	types := labels(metrics.FeedMessages, "type", dto.MetricType_COUNTER)
	for _, want := range []string{"book", "price_change", "tick_size_change", "last_trade_price", "best_bid_ask", "new_market", "market_resolved", "pong"} {
		if !types[want] {
			t.Errorf("%s lacks type=%q: %v", metrics.FeedMessages, want, types)
		}
	}
	if len(types) != int(feed.NumMsgTypes) {
		t.Errorf("%s: %d types, want %d", metrics.FeedMessages, len(types), feed.NumMsgTypes)
	}
	reasons := labels(metrics.FeedDecodeErrors, "reason", dto.MetricType_COUNTER)
	if reasons["none"] || len(reasons) != int(feed.NumReasons)-1 {
		t.Errorf("%s reasons %v", metrics.FeedDecodeErrors, reasons)
	}
	for r := feed.ReasonNone + 1; r < feed.NumReasons; r++ {
		if !reasons[r.String()] {
			t.Errorf("%s lacks reason=%q", metrics.FeedDecodeErrors, r)
		}
	}
	want := e.x.Snapshot().RateBudget
	if want <= 0 {
		t.Fatalf("executor's rate budget %d after Start", want)
	}
	if g := fams[metrics.RateBudget]; g == nil || g.GetMetric()[0].GetGauge().GetValue() != float64(want) {
		t.Fatalf("%s = %v, want %d", metrics.RateBudget, g, want)
	}
}
