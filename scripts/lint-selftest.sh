#!/bin/sh
# The lint test's own test: each check of scripts/lint.sh must fail on a
# tree that breaks it, so a green "lint" means something. Builds small
# trees in a temporary folder (no git there: lint.sh then finds the files
# itself) with the project's .clang-format, one problem each.
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
lint=$root/scripts/lint.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

tree() {	# tree NAME: an empty tree with the project's .clang-format
    mkdir -p "$tmp/$1/src"
    cp "$root/.clang-format" "$tmp/$1/"
    printf '%s/%s' "$tmp" "$1"
}

expect() {	# expect NAME STATUS PATTERN: lint on tree NAME exits STATUS and prints PATTERN
    out=$("$lint" "$tmp/$1" 2>&1)
    rc=$?
    if [ "$rc" -ne "$2" ] || ! printf '%s\n' "$out" | grep -q -- "$3"; then
        echo "lint-selftest: $1: wanted exit $2 and '$3', got exit $rc:"
        printf '%s\n' "$out"
        fail=1
    else
        echo "lint-selftest: $1: ok"
    fi
}

good='int
f(int x)
{
	return x + 1;
}
'
d=$(tree clean); printf '%s' "$good" > "$d/src/ok.c"
expect clean 0 "lint: ok"

d=$(tree misformatted); printf 'int f(int x){return x+1;}\n' > "$d/src/bad.c"
expect misformatted 1 "src/bad.c is not formatted"

d=$(tree no-clang-format); printf '%s' "$good" > "$d/src/ok.c"; rm "$d/.clang-format"
expect no-clang-format 1 ".clang-format is missing"

d=$(tree banned)
printf '#include <string.h>\n\nvoid\nf(char *d, const char *s)\n{\n\tstrcpy(d, s);\n}\n' > "$d/src/b.c"
expect banned 1 "banned functions"

d=$(tree too-long)
{ printf 'int x0;\n'; i=1; while [ $i -le 800 ]; do printf 'int x%d;\n' $i; i=$((i + 1)); done; } > "$d/src/long.c"
expect too-long 1 "src/long.c has 801 lines"

exit $fail
