# xk6-barrier. `make test` is the test command (CI runs it through .ci/run).
GO      ?= go
K6      ?=
XK6     ?= xk6
PKGS    := ./...
SHIM    := internal/k6shim
# The shim is a module of its own that go.work does not use (go.work replaces go.k6.io/k6/v2 with it):
# commands run inside it leave the workspace.
SHIMGO  := cd $(SHIM) && GOWORK=off $(GO)

.PHONY: test deps fmt-check vet gotest bench-smoke lint bench build tidy fuzz typecheck demo demo-legacy

test: typecheck fmt-check vet gotest bench-smoke

# What the tests need from the registries, fetched once: the Go modules of go.mod (the shim's
# included; never k6, which go.work replaces) and the pinned npm packages of package-lock.json.
# Afterwards `GOPROXY=off make test` runs offline, as .ci/run does.
deps: node_modules/.package-lock.json
	$(GO) mod download
	$(SHIMGO) mod download

# npm ci when node_modules is missing or older than package-lock.json / package.json.
node_modules/.package-lock.json: package-lock.json package.json
	@command -v npm >/dev/null 2>&1 || { echo "typecheck needs Node.js 20+ and npm (to install the pinned TypeScript of package-lock.json)"; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

# TypeScript check of index.d.ts and the example k6 scripts (tsconfig.json) with the pinned tsc and
# @types/k6 of package-lock.json (installed by the rule above when missing or stale).
typecheck: node_modules/.package-lock.json
	npx --no-install tsc -p .

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)
	$(SHIMGO) vet ./...

gotest:
	$(GO) test -race -count=1 $(PKGS)
	$(SHIMGO) test -race -count=1 ./...

# Every benchmark once (-benchtime 1x), so that none can rot unnoticed; `make bench` measures.
bench-smoke:
	$(GO) test -run '^$$' -bench . -benchtime 1x $(PKGS)

# Static checks at pinned versions (the Go proxy serves both; `go run pkg@version` builds them once
# into the Go cache): golangci-lint with .golangci.yml on everything, tests included, and gosec at
# every severity and confidence on the product code, for this module and the k6 shim. .ci/run runs it.
GOLANGCI_LINT ?= github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
GOSEC         ?= github.com/securego/gosec/v2/cmd/gosec@v2.30.0

lint:
	$(GO) run $(GOLANGCI_LINT) run ./...
	$(SHIMGO) run $(GOLANGCI_LINT) run --config ../../.golangci.yml ./...
	$(GO) run $(GOSEC) -quiet -severity low -confidence low ./...
	$(SHIMGO) run $(GOSEC) -quiet -severity low -confidence low ./...

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
# own builds never do (see README): not run in CI. GOWORK=off: xk6 passes the go environment of this
# checkout on to its own build directory, where our go.work (the shim) must not apply.
build:
	@command -v $(XK6) >/dev/null 2>&1 || { echo "build: '$(XK6)' is not installed. Install xk6 with"; \
		echo "  go install go.k6.io/xk6/cmd/xk6@latest"; \
		echo "(it lands in $$(go env GOPATH)/bin: put that on PATH), or set XK6=/path/to/xk6."; exit 1; }
	GOWORK=off $(XK6) build --with github.com/xk6-barrier/xk6-barrier=.

# go mod tidy ignores go.work: it runs with the shim's replace put into go.mod for the while (so k6
# is never asked of the proxy) and taken out again, whatever tidy's result.
tidy:
	$(GO) mod edit -replace go.k6.io/k6/v2=./$(SHIM)
	GOWORK=off $(GO) mod tidy; st=$$?; $(GO) mod edit -dropreplace go.k6.io/k6/v2; exit $$st
	$(SHIMGO) mod tidy

# The demo (examples/demo.sh): the waiting room with an embedded Redis, and examples/sse-throughput-test.js
# against it with VUS=300. K6=/path/to/k6 uses that k6; without it, the users' `xk6 build` above makes
# ./k6 (xk6 downloads k6). Not run in CI.
demo:
	K6='$(K6)' XK6='$(XK6)' GO='$(GO)' bash examples/demo.sh barrier

# The old ZCARD controller against -promote-before-open: it hangs until its (short) timeout.
demo-legacy:
	K6='$(K6)' XK6='$(XK6)' GO='$(GO)' bash examples/demo.sh legacy
