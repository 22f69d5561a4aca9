# Thin wrapper over CMake. `make demo` and `make test` set up everything they
# need on a fresh Debian 12 machine (packages through scripts/setup-deps.sh).
BUILD ?= build
# make test also builds with clang 14, fully static: that build's packages are
# tested in an empty chroot against the GCC build (ctest `static-package`).
CLANG_BUILD ?= build-clang
# make dist: the release tarball and .deb, into dist/.
DIST_BUILD ?= build-dist
JOBS ?= $(shell nproc)

.PHONY: all deps test-deps build demo test clang-static dist sanitize bench fuzz clean

all: build

deps:
	bash scripts/setup-deps.sh

test-deps:
	bash scripts/setup-deps.sh --test

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

demo: deps
	$(MAKE) build
	@echo "== migrasafe check examples/ =="
	@# Exit code 1 means findings (the examples include dangerous migrations).
	$(BUILD)/migrasafe check examples/ || [ $$? -eq 1 ]

test: test-deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DMIGRASAFE_WERROR=ON -DMIGRASAFE_STATIC_BUILD=$(abspath $(CLANG_BUILD))
	$(MAKE) build
	$(MAKE) clang-static
	cd $(BUILD) && ctest --output-on-failure --timeout 1500
	$(MAKE) sanitize

# The binary and the unit tests compile warning-free with clang; the tests run
# once, against the GCC build (static-package compares the two binaries).
clang-static:
	cmake -S . -B $(CLANG_BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++-14 -DMIGRASAFE_WERROR=ON -DMIGRASAFE_STATIC=ON
	cmake --build $(CLANG_BUILD) -j $(JOBS)

dist: deps
	cmake -S . -B $(DIST_BUILD) -DCMAKE_BUILD_TYPE=Release -DMIGRASAFE_STATIC=ON -DMIGRASAFE_TESTS=OFF
	cmake --build $(DIST_BUILD) -j $(JOBS) --target package
	@ls -l dist/

bench: test-deps
	$(MAKE) build
	bash bench/run.sh $(BUILD)

# The clang ASan+UBSan build (-O1): its unit suite, the fixtures, the corpus field test and every
# fuzz target for SANITIZE_FUZZ_SECONDS each (tests/sanitize.sh). Part of `make test`.
SANITIZE_BUILD ?= build-sanitize
SANITIZE_TARGETS = migrasafe migrasafe_tests fuzz_targets toml_fuzz
$(SANITIZE_BUILD)/CMakeCache.txt:
	cmake -S . -B $(SANITIZE_BUILD) -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMIGRASAFE_SANITIZE=ON

sanitize: test-deps $(SANITIZE_BUILD)/CMakeCache.txt
	cmake --build $(SANITIZE_BUILD) -j $(JOBS) --target $(SANITIZE_TARGETS)
	bash tests/sanitize.sh $(SANITIZE_BUILD)

# Every fuzz target for FUZZ_SECONDS each (tests/fuzz/README.md; the suite runs them briefly).
FUZZ_SECONDS ?= 600
fuzz: test-deps $(SANITIZE_BUILD)/CMakeCache.txt
	cmake --build $(SANITIZE_BUILD) -j $(JOBS) --target fuzz_targets toml_fuzz
	bash tests/fuzz/run_all.sh $(SANITIZE_BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(CLANG_BUILD) $(DIST_BUILD) $(SANITIZE_BUILD) dist
