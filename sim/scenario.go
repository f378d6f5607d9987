package sim

import (
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/hotpath/hotpath/book"
)

//go:embed scenarios/*.toml
var bundled embed.FS

// Scenario is a parsed scenario file; the format is documented in
// SCENARIOS.md. Money and prices are decimal strings, never floats.
type Scenario struct {
	Name     string  `toml:"name"`
	Seed     uint64  `toml:"seed"`
	ChainID  int64   `toml:"chain_id"`
	Rate     float64 `toml:"rate"` // background actions per second (a rate, not money)
	AutoTick bool    `toml:"auto_tick"`

	Accounts    []AccountSpec  `toml:"accounts"`
	Events      []EventSpec    `toml:"events"`
	Markets     []MarketSpec   `toml:"markets"`
	Makers      MakerSpec      `toml:"makers"`
	Windows     WindowSpec     `toml:"windows"`
	Jumps       []TimedAction  `toml:"jumps"`
	TickChanges []TimedAction  `toml:"tick_changes"`
	Drops       []TimedAction  `toml:"drops"`
	Stalls      []TimedAction  `toml:"stalls"`
	BadFrames   []TimedAction  `toml:"bad_frames"`
	Resolutions []TimedAction  `toml:"resolutions"`
	Faults      ScenarioFaults `toml:"faults"`
	// Gamma imports events and markets from Gamma-shaped JSON files
	// (/events or /markets responses); paths are relative to the scenario
	// file. GammaData holds the same content inline (tests, embedding).
	Gamma     []string `toml:"gamma"`
	GammaData []string `toml:"-"`
	dir       string
}

// AccountSpec declares funded accounts.
type AccountSpec struct {
	Hardhat []int    `toml:"hardhat"` // [first, last] Hardhat/Anvil account indexes
	Address string   `toml:"address"`
	Cash    string   `toml:"cash"`   // pUSD each
	Shares  string   `toml:"shares"` // shares of every token each
	Wallet  int      `toml:"wallet"` // 1 proxy, 2 Safe, 3 deposit wallet: Address is a wallet
	Owners  []string `toml:"owners"` // EOAs that sign for the wallet
}

// EventSpec generates Count neg-risk (or plain) events.
type EventSpec struct {
	Count       int      `toml:"count"`
	Outcomes    []int    `toml:"outcomes"` // [min, max] markets per event
	NegRisk     *bool    `toml:"neg_risk"`
	Augmented   bool     `toml:"augmented"`
	Tick        string   `toml:"tick"`
	MinSize     string   `toml:"min_size"`
	FeeRate     string   `toml:"fee_rate"`
	FeeExponent int      `toml:"fee_exponent"`
	Category    string   `toml:"category"`
	Title       string   `toml:"title"`
	Names       []string `toml:"names"`
}

// MarketSpec generates Count standalone binary markets.
type MarketSpec struct {
	Count       int    `toml:"count"`
	Tick        string `toml:"tick"`
	MinSize     string `toml:"min_size"`
	FeeRate     string `toml:"fee_rate"`
	FeeExponent int    `toml:"fee_exponent"`
	Question    string `toml:"question"`
}

// MakerSpec shapes the background makers and takers.
type MakerSpec struct {
	Accounts    int      `toml:"accounts"`
	Overround   []string `toml:"overround"` // [min, max] basket ask sum / payout
	Levels      int      `toml:"levels"`
	Depth       []string `toml:"depth"`        // [min, max] shares per level
	SpreadTicks []int    `toml:"spread_ticks"` // [min, max] bid-ask spread in ticks
	TakerShare  string   `toml:"taker_share"`  // fraction of actions that are trades
}

// WindowSpec plants arbitrage windows.
type WindowSpec struct {
	Every    string   `toml:"every"`    // mean interval
	Duration []string `toml:"duration"` // [min, max]
	Edge     []string `toml:"edge"`     // [min, max] payout − basket cost, before fees
	Baskets  []int    `toml:"baskets"`  // [min, max] $1-per-leg baskets of depth
	TrapOdds string   `toml:"trap_odds"`
}

// TimedAction is a scheduled scenario event.
type TimedAction struct {
	At       string `toml:"at"`
	Every    string `toml:"every"`
	Duration string `toml:"duration"`
	Kind     string `toml:"kind"`
	Event    int    `toml:"event"` // event index, -1 = random
}

// ScenarioFaults are scenario-level fault settings.
type ScenarioFaults struct {
	FailRate float64         `toml:"fail_rate"` // a probability, not money
	REST     []RESTFaultSpec `toml:"rest"`
	Delayed  []DelaySpec     `toml:"delayed"`
}

// DelaySpec answers the next Count orders "delayed" and matches them Delay
// later, from start or from At.
type DelaySpec struct {
	At    string `toml:"at"`
	Count int    `toml:"count"`
	Delay string `toml:"delay"`
}

func (d DelaySpec) inject(f *Faults) {
	dur, _ := time.ParseDuration(d.Delay)
	f.DelayMatching(d.Count, dur)
}

// RESTFaultSpec is a FaultRule in a scenario, injected at start or at At.
type RESTFaultSpec struct {
	At         string `toml:"at"`
	Method     string `toml:"method"`
	Path       string `toml:"path"`
	Status     int    `toml:"status"`
	RetryAfter int    `toml:"retry_after"`
	Delay      string `toml:"delay"`
	Count      int    `toml:"count"`
}

func (r RESTFaultSpec) rule() FaultRule {
	d, _ := time.ParseDuration(r.Delay)
	return FaultRule{Method: r.Method, Path: r.Path, Status: r.Status, RetryAfter: r.RetryAfter, Delay: d, Count: r.Count}
}

// BundledScenarios lists the embedded scenario names.
func BundledScenarios() []string {
	es, _ := bundled.ReadDir("scenarios")
	var out []string
	for _, e := range es {
		out = append(out, strings.TrimSuffix(e.Name(), ".toml"))
	}
	return out
}

// LoadScenario loads a bundled scenario by name or a TOML file by path.
func LoadScenario(nameOrPath string) (*Scenario, error) {
	data, err := bundled.ReadFile("scenarios/" + nameOrPath + ".toml")
	dir := ""
	if err != nil {
		data, err = os.ReadFile(nameOrPath)
		if err != nil {
			return nil, fmt.Errorf("sim: scenario %q: not bundled (%s) and not a readable file: %w",
				nameOrPath, strings.Join(BundledScenarios(), ", "), err)
		}
		dir = filepath.Dir(nameOrPath)
	}
	sc, err := ParseScenario(string(data))
	if err != nil {
		return nil, err
	}
	sc.dir = dir
	return sc, nil
}

// ParseScenario parses scenario TOML and rejects unknown keys.
func ParseScenario(data string) (*Scenario, error) {
	var sc Scenario
	md, err := toml.Decode(data, &sc)
	if err != nil {
		return nil, fmt.Errorf("sim: scenario: %w", err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("sim: scenario: unknown key %q", und[0].String())
	}
	if err := sc.validate(); err != nil {
		return nil, err
	}
	return &sc, nil
}

func (sc *Scenario) validate() error {
	for _, a := range sc.Accounts {
		if len(a.Hardhat) != 0 && (len(a.Hardhat) != 2 || a.Hardhat[0] < 0 || a.Hardhat[1] > 9 || a.Hardhat[0] > a.Hardhat[1]) {
			return errors.New("sim: scenario: hardhat must be [first, last] within 0..9")
		}
		if a.Address != "" && !common.IsHexAddress(a.Address) {
			return fmt.Errorf("sim: scenario: bad address %q", a.Address)
		}
		for _, o := range a.Owners {
			if !common.IsHexAddress(o) {
				return fmt.Errorf("sim: scenario: bad owner %q", o)
			}
		}
	}
	for _, e := range sc.Events {
		if len(e.Outcomes) != 2 || e.Outcomes[0] < 2 || e.Outcomes[1] < e.Outcomes[0] || e.Outcomes[1] > 256 {
			return errors.New("sim: scenario: events.outcomes must be [min, max] with 2 ≤ min ≤ max ≤ 256")
		}
		if e.Count < 0 || e.Count > 10_000 {
			return errors.New("sim: scenario: events.count must be within 0..10000")
		}
	}
	for _, m := range sc.Markets {
		if m.Count < 0 || m.Count > 100_000 {
			return errors.New("sim: scenario: markets.count must be within 0..100000")
		}
	}
	for _, r := range sc.Faults.REST {
		if r.Status != 0 && (r.Status < 400 || r.Status > 599) {
			return fmt.Errorf("sim: scenario: faults.rest status %d is not an HTTP error", r.Status)
		}
		for _, d := range []string{r.At, r.Delay} {
			if d != "" {
				if _, err := time.ParseDuration(d); err != nil {
					return fmt.Errorf("sim: scenario: faults.rest: %w", err)
				}
			}
		}
	}
	for _, d := range sc.Faults.Delayed {
		if d.Count < 0 {
			return errors.New("sim: scenario: faults.delayed count must be ≥ 0")
		}
		for _, v := range []string{d.At, d.Delay} {
			if v != "" {
				if _, err := time.ParseDuration(v); err != nil {
					return fmt.Errorf("sim: scenario: faults.delayed: %w", err)
				}
			}
		}
	}
	for _, d := range []string{sc.Windows.Every} {
		if d != "" {
			if _, err := time.ParseDuration(d); err != nil {
				return fmt.Errorf("sim: scenario: %w", err)
			}
		}
	}
	return nil
}

// HardhatKeys are the well-known public Hardhat/Anvil test keys 0–9.
var HardhatKeys = [10]string{
	"0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
	"0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
	"0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
	"0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
	"0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
	"0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
	"0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
	"0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
	"0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
	"0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
}

// HardhatAddress returns the address of Hardhat account i.
func HardhatAddress(i int) common.Address {
	k, err := crypto.HexToECDSA(HardhatKeys[i][2:])
	if err != nil {
		panic(err) // constant keys
	}
	return crypto.PubkeyToAddress(k.PublicKey)
}

func (sc *Scenario) wallets() map[common.Address]Wallet {
	out := map[common.Address]Wallet{}
	for _, a := range sc.Accounts {
		if a.Wallet == 0 || a.Address == "" {
			continue
		}
		w := Wallet{Kind: a.Wallet}
		for _, o := range a.Owners {
			w.Owners = append(w.Owners, common.HexToAddress(o))
		}
		out[common.HexToAddress(a.Address)] = w
	}
	return out
}

type builtAccount struct {
	addr   common.Address
	cash   int64
	shares map[string]int64
}

// built is a scenario instantiated from a seed.
type built struct {
	events   []*Event
	markets  []*Market // standalone
	accounts []builtAccount
	fair     map[*Market]book.Price // YES fair values of neg-risk legs and binaries
	rng      *rand.Rand
}

func money(s, what string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	v, err := book.ParseSize([]byte(s))
	if err != nil {
		return 0, fmt.Errorf("sim: scenario: %s %q: %w", what, s, err)
	}
	return int64(v), nil
}

func tickOr(s string, def book.Tick) (book.Tick, error) {
	if s == "" {
		return def, nil
	}
	t, err := book.ParseTick([]byte(s))
	if err != nil {
		return 0, fmt.Errorf("sim: scenario: tick %q: %w", s, err)
	}
	return t, nil
}

// idGen derives deterministic ids from the seed.
type idGen struct{ seed uint64 }

func (g idGen) sum(parts ...string) []byte {
	h := crypto.Keccak256([]byte(strconv.FormatUint(g.seed, 10) + "|" + strings.Join(parts, "|")))
	return h
}

// tokenID is a realistic 77-digit decimal uint256.
func (g idGen) tokenID(parts ...string) string {
	n := new(big.Int).SetBytes(g.sum(parts...))
	lo := new(big.Int).Exp(big.NewInt(10), big.NewInt(76), nil)
	span := new(big.Int).Mul(lo, big.NewInt(9))
	n.Mod(n, span).Add(n, lo)
	return n.String()
}

func (g idGen) hex32(parts ...string) string { return "0x" + hex.EncodeToString(g.sum(parts...)) }

var questionWords = []string{"Alvarez", "Brooks", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad",
	"Ito", "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi",
	"Silva", "Tanaka", "Umar", "Varga", "Weber", "Xu", "Yilmaz", "Zhang"}

func (sc *Scenario) build(seed uint64) (*built, error) {
	g := idGen{seed}
	b := &built{fair: map[*Market]book.Price{}, rng: rand.New(rand.NewPCG(seed, 0x5eed))}
	rng := b.rng
	gammaID := 500000
	newMarket := func(tag string, tick book.Tick, minSize, feeRate int64, feeExp int) *Market {
		gammaID++
		m := &Market{
			ConditionID: g.hex32("condition", tag), QuestionID: g.hex32("question", tag),
			YesToken: g.tokenID("token", tag, "yes"), NoToken: g.tokenID("token", tag, "no"),
			Tick: tick, MinSize: book.Size(minSize), Active: true, AcceptingOrders: true, GammaID: gammaID,
			Fee: FeeParams{Rate: feeRate, Exponent: feeExp, TakerOnly: true},
		}
		if m.Fee.Exponent == 0 {
			m.Fee.Exponent = 1
		}
		return m
	}
	for ti, es := range sc.Events {
		tick, err := tickOr(es.Tick, book.Tick0_01)
		if err != nil {
			return nil, err
		}
		minSize, err := money(es.MinSize, "min_size")
		if err != nil {
			return nil, err
		}
		if es.MinSize == "" {
			minSize = 5_000_000
		}
		fee, err := money(es.FeeRate, "fee_rate")
		if err != nil {
			return nil, err
		}
		negRisk := es.NegRisk == nil || *es.NegRisk
		for k := 0; k < max(es.Count, 1); k++ {
			tag := strconv.Itoa(ti) + "." + strconv.Itoa(k)
			n := es.Outcomes[0] + rng.IntN(es.Outcomes[1]-es.Outcomes[0]+1)
			title := es.Title
			if title == "" {
				title = "Event"
			}
			title = strings.ReplaceAll(title, "{n}", strconv.Itoa(len(b.events)+1))
			e := &Event{ID: strconv.Itoa(90000 + len(b.events)), Title: title, NegRisk: negRisk, Augmented: es.Augmented,
				Category: es.Category, Slug: slugify(title) + "-" + strconv.Itoa(len(b.events)+1)}
			if negRisk {
				e.NegRiskMarketID = g.hex32("negriskmarket", tag)[:64] + "00"
			}
			fairs := drawFairs(rng, n, tick)
			for i := 0; i < n; i++ {
				m := newMarket(tag+"."+strconv.Itoa(i), tick, minSize, fee, es.FeeExponent)
				name := questionWords[i%len(questionWords)]
				if i < len(es.Names) {
					name = es.Names[i]
				} else if i >= len(questionWords) {
					name += " " + strconv.Itoa(i/len(questionWords)+1)
				}
				if es.Augmented && i == n-1 {
					name = "Other"
				}
				m.Outcome = name
				m.Question = "Will " + name + " win? (" + title + ")"
				m.Slug = slugify(m.Question)
				m.NegRisk, m.NegRiskMarketID, m.Augmented, m.EventID = negRisk, e.NegRiskMarketID, es.Augmented, e.ID
				if negRisk {
					m.QuestionID = e.NegRiskMarketID[:64] + fmt.Sprintf("%02x", i)
				}
				e.Markets = append(e.Markets, m)
				b.fair[m] = fairs[i]
			}
			b.events = append(b.events, e)
		}
	}
	for ti, ms := range sc.Markets {
		tick, err := tickOr(ms.Tick, book.Tick0_01)
		if err != nil {
			return nil, err
		}
		minSize, err := money(ms.MinSize, "min_size")
		if err != nil {
			return nil, err
		}
		if ms.MinSize == "" {
			minSize = 5_000_000
		}
		fee, err := money(ms.FeeRate, "fee_rate")
		if err != nil {
			return nil, err
		}
		for k := 0; k < max(ms.Count, 1); k++ {
			m := newMarket("binary."+strconv.Itoa(ti)+"."+strconv.Itoa(k), tick, minSize, fee, ms.FeeExponent)
			q := ms.Question
			if q == "" {
				q = "Binary market"
			}
			m.Question = strings.ReplaceAll(q, "{n}", strconv.Itoa(len(b.markets)+1))
			m.Slug = slugify(m.Question)
			m.Outcome = "Yes"
			b.markets = append(b.markets, m)
			// fair in the middle band, on the grid
			f := book.Price(200_000 + rng.IntN(600_000))
			b.fair[m] = f - f%book.Price(tick)
		}
	}
	gammaData := append([]string(nil), sc.GammaData...)
	for _, f := range sc.Gamma {
		if !filepath.IsAbs(f) && sc.dir != "" {
			f = filepath.Join(sc.dir, f)
		}
		d, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("sim: scenario gamma: %w", err)
		}
		gammaData = append(gammaData, string(d))
	}
	for _, d := range gammaData {
		gi, err := parseGamma([]byte(d), gammaID)
		if err != nil {
			return nil, err
		}
		gammaID += 1000
		b.events = append(b.events, gi.events...)
		b.markets = append(b.markets, gi.markets...)
		for m, f := range gi.fair {
			b.fair[m] = f
		}
	}
	var allTokens []string
	for _, e := range b.events {
		for _, m := range e.Markets {
			allTokens = append(allTokens, m.YesToken, m.NoToken)
		}
	}
	for _, m := range b.markets {
		allTokens = append(allTokens, m.YesToken, m.NoToken)
	}
	for _, a := range sc.Accounts {
		cash, err := money(a.Cash, "cash")
		if err != nil {
			return nil, err
		}
		shares, err := money(a.Shares, "shares")
		if err != nil {
			return nil, err
		}
		var addrs []common.Address
		if len(a.Hardhat) == 2 {
			for i := a.Hardhat[0]; i <= a.Hardhat[1]; i++ {
				addrs = append(addrs, HardhatAddress(i))
			}
		}
		if a.Address != "" {
			addrs = append(addrs, common.HexToAddress(a.Address))
		}
		for _, addr := range addrs {
			ba := builtAccount{addr: addr, cash: cash, shares: map[string]int64{}}
			if shares > 0 {
				for _, t := range allTokens {
					ba.shares[t] = shares
				}
			}
			b.accounts = append(b.accounts, ba)
		}
	}
	return b, nil
}

// drawFairs draws n YES fair values on the tick grid, each ≥ 2 ticks,
// summing to exactly $1.
func drawFairs(rng *rand.Rand, n int, tick book.Tick) []book.Price {
	t := int64(tick)
	floor := 2 * t
	free := int64(book.One) - int64(n)*floor
	if free < 0 {
		floor, free = t, int64(book.One)-int64(n)*t
	}
	w := make([]int64, n)
	var sum int64
	for i := range w {
		w[i] = 1 + rng.Int64N(100)
		if i == 0 {
			w[i] += rng.Int64N(200) // a favourite
		}
		sum += w[i]
	}
	out := make([]book.Price, n)
	var total int64
	for i := range w {
		v := free * w[i] / sum
		v -= v % t
		out[i] = book.Price(floor + v)
		total += floor + v
	}
	// hand the rounding remainder to the favourite
	out[0] += book.Price(int64(book.One) - total)
	return out
}

func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
