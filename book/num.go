package book

import (
	"errors"
	"math/bits"
)

// Price is a price per share in micro-dollars: 1.0 = 1_000_000. Prices on
// the venue lie in [0, 1]; every tick size is a whole number of micro-dollars.
type Price uint32

// Size is a quantity of shares in micro-shares: 1 share = 1_000_000, the
// on-chain unit of conditional tokens. It is signed so that differences are
// natural; a parsed size is never negative.
type Size int64

// Tick is a tick size in micro-dollars.
type Tick uint32

// Micro-unit scale shared by prices, sizes, shares and dollars.
const (
	Scale    = 1_000_000
	One      = Price(Scale) // $1.00
	OneShare = Size(Scale)
)

// The six tick sizes the venue uses (protocol.md §7.6).
const (
	Tick0_1    Tick = 100_000
	Tick0_01   Tick = 10_000
	Tick0_005  Tick = 5_000
	Tick0_0025 Tick = 2_500
	Tick0_001  Tick = 1_000
	Tick0_0001 Tick = 100
)

// Parse errors. They are sentinel values so that a parse failure on the hot
// path allocates nothing; callers count them by identity.
var (
	ErrEmpty     = errors.New("book: empty number")
	ErrSyntax    = errors.New("book: malformed decimal")
	ErrNegative  = errors.New("book: negative value")
	ErrAboveOne  = errors.New("book: price above 1")
	ErrPrecision = errors.New("book: more than 6 decimals")
	ErrRange     = errors.New("book: value out of range")
	ErrOffGrid   = errors.New("book: price off the tick grid")
	ErrTick      = errors.New("book: not a venue tick size")
)

// parseMicro parses an unsigned decimal string ("0.48", ".48", "1", "12.5",
// "219.217767", "1.000000000") into millionths, exactly. Digits past the
// sixth decimal must be zeros. It never allocates and never panics.
func parseMicro(b []byte, limit uint64) (uint64, error) {
	if len(b) == 0 {
		return 0, ErrEmpty
	}
	if b[0] == '-' {
		return 0, ErrNegative
	}
	if b[0] == '+' {
		b = b[1:]
		if len(b) == 0 {
			return 0, ErrSyntax
		}
	}
	var whole uint64
	i := 0
	digits := 0
	for ; i < len(b) && b[i] != '.'; i++ {
		c := b[i] - '0'
		if c > 9 {
			return 0, ErrSyntax
		}
		if whole > 1e17 { // beyond any limit; stop before uint64 overflows
			return 0, ErrRange
		}
		whole = whole*10 + uint64(c)
		digits++
	}
	var frac uint64
	fracDigits := 0
	if i < len(b) { // at '.'
		i++
		if i == len(b) && digits == 0 {
			return 0, ErrSyntax // "."
		}
		for ; i < len(b); i++ {
			c := b[i] - '0'
			if c > 9 {
				return 0, ErrSyntax
			}
			if fracDigits < 6 {
				frac = frac*10 + uint64(c)
				fracDigits++
			} else if c != 0 {
				return 0, ErrPrecision
			}
			digits++
		}
	}
	if digits == 0 {
		return 0, ErrSyntax
	}
	for ; fracDigits < 6; fracDigits++ {
		frac *= 10
	}
	if whole > limit/Scale {
		return 0, ErrRange
	}
	v := whole*Scale + frac
	if v > limit {
		return 0, ErrRange
	}
	return v, nil
}

// ParsePrice parses a venue price string exactly. It rejects the empty string
// (ErrEmpty: callers that allow an absent price check len(b) == 0 first),
// malformed input, negatives, prices above 1 and more than 6 decimals.
func ParsePrice(b []byte) (Price, error) {
	v, err := parseMicro(b, 1<<32-1)
	if err != nil {
		return 0, err
	}
	if v > Scale {
		return 0, ErrAboveOne
	}
	return Price(v), nil
}

// ParsePriceOnGrid is ParsePrice plus a check that the price is a whole
// number of ticks.
func ParsePriceOnGrid(b []byte, t Tick) (Price, error) {
	p, err := ParsePrice(b)
	if err != nil {
		return 0, err
	}
	if !p.OnGrid(t) {
		return 0, ErrOffGrid
	}
	return p, nil
}

// ParseSize parses a venue size string (shares) exactly into micro-shares.
func ParseSize(b []byte) (Size, error) {
	v, err := parseMicro(b, 1<<63-1)
	if err != nil {
		return 0, err
	}
	return Size(v), nil
}

// ParseTick parses a tick size string and checks it is one of the six the
// venue uses.
func ParseTick(b []byte) (Tick, error) {
	v, err := parseMicro(b, Scale)
	if err != nil {
		return 0, err
	}
	t := Tick(v)
	if !t.Valid() {
		return 0, ErrTick
	}
	return t, nil
}

// Valid reports whether t is one of the venue's six tick sizes.
func (t Tick) Valid() bool {
	switch t {
	case Tick0_1, Tick0_01, Tick0_005, Tick0_0025, Tick0_001, Tick0_0001:
		return true
	}
	return false
}

// Levels is the number of grid points in [0, 1] for this tick, inclusive of
// both ends: 101 for 0.01.
func (t Tick) Levels() int { return int(Scale/t) + 1 }

// OnGrid reports whether p is a whole number of ticks. A zero tick is never
// a grid.
func (p Price) OnGrid(t Tick) bool { return t != 0 && uint32(p)%uint32(t) == 0 }

// Tradeable reports whether p is a price an order may carry on tick t:
// on the grid and within [t, 1-t] (protocol.md §5.7).
func (p Price) Tradeable(t Tick) bool {
	return p.OnGrid(t) && uint32(p) >= uint32(t) && uint32(p) <= Scale-uint32(t)
}

// Complement returns 1-p, the mirrored price on the other token of a binary
// market.
func (p Price) Complement() Price { return One - p }

// CostUp returns price × size in micro-dollars, rounded up (a cost we pay is
// never understated). Exact for every size that fits a Size.
func CostUp(p Price, s Size) int64 {
	hi, lo := bits.Mul64(uint64(p), uint64(s))
	q, r := bits.Div64(hi, lo, Scale)
	if r != 0 {
		q++
	}
	return int64(q)
}

// CostDown returns price × size in micro-dollars, rounded down (proceeds we
// receive are never overstated).
func CostDown(p Price, s Size) int64 {
	hi, lo := bits.Mul64(uint64(p), uint64(s))
	q, _ := bits.Div64(hi, lo, Scale)
	return int64(q)
}

// AppendPrice appends p as the venue writes it: shortest decimal, no
// trailing zeros, no trailing point ("0.5", "0.48", "1", "0").
func AppendPrice(dst []byte, p Price) []byte { return appendMicro(dst, uint64(p)) }

// AppendSize appends s as the venue writes it ("110000", "7.52", "219.217767").
// A negative size is written with a leading '-'; the venue never sends one.
func AppendSize(dst []byte, s Size) []byte {
	if s < 0 {
		dst = append(dst, '-')
		return appendMicro(dst, uint64(-s))
	}
	return appendMicro(dst, uint64(s))
}

// AppendTick appends a tick size ("0.01", "0.0025").
func AppendTick(dst []byte, t Tick) []byte { return appendMicro(dst, uint64(t)) }

func appendMicro(dst []byte, v uint64) []byte {
	whole, frac := v/Scale, v%Scale
	dst = appendUint(dst, whole)
	if frac == 0 {
		return dst
	}
	var buf [6]byte
	for i := 5; i >= 0; i-- {
		buf[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := 6
	for buf[n-1] == '0' {
		n--
	}
	dst = append(dst, '.')
	return append(dst, buf[:n]...)
}

func appendUint(dst []byte, v uint64) []byte {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(dst, buf[i:]...)
}

// String formats p for humans and logs (not for the hot path).
func (p Price) String() string { return string(AppendPrice(nil, p)) }

// String formats s for humans and logs (not for the hot path).
func (s Size) String() string { return string(AppendSize(nil, s)) }

// String formats t for humans and logs.
func (t Tick) String() string { return string(AppendTick(nil, t)) }
