package telegram

import "testing"

// BenchmarkNotify is the cost to the caller of queueing an alert (the
// sender goroutine is not running: the queue fills, then every call takes
// the drop path, which must stay just as cheap).
func BenchmarkNotify(b *testing.B) {
	bot, err := New(Config{Token: token, APIBase: "http://127.0.0.1:1", AllowedChats: []int64{1}, QueueSize: 1024}, &fakeEngine{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		bot.Notify(KindFill, "fed-dec YES: 10 shares")
	}
}
