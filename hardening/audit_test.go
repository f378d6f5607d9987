package hardening

import (
	"strings"
	"testing"

	"github.com/hotpath/hotpath/exec/journal"
	"github.com/hotpath/hotpath/sim"
)

func writeJournal(t *testing.T, recs ...string) string {
	t.Helper()
	dir := t.TempDir()
	j, err := journal.Open(dir, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := j.Append([]byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

const (
	hA = "0x0a00000000000000000000000000000000000000000000000000000000000000"
	hB = "0x0b00000000000000000000000000000000000000000000000000000000000000"
)

// TestAuditCatchesViolations: the crash drill's checker flags each kind of
// violation it exists for (a checker that cannot fail proves nothing).
func TestAuditCatchesViolations(t *testing.T) {
	intent := `{"k":"intent","b":1,"paper":false,"legs":[{"i":0,"role":"entry","tok":"111","side":"BUY","type":"FOK","sh":10000000,"h":"` + hA + `"},{"i":1,"role":"entry","tok":"222","side":"BUY","type":"FOK","sh":10000000,"h":"` + hB + `"}]}`
	resp := `{"k":"resp","b":1,"code":200,"req":"ok","legs":[{"h":"` + hA + `","st":"matched","mk":5000000,"tk":10000000},{"h":"` + hB + `","st":"matched","mk":5000000,"tk":10000000}]}`
	both := map[string]int64{"111": 10_000_000, "222": 10_000_000}
	cases := []struct {
		name  string
		recs  []string
		venue sim.AccountSnapshot
		want  []string // substrings of the problems, in any order; none = clean
	}{
		{"clean", []string{intent, resp}, sim.AccountSnapshot{Positions: both}, nil},
		{"fill unaccounted", []string{intent}, sim.AccountSnapshot{Positions: both}, []string{"…111: venue position 10000000 µshares, journal accounts for 0", "…222"}},
		{"failed trade rolled back on the venue", []string{intent, resp,
			`{"k":"trade","b":1,"h":"` + hA + `","id":"t1","st":"MATCHED","sh":10000000,"cash":5000000,"fee":0}`,
			`{"k":"trade","b":1,"h":"` + hA + `","id":"t1","st":"FAILED","sh":10000000,"cash":5000000,"fee":0}`},
			sim.AccountSnapshot{Positions: map[string]int64{"222": 10_000_000}}, nil},
		{"bought twice", []string{intent, intent, resp}, sim.AccountSnapshot{Positions: both}, []string{"appears in 2 intents"}},
		{"overfilled", []string{intent, resp, `{"k":"order","b":1,"h":"` + hB + `","st":"matched","mk":6000000,"tk":12000000}`},
			sim.AccountSnapshot{Positions: map[string]int64{"111": 10_000_000, "222": 12_000_000}}, []string{"filled 12000000 µshares, sent for 10000000"}},
		{"resting", []string{intent, resp}, sim.AccountSnapshot{Positions: both, OpenCount: 2}, []string{"2 orders left resting"}},
		{"trade without intent", []string{`{"k":"trade","b":9,"h":"` + hA + `","id":"t","st":"MATCHED","sh":1,"cash":1,"fee":0}`},
			sim.AccountSnapshot{}, []string{"has no intent before it"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := AuditJournal(writeJournal(t, c.recs...))
			if err != nil {
				t.Fatal(err)
			}
			probs := a.Check(c.venue, nil)
			all := strings.Join(probs, "\n")
			if len(c.want) == 0 && len(probs) > 0 {
				t.Errorf("false alarm:\n%s", all)
			}
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("missing %q in:\n%s", w, all)
				}
			}
		})
	}
	a, err := AuditJournal(writeJournal(t, intent))
	if err != nil {
		t.Fatal(err)
	}
	if a.Unanswered() != 2 {
		t.Errorf("Unanswered = %d, want 2", a.Unanswered())
	}
}
