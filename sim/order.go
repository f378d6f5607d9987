package sim

import (
	"bytes"
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/hotpath/hotpath/book"
)

// orderJSON is the wire form of a signed order (protocol.md §5.1). V1-only
// keys are captured so that a V1-shaped order is told apart.
type orderJSON struct {
	Salt          json.Number     `json:"salt"`
	Maker         string          `json:"maker"`
	Signer        string          `json:"signer"`
	Taker         json.RawMessage `json:"taker"`
	Nonce         json.RawMessage `json:"nonce"`
	FeeRateBps    json.RawMessage `json:"feeRateBps"`
	TokenID       string          `json:"tokenId"`
	MakerAmount   string          `json:"makerAmount"`
	TakerAmount   string          `json:"takerAmount"`
	Side          string          `json:"side"`
	SignatureType json.Number     `json:"signatureType"`
	Timestamp     json.RawMessage `json:"timestamp"`
	Expiration    json.RawMessage `json:"expiration"`
	Metadata      string          `json:"metadata"`
	Builder       string          `json:"builder"`
	Signature     string          `json:"signature"`
}

// orderEnvelope is the POST /order body.
type orderEnvelope struct {
	Order     *orderJSON `json:"order"`
	Owner     string     `json:"owner"`
	OrderType string     `json:"orderType"`
	DeferExec bool       `json:"deferExec"`
	PostOnly  bool       `json:"postOnly"`
}

// PrecisionRule picks a reading of the UNCERTAIN marketable-order precision
// rule (protocol.md §5.4, §5.7).
type PrecisionRule int

const (
	// PrecisionByTick: maker amount ≤ 2 decimals, taker amount ≤ the tick's
	// ROUNDING_CONFIG amount decimals (4 at tick 0.01). The default.
	PrecisionByTick PrecisionRule = iota
	// PrecisionFixed4: taker amount ≤ 4 decimals whatever the tick.
	PrecisionFixed4
	// PrecisionOff: no precision check.
	PrecisionOff
)

// amountDecimals is the ROUNDING_CONFIG amount column (protocol.md §7.6).
func amountDecimals(t book.Tick) int {
	switch t {
	case book.Tick0_1:
		return 3
	case book.Tick0_01:
		return 4
	case book.Tick0_005, book.Tick0_001:
		return 5
	default:
		return 6
	}
}

// Wallet is a funder wallet whose orders other EOAs may sign: Kind 1 (proxy)
// or 2 (Safe) with maker = wallet and signer = an owner, or Kind 3 (deposit
// wallet, POLY_1271) with maker = signer = wallet and the inner signature
// by an owner.
type Wallet struct {
	Kind   int
	Owners []common.Address
}

// parsedOrder is a decoded, signature-checked order awaiting the locked
// checks.
type parsedOrder struct {
	env      *orderEnvelope
	id       string
	m        *Market
	yes      bool
	side     Side
	maker    common.Address
	makerAmt int64
	takerAmt int64
	typ      OrderType
	exp      int64
}

// errPayload is the venue's rejection of a body it cannot read.
var errPayload error = &errReject{ErrMsgPayload}

func decodeUint(s string) (int64, bool) {
	if s == "" || len(s) > 15 { // ≤ 1e9 shares or dollars
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// rawString accepts a JSON string or number and returns its text.
func rawString(r json.RawMessage) (string, bool) {
	r = bytes.TrimSpace(r)
	if len(r) == 0 || string(r) == "null" {
		return "", true
	}
	if r[0] == '"' {
		var s string
		if json.Unmarshal(r, &s) != nil {
			return "", false
		}
		return s, true
	}
	var n json.Number
	if json.Unmarshal(r, &n) != nil {
		return "", false
	}
	return n.String(), true
}

func present(r json.RawMessage) bool {
	r = bytes.TrimSpace(r)
	return len(r) > 0 && string(r) != "null"
}

// parseOrder decodes and authenticates one order envelope for the API key
// k. It runs without the exchange lock (signature recovery is the slow
// part); market identity fields it reads never change.
func (s *Server) parseOrder(env *orderEnvelope, k *apiKey) (*parsedOrder, error) {
	o := env.Order
	if o == nil {
		return nil, errPayload
	}
	if present(o.Taker) || present(o.Nonce) || present(o.FeeRateBps) {
		return nil, reject(ErrMsgVersion)
	}
	if env.Owner != k.Key {
		return nil, reject(ErrMsgOwner)
	}
	typ := OrderType(strings.ToUpper(env.OrderType))
	if env.OrderType == "" {
		typ = GTC
	}
	switch typ {
	case GTC, GTD, FOK, FAK:
	default:
		return nil, errPayload
	}
	if env.PostOnly && (typ == FOK || typ == FAK) {
		return nil, errPayload
	}
	var side Side
	switch strings.ToUpper(o.Side) {
	case "BUY":
		side = Buy
	case "SELL":
		side = Sell
	default:
		return nil, errPayload
	}
	salt, err := strconv.ParseUint(o.Salt.String(), 10, 64)
	if err != nil || salt > 1<<53-1 {
		return nil, errPayload
	}
	st, err := strconv.Atoi(o.SignatureType.String())
	if err != nil || st < 0 || st > 3 {
		return nil, errPayload
	}
	makerAmt, ok1 := decodeUint(o.MakerAmount)
	takerAmt, ok2 := decodeUint(o.TakerAmount)
	if !ok1 || !ok2 || makerAmt == 0 || takerAmt == 0 {
		return nil, errPayload
	}
	ts, ok := rawString(o.Timestamp)
	if !ok || ts == "" {
		return nil, errPayload
	}
	if _, ok := decodeUint(ts); !ok {
		return nil, errPayload
	}
	expS, ok := rawString(o.Expiration)
	if !ok {
		return nil, errPayload
	}
	var exp int64
	if expS != "" {
		if exp, ok = decodeUint(expS); !ok {
			return nil, errPayload
		}
	}
	if !common.IsHexAddress(o.Maker) || !common.IsHexAddress(o.Signer) {
		return nil, errPayload
	}
	for _, b := range []string{o.Metadata, o.Builder} {
		if b != "" && (len(b) != 66 || validHex(strings.TrimPrefix(b, "0x")) != nil || !strings.HasPrefix(b, "0x")) {
			return nil, errPayload
		}
	}
	sig, err := decodeHex(o.Signature)
	if err != nil {
		return nil, reject(ErrMsgSignature)
	}
	if _, ok := new(big.Int).SetString(o.TokenID, 10); !ok || o.TokenID[0] == '-' || o.TokenID[0] == '+' {
		return nil, reject(ErrMsgInvalidTokenID)
	}
	m, yes, found := s.x.MarketByToken(o.TokenID)
	if !found {
		return nil, reject(ErrMsgInvalidTokenID)
	}
	maker, signer := common.HexToAddress(o.Maker), common.HexToAddress(o.Signer)
	// the API key's address signs (types 0-2) or owns the deposit wallet (3)
	if signer != k.Address && !(st == 3 && s.ownsWallet(k.Address, signer)) {
		return nil, reject(ErrMsgSigner)
	}
	so := &SignedOrder{
		Salt: o.Salt.String(), Maker: o.Maker, Signer: o.Signer, TokenID: o.TokenID,
		MakerAmount: o.MakerAmount, TakerAmount: o.TakerAmount, Side: int(side), SignatureType: st,
		Timestamp: ts, Metadata: o.Metadata, Builder: o.Builder, Signature: sig,
	}
	d := ExchangeDomain(o.TokenID, m.NegRisk, s.cfg.ChainID)
	hash, eoa, err := VerifyOrder(so, d)
	if err != nil {
		return nil, reject(ErrMsgSignature)
	}
	switch st {
	case 0:
		if eoa != signer || maker != signer {
			return nil, reject(ErrMsgSignature)
		}
	case 1, 2:
		if eoa != signer || (maker != signer && !s.walletKind(maker, signer, st)) {
			return nil, reject(ErrMsgSignature)
		}
	case 3:
		if maker != signer || !s.ownsWallet(eoa, signer) {
			return nil, reject(ErrMsgSignature)
		}
	}
	return &parsedOrder{env: env, id: "0x" + common.Bytes2Hex(hash[:]), m: m, yes: yes, side: side,
		maker: maker, makerAmt: makerAmt, takerAmt: takerAmt, typ: typ, exp: exp}, nil
}

func (s *Server) walletKind(wallet, owner common.Address, kind int) bool {
	w, ok := s.cfg.Wallets[wallet]
	if !ok || w.Kind != kind {
		return false
	}
	for _, o := range w.Owners {
		if o == owner {
			return true
		}
	}
	return false
}

func (s *Server) ownsWallet(owner, wallet common.Address) bool {
	return owner == wallet || s.walletKind(wallet, owner, 3)
}

// priceRules derives the order's limit price and size from its amounts and
// applies the tick, size, minimum and precision rules. Locked (the tick
// may change).
func (s *Server) priceRules(p *parsedOrder) (price book.Price, size book.Size, err error) {
	t := p.m.Tick
	var num, den int64 // price = num/den
	if p.side == Buy {
		num, den, size = p.makerAmt, p.takerAmt, book.Size(p.takerAmt)
	} else {
		num, den, size = p.takerAmt, p.makerAmt, book.Size(p.makerAmt)
	}
	tickErr := func() error {
		shown := book.Price(new(big.Int).Quo(new(big.Int).Mul(big.NewInt(num), big.NewInt(book.Scale)), big.NewInt(den)).Int64())
		return reject("order " + p.id + " is invalid. Price (" + shown.String() + ") breaks minimum tick size rule: " + t.String())
	}
	if num > den { // price above 1
		return 0, 0, tickErr()
	}
	marketable := p.typ == FOK || p.typ == FAK
	n := new(big.Int).Mul(big.NewInt(num), big.NewInt(book.Scale))
	if !marketable {
		q, r := new(big.Int).QuoRem(n, big.NewInt(den), new(big.Int))
		price = book.Price(q.Int64())
		if r.Sign() != 0 || !price.Tradeable(t) {
			return 0, 0, tickErr()
		}
		if size < p.m.MinSize {
			return 0, 0, reject("order " + p.id + " is invalid. Size (" + size.String() + ") lower than the minimum: " + p.m.MinSize.String())
		}
		return price, size, nil
	}
	// Marketable: the amounts carry the client's rounding (taker rounded to
	// the amount decimals), so the implied price sits just off the grid. Snap
	// to the nearest grid point; more than a tenth of a tick away is off-grid.
	// The limit becomes that grid price.
	tick := int64(t)
	micro := new(big.Int).Quo(n, big.NewInt(den)).Int64() // floor, ≤ 1e6 since num ≤ den
	g := (2*micro + tick) / (2 * tick) * tick             // nearest multiple of tick (half up)
	dev := new(big.Int).Sub(n, new(big.Int).Mul(big.NewInt(g), big.NewInt(den)))
	dev.Abs(dev)
	if dev.Cmp(new(big.Int).Mul(big.NewInt(tick/10), big.NewInt(den))) > 0 || !book.Price(g).Tradeable(t) {
		return 0, 0, tickErr()
	}
	// Never let the limit exceed what was signed: a BUY pays at most
	// makerAmount/takerAmount per share, a SELL gets at least
	// takerAmount/makerAmount. The official clients round so that g already
	// satisfies this; other roundings get the next grid price inward.
	if c := n.Cmp(new(big.Int).Mul(big.NewInt(g), big.NewInt(den))); p.side == Buy && c < 0 {
		g -= tick
	} else if p.side == Sell && c > 0 {
		g += tick
	}
	if !book.Price(g).Tradeable(t) {
		return 0, 0, tickErr()
	}
	price = book.Price(g)
	if s.cfg.Precision != PrecisionOff {
		a := amountDecimals(t)
		if s.cfg.Precision == PrecisionFixed4 {
			a = 4
		}
		unit := int64(1)
		for i := a; i < 6; i++ {
			unit *= 10
		}
		if p.makerAmt%10_000 != 0 || p.takerAmt%unit != 0 {
			which := "market buy orders"
			if p.side == Sell {
				which = "sell orders"
			}
			return 0, 0, reject("invalid amounts, the " + which + " maker amount supports a max accuracy of 2 decimals, taker amount a max of " + strconv.Itoa(a) + " decimals")
		}
	}
	notional := p.makerAmt
	if p.side == Sell {
		notional = p.takerAmt
	}
	if notional < s.cfg.MinMarketableNotional {
		return 0, 0, reject("invalid amount for a marketable " + p.side.String() + " order ($" + book.Size(notional).String() + "), min size: $" + book.Size(s.cfg.MinMarketableNotional).String())
	}
	return price, size, nil
}

// place runs the locked checks and matching for a parsed order.
func (s *Server) place(p *parsedOrder, k *apiKey) (Result, error) {
	x := s.x
	x.mu.Lock()
	defer x.mu.Unlock()
	price, size, err := s.priceRules(p)
	if err != nil {
		return Result{}, err
	}
	if p.typ == GTD && p.exp <= x.now().Unix()+60 {
		return Result{}, reject(ErrMsgExpiration)
	}
	o := &Order{
		ID: p.id, Market: p.m, Token: p.m.token(p.yes), Yes: p.yes, Side: p.side, Price: price, Size: size,
		Type: p.typ, Owner: k.Key, Maker: p.maker, Expiration: p.exp,
	}
	return x.submit(o, p.env.PostOnly)
}

// PlaceBot places an order for one of the sim's own accounts without a
// signature or funds check (scenario makers and takers). It returns the
// order id.
func (x *Exchange) PlaceBot(addr common.Address, token string, side Side, price book.Price, size book.Size, typ OrderType) (string, Result, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	r, ok := x.byToken[token]
	if !ok {
		return "", Result{}, reject(ErrMsgInvalidTokenID)
	}
	if !price.Tradeable(r.m.Tick) || size <= 0 {
		return "", Result{}, reject("order is invalid. Price (" + price.String() + ") breaks minimum tick size rule: " + r.m.Tick.String())
	}
	o := &Order{ID: x.newID("bot"), Market: r.m, Token: token, Yes: r.yes, Side: side, Price: price, Size: size,
		Type: typ, Maker: addr, Bot: true, Owner: ""}
	res, err := x.submit(o, false)
	return o.ID, res, err
}

// expireGTD cancels GTD orders whose expiration passed. Locked by caller.
func (x *Exchange) expireGTD(now time.Time) {
	for _, o := range x.orders {
		if o.Type == GTD && o.Status == StatusLive && o.Expiration > 0 && o.Expiration <= now.Unix() {
			x.cancelLocked("", o.ID)
		}
	}
}
