# lgx: one entry point. `make test` and `make demo` work on a fresh
# Debian 12 machine as root: they run `make deps` first.

CC ?= cc
# make V=1 shows the compiler command lines.
Q := $(if $(V),,@)
PKGS := rdkafka avro-c yajl libcurl uuid libmicrohttpd
BUILD := build
# Where the programs look for avro-schemas/ unless --schema-dir says.
SCHEMA_DIR ?= $(CURDIR)/avro-schemas
RULES_FILE ?= $(CURDIR)/config/rules.json
# What --version prints: the VERSION file's release, and `git describe
# --tags --always --dirty` when this folder is the top of a git checkout
# (not a tarball unpacked inside another repository's tree).
LGX_VERSION := $(shell cat $(CURDIR)/VERSION 2>/dev/null || echo unknown)
# Deferred: git runs only when the version header is written.
LGX_BUILD = $(shell command -v git >/dev/null 2>&1 && \
    [ "$$(git -C '$(CURDIR)' rev-parse --show-toplevel 2>/dev/null)" = '$(CURDIR)' ] && \
    git -C '$(CURDIR)' describe --tags --always --dirty 2>/dev/null)
OPT ?= -O2
SAN ?=
CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wstrict-prototypes \
          -Wwrite-strings -Werror -g $(OPT) $(SAN) -Icommon
LDLIBS = $(shell pkg-config --libs $(PKGS)) -lpthread -lm
CHECK_LIBS = $(shell pkg-config --libs check)

COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/obj/%.o)
LIB := $(BUILD)/lib/liblgx.a

# Every folder is one program: consumers/<name>, producers/<name> and
# tools/<name> build into build/bin/lgx-<name>.
CONSUMERS := $(notdir $(wildcard consumers/*))
PRODUCERS := $(notdir $(wildcard producers/*))
TOOLS := $(notdir $(wildcard tools/*))
# A program is every .c in its folder; main.c holds main(), the rest is
# linked into the unit tests as well.
consumer_lib_src = $(filter-out consumers/$(1)/main.c,$(wildcard consumers/$(1)/*.c))
CONSUMER_LIB_SRC := $(foreach c,$(CONSUMERS),$(call consumer_lib_src,$(c)))
CONSUMER_LIB_OBJ := $(CONSUMER_LIB_SRC:%.c=$(BUILD)/obj/%.o)
tool_lib_src = $(filter-out tools/$(1)/main.c,$(wildcard tools/$(1)/*.c))
TOOL_LIB_SRC := $(foreach t,$(TOOLS),$(call tool_lib_src,$(t)))
TOOL_LIB_OBJ := $(TOOL_LIB_SRC:%.c=$(BUILD)/obj/%.o)
producer_lib_src = $(filter-out producers/$(1)/main.c,$(wildcard producers/$(1)/*.c))
PRODUCER_LIB_SRC := $(foreach p,$(PRODUCERS),$(call producer_lib_src,$(p)))
PRODUCER_LIB_OBJ := $(PRODUCER_LIB_SRC:%.c=$(BUILD)/obj/%.o)

BINS := $(CONSUMERS:%=$(BUILD)/bin/lgx-%) $(PRODUCERS:%=$(BUILD)/bin/lgx-%) \
        $(TOOLS:%=$(BUILD)/bin/lgx-%)

TEST_SRC := $(wildcard test/unit/check_*.c)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)

.PHONY: all deps test unit integration conformance demo bench asan tsan lint \
        lint-schemas lint-manifests lint-python lint-includes chaos fmt clean test-odoo test-kafka4

all: $(BINS) $(BUILD)/bin/check_lgx

$(BUILD)/obj/%.o: %.c $(wildcard common/*.h) $(wildcard consumers/*/*.h) \
                   $(wildcard producers/*/*.h) $(wildcard tools/*/*.h)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Iconsumers -Iproducers -I$(dir $<) -DLGX_SCHEMA_DIR=\"$(SCHEMA_DIR)\" -DLGX_RULES_FILE=\"$(RULES_FILE)\" -c -o $@ $<

# The release and the git description as lgx_version.c reads them:
# rewritten only when they change, so that only lgx_version.o is rebuilt
# (and the programs relinked) after a commit or a new VERSION.
VERSION_GEN := $(BUILD)/gen/lgx_version_gen.h
.PHONY: version-gen
$(VERSION_GEN): version-gen
	@mkdir -p $(dir $@)
	@printf '#define LGX_RELEASE "%s"\n#define LGX_BUILD "%s"\n' \
	    '$(LGX_VERSION)' '$(LGX_BUILD)' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi
$(BUILD)/obj/common/lgx_version.o: $(VERSION_GEN)
$(BUILD)/obj/common/lgx_version.o: CFLAGS += -I$(BUILD)/gen

$(LIB): $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(Q)$(AR) rcs $@ $^

define prog_rule
$(BUILD)/bin/lgx-$(1): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard $(2)/$(1)/*.c)) $(LIB)
	@mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(CFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach c,$(CONSUMERS),$(eval $(call prog_rule,$(c),consumers)))
$(foreach p,$(PRODUCERS),$(eval $(call prog_rule,$(p),producers)))
$(foreach t,$(TOOLS),$(eval $(call prog_rule,$(t),tools)))

$(BUILD)/bin/check_lgx: $(TEST_OBJ) $(CONSUMER_LIB_OBJ) $(TOOL_LIB_OBJ) \
                       $(PRODUCER_LIB_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# KAFKA_VERSION (test/env/kafka_lib.sh: 3.9.1 by default) picks the broker
# of every test and of the demo, e.g. `make test KAFKA_VERSION=4.1.2`;
# make deps then fetches that version's jars beside the default's.
deps:
	@test/env/deps.sh

# The container image lgx:$(LGX_VERSION) (deploy/Dockerfile) on base images
# pinned by digest: deploy/base-images.env, filled by
# deploy/pin-base-images.sh when empty (make image-pin resolves them again).
IMAGE ?= lgx:$(LGX_VERSION)
.PHONY: image image-pin
image:
	deploy/pin-base-images.sh --if-unset
	. deploy/base-images.env && docker build -f deploy/Dockerfile \
	    --build-arg DEBIAN_RELEASE="$$DEBIAN_RELEASE" \
	    --build-arg DEBIAN_DIGEST="$$DEBIAN_DIGEST" \
	    --build-arg DEBIAN_SLIM_DIGEST="$$DEBIAN_SLIM_DIGEST" -t $(IMAGE) .

image-pin:
	deploy/pin-base-images.sh

# Kubernetes manifests, KEDA, Prometheus Operator, Grafana, alert rules and
# compose file; installs its tools (.cache) first when they are missing.
lint-manifests:
	bash test/tools/lint_manifests.sh

lint-python:
	bash test/tools/lint_python.sh

# No include cycle between the modules of common/, nor between what their
# objects call once built, no file there over 800 lines, and no program
# but the consumers linking the consumer runtime; prints the modules layer
# by layer (README's architecture).
lint-includes:
	python3 test/tools/lint_includes.py --self-test
	python3 test/tools/lint_includes.py --objects $(BUILD)/obj/common --bin $(BUILD)/bin

lint-schemas: $(BUILD)/bin/lgx-lint-schemas
	$(BUILD)/bin/lgx-lint-schemas
	bash test/tools/lint_schemas_test.sh

unit: all
	$(BUILD)/bin/check_lgx

integration: all
	python3 test/integration/run_integration.py

# The Odoo behaviours lgx relies on: against the simulator (17, 18, 19),
# and against a real Odoo when ODOO_URL, ODOO_DB and ODOO_API_KEY are set.
conformance:
	python3 test/sim/conformance.py --sim
	python3 test/sim/conformance.py

test: deps
	$(MAKE) --no-print-directory all
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory fuzz-regress
	python3 test/sim/test_odoo_sim.py
	python3 test/sim/conformance.py --sim
	$(MAKE) --no-print-directory lint-schemas
	$(MAKE) --no-print-directory lint-manifests
	$(MAKE) --no-print-directory lint-python
	$(MAKE) --no-print-directory lint-includes
	bash test/tools/test_deploy.sh
	$(MAKE) --no-print-directory asan

# The integration suites that exercise the broker, on Kafka 4.x
# (KAFKA4_VERSION) with the ordinary build: TLS and SASL, dead letters,
# replay, metrics, lag and Kafka's consumer-groups tool, concurrency, the
# short chaos run (a broker restart, consumers killed), the demo. `make
# test` runs them all on the default broker (3.9.1). About 4 minutes on
# two cores.
KAFKA4_VERSION ?= 4.1.2
KAFKA4_TESTS ?= test_it_kafka_security.py test_it_dlq.py test_it_replay.py \
    test_it_ops.py test_it_concurrency.py test_it_chaos.py test_it_demo.py
test-kafka4:
	@KAFKA_VERSION=$(KAFKA4_VERSION) test/env/deps.sh
	$(MAKE) --no-print-directory all
	KAFKA_VERSION=$(KAFKA4_VERSION) python3 test/integration/run_integration.py $(KAFKA4_TESTS)

# Against a real Odoo Community 17, 18 or 19 from the source tree ODOO_SRC
# (default /opt/odoo-19; test/env/odoo.sh says how it runs): starts it on a
# fresh copy of a demo database, runs the conformance suite, the real-Odoo
# integration tests and the demo with its audit (TEST_ODOO_ORDERS, 100;
# TEST_ODOO_DEMO=0 leaves it out), stops it. About 5 minutes once the
# version's template database exists.
test-odoo: deps
	$(MAKE) --no-print-directory all
	bash test/env/test_odoo.sh

demo: deps
	$(MAKE) --no-print-directory all
	python3 test/tools/demo.py

# Chaos: kill -9, a broker restart, an Odoo outage and injected faults
# during a generated stream, then an audit of Odoo and a full replay
# (about 14 minutes; --seed picks another stream, README has three runs).
chaos: deps
	$(MAKE) --no-print-directory all
	python3 test/tools/chaos.py

# Benchmarks (about 6 min on 2 cores); see BENCHMARKS.md, sizes by LGX_BENCH_*.
bench: deps
	$(MAKE) --no-print-directory all
	python3 test/bench/bench.py

# The unit tests, then every integration test with the programs built
# with AddressSanitizer and UndefinedBehaviorSanitizer (LGX_BIN). A report
# aborts the program and is written to build/asan/reports: the target
# fails if any was written, even when the test passed. Leaks are checked
# in the unit tests here and in the programs by make valgrind (a program
# stopped by a test's SIGKILL has none to report). ASAN_TESTS picks tests.
ASAN_TESTS ?= test_it_*.py
ASAN_REPORTS = $(CURDIR)/build/asan/reports
asan:
	$(MAKE) BUILD=build/asan OPT=-O1 SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" all
	ASAN_OPTIONS=detect_leaks=1 CK_FORK=no build/asan/bin/check_lgx
	@rm -rf $(ASAN_REPORTS) && mkdir -p $(ASAN_REPORTS)
	@LGX_BIN=$(CURDIR)/build/asan/bin \
	    ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:log_path=$(ASAN_REPORTS)/asan \
	    UBSAN_OPTIONS=print_stacktrace=1:log_path=$(ASAN_REPORTS)/ubsan \
	    python3 test/integration/run_integration.py '$(ASAN_TESTS)'; tests=$$?; \
	n=$$(ls $(ASAN_REPORTS) | wc -l); \
	for f in $(ASAN_REPORTS)/*; do [ -e "$$f" ] && { echo "== $$f"; cat "$$f"; }; done; \
	echo "asan: $$n sanitizer report(s)"; \
	[ $$tests -eq 0 ] && [ $$n -eq 0 ]

# Memcheck: a few integration tests with every lgx program they start
# (consumers, lgx-produce, lgx-odoo-setup) under valgrind, through LGX_WRAP
# (test/integration/lgxenv.py). Fails on any memcheck error or definite leak, even in a
# test that passed, and on a program that left no summary; the logs are in
# build/valgrind. test/integration/valgrind.supp: third-party suppressions only. About
# 3 minutes on 2 cores; VALGRIND_TESTS picks other tests.
.PHONY: valgrind
VALGRIND_TESTS ?= \
    test_it_picks.PicksTest.test_complete_pick_validates_picking \
    test_it_picks.PicksTest.test_partial_pick_creates_backorder \
    test_it_picks.PicksTest.test_malformed_message_does_not_stop_the_consumer \
    test_it_picks.PicksJsonRpcTest.test_complete_pick_validates_picking \
    test_it_picks.PicksTest.test_shortage_held_until_odoo_has_it \
    test_it_picks.PicksTest.test_partner_skus_and_units_mapped_per_source \
    test_it_picks.PicksJsonRpcTest.test_pick_in_dozens_converts_to_units \
    test_it_pod.PodTest.test_pod_recorded_with_signature_and_issues \
    test_it_pod.PodTest.test_pod_for_unknown_tracking_ref_is_held_then_dead_lettered \
    test_it_shipments.ShipmentsTest.test_carrier_codes_mapped_by_the_rules \
    test_it_shipments.ShipmentsTest.test_carrier_mapping_reloaded_on_sighup \
    test_it_least_privilege.LeastPrivilegeTest.test_shipments_as_integration_user \
    test_it_least_privilege.LeastPrivilegeTest.test_milestones_as_integration_user \
    test_it_least_privilege.LeastPrivilegeTest.test_setup_needs_access_rights_check_does_not \
    test_it_least_privilege.LeastPrivilegeTest.test_without_inventory_user_events_are_dead_lettered
VALGRIND_LOGS = $(abspath $(BUILD))/valgrind
valgrind: all
	@command -v valgrind >/dev/null || { echo "valgrind is not installed (make deps)"; exit 1; }
	@rm -rf $(VALGRIND_LOGS) && mkdir -p $(VALGRIND_LOGS)
	@(cd test/integration && LGX_WRAP="valgrind --tool=memcheck --leak-check=full \
	    --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	    --error-exitcode=99 --num-callers=40 \
	    --suppressions=$(CURDIR)/test/integration/valgrind.supp \
	    --log-file=$(VALGRIND_LOGS)/%p.log" \
	    python3 -m unittest $(VALGRIND_TESTS)); tests=$$?; \
	n=0; bad=""; \
	for f in $(VALGRIND_LOGS)/*.log; do \
	    [ -e "$$f" ] || continue; n=$$((n + 1)); \
	    grep -q "ERROR SUMMARY: 0 errors" "$$f" || bad="$$bad $$f"; \
	done; \
	for f in $$bad; do echo "== $$f"; cat "$$f"; done; \
	echo "valgrind: $$n program run(s) under memcheck, $$(echo $$bad | wc -w) with an error, a definite leak or no summary"; \
	[ $$tests -eq 0 ] && [ $$n -gt 0 ] && [ -z "$$bad" ]

# Fuzzing with libFuzzer (clang): each test/fuzz/fuzz_<name>.c is linked
# with liblgx built for it into build/fuzz. `make fuzz` runs each for
# FUZZ_RUNS executions (or FUZZ_SECONDS seconds when set); `make
# fuzz-regress` runs each once over its seeds and kept crashes.
.PHONY: fuzz fuzz-build fuzz-regress
FUZZ_RUNS ?= 1000000
FUZZ_SECONDS ?=
FUZZERS := $(patsubst test/fuzz/%.c,%,$(wildcard test/fuzz/fuzz_*.c))
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer

$(BUILD)/bin/fuzz_%: test/fuzz/fuzz_%.c $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -DLGX_SCHEMA_DIR=\"$(SCHEMA_DIR)\" -o $@ $^ $(LDLIBS)

fuzz-build:
	$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang OPT=-O1 \
	    SAN="$(FUZZ_SAN)" $(FUZZERS:%=build/fuzz/bin/%)

fuzz: fuzz-build
	FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_SECONDS=$(FUZZ_SECONDS) test/fuzz/run.sh $(FUZZERS)

fuzz-regress: fuzz-build
	test/fuzz/run.sh --regress $(FUZZERS)

# ThreadSanitizer build of everything in build/tsan (test/tools/tsan_threads.c
# makes librdkafka's C11 threads visible to it); run an integration test
# against it with LGX_BIN=build/tsan/bin, e.g.
#   cd test/integration && LGX_BIN=../../build/tsan/bin python3 -m unittest test_it_concurrency
tsan:
	@mkdir -p build/tsan/obj
	$(CC) -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=thread -c -o build/tsan/obj/tsan_threads.o test/tools/tsan_threads.c
	rm -f build/tsan/bin/lgx-* build/tsan/bin/check_lgx
	$(MAKE) BUILD=build/tsan OPT=-O1 SAN="-fsanitize=thread -fno-omit-frame-pointer" \
	    LDLIBS="$(CURDIR)/build/tsan/obj/tsan_threads.o $(shell pkg-config --libs $(PKGS)) -lpthread -lm" all
	build/tsan/bin/check_lgx

lint: lint-manifests lint-python lint-includes
	clang-format --dry-run --Werror common/*.[ch] consumers/*/*.[ch] producers/*/*.[ch] tools/*/*.[ch] test/unit/*.[ch] test/tools/*.[ch]
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --std=c11 \
	    --suppress=missingIncludeSystem -Icommon common consumers producers tools

fmt:
	clang-format -i common/*.[ch] consumers/*/*.[ch] producers/*/*.[ch] tools/*/*.[ch] test/unit/*.[ch] test/tools/*.[ch]

clean:
	rm -rf $(BUILD)
