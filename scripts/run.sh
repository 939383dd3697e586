#!/bin/sh
# Runs vouchd in the foreground for `make run`: the embedded defaults
# (127.0.0.1:2525, data under ./var, mail for localhost to Maildir) with a
# self-signed certificate made on first use so STARTTLS works out of the
# box; or the configuration file given as the second argument.
set -eu
build=${1:-build}
config=${2:-}
if [ -n "$config" ]; then
    exec "$build/src/vouchd/vouchd" -c "$config"
fi
tls=var/tls
if [ ! -s "$tls/cert.pem" ] || [ ! -s "$tls/key.pem" ]; then
    mkdir -p "$tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
        -subj "/CN=$(hostname)" -addext "subjectAltName=DNS:$(hostname),DNS:localhost" \
        -keyout "$tls/key.pem" -out "$tls/cert.pem" 2>/dev/null
    chmod 640 "$tls/key.pem"
    # vouchd re-reads the key as its own user on SIGHUP.
    if [ "$(id -u)" -eq 0 ] && getent group vouch >/dev/null; then
        chgrp vouch "$tls/key.pem"
    fi
    echo "run: made a self-signed certificate in $tls/ for STARTTLS"
fi
exec "$build/src/vouchd/vouchd" -o "tls_cert=$tls/cert.pem" -o "tls_key=$tls/key.pem"
