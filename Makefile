# The two commands a user needs: `make run` and `make test`. Both install what is missing first.
JOBS ?= $(shell nproc)
BUILD ?= build
LISTEN ?= 127.0.0.1:8000
DATA_DIR ?= ./data

# Fuzzing (docs/operations.md, "Fuzzing"): the libFuzzer targets build with clang in their own
# tree; `make fuzz` runs each FUZZ_SECONDS and merges what it finds into tests/fuzz/corpus/,
# `make test` replays that corpus and runs each target FUZZ_TEST_SECONDS.
FUZZ_BUILD ?= $(BUILD)-fuzz
FUZZ_SECONDS ?= 300
FUZZ_TEST_SECONDS ?= 10
FUZZ_JOBS ?= $(JOBS)
export FUZZ_SECONDS FUZZ_TEST_SECONDS FUZZ_JOBS FUZZ_TARGETS FUZZ_FLAGS FUZZ_TIMEOUT

.PHONY: setup build run test unit integration bench soak asan format clean demo fuzz fuzz-build

setup:
	@./scripts/setup.sh

# Ninja (installed by setup) starts a target's compiles before the libraries it links are built,
# which keeps both cores busy with the few large unity translation units. A tree configured
# earlier keeps its generator.
$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

build: setup $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# `make run` and `make bench` build only what they start: after `make test` the server is up in
# seconds instead of first compiling the unit tests and benchmarks of the Release tree.
run: setup $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target modelwatch
	$(BUILD)/modelwatch serve --listen $(LISTEN) --data-dir $(DATA_DIR)

# Unit tests run under ASan/UBSan (build-asan); integration tests start the Release binary.
# Unit tests build only in the sanitizer tree, so the Release tree builds just what the
# integration tests run (the binary and the test driver).
test: setup $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target modelwatch integration_tests
	cmake -S . -B $(BUILD)-asan $(if $(wildcard $(BUILD)-asan/CMakeCache.txt),,-G Ninja) -DCMAKE_BUILD_TYPE=Debug -DMODELWATCH_SANITIZE=ON -DMODELWATCH_UNIT_ONLY=ON >/dev/null
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ctest --output-on-failure -j $(JOBS) -L unit
	@# The integration tests mostly wait on the servers they start (about half a core), so the
	@# fuzz tree compiles meanwhile; its output is shown when it fails.
	@$(MAKE) --no-print-directory fuzz-build > $(BUILD)/fuzz-build.log 2>&1 & fuzz_build=$$!; \
	  (cd $(BUILD) && ctest --output-on-failure -L integration); tests=$$?; \
	  if ! wait $$fuzz_build; then cat $(BUILD)/fuzz-build.log; echo "fuzz-build failed"; exit 1; fi; \
	  echo "fuzz-build: done (log in $(BUILD)/fuzz-build.log)"; exit $$tests
	./scripts/fuzz.sh test $(FUZZ_BUILD)

# The fuzz tree: clang (libFuzzer), ASan+UBSan, only the libraries and the fuzz targets; a tree
# configured earlier keeps its compiler and generator.
fuzz-build: setup
	CXX=clang++ cmake -S . -B $(FUZZ_BUILD) $(if $(wildcard $(FUZZ_BUILD)/CMakeCache.txt),,-G Ninja) -DCMAKE_BUILD_TYPE=Debug -DMODELWATCH_FUZZ=ON >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets

fuzz: fuzz-build
	./scripts/fuzz.sh run $(FUZZ_BUILD)

# Starts the server on $(LISTEN) with a fresh data directory and feeds it two minutes of simulated
# traffic with drift injected halfway (docs/simulate.md); Ctrl-C stops it.
demo: setup $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target modelwatch
	./scripts/demo.sh $(BUILD) $(LISTEN)

bench: setup $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target modelwatch benchmarks
	./bench/run_bench.sh $(BUILD)

# Minutes of mixed valid and invalid traffic with RSS and open fds sampled (docs/benchmarks.md#soak);
# not part of `make test`. SOAK_SECONDS (default 600), SOAK_INVALID (e.g. all,-deep_registry), ...
soak: setup $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target modelwatch
	./bench/soak.py $(BUILD)

format:
	find src tests bench -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(FUZZ_BUILD)
