// Package book holds the fixed-point numbers of the engine (Price, Size,
// Tick), the per-asset L2 order book and the venue's book hash.
//
// Money is exact: prices are uint32 micro-dollars, sizes int64 micro-shares,
// and every product names its rounding direction (CostUp for what we pay,
// CostDown for what we receive). No float64 touches a price, size or amount.
package book
