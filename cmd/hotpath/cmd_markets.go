package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/market"
)

func init() {
	register(&command{
		name:    "markets",
		summary: "discover the tradeable universe and show why each event is in or out",
		run:     runMarkets,
	})
}

const marketsHelp = `
Discovers the universe hotpath would trade: pages Gamma's /events, reads each
candidate market's CLOB parameters (/clob-markets/{condition_id}: tick, minimum
size, neg-risk flag, fee model; Gamma fields are the fallback) and applies the
correctness gate. A neg-risk event is tradeable only when its basket is provably
complete: negRisk, not negRiskAugmented, no placeholder/Other market, question
ids 0..N-1 all listed, and every market active, open, accepting orders, with an
order book, two token ids, a valid tick, minimum size and a known fee model.

Prints the tradeable events (legs, ticks, fee rate, minimum size, and with
--books-from the sum of best asks of the YES and NO baskets against what they
pay) and every excluded event with its reason; --all adds every excluded
market. --json prints one JSON document instead.

Examples:
  hotpath markets
  hotpath markets --from-file events.json --all
  hotpath markets --from-file events.json --books-from books.json --json`

type marketsFlags struct {
	gamma, clob, fromFile, booksFrom string
	json, includeBinary, all, noClob bool
	pageSize                         int
	timeout                          time.Duration
}

func runMarkets(args []string, stdout, stderr io.Writer) int {
	var f marketsFlags
	fs := flag.NewFlagSet("markets", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported below as one line
	fs.StringVar(&f.gamma, "gamma", market.DefaultGammaURL, "Gamma API base `URL`")
	fs.StringVar(&f.clob, "clob", market.DefaultClobURL, "CLOB REST base `URL`")
	fs.StringVar(&f.fromFile, "from-file", "", "read a saved Gamma /events response from `FILE` instead of the network (CLOB info is then not fetched)")
	fs.StringVar(&f.booksFrom, "books-from", "", "REST /books response `FILE`: show the sum of best asks of each basket")
	fs.BoolVar(&f.json, "json", false, "print one JSON document")
	fs.BoolVar(&f.includeBinary, "include-binary", false, "also list binary YES+NO pairs of every tradeable market")
	fs.BoolVar(&f.all, "all", false, "also list every excluded market with its reason")
	fs.BoolVar(&f.noClob, "no-clob", false, "do not fetch CLOB market info; use Gamma fields only")
	fs.IntVar(&f.pageSize, "page-size", 100, "Gamma page size")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Minute, "give up on discovery after this long")
	fs.Usage = func() {} // the parse error itself is the one line; --help is handled below
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fs.SetOutput(stdout)
			flagUsage("markets", "[flags]", marketsHelp, stdout, fs.PrintDefaults)()
			return 0
		}
		fmt.Fprintf(stderr, "hotpath markets: %v (see 'hotpath markets --help')\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hotpath markets: unexpected argument %q\n", fs.Arg(0))
		return 2
	}

	u, source, err := loadUniverse(&f)
	if err != nil {
		fmt.Fprintf(stderr, "hotpath markets: %v\n", err)
		return 1
	}
	var tops map[string]market.BookTop
	if f.booksFrom != "" {
		data, err := os.ReadFile(f.booksFrom)
		if err != nil {
			fmt.Fprintf(stderr, "hotpath markets: %v\n", err)
			return 1
		}
		if tops, err = market.DecodeBookTops(data); err != nil {
			fmt.Fprintf(stderr, "hotpath markets: %s: %v\n", f.booksFrom, err)
			return 1
		}
	}
	if f.json {
		if err := writeMarketsJSON(stdout, u, source, tops); err != nil {
			fmt.Fprintf(stderr, "hotpath markets: %v\n", err)
			return 1
		}
		return 0
	}
	writeMarketsTable(stdout, u, tops, f.all)
	return 0
}

func loadUniverse(f *marketsFlags) (*market.Universe, string, error) {
	opt := market.Options{IncludeBinary: f.includeBinary}
	if f.fromFile != "" {
		data, err := os.ReadFile(f.fromFile)
		if err != nil {
			return nil, "", err
		}
		events, err := market.DecodeEvents(data)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", f.fromFile, err)
		}
		if isMarketsResponse(events, data) {
			// A /markets page may hold only some markets of an event, so a
			// basket built from it could be incomplete: refuse it.
			return nil, "", fmt.Errorf("%s holds Gamma /markets items; --from-file needs a /events response", f.fromFile)
		}
		return market.Build(events, opt), "file:" + f.fromFile, nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	c := market.NewClient(f.gamma, f.clob)
	u, err := c.Discover(ctx, market.DiscoverOptions{PageSize: f.pageSize, IncludeBinary: f.includeBinary, SkipClob: f.noClob})
	if err != nil {
		return nil, "", err
	}
	return u, c.GammaURL, nil
}

// isMarketsResponse reports whether a decoded "events" list is really a
// /markets response: no item has markets, and the items have condition ids.
func isMarketsResponse(events []market.Event, data []byte) bool {
	for _, e := range events {
		if len(e.Markets) > 0 {
			return false
		}
	}
	ms, err := market.DecodeMarkets(data)
	if err != nil {
		return false
	}
	for _, m := range ms {
		if m.ConditionID != "" {
			return true
		}
	}
	return false
}

// eventRow is one tradeable event in the table: its YES and NO baskets.
type eventRow struct {
	yes, no *market.Group
}

func writeMarketsTable(w io.Writer, u *market.Universe, tops map[string]market.BookTop, all bool) {
	var rows []eventRow
	var pairs []*market.Group
	byEvent := map[string]int{}
	for i := range u.Groups {
		g := &u.Groups[i]
		switch g.Kind {
		case market.KindYesBasket, market.KindNoBasket:
			j, ok := byEvent[g.EventID]
			if !ok {
				j = len(rows)
				byEvent[g.EventID] = j
				rows = append(rows, eventRow{})
			}
			if g.Kind == market.KindYesBasket {
				rows[j].yes = g
			} else {
				rows[j].no = g
			}
		case market.KindBinaryPair:
			pairs = append(pairs, g)
		}
	}

	fmt.Fprintf(w, "TRADEABLE EVENTS (%d)\n", len(rows))
	if len(rows) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  EVENT\tTITLE\tLEGS\tTICK\tFEE\tMIN SIZE\tYES Σask/pays\tNO Σask/pays\tSTATUS")
		for _, r := range rows {
			g := r.yes
			if g == nil {
				g = r.no
			}
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", g.EventID, clip(g.Title, 48), len(g.Legs),
				ticks(g), fees(g), minSizes(g), basketCost(r.yes, tops), basketCost(r.no, tops), "ok")
		}
		tw.Flush()
	}
	if len(pairs) > 0 {
		fmt.Fprintf(w, "\nBINARY PAIRS (%d)\n", len(pairs))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  EVENT\tMARKET\tQUESTION\tTICK\tFEE\tMIN SIZE\tΣask/pays")
		for _, g := range pairs {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", g.EventID, clip(g.Legs[0].Market, 14), clip(g.Title, 48),
				ticks(g), fees(g), minSizes(g), basketCost(g, tops))
		}
		tw.Flush()
	}

	var excluded []market.EventReport
	for _, e := range u.Events {
		if !e.Tradeable {
			excluded = append(excluded, e)
		}
	}
	fmt.Fprintf(w, "\nEXCLUDED EVENTS (%d)\n", len(excluded))
	details := map[string][]market.Exclusion{}
	var markets []market.Exclusion
	for _, x := range u.Exclusions {
		if x.Level == market.LevelEvent {
			details[x.EventID] = append(details[x.EventID], x)
		} else {
			markets = append(markets, x)
		}
	}
	for _, e := range excluded {
		codes := make([]string, len(e.Reasons))
		for i, r := range e.Reasons {
			codes[i] = r.String()
		}
		fmt.Fprintf(w, "  %s  %s  [%s]\n", orDash(e.ID), clip(e.Title, 60), strings.Join(codes, ","))
		for _, x := range details[e.ID] {
			fmt.Fprintf(w, "      %s: %s (%s)\n", x.Reason, x.Reason.Text(), clip(x.Detail, 200))
		}
	}
	switch {
	case all:
		fmt.Fprintf(w, "\nEXCLUDED MARKETS (%d)\n", len(markets))
		if len(markets) > 0 {
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "  EVENT\tMARKET\tQUESTION\tREASON\tDETAIL")
			for _, x := range markets {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", orDash(x.EventID), orDash(clip(x.ConditionID, 14)), clip(x.Question, 48), x.Reason, clip(x.Detail, 100))
			}
			tw.Flush()
		}
	case len(markets) > 0:
		fmt.Fprintf(w, "\n%d market-level exclusions not shown (--all lists them)\n", len(markets))
	}
	for _, s := range u.Warnings {
		fmt.Fprintf(w, "warning: %s\n", s)
	}
	fmt.Fprintf(w, "\n%d events read: %d tradeable, %d excluded; %d groups, %d assets\n",
		len(u.Events), len(rows), len(excluded), len(u.Groups), u.Registry.Len())
}

// ticks lists the distinct leg ticks ("0.01" or "0.001,0.01").
func ticks(g *market.Group) string {
	var ts []book.Tick
	for _, l := range g.Legs {
		if !slices.Contains(ts, l.Tick) {
			ts = append(ts, l.Tick)
		}
	}
	slices.Sort(ts)
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.String()
	}
	return strings.Join(out, ",")
}

// fees lists the distinct fee models as rate^exponent ("0.04^1").
func fees(g *market.Group) string {
	var out []string
	for _, l := range g.Legs {
		s := market.FormatMicros(l.FeeRateMicros)
		if l.FeeRateMicros != 0 {
			s += fmt.Sprintf("^%d", l.FeeExponent)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return strings.Join(out, ",")
}

func minSizes(g *market.Group) string {
	var out []string
	for _, l := range g.Legs {
		s := l.MinSize.String()
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return strings.Join(out, ",")
}

// basketCost is "Σ best asks/payout", or "-/payout" without books.
func basketCost(g *market.Group, tops map[string]market.BookTop) string {
	if g == nil {
		return "-"
	}
	pays := market.FormatMicros(g.Payout)
	if sum, ok := market.BestAskSum(g, tops); ok {
		return market.FormatMicros(sum) + "/" + pays
	}
	return "-/" + pays
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// JSON document for machines.

type jsonMarkets struct {
	Source     string          `json:"source"`
	Generated  time.Time       `json:"generated_at"`
	Summary    jsonSummary     `json:"summary"`
	Groups     []jsonGroup     `json:"groups"`
	Events     []jsonEvent     `json:"events"`
	Exclusions []jsonExclusion `json:"exclusions"`
	Warnings   []string        `json:"warnings"`
}

type jsonSummary struct {
	Events     int `json:"events"`
	Tradeable  int `json:"tradeable_events"`
	Groups     int `json:"groups"`
	Assets     int `json:"assets"`
	Exclusions int `json:"exclusions"`
}

type jsonGroup struct {
	Kind              market.Kind `json:"kind"`
	EventID           string      `json:"event_id"`
	Title             string      `json:"title"`
	Slug              string      `json:"slug,omitempty"`
	NegRiskMarketID   string      `json:"neg_risk_market_id,omitempty"`
	ConversionFeeBips int64       `json:"conversion_fee_bips"`
	Payout            string      `json:"payout"`
	PayoutMicros      int64       `json:"payout_micros"`
	BestAskSum        *string     `json:"best_ask_sum,omitempty"`
	Legs              []jsonLeg   `json:"legs"`
}

type jsonLeg struct {
	Asset         uint32         `json:"asset"`
	TokenID       string         `json:"token_id"`
	Market        string         `json:"condition_id"`
	Question      string         `json:"question"`
	Outcome       string         `json:"outcome"`
	Tick          string         `json:"tick"`
	MinSize       string         `json:"min_size"`
	FeeRate       string         `json:"fee_rate"`
	FeeRateMicros int64          `json:"fee_rate_micros"`
	FeeExponent   uint8          `json:"fee_exponent"`
	TakerOnly     bool           `json:"taker_only"`
	NegRisk       bool           `json:"neg_risk"`
	Sources       map[string]any `json:"sources"`
	BestAsk       *string        `json:"best_ask,omitempty"`
}

type jsonEvent struct {
	ID        string          `json:"id"`
	Title     string          `json:"title"`
	Slug      string          `json:"slug,omitempty"`
	Markets   int             `json:"markets"`
	NegRisk   bool            `json:"neg_risk"`
	Tradeable bool            `json:"tradeable"`
	Reasons   []market.Reason `json:"reasons"`
}

type jsonExclusion struct {
	Level       market.Level  `json:"level"`
	EventID     string        `json:"event_id"`
	EventTitle  string        `json:"event_title"`
	MarketID    string        `json:"market_id,omitempty"`
	ConditionID string        `json:"condition_id,omitempty"`
	Question    string        `json:"question,omitempty"`
	Reason      market.Reason `json:"reason"`
	ReasonText  string        `json:"reason_text"`
	Detail      string        `json:"detail"`
}

func writeMarketsJSON(w io.Writer, u *market.Universe, source string, tops map[string]market.BookTop) error {
	doc := jsonMarkets{Source: source, Generated: time.Now().UTC(), Groups: []jsonGroup{}, Events: []jsonEvent{},
		Exclusions: []jsonExclusion{}, Warnings: append([]string{}, u.Warnings...)}
	for i := range u.Groups {
		g := &u.Groups[i]
		jg := jsonGroup{Kind: g.Kind, EventID: g.EventID, Title: g.Title, Slug: g.Slug, NegRiskMarketID: g.NegRiskMarketID,
			ConversionFeeBips: g.ConversionFeeBips, Payout: market.FormatMicros(g.Payout), PayoutMicros: g.Payout}
		if sum, ok := market.BestAskSum(g, tops); ok {
			s := market.FormatMicros(sum)
			jg.BestAskSum = &s
		}
		for _, l := range g.Legs {
			jl := jsonLeg{Asset: l.Asset, TokenID: l.TokenID, Market: l.Market, Question: l.Question, Outcome: l.Outcome,
				Tick: l.Tick.String(), MinSize: l.MinSize.String(), FeeRate: market.FormatMicros(l.FeeRateMicros),
				FeeRateMicros: l.FeeRateMicros, FeeExponent: l.FeeExponent, TakerOnly: l.TakerOnly, NegRisk: l.NegRisk,
				Sources: map[string]any{"tick": l.Sources.Tick, "min_size": l.Sources.MinSize,
					"fee_rate": l.Sources.FeeRate, "fee_exponent": l.Sources.FeeExponent}}
			if t, ok := tops[l.TokenID]; ok && t.HasAsk {
				s := t.BestAsk.String()
				jl.BestAsk = &s
			}
			jg.Legs = append(jg.Legs, jl)
		}
		doc.Groups = append(doc.Groups, jg)
	}
	for _, e := range u.Events {
		reasons := e.Reasons
		if reasons == nil {
			reasons = []market.Reason{}
		}
		doc.Events = append(doc.Events, jsonEvent{ID: e.ID, Title: e.Title, Slug: e.Slug, Markets: e.Markets,
			NegRisk: e.NegRisk, Tradeable: e.Tradeable, Reasons: reasons})
		if e.Tradeable {
			doc.Summary.Tradeable++
		}
	}
	for _, x := range u.Exclusions {
		doc.Exclusions = append(doc.Exclusions, jsonExclusion{Level: x.Level, EventID: x.EventID, EventTitle: x.EventTitle,
			MarketID: x.MarketID, ConditionID: x.ConditionID, Question: x.Question, Reason: x.Reason,
			ReasonText: x.Reason.Text(), Detail: x.Detail})
	}
	doc.Summary.Events, doc.Summary.Groups = len(u.Events), len(u.Groups)
	doc.Summary.Assets, doc.Summary.Exclusions = u.Registry.Len(), len(u.Exclusions)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
