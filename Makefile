# xk6-barrier. `make test` is the test command (CI runs it through .ci/run).
GO      ?= go
K6      ?=
XK6     ?= xk6
PKGS    := ./...
SHIM    := internal/k6shim

.PHONY: test fmt-check vet gotest lint bench build tidy fuzz typecheck demo demo-legacy

test: typecheck fmt-check vet gotest

# TypeScript check of index.d.ts and the example k6 scripts (tsconfig.json) with the pinned tsc and
# @types/k6 of package-lock.json: `npm ci` once, then it runs offline.
typecheck:
	@test -x node_modules/.bin/tsc || { echo "typecheck: TypeScript is not installed here: run 'npm ci' (needs Node.js and npm)"; exit 1; }
	npx --no-install tsc -p .

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)
	cd $(SHIM) && $(GO) vet ./...

gotest:
	$(GO) test -race -count=1 $(PKGS)
	cd $(SHIM) && $(GO) test -race -count=1 ./...

# Static checks at pinned versions (the Go proxy serves both; `go run pkg@version` builds them once
# into the Go cache): golangci-lint with .golangci.yml on everything, tests included, and gosec at
# every severity and confidence on the product code, for this module and the k6 shim. .ci/run runs it.
GOLANGCI_LINT ?= github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
GOSEC         ?= github.com/securego/gosec/v2/cmd/gosec@v2.30.0

lint:
	$(GO) run $(GOLANGCI_LINT) run ./...
	cd $(SHIM) && $(GO) run $(GOLANGCI_LINT) run --config ../../.golangci.yml ./...
	$(GO) run $(GOSEC) -quiet -severity low -confidence low ./...
	cd $(SHIM) && $(GO) run $(GOSEC) -quiet -severity low -confidence low ./...

# Benchmarks print their figures (throughput, latency percentiles, memory); they need a Redis like the tests.
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# Short fuzzing sessions of the parsers of outside input: the SSE event-stream Decoder, the decoding
# of compressed streams (Content-Encoding), and the Redis
# URL parser (whose errors must never show a password). Their seed corpora under testdata/ run in
# `make test` too.
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecoder -fuzztime 30s ./sse/
	$(GO) test -run '^$$' -fuzz FuzzContentDecoding -fuzztime 30s ./sse/
	$(GO) test -run '^$$' -fuzz FuzzParseRedisURL -fuzztime 30s ./barrier/

# The users' build: a k6 binary with this extension. xk6 fetches the real k6, which this repository's
# own builds never do (see README): not run in CI.
build:
	@command -v $(XK6) >/dev/null 2>&1 || { echo "build: '$(XK6)' is not installed. Install xk6 with"; \
		echo "  go install go.k6.io/xk6/cmd/xk6@latest"; \
		echo "(it lands in $$(go env GOPATH)/bin: put that on PATH), or set XK6=/path/to/xk6."; exit 1; }
	$(XK6) build --with github.com/xk6-barrier/xk6-barrier=.

# Offline-safe: the shim replace means k6 is never asked of the proxy.
tidy:
	$(GO) mod tidy
	cd $(SHIM) && $(GO) mod tidy

# The demo (examples/demo.sh): the waiting room with an embedded Redis, and examples/sse-throughput-test.js
# against it with VUS=300. K6=/path/to/k6 uses that k6; without it, the users' `xk6 build` above makes
# ./k6 (xk6 downloads k6). Not run in CI.
demo:
	K6='$(K6)' XK6='$(XK6)' GO='$(GO)' bash examples/demo.sh barrier

# The old ZCARD controller against -promote-before-open: it hangs until its (short) timeout.
demo-legacy:
	K6='$(K6)' XK6='$(XK6)' GO='$(GO)' bash examples/demo.sh legacy
