package market

import (
	"sort"
	"strconv"
	"strings"

	"github.com/hotpath/hotpath/book"
)

// maxFeeExponent bounds the fee exponent; the venue has used 1 and 2, and
// the scanner's exact fee arithmetic supports 0..4 (scan.MaxFeeExponent).
// A larger one excludes the market (ReasonBadFee).
const maxFeeExponent = 4

// problem is one failed market check.
type problem struct {
	reason Reason
	detail string
}

// params are a market's trading parameters after resolving CLOB and Gamma.
type params struct {
	tick      book.Tick
	minSize   book.Size
	feeRate   int64 // millionths
	feeExp    uint8
	takerOnly bool
	negRisk   bool
	src       Sources
}

// marketEval is the market gate's verdict on one market.
type marketEval struct {
	m        *Market
	cond     string
	question string
	tokens   [2]string // [YES, NO] per clobTokenIds order
	outcomes [2]string
	p        params
	trade    []problem // the market cannot be traded at all
	basket   []problem // the market cannot be a leg of a neg-risk basket
}

func (v *marketEval) label() string {
	if v.question != "" {
		return v.question
	}
	if v.cond != "" {
		return v.cond
	}
	return "market " + string(v.m.ID)
}

func (v *marketEval) reasonCodes() string {
	codes := make([]string, 0, len(v.trade)+len(v.basket))
	for _, p := range v.trade {
		codes = append(codes, p.reason.String())
	}
	for _, p := range v.basket {
		codes = append(codes, p.reason.String())
	}
	return strings.Join(codes, ",")
}

// evalMarket applies the market gate. shared reports whether a condition
// id or token id is also claimed by a different market.
func evalMarket(m *Market, info *ClobMarketInfo, shared func(cond string, toks [2]string) bool) marketEval {
	v := marketEval{m: m, cond: strings.TrimSpace(string(m.ConditionID)), question: string(m.GroupItemTitle)}
	if v.question == "" {
		v.question = string(m.Question)
	}
	trade := func(r Reason, d string) { v.trade = append(v.trade, problem{r, d}) }
	basket := func(r Reason, d string) { v.basket = append(v.basket, problem{r, d}) }

	if v.cond == "" {
		trade(ReasonNoConditionID, "conditionId missing")
	}
	if !m.Active.True() {
		trade(ReasonInactive, "active="+flagText(m.Active))
	}
	if !m.Closed.False() {
		trade(ReasonClosed, "closed="+flagText(m.Closed))
	}
	if m.Archived.True() {
		trade(ReasonArchived, "archived=true")
	}
	if !m.AcceptingOrders.True() {
		trade(ReasonNotAccepting, "acceptingOrders="+flagText(m.AcceptingOrders))
	}
	if !m.EnableOrderBook.True() {
		trade(ReasonNoOrderBook, "enableOrderBook="+flagText(m.EnableOrderBook))
	}

	ids := m.ClobTokenIDs
	switch {
	case ids.Malformed || len(ids.Vals) != 2:
		trade(ReasonBadTokenIDs, "clobTokenIds has "+itoa(int64(len(ids.Vals)))+" id(s)"+malformedText(ids.Malformed))
	case !tokenIDOK(ids.Vals[0]) || !tokenIDOK(ids.Vals[1]) || ids.Vals[0] == ids.Vals[1]:
		trade(ReasonBadTokenIDs, "clobTokenIds "+strings.Join(ids.Vals, ",")+" are not two distinct decimal token ids")
	default:
		v.tokens = [2]string{ids.Vals[0], ids.Vals[1]}
		if shared(v.cond, v.tokens) {
			trade(ReasonDuplicateToken, "token ids "+v.tokens[0]+","+v.tokens[1]+" or condition id also listed for a different market")
		}
	}

	// Outcome labels: Gamma's, else the CLOB's, cross-checked when both.
	outs := m.Outcomes
	gammaOK := outs.Set && !outs.Malformed && len(outs.Vals) == 2
	if gammaOK {
		v.outcomes = [2]string{outs.Vals[0], outs.Vals[1]}
	}
	if info != nil {
		clobToks, clobOuts, ok := clobPair(info)
		switch {
		case !ok:
			trade(ReasonClobMismatch, "CLOB lists "+itoa(int64(len(info.Tokens)))+" token(s)")
		case v.tokens[0] != "" && clobToks != v.tokens:
			trade(ReasonClobMismatch, "CLOB tokens "+clobToks[0]+","+clobToks[1]+" != Gamma clobTokenIds")
		case gammaOK && clobOuts[0] != "" && (!strings.EqualFold(clobOuts[0], v.outcomes[0]) || !strings.EqualFold(clobOuts[1], v.outcomes[1])):
			trade(ReasonClobMismatch, "CLOB outcomes "+clobOuts[0]+","+clobOuts[1]+" != Gamma outcomes "+v.outcomes[0]+","+v.outcomes[1])
		case !gammaOK && clobOuts[0] != "" && clobOuts[1] != "":
			v.outcomes = clobOuts
			gammaOK = true
		}
	}
	if !gammaOK {
		basket(ReasonBadOutcomes, "outcomes missing or not two labels")
	} else if !strings.EqualFold(v.outcomes[0], "yes") || !strings.EqualFold(v.outcomes[1], "no") {
		basket(ReasonBadOutcomes, "outcomes "+v.outcomes[0]+","+v.outcomes[1])
	}

	negRisk := m.NegRisk
	if info != nil && info.NegRisk.Set {
		if m.NegRisk.Set && m.NegRisk.Val != info.NegRisk.Val {
			trade(ReasonClobMismatch, "CLOB nr="+flagText(info.NegRisk)+" but Gamma negRisk="+flagText(m.NegRisk))
		}
		negRisk = info.NegRisk
	}
	v.p.negRisk = negRisk.True()
	if !negRisk.True() {
		basket(ReasonMarketNotNegRisk, "negRisk="+flagText(negRisk))
	}
	if !m.NegRiskOther.False() {
		basket(ReasonNegRiskOther, "negRiskOther="+flagText(m.NegRiskOther))
	}

	if info != nil && info.AcceptingOrders.False() {
		trade(ReasonNotAccepting, "CLOB ao=false")
	}
	delays := []Decimal{m.SecondsDelay}
	if info != nil {
		delays = append(delays, info.SecondsDelay)
	}
	for _, d := range delays {
		if !d.Present() {
			continue
		}
		if n, err := d.Int(1 << 31); err != nil || n > 0 {
			trade(ReasonDelayed, "secondsDelay="+string(d))
			break
		}
	}

	// Tick: the CLOB's, else Gamma's.
	if info != nil && info.MinTick.Present() {
		if t, err := info.MinTick.Tick(); err == nil {
			v.p.tick, v.p.src.Tick = t, SourceCLOB
		}
	}
	if v.p.tick == 0 && m.OrderPriceMinTickSize.Present() {
		if t, err := m.OrderPriceMinTickSize.Tick(); err == nil {
			v.p.tick, v.p.src.Tick = t, SourceGamma
		}
	}
	if v.p.tick == 0 {
		trade(ReasonBadTick, "CLOB mts="+clobField(info, func(i *ClobMarketInfo) Decimal { return i.MinTick })+
			" Gamma orderPriceMinTickSize="+decText(m.OrderPriceMinTickSize))
	}

	// Minimum size: the CLOB's, else Gamma's.
	if info != nil && info.MinOrderSize.Present() {
		if s, err := info.MinOrderSize.Size(); err == nil {
			v.p.minSize, v.p.src.MinSize = s, SourceCLOB
		}
	}
	if v.p.src.MinSize == SourceNone && m.OrderMinSize.Present() {
		if s, err := m.OrderMinSize.Size(); err == nil {
			v.p.minSize, v.p.src.MinSize = s, SourceGamma
		}
	}
	if v.p.src.MinSize == SourceNone {
		trade(ReasonBadMinSize, "CLOB mos="+clobField(info, func(i *ClobMarketInfo) Decimal { return i.MinOrderSize })+
			" Gamma orderMinSize="+decText(m.OrderMinSize))
	}

	if p := resolveFee(m, info, &v.p); p != nil {
		trade(p.reason, p.detail)
	}
	return v
}

// feeCandidate is one published fee model.
type feeCandidate struct {
	rate      int64
	exp       uint8
	takerOnly bool
	rateSrc   Source
	expSrc    Source
}

// resolveFee sets the fee model from the CLOB `fd` and Gamma `feeSchedule`.
// When both publish one they are combined conservatively: the higher rate
// and the lower exponent (p(1−p) ≤ 1/4, so a lower exponent is a larger
// fee). An absent exponent is 0, as in clob-client-v2, which again
// overestimates. Zero is used only when a source publishes rate 0 or Gamma
// says feesEnabled=false with no schedule anywhere; otherwise the fee is
// unknown and the market excluded.
func resolveFee(m *Market, info *ClobMarketInfo, p *params) *problem {
	var cands []feeCandidate
	parse := func(rate, exp Decimal, to Flag, src Source) *problem {
		r, err := rate.Rate()
		if err != nil {
			return &problem{ReasonBadFee, src.String() + " fee rate " + string(rate) + ": " + err.Error()}
		}
		c := feeCandidate{rate: r, takerOnly: to.True(), rateSrc: src, expSrc: SourceDefault}
		if exp.Present() {
			e, err := exp.Int(maxFeeExponent)
			if err != nil {
				return &problem{ReasonBadFee, src.String() + " fee exponent " + string(exp) + ": " + err.Error()}
			}
			c.exp, c.expSrc = uint8(e), src
		}
		cands = append(cands, c)
		return nil
	}
	if info != nil && info.Fee != nil && info.Fee.Rate.Present() {
		if pr := parse(info.Fee.Rate, info.Fee.Exponent, info.Fee.TakerOnly, SourceCLOB); pr != nil {
			return pr
		}
	}
	if fs := m.FeeSchedule; fs != nil && fs.Rate.Present() {
		if pr := parse(fs.Rate, fs.Exponent, fs.TakerOnly, SourceGamma); pr != nil {
			return pr
		}
	}
	if len(cands) == 0 {
		if m.FeesEnabled.False() {
			p.feeRate, p.feeExp, p.takerOnly = 0, 0, true
			p.src.FeeRate, p.src.FeeExponent = SourceGamma, SourceGamma
			return nil
		}
		return &problem{ReasonFeeUnknown, "feesEnabled=" + flagText(m.FeesEnabled) + ", no CLOB fd.r and no Gamma feeSchedule.rate"}
	}
	best := cands[0]
	takerOnly := best.takerOnly
	for _, c := range cands[1:] {
		if c.rate > best.rate {
			best.rate, best.rateSrc = c.rate, c.rateSrc
		}
		if c.exp < best.exp {
			best.exp, best.expSrc = c.exp, c.expSrc
		}
		takerOnly = takerOnly && c.takerOnly
	}
	p.feeRate, p.feeExp, p.takerOnly = best.rate, best.exp, takerOnly
	p.src.FeeRate, p.src.FeeExponent = best.rateSrc, best.expSrc
	return nil
}

// clobPair returns the CLOB's two token ids and outcome labels.
func clobPair(info *ClobMarketInfo) (toks, outs [2]string, ok bool) {
	if len(info.Tokens) != 2 {
		return toks, outs, false
	}
	for i, t := range info.Tokens {
		toks[i], outs[i] = string(t.TokenID), string(t.Outcome)
	}
	return toks, outs, true
}

// tokenIDOK reports whether s looks like a CTF position id: a decimal
// uint256 (1 to 78 digits).
func tokenIDOK(s string) bool {
	if len(s) == 0 || len(s) > 78 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func clobField(info *ClobMarketInfo, f func(*ClobMarketInfo) Decimal) string {
	if info == nil {
		return "(not fetched)"
	}
	return decText(f(info))
}

func decText(d Decimal) string {
	if !d.Present() {
		return "missing"
	}
	return string(d)
}

func malformedText(bad bool) string {
	if bad {
		return " (malformed)"
	}
	return ""
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func sortStrings(s []string) { sort.Strings(s) }
