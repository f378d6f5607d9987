package market

import (
	"encoding/json"
	"testing"
)

// Discovery is cold path (once a minute at most); these benchmarks only
// keep its cost visible: decoding a 50-event Gamma page and gating it.

func bigEventsJSON(b *testing.B, events, markets int) []byte {
	b.Helper()
	evs := make([]map[string]any, events)
	for i := range evs {
		evs[i] = goodEvent(i+1, markets)
	}
	data, err := json.Marshal(evs)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkDecodeEvents50x8(b *testing.B) {
	data := bigEventsJSON(b, 50, 8)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeEvents(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuild50x8(b *testing.B) {
	evs, err := DecodeEvents(bigEventsJSON(b, 50, 8))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		u := Build(evs, Options{IncludeBinary: true})
		if len(u.Groups) != 50*2+50*8 {
			b.Fatalf("groups = %d", len(u.Groups))
		}
	}
}

func BenchmarkDiff50x8(b *testing.B) {
	evs, err := DecodeEvents(bigEventsJSON(b, 50, 8))
	if err != nil {
		b.Fatal(err)
	}
	old, next := Build(evs, Options{}), Build(evs, Options{})
	b.ReportAllocs()
	for b.Loop() {
		if cs := Diff(old, next); len(cs) != 0 {
			b.Fatalf("changes = %d", len(cs))
		}
	}
}
