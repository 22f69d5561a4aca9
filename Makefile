# Thin wrapper over CMake. `make demo` and `make test` set up everything they
# need on a fresh Debian 12 machine (packages through scripts/setup-deps.sh).
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps test-deps build demo test bench clean

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

clean:
	rm -rf $(BUILD)
