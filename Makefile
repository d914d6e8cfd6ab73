# Tessera: `make run` serves the app, `make test` runs every test.
# Each install step is skipped when its tool is already there, so a warm machine
# pays nothing and a fresh one needs nothing but Rust, Node and apt.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

export PATH := $(HOME)/.cargo/bin:$(CURDIR)/end2end/node_modules/.bin:$(PATH)

CARGO_LEPTOS_VERSION := 0.3.11
CARGO_FUZZ_VERSION := 0.13.2
# The wasm-bindgen CLI must match the library version in Cargo.lock exactly.
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ {getline; gsub(/"/, "", $$3); print $$3}' Cargo.lock)
# cargo-leptos builds with this flag in debug; `cargo test` uses it too so it reuses that build.
TEST_RUSTFLAGS := --cfg erase_components
# Leptos reads LEPTOS_OUTPUT_NAME at compile time (to name the .wasm file the page loads).
# cargo-leptos sets it; every other cargo command must set it too, or it rebuilds
# target/debug/tessera into a binary that asks for a wasm file that does not exist.
export LEPTOS_OUTPUT_NAME := tessera

.PHONY: help run build release test test-unit test-e2e test-battery test-fuzz test-postgres e2e-release lint size bench battery fuzz lighthouse tools fuzz-tools native-deps wasm-target wasm-std browser postgres clean

help:
	@echo "make run      build and serve on http://localhost:3000 (data in ./data)"
	@echo "make test     cargo test, then the Playwright suite against a real server,"
	@echo "              then both suites again on a throwaway PostgreSQL cluster"
	@echo "make release  optimised build (target/release/tessera + target/site)"
	@echo "make size     release WASM/JS/CSS sizes, raw and compressed; first-visit downloads; slow-phone timings"
	@echo "make lighthouse  Lighthouse scores of the release build (phone and desktop)"
	@echo "make lint     rustfmt and clippy for the server and the browser builds"
	@echo "make battery  load, crash, malformed-input and fuzz battery on the release build (~20 min)"
	@echo "make fuzz     cargo-fuzz, 60 s for each parser of untrusted bytes"

## --- tools -------------------------------------------------------------------

wasm-target:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

# The standard library's source: the release WASM builds its own (see `release`).
wasm-std:
	@rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src

# OpenSSL's headers and pkg-config: webauthn-rs (passkeys) links the system's OpenSSL.
native-deps:
	@if ! pkg-config --exists openssl 2>/dev/null; then \
	  echo "Installing OpenSSL headers and pkg-config from Debian"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] && echo "" || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libssl-dev pkg-config; \
	fi

tools: end2end/node_modules/.installed wasm-target native-deps
	@if ! cargo leptos --version 2>/dev/null | grep -q "$(CARGO_LEPTOS_VERSION)"; then \
	  echo "Installing cargo-leptos $(CARGO_LEPTOS_VERSION) (about 20 minutes, once)"; \
	  cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked --ignore-rust-version --features no_downloads; \
	fi
	@if ! wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)"; then \
	  echo "Installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION)"; \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force; \
	fi

fuzz-tools:
	@if ! cargo fuzz --version 2>/dev/null | grep -q "$(CARGO_FUZZ_VERSION)"; then \
	  echo "Installing cargo-fuzz $(CARGO_FUZZ_VERSION) (about 2 minutes, once)"; \
	  cargo install cargo-fuzz --version $(CARGO_FUZZ_VERSION) --locked; \
	fi

# wasm-opt (binaryen) and Playwright come from npm; see end2end/package.json.
end2end/node_modules/.installed: end2end/package.json end2end/package-lock.json
	cd end2end && npm ci --no-audit --no-fund
	touch $@

# Debian's Chromium (Playwright cannot download its own browser here) and the
# sqlite3 shell (the end-to-end suite ages a session with it).
browser:
	@if [ ! -x "$${CHROMIUM_PATH:-/usr/bin/chromium}" ] || ! command -v sqlite3 >/dev/null; then \
	  echo "Installing Chromium and sqlite3 from Debian"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] && echo "" || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium sqlite3; \
	fi

# PostgreSQL for the suite's second engine: Debian's server and pg_virtualenv.
postgres:
	@if ! command -v pg_virtualenv >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "Installing PostgreSQL from Debian"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] && echo "" || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq postgresql postgresql-client; \
	fi

## --- build and run -------------------------------------------------------------

build: tools
	cargo leptos build --split

run: build
	./target/debug/tessera serve

# erase_components also in release: ~5% smaller WASM and much shallower types.
# --precompress writes each file under target/site/pkg brotli- and gzip-compressed
# beside it; the server sends the one the browser accepts.
# The release WASM gets a standard library of its own (rust-src), built with the
# app: for size, with panics that abort at once (no message formatting, no file
# names in the bundle), except the allocator and `alloc`, kept at opt-level 3 as
# in the prebuilt library (at "z" a slow phone's hydration took ~25 % longer).
# The sign-in page's first visit went 218 -> 199 KB. Both are cargo's unstable -Z
# flags, enabled on this stable toolchain by RUSTC_BOOTSTRAP, and apply to the
# WASM build only (--lib-cargo-args). Debug builds keep panic messages in the
# browser's console. README, "The front end", has the measurements.
RELEASE_WASM_ARGS := --lib-cargo-args=-Zbuild-std=std,panic_abort \
  --lib-cargo-args=-Zpanic-immediate-abort \
  '--lib-cargo-args=--config=profile.wasm-release.panic="immediate-abort"' \
  --lib-cargo-args=--config=profile.wasm-release.package.dlmalloc.opt-level=3 \
  --lib-cargo-args=--config=profile.wasm-release.package.alloc.opt-level=3
release: tools wasm-std
	RUSTC_BOOTSTRAP=1 RUSTFLAGS="$(TEST_RUSTFLAGS)" cargo leptos build --release --split --precompress $(RELEASE_WASM_ARGS)

## --- tests ---------------------------------------------------------------------

test: test-unit test-e2e test-battery test-fuzz test-postgres

test-unit: build
	RUSTFLAGS="$(TEST_RUSTFLAGS)" cargo test --no-default-features --features ssr

test-e2e: build browser
	end2end/run.sh target/debug/tessera

# The battery's short slice (see `make battery`): load 20 s, 5 crash rounds.
test-battery: build browser
	end2end/battery/run.sh target/debug/tessera --slice

# Every fuzz target for 10 s (the long run is `make fuzz`); a crash fails.
test-fuzz: fuzz-tools native-deps
	end2end/battery/fuzz.sh 10

# The integration suite (each test on a database of its own), the browser
# suite and the battery's slice again, on a throwaway PostgreSQL cluster.
test-postgres: build browser postgres
	end2end/with-postgres.sh bash -c ' \
	  env -u TESSERA_DATABASE_URL TESSERA_TEST_DATABASE_URL="$$TESSERA_DATABASE_URL" \
	    RUSTFLAGS="$(TEST_RUSTFLAGS)" cargo test --no-default-features --features ssr --test it && \
	  end2end/run.sh target/debug/tessera && \
	  end2end/battery/run.sh target/debug/tessera --slice'

# The same suite against the optimised build (what operators deploy).
e2e-release: release browser
	end2end/run.sh target/release/tessera

## --- checks and measurements ---------------------------------------------------

lint: wasm-target native-deps
	cargo fmt --all --check
	cargo fmt --check --manifest-path fuzz/Cargo.toml
	RUSTFLAGS="$(TEST_RUSTFLAGS)" cargo clippy --no-default-features --features ssr --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings
	cargo clippy -p tessera-front --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings

# On SQLite, then on a throwaway PostgreSQL cluster: token-authenticated API
# throughput against a bare handler (budget >= 0.6x), sign-in p50 against one
# Argon2 verification (<= 1.2x), token lookup with 1,000,000 tokens against 1,000
# (<= 1.2x), the admin lists at 100,000 users and 1,000,000 audit rows (p99 <= 50 ms,
# page 1000 <= 1.5x page 1), signed-in pages against the bare handler (>= 0.2x), the
# release server's memory (<= 30 MB). Every part runs whatever an earlier one
# found; the run fails at the end if any missed. Release build: ~5 min to compile
# the first time, ~2 min to run.
BENCHES := --no-default-features --features ssr --no-fail-fast --bench api --bench scale --bench admin
bench: release postgres
	@failed=0; \
	RUSTFLAGS="$(TEST_RUSTFLAGS)" cargo bench $(BENCHES) || failed=1; \
	end2end/memory.sh target/release/tessera || failed=1; \
	end2end/with-postgres.sh bash -c 'TESSERA_BENCH_DATABASE_URL="$$TESSERA_DATABASE_URL" \
	  RUSTFLAGS="$(TEST_RUSTFLAGS)" cargo bench $(BENCHES)' || failed=1; \
	if [ $$failed = 1 ]; then echo "make bench: a budget was missed (above)"; exit 1; fi

# The reliability battery on the release build, on SQLite then PostgreSQL:
# 200 clients for 60 s, 100 rounds of kill -9, schemathesis against the REST
# API, then `make fuzz`; prints the figures and fails when a goal is missed (end2end/battery/).
# The malformed-input set for every server function is `cargo test`'s
# `malformed` test. Not part of `make test`, which runs a short slice.
battery: release browser postgres fuzz-tools
	end2end/battery/run.sh target/release/tessera
	end2end/with-postgres.sh end2end/battery/run.sh target/release/tessera
	end2end/battery/fuzz.sh 60

# Coverage-guided fuzzing of every parser that reads untrusted bytes (fuzz/):
# 60 s per target from the seeds in fuzz/seeds; a crash leaves its input in
# fuzz/artifacts/<target>/ and fails.
fuzz: fuzz-tools native-deps
	end2end/battery/fuzz.sh 60

# Lighthouse (pinned in end2end/lighthouse, installed only here) with Debian's
# Chromium against the release build: /login and a signed-in /settings/profile,
# phone and desktop; fails below performance 95, accessibility or best practices
# 100. Not part of `make test`: timings are measurements, not tests.
lighthouse: release browser end2end/lighthouse/node_modules/.installed
	end2end/lighthouse/run.sh target/release/tessera

end2end/lighthouse/node_modules/.installed: end2end/lighthouse/package.json end2end/lighthouse/package-lock.json
	cd end2end/lighthouse && npm ci --no-audit --no-fund
	touch $@

# The release WASM/JS/CSS sizes, then what a browser downloads on a first visit
# (end2end/first-visit.sh: /login and a signed-in /settings/profile) and how
# long a slow phone waits for the sign-in page, the profile and the tokens page.
size: release browser
	@printf "%-40s %10s %10s %10s\n" file raw gzip brotli
	@for f in target/site/pkg/tessera.*.wasm target/site/pkg/tessera.*.js target/site/pkg/__wasm_split.*.js target/site/pkg/tessera.*.css; do \
	  printf "%-40s %10d %10d %10d\n" "$$(basename $$f | cut -c1-40)" "$$(stat -c %s $$f)" "$$(stat -c %s $$f.gz)" "$$(stat -c %s $$f.br)"; \
	done
	@printf "%-40s %10d %10d %10d\n" "page modules (split_*, $$(ls target/site/pkg/split_*.wasm | wc -l))" \
	  "$$(cat target/site/pkg/split_*.wasm | wc -c)" "$$(cat target/site/pkg/split_*.wasm.gz | wc -c)" "$$(cat target/site/pkg/split_*.wasm.br | wc -c)"
	@printf "%-40s %10d %10d %10d\n" "shared chunks (chunk_*, $$(ls target/site/pkg/chunk_*.wasm | wc -l))" \
	  "$$(cat target/site/pkg/chunk_*.wasm | wc -c)" "$$(cat target/site/pkg/chunk_*.wasm.gz | wc -c)" "$$(cat target/site/pkg/chunk_*.wasm.br | wc -c)"
	@# The shell's budget (README: 600 KB raw). Over it most likely means wasm-split
	@# found the read-only data no longer fitting its segment and put all of it in the shell.
	@for f in target/site/pkg/tessera.*.wasm; do \
	  if [ "$$(stat -c %s $$f)" -gt 614400 ]; then \
	    echo "$$f is $$(stat -c %s $$f) bytes, over the shell's 600 KB budget (README: \"Tried and not kept (6 December)\")"; exit 1; \
	  fi; \
	done
	end2end/first-visit.sh target/release/tessera

clean:
	cargo clean
	rm -rf end2end/node_modules end2end/test-results
