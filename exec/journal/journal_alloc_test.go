//go:build !race

package journal

import "testing"

func TestAppendAllocs(t *testing.T) {
	j, err := Open(t.TempDir(), Options{Sync: SyncBackground})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	rec := []byte(`{"k":"intent","basket":123,"legs":[{"asset":1,"price":"0.31","size":"10"}]}`)
	j.Append(rec)
	if n := testing.AllocsPerRun(1000, func() { j.Append(rec) }); n != 0 {
		t.Fatalf("Append allocates %v per record", n)
	}
}
