# Facturo. `make run` starts everything in one process; `make test` runs
# every test against a real PostgreSQL and NATS that the tests start.

GO        ?= go
BIN       := bin
PKGS      := ./...
# Tests start PostgreSQL clusters and NATS servers; two packages at a time
# fit a 2-core machine.
TESTFLAGS ?= -race -count=1 -p 2 -timeout 15m

.PHONY: run test lint build bench fuzz check-postgres clean help

help:
	@echo "make run    start API + worker + embedded NATS + local PostgreSQL at http://127.0.0.1:8080 (dashboard at /dashboard)"
	@echo "make test   run all tests (race detector on) against real PostgreSQL and NATS"
	@echo "make lint   gofmt, go vet, staticcheck"
	@echo "make build  build bin/facturo, bin/api, bin/worker"
	@echo "make bench  run the Go benchmarks"
	@echo "make fuzz   run each fuzz target for FUZZTIME (default 30s)"
	@echo "make screenshots  write the dashboard's screenshots to docs/screenshots (needs chromium)"

# Built, then run directly rather than with go run: go run exits 1 when
# Ctrl-C reaches it, so make would end a clean shutdown with "Error 1".
run: check-postgres
	$(GO) build -o $(BIN)/facturo ./cmd/facturo
	$(BIN)/facturo

test: check-postgres
	$(GO) test $(TESTFLAGS) $(PKGS)

build:
	$(GO) build -o $(BIN)/ ./cmd/...

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

# One table of figures against baselines from the same run (bounded: about
# four minutes at the defaults on 2 cores, a minute of it seeding the
# flat-cost rows); the Go micro-benchmarks follow.
BENCHFLAGS ?=
bench: check-postgres
	$(GO) run ./tools/cmd/bench $(BENCHFLAGS) -out BENCHMARKS.md
	$(GO) test -run '^$$' -bench . -benchmem ./internal/auth/... ./internal/httpapi/... ./internal/pdf/... ./internal/postgres/... ./projections/... ./webhooks/...

# Fault injection, nothing lost (a few minutes; not part of make test):
# two APIs and two workers as processes, APIs and workers SIGKILLed, NATS
# and PostgreSQL restarted during a keyed write load, every write retried
# with its Idempotency-Key, then a total-queue checker.
CHAOSFLAGS ?=
.PHONY: chaos
chaos: check-postgres
	$(GO) build -o $(BIN)/ ./cmd/api ./cmd/worker
	$(GO) run ./tools/cmd/chaos -bin $(BIN) $(CHAOSFLAGS)

# The screenshots of docs/dashboard.md, taken in headless Chromium against a
# whole running system with sample data; the same test checks that every
# page fits a phone's width.
.PHONY: screenshots
screenshots: check-postgres
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 || \
		{ echo "chromium not found; install it (Debian/Ubuntu: sudo apt-get install -y chromium)"; exit 1; }
	$(GO) test -count=1 -run '^TestPagesFitAPhoneAndScreenshots$$' ./internal/dashboard/browser/ -args -screenshots=$(CURDIR)/docs/screenshots
	@ls docs/screenshots

FUZZTIME ?= 30s
fuzz:
	@for target in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for fn in $$(grep -h '^func Fuzz' $$target/*_test.go | sed -E 's/func (Fuzz[A-Za-z0-9_]+).*/\1/'); do \
			echo "== $$target $$fn"; \
			$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$target || exit 1; \
		done; \
	done

# The local PostgreSQL cluster needs the server binaries (initdb, postgres).
check-postgres:
	@if [ -z "$$DATABASE_URL" ] && [ -z "$$FACTURO_TEST_DATABASE_URL" ] && \
	    ! command -v pg_config >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "PostgreSQL server binaries not found."; \
		echo "Install them (Debian/Ubuntu): sudo apt-get install -y postgresql"; \
		echo "or point DATABASE_URL at an existing PostgreSQL 15+."; \
		exit 1; \
	fi

clean:
	rm -rf $(BIN)
