# The entry points a person types. `make help` lists them.
#
# Every tool lands in an ignored folder of this repository: Python tools (moto, cargo-lambda, zig,
# cfn-lint) in .venv, the CDK and its tests in node_modules. Nothing is installed globally.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
TOOLS := $(VENV)/.installed
NODE_MODULES := node_modules/.installed
# The providers' official Node.js SDKs that tools/official_sdks.py drives (tools/sdks/*.mjs).
SDK_NODE_MODULES := tools/sdks/node_modules/.installed
# moto, with DynamoDB's one-write-at-a-time per item (see tools/moto_server.py).
export MOTO_SERVER := $(abspath tools/moto-server)
CDK := CDK_DISABLE_CLI_TELEMETRY=true npx cdk
# The stack and its configuration: `make deploy STACK=hookway-staging CONFIG=staging.json`. One stack
# per environment; each one's names derive from its own.
STACK ?= Hookway
CONFIG ?= hookway.json
STACK_CONTEXT = -c stackName=$(STACK) -c config=$(CONFIG)
# The configuration a stack is built for at its largest: 500 sources, 1,000 routes (make infra-test).
LARGE_CONFIG := target/hookway-500.json
# apt-get as root: CI's machine runs as root, a developer's through sudo.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(TOOLS): tools/requirements.txt $(wildcard tools/sdks/requirements-*.txt)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt $(addprefix -r ,$(wildcard tools/sdks/requirements-*.txt))
	touch $@

$(NODE_MODULES): package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(SDK_NODE_MODULES): tools/sdks/package-lock.json
	npm ci --prefix tools/sdks --no-audit --no-fund
	touch $@

.PHONY: tools
tools: $(TOOLS) ## Install the Python tools into .venv

# The inspector's browser test (tools/cli/tests/e2e.rs runs tools/cli/tests/inspector.py) drives
# headless Chromium from Debian's packages, with their chromedriver (or the CHROMIUM and
# CHROMEDRIVER given, as on GitHub's runners, which have Chrome).
export CHROMIUM ?= /usr/bin/chromium
export CHROMEDRIVER ?= /usr/bin/chromedriver

.PHONY: browser
browser: ## Install chromium and chromium-driver (Debian) when they are missing
	@if [ ! -x "$(CHROMIUM)" ] || [ ! -x "$(CHROMEDRIVER)" ]; then \
		echo "installing chromium and chromium-driver for the inspector's browser test"; \
		$(SUDO) apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium chromium-driver; \
	fi

.PHONY: dev
dev: $(TOOLS) ## The whole stack on this machine, no AWS account, at http://127.0.0.1:3000 (PORT=…, FORWARD_TO=URL, FUNCTIONS="NAME=URL …"); Ctrl-C stops it
	PATH="$(abspath $(VENV))/bin:$$PATH" cargo run --quiet --locked -p hookway-cli -- dev $(if $(PORT),--port $(PORT)) $(if $(FORWARD_TO),--forward-to $(FORWARD_TO)) $(foreach function,$(FUNCTIONS),--function $(function))

.PHONY: test
# The tests `make test` runs beside the others (tools/cli/tests/<name>.rs), and their test functions.
LONG_TESTS := outage cost_calls e2e
LONG_TEST_NAMES := destinations_that_fail_under_load an_event_costs_the_calls_it_should_and_no_more the_local_stack_end_to_end
# The IAM proof runs within it: the end-to-end test (tools/cli/tests/e2e.rs) ends by replaying
# every AWS call of its run against the roles of the template synthesised for its configuration
# and against docs/operator-policy.json (testing/iam); it needs node_modules for that synth.
# The docs' runnable shell blocks run within it too (tools/cli/tests/docs.rs), against a local stack.
test: $(TOOLS) $(SDK_NODE_MODULES) browser lint docs infra-test ## Everything CI checks: format, lints, the docs site, unit and integration tests, the CDK app, the IAM proof
	cargo test --workspace --locked --no-run
	@# The three longest tests drive a local stack of their own for minutes, mostly waiting on it:
	@# they run beside the others (cargo holds its lock only while it builds, and with --workspace
	@# both runs build what --no-run built), their output after.
	cargo test --workspace --locked $(addprefix --test ,$(LONG_TESTS)) > target/long-tests.log 2>&1 & long=$$!; \
		status=0; cargo test --workspace --locked -- $(addprefix --skip ,$(LONG_TEST_NAMES)) || status=$$?; \
		if wait $$long; then grep -E '^(test |     Running)' target/long-tests.log; else cat target/long-tests.log; status=1; fi; \
		exit $$status
	$(VENV)/bin/python -c 'import json, jsonschema; jsonschema.validate(json.load(open("hookway.json")), json.load(open("hookway.schema.json")))'

.PHONY: docs
# mdBook reports a page it cannot render well (an unclosed HTML tag, a missing file) as a warning and
# still exits 0: a warning fails the build here.
docs: $(TOOLS) ## Build the docs site into target/docs (mdBook) and check every internal link and anchor in it
	mkdir -p target
	$(VENV)/bin/mdbook build docs 2>&1 | tee target/docs-build.log
	@if grep -q 'WARN' target/docs-build.log; then echo "make docs: mdBook warned (above): fix the page it names" >&2; exit 1; fi
	$(VENV)/bin/python tools/check_docs.py target/docs

.PHONY: lint
lint: ## rustfmt and clippy, warnings as errors
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	@# The operator's build of the command line: without the emulator (`--no-default-features`).
	cargo clippy -p hookway-cli --no-default-features --locked -- -D warnings

.PHONY: fmt
fmt: ## Format the code
	cargo fmt --all

.PHONY: build
# One package at a time, as the CDK builds them: features unify per build, and the worker's
# (reqwest, HTTP/2) have no business in the intake.
# The command line's man pages (target/man/hookway.1, one per command) and completion scripts
# (target/completions), from the same definition as its --help.
build: $(TOOLS) ## Build the Lambda binaries for arm64 (zips in target/lambda), the man pages and shell completions
	PATH="$(abspath $(VENV))/bin:$$PATH" cargo lambda build --release --arm64 --output-format zip -p hookway-intake
	PATH="$(abspath $(VENV))/bin:$$PATH" cargo lambda build --release --arm64 --output-format zip -p hookway-worker
	cargo run --quiet --locked -p hookway-cli -- man --out target/man
	mkdir -p target/completions
	for completion in bash:hookway.bash zsh:_hookway fish:hookway.fish powershell:_hookway.ps1; do \
		cargo run --quiet --locked -p hookway-cli -- completions $${completion%%:*} > target/completions/$${completion#*:} || exit 1; \
	done

.PHONY: infra-test
# cfn-lint's W3005 is the CDK making each function depend on its role explicitly, beside the GetAtt.
# Beside the default stack, two stacks of the 500-source configuration side by side (hw-a, hw-b).
infra-test: $(TOOLS) $(NODE_MODULES) ## The CDK app: type check, Jest tests, synth with cdk-nag (the default stack, and 500 sources twice), cfn-lint
	npx tsc --noEmit
	npx jest
	$(CDK) synth --no-notices --quiet -c skipBundling=true
	npx ts-node --transpile-only infra/test/large-config.ts $(LARGE_CONFIG)
	for stack in hw-a hw-b; do \
		$(CDK) synth --no-notices --quiet -c skipBundling=true -c stackName=$$stack -c config=$(LARGE_CONFIG) -o target/cdk.out/$$stack; \
	done
	$(VENV)/bin/cfn-lint --ignore-checks W3005 -- cdk.out/Hookway.template.json target/cdk.out/hw-a/hw-a.template.json target/cdk.out/hw-b/hw-b.template.json

.PHONY: iam
iam: $(NODE_MODULES) ## Replay the AWS calls a running `make dev` has made so far against the IAM the stack deploys
	cargo run --quiet --locked -p hookway-iam -- --state-dir .hookway

.PHONY: synth
synth: $(TOOLS) $(NODE_MODULES) ## Synthesise the stack into cdk.out, building the Lambda binaries (STACK=…, CONFIG=…)
	npx tsc --noEmit
	$(CDK) synth --no-notices --quiet $(STACK_CONTEXT)

.PHONY: diff
diff: $(TOOLS) $(NODE_MODULES) ## Show what a deploy would change (STACK=…, CONFIG=…; AWS credentials needed)
	npx tsc --noEmit
	$(CDK) diff --no-notices $(STACK_CONTEXT)

.PHONY: deploy
deploy: $(TOOLS) $(NODE_MODULES) ## Check the configuration against AWS's limits, then build and deploy the stack (STACK=…, CONFIG=…, ALARM_EMAIL=you@example.com)
	cargo run --quiet --locked -p hookway-cli -- config check --config $(CONFIG)
	npx tsc --noEmit
	$(CDK) deploy --no-notices $(STACK_CONTEXT) $(if $(ALARM_EMAIL),-c alarmEmail=$(ALARM_EMAIL))

.PHONY: bench
bench: ## Criterion benchmarks: verification per scheme, the intake's request path, the worker pipeline
	cargo bench -p hookway-providers --bench verify
	cargo bench -p hookway-intake --bench request_path
	cargo bench -p hookway-worker --bench pipeline

.PHONY: cost
# A benchmark, not part of `make test` (which counts the calls of a small mix: tools/cli/tests/cost_calls.rs).
cost: $(TOOLS) ## What a million webhooks cost per front door, with the defaults and cost/volume.json: a fixed mix through the local stack, every AWS call counted (cost/REPORT.md); then `make cost-outage`
	PATH="$(abspath $(VENV))/bin:$$PATH" cargo run --quiet --locked -p hookway-cost-run -- $(COST_ARGS)
	$(MAKE) --no-print-directory cost-outage

OUTAGE_CALLS := target/cost/outage-calls.json
.PHONY: cost-outage
# A minute: the waits test (in `make test` too) writes the calls it counted, priced beside cost/report.json's figure.
cost-outage: $(TOOLS) ## What an event costs whose destination is down through the whole default retry schedule: its calls counted by crates/worker/tests/waits.rs, priced (cost/outage.json)
	mkdir -p $(dir $(OUTAGE_CALLS)) && rm -f $(OUTAGE_CALLS)
	PATH="$(abspath $(VENV))/bin:$$PATH" HOOKWAY_OUTAGE_CALLS="$(abspath $(OUTAGE_CALLS))" cargo test --quiet --locked -p hookway-worker --test waits
	cargo run --quiet --locked -p hookway-cost-run -- --outage $(OUTAGE_CALLS)

.PHONY: latency
latency: $(TOOLS) ## What the batching window adds to a delivery: webhooks at a steady rate through the local stack, with the window and without (cost/latency.json)
	PATH="$(abspath $(VENV))/bin:$$PATH" cargo run --quiet --locked -p hookway-cost-run -- --latency $(LATENCY_ARGS)

.PHONY: bench-coldstart
# Each Lambda is built on its own, as the CDK builds it (features unify per build): what runs in
# Lambda is what is measured. The harness itself needs no optimisation.
bench-coldstart: $(TOOLS) ## Cold starts of the intake and the worker against a hello-world Rust function, moto behind TLS
	cargo build --release --locked -p hookway-coldstart-hello
	cargo build --release --locked -p hookway-intake
	cargo build --release --locked -p hookway-worker
	cargo build --locked -p hookway-coldstart
	target/debug/hookway-coldstart --bin-dir target/release $(COLDSTART_ARGS)

# The property tests at length, FUZZ_CASES cases each: 19 over the intake, the gateway and the parsers,
# and 4 over each provider of the catalog (arbitrary requests; a signed request and one change to
# it; key material; handshakes), whose cases add up to one line per provider: 28,000 cases per
# provider at 7,000 each. They run in the test profile (overflow checks and
# debug assertions on, Hookway's code unoptimised) but with the elliptic-curve crates optimised, as
# in any real build: unoptimised, one Ed25519 signature takes tens of milliseconds. That builds those
# crates and what uses them once more, beside the build of `make test`.
FUZZ_CASES ?= 7000
FUZZ_REPORT := $(abspath target)/fuzz-report.tsv
FUZZ_OPTIMISED := curve25519-dalek ed25519-dalek p256 primeorder elliptic-curve ecdsa crypto-bigint

.PHONY: fuzz
fuzz: ## The property tests at length: every provider ≥ 20,000 cases (FUZZ_CASES per property); prints the counts
	rm -f $(FUZZ_REPORT)
	PROPTEST_CASES=$(FUZZ_CASES) HOOKWAY_FUZZ_REPORT=$(FUZZ_REPORT) cargo test --locked --no-fail-fast -p hookway-properties \
		$(foreach crate,$(FUZZ_OPTIMISED),--config 'profile.dev.package.$(crate).opt-level=3')
	@awk -F'\t' '!($$1 in cases) { order[++n] = $$1 } { cases[$$1] += $$2; total += $$2 } \
		END { for (i = 1; i <= n; i++) printf "  %-72s %9d\n", order[i], cases[order[i]]; printf "fuzz: %d cases in all, no failure\n", total }' $(FUZZ_REPORT)

.PHONY: schema
# Each generated table or list sits in its file between `<!-- name:start -->` and `<!-- name:end -->`.
schema: ## Regenerate from the code hookway.schema.json, the docs' provider pages with their entries in docs/SUMMARY.md, the providers and replays tables of the docs, and SECURITY.md's captured-request table
	cargo run --quiet -p hookway-cli -- config schema > hookway.schema.json
	rm -rf docs/providers && cargo run --quiet -p hookway-cli -- providers --pages docs/providers
	cargo run --quiet -p hookway-cli -- reference --out docs/reference && UPDATE=1 npx jest infra/test/reference.test.ts
	for table in summary:--summary:docs/SUMMARY.md providers:--markdown:docs/guides/providers.md \
		replays:--replays:docs/how-it-works/security.md captured:--captured:SECURITY.md; do \
		IFS=: read -r name flag file <<< "$$table"; \
		cargo run --quiet -p hookway-cli -- providers $$flag | TABLE=$$name FILE=$$file $(PYTHON) -c 'import os, re, sys; \
			name = os.environ["TABLE"]; path = os.environ["FILE"]; table = sys.stdin.read(); text = open(path).read(); \
			open(path, "w").write(re.sub(r"(<!-- %s:start -->\n).*?(<!-- %s:end -->)" % (name, name), lambda m: m.group(1) + table + m.group(2), text, flags=re.S))'; \
	done