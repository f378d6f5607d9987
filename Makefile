# hotpath — build, test, measure.
# `make test` is the README's test command and what CI runs (.ci/run).

GO       ?= go
PKGS     := ./...
BIN      := bin
# Short fuzz runs inside `make test`; `make fuzz FUZZTIME=5m` for campaigns.
FUZZTIME ?= 5s
BENCHTIME ?= 0.3s
BENCHCOUNT ?= 6
STATICCHECK_VERSION := v0.8.2

.PHONY: all build test unit race alloc benchsmoke conformance-deps fuzz fuzzsmoke bench demo lint soak clean

all: build

build:
	$(GO) build -o $(BIN)/ ./cmd/... ./tools/latency

## test: vet, unit tests, allocation tests, race tests of the concurrent
## packages, short fuzz runs, conformance against Polymarket's official
## client, and a benchmark smoke run. Timings are never pass/fail.
test: conformance-deps
	$(GO) vet $(PKGS)
	$(GO) test -count=1 $(PKGS)
	$(GO) test -count=1 -race -short $(PKGS)
	$(MAKE) --no-print-directory fuzzsmoke FUZZTIME=3s
	$(MAKE) --no-print-directory benchsmoke

## alloc: only the zero-allocation tests (build tag !race).
alloc:
	$(GO) test -count=1 -run 'Alloc' $(PKGS)

benchsmoke:
	$(GO) test -count=1 -run '^$$' -bench . -benchtime 200x $(PKGS)

conformance-deps: conformance/node_modules/.package-lock.json

conformance/node_modules/.package-lock.json: conformance/package.json conformance/package-lock.json
	cd conformance && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## fuzzsmoke / fuzz: every Fuzz* target in the repo for FUZZTIME each.
## A failing run prints its output and runs once more: a real crasher is
## saved under testdata/fuzz/ and fails the second run too (it is replayed
## as a seed), while a hiccup of the fuzzing engine on a loaded machine
## (a worker that died or stalled, with no crasher saved) does not.
fuzzsmoke fuzz:
	@set -e; out=$$(mktemp); trap 'rm -f $$out' EXIT; \
	for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg >$$out 2>&1 || \
	      { cat $$out; echo "fuzz $$pkg $$f failed; running it again"; \
	        $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; }; \
	  done; \
	done

## bench: the full benchmark suite, about 8 minutes on the 2-core box:
## every benchmark of the repo (-count $(BENCHCOUNT), medians with a pinned
## benchstat), the loopback run against simclob, the official client's
## timing, the latency plot (docs/img/latency.png) and bench/RESULTS.md.
## Outputs land in bench/out/.
BENCHSTAT := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
LOOPBACK_FLAGS ?= -duration 30s -warmup 3s -rate 200 -every 50ms
OFFICIAL_ITERS ?= 1000
bench: conformance-deps
	@mkdir -p bench/out docs/img
	@cat /proc/loadavg > bench/out/loadavg.start 2>/dev/null || echo unknown > bench/out/loadavg.start
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCHCOUNT) -benchtime $(BENCHTIME) $(PKGS) 2>&1 | tee bench/out/bench.txt
	@! grep -Eq '^(FAIL|--- FAIL|panic:)' bench/out/bench.txt || { echo "make bench: a benchmark failed (bench/out/bench.txt)"; exit 1; }
	$(GO) run $(BENCHSTAT) bench/out/bench.txt > bench/out/benchstat.txt
	$(GO) run ./bench/cmd/loopback $(LOOPBACK_FLAGS) -out bench/out/loopback \
	  -conditions "load average at start: $$(cat bench/out/loadavg.start)"
	node bench/official_client.mjs $(OFFICIAL_ITERS) 100 > bench/out/official.json
	@cat bench/out/official.json
	$(GO) run ./tools/latency plot --log-y --stage frame_to_wire,decision_to_ack \
	  --title "hotpath vs simclob on loopback: frame_to_wire = scheduled change to order bytes written" -o bench/out/latency.png bench/out/loopback
	cp bench/out/latency.png docs/img/latency.png
	$(GO) run ./bench/cmd/results -dir bench/out -load-start "$$(cat bench/out/loadavg.start)" -o bench/RESULTS.md

## demo: the engine against the built-in simulator (bundled 'demo' scenario,
## 30 s, live mode with a funded test account; no keys, no network).
demo: build
	$(BIN)/hotpath demo $(DEMOFLAGS)

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet $(PKGS)
	@command -v staticcheck >/dev/null 2>&1 || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	PATH="$$PATH:$$($(GO) env GOPATH)/bin" staticcheck $(PKGS)

## soak: the long robustness runs (docs/reliability.md): every Fuzz* target
## for FUZZTIME (default 2m here), one at a time with -parallel 1, then the
## hardening drills (faults, crash loop, load) at full length. `make test`
## runs the short versions of the same drills.
soak: FUZZTIME = 2m
soak:
	@mkdir -p $(BIN)/fuzz
	hardening/fuzz-campaign.sh -t $(FUZZTIME) -l $(BIN)/fuzz
	HOTPATH_SOAK=1 $(GO) test -count=1 -timeout 90m -v -run . ./hardening/

clean:
	rm -rf $(BIN) bench/out
