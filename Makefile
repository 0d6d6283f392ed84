# SPDX-License-Identifier: MIT
# pam_aws_iam — build, test and package.
# `make` builds build/pam_aws_iam.so and build/aws-iam-provision; `make check` runs every test layer.

PREFIX     ?= /usr/local
DESTDIR    ?=
SBINDIR    ?= $(PREFIX)/sbin
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
MULTIARCH  := $(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch 2>/dev/null)
PAMDIR     ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/$(MULTIARCH)/security,$(PREFIX)/lib/security)
DATADIR    ?= $(PREFIX)/share
STATEDIR   ?= /var/lib/pam_aws_iam
HELPER_ACCOUNT ?= _pam_aws_iam
HELPER_PATH ?= $(BINDIR)/aws-iam-provision
CONFIG_PATH ?= $(SYSCONFDIR)/security/pam_aws_iam.conf
# The helper's network half (netlib.h): the only place a setuid helper loads it from.
PKGLIBDIR  ?= $(PREFIX)/lib/$(MULTIARCH)/pam_aws_iam
NETLIB_PATH ?= $(PKGLIBDIR)/pai-network.so
VERSION    := 0.1.0

CC         ?= cc
PKG_CONFIG ?= pkg-config
B          := build

# Debian's hardening flags when dpkg-buildflags is present; the caller's CFLAGS/LDFLAGS win.
HARDEN_ENV  := DEB_BUILD_MAINT_OPTIONS=hardening=+all DEB_CFLAGS_MAINT_STRIP=-O2 DEB_CFLAGS_MAINT_APPEND=-O2
DPKG_CFLAGS := $(shell $(HARDEN_ENV) dpkg-buildflags --get CFLAGS 2>/dev/null)
DPKG_CPPFLAGS := $(shell $(HARDEN_ENV) dpkg-buildflags --get CPPFLAGS 2>/dev/null)
DPKG_LDFLAGS := $(shell $(HARDEN_ENV) dpkg-buildflags --get LDFLAGS 2>/dev/null)
CFLAGS     ?= $(if $(DPKG_CFLAGS),$(DPKG_CFLAGS),-g -O2 -fstack-protector-strong -fPIE)
CPPFLAGS   ?= $(if $(DPKG_CPPFLAGS),$(DPKG_CPPFLAGS),-D_FORTIFY_SOURCE=2)
LDFLAGS    ?= $(DPKG_LDFLAGS)

HELPER_PKGS := libcurl openssl libxml-2.0 inih json-c
PKG_CFLAGS  = $(shell $(PKG_CONFIG) --cflags $(HELPER_PKGS) 2>/dev/null)
PKG_LIBS    = $(shell $(PKG_CONFIG) --libs $(HELPER_PKGS) 2>/dev/null)
INIH_LIBS   = $(shell $(PKG_CONFIG) --libs inih 2>/dev/null || echo -linih)
PAM_LIBS    = $(shell $(PKG_CONFIG) --libs pam 2>/dev/null || echo -lpam)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)

WARN      := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
DEFS      := -D_GNU_SOURCE -DPAI_VERSION='"$(VERSION)"' \
             -DPAI_HELPER_PATH='"$(HELPER_PATH)"' -DPAI_CONFIG_PATH='"$(CONFIG_PATH)"' \
             -DPAI_NETLIB_PATH='"$(NETLIB_PATH)"'
# Control-flow protection and stack-clash probes, which bookworm's dpkg-buildflags lacks;
# only where the compiler takes them (CET on x86, BTI/PAC on arm64).
HARDEN_EXTRA := $(foreach f,-fcf-protection -mbranch-protection=standard -fstack-clash-protection,\
                  $(shell $(CC) -Werror $(f) -E -x c /dev/null >/dev/null 2>&1 && echo $(f)))
# The core is compiled seeing helper/ only, so no core file can include a network header.
CORE_CFLAGS = $(WARN) $(DEFS) -Ihelper $(CPPFLAGS) $(CFLAGS) $(HARDEN_EXTRA)
ALL_CFLAGS  = $(WARN) $(DEFS) -Ihelper -Ihelper/net $(CPPFLAGS) $(CFLAGS) $(HARDEN_EXTRA) $(PKG_CFLAGS)

# The two halves of the helper, listed as OpenSSH lists SSHKEYSIGN_OBJS.
# The setuid executable (helper/): libc and inih only. It runs every login and, on the fast
# path, nothing else; tests/tree/test_layout.py checks it links no network library.
CORE_SRCS := helper/main.c helper/provision.c helper/provision_run.c helper/privs.c \
             helper/config.c helper/scope.c helper/state.c helper/profile.c helper/credfile.c \
             helper/awscreds.c helper/safefile.c helper/template.c helper/validate.c \
             helper/buf.c helper/err.c helper/clock.c helper/hex.c helper/hostaddr.c helper/hostid.c \
             helper/sha256.c helper/record.c helper/keyvault.c helper/sesscache.c \
             helper/credproc.c helper/netlib.c
# Decisions only the network half takes, from the core's pure code (libc only).
PLAN_SRCS := helper/keyplan.c helper/ledger.c helper/fleetplan.c helper/convplan.c \
             helper/convrec.c
# pai-network.so (helper/net/): what talks to AWS, with libcurl, OpenSSL, libxml2, json-c;
# loaded by netlib.c only when a run must call AWS.
NET_SRCS  := helper/net/provision_net.c helper/net/key_actions.c helper/net/iam_user.c \
             helper/net/converge.c \
             helper/net/admincreds.c helper/net/awsclient.c helper/net/awsquery.c \
             helper/net/awsjson.c helper/net/secretsmanager.c helper/net/sm_reply.c \
             helper/net/awsretry.c helper/net/endpoints.c helper/net/http.c helper/net/iam.c \
             helper/net/iam_reply.c helper/net/imds.c helper/net/jsonsafe.c helper/net/fleetdoc.c \
             helper/net/fleet_actions.c helper/net/delivery.c helper/net/credproc_net.c \
             helper/net/signin.c helper/net/sigv4.c helper/net/xmlreply.c
# ...and the core code it calls.
NETLIB_CORE_SRCS := $(filter-out helper/main.c helper/provision.c helper/credproc.c \
                      helper/netlib.c helper/scope.c,$(CORE_SRCS)) $(PLAN_SRCS)
NETLIB_SRCS := $(NET_SRCS) $(NETLIB_CORE_SRCS)

obj = $(patsubst helper/%.c,$(B)/$(1)/%.o,$(2))
CORE_OBJS   := $(call obj,obj,$(CORE_SRCS))
NETLIB_OBJS := $(call obj,pic,$(NETLIB_SRCS))
# The unit tests and tools link every object but main's, built once more with
# -DPAI_UNITTESTS (unittest.h: UNITTEST functions visible), and their own support code: the
# raw request reader of the signer's tests and the module's output filter.
TEST_SUPPORT_SRCS := tests/tools/sigv4_rawreq.c pam_module/capture.c
UTEST_OBJS := $(call obj,utest,$(filter-out helper/main.c,$(CORE_SRCS)) $(PLAN_SRCS) $(NET_SRCS)) \
              $(B)/utest/sigv4_rawreq.o $(B)/utest/capture.o
CORE_HDRS  := $(wildcard helper/*.h)
NET_HDRS   := $(wildcard helper/net/*.h)
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
TOOL_SRCS  := $(filter-out $(TEST_SUPPORT_SRCS),$(wildcard tests/tools/*.c))
TOOL_BINS  := $(TOOL_SRCS:tests/tools/%.c=$(B)/%)

.PHONY: all check deps unit test-bins asan demo bench deb install install-setuid fuzz clean format cppcheck
all: $(B)/pam_aws_iam.so $(B)/aws-iam-provision $(B)/pai-network.so $(TOOL_BINS)

$(B)/obj/%.o: helper/%.c $(CORE_HDRS) | $(B)/obj
	$(CC) $(CORE_CFLAGS) -fPIE -c -o $@ $<
$(B)/pic/%.o: helper/%.c $(CORE_HDRS) | $(B)/pic
	$(CC) $(CORE_CFLAGS) -fPIC -c -o $@ $<
$(B)/pic/net/%.o: helper/net/%.c $(CORE_HDRS) $(NET_HDRS) | $(B)/pic/net
	$(CC) $(ALL_CFLAGS) -fPIC -c -o $@ $<
UTEST_CFLAGS = $(ALL_CFLAGS) -Itests/tools -Ipam_module -DPAI_UNITTESTS -fPIE
$(B)/utest/%.o: helper/%.c $(CORE_HDRS) | $(B)/utest
	$(CC) $(UTEST_CFLAGS) -c -o $@ $<
$(B)/utest/net/%.o: helper/net/%.c $(CORE_HDRS) $(NET_HDRS) | $(B)/utest/net
	$(CC) $(UTEST_CFLAGS) -c -o $@ $<
$(B)/utest/%.o: tests/tools/%.c $(CORE_HDRS) $(NET_HDRS) | $(B)/utest
	$(CC) $(UTEST_CFLAGS) -c -o $@ $<
$(B)/utest/%.o: pam_module/%.c $(wildcard pam_module/*.h) | $(B)/utest
	$(CC) $(UTEST_CFLAGS) -c -o $@ $<

$(B)/libpai.a: $(UTEST_OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/aws-iam-provision: $(CORE_OBJS)
	$(CC) $(CORE_CFLAGS) -fPIE -pie -o $@ $(CORE_OBJS) $(LDFLAGS) $(INIH_LIBS)
	echo '$(NETLIB_PATH)' >$(B)/pai-network.path

$(B)/pai-network.so: $(NETLIB_OBJS) helper/net/pai-network.map
	$(CC) $(ALL_CFLAGS) -fPIC -shared -Wl,--no-undefined \
	  -Wl,--version-script=helper/net/pai-network.map -o $@ $(NETLIB_OBJS) $(LDFLAGS) $(PKG_LIBS)

# A helper whose library path is a fixed test directory, for the root-only test that a
# setuid helper refuses an unsafe pai-network.so (tests/component/test_setuid.py).
NETLIB_TEST_PATH := /run/pai-netlib-test/pai-network.so
$(B)/tests/aws-iam-provision-netlibtest: $(filter-out $(B)/obj/netlib.o,$(CORE_OBJS)) helper/netlib.c | $(B)/tests
	$(CC) $(CORE_CFLAGS) -UPAI_NETLIB_PATH -DPAI_NETLIB_PATH='"$(NETLIB_TEST_PATH)"' -fPIE -pie \
	  -o $@ $^ $(LDFLAGS) $(INIH_LIBS)

# The module links libpam only: no network code in the login process. It judges the helper
# with the helper's own file trust (safefile.c and what it needs: libc only).
MODULE_SRCS := $(wildcard pam_module/*.c) helper/safefile.c helper/buf.c helper/err.c
$(B)/pam_aws_iam.so: $(MODULE_SRCS) $(wildcard pam_module/*.h) $(CORE_HDRS) | $(B)
	$(CC) $(WARN) $(DEFS) -Ihelper $(CPPFLAGS) $(CFLAGS) $(HARDEN_EXTRA) -fPIC -shared -Wl,--no-undefined \
	  -Wl,--version-script=pam_module/pam_aws_iam.map -o $@ $(MODULE_SRCS) $(LDFLAGS) $(PAM_LIBS)

# Test tools: tests/tools/NAME.c -> build/NAME
$(B)/%: tests/tools/%.c $(B)/libpai.a | $(B)
	$(CC) $(UTEST_CFLAGS) -pie -o $@ $< $(B)/libpai.a $(LDFLAGS) $(PKG_LIBS)
# The PAM test driver opens sessions through libpam.
$(B)/pam-session: PKG_LIBS += $(PAM_LIBS)


# Test and bench libraries for LD_PRELOAD (tests/preload/: the helper's syslog lines into a
# file; a switch of ids that fails; the memory that is a process's own, at its exit).
$(B)/tests/%.so: tests/preload/%.c | $(B)/tests
	$(CC) $(WARN) -D_GNU_SOURCE $(CFLAGS) -fPIC -shared -o $@ $< $(LDFLAGS) -ldl

$(B)/tests/%: tests/unit/%.c $(B)/libpai.a | $(B)/tests
	$(CC) $(UTEST_CFLAGS) -Wno-missing-prototypes -pie -o $@ $< $(B)/libpai.a $(LDFLAGS) $(PKG_LIBS) $(CMOCKA_LIBS)
$(B)/tests/test_keyplan $(B)/tests/test_fleetplan: tests/unit/keyworld.h

$(B) $(B)/obj $(B)/pic $(B)/pic/net $(B)/utest $(B)/utest/net $(B)/tests:
	mkdir -p $@

test-bins: all $(UNIT_BINS) $(B)/tests/aws-iam-provision-netlibtest $(B)/tests/syslog-capture.so \
           $(B)/tests/private-memory.so $(B)/tests/setresuid-fail.so

# Installs missing Debian build/test packages when root; otherwise says which are missing.
deps:
	@tests/install-deps

# The same tree built with ASan + UBSan in $(B)/asan. gcc links the sanitizer runtime as a
# shared library into the PAM module too, so the module runs inside the equally built
# pam-session driver. tests/sanitizer/options.c compiles in the options the helper needs,
# since it starts with a clean environment. Flow-analysis warnings that only -O1 raises stay
# warnings here; the normal build keeps them errors.
ASAN_B     := $(B)/asan
ASAN_CC    ?= gcc
SAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all
asan: $(ASAN_B)/sanitizer_options.o
	$(MAKE) B=$(ASAN_B) CC=$(ASAN_CC) CPPFLAGS= \
	  CFLAGS="-g -O1 -fno-omit-frame-pointer $(SAN_FLAGS) -Wno-error=format-truncation -Wno-error=maybe-uninitialized" \
	  LDFLAGS="$(SAN_FLAGS) $(abspath $(ASAN_B))/sanitizer_options.o" test-bins

$(ASAN_B)/sanitizer_options.o: tests/sanitizer/options.c
	mkdir -p $(ASAN_B) && $(ASAN_CC) $(WARN) $(SAN_FLAGS) -fPIC -c -o $@ $<

check: deps
	$(MAKE) test-bins
	$(MAKE) asan
	PAI_BUILD_DIR=$(abspath $(B)) PAI_ASAN_DIR=$(abspath $(ASAN_B)) /usr/bin/python3 tests/check.py

demo: deps
	$(MAKE) all
	/usr/bin/python3 tests/demo/demo.py

# One table of the figures (medians of N runs each, N >= 5): session open, fast path, first
# login, --credential-process, memory, load; also written to BENCHMARKS.md with the machine and its load. About 3-5 minutes; the PAM row needs root.
bench: all $(B)/tests/private-memory.so
	/usr/bin/python3 tests/bench/bench.py -n $(or $(N),7) -b $(B) -o BENCHMARKS.md

fuzz:
	B=$(B) tests/fuzz/run $(or $(FUZZ_SECONDS),60)

format:
	clang-format -i helper/*.[ch] helper/net/*.[ch] pam_module/*.[ch] tests/unit/*.[ch] \
	  tests/tools/*.[ch] tests/preload/*.c tests/fuzz/*.[ch]

cppcheck:
	cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability \
	  --inline-suppr --suppress=missingIncludeSystem -Ihelper -Ihelper/net helper pam_module tests/tools

# Same layout as the Debian package; ownership and the setuid bit are `make install-setuid`.
install: all
	install -d $(DESTDIR)$(PAMDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(PKGLIBDIR) \
	  $(DESTDIR)$(SYSCONFDIR)/security \
	  $(DESTDIR)$(DATADIR)/pam-configs $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(B)/pam_aws_iam.so $(DESTDIR)$(PAMDIR)/pam_aws_iam.so
	install -m 0755 $(B)/aws-iam-provision $(DESTDIR)$(BINDIR)/aws-iam-provision
	install -m 0644 $(B)/pai-network.so $(DESTDIR)$(PKGLIBDIR)/pai-network.so
	install -m 0644 conf/pam_aws_iam.conf $(DESTDIR)$(SYSCONFDIR)/security/pam_aws_iam.conf
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/security/pam_aws_iam.conf.d
	install -m 0644 conf/pam-configs/aws-iam $(DESTDIR)$(DATADIR)/pam-configs/aws-iam
	install -m 0644 $(wildcard man/*.5) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(wildcard man/*.8) $(DESTDIR)$(MANDIR)/man8/

# Run as root after `make install` on non-Debian systems: the helper's account, its setuid
# bit and the state directory (the Debian package does this in postinst).
install-setuid:
	getent passwd $(HELPER_ACCOUNT) >/dev/null || useradd --system --user-group \
	  --home-dir $(STATEDIR) --no-create-home --shell /usr/sbin/nologin $(HELPER_ACCOUNT)
	chown $(HELPER_ACCOUNT):root $(DESTDIR)$(BINDIR)/aws-iam-provision
	chmod 4755 $(DESTDIR)$(BINDIR)/aws-iam-provision
	install -d -m 0700 -o $(HELPER_ACCOUNT) -g $(HELPER_ACCOUNT) $(DESTDIR)$(STATEDIR)

# Binary package libpam-aws-iam, left in build/.
deb:
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dpkg-buildpackage -us -uc -b
	mkdir -p $(B) && mv ../libpam-aws-iam_$(VERSION)_*.deb $(B)/ && \
	  rm -f ../libpam-aws-iam-dbgsym_$(VERSION)_*.deb ../pam-aws-iam_$(VERSION)_*.buildinfo ../pam-aws-iam_$(VERSION)_*.changes

clean:
	rm -rf $(B)
