package sign

import (
	"errors"
	"math/bits"
)

// ErrTokenID is returned for a token id that is not a decimal uint256.
var ErrTokenID = errors.New("sign: token id is not a decimal uint256")

// ParseTokenID parses a decimal uint256 (the venue's token id spelling) into
// 32 big-endian bytes. Leading zeros are allowed; signs, spaces and values
// ≥ 2^256 are not.
func ParseTokenID(s string) ([32]byte, error) {
	var w [4]uint64 // little-endian limbs
	var out [32]byte
	if len(s) == 0 || len(s) > 100 {
		return out, ErrTokenID
	}
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return out, ErrTokenID
		}
		carry := uint64(c)
		for j := range w { // w = w*10 + c
			hi, lo := bits.Mul64(w[j], 10)
			lo, cc := bits.Add64(lo, carry, 0)
			w[j] = lo
			carry = hi + cc
		}
		if carry != 0 {
			return out, ErrTokenID
		}
	}
	for j := range w {
		v := w[3-j]
		for k := 0; k < 8; k++ {
			out[j*8+k] = byte(v >> (56 - 8*k))
		}
	}
	return out, nil
}

// AppendTokenID appends the decimal form of a big-endian uint256.
func AppendTokenID(dst []byte, id *[32]byte) []byte {
	var w [4]uint64
	for j := range w {
		var v uint64
		for k := 0; k < 8; k++ {
			v = v<<8 | uint64(id[j*8+k])
		}
		w[3-j] = v
	}
	var digits [78]byte
	n := len(digits)
	for {
		// w, r = w / 1e19, w % 1e19 (long division, high limb first)
		const chunk = 10_000_000_000_000_000_000
		var r uint64
		for j := 3; j >= 0; j-- {
			w[j], r = bits.Div64(r, w[j], chunk)
		}
		zero := w[0]|w[1]|w[2]|w[3] == 0
		for k := 0; k < 19; k++ {
			if zero && r == 0 && k > 0 {
				break
			}
			n--
			digits[n] = byte('0' + r%10)
			r /= 10
		}
		if zero {
			break
		}
	}
	return append(dst, digits[n:]...)
}
