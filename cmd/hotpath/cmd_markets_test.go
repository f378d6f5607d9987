package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const augmentedFixture = "../../market/testdata/gamma_event_augmented.json"

// tradeableEventsJSON is a Gamma /events response with one complete
// 2-outcome neg-risk event (event 7) in Gamma's real shapes.
func tradeableEventsJSON() string {
	mid := "0x2c3d7e0eee6f058be3006baabf0d54a07da254ba47fe6e3e095e7990c7814700"
	mk := func(i int) string {
		return fmt.Sprintf(`{"id":"%d","question":"Q%d?","groupItemTitle":"Outcome %d","conditionId":"0x%064x",
		 "questionID":"%s%02x","clobTokenIds":"[\"%d1\", \"%d2\"]","outcomes":"[\"Yes\", \"No\"]",
		 "active":true,"closed":false,"archived":false,"acceptingOrders":true,"enableOrderBook":true,
		 "orderPriceMinTickSize":0.01,"orderMinSize":5,"negRisk":true,"negRiskMarketID":"%s","negRiskOther":false,
		 "feesEnabled":true,"feeSchedule":{"exponent":1,"rate":0.04,"takerOnly":true,"rebateRate":0.25}}`,
			100+i, i, i, 7000+i, mid[:64], i, 900+i, 900+i, mid)
	}
	return fmt.Sprintf(`[{"id":"7","slug":"seven","title":"Who wins seven?","active":true,"closed":false,"archived":false,
	  "enableOrderBook":true,"negRisk":true,"enableNegRisk":true,"negRiskAugmented":false,"negRiskMarketID":"%s",
	  "markets":[%s,%s]}]`, mid, mk(0), mk(1))
}

const booksJSON = `[
 {"asset_id":"9001","asks":[{"price":"0.6","size":"10"},{"price":"0.47","size":"20"}]},
 {"asset_id":"9011","asks":[{"price":"0.5","size":"10"}]},
 {"asset_id":"9002","asks":[{"price":"0.55","size":"10"}]},
 {"asset_id":"9012","asks":[{"price":"0.51","size":"10"}]}
]`

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = dispatch(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestMarketsAugmentedFixtureExcluded(t *testing.T) {
	code, out, errOut := runCmd("markets", "--from-file", augmentedFixture)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"TRADEABLE EVENTS (0)", "EXCLUDED EVENTS (1)", "30829", "Democratic Presidential Nominee 2028", "[augmented,", "augmented: augmented neg-risk"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestMarketsJSON(t *testing.T) {
	code, out, errOut := runCmd("markets", "--from-file", augmentedFixture, "--json", "--include-binary")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var doc struct {
		Source  string
		Summary struct {
			Events    int `json:"events"`
			Tradeable int `json:"tradeable_events"`
			Groups    int `json:"groups"`
			Assets    int `json:"assets"`
		}
		Groups []struct {
			Kind string `json:"kind"`
			Legs []struct {
				TokenID string `json:"token_id"`
				Tick    string `json:"tick"`
				MinSize string `json:"min_size"`
			} `json:"legs"`
		}
		Events []struct {
			ID        string   `json:"id"`
			Tradeable bool     `json:"tradeable"`
			Reasons   []string `json:"reasons"`
		}
		Exclusions []struct {
			Level   string `json:"level"`
			EventID string `json:"event_id"`
			Reason  string `json:"reason"`
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, out)
	}
	if doc.Summary.Events != 1 || doc.Summary.Tradeable != 0 || doc.Summary.Groups != 2 || doc.Summary.Assets != 4 {
		t.Errorf("summary = %+v", doc.Summary)
	}
	if len(doc.Events) != 1 || doc.Events[0].ID != "30829" || doc.Events[0].Tradeable || doc.Events[0].Reasons[0] != "augmented" {
		t.Errorf("events = %+v", doc.Events)
	}
	if len(doc.Exclusions) == 0 || doc.Exclusions[0].Reason != "augmented" || doc.Exclusions[0].Level != "event" {
		t.Errorf("exclusions = %+v", doc.Exclusions)
	}
	if doc.Groups[0].Kind != "binary_pair" || doc.Groups[0].Legs[0].Tick != "0.001" || doc.Groups[0].Legs[0].MinSize != "5" {
		t.Errorf("groups = %+v", doc.Groups)
	}
}

func TestMarketsTradeableWithBooks(t *testing.T) {
	events := writeTemp(t, "events.json", tradeableEventsJSON())
	books := writeTemp(t, "books.json", booksJSON)
	code, out, errOut := runCmd("markets", "--from-file", events, "--books-from", books)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	// YES: 0.47 (best of two levels) + 0.5 = 0.97 against 1; NO: 0.55 + 0.51 = 1.06 against 1.
	for _, want := range []string{"TRADEABLE EVENTS (1)", "Who wins seven?", "0.01", "0.04^1", "0.97/1", "1.06/1", "EXCLUDED EVENTS (0)",
		"1 events read: 1 tradeable, 0 excluded; 2 groups, 4 assets"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = runCmd("markets", "--from-file", events, "--books-from", books, "--json")
	var doc struct {
		Groups []struct {
			Kind       string  `json:"kind"`
			Payout     string  `json:"payout"`
			BestAskSum *string `json:"best_ask_sum"`
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
		t.Fatalf("exit %d, %v", code, err)
	}
	if len(doc.Groups) != 2 || doc.Groups[0].BestAskSum == nil || *doc.Groups[0].BestAskSum != "0.97" || doc.Groups[1].Payout != "1" {
		t.Errorf("groups = %+v", doc.Groups)
	}
}

func TestMarketsFromNetwork(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/events" && r.URL.Query().Get("offset") == "0":
			_, _ = w.Write([]byte(tradeableEventsJSON()))
		case r.URL.Path == "/events":
			_, _ = w.Write([]byte(`[]`))
		case strings.HasPrefix(r.URL.Path, "/clob-markets/"):
			http.NotFound(w, r)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	code, out, errOut := runCmd("markets", "--gamma", srv.URL, "--clob", srv.URL, "--page-size", "1")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, "TRADEABLE EVENTS (1)") || !strings.Contains(out, "warning: clob market info for") {
		t.Errorf("output:\n%s", out)
	}
}

func TestMarketsBadInput(t *testing.T) {
	garbage := writeTemp(t, "garbage.json", "<html>oops</html>")
	marketsFile := writeTemp(t, "markets.json", `[{"id":"1","conditionId":"0xabc","clobTokenIds":"[\"1\",\"2\"]"}]`)
	badBooks := writeTemp(t, "books.json", `[{"asset_id":"1","asks":[{"price":"2","size":"1"}]}]`)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing file", []string{"--from-file", filepath.Join(t.TempDir(), "nope.json")}, 1, "no such file"},
		{"not json", []string{"--from-file", garbage}, 1, "decode events"},
		{"markets file", []string{"--from-file", marketsFile}, 1, "/markets items"},
		{"bad books", []string{"--from-file", augmentedFixture, "--books-from", badBooks}, 1, "price above 1"},
		{"unknown flag", []string{"--bogus"}, 2, "flag provided but not defined"},
		{"stray argument", []string{"extra"}, 2, "unexpected argument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(append([]string{"markets"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			if out != "" {
				t.Errorf("stdout = %q", out)
			}
			lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "hotpath markets: ") || !strings.Contains(lines[0], tc.want) {
				t.Errorf("stderr = %q, want one line containing %q", errOut, tc.want)
			}
		})
	}
}

func TestMarketsHelp(t *testing.T) {
	code, out, errOut := runCmd("markets", "--help")
	if code != 0 || errOut != "" || !strings.Contains(out, "Usage: hotpath markets") || !strings.Contains(out, "--from-file") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
