#!/bin/sh
# Runs vouchd in the foreground for `make run`: the embedded defaults
# (127.0.0.1:2525, data under ./var, mail for localhost to Maildir), or the
# configuration file given as the second argument.
set -eu
build=${1:-build}
config=${2:-}
if [ -n "$config" ]; then
    exec "$build/src/vouchd/vouchd" -c "$config"
fi
exec "$build/src/vouchd/vouchd"
