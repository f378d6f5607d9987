// Package metrics exposes hotpath's counters to Prometheus without touching
// the hot path, and serves /metrics, /healthz, /readyz and (on demand) pprof
// on a localhost port.
//
// Invariant: the hot path never calls into this package. Engine stages own
// their counters as plain atomics (typically `[N]atomic.Uint64` indexed by a
// reason enum, incremented with Add(1) by the single stage that owns them);
// the collectors registered here only read them, with atomic loads, when
// Prometheus scrapes. Gauges are funcs called at scrape time from the HTTP
// goroutine, so they must be safe for concurrent use (atomics or a snapshot)
// and must never block on the hot path's goroutines.
//
// Amounts are exported as integer micro-dollars (metric names end in
// _micro_usd): Prometheus samples are float64, which represents every integer
// below 2^53 (9 billion dollars) exactly, so no rounding ever happens.
package metrics

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Registry holds the metric families. Register everything at start-up;
// registration takes a lock inside client_golang, scraping reads atomics.
type Registry struct {
	reg *prometheus.Registry
}

// NewRegistry returns a registry with the Go runtime and process collectors
// already registered.
func NewRegistry() *Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &Registry{reg: r}
}

// Gatherer is what promhttp serves.
func (r *Registry) Gatherer() prometheus.Gatherer { return r.reg }

// Register adds any other prometheus.Collector (cold paths only).
func (r *Registry) Register(c prometheus.Collector) error { return r.reg.Register(c) }

// ErrMismatch is returned when a counter array's names and counts differ in length.
var ErrMismatch = errors.New("metrics: names and counts differ in length")

// Counter exports one engine-owned atomic as a counter.
func (r *Registry) Counter(name, help string, c *atomic.Uint64) error {
	return r.CounterFunc(name, help, c.Load)
}

// CounterFunc exports a counter whose value f returns at scrape time.
func (r *Registry) CounterFunc(name, help string, f func() uint64) error {
	d := prometheus.NewDesc(name, help, nil, nil)
	return r.register(name, collectFunc(d, func(ch chan<- prometheus.Metric) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(f()))
	}))
}

// CounterArray exports a "counter array by reason": counts[i] is the count
// for names[i], exported as name{label="names[i]"}. This is the generic way
// for a package to expose a reason enum: it owns
//
//	var Dropped [NumReasons]atomic.Uint64 // incremented on the path
//	var ReasonNames = [NumReasons]string{...}
//
// and the wiring calls reg.CounterArray("hotpath_x_total", "...", "reason",
// ReasonNames[:], Dropped[:]). The slice aliases the owner's array.
func (r *Registry) CounterArray(name, help, label string, names []string, counts []atomic.Uint64) error {
	if len(names) != len(counts) {
		return fmt.Errorf("%s: %w (%d names, %d counts)", name, ErrMismatch, len(names), len(counts))
	}
	d := prometheus.NewDesc(name, help, []string{label}, nil)
	return r.register(name, collectFunc(d, func(ch chan<- prometheus.Metric) {
		for i := range counts {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(counts[i].Load()), names[i])
		}
	}))
}

// CounterSet is CounterArray for counters that live in separate variables:
// counts[i] is exported as name{label="names[i]"}.
func (r *Registry) CounterSet(name, help, label string, names []string, counts []*atomic.Uint64) error {
	if len(names) != len(counts) {
		return fmt.Errorf("%s: %w (%d names, %d counts)", name, ErrMismatch, len(names), len(counts))
	}
	d := prometheus.NewDesc(name, help, []string{label}, nil)
	return r.register(name, collectFunc(d, func(ch chan<- prometheus.Metric) {
		for i, c := range counts {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(c.Load()), names[i])
		}
	}))
}

// Gauge exports a gauge whose value f returns at scrape time.
func (r *Registry) Gauge(name, help string, f func() int64) error {
	d := prometheus.NewDesc(name, help, nil, nil)
	return r.register(name, collectFunc(d, func(ch chan<- prometheus.Metric) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(f()))
	}))
}

// GaugeVec exports a labelled gauge family: at scrape time f calls emit once
// per series, with one value per label in labels.
func (r *Registry) GaugeVec(name, help string, labels []string, f func(emit func(value int64, labelValues ...string))) error {
	d := prometheus.NewDesc(name, help, labels, nil)
	return r.register(name, collectFunc(d, func(ch chan<- prometheus.Metric) {
		f(func(v int64, lv ...string) {
			m, err := prometheus.NewConstMetric(d, prometheus.GaugeValue, float64(v), lv...)
			if err != nil {
				m = prometheus.NewInvalidMetric(d, err)
			}
			ch <- m
		})
	}))
}

func (r *Registry) register(name string, c prometheus.Collector) error {
	if err := r.reg.Register(c); err != nil {
		return fmt.Errorf("metrics: register %s: %w", name, err)
	}
	return nil
}

// funcCollector is a Collector with one descriptor and a collect func.
type funcCollector struct {
	desc    *prometheus.Desc
	collect func(chan<- prometheus.Metric)
}

func collectFunc(d *prometheus.Desc, f func(chan<- prometheus.Metric)) *funcCollector {
	return &funcCollector{desc: d, collect: f}
}

func (c *funcCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }
func (c *funcCollector) Collect(ch chan<- prometheus.Metric) { c.collect(ch) }
