# slawatch — the set-up is two commands: `make run` and `make test`.
GO       ?= go
GOFLAGS  ?=
ADDR     ?= 127.0.0.1:8080
# Local development only: `make run` signs nothing itself, but the README's
# curl example uses this secret. Never use it for a deployed source.
SLAWATCH_GENERIC_SECRET ?= dev-secret
export SLAWATCH_GENERIC_SECRET

LAMBDA_FLAGS = CGO_ENABLED=0 GOOS=linux GOARCH=arm64
# -buildvcs=false: the binary must not depend on the checkout (git
# metadata would change every bootstrap on every commit, and fail where git
# is missing).
LAMBDA_BUILD = $(GO) build -buildvcs=false -tags lambda.norpc -trimpath -ldflags='-s -w -buildid='

.PHONY: run test vet fmt-check bench fuzz build clean dynamodb-start dynamodb-stop sns-start sns-stop \
	build-Webhook build-Tickets build-Acknowledger build-Checker \
	build-OnCallPagerDuty build-OnCallOpsgenie build-OnCallSlack build-OnCallTeams deploy invoke-webhook invoke-checker \
	sizes events load screenshots

## run: start slawatch locally on the embedded default config (in-memory store, console alerts)
run:
	SLAWATCH_ADDR=$${SLAWATCH_ADDR:-$(ADDR)} $(GO) run ./cmd/slawatch serve

## test: everything CI checks; the Go tests run against DynamoDB Local and two SNS
## emulators (fauxqs, goaws) on free loopback ports, and the dashboard's in
## Chromium (infra/local/dynamodb.sh, sns.sh and chromium.sh install Java,
## DynamoDB Local, fauxqs, goaws and Debian's chromium if missing).
## The fault run goes last, alone: it judges how late alerts go out and waits
## a bounded time for every ticket to settle, which only means something when
## the other suites are not saturating the same DynamoDB Local.
FAULTRUN = ^TestFaults$$
test: fmt-check vet
	GO='$(GO)' infra/local/chromium.sh run infra/local/dynamodb.sh run infra/local/sns.sh run sh -c \
	  '$(GO) test -race -count=1 -skip "$(FAULTRUN)" ./... && $(GO) test -race -count=1 -run "$(FAULTRUN)" ./shared/reliability'

## screenshots: regenerate the dashboard's PNGs in docs/img (docs/reports.md shows
## them) from the browser test; the test's own runs write to .screenshots/
screenshots:
	infra/local/chromium.sh run $(GO) test -count=1 -run '^TestDashboard' ./cmd/slawatch -args -screenshots='$(CURDIR)/docs/img'

## dynamodb-start: DynamoDB Local in the background, for `slawatch serve --store dynamodb`
dynamodb-start:
	@infra/local/dynamodb.sh start

## dynamodb-stop: stop what dynamodb-start started
dynamodb-stop:
	@infra/local/dynamodb.sh stop

## sns-start: fauxqs (SNS+SQS) and goaws (SNS to HTTP) in the background; prints
## export SLAWATCH_SNS_ENDPOINT=... lines (see infra/local/SNS-EMULATORS.md)
sns-start:
	@GO='$(GO)' infra/local/sns.sh start

## sns-stop: stop what sns-start started
sns-stop:
	@infra/local/sns.sh stop

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## bench: benchmarks with their baselines, benchstat-friendly
bench:
	GO='$(GO)' infra/local/dynamodb.sh run infra/local/sns.sh run $(GO) test -run '^$$' -bench . -benchmem -count 6 ./shared/...

## fuzz: run every fuzz target (webhook adapters, config parser) for FUZZTIME each
FUZZTIME ?= 60s
# Minimising a new input can take a minute on a busy 2-core machine.
FUZZFLAGS ?= -fuzzminimizetime 5s
fuzz:
	@set -e; for pkg in $$($(GO) list ./shared/...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $(FUZZFLAGS) $$pkg; \
	  done; \
	done

## build: the Lambda functions and the template into .aws-sam/build (sam build runs the build-<Function> targets)
build:
	sam build

# sam build runs `make build-<LogicalId>` for every function with
# `BuildMethod: makefile`, with ARTIFACTS_DIR set to that function's build
# directory; each target leaves one static bootstrap binary there for
# provided.al2023 on arm64. functions/template_test.go checks that every
# function in template.yaml has its target and that the package compiles.
lambda = $(if $(ARTIFACTS_DIR),,$(error ARTIFACTS_DIR is not set: sam build sets it; by hand: make $@ ARTIFACTS_DIR=dir))$(LAMBDA_FLAGS) $(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(1)

## build-Webhook: the Webhook function's bootstrap into $(ARTIFACTS_DIR) (set by sam build)
build-Webhook:
	$(call lambda,webhook)

## build-Tickets: the Tickets function's bootstrap into $(ARTIFACTS_DIR)
build-Tickets:
	$(call lambda,tickets)

## build-Acknowledger: the Acknowledger function's bootstrap into $(ARTIFACTS_DIR)
build-Acknowledger:
	$(call lambda,acknowledger)

## build-Checker: the Checker function's bootstrap into $(ARTIFACTS_DIR)
build-Checker:
	$(call lambda,checker)

# The on-call functions (one per tool the stack enables) are one binary,
# told its tool by SLAWATCH_ONCALL_TOOL; sam build builds it once per
# enabled function.

## build-OnCallPagerDuty: the PagerDuty delivery function's bootstrap (./functions/oncall) into $(ARTIFACTS_DIR)
build-OnCallPagerDuty:
	$(call lambda,oncall)

## build-OnCallOpsgenie: the Opsgenie delivery function's bootstrap (./functions/oncall) into $(ARTIFACTS_DIR)
build-OnCallOpsgenie:
	$(call lambda,oncall)

## build-OnCallSlack: the Slack delivery function's bootstrap (./functions/oncall) into $(ARTIFACTS_DIR)
build-OnCallSlack:
	$(call lambda,oncall)

## build-OnCallTeams: the Teams delivery function's bootstrap (./functions/oncall) into $(ARTIFACTS_DIR)
build-OnCallTeams:
	$(call lambda,oncall)

## deploy: deploy the built stack; asks for the parameters (docs/deploy.md). The
## first time only: it saves the answers to samconfig.toml, and afterwards
## `sam build && sam deploy` deploys without questions
deploy:
	sam deploy --guided

## invoke-webhook: run the Webhook function once in Docker on a sample Zendesk event
invoke-webhook: build
	sam local invoke Webhook -e infra/events/zendesk-created.json --env-vars infra/events/env.json

## invoke-checker: run the Checker function once in Docker on a scheduled event
invoke-checker: build
	sam local invoke Checker -e infra/events/schedule.json --env-vars infra/events/env.json

## load: the load test (infra/load): every helpdesk's signed webhooks, with duplicates and
## reordering, against `slawatch serve` on both stores, checked against the SLA model
LOADFLAGS ?= -duration 60s -store both
load:
	GO='$(GO)' infra/local/dynamodb.sh run $(GO) run ./infra/load $(LOADFLAGS)

## sizes: each function's deployed bootstrap (linux/arm64), in bytes; the target is at most 12 MB
FUNCTIONS = webhook tickets acknowledger checker oncall
sizes:
	@dir=$$(mktemp -d); for f in $(FUNCTIONS); do \
	  $(LAMBDA_FLAGS) $(LAMBDA_BUILD) -o $$dir/$$f ./functions/$$f && \
	  wc -c < $$dir/$$f | awk -v f=$$f '{ printf "%-13s %9d bytes  %5.1f MB\n", f, $$1, $$1 / 1e6 }'; \
	done; rm -rf $$dir

## events: re-sign infra/events/*.json with the current time (Zendesk, Front and HubSpot signatures expire)
events:
	$(GO) run ./infra/events/gen

clean:
	rm -rf bin .aws-sam
