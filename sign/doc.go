// Package sign builds and signs Polymarket CLOB orders: the EIP-712 order
// hashes of CTF Exchange V2 and V3 (and V1 for the official reference
// values), the POLY_1271 deposit-wallet signature blob, order amounts exactly
// as Polymarket's official client computes them, the order JSON bodies, L1
// (ClobAuth) and L2 (HMAC) authentication, key loading, and a pool of
// pre-signed order templates for the hot path.
//
// Hashing never goes through generic typed-data machinery: domain separators
// and type hashes are computed once, and an order digest is one keccak over a
// fixed 12×32-byte buffer plus one over 66 bytes, with pooled keccak states
// (0 allocations). Signatures are secp256k1 through go-ethereum (libsecp256k1
// when cgo is enabled), 65 bytes r‖s‖v with v ∈ {27, 28}.
//
// Money is fixed-point everywhere except in the functions named Official…,
// which mirror the official TypeScript client's float arithmetic bit for bit
// so that conformance can be checked; the engine uses LimitAmounts,
// MarketAmounts and MarketBuyAmounts, which are exact.
//
// A private key never appears in any output: Signer's String, GoString and
// Format print only the address, and key-loading errors never echo input.
package sign
