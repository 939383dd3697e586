#!/bin/sh
# Installs everything vouch needs to build, run, test and benchmark on
# Debian 12, and the unprivileged "vouch" account vouchd drops to when
# started as root. Nothing is assumed from a machine's history: every
# Debian package, perl and python module and binary a test calls is named
# here. Idempotent: quiet and quick when everything is already present.
#
#   scripts/setup.sh           install what is missing
#   scripts/setup.sh --check   install nothing; check that every tool the
#                              tests rely on works, one line per missing
#                              piece naming its package; exit 1 if any
#
# CTest runs the check first (the test "setup-check"), so a machine that
# lacks a piece fails with that line instead of a confusing test failure.
set -eu

# Build: compilers (clang for the ASan/UBSan and fuzz builds), formatting.
BUILD_PKGS="build-essential cmake pkg-config clang libclang-rt-14-dev clang-format"
# Libraries vouch links (DESIGN 8) and those its tests and benchmarks link.
# libpsl reads Debian's Public Suffix List (publicsuffix) for DMARC's
# organizational domains; libidn2 turns internationalized domains into the
# A-labels DNS holds; zlib compresses DMARC aggregate reports;
# libopendkim-dev is OpenDKIM's library, which bench/dkim measures vouch against.
LIB_PKGS="libevent-dev libssl-dev libunbound-dev libsqlite3-dev libcrypt-dev
libhiredis-dev libcmocka-dev libspf2-dev libyaml-dev libjansson-dev
libpsl-dev libidn2-dev publicsuffix zlib1g-dev libopendkim-dev"
# Test peers and tools. dkimpy (python3-dkim: dkimsign, dkimverify, arcsign,
# arcverify; its ARC needs python3-authres, which it only suggests) and
# OpenDKIM (opendkim's test mode, opendkim-testkey, opendkim-testmsg) are
# the DKIM and ARC peers.
# bind9-utils: named-checkzone judges the registry's exported zone as BIND
# would load it. swaks only recommends Net::SSLeay, which its TLS
# needs; python3-dnspython only recommends python3-cryptography, which the
# DNSSEC zone signer needs: both are named, because installs here skip
# recommendations. postsrsd is the SRS peer (its daemon is not left
# running, see below); xmllint checks DMARC reports against RFC 7489's schema.
TEST_PKGS="python3-pytest python3-dnspython python3-cryptography python3-yaml python3-spf
python3-dkim python3-authres python3-nacl opendkim opendkim-tools
nsd postfix swaks libnet-ssleay-perl redis-server openssl ca-certificates sqlite3
iproute2 procps psmisc util-linux strace chromium postsrsd libxml2-utils bind9-utils"
# Benchmarks and the load the flakiness check runs beside the suite.
BENCH_PKGS="valgrind linux-perf stress-ng"

PKGS="$BUILD_PKGS $LIB_PKGS $TEST_PKGS $BENCH_PKGS"
PY=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
BROWSER_DIR=$here/../tests/browser

# ---------------------------------------------------------------------------
# The check: does each tool work, not only is its package there?
check() {
    bad=0
    miss() {	# miss WHAT PACKAGE
        echo "setup-check: $1 is missing or broken: install the Debian package '$2' (scripts/setup.sh)"
        bad=1
    }
    # one dpkg-query for all packages: one per package takes a minute on a
    # loaded machine, and the check has the same time limit as any test
    # shellcheck disable=SC2086
    installed=" $(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' $PKGS 2>/dev/null |
        awk '$2 == "ii" { printf "%s ", $1 }') "
    for p in $PKGS; do
        case "$installed" in
        *" $p "*) ;;
        *) miss "package $p" "$p" ;;
        esac
    done
    for tool in cmake:cmake cc:build-essential clang:clang clang-format:clang-format \
        pkg-config:pkg-config swaks:swaks redis-server:redis-server openssl:openssl \
        sqlite3:sqlite3 node:nodejs npm:npm ip:iproute2 ss:iproute2 prlimit:util-linux \
        stress-ng:stress-ng valgrind:valgrind strace:strace; do
        command -v "${tool%%:*}" >/dev/null 2>&1 || miss "command ${tool%%:*}" "${tool#*:}"
    done
    for tool in /usr/sbin/nsd:nsd /usr/sbin/nsd-checkconf:nsd /usr/sbin/postfix:postfix \
        /usr/sbin/postconf:postfix /usr/sbin/smtp-source:postfix /usr/sbin/smtp-sink:postfix \
        /usr/bin/chromium:chromium /usr/sbin/postsrsd:postsrsd /usr/bin/xmllint:libxml2-utils \
        /usr/bin/named-checkzone:bind9-utils /usr/sbin/opendkim:opendkim \
        /usr/sbin/opendkim-testkey:opendkim-tools /usr/sbin/opendkim-testmsg:opendkim-tools \
        /usr/bin/dkimverify:python3-dkim /usr/bin/arcverify:python3-dkim; do
        [ -x "${tool%%:*}" ] || miss "${tool%%:*}" "${tool#*:}"
    done
    [ -r /usr/share/publicsuffix/public_suffix_list.dat ] ||
        miss "the Public Suffix List /usr/share/publicsuffix/public_suffix_list.dat" publicsuffix
    # swaks --tls needs the perl module, not only swaks
    perl -MNet::SSLeay -e1 2>/dev/null || miss "perl module Net::SSLeay (swaks --tls)" libnet-ssleay-perl
    # one interpreter tries every module (one each is half a minute under load)
    for mod in $("$PY" -c '
import importlib, sys
for m in sys.argv[1:]:
    try:
        importlib.import_module(m.split(":")[0])
    except Exception:
        print(m)
' pytest:python3-pytest dns.resolver:python3-dnspython yaml:python3-yaml \
        spf:python3-spf dkim:python3-dkim authres:python3-authres nacl:python3-nacl \
        cryptography.hazmat.primitives.asymmetric.ec:python3-cryptography 2>/dev/null || echo "python3:python3"); do
        miss "python module ${mod%%:*} for $PY" "${mod#*:}"
    done
    libs="libevent libevent_openssl libssl libunbound sqlite3 libcrypt hiredis cmocka
        yaml-0.1 jansson libpsl libidn2 zlib opendkim"
    # shellcheck disable=SC2086
    pkg-config --exists $libs 2>/dev/null || for lib in $libs; do
        pkg-config --exists "$lib" 2>/dev/null || miss "pkg-config module $lib" "its -dev package"
    done
    [ -d "$BROWSER_DIR/node_modules/playwright-core" ] ||
        miss "playwright-core in tests/browser/node_modules (npm ci)" "nodejs npm"
    getent passwd vouch >/dev/null 2>&1 ||
        { echo "setup-check: the system user 'vouch' is missing: run scripts/setup.sh"; bad=1; }
    [ "$bad" -eq 0 ] && echo "setup-check: ok"
    return "$bad"
}

if [ "${1:-}" = "--check" ]; then
    check
    exit $?
fi

# ---------------------------------------------------------------------------
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@";
    elif command -v sudo >/dev/null 2>&1; then sudo "$@";
    else echo "setup: need root to run: $*" >&2; exit 1; fi
}

# The browser test drives chromium with playwright-core from npm; a machine
# whose node already ships npm (e.g. NodeSource's build) keeps it.
if ! command -v npm >/dev/null 2>&1; then
    missing="$missing nodejs npm"
fi

if [ -n "$missing" ]; then
    echo "setup: installing:$missing"
    # Postfix is only a test peer and load generator for vouch: keep its
    # package from configuring or starting a system-wide mailer.
    echo "postfix postfix/main_mailer_type select No configuration" |
        as_root debconf-set-selections
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends $missing >/dev/null
    # postsrsd is only a test peer (the tests start their own on loopback):
    # the system-wide daemon its package starts is stopped and disabled.
    case " $missing " in
    *" postsrsd "*)
        if [ -d /run/systemd/system ]; then
            as_root systemctl disable --now postsrsd >/dev/null 2>&1 || true
        else
            as_root update-rc.d postsrsd disable >/dev/null 2>&1 || true
            as_root invoke-rc.d postsrsd stop >/dev/null 2>&1 || true
        fi ;;
    esac
fi

# The browser test drives Debian's chromium with playwright-core from npm
# (no bundled browser), pinned by tests/browser/package-lock.json.
if [ ! -d "$BROWSER_DIR/node_modules/playwright-core" ]; then
    echo "setup: installing playwright-core for the browser test (npm ci)"
    (cd "$BROWSER_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

if ! getent passwd vouch >/dev/null 2>&1; then
    as_root useradd --system --user-group --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin vouch
fi
