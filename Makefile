# unipass — build, check and test.
GO            ?= go
BIN           := $(CURDIR)/bin
GOLANGCI_VER  := v2.15.0
GOLANGCI_LINT := $(BIN)/golangci-lint-$(GOLANGCI_VER)

.PHONY: all generate check-generated lint test test-oldest fuzz bench ci interop

all: ci

## generate: regenerate the vendor clients in gen/ from api/*.yaml
generate:
	$(GO) generate ./...

## check-generated: regenerate and fail, showing the diff, if gen/, go.mod or go.sum changed
check-generated: generate
	$(GO) mod tidy
	@if ! git diff --exit-code -- gen go.mod go.sum; then \
		echo "check-generated: gen/, go.mod or go.sum differ from what is committed; run 'make generate' and 'go mod tidy' and commit the result" >&2; \
		exit 1; \
	fi
	@if [ -n "$$(git status --porcelain -- gen)" ]; then \
		git status --porcelain -- gen; \
		echo "check-generated: untracked generated files" >&2; exit 1; \
	fi

$(GOLANGCI_LINT):
	@mkdir -p $(BIN)
	GOBIN=$(BIN) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VER)
	mv $(BIN)/golangci-lint $(GOLANGCI_LINT)

## lint: go vet and golangci-lint (pinned, installed into ./bin through the module proxy)
lint: $(GOLANGCI_LINT)
	$(GO) vet ./...
	$(GOLANGCI_LINT) run ./...

## test: every test, with the race detector
test:
	$(GO) test -race ./...

# The oldest Go release the module supports: the go line of go.mod (go 1.N.0).
GO_OLDEST := go$(shell sed -n 's/^go //p' go.mod)

## test-oldest: every test on the go.mod go line's release (the toolchain comes through the module proxy)
test-oldest:
	GOTOOLCHAIN=$(GO_OLDEST) $(GO) version
	GOTOOLCHAIN=$(GO_OLDEST) $(GO) test $(GO_OLDEST_FLAGS) ./...

FUZZTIME     ?= 30s
# package:target pairs
FUZZ_TARGETS := ./facade/internal/transport:FuzzRetryAfter ./facade:FuzzAPIErrorMapping \
	./facade:FuzzInputValidation ./facade:FuzzZendeskPolicy

## fuzz: run every fuzz target for FUZZTIME each (their committed seed corpora also run in `make test`)
fuzz:
	@for pt in $(FUZZ_TARGETS); do \
		p=$${pt%%:*}; t=$${pt#*:}; echo "== $$p $$t"; \
		$(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) $$p || exit 1; \
	done

BENCHCOUNT ?= 5

## bench: the performance benchmarks, then their ratios against the targets
bench:
	{ $(GO) test -run='^$$' -bench=. -benchmem -benchtime=2s -count=$(BENCHCOUNT) ./bench/ && \
	  $(GO) test -run='^$$' -bench=KeySet -benchtime=1x ./facade/rotate/ && \
	  $(GO) test -run='^$$' -bench=RotateDryRunRSS -benchtime=1x ./cmd/unipass/ && \
	  $(GO) test -run='^$$' -bench=FakesStartup -benchtime=10x ./cmd/unipass/; } | $(GO) run ./internal/benchreport

## interop: drive third-party clients (npm: node-zendesk, axios) against `unipass fakes`; needs Node.js and npm,
## skips without them. Not part of ci: npm ci needs the network.
interop:
	GO=$(GO) bash interop/run.sh

## ci: what CI runs
ci: check-generated lint test test-oldest
