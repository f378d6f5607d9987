package sign

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/hotpath/hotpath/book"
)

// This file mirrors the official TypeScript client (@polymarket/clob-client-v2
// 1.1.0: getOrderRawAmounts, getMarketOrderRawAmounts, roundNormal,
// roundDown, roundUp, decimalPlaces, priceValid, and viem's parseUnits) bit
// for bit, float quirks included, so that conformance with the client can be
// checked and the CLI reproduces it. It is the only place in hotpath where a
// price or amount is a float64: Go's float64 is the same IEEE-754 double as
// a JS number, jsString reproduces Number.prototype.toString, and every
// operation is written in the client's order with explicit float64
// conversions so that no multiply-add is fused. The engine uses the exact
// fixed-point builders in amounts.go instead.

// RoundConfig is the client's ROUNDING_CONFIG entry for a tick size: the
// decimals of the price, of the size and of the amounts.
type RoundConfig struct{ Price, Size, Amount int }

// ErrTickSize is returned for a tick size the venue does not use.
var ErrTickSize = errors.New("sign: tick size is not one of 0.1, 0.01, 0.005, 0.0025, 0.001, 0.0001")

// RoundConfigFor returns ROUNDING_CONFIG[tick] (protocol.md §7.6).
func RoundConfigFor(t book.Tick) (RoundConfig, error) {
	switch t {
	case book.Tick0_1:
		return RoundConfig{1, 2, 3}, nil
	case book.Tick0_01:
		return RoundConfig{2, 2, 4}, nil
	case book.Tick0_005:
		return RoundConfig{3, 2, 5}, nil
	case book.Tick0_0025:
		return RoundConfig{4, 2, 6}, nil
	case book.Tick0_001:
		return RoundConfig{3, 2, 5}, nil
	case book.Tick0_0001:
		return RoundConfig{4, 2, 6}, nil
	}
	return RoundConfig{}, ErrTickSize
}

// jsString is JavaScript's Number.prototype.toString(10) for a finite
// double (ECMA-262 Number::toString): the shortest round-tripping digits,
// in fixed notation for exponents in [-7, 21) and scientific otherwise.
func jsString(x float64) string {
	if x == 0 {
		return "0"
	}
	if math.IsNaN(x) {
		return "NaN"
	}
	if math.IsInf(x, 0) {
		if x > 0 {
			return "Infinity"
		}
		return "-Infinity"
	}
	neg := x < 0
	if neg {
		x = -x
	}
	e := strconv.FormatFloat(x, 'e', -1, 64) // d.ddddde±XX
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	k := len(digits)
	ex, _ := strconv.Atoi(exp)
	n := ex + 1 // x = 0.digits × 10^n
	var s string
	switch {
	case k <= n && n <= 21:
		s = digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		s = digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		s = "0." + strings.Repeat("0", -n) + digits
	default:
		sign := "+"
		if n-1 < 0 {
			sign = "-"
		}
		m := digits[:1]
		if k > 1 {
			m += "." + digits[1:]
		}
		s = m + "e" + sign + strconv.Itoa(abs(n-1))
	}
	if neg {
		return "-" + s
	}
	return s
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// jsDecimalPlaces is the client's decimalPlaces: 0 for an integer, else the
// length of whatever follows the first '.' of toString (exponent included).
func jsDecimalPlaces(x float64) int {
	if math.Trunc(x) == x {
		return 0
	}
	_, frac, ok := strings.Cut(jsString(x), ".")
	if !ok {
		return 0
	}
	if i := strings.IndexByte(frac, '.'); i >= 0 {
		frac = frac[:i] // split(".")[1]
	}
	return len(frac)
}

// jsRound is Math.round: the nearest integer, ties toward +∞.
func jsRound(x float64) float64 {
	f := math.Floor(x)
	if float64(x-f) >= 0.5 {
		return f + 1
	}
	return f
}

func pow10(d int) float64 { return math.Pow10(d) }

// jsRoundNormal is the client's roundNormal.
func jsRoundNormal(x float64, d int) float64 {
	if jsDecimalPlaces(x) <= d {
		return x
	}
	return float64(jsRound(float64(float64(x+0x1p-52)*pow10(d)))) / pow10(d)
}

// jsRoundDown is the client's roundDown.
func jsRoundDown(x float64, d int) float64 {
	if jsDecimalPlaces(x) <= d {
		return x
	}
	return float64(math.Floor(float64(x*pow10(d)))) / pow10(d)
}

// jsRoundUp is the client's roundUp.
func jsRoundUp(x float64, d int) float64 {
	if jsDecimalPlaces(x) <= d {
		return x
	}
	return float64(math.Ceil(float64(x*pow10(d)))) / pow10(d)
}

// jsFix is the client's two-step "fix to A decimals" of a raw amount.
func jsFix(x float64, a int) float64 {
	if jsDecimalPlaces(x) > a {
		x = jsRoundUp(x, a+4)
		if jsDecimalPlaces(x) > a {
			x = jsRoundDown(x, a)
		}
	}
	return x
}

// ErrParseUnits is viem's parseUnits rejecting toString's output (an
// exponent form such as "1e-7", a negative, NaN) or a result beyond uint64.
var ErrParseUnits = errors.New("sign: amount is not representable (the official client's parseUnits would throw)")

// jsParseUnits6 is viem's parseUnits(x.toString(), 6): digits beyond the
// sixth decimal round half up.
func jsParseUnits6(x float64) (uint64, error) {
	s := jsString(x)
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" || strings.Trim(intPart, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return 0, ErrParseUnits // exponent form, sign, NaN, Infinity
	}
	frac = strings.TrimRight(frac, "0")
	up := false
	if len(frac) > 6 {
		up = frac[6] >= '5'
		frac = frac[:6]
	}
	frac += strings.Repeat("0", 6-len(frac))
	v, err := strconv.ParseUint(intPart+frac, 10, 64)
	if err != nil {
		return 0, ErrParseUnits
	}
	if up {
		if v == math.MaxUint64 {
			return 0, ErrParseUnits
		}
		v++
	}
	return v, nil
}

// OfficialLimitAmounts mirrors getOrderRawAmounts + parseUnits for a limit
// (GTC/GTD) order: size in shares, price per share, as the JS numbers the
// client receives. Results are makerAmount and takerAmount in 1e-6 units.
func OfficialLimitAmounts(side uint8, size, price float64, t book.Tick) (maker, taker uint64, err error) {
	rc, err := RoundConfigFor(t)
	if err != nil {
		return 0, 0, err
	}
	p := jsRoundNormal(price, rc.Price)
	var rawMaker, rawTaker float64
	if side == Buy {
		rawTaker = jsRoundDown(size, rc.Size)
		rawMaker = jsFix(float64(rawTaker*p), rc.Amount)
	} else {
		rawMaker = jsRoundDown(size, rc.Size)
		rawTaker = jsFix(float64(rawMaker*p), rc.Amount)
	}
	return officialUnits(rawMaker, rawTaker)
}

// OfficialMarketAmounts mirrors getMarketOrderRawAmounts + parseUnits for a
// market (FOK/FAK) order: amount is USDC for a BUY and shares for a SELL;
// price is the worst acceptable price (0 means 1, like the client's
// `price || 1`).
func OfficialMarketAmounts(side uint8, amount, price float64, t book.Tick) (maker, taker uint64, err error) {
	rc, err := RoundConfigFor(t)
	if err != nil {
		return 0, 0, err
	}
	if price == 0 {
		price = 1
	}
	p := jsRoundDown(price, rc.Price)
	rawMaker := jsRoundDown(amount, rc.Size)
	var rawTaker float64
	if side == Buy {
		rawTaker = jsFix(float64(rawMaker/p), rc.Amount)
	} else {
		rawTaker = jsFix(float64(rawMaker*p), rc.Amount)
	}
	return officialUnits(rawMaker, rawTaker)
}

func officialUnits(rawMaker, rawTaker float64) (maker, taker uint64, err error) {
	if maker, err = jsParseUnits6(rawMaker); err != nil {
		return 0, 0, err
	}
	if taker, err = jsParseUnits6(rawTaker); err != nil {
		return 0, 0, err
	}
	return maker, taker, nil
}

// OfficialPriceValid mirrors the client's priceValid: tick ≤ price ≤ 1−tick
// in doubles (no grid check).
func OfficialPriceValid(price float64, t book.Tick) bool {
	tick := float64(t) / book.Scale // parseFloat("0.01") is the same double
	return price >= tick && price <= float64(1-tick)
}
