# The entry points a person types. `make help` lists them.
#
# Every tool lands in an ignored folder of this repository: Python tools (moto, cargo-lambda, zig,
# cfn-lint) in .venv. Nothing is installed globally.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
TOOLS := $(VENV)/.installed
export MOTO_SERVER := $(abspath $(VENV))/bin/moto_server

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(TOOLS): tools/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	touch $@

.PHONY: tools
tools: $(TOOLS) ## Install the Python tools into .venv

.PHONY: test
test: $(TOOLS) lint ## Everything CI checks: format, lints, unit and integration tests
	cargo test --workspace --locked
	$(VENV)/bin/python -c 'import json, jsonschema; jsonschema.validate(json.load(open("hookway.json")), json.load(open("hookway.schema.json")))'

.PHONY: lint
lint: ## rustfmt and clippy, warnings as errors
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

.PHONY: fmt
fmt: ## Format the code
	cargo fmt --all

.PHONY: build
build: $(TOOLS) ## Build the Lambda binaries for arm64 (zips in target/lambda)
	PATH="$(abspath $(VENV))/bin:$$PATH" cargo lambda build --release --arm64 --output-format zip \
		--bin hookway-intake

.PHONY: bench
bench: ## Criterion benchmarks: verification per scheme, the intake's request path
	cargo bench -p hookway-core --bench verify
	cargo bench -p hookway-intake --bench request_path

.PHONY: schema
schema: ## Regenerate hookway.schema.json from the code
	cargo run --quiet -p hookway-cli -- config schema > hookway.schema.json
