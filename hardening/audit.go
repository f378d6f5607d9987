package hardening

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/hotpath/hotpath/exec/journal"
	"github.com/hotpath/hotpath/sim"
)

// record is the union of the executor's journal records (exec/record.go).
type record struct {
	K     string `json:"k"`
	B     uint64 `json:"b"`
	Paper bool   `json:"paper"`
	Legs  []struct {
		I    int    `json:"i"`
		Role string `json:"role"`
		Tok  string `json:"tok"`
		Side string `json:"side"`
		Type string `json:"type"`
		Sh   int64  `json:"sh"`
		H    string `json:"h"`
		ID   string `json:"id"`
		St   string `json:"st"`
		Mk   int64  `json:"mk"`
		Tk   int64  `json:"tk"`
	} `json:"legs"`
	H     string `json:"h"`
	ID    string `json:"id"`
	St    string `json:"st"`
	Sh    int64  `json:"sh"`
	Mk    int64  `json:"mk"`
	Tk    int64  `json:"tk"`
	State string `json:"state"`
	Req   string `json:"req"`
}

// auditLeg is one order the journal says was (or may have been) sent.
type auditLeg struct {
	basket   uint64
	idx      int
	role     string
	token    string
	side     string
	shares   int64            // intended
	respFill int64            // shares filled per the latest resp/order record
	trades   map[string]trade // by trade id, latest status
	intents  int              // intent records naming this order hash
	answered bool             // a resp or order record gave its outcome
}

type trade struct {
	status string
	shares int64
}

// filled is the leg's shares as the journal accounts for them: the
// non-FAILED trades when any trade was journaled, else the response.
func (l *auditLeg) filled() int64 {
	if len(l.trades) == 0 {
		return l.respFill
	}
	var s int64
	for _, t := range l.trades {
		if t.status != "FAILED" {
			s += t.shares
		}
	}
	return s
}

// JournalAudit is an independent reading of an executor journal: which
// orders it intended, which fills it accounts for, which baskets it
// finished. It does not use package exec, so it cannot agree with an exec
// bug by construction.
type JournalAudit struct {
	Records   int
	Baskets   int // distinct basket ids with an intent
	Finals    int // baskets with a final record
	Unknown   int // resp records with req "unknown" (outcome resolved later, by query)
	legs      map[string]*auditLeg
	finalized map[uint64]string
	problems  []string
}

// AuditJournal reads the journal in dir.
func AuditJournal(dir string) (*JournalAudit, error) {
	a := &JournalAudit{legs: map[string]*auditLeg{}, finalized: map[uint64]string{}}
	baskets := map[uint64]bool{}
	err := journal.Replay(dir, func(p []byte) error {
		a.Records++
		var r record
		if err := json.Unmarshal(p, &r); err != nil {
			a.problems = append(a.problems, fmt.Sprintf("record %d is not JSON: %v", a.Records, err))
			return nil
		}
		switch r.K {
		case "intent":
			if r.Paper {
				return nil
			}
			baskets[r.B] = true
			for _, l := range r.Legs {
				al := a.legs[l.H]
				if al == nil {
					al = &auditLeg{basket: r.B, idx: l.I, role: l.Role, token: l.Tok, side: l.Side, shares: l.Sh, trades: map[string]trade{}}
					a.legs[l.H] = al
				}
				al.intents++
			}
		case "resp":
			if r.Req == "unknown" {
				a.Unknown++
			}
			for _, l := range r.Legs {
				if al := a.legs[l.H]; al != nil {
					al.respFill = sharesOf(al.side, l.Mk, l.Tk)
					al.answered = al.answered || r.Req != "unknown"
				}
			}
		case "order":
			if al := a.legs[r.H]; al != nil {
				al.respFill = sharesOf(al.side, r.Mk, r.Tk)
				al.answered = true
			}
		case "trade":
			al := a.legs[r.H]
			if al == nil {
				a.problems = append(a.problems, fmt.Sprintf("trade %s of order %s has no intent before it", r.ID, r.H))
				return nil
			}
			al.trades[r.ID] = trade{status: r.St, shares: r.Sh}
		case "final":
			a.finalized[r.B] = r.State
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", dir, err)
	}
	a.Baskets = len(baskets)
	a.Finals = len(a.finalized)
	return a, nil
}

func sharesOf(side string, making, taking int64) int64 {
	if side == "SELL" {
		return making
	}
	return taking
}

// Unanswered is the number of orders journaled as intended whose outcome
// the journal does not know (no response and no query answer, no trade):
// after a crash, these are the ones reconciliation must resolve.
func (a *JournalAudit) Unanswered() int {
	n := 0
	for _, l := range a.legs {
		if !l.answered && len(l.trades) == 0 {
			n++
		}
	}
	return n
}

// Positions are the net shares per token the journal accounts for.
func (a *JournalAudit) Positions() map[string]int64 {
	p := map[string]int64{}
	for _, l := range a.legs {
		f := l.filled()
		if l.side == "SELL" {
			f = -f
		}
		if f != 0 {
			p[l.token] += f
		}
	}
	return p
}

// Check compares the journal with the venue's ledger of the same account
// (start: the account's positions before the first run) and returns every
// violation of the crash invariants:
//   - no fill unaccounted: each token's venue position change equals the
//     shares the journal accounts for;
//   - nothing bought twice: no order hash in two intents, and no leg
//     filled beyond the shares it was sent for;
//   - no order left resting: the venue shows no open order.
func (a *JournalAudit) Check(venue sim.AccountSnapshot, start map[string]int64) []string {
	probs := append([]string(nil), a.problems...)
	jp := a.Positions()
	toks := map[string]bool{}
	for t := range jp {
		toks[t] = true
	}
	for t := range venue.Positions {
		toks[t] = true
	}
	var sorted []string
	for t := range toks {
		sorted = append(sorted, t)
	}
	sort.Strings(sorted)
	for _, t := range sorted {
		v := venue.Positions[t] - start[t]
		if v != jp[t] {
			probs = append(probs, fmt.Sprintf("token …%s: venue position %d µshares, journal accounts for %d", tail(t), v, jp[t]))
		}
	}
	for h, l := range a.legs {
		if l.intents > 1 {
			probs = append(probs, fmt.Sprintf("order %s appears in %d intents", h, l.intents))
		}
		if f := l.filled(); f > l.shares {
			probs = append(probs, fmt.Sprintf("basket %d leg %d (%s) filled %d µshares, sent for %d", l.basket, l.idx, l.role, f, l.shares))
		}
	}
	if venue.OpenCount != 0 {
		probs = append(probs, fmt.Sprintf("%d orders left resting on the venue", venue.OpenCount))
	}
	return probs
}

func tail(s string) string {
	if len(s) > 8 {
		return s[len(s)-8:]
	}
	return s
}
