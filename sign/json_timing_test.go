package sign

import "testing"

// The executor's journal records spell token ids and order hashes with
// these on the order path (the intent record before every send).

func BenchmarkAppendJSONString(b *testing.B) {
	tok := "71321045679252212594626385532706912750332728571942532289631379312455583992563"
	dst := make([]byte, 0, 128)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		dst = AppendJSONString(dst[:0], tok)
	}
}

func BenchmarkAppendHex(b *testing.B) {
	var h [32]byte
	for i := range h {
		h[i] = byte(i * 37)
	}
	dst := make([]byte, 0, 128)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		dst = AppendHex(dst[:0], h[:])
	}
}
