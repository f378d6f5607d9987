package metrics

import (
	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/prometheus/client_golang/prometheus"
)

// Snapshot is one stage's latency histogram, merged off the path by its
// owner. Values are nanoseconds. The collector only reads it.
type Snapshot struct {
	Stage string
	Hist  *hdrhistogram.Histogram
}

// Quantiles exported for every latency snapshot.
var Quantiles = []float64{0.5, 0.9, 0.99, 0.999, 0.9999}

// Latency exports stage latency percentiles from HDR snapshots as a summary
// name{stage,quantile} in seconds (plus _count and _sum) and a gauge
// name_max{stage}. f is called at scrape time and must return histograms
// that nobody writes to concurrently (a copy or a merged interval).
func (r *Registry) Latency(name, help string, f func() []Snapshot) error {
	d := prometheus.NewDesc(name, help, []string{"stage"}, nil)
	dmax := prometheus.NewDesc(name+"_max", help+" (maximum)", []string{"stage"}, nil)
	c := &multiCollector{descs: []*prometheus.Desc{d, dmax}, collect: func(ch chan<- prometheus.Metric) {
		for _, s := range f() {
			if s.Hist == nil {
				continue
			}
			n := s.Hist.TotalCount()
			qs := make(map[float64]float64, len(Quantiles))
			for _, q := range Quantiles {
				qs[q] = nsToSeconds(s.Hist.ValueAtQuantile(q * 100))
			}
			// The sum is reconstructed from the mean: HDR keeps counts per
			// bucket, not the exact sum (durations, not money: float is fine).
			sum := s.Hist.Mean() * float64(n) / 1e9
			ch <- prometheus.MustNewConstSummary(d, uint64(n), sum, qs, s.Stage)
			ch <- prometheus.MustNewConstMetric(dmax, prometheus.GaugeValue, nsToSeconds(s.Hist.Max()), s.Stage)
		}
	}}
	return r.register(name, c)
}

func nsToSeconds(ns int64) float64 { return float64(ns) / 1e9 }

// multiCollector is a Collector with several descriptors.
type multiCollector struct {
	descs   []*prometheus.Desc
	collect func(chan<- prometheus.Metric)
}

func (c *multiCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}
func (c *multiCollector) Collect(ch chan<- prometheus.Metric) { c.collect(ch) }
