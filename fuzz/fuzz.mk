# Builds the libFuzzer harnesses and the seed generator with clang.
# GNU make; run by fuzz/Makefile.inc (make fuzz, fuzz-build, fuzz-seeds),
# which passes the configured paths and flags:
#
#   make -f fuzz/fuzz.mk top_srcdir=... top_builddir=... \
#        MECH_SOURCES='mech/buf.c ...' SODIUM_LIBS=-lsodium ...
#
# The mechanism's sources are compiled again, into fuzz/build/ under the
# current (build) directory, with coverage instrumentation and ASan and
# UBSan, so that the harnesses see inside them; the configured build is
# not touched.

top_srcdir ?= .
top_builddir ?= .
FUZZ_CC ?= clang
FUZZ_CFLAGS ?= -g -O1 -fno-omit-frame-pointer
FUZZ_SANITIZE ?= -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_HARNESSES ?= import accept initiate message files ticket resp
KRB5_GSSAPI_CFLAGS ?=
SODIUM_CFLAGS ?=
SODIUM_LIBS ?= -lsodium
# The .c files of mech/libsodium_internal.la, relative to top_srcdir.
MECH_SOURCES ?= $(patsubst $(top_srcdir)/%,%,$(filter-out %/spi.c,$(wildcard $(top_srcdir)/mech/*.c)))

out := fuzz/build
warnings := -Wall -Wextra -Wno-unused-parameter
cppflags := -DHAVE_CONFIG_H -I$(top_builddir) -I$(top_srcdir)/include \
	-I$(top_builddir)/include -I$(top_srcdir)/mech -I$(top_srcdir)/fuzz \
	$(KRB5_GSSAPI_CFLAGS) $(SODIUM_CFLAGS)
compile = $(FUZZ_CC) $(cppflags) $(FUZZ_CFLAGS) $(warnings) -pthread \
	-fsanitize=fuzzer-no-link $(FUZZ_SANITIZE) -MMD -MP
# time() is the fixed clock of fuzz_common.c (__wrap_time) in the
# mechanism's objects and the harnesses' (fuzz_common.h, FUZZ_CLOCK).
link_clock := -Wl,--wrap=time

mech_objs := $(patsubst mech/%.c,$(out)/mech/%.o,$(filter %.c,$(MECH_SOURCES)))
common_objs := $(out)/fuzz_common.o $(mech_objs)
harnesses := $(addprefix $(out)/fuzz_,$(FUZZ_HARNESSES))

all: $(harnesses) $(out)/make_seeds

$(out)/mech/%.o: $(top_srcdir)/mech/%.c
	@mkdir -p $(@D)
	$(compile) -c -o $@ $<

$(out)/%.o: $(top_srcdir)/fuzz/%.c
	@mkdir -p $(@D)
	$(compile) -c -o $@ $<

$(harnesses): $(out)/fuzz_%: $(out)/fuzz_%.o $(common_objs)
	$(FUZZ_CC) -pthread -fsanitize=fuzzer $(FUZZ_SANITIZE) $(link_clock) -o $@ $^ $(SODIUM_LIBS)

# Not a fuzzer: its own main(), the instrumented objects, the sanitizers.
$(out)/make_seeds: $(out)/make_seeds.o $(common_objs)
	$(FUZZ_CC) -pthread -fsanitize=fuzzer-no-link $(FUZZ_SANITIZE) $(link_clock) -o $@ $^ $(SODIUM_LIBS)

.PHONY: all
.SECONDARY:
.DELETE_ON_ERROR:

-include $(wildcard $(out)/*.d $(out)/mech/*.d)
