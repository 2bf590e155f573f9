# Thin wrapper over CMake: deps, build, test, demo, bench, fuzz.
BUILD   ?= build
JOBS    ?= $(shell nproc)
CMAKE_FLAGS ?=
ifeq ($(SANITIZE),1)
# Instrumented code makes GCC 12 report false maybe-uninitialized warnings
# inside libstdc++ (std::regex in Catch2): warnings stay, but not as errors.
BUILD := build-san
CMAKE_FLAGS += -DTICK_SANITIZE=ON -DTICK_WERROR=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
endif

.PHONY: all deps build test demo bench fuzz chaos clean install package
all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# The demo's build step is quiet (its output is shown only if it fails).
demo: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@out=$$(cmake --build $(BUILD) -j $(JOBS) 2>&1) || { printf '%s\n' "$$out" >&2; exit 1; }
	@bash scripts/demo.sh $(BUILD)

bench: 
	@TICK_DEPS=bench bash scripts/install-deps.sh
	@$(MAKE) --no-print-directory build
	@bash bench/run.sh $(BUILD)

# The system run whole under faults: CHAOS_SEEDS (three random ones by
# default) of CHAOS_SECONDS each; a failing seed is printed for replay.
CHAOS_SECONDS ?= 120
chaos: build
	@for seed in $${CHAOS_SEEDS:-$$(shuf -i 1-999999 -n 3)}; do \
	  CHAOS_SEED=$$seed CHAOS_SECONDS=$(CHAOS_SECONDS) bash scripts/chaos.sh $(BUILD) || exit 1; done

fuzz:
	@TICK_DEPS=all bash scripts/install-deps.sh
	@bash fuzz/run.sh $(FUZZ_SECONDS)

# PREFIX=DIR installs there (default: CMake's, /usr/local)
install: build
	@cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

# build/package/tick_VERSION_amd64.deb (binaries built for this CPU unless
# CMAKE_FLAGS=-DTICK_MARCH=x86-64-v2)
package: build
	@cd $(BUILD) && cpack -G DEB -B package >/dev/null && ls $(BUILD)/package/*.deb

clean:
	rm -rf build build-san build-fuzz
