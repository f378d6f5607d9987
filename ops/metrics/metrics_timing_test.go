package metrics

import (
	"testing"
)

// BenchmarkScrape measures one full Gather of the engine families (cold
// path: runs once per Prometheus scrape, never on the hot path).
func BenchmarkScrape(b *testing.B) {
	e := &engine{}
	reg := NewRegistry()
	if err := reg.RegisterEngine(e.sources(b)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Gatherer().Gather(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCounterAdd is what the hot path pays per counted event: one
// atomic add on an engine-owned array; the collector is not involved.
func BenchmarkCounterAdd(b *testing.B) {
	e := &engine{}
	b.ReportAllocs()
	for b.Loop() {
		e.decodeErr[1].Add(1)
	}
}
