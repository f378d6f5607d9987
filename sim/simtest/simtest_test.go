package simtest

import (
	"testing"

	"github.com/hotpath/hotpath/sim"
)

func TestArbParses(t *testing.T) {
	for _, a := range []Arb{
		{Name: "three", Seed: 1, Accounts: [2]int{0, 3}, Cash: "1000"},
		{Name: "seventeen", Seed: 2, Accounts: [2]int{0, 0}, Cash: "2000", Outcomes: 17, Overround: "0.97"},
	} {
		sc, err := sim.ParseScenario(a.TOML())
		if err != nil {
			t.Fatalf("%s: %v\n%s", a.Name, err, a.TOML())
		}
		if sc.Name != a.Name {
			t.Errorf("name %q, want %q", sc.Name, a.Name)
		}
	}
}
