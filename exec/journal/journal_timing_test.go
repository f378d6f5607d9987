package journal

import "testing"

func benchAppend(b *testing.B, mode SyncMode) {
	j, err := Open(b.TempDir(), Options{Sync: mode})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	rec := []byte(`{"k":"intent","basket":123,"legs":[{"asset":1,"price":"0.31","size":"10"}]}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(rec) + 10))
	for i := 0; i < b.N; i++ {
		if err := j.Append(rec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppend is the cost the executor pays per record before acting:
// one write(2), durable against a process crash.
func BenchmarkAppend(b *testing.B) { benchAppend(b, SyncBackground) }

// BenchmarkAppendSyncEvery adds an fdatasync per record (machine-crash
// durability on every append), for the ratio.
func BenchmarkAppendSyncEvery(b *testing.B) { benchAppend(b, SyncEvery) }
