package feed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/feed/capture"
	"github.com/valyala/fastjson"
)

// VerifyOptions are the market fields a WS message lacks but the hash
// covers, used for an asset until a REST /book line for it has been seen.
type VerifyOptions struct {
	MinOrderSize string // e.g. "5"
	TickSize     string // e.g. "0.01"
	NegRisk      bool
}

// VerifySummary counts what Verify saw.
type VerifySummary struct {
	Messages  int // JSON messages (or capture records) processed
	Skipped   int // input lines that are not JSON (labels)
	Checked   int // hashes compared
	Matched   int
	Unchecked int // hashes that could not be compared (no snapshot yet, 64-hex)
	Decoder   Counts
	Integrity IntegrityStats
}

// Mismatched is Checked − Matched.
func (s *VerifySummary) Mismatched() int { return s.Checked - s.Matched }

// Verify reads newline-delimited messages (raw WS frame texts, REST GET /book
// responses; non-JSON lines are labels and skipped) or a capture file
// (recognised by its magic), applies them to books and, for every message
// carrying a hash, writes one JSON line to out:
//
//	{"asset_id":"…","timestamp":"…","hash":"…","computed":"…","match":true,"layout":"layout9"}
//
// Hashes that cannot be compared get "computed":null,"match":null and a
// "skipped" reason. Market fields for layouts 9/10 come from the latest
// preceding REST /book line of the asset, else from opts, else from the
// first REST /book line of the asset later in the input.
func Verify(in io.Reader, opts VerifyOptions, out io.Writer) (VerifySummary, error) {
	var sum VerifySummary
	data, err := io.ReadAll(in)
	if err != nil {
		return sum, fmt.Errorf("verify: read input: %w", err)
	}
	var msgs [][]byte
	if capture.IsCapture(data) {
		cr, err := capture.NewReader(bytes.NewReader(data))
		if err != nil {
			return sum, fmt.Errorf("verify: %w", err)
		}
		defer cr.Close()
		for {
			_, m, err := cr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return sum, fmt.Errorf("verify: %w", err)
			}
			msgs = append(msgs, append([]byte(nil), m...))
		}
	} else {
		for line := range bytes.SplitSeq(data, []byte{'\n'}) {
			line = trimSpace(line)
			if len(line) == 0 {
				continue
			}
			if line[0] != '{' && line[0] != '[' {
				sum.Skipped++
				continue
			}
			msgs = append(msgs, line)
		}
	}

	// Pass 1: every asset id mentioned, and the first REST metadata of each.
	reg := book.NewRegistry()
	type restMeta struct {
		min, tick []byte
		negRisk   bool
	}
	later := map[string]restMeta{}
	var p fastjson.Parser
	add := func(id, market []byte) {
		if len(id) == 0 {
			return
		}
		if _, ok := reg.Lookup(id); ok {
			return
		}
		info := book.AssetInfo{TokenID: string(id), Market: string(market)}
		if t, err := book.ParseTick([]byte(opts.TickSize)); err == nil {
			info.Tick = t
		}
		_, _ = reg.Add(info)
	}
	var visit func(v *fastjson.Value)
	visit = func(v *fastjson.Value) {
		switch v.Type() {
		case fastjson.TypeArray:
			a, _ := v.Array()
			for _, e := range a {
				visit(e)
			}
		case fastjson.TypeObject:
			market := v.GetStringBytes("market")
			add(v.GetStringBytes("asset_id"), market)
			for _, c := range v.GetArray("price_changes") {
				add(c.GetStringBytes("asset_id"), market)
			}
			if v.Get("event_type") == nil && v.Get("bids") != nil {
				id := string(v.GetStringBytes("asset_id"))
				if _, seen := later[id]; !seen && id != "" {
					later[id] = restMeta{min: metaText(v.Get("min_order_size")), tick: metaText(v.Get("tick_size")), negRisk: v.GetBool("neg_risk")}
				}
			}
		}
	}
	for _, m := range msgs {
		if v, err := p.ParseBytes(m); err == nil {
			visit(v)
		}
	}

	// Pass 2: apply, verify, report.
	var line []byte
	calls := 0
	integ := NewIntegrity(IntegrityConfig{Registry: reg, Hash: HashAll, CheckEveryEntry: true,
		OnHash: func(e *Event, computed [20]byte, l book.HashLayout, match bool) {
			calls++
			sum.Checked++
			if match {
				sum.Matched++
			}
			line = appendVerifyLine(line[:0], reg, e, &computed, l, match, "")
			_, _ = out.Write(line)
		}})
	for i := range reg.Len() {
		a := book.AssetIndex(i)
		id := reg.Info(a).TokenID
		if opts.MinOrderSize != "" || opts.TickSize != "" {
			integ.SetMeta(a, []byte(opts.MinOrderSize), []byte(opts.TickSize), opts.NegRisk)
		} else if m, ok := later[id]; ok {
			integ.SetMeta(a, m.min, m.tick, m.negRisk)
		}
	}
	dec := NewDecoder(reg, 0)
	for _, m := range msgs {
		sum.Messages++
		var evs []Event
		if v, err := p.ParseBytes(m); err == nil && v.Type() == fastjson.TypeObject && v.Get("event_type") == nil && v.Get("bids") != nil {
			var meta RESTBook
			var ok bool
			evs, meta, ok = dec.DecodeRESTBook(m, 0)
			if ok {
				integ.SetMeta(meta.Asset, meta.MinOrderSize, meta.TickSize, meta.NegRisk)
				if len(meta.LastTradePrice) > 0 {
					integ.SetLastTradePrice(meta.Asset, meta.LastTradePrice)
				}
			}
		} else {
			evs = dec.Decode(m, 0)
		}
		for i := range evs {
			e := &evs[i]
			before := calls
			integ.Apply(e)
			if e.Flags&(FlagHash|FlagHashUnverifiable) != 0 && calls == before &&
				(e.Kind == KindBookEnd || e.Kind == KindLevel && e.Flags&FlagSnapshot == 0) {
				why := "no valid book (no snapshot yet, or excluded since)"
				if e.Flags&FlagHashUnverifiable != 0 {
					why = "hash length not 40 hex digits"
				}
				sum.Unchecked++
				line = appendVerifyLine(line[:0], reg, e, nil, 0, false, why)
				_, _ = out.Write(line)
			}
		}
	}
	sum.Decoder = dec.Counts()
	sum.Integrity = integ.Stats()
	if sum.Messages == 0 {
		return sum, errors.New("verify: no JSON messages in the input")
	}
	return sum, nil
}

// metaText copies a string or number literal (REST fields); nil if absent.
func metaText(v *fastjson.Value) []byte {
	if v == nil {
		return nil
	}
	switch v.Type() {
	case fastjson.TypeString:
		return append([]byte(nil), v.GetStringBytes()...)
	case fastjson.TypeNumber:
		return v.MarshalTo(nil)
	}
	return nil
}

func appendVerifyLine(b []byte, reg *book.Registry, e *Event, computed *[20]byte, l book.HashLayout, match bool, skipped string) []byte {
	b = append(b, `{"asset_id":`...)
	b = strconv.AppendQuote(b, reg.Info(e.Asset).TokenID)
	b = append(b, `,"timestamp":"`...)
	b = strconv.AppendInt(b, e.VenueMs, 10)
	b = append(b, `","hash":`...)
	if e.Flags&FlagHash != 0 {
		b = append(b, '"')
		b = book.AppendHashHex(b, &e.Hash)
		b = append(b, '"')
	} else {
		b = append(b, "null"...)
	}
	if computed == nil {
		b = append(b, `,"computed":null,"match":null,"skipped":`...)
		b = strconv.AppendQuote(b, skipped)
		return append(b, "}\n"...)
	}
	b = append(b, `,"computed":"`...)
	b = book.AppendHashHex(b, computed)
	b = append(b, `","match":`...)
	b = strconv.AppendBool(b, match)
	if match {
		b = append(b, `,"layout":"`...)
		b = append(b, l.String()...)
		b = append(b, '"')
	}
	return append(b, "}\n"...)
}
