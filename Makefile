# relmongo — build, test, demo, benchmarks. GOTOOLCHAIN=local: the Temporal server pins Go 1.26.8.
export GOTOOLCHAIN := local
GO ?= go
BIN := bin/relmongo

# Packages whose tests are pure unit/workflow tests: they run under the race detector.
UNIT_PKGS := ./internal/... ./workflows/... ./apiserver/... ./activities/... ./worker/... ./cmd/...

.PHONY: build test unit e2e vet demo dev bench clean

build:
	$(GO) build -o $(BIN) ./cmd/relmongo

## test: everything CI runs — vet, unit tests with -race, end-to-end tests against real PostgreSQL.
test: vet unit e2e

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || (echo "gofmt needed:"; gofmt -l .; exit 1)

unit:
	$(GO) test -race -count=1 $(UNIT_PKGS)

e2e:
	$(GO) test -count=1 -timeout 40m ./tests/...

## demo: Chinook (SQLite, built from the embedded script) into the embedded MongoDB on the embedded dev stack.
## DEMO_FLAGS=--exit stops when the job is done; DEMO_FLAGS='--source postgres' reads Chinook from PostgreSQL.
demo: build
	./$(BIN) demo $(DEMO_FLAGS)

dev: build
	./$(BIN) dev $(DEV_FLAGS)

## bench: throughput and memory against the read/write ceilings (issue 8); ~15 min at the default size.
## BENCH_FLAGS='-rows 200000 -orders 40000' for a quick run; writes bench.json.
bench: build
	$(GO) run ./tests/bench -bin $(BIN) $(BENCH_FLAGS)

clean:
	rm -rf bin
