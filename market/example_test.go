package market_test

import (
	"fmt"
	"os"

	"github.com/hotpath/hotpath/market"
)

// Gate a saved Gamma /events response and list what was left out. With the
// network, (*market.Client).Discover does the paging and CLOB look-ups and
// returns the same Universe; NewWatcher(func(ctx) { return c.Discover(ctx,
// opt) }, time.Minute, u) then reports changes.
func ExampleBuild() {
	data, err := os.ReadFile("testdata/gamma_event_augmented.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	events, err := market.DecodeEvents(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	u := market.Build(events, market.Options{})
	fmt.Println("groups:", len(u.Groups), "assets:", u.Registry.Len())
	for _, x := range u.Exclusions {
		if x.Level == market.LevelEvent {
			fmt.Printf("%s %q: %s\n", x.EventID, x.EventTitle, x.Reason)
		}
	}
	// Output:
	// groups: 0 assets: 0
	// 30829 "Democratic Presidential Nominee 2028": augmented
	// 30829 "Democratic Presidential Nominee 2028": question_gap
}
