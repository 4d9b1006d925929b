# Flint build. One static library per layer, linked in dependency order
# (wallet -> client -> node -> p2p -> storage -> consensus -> util), so a
# layer that reaches "up" fails to link instead of quietly growing a cycle.
# client/ is the RPC client the wallet, explorer and testnet tool share; it
# never touches node/ (a static library only pulls in what is referenced).
#
#   make            build everything into bin/
#   make testnet    build, then start a local testnet in the background (flint-testnet up)
#   make test       build and run every test; ends with "N passed, N failed"
#   make bench      run the benchmarks
#   make fuzz       run each fuzz target for FUZZ_SECONDS (clang, libFuzzer)
#   make SANITIZE=1 test   the same suite under ASan+UBSan (objects in build/san)
#   make clean

.DEFAULT_GOAL := all

WARN   = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla -Wwrite-strings \
         -Wmissing-prototypes -Wno-unused-parameter
OPT    = -O2
DEBUG  = -g
STD    = -std=gnu11 -pthread
CC    ?= cc

ifeq ($(SANITIZE),1)
BUILD  = build/san
BIN    = build/san/bin
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD  = build/rel
BIN    = bin
SANFLAGS =
endif

# Install missing Debian packages before anything asks pkg-config about them.
ifeq ($(filter clean,$(MAKECMDGOALS)),)
DEPS_STATUS := $(shell sh scripts/deps.sh >&2 && echo ok)
ifneq ($(DEPS_STATUS),ok)
$(error missing build dependencies, see the message above)
endif
endif

PKGS      = openssl libsecp256k1 libevent libevent_pthreads jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lleveldb
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)

CFLAGS  = $(STD) $(WARN) $(OPT) $(DEBUG) $(SANFLAGS) -I. $(PKG_CFLAGS) -MMD -MP
LDFLAGS = $(SANFLAGS) -pthread
LDLIBS  = $(PKG_LIBS) -lm

# Layers, highest first: the link order.
LAYERS  = testnet wallet explorer client node p2p storage consensus util
LAYER_LIBS = $(foreach l,$(LAYERS),$(BUILD)/lib$(l).a)
# The layer graph (README, Layout): each layer and every layer it may use.
# tests/check_layers.sh holds the built objects to it in `make test`; a
# program links only the libraries of the layers its entry names, so it
# cannot link against one it may not use. "p2p/protocol": the wire format
# only (p2p/protocol.c), not the connections; "p2p/rawpeer": the blocking
# raw peer the attacker dials with (p2p/rawpeer.c), not the event loop.
LAYER_USES = util= consensus=util storage=consensus,util p2p=consensus,util \
             node=storage,p2p,consensus,util client=consensus,util \
             wallet=client,consensus,util explorer=client,consensus,util testnet=client,p2p/protocol,p2p/rawpeer,consensus,util
PROGRAM_USES = flintd:node/flintd.o=node,storage,p2p,consensus,util \
               flint-cli:client/cli.o=client,consensus,util \
               flint-explorer:explorer/main.o=explorer,client,consensus,util \
               flint-wallet:wallet/main.o=wallet,client,consensus,util \
               flint-testnet:testnet/main.o=testnet,client,consensus,util
comma := ,
# $(call uses_of,LAYER): the layers LAYER_USES gives it, "p2p/protocol" as p2p.
uses_of = $(foreach r,$(LAYER_USES),$(if $(filter $(1)=%,$(r)),\
	$(foreach u,$(subst $(comma), ,$(patsubst $(1)=%,%,$(r))),$(firstword $(subst /, ,$(u))))))
# $(call program_libs,PROGRAM): its libraries, in link order.
program_uses = $(subst $(comma), ,$(foreach p,$(PROGRAM_USES),$(if $(filter $(1):%,$(p)),\
	$(lastword $(subst =, ,$(p))))))
program_libs = $(foreach l,$(LAYERS),$(if $(filter $(l),$(foreach u,$(call program_uses,$(1)),\
	$(u) $(call uses_of,$(u)))),$(BUILD)/lib$(l).a))
# Program entry points live beside their layer but not in its library:
# bin/NAME is built from the main named here.
PROGRAMS_MAP = flintd:node/flintd.c flint-explorer:explorer/main.c \
               flint-wallet:wallet/main.c flint-testnet:testnet/main.c \
               flint-cli:client/cli.c
PROGRAM_MAINS = $(foreach p,$(PROGRAMS_MAP),$(word 2,$(subst :, ,$(p))))
define layer_rule
$(1)_SRC := $$(filter-out $(PROGRAM_MAINS),$$(wildcard $(1)/*.c))
$(1)_OBJ := $$(patsubst %.c,$(BUILD)/%.o,$$($(1)_SRC))
$(BUILD)/lib$(1).a: $$($(1)_OBJ)
	@rm -f $$@
	$$(AR) rcs $$@ $$^
ALL_OBJ += $$($(1)_OBJ)
endef
$(foreach l,$(LAYERS),$(eval $(call layer_rule,$(l))))

define program_rule
$(BIN)/$(1): $(BUILD)/$(2:.c=.o) $(call program_libs,$(1))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) $$< $(call program_libs,$(1)) $$(LDLIBS) -o $$@
PROGRAMS += $(BIN)/$(1)
ALL_OBJ += $(BUILD)/$(2:.c=.o)
endef
# Only mains that exist yet become programs.
$(foreach p,$(PROGRAMS_MAP),$(if $(wildcard $(word 2,$(subst :, ,$(p)))),\
	$(eval $(call program_rule,$(word 1,$(subst :, ,$(p))),$(word 2,$(subst :, ,$(p)))))))

TEST_SRC  = $(wildcard tests/test_*.c)
SUPPORT_SRC = $(wildcard tests/support/*.c)
SUPPORT_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(SUPPORT_SRC))
TEST_BIN  = $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
BENCH_SRC = $(wildcard bench/bench_*.c)
BENCH_BIN = $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))

.PHONY: all test bench bench-scale fuzz clean testnet
all: $(PROGRAMS) $(LAYER_LIBS)

# A local testnet of mining nodes that keeps running after make returns;
# `bin/flint-testnet down` stops it. TESTNET_ARGS passes options to `up`.
testnet: all
	@$(BIN)/flint-testnet up $(TESTNET_ARGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@
# Only this file may use the SHA extensions; hash.c calls it after checking the CPU.
$(BUILD)/consensus/sha256_shani.o: CFLAGS += $(if $(filter x86_64 i%86,$(shell uname -m)),-msha -msse4.1)
# The web view's files are built into flint-testnet (.incbin): -MMD cannot see them.
$(BUILD)/testnet/webassets.o: $(wildcard testnet/web/*)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(SUPPORT_OBJ) $(LAYER_LIBS)
	$(CC) $(LDFLAGS) $< $(SUPPORT_OBJ) $(LAYER_LIBS) $(CMOCKA_LIBS) $(LDLIBS) -o $@
$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CMOCKA_CFLAGS) -c $< -o $@
# Keep intermediate objects: no "rm" after the test summary, no rebuilds.
.SECONDARY:

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(SUPPORT_OBJ) $(LAYER_LIBS)
	$(CC) $(LDFLAGS) $< $(SUPPORT_OBJ) $(LAYER_LIBS) $(LDLIBS) -o $@

TEST_SCRIPTS = $(wildcard tests/integration/test_*.sh)
TOOL_BIN = $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/tools/*.c))
$(BUILD)/tools/%: $(BUILD)/tests/tools/%.o $(SUPPORT_OBJ) $(LAYER_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $< $(SUPPORT_OBJ) $(LAYER_LIBS) $(LDLIBS) -o $@
# The browser test's driver (puppeteer-core, pinned by the lock file); no browser
# download: it drives Debian's chromium. A failed install fails that test, not make.
WEB_TEST_DEPS = tests/web/node_modules/.package-lock.json
$(WEB_TEST_DEPS): tests/web/package.json tests/web/package-lock.json
	@cd tests/web && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error \
		|| echo "flint: npm ci in tests/web failed: the web view's browser test will fail"
test: all $(TEST_BIN) $(TOOL_BIN) $(WEB_TEST_DEPS)
	@FLINT_BIN=$(BIN) FLINT_TOOLS=$(BUILD)/tools FLINT_BUILD=$(BUILD) \
		LAYER_USES='$(LAYER_USES)' PROGRAM_USES='$(PROGRAM_USES)' \
		sh tests/run.sh tests/check_layers.sh $(TEST_BIN) $(TEST_SCRIPTS)

# 1,000 to 10,000 real nodes on this machine (bench/scale.sh; SIZES, DELAYS override).
bench-scale: all
	@FLINT_BIN=$(BIN) sh bench/scale.sh

bench: all $(BENCH_BIN)
	@FLINT_BENCH_DEPS=1 sh scripts/deps.sh
	@for b in $(BENCH_BIN); do FLINT_BIN=$(BIN) $$b || exit 1; done

# Fuzzing needs clang's libFuzzer; the targets link the consensus sources
# directly so they are instrumented for coverage.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_SRC  = $(wildcard fuzz/fuzz_*.c)
FUZZ_BIN  = $(patsubst fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
FUZZ_LIBSRC = $(wildcard consensus/*.c util/*.c)
build/fuzz/%: fuzz/%.c $(FUZZ_LIBSRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -g -O1 -I. $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $^ $(PKG_LIBS) -o $@
# The P2P message target also runs the handlers: it links the network layer.
build/fuzz/fuzz_p2p_msg: $(wildcard p2p/*.c)
# The RPC request target links the reply writer too (jansson only, no chain).
build/fuzz/fuzz_rpc_request: fuzz/fuzz_rpc_request.c node/rpc_reply.c $(FUZZ_LIBSRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -g -O1 -I. $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $^ $(PKG_LIBS) -o $@
fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
		n=$$(basename $$f); mkdir -p build/fuzz/corpus-$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=1100000 -print_final_stats=0 \
			build/fuzz/corpus-$$n fuzz/seeds/$$n 2>build/fuzz/$$n.log \
			|| { tail -40 build/fuzz/$$n.log; exit 1; }; \
		grep -E '^(Done|#[0-9]+.*DONE)' build/fuzz/$$n.log | tail -1; \
	done

clean:
	rm -rf build bin

-include $(ALL_OBJ:.o=.d) $(TEST_BIN:=.d) $(BENCH_BIN:=.d) $(SUPPORT_OBJ:.o=.d)

# Genesis nonce search (run once when a chain's genesis parameters change).
$(BUILD)/mkgenesis: scripts/mkgenesis.c $(LAYER_LIBS)
	$(CC) $(CFLAGS) $< $(LAYER_LIBS) $(LDLIBS) -o $@
genesis: $(BUILD)/mkgenesis
	$(BUILD)/mkgenesis testnet && $(BUILD)/mkgenesis regtest
.PHONY: genesis
