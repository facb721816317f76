# Builds and runs tests/threads under ThreadSanitizer.  GNU make; run by
# `make check-tsan` (tests/checks.inc), which passes the configured paths
# and flags:
#
#   make -f tests/sanitizers.mk top_srcdir=... top_builddir=... \
#        MECH_SOURCES='mech/buf.c ...' SODIUM_LIBS=-lsodium check
#
# The mechanism's sources are compiled again with -fsanitize=thread into
# tsan/CC/ under the current (build) directory; the configured build is not
# touched.  `check` fails on a failed check of the program and on any
# ThreadSanitizer report (halt_on_error=0, so that a run shows them all;
# exitcode=66 marks a run that had reports).

top_srcdir ?= .
top_builddir ?= .
TSAN_CC ?= cc
TSAN_CFLAGS ?= -g -O1 -fno-omit-frame-pointer
TSAN_THREADS ?= 8
TSAN_ROUNDS ?= 12
KRB5_GSSAPI_CFLAGS ?=
SODIUM_CFLAGS ?=
SODIUM_LIBS ?= -lsodium
# The .c files of mech/libsodium_internal.la, relative to top_srcdir.
MECH_SOURCES ?= $(patsubst $(top_srcdir)/%,%,$(filter-out %/spi.c,$(wildcard $(top_srcdir)/mech/*.c)))

# One directory per compiler, so that TSAN_CC=clang does not mix objects.
out := tsan/$(notdir $(firstword $(TSAN_CC)))
cppflags := -DHAVE_CONFIG_H -I$(top_builddir) -I$(top_srcdir)/include \
	-I$(top_builddir)/include -I$(top_srcdir)/mech \
	$(KRB5_GSSAPI_CFLAGS) $(SODIUM_CFLAGS)
compile = $(TSAN_CC) $(cppflags) $(TSAN_CFLAGS) -Wall -Wno-unused-parameter -pthread \
	-fsanitize=thread -MMD -MP

mech_objs := $(patsubst mech/%.c,$(out)/mech/%.o,$(filter %.c,$(MECH_SOURCES)))

all: $(out)/threads

$(out)/mech/%.o: $(top_srcdir)/mech/%.c
	@mkdir -p $(@D)
	$(compile) -c -o $@ $<

$(out)/threads.o: $(top_srcdir)/tests/threads.c
	@mkdir -p $(@D)
	$(compile) -c -o $@ $<

$(out)/threads: $(out)/threads.o $(mech_objs)
	$(TSAN_CC) -pthread -fsanitize=thread -o $@ $^ $(SODIUM_LIBS)

# The reports go to tsan/CC/report.PID files as well as to standard error,
# so that a caller can count them.
check: $(out)/threads
	@rm -f $(out)/report.* $(out)/threads.log
	@echo "ThreadSanitizer: $(out)/threads $(TSAN_THREADS) $(TSAN_ROUNDS)"
	@status=0; \
	TSAN_OPTIONS="halt_on_error=0:exitcode=66:second_deadlock_stack=1:log_path=$(out)/report$${TSAN_OPTIONS:+:$$TSAN_OPTIONS}" \
		$(out)/threads $(TSAN_THREADS) $(TSAN_ROUNDS) >$(out)/threads.log 2>&1 || status=$$?; \
	cat $(out)/threads.log; \
	reports=$$(cat $(out)/report.* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer'); \
	if [ -n "$$(ls $(out)/report.* 2>/dev/null)" ]; then cat $(out)/report.*; fi; \
	echo "ThreadSanitizer: exit status $$status, $$reports reports"; \
	[ $$status -eq 0 ] && [ $$reports -eq 0 ] && [ -z "$$(ls $(out)/report.* 2>/dev/null)" ]

.PHONY: all check
.SECONDARY:
.DELETE_ON_ERROR:

-include $(wildcard $(out)/*.d $(out)/mech/*.d)
