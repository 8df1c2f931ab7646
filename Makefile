# xk6-barrier. `make test` is the test command (CI runs it through .ci/run).
GO      ?= go
K6      ?=
XK6     ?= xk6
PKGS    := ./...
SHIM    := internal/k6shim

.PHONY: test fmt-check vet gotest bench build tidy fuzz

test: fmt-check vet gotest

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)
	cd $(SHIM) && $(GO) vet ./...

gotest:
	$(GO) test -race -count=1 $(PKGS)
	cd $(SHIM) && $(GO) test -race -count=1 ./...

# Benchmarks print their figures (throughput, latency percentiles, memory); they need a Redis like the tests.
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# Short fuzzing sessions of every parser (the seed corpora under testdata/ run in `make test` too).
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecoder -fuzztime 30s ./sse/

# The users' build: a k6 binary with this extension. xk6 fetches the real k6, which this repository's
# own builds never do (see README): not run in CI.
build:
	$(XK6) build --with github.com/xk6-barrier/xk6-barrier=.

# Offline-safe: the shim replace means k6 is never asked of the proxy.
tidy:
	$(GO) mod tidy
	cd $(SHIM) && $(GO) mod tidy
