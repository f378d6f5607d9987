// Package simtest holds simulator scenarios shared by the engine's tests, so
// exec, engine and cmd tests trade against the same venue shape instead of
// each carrying its own copy of the TOML.
package simtest

import (
	"fmt"
	"strings"
)

// Arb describes a quiet venue (no background flow) whose one neg-risk event
// is an arbitrage at rest: makers quote its YES basket at Overround of the
// payout (fees 4 %, so 0.95 costs ≈ 0.977 with fees), in two levels of 100
// shares a leg, tick 0.01, minimum size 5.
type Arb struct {
	Name      string // scenario name
	Seed      int
	Accounts  [2]int // Hardhat accounts funded, first..last
	Cash      string // pUSD per funded account
	Outcomes  int    // legs of the event; 0 means 3 (named Alice, Bob, Carol)
	Overround string // maker quote as a fraction of the payout; "" means 0.95
	// Extra is TOML inserted after the event (more events, scheduled
	// trouble).
	Extra string
}

// TOML renders the scenario for sim.ParseScenario / sim.Config.
func (a Arb) TOML() string {
	n, names := a.Outcomes, ""
	if n == 0 {
		n, names = 3, `names = ["Alice", "Bob", "Carol"]`
	}
	over := a.Overround
	if over == "" {
		over = "0.95"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `name = %q
seed = %d
chain_id = 137
rate = 0

[[accounts]]
hardhat = [%d, %d]
cash = %q

[[events]]
count = 1
outcomes = [%d, %d]
tick = "0.01"
min_size = "5"
fee_rate = "0.04"
%s
%s
[makers]
accounts = 1
overround = [%q, %q]
levels = 2
depth = ["100", "100"]
spread_ticks = [2, 2]
`, a.Name, a.Seed, a.Accounts[0], a.Accounts[1], a.Cash, n, n, names, a.Extra, over, over)
	return b.String()
}
