# Palisade. `make` builds every policy into its OCI artifact and shows the
# examples' verdicts; `make test` runs the whole suite (what CI runs).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := all

WASM_TARGET := wasm32-wasip1
POLICIES := $(notdir $(wildcard policies/*))
REFERENCE_MODULES := $(addprefix palisade-,$(notdir $(wildcard e2e/modules/*)))
# Every policy module that is packaged and published: the rules and the bundle
# (all of them in one module, run as a profile; see bundle/README.md).
PUBLISHED := $(POLICIES) bundle
# The bundle's default ClusterAdmissionPolicy runs this profile.
BUNDLE_PROFILE := profiles/pss-baseline.yml
# Registry the generated ClusterAdmissionPolicy manifests point at.
REGISTRY ?= ghcr.io/palisade-policies
# PIN=1: generated manifests reference each module by digest, not by tag.
PIN ?=
# `make push`: kwctl's sources.yaml (insecure_sources, source_authorities) for REGISTRY.
SOURCES ?=
# `make sign`: the cosign private key (its password from $COSIGN_PASSWORD);
# `make keygen` writes cosign.key and cosign.pub into KEYS.
KEY ?= cosign.key
KEYS ?= .

# --- wasm toolchain: the one place that knows how to build for wasm32 -------
# Where rustup has the wasm32-wasip1 standard library, use it. Otherwise
# (rustup cannot download it on our machines) use Debian's rustc with the
# standard library built from source: rustc-web, rust-web-src, lld, wasi-libc.
# Building std ourselves also lets panics abort without their formatting
# code (-Cpanic=immediate-abort): about 40 KB less per module.
WASM_TARGET_DIR := target/wasm
WASM_CARGO_OUT := $(WASM_TARGET_DIR)/$(WASM_TARGET)/wasm
# Optimised modules, the ones packaged and benchmarked.
WASM_OUT := $(WASM_TARGET_DIR)/modules
DEBIAN_WASM_PACKAGES := rustc-web cargo-web rust-web-src lld-19 wasi-libc
# wasm-opt (binaryen) shrinks each module by about a fifth after cargo.
WASM_OPT_PACKAGE := binaryen
WASM_FEATURES := --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
  --enable-nontrapping-float-to-int --enable-multivalue --enable-reference-types
RUSTUP_HAS_WASM := $(shell rustup target list --installed 2>/dev/null | grep -qx $(WASM_TARGET) && echo yes)
ifeq ($(RUSTUP_HAS_WASM),yes)
WASM_CARGO := cargo
WASM_STD :=
TOOLCHAIN_PACKAGES :=
else
WASM_CARGO := RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
  CARGO_TARGET_WASM32_WASIP1_LINKER=/usr/lib/llvm-19/bin/wasm-ld \
  CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="-L /usr/lib/wasm32-wasi -Zunstable-options -Cpanic=immediate-abort" cargo
WASM_STD := -Z build-std=std,panic_abort
TOOLCHAIN_PACKAGES := $(DEBIAN_WASM_PACKAGES)
endif
TOOLCHAIN_PACKAGES += $(if $(shell command -v wasm-opt),,$(WASM_OPT_PACKAGE))
# Test tools: bats runs the e2e.bats files, docker-registry is the OCI registry, jq reads JSON in bats,
# chromium runs the playground's browser tests.
TEST_PACKAGES := bats jq docker-registry chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

RUNNER := target/release/palisade
ARTIFACTS := target/artifacts

.PHONY: all artifacthub toolchain test-tools wasm runner artifacts manifests profile-manifests examples test unit e2e publish-test push keygen sign bats lint bench bench-scan clean sizes

all: artifacts artifacthub examples

# Installs what the build needs when it is missing (Debian/Ubuntu).
toolchain:
	@missing=""; for p in $(TOOLCHAIN_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

test-tools:
	@missing=""; for p in $(TEST_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

# Every policy and reference module, as waPC wasm modules. The bundle is
# built on its own: built with the rule crates, cargo would unify their
# features and link every rule's own waPC exports into it.
wasm: toolchain
	CARGO_TARGET_DIR=$(WASM_TARGET_DIR) $(WASM_CARGO) build $(WASM_STD) \
	  --target $(WASM_TARGET) --profile wasm \
	  $(addprefix -p ,$(POLICIES) $(REFERENCE_MODULES))
	CARGO_TARGET_DIR=$(WASM_TARGET_DIR) $(WASM_CARGO) build $(WASM_STD) \
	  --target $(WASM_TARGET) --profile wasm -p palisade-bundle
	@mkdir -p $(WASM_OUT); for m in $(POLICIES) bundle $(REFERENCE_MODULES); do \
	  f=$${m//-/_}.wasm; \
	  if command -v wasm-opt >/dev/null; then wasm-opt -Oz $(WASM_FEATURES) $(WASM_CARGO_OUT)/$$f -o $(WASM_OUT)/$$f; \
	  else cp $(WASM_CARGO_OUT)/$$f $(WASM_OUT)/$$f; fi; \
	done

runner:
	cargo build --release -p palisade-cli

# Annotated module, OCI image layout and ClusterAdmissionPolicy per policy.
artifacts: wasm runner
	@for p in $(POLICIES); do \
	  $(RUNNER) package policies/$$p $(WASM_OUT)/$${p//-/_}.wasm \
	    --out $(ARTIFACTS)/$$p --registry $(REGISTRY) $(if $(PIN),--pin); \
	done
	@$(RUNNER) package bundle $(WASM_OUT)/bundle.wasm --settings $(BUNDLE_PROFILE) \
	  --out $(ARTIFACTS)/bundle --registry $(REGISTRY) $(if $(PIN),--pin)
	@$(MAKE) --no-print-directory sizes profile-manifests

# Every manifest for REGISTRY: each policy's ClusterAdmissionPolicy and each
# profile's; PIN=1 references modules by digest (what was tested is what runs).
manifests: artifacts

# Each profile's ClusterAdmissionPolicyGroup and ClusterAdmissionPolicy set.
profile-manifests: runner
	@$(RUNNER) profiles --artifacts $(ARTIFACTS) --out $(ARTIFACTS)/profiles \
	  --registry $(REGISTRY) $(if $(PIN),--pin) >/dev/null
	@echo "profiles: $$(ls profiles/*.yml | wc -l) group, policy-set and bundle manifests in $(ARTIFACTS)/profiles"

sizes:
	@printf '%-28s %10s\n' module bytes; for f in $(ARTIFACTS)/*/policy.wasm; do \
	  printf '%-28s %10s\n' "$$(basename $$(dirname $$f))" "$$(stat -c %s $$f)"; done

# Artifact Hub packages, generated from each policy's metadata.yml. At a
# release (after `make push`): PIN=1 records each pushed digest, KEY_URL the
# cosign public key's URL.
artifacthub: runner
	$(RUNNER) artifacthub --policies policies --out artifacthub --registry $(REGISTRY) \
	  $(if $(PIN),--digests $(ARTIFACTS)) $(if $(KEY_URL),--signature-key-url $(KEY_URL))

# Verdict table of the manifests under examples/.
examples: artifacts
	$(RUNNER) examples --artifacts $(ARTIFACTS) --profiles profiles examples

# The README's test command: everything CI checks.
test: lint unit artifacts test-tools e2e properties publish-test bats playground-test fuzz-smoke

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

unit:
	cargo test --workspace --exclude palisade-e2e

# The end-to-end suite over the built modules (the registry tests, named
# publish_*, are publish-test's; the properties, properties_*, are properties').
e2e: artifacts
	PALISADE_ARTIFACTS=$(abspath $(ARTIFACTS)) cargo test --release -p palisade-e2e -- --skip publish_ --skip properties_

# Every policy pushed to a registry the test starts (docker-registry on
# 127.0.0.1, TLS from its own CA, htpasswd auth) and pulled back.
publish-test: artifacts test-tools
	PALISADE_ARTIFACTS=$(abspath $(ARTIFACTS)) cargo test --release -p palisade-e2e --test registry

# Push every built policy to REGISTRY (host:port/namespace), tagged with its
# version; prints each registry://...@sha256: reference. Credentials come from
# the Docker config (~/.docker/config.json, or $DOCKER_CONFIG/config.json), TLS settings
# from SOURCES (default ~/.config/kubewarden/sources.yaml when it exists).
push: artifacts
	@for p in $(PUBLISHED); do \
	  $(RUNNER) push $(ARTIFACTS)/$$p registry://$(REGISTRY)/$$p $(if $(SOURCES),--sources-path $(SOURCES)); \
	done

# A cosign key pair, KEYS/cosign.key (encrypted with $COSIGN_PASSWORD, empty
# allowed) and KEYS/cosign.pub; never overwrites a key.
keygen: runner
	$(RUNNER) keygen --out $(KEYS)

# Sign every pushed policy (`make push`) by the digest in
# target/artifacts/<policy>/digest with KEY, storing each signature in
# REGISTRY as cosign does (tag sha256-<digest>.sig). Same credentials and
# SOURCES as push. `palisade verify registry://... --key cosign.pub` checks one.
sign: runner
	@test -f $(KEY) || { echo "no key $(KEY): make keygen, or give KEY=path/to/cosign.key" >&2; exit 1; }
	@for p in $(PUBLISHED); do \
	  test -f $(ARTIFACTS)/$$p/digest || { echo "$(ARTIFACTS)/$$p/digest is missing: make artifacts push" >&2; exit 1; }; \
	  $(RUNNER) sign registry://$(REGISTRY)/$$p@$$(cat $(ARTIFACTS)/$$p/digest) --key $(KEY) $(if $(SOURCES),--sources-path $(SOURCES)); \
	done

# Each policy's e2e.bats, with `kwctl` played by our runner.
bats: artifacts test-tools
	@shim=$$(mktemp -d); ln -s $(abspath $(RUNNER)) $$shim/kwctl; \
	for p in $(POLICIES); do \
	  (cd policies/$$p && PATH=$$shim:$$PATH POLICY_WASM=$(abspath $(ARTIFACTS))/$$p/policy.wasm bats e2e.bats); \
	done; rm -rf $$shim

# Module sizes, per-request times beside the noop and floor modules, memory;
# the playground's wasm size, raw and gzipped.
bench: artifacts playground
	PALISADE_WASM=$(abspath $(WASM_OUT)) PALISADE_ARTIFACTS=$(abspath $(ARTIFACTS)) \
	  cargo bench -p palisade-e2e --bench policies
	@echo "playground wasm (every rule): $$(stat -c %s $(PLAYGROUND)/playground_bg.wasm) bytes, $$(gzip -9c $(PLAYGROUND)/playground_bg.wasm | wc -c) gzipped"
	@$(MAKE) --no-print-directory bench-scan

# The scan's throughput on one core: SCAN_OBJECTS objects (the examples,
# repeated) against pss-restricted in one `palisade scan`, beside
# `palisade run --profile` called once per object (100 calls over the
# profile table's requests), as a CI loop of single runs would.
SCAN_OBJECTS ?= 10000
bench-scan: artifacts
	@dir=$$(mktemp -d); \
	for f in examples/[0-9]*.yaml; do cat $$f; echo '---'; done > $$dir/chunk.yaml; \
	per=$$(grep -c '^kind:' $$dir/chunk.yaml); reps=$$(( ($(SCAN_OBJECTS) + per - 1) / per )); \
	for i in $$(seq $$reps); do cat $$dir/chunk.yaml; done > $$dir/objects.yaml; \
	taskset -c 0 $(RUNNER) scan $$dir/chunk.yaml --profile pss-restricted --mode monitor >/dev/null; \
	start=$$(date +%s.%N); \
	count=$$(taskset -c 0 $(RUNNER) scan $$dir/objects.yaml --profile pss-restricted --mode monitor --format json | grep -c '"location"'); \
	scan=$$(echo "$$(date +%s.%N) - $$start" | bc); \
	requests=(profiles/test_data/*.json); start=$$(date +%s.%N); \
	for i in $$(seq 100); do \
	  taskset -c 0 $(RUNNER) run --profile pss-restricted -r $${requests[$$((i % $${#requests[@]}))]} >/dev/null; done; \
	run=$$(echo "$$(date +%s.%N) - $$start" | bc); rm -rf $$dir; \
	awk -v n=$$count -v s=$$scan -v r=$$run 'BEGIN { \
	  printf "scan, pss-restricted, one core: %d objects in %.2f s, %.0f objects/s\n", n, s, n / s; \
	  printf "palisade run per object (100 calls, modules cached): %.1f ms each, %.0f objects/s\n", r * 10, 100 / r }'


# --- playground: every rule and profile in the browser (playground/) -------
# The same toolchain logic for wasm32-unknown-unknown, without wasi-libc.
# Not stripped by cargo: wasm-bindgen reads the target_features section.
# Optimised for size (opt-level z): the page loads the whole module.
WEB_TARGET := wasm32-unknown-unknown
WEB_TARGET_DIR := target/web
PLAYGROUND := target/playground
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"$$/\1/p;}' Cargo.lock)
RUSTUP_HAS_WEB := $(shell rustup target list --installed 2>/dev/null | grep -qx $(WEB_TARGET) && echo yes)
ifeq ($(RUSTUP_HAS_WEB),yes)
WEB_CARGO := CARGO_PROFILE_WASM_STRIP=false CARGO_PROFILE_WASM_OPT_LEVEL=z cargo
WEB_STD :=
WEB_PACKAGES :=
else
WEB_CARGO := RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_PROFILE_WASM_STRIP=false CARGO_PROFILE_WASM_OPT_LEVEL=z \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=/usr/lib/llvm-19/bin/wasm-ld \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none" cargo
WEB_STD := -Z build-std=std,panic_abort
WEB_PACKAGES := rustc-web cargo-web rust-web-src lld-19
endif
WEB_PACKAGES += $(if $(shell command -v wasm-opt),,$(WASM_OPT_PACKAGE)) $(if $(shell command -v python3),,python3)

.PHONY: playground playground-tools playground-test

# The toolchain, and wasm-bindgen-cli at the version of the wasm-bindgen
# crate in Cargo.lock (--locked fails when the registry index lacks a
# version the CLI's own lock file names; then cargo resolves afresh).
playground-tools:
	@missing=""; for p in $(WEB_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	@if [ "$$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --locked \
	    || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); \
	fi

# The static page: index.html, its JavaScript, the wasm and the seed
# examples. The rules link kubewarden-policy-sdk, whose wapc-guest defines
# the waPC export __guest_call; it is dropped (with the `wapc` imports it
# needs) before wasm-bindgen. wasm-opt runs before wasm-bindgen: binaryen
# 108 breaks wasm-bindgen's externref table. --low-memory-unused: wasm-ld
# places nothing below address 1024.
playground: playground-tools
	CARGO_TARGET_DIR=$(WEB_TARGET_DIR) $(WEB_CARGO) build $(WEB_STD) \
	  --target $(WEB_TARGET) --profile wasm -p palisade-playground
	python3 playground/tools/drop-exports.py $(WEB_TARGET_DIR)/$(WEB_TARGET)/wasm/playground.wasm \
	  $(WEB_TARGET_DIR)/playground.wasm __guest_call
	wasm-opt -Oz --low-memory-unused $(WASM_FEATURES) $(WEB_TARGET_DIR)/playground.wasm -o $(WEB_TARGET_DIR)/playground.wasm
	rm -rf $(PLAYGROUND) && mkdir -p $(PLAYGROUND)/examples
	wasm-bindgen --target web --no-typescript --out-dir $(PLAYGROUND) $(WEB_TARGET_DIR)/playground.wasm
	@! grep -q '"wapc"' $(PLAYGROUND)/playground.js || { echo "the playground imports waPC" >&2; exit 1; }
	cp playground/web/* $(PLAYGROUND)/
	cp examples/01-nginx-privileged.yaml examples/02-nginx-unprivileged.yaml \
	  examples/04-log-shipper-deployment.yaml $(PLAYGROUND)/examples/
	@# Served beside the module, listed in catalogue.json: every rule's README
	@# (its settings table gives the editor's defaults) and every profile.
	@mkdir -p $(PLAYGROUND)/rules $(PLAYGROUND)/profiles
	@for p in $(POLICIES); do cp policies/$$p/README.md $(PLAYGROUND)/rules/$$p.md; done
	@cp profiles/*.yml $(PLAYGROUND)/profiles/
	@printf '{"rules": [%s], "profiles": [%s]}\n' \
	  "$$(printf '"%s",' $(POLICIES) | sed 's/,$$//')" \
	  "$$(for f in profiles/*.yml; do printf '"%s",' "$$(basename $$f .yml)"; done | sed 's/,$$//')" \
	  > $(PLAYGROUND)/catalogue.json
	@echo "playground: $(PLAYGROUND)/index.html (serve it: $(RUNNER) playground); wasm $$(stat -c %s $(PLAYGROUND)/playground_bg.wasm) bytes, $$(gzip -9c $(PLAYGROUND)/playground_bg.wasm | wc -c) gzipped"

# Every e2e case file and the profile table through the page in headless
# Chromium; writes target/playground-screenshot.png.
playground-test: playground test-tools runner
	python3 playground/tools/browser_test.py $(PLAYGROUND) target/playground-screenshot.png

clean:
	cargo clean

# --- fuzzing (fuzz/): cargo fuzz, libFuzzer with AddressSanitizer ----------
# The stable toolchain ships the sanitizer runtime; RUSTC_BOOTSTRAP=1 lets
# cargo fuzz pass its -Z flags. Targets: request parsing and every rule
# through the bundle (bytes, and generated requests under every profile),
# settings of every rule, each parser of the SDK, and the parsers private
# to a policy (sysctl patterns, SELinux levels, external IPs). Each corpus is kept
# minimised in fuzz/corpus/<target>; `make fuzz-corpus` adds the seeds
# (fuzz/seeds.py: the e2e cases and fixtures) and minimises again.
CARGO_FUZZ_VERSION := 0.13.1
FUZZ_TARGETS := bundle_bytes bundle_requests settings quantity image ports capabilities profile sysctl selinux_level external_ip
# `make fuzz FUZZ_SECONDS=N`: every target N seconds, then the properties
# over FUZZ_PROPERTY_CASES generated requests per rule and per profile.
FUZZ_SECONDS ?= 60
FUZZ_PROPERTY_CASES ?= 30000
# `make test`: each target over its committed corpus, then a few seconds.
FUZZ_SMOKE_SECONDS ?= 4
FUZZ := cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz

.PHONY: fuzz fuzz-tools fuzz-build fuzz-smoke fuzz-corpus properties

# Properties over generated requests through the built modules (every rule,
# every profile; e2e/tests/properties.rs): counts per property printed.
# PROPERTY_CASES=N requests per rule and per profile (default 3000).
properties: artifacts
	PALISADE_ARTIFACTS=$(abspath $(ARTIFACTS)) $(if $(PROPERTY_CASES),PALISADE_PROPERTY_CASES=$(PROPERTY_CASES)) \
	  cargo test --release -p palisade-e2e --test properties -- --nocapture --test-threads 2

fuzz-tools:
	@if [ "$$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $(CARGO_FUZZ_VERSION)" ]; then \
	  cargo install cargo-fuzz --version $(CARGO_FUZZ_VERSION) --locked; \
	fi

fuzz-build: fuzz-tools
	$(FUZZ) build -O -a

# New inputs go to a scratch directory: the committed corpus stays as it is.
fuzz-smoke: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  scratch=$$(mktemp -d); start=$$(date +%s); \
	  ($(FUZZ) run -O -a $$t $$scratch corpus/$$t -- -max_total_time=$(FUZZ_SMOKE_SECONDS) \
	    -rss_limit_mb=4096 -print_final_stats=0 >$$scratch.log 2>&1) \
	    || { tail -60 $$scratch.log; rm -rf $$scratch $$scratch.log; exit 1; }; \
	  printf 'fuzz %-16s %4s inputs in the corpus, %3ss\n' $$t "$$(ls fuzz/corpus/$$t | wc -l)" $$(( $$(date +%s) - start )); \
	  rm -rf $$scratch $$scratch.log; \
	done

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  log=$$(mktemp); \
	  ($(FUZZ) run -O -a $$t corpus/$$t -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 \
	    -print_final_stats=1 >$$log 2>&1) || { tail -60 $$log; rm -f $$log; exit 1; }; \
	  printf 'fuzz %-16s %ss, %s runs, %s inputs in the corpus\n' $$t $(FUZZ_SECONDS) \
	    "$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log)" "$$(ls fuzz/corpus/$$t | wc -l)"; \
	  rm -f $$log; \
	done
	@$(MAKE) --no-print-directory properties PROPERTY_CASES=$(FUZZ_PROPERTY_CASES)

fuzz-corpus: fuzz-build
	python3 fuzz/seeds.py fuzz/corpus
	@# Edges only (no hit counts): a corpus a fraction of the size.
	@for t in $(FUZZ_TARGETS); do ($(FUZZ) cmin -O -a $$t corpus/$$t -- -use_counters=0) || exit 1; done
