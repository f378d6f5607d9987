package feed

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The real 2025-10-23 capture must verify completely: the WS book, both
// price_change entries of the asset whose book is in the file, and both
// REST books.
func TestVerifyPolypyCapture(t *testing.T) {
	data, err := os.ReadFile("testdata/messages_hash.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sum, err := Verify(bytes.NewReader(data), VerifyOptions{}, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", out.String())
	if sum.Checked != 5 || sum.Matched != 5 {
		t.Fatalf("checked %d matched %d, want 5/5 (summary %+v)", sum.Checked, sum.Matched, sum)
	}
	// The other token's entries have no snapshot in the file: reported, not failed.
	if sum.Unchecked != 2 {
		t.Fatalf("unchecked %d, want 2", sum.Unchecked)
	}
	if sum.Skipped != 3 {
		t.Fatalf("skipped label lines %d, want 3", sum.Skipped)
	}
	if got := strings.Count(out.String(), `"match":true`); got != 5 {
		t.Fatalf("%d match lines", got)
	}
}

// With the market fields given as flags the result is the same.
func TestVerifyPolypyWithFlags(t *testing.T) {
	data, _ := os.ReadFile("testdata/messages_hash.txt")
	sum, err := Verify(bytes.NewReader(data), VerifyOptions{MinOrderSize: "5", TickSize: "0.01"}, &bytes.Buffer{})
	if err != nil || sum.Matched != 5 || sum.Checked != 5 {
		t.Fatalf("err %v summary %+v", err, sum)
	}
	// Wrong market fields: layout 9 cannot match the first book (it has no
	// preceding REST line), so it is a mismatch.
	sum, _ = Verify(bytes.NewReader(data), VerifyOptions{MinOrderSize: "1", TickSize: "0.01"}, &bytes.Buffer{})
	if sum.Mismatched() == 0 {
		t.Fatalf("wrong min_order_size not caught: %+v", sum)
	}
}

// The 2024-11 book verifies with the legacy six-key layout.
func TestVerifyLegacyLayout(t *testing.T) {
	data, _ := os.ReadFile("testdata/ws_msg_book_yes.json")
	var out bytes.Buffer
	sum, err := Verify(bytes.NewReader(data), VerifyOptions{}, &out)
	if err != nil || sum.Checked != 1 || sum.Matched != 1 || !strings.Contains(out.String(), `"layout":"layout6"`) {
		t.Fatalf("err %v summary %+v out %s", err, sum, out.String())
	}
}

var sizeRe = regexp.MustCompile(`"size":\s*"([0-9.]+)"`)

// Editing any one size of the asset whose book is in the file must produce
// a mismatch. (The other token's two price_change sizes cannot be checked:
// the file holds no snapshot of that token, so its hash has no book to be
// recomputed from; they are reported as unchecked.)
func TestVerifyCatchesEveryEditedSize(t *testing.T) {
	data, _ := os.ReadFile("testdata/messages_hash.txt")
	const other = "3329029450753225654467003002742946394863848082479209219558348197750220015613"
	locs := sizeRe.FindAllSubmatchIndex(data, -1)
	edited := 0
	for _, loc := range locs {
		// Skip sizes inside a price_changes entry of the other token.
		entryStart := bytes.LastIndexByte(data[:loc[0]], '{')
		if bytes.Contains(data[entryStart:loc[0]], []byte(other)) {
			continue
		}
		mod := append([]byte(nil), data[:loc[2]]...)
		orig := string(data[loc[2]:loc[3]])
		repl := "7" + orig // a different, still valid size
		if orig == "0" {
			repl = "1"
		}
		mod = append(mod, repl...)
		mod = append(mod, data[loc[3]:]...)
		sum, err := Verify(bytes.NewReader(mod), VerifyOptions{}, &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Mismatched() == 0 {
			t.Errorf("size %q at byte %d edited to %q: no mismatch (summary %+v)", orig, loc[2], repl, sum)
		}
		edited++
	}
	if edited < 100 {
		t.Fatalf("only %d sizes edited", edited)
	}
	t.Logf("%d edited sizes, each caught", edited)
}
