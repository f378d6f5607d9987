package ops

import "strconv"

// FormatUSD renders micro-dollars as dollars, exactly: at least two decimals,
// up to six, trailing zeros beyond the cents trimmed, no thousands
// separator (copy-paste friendly). Examples: 1_500_000 → "$1.50",
// 1 → "$0.000001", -3_250_000 → "-$3.25".
func FormatUSD(micros int64) string {
	return string(AppendUSD(nil, micros))
}

// AppendUSD appends FormatUSD(micros) to dst.
func AppendUSD(dst []byte, micros int64) []byte {
	// Work on the magnitude as uint64 so that MinInt64 does not overflow.
	u := uint64(micros)
	if micros < 0 {
		dst = append(dst, '-')
		u = -u
	}
	dst = append(dst, '$')
	return appendFixed6(dst, u, 2)
}

// FormatShares renders micro-shares as shares: "12.5", "1", "0.000001".
func FormatShares(micros int64) string {
	u := uint64(micros)
	var dst []byte
	if micros < 0 {
		dst = append(dst, '-')
		u = -u
	}
	return string(appendFixed6(dst, u, 0))
}

// FormatPrice renders a price in micro-dollars per share as a decimal:
// 480_000 → "0.48".
func FormatPrice(p uint32) string {
	return string(appendFixed6(nil, uint64(p), 0))
}

// FormatRatioBps renders num/den in basis points, rounded down, e.g. a pool
// group costing 1.0123 of its payout → "10123 bps". den ≤ 0 renders "n/a".
func FormatRatioBps(num, den int64) string {
	if den <= 0 {
		return "n/a"
	}
	// num*10000 cannot overflow for amounts below 9.2e14 micro-dollars ($922M).
	return strconv.FormatInt(num*10_000/den, 10) + " bps"
}

// appendFixed6 appends u/1e6 with between minFrac and 6 fractional digits.
func appendFixed6(dst []byte, u uint64, minFrac int) []byte {
	dst = strconv.AppendUint(dst, u/1_000_000, 10)
	frac := u % 1_000_000
	var digits [6]byte
	for i := 5; i >= 0; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := 6
	for n > minFrac && digits[n-1] == '0' {
		n--
	}
	if n > 0 {
		dst = append(dst, '.')
		dst = append(dst, digits[:n]...)
	}
	return dst
}
