# Thin wrapper over CMake. `make demo` and `make test` set up everything they
# need on a fresh Debian 12 machine (packages through scripts/setup-deps.sh).
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps test-deps build demo test sanitize bench fuzz clean

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
	$(MAKE) build
	cd $(BUILD) && ctest --output-on-failure --timeout 1500

bench: test-deps
	$(MAKE) build
	bash bench/run.sh $(BUILD)

# The clang ASan+UBSan build, its unit suite and a bounded pipeline fuzz run (tests/sanitize.sh).
SANITIZE_BUILD ?= build-sanitize
$(SANITIZE_BUILD)/CMakeCache.txt:
	cmake -S . -B $(SANITIZE_BUILD) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMIGRASAFE_SANITIZE=ON

sanitize: test-deps $(SANITIZE_BUILD)/CMakeCache.txt
	cmake --build $(SANITIZE_BUILD) -j $(JOBS) --target migrasafe migrasafe_tests pipeline_fuzz
	bash tests/sanitize.sh $(SANITIZE_BUILD)

# The fuzz targets for FUZZ_SECONDS each (tests/fuzz/; the suite runs them briefly).
FUZZ_SECONDS ?= 600
fuzz: test-deps $(SANITIZE_BUILD)/CMakeCache.txt
	$(MAKE) build
	cmake --build $(SANITIZE_BUILD) -j $(JOBS) --target pipeline_fuzz
	bash tests/fuzz/run.sh $(BUILD)/toml_fuzz toml $(FUZZ_SECONDS)
	bash tests/fuzz/run.sh $(SANITIZE_BUILD)/pipeline_fuzz pipeline $(FUZZ_SECONDS) fixtures/rules ../shared/corpus

clean:
	rm -rf $(BUILD)
