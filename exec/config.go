package exec

import (
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/hist"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sign"
)

// Mode says whether orders reach the venue.
type Mode uint8

// Modes.
const (
	// Paper sends nothing: every leg fills at the opportunity's expected
	// cost (see the package doc's paper model).
	Paper Mode = iota
	// Live sends orders to the venue.
	Live
)

func (m Mode) String() string {
	if m == Live {
		return "live"
	}
	return "paper"
}

// Credentials are the L2 API credentials. String never reveals Secret or
// Passphrase.
type Credentials struct{ APIKey, Secret, Passphrase string }

// String prints the API key only.
func (c Credentials) String() string {
	return "Credentials{APIKey:" + c.APIKey + " Secret:<redacted> Passphrase:<redacted>}"
}

// GoString prints the API key only.
func (c Credentials) GoString() string { return c.String() }

// GroupInfo describes one scan group (index = scan group index).
type GroupInfo struct {
	EventIndex int
	Kind       scan.Kind
	Payout     int64 // micro-dollars per set
	Legs       []book.AssetIndex
}

// Config configures an Executor. Zero fields take the defaults noted.
type Config struct {
	Mode          Mode
	CLOBURL       string // http(s)://host[:port]
	WSUserURL     string // ws(s)://… user channel (Live)
	ChainID       uint64
	Signer        *sign.Signer // nil allowed in Paper
	Creds         Credentials
	Funder        common.Address // order maker; zero = the signer's address
	SignatureType uint8
	// Pool holds pre-signed FOK BUY templates; nil = every leg signs on the
	// spot. Its share ladder must be given in Ladder.
	Pool   *sign.Pool
	Ladder []book.Size // the pool's TemplateConfig.Shares (for snapping Q down)
	// PoolVersion is the CLOB version assumed until GET /version answers
	// (default 2; Paper mode keeps it). Whenever the executor reads the
	// venue's version (Start, order_version_mismatch) it moves the pool to
	// it (sign.Pool.SetVersion: the old version's templates are retired and
	// re-signed); templates are used only while the pool's version is the
	// venue's, so a version the pool cannot sign for means signing on the
	// spot.
	PoolVersion int
	// Margin is the scanner's required edge per set (micro-dollars). A leg
	// whose exact-limit template misses may be sent with a pool template
	// signed above its limit (its trigger anchor) only while the basket's
	// worst-case edge, recomputed with that template's maker amount, stays
	// at least Q × Margin and positive (see takeAbove). 0: positive only.
	Margin int64

	Registry  *book.Registry
	Groups    []GroupInfo // index = scan group index
	NumEvents int
	// Fees per asset index (missing entries = fee-free); FeeDecimals is the
	// fee rounding of decisions (default 5, rounded up: what we may pay is
	// never understated).
	Fees        []scan.FeeModel
	FeeDecimals uint8
	// FeeRounding is how the venue rounds a trade's taker fee, for
	// accounting only: a trade whose report carries the venue's fee amount
	// (the "fee" field of GET /data/trades) is booked at that amount; one
	// that carries none (user-channel trade events, protocol.md §3) at the
	// fee computed with this rounding, and replaced by the venue's amount
	// when a later report brings it. Decisions stay conservative
	// (FeeDecimals, up); accounting mirrors the venue. The zero value is
	// half-up at 5 decimals: the simulator's documented choice and the
	// current SDK's FEE_DECIMALS (protocol.md §9.2, UNCERTAIN 4 vs 5).
	FeeRounding FeeRounding

	JournalDir string
	// JournalSyncEvery fsyncs every record before acting (slowest, safest);
	// default: background fsync (a process crash loses nothing).
	JournalSyncEvery bool

	Limits                      Limits
	OrdersPer10s, UnwindReserve int
	// A partial basket may lose up to max(LegLossBudget, LegLossShare ×
	// its entry notional) to close (legrisk.go): LegLossBudget in
	// micro-dollars, LegLossShare in millionths (50_000 = 5 %; 0: the
	// budget alone).
	LegLossBudget int64
	LegLossShare  int64
	// LegRiskAttempts bounds the leg-risk tries per basket (default 6);
	// LegRiskRetry is the pause after the first, doubling after each
	// (up to 16×; default 250 ms: 0.25+0.5+1+2+4 s before the sixth).
	LegRiskAttempts int
	LegRiskRetry    time.Duration
	// MinNotional is the venue's minimum per marketable order (default $1).
	MinNotional int64

	// RequestTimeout bounds a POST /orders round trip (default 3 s);
	// after it the outcome is unknown and is queried, never resent.
	RequestTimeout time.Duration
	// UnknownGrace is how long an order the venue does not know yet is
	// still treated as possibly placed (default 10 s); after it, "not
	// found" means it was never placed.
	UnknownGrace time.Duration
	// QueryEvery spaces the order/trade queries of unresolved legs and
	// the /data/trades fallback polls (default 200 ms).
	QueryEvery time.Duration
	// MaxBaskets is the number of basket slots (default 256); baskets
	// beyond it are vetoed (VetoOpenBaskets).
	MaxBaskets int
	// TLSConfig for https/wss (tests against a self-signed simulator).
	TLSConfig *tls.Config

	Now      func() int64           // monotonic ns (tests inject); default hist.Now
	OnAlert  func(kind, msg string) // cold; may be nil
	Recorder *hist.Recorder         // optional: Build, Write, Ack, DecisionToAck stages
}

// FeeRounding says how a venue rounds a taker fee: to Decimals decimals of
// USDC (0 means 5; at most 6), in the direction Mode says.
type FeeRounding struct {
	Decimals uint8
	Mode     RoundMode
}

// RoundMode is a rounding direction.
type RoundMode uint8

// Rounding directions for FeeRounding.
const (
	RoundHalfUp RoundMode = iota // to nearest, ties up (the default)
	RoundUp                      // towards +∞
	RoundDown                    // towards 0 (truncate)
)

// FeeMicro returns the fee of s micro-shares at p under m, in micro-dollars,
// rounded as r says: exact integer arithmetic (the exact fee to 1e-12 and
// whether anything was below that, then one rounding).
func (r FeeRounding) FeeMicro(m scan.FeeModel, p book.Price, s book.Size) int64 {
	if m.Zero() || s <= 0 {
		return 0
	}
	d := r.Decimals
	if d == 0 {
		d = 5
	}
	d = min(d, 6)
	scale := int64(1) // micro-dollars per unit of 10^-d
	for i := d; i < 6; i++ {
		scale *= 10
	}
	switch r.Mode {
	case RoundUp:
		return m.FeeMicroUp(p, s, d)
	case RoundDown:
		v, exact := m.FeeUp(p, s, d)
		if !exact {
			v--
		}
		return v * scale
	}
	// Half up: v = ceil(fee × 1e12); the fee is v exactly, or in (v−1, v).
	v, exact := m.FeeUp(p, s, scan.MaxFeeDecimals)
	if v == math.MaxInt64 { // saturated (beyond any real trade)
		return v
	}
	unit := scale * 1_000_000 // 10^(12−d)
	n := v + unit/2
	out := n / unit
	if !exact && n%unit == 0 {
		out-- // the fee is just below the half: it rounds down
	}
	return out * scale
}

// ErrConfig wraps configuration errors.
var ErrConfig = errors.New("exec: bad configuration")

func (c *Config) setDefaults() error {
	if c.Registry == nil {
		return fmt.Errorf("%w: no registry", ErrConfig)
	}
	if c.Mode == Live {
		if c.Signer == nil {
			return fmt.Errorf("%w: live mode needs a signer", ErrConfig)
		}
		if c.CLOBURL == "" || c.Creds.APIKey == "" || c.Creds.Secret == "" {
			return fmt.Errorf("%w: live mode needs the CLOB URL and API credentials", ErrConfig)
		}
	}
	if c.Pool != nil && len(c.Ladder) == 0 {
		return fmt.Errorf("%w: a template pool needs its share ladder (Ladder)", ErrConfig)
	}
	for i, g := range c.Groups {
		if len(g.Legs) == 0 || len(g.Legs) > scan.MaxLegs || g.EventIndex < 0 || g.EventIndex >= c.NumEvents || g.Payout <= 0 {
			return fmt.Errorf("%w: group %d", ErrConfig, i)
		}
		for _, a := range g.Legs {
			if int(a) >= c.Registry.Len() {
				return fmt.Errorf("%w: group %d leg asset %d not in the registry", ErrConfig, i, a)
			}
		}
	}
	if c.ChainID == 0 {
		c.ChainID = sign.ChainPolygon
	}
	if c.PoolVersion == 0 {
		c.PoolVersion = 2
	}
	if c.FeeDecimals == 0 {
		c.FeeDecimals = 5
	}
	if c.FeeRounding.Decimals > 6 || c.FeeRounding.Mode > RoundDown {
		return fmt.Errorf("%w: fee rounding %+v", ErrConfig, c.FeeRounding)
	}
	if c.OrdersPer10s <= 0 {
		c.OrdersPer10s = 400 // the Standard tier's 40/s
	}
	if c.UnwindReserve < 0 || c.UnwindReserve >= c.OrdersPer10s {
		return fmt.Errorf("%w: unwind reserve %d of %d", ErrConfig, c.UnwindReserve, c.OrdersPer10s)
	}
	if c.LegRiskAttempts <= 0 {
		c.LegRiskAttempts = 6
	}
	if c.LegLossShare < 0 || c.LegLossShare > 1_000_000 {
		return fmt.Errorf("%w: leg loss share %d (millionths: 0..1000000)", ErrConfig, c.LegLossShare)
	}
	if c.LegRiskRetry <= 0 {
		c.LegRiskRetry = 250 * time.Millisecond
	}
	if c.MinNotional == 0 {
		c.MinNotional = 1_000_000
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 3 * time.Second
	}
	if c.UnknownGrace <= 0 {
		c.UnknownGrace = 10 * time.Second
	}
	if c.QueryEvery <= 0 {
		c.QueryEvery = 200 * time.Millisecond
	}
	if c.MaxBaskets <= 0 {
		c.MaxBaskets = 256
	}
	if c.Now == nil {
		c.Now = hist.Now
	}
	return nil
}

func (c *Config) fee(a book.AssetIndex) scan.FeeModel {
	if int(a) < len(c.Fees) {
		return c.Fees[a]
	}
	return scan.FeeModel{}
}
