package bench

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	gmath "github.com/ethereum/go-ethereum/common/math"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/signer/core/apitypes"

	"github.com/hotpath/hotpath/sign"
)

// Baseline does the work of Pipeline the way a typical bot does it. Every
// choice below is the common one in open-source Polymarket bots built on
// py-clob-client / @polymarket/clob-client(-v2), translated to idiomatic
// Go; nothing is made slower on purpose, and it does less than Pipeline
// (no book-hash verification, no integrity checks, no fee or depth walk).
//
//   - Messages are decoded with encoding/json into structs (the clients and
//     most bots json.loads / JSON.parse every frame into objects).
//   - A book is a map from the price string to a float64 size per side, the
//     `dict` the official Python client's order-book helpers and most bots
//     keep; a size of 0 deletes the level.
//   - The best ask is found by sorting the levels, as bots do with
//     sorted(asks, key=float) on each update.
//   - The basket test is a float sum of best asks compared with 1 − margin.
//   - Each order is built and signed at decision time, as createOrder does:
//     float amount rounding (round_down / round_up helpers), a random
//     salt, EIP-712 hashing through go-ethereum's generic typed-data
//     encoder (apitypes.TypedDataAndHash, the Go equivalent of ethers'
//     _signTypedData / eth_account's encode_typed_data) and crypto.Sign.
//   - The POST /orders body is encoding/json of the order structs.
//   - L2 HMAC: decode the secret and create a fresh hmac.New per request
//     (py-clob-client's build_hmac_signature does exactly this).
//   - The request is an http.Request written by net/http (req.Write, what
//     the transport does on a warm connection) into the sink.
type Baseline struct {
	books   map[string]*mapBook // token id → book
	eventOf map[string]int
	events  [][]string // token ids per event
	key     *ecdsa.PrivateKey
	addr    common.Address
	domain  apitypes.TypedDataDomain
	apiKey  string
	pass    string
	secret  string
	url     string
	rng     *rand.Rand

	Margin    float64 // per set, dollars [0.001, as Pipeline]
	MaxShares float64 // [1000, as Pipeline]
	Ladder    []float64

	Sink io.Writer // [io.Discard]
	// LastRecv and LastWire are the frame's receive time and when its last
	// basket's request was written.
	LastRecv, LastWire time.Time
	// LastOrders are the orders of the last basket written.
	LastOrders []BaselineOrder
	Trades     int
}

type mapBook struct {
	bids, asks map[string]float64
}

// BaselineOrder is one order as the typical bot posts it (the
// clob-client's JSON field names and spellings).
type BaselineOrder struct {
	Salt          int64  `json:"salt"`
	Maker         string `json:"maker"`
	Signer        string `json:"signer"`
	TokenID       string `json:"tokenId"`
	MakerAmount   string `json:"makerAmount"`
	TakerAmount   string `json:"takerAmount"`
	Side          string `json:"side"`
	SignatureType int    `json:"signatureType"`
	Timestamp     string `json:"timestamp"`
	Expiration    string `json:"expiration"`
	Metadata      string `json:"metadata"`
	Builder       string `json:"builder"`
	Signature     string `json:"signature"`
}

type baselinePost struct {
	DeferExec bool          `json:"deferExec"`
	PostOnly  bool          `json:"postOnly"`
	Order     BaselineOrder `json:"order"`
	Owner     string        `json:"owner"`
	OrderType string        `json:"orderType"`
}

type wsLevel struct {
	Price string `json:"price"`
	Size  string `json:"size"`
}

type wsChange struct {
	AssetID string `json:"asset_id"`
	Price   string `json:"price"`
	Size    string `json:"size"`
	Side    string `json:"side"`
	Hash    string `json:"hash"`
	BestBid string `json:"best_bid"`
	BestAsk string `json:"best_ask"`
}

type wsMessage struct {
	EventType    string     `json:"event_type"`
	AssetID      string     `json:"asset_id"`
	Market       string     `json:"market"`
	Bids         []wsLevel  `json:"bids"`
	Asks         []wsLevel  `json:"asks"`
	PriceChanges []wsChange `json:"price_changes"`
	Timestamp    string     `json:"timestamp"`
	Hash         string     `json:"hash"`
}

var (
	baselineOrderTypes = []apitypes.Type{
		{Name: "salt", Type: "uint256"}, {Name: "maker", Type: "address"}, {Name: "signer", Type: "address"},
		{Name: "tokenId", Type: "uint256"}, {Name: "makerAmount", Type: "uint256"}, {Name: "takerAmount", Type: "uint256"},
		{Name: "side", Type: "uint8"}, {Name: "signatureType", Type: "uint8"}, {Name: "timestamp", Type: "uint256"},
		{Name: "metadata", Type: "bytes32"}, {Name: "builder", Type: "bytes32"},
	}
	baselineDomainTypes = []apitypes.Type{
		{Name: "name", Type: "string"}, {Name: "version", Type: "string"},
		{Name: "chainId", Type: "uint256"}, {Name: "verifyingContract", Type: "address"},
	}
)

const zero32 = "0x0000000000000000000000000000000000000000000000000000000000000000"

// NewBaseline builds the typical bot for m (its events and token ids),
// signing with key for the V2 neg-risk exchange on Polygon.
func NewBaseline(m *Market, key string) (*Baseline, error) {
	if key == "" {
		key = TestKey
	}
	k, err := crypto.HexToECDSA(trim0x(key))
	if err != nil {
		return nil, errors.New("bench: baseline key is not hex")
	}
	ex, err := sign.ExchangeFor(sign.ChainPolygon, 2, true, nil)
	if err != nil {
		return nil, err
	}
	b := &Baseline{books: map[string]*mapBook{}, eventOf: map[string]int{}, key: k, addr: crypto.PubkeyToAddress(k.PublicKey),
		domain: apitypes.TypedDataDomain{Name: "Polymarket CTF Exchange", Version: "2", ChainId: gmath.NewHexOrDecimal256(137),
			VerifyingContract: ex.Address.Hex()},
		apiKey: TestAPIKey, pass: TestPassphrase, secret: TestSecret, url: "https://clob.polymarket.com",
		rng: rand.New(rand.NewPCG(1, 2)), Margin: 0.001, MaxShares: 1000, Sink: io.Discard,
		Ladder: []float64{5, 10, 25, 50}}
	for e, ev := range m.Events {
		var ids []string
		for _, a := range ev.Legs {
			id := m.Reg.Info(a).TokenID
			ids = append(ids, id)
			b.eventOf[id] = e
			b.books[id] = &mapBook{bids: map[string]float64{}, asks: map[string]float64{}}
		}
		b.events = append(b.events, ids)
	}
	return b, nil
}

func trim0x(s string) string {
	if len(s) > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return s[2:]
	}
	return s
}

// Frame handles one message and returns the number of baskets written.
func (b *Baseline) Frame(msg []byte) (int, error) {
	b.LastRecv = time.Now()
	var m wsMessage
	if err := json.Unmarshal(msg, &m); err != nil {
		return 0, err
	}
	touched := map[int]bool{}
	switch m.EventType {
	case "book":
		bk, ok := b.books[m.AssetID]
		if !ok {
			return 0, nil
		}
		bk.bids, bk.asks = map[string]float64{}, map[string]float64{}
		for _, l := range m.Bids {
			s, _ := strconv.ParseFloat(l.Size, 64)
			bk.bids[l.Price] = s
		}
		for _, l := range m.Asks {
			s, _ := strconv.ParseFloat(l.Size, 64)
			bk.asks[l.Price] = s
		}
		touched[b.eventOf[m.AssetID]] = true
	case "price_change":
		for _, c := range m.PriceChanges {
			bk, ok := b.books[c.AssetID]
			if !ok {
				continue
			}
			side := bk.bids
			if c.Side == "SELL" {
				side = bk.asks
			}
			s, err := strconv.ParseFloat(c.Size, 64)
			if err != nil {
				return 0, err
			}
			if s == 0 {
				delete(side, c.Price)
			} else {
				side[c.Price] = s
			}
			touched[b.eventOf[c.AssetID]] = true
		}
	}
	n := 0
	for e := range touched {
		ok, err := b.check(e)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

type level struct{ price, size float64 }

// bestAsk sorts the asks and returns the lowest.
func bestAsk(asks map[string]float64) (level, bool) {
	lv := make([]level, 0, len(asks))
	for p, s := range asks {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil {
			continue
		}
		lv = append(lv, level{f, s})
	}
	if len(lv) == 0 {
		return level{}, false
	}
	sort.Slice(lv, func(i, j int) bool { return lv[i].price < lv[j].price })
	return lv[0], true
}

// check sums the event's best asks and trades the basket when it costs less
// than $1 − margin: size = the smallest best-ask size, capped and snapped
// down to the same ladder Pipeline uses, every leg at its best ask.
func (b *Baseline) check(e int) (bool, error) {
	ids := b.events[e]
	best := make([]level, len(ids))
	sum, depth := 0.0, math.Inf(1)
	for i, id := range ids {
		l, ok := bestAsk(b.books[id].asks)
		if !ok {
			return false, nil
		}
		best[i] = l
		sum += l.price
		depth = math.Min(depth, l.size)
	}
	if sum > 1-b.Margin {
		return false, nil
	}
	size := 0.0
	for _, r := range b.Ladder {
		if r <= math.Min(depth, b.MaxShares) && r > size {
			size = r
		}
	}
	if size == 0 {
		return false, nil
	}
	b.LastOrders = b.LastOrders[:0]
	posts := make([]baselinePost, 0, len(ids))
	for i, id := range ids {
		o, err := b.createOrder(id, best[i].price, size)
		if err != nil {
			return false, err
		}
		b.LastOrders = append(b.LastOrders, o)
		posts = append(posts, baselinePost{Order: o, Owner: b.apiKey, OrderType: "FOK"})
	}
	body, err := json.Marshal(posts)
	if err != nil {
		return false, err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sig, err := b.hmacSignature(ts, "POST", "/orders", string(body))
	if err != nil {
		return false, err
	}
	req, err := http.NewRequest(http.MethodPost, b.url+"/orders", bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(sign.HeaderAddress, b.addr.Hex())
	req.Header.Set(sign.HeaderSignature, sig)
	req.Header.Set(sign.HeaderTimestamp, ts)
	req.Header.Set(sign.HeaderAPIKey, b.apiKey)
	req.Header.Set(sign.HeaderPassphrase, b.pass)
	if err := req.Write(b.Sink); err != nil {
		return false, err
	}
	b.LastWire = time.Now()
	b.Trades++
	return true, nil
}

func roundDown(x float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Floor(x*p) / p
}

func roundUp(x float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Ceil(x*p) / p
}

func decimalPlaces(x float64) int {
	s := strconv.FormatFloat(x, 'f', -1, 64)
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return len(s) - i - 1
		}
	}
	return 0
}

// createOrder is the client's market BUY: amount = size × price in USDC,
// maker = amount rounded down to 2 decimals, taker = maker / price fixed to
// 4 decimals (round up to 8, then down to 4), both × 1e6; then EIP-712
// typed-data hashing and an ECDSA signature.
func (b *Baseline) createOrder(tokenID string, price, size float64) (BaselineOrder, error) {
	maker := roundDown(size*price, 2)
	taker := maker / price
	if decimalPlaces(taker) > 4 {
		taker = roundDown(roundUp(taker, 8), 4)
	}
	now := time.Now().UnixMilli()
	o := BaselineOrder{
		Salt:          int64(math.Round(b.rng.Float64() * float64(now))),
		Maker:         b.addr.Hex(),
		Signer:        b.addr.Hex(),
		TokenID:       tokenID,
		MakerAmount:   strconv.FormatInt(int64(math.Round(maker*1e6)), 10),
		TakerAmount:   strconv.FormatInt(int64(math.Round(taker*1e6)), 10),
		Side:          "BUY",
		SignatureType: 0,
		Timestamp:     strconv.FormatInt(now, 10),
		Expiration:    "0",
		Metadata:      zero32,
		Builder:       zero32,
	}
	td := apitypes.TypedData{
		Types:       apitypes.Types{"EIP712Domain": baselineDomainTypes, "Order": baselineOrderTypes},
		PrimaryType: "Order",
		Domain:      b.domain,
		Message: apitypes.TypedDataMessage{
			"salt": big.NewInt(o.Salt).String(), "maker": o.Maker, "signer": o.Signer, "tokenId": o.TokenID,
			"makerAmount": o.MakerAmount, "takerAmount": o.TakerAmount, "side": "0", "signatureType": "0",
			"timestamp": o.Timestamp, "metadata": o.Metadata, "builder": o.Builder,
		},
	}
	digest, _, err := apitypes.TypedDataAndHash(td)
	if err != nil {
		return o, fmt.Errorf("bench: typed data: %w", err)
	}
	sig, err := crypto.Sign(digest, b.key)
	if err != nil {
		return o, err
	}
	sig[64] += 27
	o.Signature = hexutil.Encode(sig)
	return o, nil
}

// hmacSignature is build_hmac_signature: decode the secret, a fresh HMAC,
// URL-safe base64.
func (b *Baseline) hmacSignature(ts, method, path, body string) (string, error) {
	key, err := base64.URLEncoding.DecodeString(b.secret)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(ts + method + path + body))
	return base64.URLEncoding.EncodeToString(mac.Sum(nil)), nil
}
