package feed

import (
	"bytes"
	"os"
	"testing"

	"github.com/hotpath/hotpath/book"
)

// FuzzDecode: arbitrary bytes never crash the decoder or the integrity
// stage, and every event produced is well-formed.
func FuzzDecode(f *testing.F) {
	files, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, fi := range files {
		if fi.IsDir() {
			continue
		}
		b, err := os.ReadFile("testdata/" + fi.Name())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		for _, l := range bytes.Split(b, []byte{'\n'}) {
			if len(l) > 0 && l[0] == '{' {
				f.Add(l)
			}
		}
	}
	f.Add([]byte(pcCurrent))
	f.Add([]byte("PONG"))
	f.Add([]byte(`[{"event_type":"book","asset_id":"` + tokA + `","bids":[{"price":1e400,"size":"1"}],"asks":[]}]`))
	reg := testRegistry(f, tokA, tokB, tokYes, tokNo)
	f.Fuzz(func(t *testing.T, msg []byte) {
		d := NewDecoder(reg, 0)
		in := NewIntegrity(IntegrityConfig{Registry: reg, Hash: HashAll})
		for _, evs := range [][]Event{d.Decode(msg, 1)} {
			for i := range evs {
				e := &evs[i]
				if e.Kind == KindNone || e.Kind >= numKinds {
					t.Fatalf("kind %d", e.Kind)
				}
				if e.Asset != NoAsset && int(e.Asset) >= reg.Len() {
					t.Fatalf("asset %d", e.Asset)
				}
				if e.Kind == KindLevel && (e.Price > book.One || e.Size < 0 || e.Side > book.Ask) {
					t.Fatalf("level %+v", e)
				}
				if e.Kind == KindSuspect && (e.Reason == ReasonNone || e.Reason >= NumReasons) {
					t.Fatalf("suspect %+v", e)
				}
				in.Apply(e)
			}
		}
		evs, _, _ := d.DecodeRESTBook(msg, 1)
		for i := range evs {
			in.Apply(&evs[i])
		}
		in.Check(1 << 40)
	})
}
