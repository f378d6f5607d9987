package sign

import (
	"errors"
	"math/bits"

	"github.com/hotpath/hotpath/book"
)

// Exact fixed-point order amounts for the engine. They produce the same
// makerAmount/takerAmount as the official client (OfficialLimitAmounts,
// OfficialMarketAmounts) for on-grid prices, without floats: the tests check
// the agreement on every grid price of every tick.
//
// Units: prices in micro-dollars (book.Price), sizes in micro-shares
// (book.Size), amounts in 1e-6 units (what the order signs).

// Amount errors (sentinels: these run on the signing path).
var (
	ErrPriceRange  = errors.New("sign: price outside [tick, 1-tick] or off the tick grid")
	ErrAmountZero  = errors.New("sign: amount rounds to zero")
	ErrAmountRange = errors.New("sign: amount out of range")
)

// pow10u[i] = 10^i.
var pow10u = [...]uint64{1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
	1_000_000_000, 10_000_000_000, 100_000_000_000}

// PriceValid reports whether p is a tradeable limit price for tick t: on
// the grid and within [t, 1−t] (the client's priceValid plus the server's
// grid rule).
func PriceValid(p book.Price, t book.Tick) bool {
	return t.Valid() && p.OnGrid(t) && uint32(p) >= uint32(t) && uint32(p) <= uint32(book.One)-uint32(t)
}

// sizeToDecimals rounds micro-units down to d decimals (d ≤ 6).
func sizeToDecimals(v uint64, d int) uint64 { return v - v%pow10u[6-d] }

// LimitAmounts computes a limit (GTC/GTD) order's amounts: size (shares)
// rounded down to 2 decimals; BUY maker = size×price, taker = size; SELL the
// reverse. size×price is exact in micro-units because the size has 2
// decimals and an on-grid price at most 4, and it never needs the client's
// "fix to amount decimals" step (2 + price decimals ≤ amount decimals).
func LimitAmounts(side uint8, price book.Price, size book.Size, t book.Tick) (maker, taker uint64, err error) {
	rc, err := RoundConfigFor(t)
	if err != nil {
		return 0, 0, err
	}
	if !PriceValid(price, t) {
		return 0, 0, ErrPriceRange
	}
	if size <= 0 {
		return 0, 0, ErrAmountZero
	}
	shares := sizeToDecimals(uint64(size), rc.Size) // round down (client: roundDown(size, 2))
	if shares == 0 {
		return 0, 0, ErrAmountZero
	}
	hi, lo := bits.Mul64(shares, uint64(price))
	if hi != 0 {
		return 0, 0, ErrAmountRange
	}
	cost := lo / book.Scale // exact: remainder is zero (see above)
	if side == Buy {
		return cost, shares, nil
	}
	return shares, cost, nil
}

// MarketAmounts computes a market (FOK/FAK) order's amounts: amount is USDC
// (micro-dollars) for a BUY and shares (micro-shares) for a SELL, price the
// worst acceptable price. maker = amount rounded down to 2 decimals; BUY
// taker = maker/price "fixed" to the tick's amount decimals exactly as the
// client does it (round up to A+4 decimals, then down to A); SELL taker =
// maker×price (exact).
//
// Known divergence: when a BUY's taker amount exceeds 2^53 units of
// 10^-(A+4) shares (≈ 900k shares at tick 0.0001, 9 M at 0.01), the client's
// float roundUp is a no-op and it can come out one 10^-A unit lower than
// this exact result; the engine never trades such sizes.
func MarketAmounts(side uint8, price book.Price, amount int64, t book.Tick) (maker, taker uint64, err error) {
	rc, err := RoundConfigFor(t)
	if err != nil {
		return 0, 0, err
	}
	if !PriceValid(price, t) {
		return 0, 0, ErrPriceRange
	}
	if amount <= 0 {
		return 0, 0, ErrAmountZero
	}
	maker = sizeToDecimals(uint64(amount), rc.Size) // round down to cents / hundredths of a share
	if maker == 0 {
		return 0, 0, ErrAmountZero
	}
	if side == Sell {
		hi, lo := bits.Mul64(maker, uint64(price))
		if hi != 0 {
			return 0, 0, ErrAmountRange
		}
		return maker, lo / book.Scale, nil // exact
	}
	taker, err = buyTaker(maker, price, rc.Amount)
	return maker, taker, err
}

// buyTaker is maker/price in shares, rounded up to a+4 decimals and then
// down to a decimals (the client's two-step fix), returned in micro-shares.
func buyTaker(maker uint64, price book.Price, a int) (uint64, error) {
	// q = ceil(maker × 10^(a+4) / price) in units of 10^-(a+4) shares.
	hi, lo := bits.Mul64(maker, pow10u[a+4])
	if hi >= uint64(price) {
		return 0, ErrAmountRange
	}
	q, rem := bits.Div64(hi, lo, uint64(price))
	if rem != 0 {
		q++ // round up
	}
	q /= 10_000 // round down to a decimals
	hi, lo = bits.Mul64(q, pow10u[6-a])
	if hi != 0 {
		return 0, ErrAmountRange
	}
	if lo == 0 {
		return 0, ErrAmountZero
	}
	return lo, nil
}

// MarketBuyAmounts is the engine's FOK BUY of at least `shares` at a worst
// price of `limit`: maker = shares×limit rounded UP to whole cents (so the
// order can buy every share at the limit), taker = maker/limit fixed like
// the client does (MarketAmounts). taker ≥ shares rounded down to the
// tick's amount decimals; the extra is at most one cent's worth.
func MarketBuyAmounts(limit book.Price, shares book.Size, t book.Tick) (maker, taker uint64, err error) {
	if shares <= 0 {
		return 0, 0, ErrAmountZero
	}
	if !PriceValid(limit, t) {
		return 0, 0, ErrPriceRange
	}
	cost := book.CostUp(limit, shares)        // micro-dollars, rounded up
	cents := (cost + 9_999) / 10_000 * 10_000 // round up to cents
	return MarketAmounts(Buy, limit, cents, t)
}
