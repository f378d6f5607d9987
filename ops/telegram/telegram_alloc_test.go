//go:build !race

package telegram

import "testing"

// Queueing (and dropping) an alert allocates nothing: callers may alert
// from busy cold loops without feeding the GC.
func TestNotifyAllocs(t *testing.T) {
	bot, err := New(Config{Token: token, APIBase: "http://127.0.0.1:1", AllowedChats: []int64{1}, QueueSize: 8}, &fakeEngine{})
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { bot.Notify(KindError, "boom") }); n != 0 {
		t.Errorf("Notify allocates %v per call", n)
	}
	if bot.AlertStats()["dropped"] == 0 {
		t.Error("drop path not exercised")
	}
}
