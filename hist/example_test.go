package hist_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hotpath/hotpath/hist"
)

// One recorder per recording goroutine; the collector merges them off the
// hot path and writes the files at shutdown.
func Example() {
	c := hist.NewCollector(hist.Options{})
	ctx, stop := context.WithCancel(context.Background())
	collected := make(chan struct{})
	go func() { c.Run(ctx, time.Second); close(collected) }()

	done := make(chan struct{})
	go func() { // a hot-path stage
		defer close(done)
		r := c.NewRecorder("scan")
		defer r.Close() // hands the last values over
		for i := range 1000 {
			read := hist.Now() // the frame's bytes were read
			// ... decode, apply, scan, decide, build, write ...
			written := read + int64(2000+i) // stand-in for a second clock reading
			r.RecordSpan(hist.FrameToWire, read, written)
			r.Flip() // once per loop iteration: one atomic load
		}
	}()
	<-done
	stop()
	<-collected // Run collects once more when stopped

	s := c.Percentiles(hist.FrameToWire)
	fmt.Println(s.Count, s.P50, s.Max)
	dir, _ := os.MkdirTemp("", "hist")
	defer os.RemoveAll(dir)
	fmt.Println(c.WriteDir(dir))
	// Output:
	// 1000 2499 2999
	// <nil>
}
