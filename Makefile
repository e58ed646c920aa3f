# The two commands of the quick start: `make demo` and `make test`.
# Both run scripts/setup.sh first, which installs what is missing and nothing else.

SHELL := /bin/bash
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER := wasm-bindgen-test-runner
export WASM_BINDGEN_TEST_TIMEOUT := 120

.PHONY: test-kit docs package test-package test-committed setup setup-build dist demo demo-pages demo-sim bench test test-pages test-mp-ci test-types screenshots test-native test-lint test-sim test-wasm-node test-wasm-browser test-mvp test-dist test-jsc test-faults test-leak test-size test-server test-e2e test-e2e-node test-conformance setup-server-node fuzz frameworks test-frameworks bench-server

setup:
	@scripts/setup.sh

setup-build:
	@scripts/setup.sh build

dist: setup-build
	@tools/build-dist.sh
	@node tools/sizes.js dist
	@node scripts/example-sdk.js
	@node tools/build-testing.js

# The state diagram in both READMEs and docs/state-diagram.{txt,mmd,dot}, generated from the
# state machine (src/diagram.rs); tests/docs.rs fails when they are stale.
docs:
	cargo run --quiet --example state-diagram

# The example mini-program's real pages, walked through privacy → profile → login → /api/me → logout → restart,
# against the reference backend and the WeChat stand-in over real HTTP on loopback.
demo: dist
	@node examples/demo-stack.js

# The same pages against the simulator's in-process backend.
demo-pages: dist
	@node examples/demo-pages.js

# The SDK alone in the mini-program realm (the first demo, no pages).
demo-sim: dist
	@node examples/demo.js

# Ours against the peer SDKs: size, start-up, per-call cost, platform calls; writes bench/RESULTS.md.
# Not part of `make test` (timings never gate a build).
bench: setup-build
	@scripts/setup-bench.sh
	@$(MAKE) --no-print-directory dist
	@node bench/run.js

test: setup test-lint test-native test-server test-sim test-wasm-node test-wasm-browser dist test-committed test-mvp test-dist test-cloud test-e2e test-e2e-node test-conformance test-jsc test-faults test-leak test-size test-pages test-kit test-mp-ci test-package test-types test-frameworks
	@echo "make test: all suites passed"

test-lint:
	cargo fmt --all -- --check
	cargo clippy --quiet --all-targets -- -D warnings
	cargo clippy --quiet --target wasm32-unknown-unknown --all-targets -- -D warnings
	cargo clippy --quiet --target wasm32v1-none --lib --no-default-features -- -D warnings  # the shipped no_std MVP build
	cargo clippy --quiet -p wx-auth-server --all-targets -- -D warnings

# The pure core, natively.
test-native:
	cargo test --quiet

# The reference backend (examples/server): both stores (Redis against a real redis-server
# on loopback), the server and the WeChat stand-in over HTTP.
test-server:
	cargo test --quiet -p wx-auth-server

# The reference backend's throughput and latency (/api/me at 1, 8, 64 clients with and without
# keep-alive, logins through the stand-in, SQLite and Redis); writes examples/server/BENCH.md.
# Not part of `make test`.
bench-server:
	@scripts/setup-server.sh build
	cargo build --quiet --profile server -p wx-auth-server --bins --examples
	target/server/examples/bench-server

# dist/ in the simulator, its wx.request over real HTTP to wx-auth-server and the stand-in.
test-e2e:
	node tests/e2e/run.js

# The Node.js backend (examples/server-node): its dependencies (npm ci when the lockfile changed),
# the stand-in binary and redis-server.
setup-server-node:
	@scripts/setup-server-node.sh

# The same end-to-end scenarios against the Node.js backend (examples/server-node, Redis), and its
# own checks (configuration, Redis going away, what the log holds).
test-e2e-node: setup-server-node
	node tests/e2e/run.js --backend node
	node --test examples/server-node/test/

# The backend conformance kit (tests/conformance/run.js) against wx-auth-server (SQLite, Redis) and
# wx-auth-server-node (Redis), each on a fresh stand-in and a redis-server on a free port, then the
# kit's negative self-test (a fake backend with one deliberate bug at a time; every check must fail).
test-conformance: setup-server-node
	node tests/conformance/targets.js
	node tests/conformance/self-test.js

# The WeChat cloud function (examples/cloudfunctions/wxauth) through the wx-server-sdk stand-in
# (tests/cloud/wx-server-sdk): every route and refusal, sessions bound to their openid, expiry,
# phone codes, the database failing. Node only: no network, no npm install. Then dist/ with
# the cloud transport against that function, through the simulator's wx.cloud (tests/cloud/sdk.js).
.PHONY: test-cloud
test-cloud: dist
	node tests/cloud/run.js
	node tests/cloud/sdk.js

# The wx simulator held to the platform notes.
test-sim:
	node --test tests/sim/

# The contract cases against the Rust driver, in node and in headless Chromium.
test-wasm-node:
	cargo test --target wasm32-unknown-unknown

test-wasm-browser:
	WASM_BINDGEN_USE_BROWSER=1 cargo test --target wasm32-unknown-unknown --tests

# Every dist/*.wasm is a WebAssembly MVP module (wabt's wasm-validate, post-MVP features off).
test-mvp:
	tests/mvp/run.sh dist

# The committed dist/ (and the example's copy) is what make dist builds: it installs from git without Rust.
test-committed: dist
	scripts/check-committed.sh

# The shipped dist/ in a node realm shaped like a mini-program logic layer.
test-dist:
	node tests/dist/run-node.js

# The shipped dist/ in JavaScriptCore without JIT (WeChat on iOS).
test-jsc:
	tests/jsc/run.sh

# Every failure the platform can produce, injected at every step of every flow.
test-faults:
	node tests/faults/run.js

# 10,000 login/request/logout cycles with FinalizationRegistry removed: memory stays bounded.
test-leak:
	node tests/leak/run.js

# The shipped files stay within their size budget (tools/size-budget.js).
test-size:
	node tools/size-budget.js dist

# The example mini-program's pages (real WXML/JS/JSON in miniprogram-simulate) against the wx simulator.
test-pages: dist
	node --test --test-concurrency=1 tests/pages/

# The testing kit (wx-auth/testing) as an app developer uses it: examples/testing, a
# mini-program of its own, with its page tests.
test-kit: dist
	cd examples/testing && npm test

# The example project checked offline by miniprogram-ci (app.json, pages, JS, WXML) and WXML compiled by wcc.
test-mp-ci: dist
	node tests/mp-ci/check.js

# The npm tarball (dist/ as committed, the types, READMEs, LICENSE, CHANGELOG) in target/package/.
package: dist
	@mkdir -p target/package
	@npm pack --silent --pack-destination target/package
	@ls target/package/wx-auth-*.tgz

# The packed tarball installed into a fresh mini-program project, built by miniprogram-ci's packNpm
# (DevTools' "build npm") and run in the strict mini-program realm.
test-package: dist
	node tests/mp-ci/package.js

# A page written in TypeScript against dist/index.d.ts and miniprogram-api-typings, tsc --strict.
test-types: dist
	node tests/types/run.js

# The Taro (React) and uni-app (Vue 3) examples: `npm ci` in each (skipped when up to date,
# scripts/frameworks.sh), then `taro build --type weapp` and `uni build -p mp-weixin`.
# In `make test`: a cold install of both takes about 2 minutes on 2 cores.
frameworks:
	@scripts/frameworks.sh

# Their built output in the strict mini-program realm with the wx simulator: privacy →
# login → /api/me → logout through the pages' own handlers; a missing wasm fails.
test-frameworks: frameworks
	node tests/frameworks/run.js

# Screenshots of each page in its main states (docs/screenshots/), through headless Chromium. Not part of test.
screenshots: dist
	@scripts/setup-pages.sh screenshots
	node tests/pages/screenshots.js

# Every cargo-fuzz target in fuzz/ (nightly), FUZZ_SECONDS each (default 60); fails on a crash.
fuzz:
	@scripts/fuzz.sh $(FUZZ_SECONDS)
