# The two commands a newcomer runs: `make run` and `make test`.
GO      ?= go
GOFLAGS ?=
# CI sets TESTFLAGS=-race; locally the plain run is faster.
TESTFLAGS ?=
BENCHTIME ?= 1x

.PHONY: run test tiletest webdeps bench bench-full lint build clean sample fuzz

run: webdeps ## the service on ./data/cadastre.gpkg with the sample commune, on http://127.0.0.1:8080
	$(GO) run ./cmd/cadastre serve

build:
	$(GO) build -o bin/cadastre ./cmd/cadastre

test: tiletest webdeps ## every test; PostGIS tests skip loudly unless CADASTRE_REQUIRE_POSTGIS=1
	$(GO) vet ./...
	env -u CADASTRE_PG_RESTART_CMD $(GO) test $(TESTFLAGS) -count=1 -timeout 20m ./...
	@# With CADASTRE_PG_RESTART_CMD (CI: pg_ctlcluster 15 main restart), the
	@# coherence test restarts the real database server; it runs alone, after
	@# the parallel suite, so that no other test loses its connections.
	@if [ -n "$$CADASTRE_PG_RESTART_CMD" ]; then \
		$(GO) test $(TESTFLAGS) -count=1 -run 'TestPostGISTwoInstancesCoherent' -v ./cmd/cadastre; fi

# The decoders of the Node tile test (tiles/node_test.go runs it), from the
# committed lockfile; without npm the test skips loudly (fails in CI, which
# sets CADASTRE_REQUIRE_NODE=1).
tiletest:
	@if command -v npm >/dev/null; then cd web/tiletest && npm ci --no-audit --no-fund --loglevel=error; \
	else echo "*** npm not found: the Node tile test will skip"; fi

# MapLibre GL JS for the map page (web/), from the committed lockfile; the
# binary serves its dist files from web/node_modules. Without npm the page
# does not work and the browser test skips (fails in CI, which sets
# CADASTRE_REQUIRE_BROWSER=1).
webdeps: web/node_modules/.package-lock.json
web/node_modules/.package-lock.json: web/package-lock.json
	@if command -v npm >/dev/null; then cd web && npm ci --no-audit --no-fund --loglevel=error; \
	else echo "*** npm not found: the map page will not load MapLibre (run npm ci in web/)"; fi

bench: ## Go benchmarks of every package (see BENCHMARKS.md for the recorded figures)
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) -benchmem ./...

PLOTS ?= 500000
bench-full: ## the comparisons against PostGIS and GDAL on generated data (PLOTS=3300000 for a province)
	$(GO) run ./cmd/cadbench ingest --plots 1000000
	$(GO) run ./cmd/cadbench lookup --plots $(PLOTS)
	$(GO) run ./cmd/tilebench -plots $(PLOTS)
	$(GO) run ./cmd/extractbench -plots $(PLOTS) -per-class 2000

# Every native Go fuzz target of the repository (func FuzzX(f *testing.F)
# in a _test.go file), found by name so that a parser's new target runs
# without being listed here; each for FUZZTIME, one after the other (go
# test -fuzz takes one target per package and run). CI runs each for 20 s.
FUZZTIME ?= 60s
fuzz: ## fuzz each target for FUZZTIME (default 60s); a failing input lands in the package's testdata/fuzz
	@set -e; found=0; \
	for f in $$(git ls-files '*_test.go'); do \
		for fn in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(f \*testing\.F).*/\1/p' $$f); do \
			found=$$((found+1)); echo "--- fuzz $$fn in ./$$(dirname $$f) for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) ./$$(dirname $$f); \
		done; \
	done; \
	echo "--- $$found fuzz targets ran for $(FUZZTIME) each"; [ $$found -gt 0 ]

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

sample: ## regenerate the committed sample (sampledata/sample)
	$(GO) test ./sampledata -run TestCommittedSampleUpToDate -update

clean:
	rm -rf bin data
