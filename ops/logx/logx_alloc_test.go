//go:build !race

package logx

import "testing"

// Redacting a line without secrets allocates nothing.
func TestRedactCleanAllocs(t *testing.T) {
	var red Redactor
	red.Add(privKey, apiSecret, passphrase, tgToken)
	line := []byte(`{"level":"info","message":"feed state"}` + "\n")
	if n := testing.AllocsPerRun(100, func() { red.RedactBytes(line) }); n != 0 {
		t.Errorf("RedactBytes allocates %v on a clean line", n)
	}
}
