# vouch: the two commands a newcomer needs are `make run` and `make test`.
# Both first install any missing Debian packages (scripts/setup.sh), then
# build with CMake.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CONFIG     ?=
FUZZ_TIME  ?= 60

MAKEFLAGS += --no-print-directory

.PHONY: all deps build build-asan run test test-fast test-asan test-under-load fuzz bench bench-dkim bench-cluster clean

all: build

deps:
	@./scripts/setup.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: deps $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/CMakeCache.txt:
	CC=clang cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DVOUCH_SANITIZE=ON >/dev/null

build-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# Start vouchd in the foreground: 127.0.0.1:2525, data under ./var, mail for
# localhost delivered to Maildir. `make run CONFIG=my.conf` uses a file.
run: build
	@./scripts/run.sh $(BUILD) $(CONFIG)

# Every unit and integration test, then all of them again under
# AddressSanitizer + UndefinedBehaviorSanitizer (built with clang).
test: build build-asan
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

# The flakiness check: the whole suite in both builds RUNS times in a row
# beside two CPU burners (scripts/test-under-load.sh); not part of `test`.
RUNS ?= 10
test-under-load: build build-asan
	./scripts/test-under-load.sh $(RUNS) $(JOBS) $(TOGETHER)

# Each libFuzzer target (or those in FUZZ_TARGETS) for FUZZ_TIME seconds
# (see tests/fuzz/README.md).
fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVOUCH_FUZZ=ON -DVOUCH_INTEGRATION=OFF >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	./tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TIME) $(FUZZ_TARGETS)

# DKIM sign/verify rates (vouch vs OpenDKIM vs dkimpy) and what DKIM
# verify + DMARC cost vouchd's acceptance (bench/README.md "DKIM and
# DMARC"); as root, minutes, never part of `test`.
bench-dkim: build
	/usr/bin/python3 bench/dkim/run --build $(BUILD)
	VOUCH_BUILD=$(abspath $(BUILD)) /usr/bin/python3 bench/dkim/accept

# One node on its own SQLite store vs one on Redis (store = redis://...):
# acceptance in the same run (bench/README.md "Cluster"); as root, minutes.
bench-cluster: build
	VOUCH_BUILD=$(abspath $(BUILD)) /usr/bin/python3 bench/cluster/run

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
