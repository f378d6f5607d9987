package market

import (
	"strings"

	"github.com/hotpath/hotpath/book"
)

// Kind is the shape of a group (design §1).
type Kind uint8

// Group kinds.
const (
	KindYesBasket  Kind = iota + 1 // 1 YES of every market of a neg-risk event; pays 1
	KindNoBasket                   // 1 NO of every market; pays N−1 via convertPositions
	KindBinaryPair                 // YES + NO of one market; pays 1
)

// String returns "yes_basket", "no_basket" or "binary_pair".
func (k Kind) String() string {
	switch k {
	case KindYesBasket:
		return "yes_basket"
	case KindNoBasket:
		return "no_basket"
	case KindBinaryPair:
		return "binary_pair"
	}
	return "unknown"
}

// MarshalText writes the kind's name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Source says where a market parameter came from.
type Source uint8

// Parameter sources.
const (
	SourceNone    Source = iota
	SourceCLOB           // GET /clob-markets/{condition_id}
	SourceGamma          // Gamma market fields
	SourceDefault        // neither published it; a conservative default was used
)

// String returns "clob", "gamma", "default" or "none".
func (s Source) String() string {
	switch s {
	case SourceCLOB:
		return "clob"
	case SourceGamma:
		return "gamma"
	case SourceDefault:
		return "default"
	}
	return "none"
}

// MarshalText writes the source's name.
func (s Source) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Sources records where each parameter of a leg came from.
type Sources struct {
	Tick, MinSize, FeeRate, FeeExponent Source
}

// Leg is one outcome token a group buys. Fee: shares × FeeRateMicros/1e6 ×
// (p(1−p))^FeeExponent at the fill price p, charged to takers (and to makers
// too unless TakerOnly).
type Leg struct {
	Asset         book.AssetIndex // index in Universe.Registry
	TokenID       string
	Market        string // condition id
	Question      string // the market's groupItemTitle, or its question
	Outcome       string // "Yes"/"No" or the market's outcome label
	Tick          book.Tick
	MinSize       book.Size
	FeeRateMicros int64 // fee rate in millionths (0.05 → 50_000)
	FeeExponent   uint8
	TakerOnly     bool
	NegRisk       bool
	Sources       Sources
}

// Group is a set of legs bought in equal share counts that together pay
// Payout at resolution (YES basket, binary pair) or at once (NO basket).
type Group struct {
	Kind              Kind
	EventID           string
	Title             string // event title; the market question for a binary pair
	Slug              string
	NegRiskMarketID   string
	ConversionFeeBips int64 // NegRiskAdapter convertPositions fee (NO basket)
	Legs              []Leg
	// Payout is what one share of every leg pays, in micro-dollars: 1e6
	// for a YES basket or binary pair; (N−1) × (1e6 − 100 × feeBips) for a
	// NO basket (convertPositions takes feeBips of the amount first; exact,
	// so no rounding is needed).
	Payout int64
}

// GroupKey identifies a group across discovery runs: the event id for
// baskets, the condition id for binary pairs.
type GroupKey struct {
	Kind Kind
	ID   string
}

// Key returns the group's identity.
func (g *Group) Key() GroupKey {
	if g.Kind == KindBinaryPair && len(g.Legs) > 0 {
		return GroupKey{Kind: g.Kind, ID: g.Legs[0].Market}
	}
	return GroupKey{Kind: g.Kind, ID: g.EventID}
}

// Level says whether an exclusion is about a whole event or one market.
type Level uint8

// Exclusion levels.
const (
	LevelEvent Level = iota + 1
	LevelMarket
)

// String returns "event" or "market".
func (l Level) String() string {
	if l == LevelMarket {
		return "market"
	}
	return "event"
}

// MarshalText writes the level's name.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// Exclusion is one thing left out of the universe and why.
type Exclusion struct {
	Level       Level
	EventID     string
	EventTitle  string
	MarketID    string // Gamma market id (market level)
	ConditionID string // market level; may be empty when Gamma omitted it
	Question    string
	Reason      Reason
	Detail      string // specifics: which field, which value
}

// EventReport summarises one event of the input.
type EventReport struct {
	ID        string
	Title     string
	Slug      string
	Markets   int
	NegRisk   bool
	Tradeable bool     // its YES and NO baskets are in the universe
	Reasons   []Reason // event-level reasons when not tradeable
}

// Universe is the result of discovery: the groups to scan, the registry of
// every asset they use, and everything left out.
//
// Invariant: every Leg.Asset indexes Registry, and Registry holds exactly
// the assets of Groups; YES and NO tokens of one market are Paired.
type Universe struct {
	Groups     []Group
	Registry   *book.Registry
	Events     []EventReport
	Exclusions []Exclusion
	Warnings   []string // non-fatal problems (CLOB info unavailable, …)
}

// Options tune Build.
type Options struct {
	// IncludeBinary adds a binary pair group for every tradeable market.
	IncludeBinary bool
	// ClobInfo is CLOB market info by condition id. Markets without an
	// entry use Gamma fields.
	ClobInfo map[string]ClobMarketInfo
	// ClobErrors records why CLOB info is missing for a condition id; it
	// only feeds Universe.Warnings.
	ClobErrors map[string]error
}

// Build applies the correctness gate to decoded Gamma events and builds the
// universe. It never fails: whatever cannot be traded is excluded with a
// reason. Events with a repeated id (paging overlap) are taken once.
func Build(events []Event, opt Options) *Universe {
	u := &Universe{Registry: book.NewRegistry()}
	b := builder{u: u, opt: opt, pairs: map[string]bool{}}
	b.countTokens(events)
	seen := make(map[string]bool, len(events))
	for i := range events {
		e := &events[i]
		if e.ID != "" {
			if seen[string(e.ID)] {
				continue
			}
			seen[string(e.ID)] = true
		}
		b.event(e)
	}
	for cid, err := range opt.ClobErrors {
		u.Warnings = append(u.Warnings, "clob market info for "+cid+" unavailable, Gamma fields used: "+err.Error())
	}
	sortStrings(u.Warnings)
	return u
}

type builder struct {
	u      *Universe
	opt    Options
	owners map[string]string // "t:"+token or "c:"+condition → market identity, or sharedToken
	pairs  map[string]bool   // condition ids already given a binary pair
}

// sharedToken marks a token id or condition id claimed by two different
// markets; it cannot be a real identity.
const sharedToken = "\x00shared"

// countTokens records, for every token id and condition id, the one market
// identity (condition id + both token ids) that lists it, or sharedToken
// when two different identities do. The same market listed under two
// events is one identity and shares its registry entries.
func (b *builder) countTokens(events []Event) {
	b.owners = map[string]string{}
	claim := func(key, id string) {
		if prev, ok := b.owners[key]; !ok {
			b.owners[key] = id
		} else if prev != id {
			b.owners[key] = sharedToken
		}
	}
	for i := range events {
		for j := range events[i].Markets {
			m := &events[i].Markets[j]
			v := m.ClobTokenIDs.Vals
			if len(v) != 2 {
				continue
			}
			cond := strings.TrimSpace(string(m.ConditionID))
			id := cond + "\x00" + v[0] + "\x00" + v[1]
			claim("t:"+v[0], id)
			claim("t:"+v[1], id)
			if cond != "" {
				claim("c:"+cond, id)
			}
		}
	}
}

// shared reports whether a market's tokens or condition id are claimed by
// another market.
func (b *builder) shared(cond string, toks [2]string) bool {
	return b.owners["t:"+toks[0]] == sharedToken || b.owners["t:"+toks[1]] == sharedToken ||
		cond != "" && b.owners["c:"+cond] == sharedToken
}

func (b *builder) exclude(e *Event, m *marketEval, r Reason, detail string) {
	x := Exclusion{Level: LevelEvent, EventID: string(e.ID), EventTitle: string(e.Title), Reason: r, Detail: detail}
	if m != nil {
		x.Level, x.MarketID, x.ConditionID, x.Question = LevelMarket, string(m.m.ID), m.cond, m.question
	}
	b.u.Exclusions = append(b.u.Exclusions, x)
}

func (b *builder) event(e *Event) {
	rep := EventReport{ID: string(e.ID), Title: string(e.Title), Slug: string(e.Slug), Markets: len(e.Markets)}
	if e.DecodeErr != "" {
		rep.Reasons = []Reason{ReasonMalformed}
		b.u.Events = append(b.u.Events, rep)
		b.exclude(e, nil, ReasonMalformed, e.DecodeErr)
		return
	}
	rep.NegRisk = e.NegRisk.True() || e.EnableNegRisk.True()
	evals := make([]marketEval, len(e.Markets))
	for i := range e.Markets {
		m := &e.Markets[i]
		var info *ClobMarketInfo
		if ci, ok := b.opt.ClobInfo[strings.TrimSpace(string(m.ConditionID))]; ok {
			info = &ci
		}
		evals[i] = evalMarket(m, info, b.shared)
		// Market-level exclusions: tradeability always; basket membership
		// only where a basket was possible.
		for _, p := range evals[i].trade {
			b.exclude(e, &evals[i], p.reason, p.detail)
		}
		if rep.NegRisk {
			for _, p := range evals[i].basket {
				b.exclude(e, &evals[i], p.reason, p.detail)
			}
		}
	}
	reasons, details, feeBips := eventGate(e, evals)
	for i, r := range reasons {
		b.exclude(e, nil, r, details[i])
	}
	rep.Reasons = reasons
	rep.Tradeable = len(reasons) == 0
	b.u.Events = append(b.u.Events, rep)
	if rep.Tradeable {
		b.baskets(e, evals, feeBips)
	}
	if b.opt.IncludeBinary {
		for i := range evals {
			if len(evals[i].trade) == 0 && !b.pairs[evals[i].cond] {
				b.pairs[evals[i].cond] = true
				b.binaryPair(e, &evals[i])
			}
		}
	}
}

// asset returns the registry index of a token, adding the market's two
// tokens (and pairing them) the first time either is needed.
func (b *builder) asset(m *marketEval, yes bool) book.AssetIndex {
	reg := b.u.Registry
	if i, ok := reg.Lookup([]byte(m.tokens[0])); ok {
		if yes {
			return i
		}
		j, _ := reg.Lookup([]byte(m.tokens[1]))
		return j
	}
	info := book.AssetInfo{Market: m.cond, Tick: m.p.tick, MinSize: m.p.minSize, NegRisk: m.p.negRisk}
	info.TokenID, info.Outcome = m.tokens[0], m.outcomes[0]
	// Add cannot fail: token ids are non-empty, distinct within the market
	// (evalMarket), and a token is never claimed by two market identities
	// (ReasonDuplicateToken), so neither token is registered yet.
	y, _ := reg.Add(info)
	info.TokenID, info.Outcome = m.tokens[1], m.outcomes[1]
	n, _ := reg.Add(info)
	reg.Pair(y, n)
	if yes {
		return y
	}
	return n
}

func (b *builder) leg(m *marketEval, side int) Leg {
	return Leg{
		Asset:         b.asset(m, side == 0),
		TokenID:       m.tokens[side],
		Market:        m.cond,
		Question:      m.question,
		Outcome:       m.outcomes[side],
		Tick:          m.p.tick,
		MinSize:       m.p.minSize,
		FeeRateMicros: m.p.feeRate,
		FeeExponent:   m.p.feeExp,
		TakerOnly:     m.p.takerOnly,
		NegRisk:       m.p.negRisk,
		Sources:       m.p.src,
	}
}

func (b *builder) baskets(e *Event, evals []marketEval, feeBips int64) {
	n := int64(len(evals))
	yes := Group{Kind: KindYesBasket, EventID: string(e.ID), Title: string(e.Title), Slug: string(e.Slug),
		NegRiskMarketID: normHex(string(e.NegRiskMarketID)), ConversionFeeBips: feeBips, Payout: book.Scale}
	no := yes
	no.Kind = KindNoBasket
	// convertPositions burns feeBips/1e4 of the amount, then pays (N−1) per
	// remaining share: (N−1) × (1e6 − 100·feeBips) micro-dollars, exact.
	no.Payout = (n - 1) * (book.Scale - 100*feeBips)
	yes.Legs = make([]Leg, len(evals))
	no.Legs = make([]Leg, len(evals))
	for i := range evals {
		yes.Legs[i] = b.leg(&evals[i], 0)
		no.Legs[i] = b.leg(&evals[i], 1)
	}
	b.u.Groups = append(b.u.Groups, yes, no)
}

func (b *builder) binaryPair(e *Event, m *marketEval) {
	g := Group{Kind: KindBinaryPair, EventID: string(e.ID), Title: m.question, Slug: string(e.Slug), Payout: book.Scale}
	g.Legs = []Leg{b.leg(m, 0), b.leg(m, 1)}
	b.u.Groups = append(b.u.Groups, g)
}

// eventGate returns the event-level reasons the event's baskets are not
// provably complete (none when tradeable), with details, and the
// conversion fee in bips.
func eventGate(e *Event, evals []marketEval) ([]Reason, []string, int64) {
	var reasons []Reason
	var details []string
	add := func(r Reason, d string) { reasons, details = append(reasons, r), append(details, d) }

	if !e.NegRisk.True() && !e.EnableNegRisk.True() {
		add(ReasonNotNegRisk, "negRisk="+flagText(e.NegRisk)+" enableNegRisk="+flagText(e.EnableNegRisk))
		return reasons, details, 0
	}
	switch {
	case e.NegRiskAugmented.True():
		add(ReasonAugmented, "negRiskAugmented=true")
	case !e.NegRiskAugmented.Set:
		add(ReasonAugmentedUnknown, "negRiskAugmented missing")
	}
	if !e.Active.True() {
		add(ReasonEventInactive, "active="+flagText(e.Active))
	}
	if e.Closed.True() {
		add(ReasonEventClosed, "closed=true")
	}
	if e.Archived.True() {
		add(ReasonEventArchived, "archived=true")
	}
	if e.EnableOrderBook.False() {
		add(ReasonEventNoOrderBook, "enableOrderBook=false")
	}
	if len(evals) < 2 {
		add(ReasonTooFewMarkets, itoa(int64(len(evals)))+" market(s)")
	}
	conds := map[string]bool{}
	for i := range evals {
		if c := evals[i].cond; c != "" {
			if conds[c] {
				add(ReasonDuplicateMarket, evals[i].label()+": condition "+c+" listed twice")
				break
			}
			conds[c] = true
		}
	}
	var other, bad []string
	for i := range evals {
		m := &evals[i]
		for _, p := range m.basket {
			if p.reason == ReasonNegRiskOther {
				other = append(other, m.label())
			}
		}
		if len(m.trade) > 0 || len(m.basket) > 0 {
			bad = append(bad, m.label()+" ("+m.reasonCodes()+")")
		}
	}
	if len(other) > 0 {
		add(ReasonOtherOutcome, strings.Join(other, "; "))
	}
	if len(bad) > 0 {
		add(ReasonMarketExcluded, strings.Join(bad, "; "))
	}
	if d := checkQuestionIDs(e, evals); d != "" {
		if strings.HasPrefix(d, "gap: ") {
			add(ReasonQuestionGap, strings.TrimPrefix(d, "gap: "))
		} else {
			add(ReasonNegRiskIDMismatch, d)
		}
	}
	var feeBips int64
	if e.NegRiskFeeBips.Present() {
		v, err := e.NegRiskFeeBips.Int(10_000)
		if err != nil {
			add(ReasonBadConversionFee, "negRiskFeeBips="+string(e.NegRiskFeeBips))
		} else {
			feeBips = v
		}
	}
	return reasons, details, feeBips
}

// checkQuestionIDs proves the listed markets are every question of one
// neg-risk market: NegRiskIdLib makes questionId = marketId + index (low
// byte) and the adapter numbers questions 0, 1, 2, … as they are prepared,
// so the listed indexes must be exactly 0..N−1 under one market id. It
// returns "" when they are, "gap: …" when indexes are missing, and any
// other text for an id mismatch.
func checkQuestionIDs(e *Event, evals []marketEval) string {
	marketID := normHex(string(e.NegRiskMarketID))
	for i := range evals {
		id := normHex(string(evals[i].m.NegRiskMarketID))
		switch {
		case id == "":
		case marketID == "":
			marketID = id
		case id != marketID:
			return evals[i].label() + ": negRiskMarketID " + id + " != " + marketID
		}
	}
	if marketID == "" {
		return "no negRiskMarketID on the event or its markets"
	}
	if !isBytes32(marketID) || !strings.HasSuffix(marketID, "00") {
		return "negRiskMarketID " + marketID + " is not a neg-risk market id (32 bytes, low byte 0)"
	}
	if len(evals) > 256 {
		return itoa(int64(len(evals))) + " markets: a neg-risk market has at most 256 questions"
	}
	seen := make([]bool, 256)
	for i := range evals {
		q := normHex(string(evals[i].m.QuestionID))
		if !isBytes32(q) || q[:len(q)-2] != marketID[:len(marketID)-2] {
			return evals[i].label() + ": questionID " + q + " is not a question of " + marketID
		}
		idx := hexByte(q[len(q)-2:])
		if seen[idx] {
			return evals[i].label() + ": questionID " + q + " listed twice"
		}
		seen[idx] = true
	}
	var missing []string
	for i := 0; i < len(evals); i++ {
		if !seen[i] {
			missing = append(missing, itoa(int64(i)))
		}
	}
	if len(missing) > 0 {
		return "gap: " + itoa(int64(len(evals))) + " markets listed but question index(es) " + strings.Join(missing, ",") + " missing"
	}
	return ""
}

func normHex(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func isBytes32(s string) bool {
	if len(s) != 66 || s[:2] != "0x" {
		return false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func hexByte(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			v = v*16 + int(c-'0')
		default:
			v = v*16 + int(c-'a') + 10
		}
	}
	return v
}

func flagText(f Flag) string {
	switch {
	case !f.Set:
		return "missing"
	case f.Val:
		return "true"
	}
	return "false"
}
