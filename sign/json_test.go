package sign

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// appendJSONStringRef is AppendJSONString byte by byte, the reference.
func appendJSONStringRef(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// FuzzAppendJSONString: the whole-prefix copy gives the reference bytes,
// after whatever dst held, and valid UTF-8 round-trips through
// encoding/json.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "71321045679252212594626385532706912750332728571942532289631379312455583992563",
		`a"b`, `\`, "x\ny", "\x00", "FOK", "00000000-0000-0000-0000-000000000000", "é\x1f\"\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := AppendJSONString([]byte("pre"), s)
		if want := appendJSONStringRef([]byte("pre"), s); string(got) != string(want) {
			t.Fatalf("%q: %q, want %q", s, got, want)
		}
		if utf8.ValidString(s) {
			var back string
			if err := json.Unmarshal(got[3:], &back); err != nil || back != s {
				t.Fatalf("%q → %q → %q %v", s, got[3:], back, err)
			}
		}
	})
}
