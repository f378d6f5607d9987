package scan

import (
	"errors"
	"math"
	"math/bits"

	"github.com/hotpath/hotpath/book"
)

// FeeModel is a market's taker fee (protocol.md §9):
//
//	fee(shares, p) = shares × rate × (p × (1 − p))^exponent   (USDC)
//
// computed at the trade price p of every fill. We only ever take liquidity
// (FOK), so the fee applies whether or not the market is TakerOnly; the flag
// is carried for completeness and changes nothing here. The zero value is a
// fee-free market.
type FeeModel struct {
	// Rate in millionths: 0.25 → 250_000, 0.072 → 72_000, 0.0175 → 17_500.
	// At most RateMax (a rate of 1). The venue's decimal (fd.r, Gamma
	// feeSchedule.rate) parses exactly with book.ParsePrice. Builder fees
	// (a rate on the USDC amount, protocol.md §9.2) are not modelled: orders
	// priced here must not carry a builder code.
	Rate uint32
	// Exponent of p(1−p): 1 in the current schedule, 2 in early 2026;
	// 0 through MaxFeeExponent are supported.
	Exponent uint8
	// TakerOnly mirrors the venue's fd.to flag (informational).
	TakerOnly bool
}

// Fee model limits.
const (
	RateMax        = 1_000_000 // a rate of 1.0
	MaxFeeExponent = 4
	// MaxFeeDecimals is the finest fee precision FeeUp computes (1e-12 USDC).
	MaxFeeDecimals = 12
)

// ErrFeeModel is returned by Validate for a rate above 1 or an exponent
// above MaxFeeExponent.
var ErrFeeModel = errors.New("scan: fee rate above 1 or exponent above 4")

// Validate reports whether the model is one FeeUp computes exactly.
func (m FeeModel) Validate() error {
	if m.Rate > RateMax || m.Exponent > MaxFeeExponent {
		return ErrFeeModel
	}
	return nil
}

// Zero reports whether the market charges no fee.
func (m FeeModel) Zero() bool { return m.Rate == 0 }

// pow10 holds 10^0 .. 10^19 (10^19 < 2^64).
var pow10 = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// FeeUp returns the fee for s micro-shares at price p in units of
// 10^-decimals USDC, rounded up (a cost we pay is never understated), and
// whether that value is exact (nothing was rounded away). decimals is at
// most MaxFeeDecimals; a larger value is treated as MaxFeeDecimals.
//
// The computation is exact integer arithmetic: with P, S, R the price,
// size and rate in millionths and Q = 1e6 − P,
//
//	fee = S·R·(P·Q)^e · 10^decimals / 10^(12+12e)
//
// The numerator is at most 63+20+38·4 = 235 bits, held in four 64-bit limbs;
// the division runs in 10^19-sized steps and remembers any non-zero
// remainder for the rounding. A fee that does not fit an int64 (beyond any
// real trade) saturates at math.MaxInt64, which rejects the trade. A model
// that fails Validate also gives math.MaxInt64. Negative sizes count as 0.
// It never allocates.
func (m FeeModel) FeeUp(p book.Price, s book.Size, decimals uint8) (fee int64, exact bool) {
	if m.Rate > RateMax || m.Exponent > MaxFeeExponent || p > book.One {
		return math.MaxInt64, false
	}
	if m.Rate == 0 || s <= 0 {
		return 0, true
	}
	if decimals > MaxFeeDecimals {
		decimals = MaxFeeDecimals
	}
	// Fast path, exponent 0 or 1: R·(P·Q)^e ≤ 2.5e17 fits 64 bits, the
	// product with S fits 128, and the divisor 10^(12+12e−decimals) fits 64
	// bits when it is at most 10^19.
	if m.Exponent <= 1 {
		k := uint64(m.Rate)
		digits := 12 - int(decimals)
		if m.Exponent == 1 {
			k *= uint64(p) * uint64(book.Scale-uint32(p))
			digits += 12
		}
		if k == 0 {
			return 0, true
		}
		if digits <= 19 {
			d := pow10[digits]
			hi, lo := bits.Mul64(uint64(s), k)
			if hi < d {
				q, r := bits.Div64(hi, lo, d)
				if q < math.MaxInt64 {
					if r != 0 {
						q++ // round up
					}
					return int64(q), r == 0
				}
			}
		}
	}
	var x wide
	x.set(uint64(s))
	x.mul(uint64(m.Rate))
	pq := uint64(p) * uint64(book.Scale-uint32(p)) // ≤ 2.5e11
	for i := uint8(0); i < m.Exponent; i++ {
		x.mul(pq)
	}
	// Divide by 10^(12+12e−decimals) ≥ 1 (decimals ≤ 12).
	inexact := false
	for d := 12 + 12*int(m.Exponent) - int(decimals); d > 0; {
		k := d
		if k > 19 {
			k = 19
		}
		if x.div(pow10[k]) != 0 {
			inexact = true
		}
		d -= k
	}
	if x.n > 1 || x.w[0] > math.MaxInt64-1 {
		return math.MaxInt64, false
	}
	fee = int64(x.w[0])
	if inexact {
		fee++ // round up
	}
	return fee, !inexact
}

// FeeMicroUp returns the fee in micro-dollars rounded up to feeDecimals
// decimals (0..6; larger values are treated as 6): ceil(fee / 10^(6−d)) ×
// 10^(6−d). Rounding the exact fee up to d decimals in one step equals
// FeeUp at d decimals, so no double rounding happens.
func (m FeeModel) FeeMicroUp(p book.Price, s book.Size, feeDecimals uint8) int64 {
	if feeDecimals > 6 {
		feeDecimals = 6
	}
	f, _ := m.FeeUp(p, s, feeDecimals)
	step := int64(pow10[6-feeDecimals])
	if f > math.MaxInt64/step {
		return math.MaxInt64
	}
	return f * step
}

// perSharePico is the fee of one share at price p in 1e-12 USDC, rounded
// up: an upper bound of the marginal fee used by the depth walk.
func (m FeeModel) perSharePico(p book.Price) int64 {
	if m.Rate > RateMax || p > book.One {
		return math.MaxInt64
	}
	switch m.Exponent {
	case 0:
		return int64(m.Rate) * book.Scale // R·1e6, exact
	case 1:
		// ceil(R·PQ / 1e6); R·PQ ≤ 2.5e17 (a constant divisor: no DIV)
		k := uint64(m.Rate) * uint64(p) * uint64(book.Scale-uint32(p))
		return int64((k + book.Scale - 1) / book.Scale)
	case 2:
		// ceil(R·(PQ)² / 1e18): R·PQ ≤ 2.5e17, the product with PQ fits
		// 128 bits and the quotient (≤ 6.25e10) 64.
		pq := uint64(p) * uint64(book.Scale-uint32(p))
		hi, lo := bits.Mul64(uint64(m.Rate)*pq, pq)
		q, r := bits.Div64(hi, lo, 1e18)
		if r != 0 {
			q++
		}
		return int64(q)
	}
	f, _ := m.FeeUp(p, book.OneShare, MaxFeeDecimals)
	return f
}

// wide is an unsigned integer of up to four 64-bit limbs, little-endian;
// n is the number of limbs in use (the top one non-zero, or n == 0 for 0).
type wide struct {
	w [4]uint64
	n int
}

func (x *wide) set(v uint64) {
	x.w = [4]uint64{v}
	x.n = 0
	if v != 0 {
		x.n = 1
	}
}

// mul sets x = x·m. Callers keep the product below 2^256 (see FeeUp).
func (x *wide) mul(m uint64) {
	if m == 0 {
		x.set(0)
		return
	}
	var carry uint64
	for i := 0; i < x.n; i++ {
		hi, lo := bits.Mul64(x.w[i], m)
		var c uint64
		x.w[i], c = bits.Add64(lo, carry, 0)
		carry = hi + c
	}
	if carry != 0 && x.n < len(x.w) {
		x.w[x.n] = carry
		x.n++
	}
}

// div sets x = floor(x/d) and returns the remainder. d > 0.
func (x *wide) div(d uint64) uint64 {
	var rem uint64
	for i := x.n - 1; i >= 0; i-- {
		x.w[i], rem = bits.Div64(rem, x.w[i], d)
	}
	for x.n > 0 && x.w[x.n-1] == 0 {
		x.n--
	}
	return rem
}
