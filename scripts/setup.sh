#!/bin/sh
# Installs the Debian packages vouch needs to build, run and test, and the
# unprivileged "vouch" account vouchd drops to when started as root.
# Idempotent: quiet and quick when everything is already present.
set -eu

PKGS="build-essential cmake pkg-config clang libclang-rt-14-dev
libevent-dev libssl-dev libunbound-dev libsqlite3-dev libcrypt-dev
libhiredis-dev libcmocka-dev libspf2-dev libyaml-dev libjansson-dev
python3-pytest python3-dnspython python3-yaml python3-spf
nsd postfix swaks redis-server openssl ca-certificates sqlite3
iproute2 procps psmisc chromium
valgrind linux-perf"

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
fi

if ! getent passwd vouch >/dev/null 2>&1; then
    as_root useradd --system --user-group --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin vouch
fi
