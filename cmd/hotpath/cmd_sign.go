package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/sign"
)

func init() {
	register(&command{
		name:    "sign",
		summary: "sign orders, compute amounts, L1/L2 auth exactly like Polymarket's client",
		run:     runSign,
	})
}

const signHelp = `
Reads one JSON object, or an array of them, from FILE (or stdin when FILE is
absent or "-") and writes one JSON result per object (an array for an array).
Field names and formats follow Polymarket's own client: camelCase; amounts are
decimal strings in 1e-6 units; numbers may be JSON numbers or strings.

Operations ("op"):
  order    sign a V2/V3 order as given.
           in:  chainId (137|80002), version (2|3, default 2), negRisk, or
                exchange (a verifyingContract address), privateKey, maker,
                signer, signatureType (0 EOA, 1 proxy, 2 Safe, 3 POLY_1271),
                salt, tokenId, makerAmount, takerAmount, side (BUY|SELL),
                timestamp (ms), metadata, builder, expiration;
                body options: owner, orderType (default GTC), postOnly, deferExec
           out: exchangeAddress, domainSeparator, structHash, orderHash,
                signature, body (the POST /order body, byte for byte)
  build    compute the amounts from price and size like the client's
           createOrder (kind "limit": size in shares) or createMarketOrder
           (kind "market": amount = USDC for BUY, shares for SELL), then sign.
           in:  kind, price, size|amount, side, tickSize, plus the order fields
           out: makerAmount, takerAmount, exchangeAddress, orderHash,
                signature, order, body
  amounts  in:  kind, side, price, size|amount, tickSize
           out: makerAmount, takerAmount, priceValid (on the tick grid and
                within [tick, 1-tick])
  l2       in:  secret, timestamp, method, path, body   out: signature
  l1       in:  privateKey, chainId, timestamp, nonce   out: address, signature

Defaults: maker = the key's address (or funder); signer = the key's address,
or the maker for signatureType 3; salt random (<= 2^53-1); timestamp now (ms);
metadata and builder zero. Without "privateKey" the configured signer is used:
HOTPATH_PRIVATE_KEY, or the keystore (--keystore or HOTPATH_KEYSTORE) with its
passphrase in HOTPATH_KEYSTORE_PASSWORD or the file
HOTPATH_KEYSTORE_PASSWORD_FILE. Keys are never printed.

A bad object yields {"error":"..."} in its place; the exit status is then 1.

Example:
  echo '{"op":"build","kind":"market","side":"BUY","price":"0.56","amount":"100",
         "tickSize":"0.01","chainId":137,"negRisk":true,"salt":1,
         "timestamp":1710000000000,"tokenId":"1234"}' | hotpath sign
  echo '{"op":"amounts","kind":"limit","side":"BUY","price":0.56,"size":21.04,"tickSize":"0.01"}' | hotpath sign`

// num is a JSON number or a string holding one, kept as text.
type num string

func (n *num) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*n = num(s)
		return nil
	}
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	var x json.Number
	if err := json.Unmarshal(b, &x); err != nil {
		return errors.New("expected a number or a string")
	}
	*n = num(x)
	return nil
}

func (n num) uint(name string) (uint64, error) {
	v, err := strconv.ParseUint(string(n), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not an unsigned integer", name, string(n))
	}
	return v, nil
}

func (n num) float(name string) (float64, error) {
	v, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a number", name, string(n))
	}
	return v, nil
}

// signReq is the union of every operation's fields.
type signReq struct {
	Op string `json:"op"`
	// identity and order
	ChainID       num     `json:"chainId"`
	Version       num     `json:"version"`
	PrivateKey    *string `json:"privateKey"`
	Maker         string  `json:"maker"`
	Funder        string  `json:"funder"`
	Signer        string  `json:"signer"`
	SignatureType num     `json:"signatureType"`
	NegRisk       bool    `json:"negRisk"`
	Exchange      string  `json:"exchange"`
	Salt          num     `json:"salt"`
	TokenID       num     `json:"tokenId"`
	MakerAmount   num     `json:"makerAmount"`
	TakerAmount   num     `json:"takerAmount"`
	Side          num     `json:"side"`
	Timestamp     num     `json:"timestamp"`
	Metadata      string  `json:"metadata"`
	Builder       string  `json:"builder"`
	Expiration    num     `json:"expiration"`
	Owner         string  `json:"owner"`
	OrderType     string  `json:"orderType"`
	PostOnly      bool    `json:"postOnly"`
	DeferExec     bool    `json:"deferExec"`
	// build / amounts
	Kind     string `json:"kind"`
	Price    num    `json:"price"`
	Size     num    `json:"size"`
	Amount   num    `json:"amount"`
	TickSize num    `json:"tickSize"`
	// l1 / l2
	Secret string  `json:"secret"`
	Method string  `json:"method"`
	Path   string  `json:"path"`
	Body   *string `json:"body"`
	Nonce  num     `json:"nonce"`
}

type orderOut struct {
	Salt          uint64 `json:"salt"`
	Maker         string `json:"maker"`
	Signer        string `json:"signer"`
	TokenID       string `json:"tokenId"`
	MakerAmount   string `json:"makerAmount"`
	TakerAmount   string `json:"takerAmount"`
	Side          string `json:"side"`
	SignatureType uint8  `json:"signatureType"`
	Timestamp     string `json:"timestamp"`
	Expiration    string `json:"expiration"`
	Metadata      string `json:"metadata"`
	Builder       string `json:"builder"`
	Signature     string `json:"signature"`
}

type signedOut struct {
	MakerAmount     string    `json:"makerAmount,omitempty"`
	TakerAmount     string    `json:"takerAmount,omitempty"`
	ExchangeAddress string    `json:"exchangeAddress"`
	DomainSeparator string    `json:"domainSeparator"`
	StructHash      string    `json:"structHash"`
	OrderHash       string    `json:"orderHash"`
	Signature       string    `json:"signature"`
	Order           *orderOut `json:"order,omitempty"`
	Body            string    `json:"body"`
}

type signEnv struct {
	keystore string
	getenv   func(string) string
	now      func() time.Time
	signer   *sign.Signer
	err      error
	loaded   bool
}

// configured returns the signer from the environment, loaded once.
func (e *signEnv) configured() (*sign.Signer, error) {
	if !e.loaded {
		e.signer, e.err = sign.SignerFromEnv(e.getenv, e.keystore)
		e.loaded = true
	}
	return e.signer, e.err
}

func (e *signEnv) signerFor(r *signReq) (*sign.Signer, error) {
	if r.PrivateKey != nil {
		return sign.NewSigner(*r.PrivateKey) // its error never echoes the key
	}
	return e.configured()
}

func runSign(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	keystorePath := fs.String("keystore", "", "go-ethereum keystore `FILE` for the configured signer (default $HOTPATH_KEYSTORE)")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fs.SetOutput(stdout)
			flagUsage("sign", "[--keystore FILE] [FILE|-]", signHelp, stdout, fs.PrintDefaults)()
			return 0
		}
		fmt.Fprintf(stderr, "hotpath sign: %v (see 'hotpath sign --help')\n", err)
		return 2
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(stderr, "hotpath sign: at most one input file, got %d arguments\n", fs.NArg())
		return 2
	}
	var in io.Reader = os.Stdin
	if fs.NArg() == 1 && fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			fmt.Fprintf(stderr, "hotpath sign: %v\n", err)
			return 1
		}
		defer f.Close()
		in = f
	}
	data, err := io.ReadAll(in)
	if err != nil {
		fmt.Fprintf(stderr, "hotpath sign: reading input: %v\n", err)
		return 1
	}
	env := &signEnv{keystore: *keystorePath, getenv: os.Getenv, now: time.Now}
	return signAll(data, env, stdout, stderr)
}

func signAll(data []byte, env *signEnv, stdout, stderr io.Writer) int {
	data = bytes.TrimSpace(data)
	var objs []json.RawMessage
	isArray := len(data) > 0 && data[0] == '['
	if isArray {
		if err := json.Unmarshal(data, &objs); err != nil {
			fmt.Fprintf(stderr, "hotpath sign: input is not a JSON array of objects: %v\n", err)
			return 1
		}
	} else {
		objs = []json.RawMessage{data}
	}
	results := make([]any, len(objs))
	failed := 0
	var firstErr error
	for i, raw := range objs {
		res, err := signOne(raw, env)
		if err != nil {
			if failed++; firstErr == nil {
				firstErr = err
			}
			res = map[string]string{"error": err.Error()}
		}
		results[i] = res
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	var werr error
	if isArray {
		werr = enc.Encode(results)
	} else {
		werr = enc.Encode(results[0])
	}
	if werr != nil {
		fmt.Fprintf(stderr, "hotpath sign: %v\n", werr)
		return 1
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "hotpath sign: %d of %d objects failed (see their \"error\" fields); first: %v\n", failed, len(objs), firstErr)
		return 1
	}
	return 0
}

func signOne(raw json.RawMessage, env *signEnv) (any, error) {
	var r signReq
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("bad request object: %v", err)
	}
	switch r.Op {
	case "order":
		return opOrder(&r, env, 0, 0, false)
	case "build":
		return opBuild(&r, env)
	case "amounts":
		return opAmounts(&r)
	case "l2":
		return opL2(&r)
	case "l1":
		return opL1(&r, env)
	case "":
		return nil, errors.New(`missing "op" (order, build, amounts, l2 or l1)`)
	}
	return nil, fmt.Errorf("unknown op %q (order, build, amounts, l2 or l1)", r.Op)
}

func parseAddress(name, s string) (common.Address, error) {
	if !common.IsHexAddress(s) {
		return common.Address{}, fmt.Errorf("%s: %q is not a 20-byte hex address", name, s)
	}
	return common.HexToAddress(s), nil
}

func parseBytes32(name, s string) ([32]byte, error) {
	var b [32]byte
	if s == "" {
		return b, nil
	}
	h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(h) != 64 {
		return b, fmt.Errorf("%s: want 32 bytes of hex", name)
	}
	for i := 0; i < 32; i++ {
		v, err := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		if err != nil {
			return b, fmt.Errorf("%s: not hex", name)
		}
		b[i] = byte(v)
	}
	return b, nil
}

func parseSide(n num) (uint8, error) {
	switch strings.ToUpper(string(n)) {
	case "BUY", "0":
		return sign.Buy, nil
	case "SELL", "1":
		return sign.Sell, nil
	}
	return 0, fmt.Errorf("side: %q is not BUY or SELL", string(n))
}

func uintOr(n num, name string, def uint64) (uint64, error) {
	if n == "" {
		return def, nil
	}
	return n.uint(name)
}

// opOrder signs an order; with haveAmounts the amounts come from build.
func opOrder(r *signReq, env *signEnv, maker, taker uint64, haveAmounts bool) (*signedOut, error) {
	s, err := env.signerFor(r)
	if err != nil {
		return nil, err
	}
	chain, err := r.ChainID.uint("chainId")
	if err != nil {
		return nil, err
	}
	version, err := uintOr(r.Version, "version", 2)
	if err != nil {
		return nil, err
	}
	var ex *sign.Exchange
	if r.Exchange != "" {
		addr, err := parseAddress("exchange", r.Exchange)
		if err != nil {
			return nil, err
		}
		if version < 1 || version > 3 {
			return nil, errors.New("version: want 1, 2 or 3")
		}
		ex = sign.NewExchange(sign.Version(version), chain, addr, r.NegRisk)
	} else if ex, err = sign.ExchangeFor(chain, int(version), r.NegRisk, nil); err != nil {
		return nil, err
	}
	if ex.Version == sign.V1 {
		return nil, errors.New("version 1 orders are legacy; hotpath signs V2 and V3")
	}
	st, err := uintOr(r.SignatureType, "signatureType", 0)
	if err != nil || st > 3 {
		return nil, errors.New("signatureType: want 0, 1, 2 or 3")
	}
	o := sign.Order{SignatureType: uint8(st), Maker: s.Address(), Signer: s.Address()}
	if r.Funder != "" {
		r.Maker = r.Funder
	}
	if r.Maker != "" {
		if o.Maker, err = parseAddress("maker", r.Maker); err != nil {
			return nil, err
		}
	}
	if o.SignatureType == sign.SigPoly1271 {
		o.Signer = o.Maker
	}
	if r.Signer != "" {
		if o.Signer, err = parseAddress("signer", r.Signer); err != nil {
			return nil, err
		}
	}
	if r.Salt == "" {
		o.Salt = uint64(env.now().UnixNano()) & sign.MaxSalt
	} else if o.Salt, err = r.Salt.uint("salt"); err != nil {
		return nil, err
	}
	if o.Salt > sign.MaxSalt {
		return nil, errors.New("salt: must be <= 2^53-1 (the venue parses it as a double)")
	}
	if r.TokenID == "" {
		return nil, errors.New("tokenId: missing")
	}
	if o.TokenID, err = sign.ParseTokenID(string(r.TokenID)); err != nil {
		return nil, fmt.Errorf("tokenId: %w", err)
	}
	if haveAmounts {
		o.MakerAmount, o.TakerAmount = maker, taker
	} else {
		if o.MakerAmount, err = r.MakerAmount.uint("makerAmount"); err != nil {
			return nil, err
		}
		if o.TakerAmount, err = r.TakerAmount.uint("takerAmount"); err != nil {
			return nil, err
		}
	}
	if o.Side, err = parseSide(r.Side); err != nil {
		return nil, err
	}
	if o.Timestamp, err = uintOr(r.Timestamp, "timestamp", uint64(env.now().UnixMilli())); err != nil {
		return nil, err
	}
	if o.Metadata, err = parseBytes32("metadata", r.Metadata); err != nil {
		return nil, err
	}
	if o.Builder, err = parseBytes32("builder", r.Builder); err != nil {
		return nil, err
	}
	if o.Expiration, err = uintOr(r.Expiration, "expiration", 0); err != nil {
		return nil, err
	}
	sig, err := s.SignOrder(ex, &o, nil)
	if err != nil {
		return nil, err
	}
	orderType := r.OrderType
	if orderType == "" {
		orderType = sign.GTC
	}
	envl := sign.Envelope{Owner: r.Owner, OrderType: orderType, PostOnly: r.PostOnly, DeferExec: r.DeferExec}
	sh := sign.StructHash(&o)
	d := ex.Digest(&o)
	return &signedOut{
		ExchangeAddress: ex.Address.Hex(),
		DomainSeparator: hex0x(ex.DomainSeparator[:]),
		StructHash:      hex0x(sh[:]),
		OrderHash:       hex0x(d[:]),
		Signature:       hex0x(sig),
		Body:            string(sign.AppendEnvelopeJSON(nil, &o, sig, &envl)),
		Order: &orderOut{
			Salt: o.Salt, Maker: string(sign.AppendAddress(nil, &o.Maker)), Signer: string(sign.AppendAddress(nil, &o.Signer)),
			TokenID: string(sign.AppendTokenID(nil, &o.TokenID)), MakerAmount: strconv.FormatUint(o.MakerAmount, 10),
			TakerAmount: strconv.FormatUint(o.TakerAmount, 10), Side: map[uint8]string{0: "BUY", 1: "SELL"}[o.Side],
			SignatureType: o.SignatureType, Timestamp: strconv.FormatUint(o.Timestamp, 10),
			Expiration: strconv.FormatUint(o.Expiration, 10), Metadata: hex0x(o.Metadata[:]), Builder: hex0x(o.Builder[:]),
			Signature: hex0x(sig),
		},
	}, nil
}

func hex0x(b []byte) string { return "0x" + string(sign.AppendHex(nil, b)) }

// officialAmounts runs the client's float algorithm (sign.Official…) on the
// request's price and size/amount.
func officialAmounts(r *signReq) (maker, taker uint64, tick book.Tick, price float64, err error) {
	tick, err = book.ParseTick([]byte(r.TickSize))
	if err != nil {
		return 0, 0, 0, 0, fmt.Errorf("tickSize: %q is not one of 0.1, 0.01, 0.005, 0.0025, 0.001, 0.0001", string(r.TickSize))
	}
	side, err := parseSide(r.Side)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	if price, err = r.Price.float("price"); err != nil {
		return 0, 0, 0, 0, err
	}
	switch r.Kind {
	case "limit":
		size, err := r.Size.float("size")
		if err != nil {
			return 0, 0, 0, 0, err
		}
		maker, taker, err = sign.OfficialLimitAmounts(side, size, price, tick)
		return maker, taker, tick, price, err
	case "market":
		amount, err := r.Amount.float("amount")
		if err != nil {
			return 0, 0, 0, 0, err
		}
		maker, taker, err = sign.OfficialMarketAmounts(side, amount, price, tick)
		return maker, taker, tick, price, err
	}
	return 0, 0, 0, 0, fmt.Errorf("kind: %q is not limit or market", r.Kind)
}

func opBuild(r *signReq, env *signEnv) (*signedOut, error) {
	maker, taker, tick, price, err := officialAmounts(r)
	if err != nil {
		return nil, err
	}
	if !sign.OfficialPriceValid(price, tick) {
		return nil, fmt.Errorf("invalid price (%s), min: %s - max: %s", string(r.Price), tick, book.One-book.Price(tick))
	}
	if r.Kind == "market" && r.OrderType == "" {
		r.OrderType = sign.FOK
	}
	out, err := opOrder(r, env, maker, taker, true)
	if err != nil {
		return nil, err
	}
	out.MakerAmount = strconv.FormatUint(maker, 10)
	out.TakerAmount = strconv.FormatUint(taker, 10)
	return out, nil
}

type amountsOut struct {
	MakerAmount string `json:"makerAmount"`
	TakerAmount string `json:"takerAmount"`
	PriceValid  bool   `json:"priceValid"`
}

func opAmounts(r *signReq) (*amountsOut, error) {
	maker, taker, tick, _, err := officialAmounts(r)
	if err != nil {
		return nil, err
	}
	p, perr := book.ParsePrice([]byte(r.Price))
	return &amountsOut{
		MakerAmount: strconv.FormatUint(maker, 10),
		TakerAmount: strconv.FormatUint(taker, 10),
		PriceValid:  perr == nil && sign.PriceValid(p, tick),
	}, nil
}

func opL2(r *signReq) (map[string]string, error) {
	if r.Secret == "" || r.Timestamp == "" || r.Method == "" || r.Path == "" {
		return nil, errors.New("l2 needs secret, timestamp, method and path (body optional)")
	}
	var body []byte
	if r.Body != nil {
		body = []byte(*r.Body)
	}
	sig, err := sign.L2Signature(r.Secret, string(r.Timestamp), r.Method, r.Path, body)
	if err != nil {
		return nil, err
	}
	return map[string]string{"signature": sig}, nil
}

func opL1(r *signReq, env *signEnv) (map[string]string, error) {
	s, err := env.signerFor(r)
	if err != nil {
		return nil, err
	}
	chain, err := r.ChainID.uint("chainId")
	if err != nil {
		return nil, err
	}
	ts := string(r.Timestamp)
	if ts == "" {
		ts = strconv.FormatInt(env.now().Unix(), 10)
	}
	nonce, err := uintOr(r.Nonce, "nonce", 0)
	if err != nil {
		return nil, err
	}
	h, err := s.L1Headers(chain, ts, nonce)
	if err != nil {
		return nil, err
	}
	return map[string]string{"address": h.Address, "signature": h.Signature, "timestamp": h.Timestamp, "nonce": h.Nonce}, nil
}
