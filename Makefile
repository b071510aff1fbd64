# SPDX-License-Identifier: Apache-2.0
# Two commands matter: `make run` and `make test`. Everything else is for
# contributors. Every target installs the Debian packages it needs first.
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
BIN     := build/release/workflowai
SAMPLE  ?= samples/maven-test-failure.log

.PHONY: all deps build run test lint format fuzz bench eval clean

all: build

deps:
	@scripts/deps.sh build

build: deps
	@cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DWF_WERROR=ON >/dev/null
	@cmake --build build/release -j$(JOBS) --target workflowai >build/release/build.log 2>&1 \
	  || { cat build/release/build.log; exit 1; }

# Triage the bundled sample log and print the report.
run: build
	@$(BIN) triage $(SAMPLE)

# Every test under ASan+UBSan, warnings as errors, the release build, the lint checks,
# then the threaded modules' tests and the service's e2e tests under TSan.
test:
	@scripts/deps.sh test
	@cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DWF_SANITIZE=ON -DWF_WERROR=ON >/dev/null
	@cmake --build build/asan -j$(JOBS)
	@$(MAKE) --no-print-directory build   # the optimised build `make run` uses warns differently
	@$(MAKE) --no-print-directory lint
	@cd build/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j$(JOBS)
	@# the threaded parts again under ThreadSanitizer: server, store, queue, HTTP, client, search index
	@cmake -S . -B build/tsan -DCMAKE_BUILD_TYPE=Debug -DWF_TSAN=ON -DWF_WERROR=ON >/dev/null
	@cmake --build build/tsan -j$(JOBS)
	@cd build/tsan && TSAN_OPTIONS=halt_on_error=1 \
	  ctest --output-on-failure -j$(JOBS) -R '^(unit\.(http|store|queue|server|provider|search)\.|e2e\.test_serve)'

lint:
	@scripts/lint.sh

format:
	@git ls-files '*.c' '*.h' | xargs clang-format -i

# libFuzzer targets (clang), each run for FUZZ_SECONDS on its corpus.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/deps.sh fuzz
	@CC=clang cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWF_FUZZ=ON >/dev/null
	@cmake --build build/fuzz -j$(JOBS)
	@scripts/fuzz.sh build/fuzz $(FUZZ_SECONDS)

bench: build
	@scripts/deps.sh bench
	@bench/run.sh $(BIN)
	@bench/redact.sh $(BIN)
	@bench/http.sh '$(abspath $(BIN)) serve --listen 127.0.0.1:$$PORT --io-threads 1 --workers 0 --store sqlite:$$(mktemp -d)/health.db --log-level warn'
	@bench/ingest.sh $(BIN)
	@bench/search.sh $(BIN)
	@bench/dora.sh $(BIN)

clean:
	rm -rf build
