package sign

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"
	"testing"
)

// NewSigner never panics and its error never contains any 6-byte piece of
// its input.
func FuzzNewSigner(f *testing.F) {
	f.Add(testKey)
	f.Add("0x")
	f.Add(strings.Repeat("g", 64))
	f.Add("0x" + strings.Repeat("0", 64))
	f.Fuzz(func(t *testing.T, s string) {
		sg, err := NewSigner(s)
		if err != nil {
			msg := err.Error()
			if len(s) >= 6 {
				for i := 0; i+6 <= len(s); i++ {
					if piece := s[i : i+6]; strings.Contains(msg, piece) && !strings.Contains(ErrBadKey.Error(), piece) {
						t.Fatalf("error %q echoes input piece %q", msg, piece)
					}
				}
			}
			return
		}
		if strings.Contains(sg.String(), strings.TrimPrefix(strings.TrimSpace(s), "0x")) {
			t.Fatal("String reveals the key")
		}
	})
}

// DecodeSecret accepts exactly what standard or URL-safe base64 (padding
// optional) decodes.
func FuzzDecodeSecret(f *testing.F) {
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	f.Add("-_-_")
	f.Add("a")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		key, err := DecodeSecret(s)
		if err != nil {
			return
		}
		norm := strings.TrimRight(strings.NewReplacer("-", "+", "_", "/").Replace(s), "=")
		want, err2 := base64.RawStdEncoding.DecodeString(norm)
		if err2 != nil || string(want) != string(key) {
			t.Fatalf("%q: %x vs %x %v", s, key, want, err2)
		}
	})
}

// jsString round-trips (it is a shortest representation) and matches
// FormatFloat's digits.
func FuzzJSString(f *testing.F) {
	for _, x := range []float64{0, 1, 0.1, 1e21, 1e-7, 123.456, 5e-324, math.MaxFloat64} {
		f.Add(math.Float64bits(x))
	}
	f.Fuzz(func(t *testing.T, bits uint64) {
		x := math.Float64frombits(bits)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return
		}
		s := jsString(x)
		y, err := strconv.ParseFloat(s, 64)
		if err != nil || y != x {
			t.Fatalf("%v → %q → %v %v", x, s, y, err)
		}
		short := strconv.FormatFloat(math.Abs(x), 'e', -1, 64)
		digits := strings.Replace(strings.SplitN(short, "e", 2)[0], ".", "", 1)
		plain := strings.TrimLeft(strings.Replace(strings.SplitN(strings.TrimPrefix(s, "-"), "e", 2)[0], ".", "", 1), "0")
		if x != 0 && strings.TrimRight(plain, "0") != strings.TrimRight(digits, "0") {
			t.Fatalf("%v: digits %q vs %q", x, plain, digits)
		}
	})
}
