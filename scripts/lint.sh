#!/bin/sh
# What CI enforces besides the compilers' -Wall -Wextra -Werror (STYLE.md,
# habit 15), run by CTest as the test "lint":
#   - no banned functions (strcpy, strcat, sprintf, vsprintf, strtok, gets)
#     in the C sources: every copy and format is bounded;
#   - no C source file in src/ longer than 800 lines: split by concern;
#   - the C sources formatted as .clang-format says (clang-format).
# Usage: scripts/lint.sh [SOURCE_DIR]; prints each problem, exits 1 if any.
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2
status=0

files=$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 'bench/*.c' 2>/dev/null)
if [ -z "$files" ]; then
    files=$(find src tests bench -name '*.[ch]' 2>/dev/null)
fi

# Comments may name them ("no sprintf here"): only calls count.
banned=$(echo "$files" | xargs grep -nE '(^|[^A-Za-z0-9_.>])(strcpy|strcat|sprintf|vsprintf|strtok|gets)[[:space:]]*\(' 2>/dev/null |
    grep -vE ':[[:space:]]*(/?\*|//)')
if [ -n "$banned" ]; then
    echo "lint: banned functions (use str_copy, str_fmt, strbuf, snprintf):"
    printf '%s\n' "$banned"
    status=1
fi

# One wc for all files (a process per file is slow on a loaded machine).
long=$(echo "$files" | grep '^src/' | xargs wc -l 2>/dev/null | awk '$2 != "total" && $1 > 800 {print $2 " " $1}')
if [ -n "$long" ]; then
    printf '%s\n' "$long" | while read -r f n; do
        echo "lint: $f has $n lines (at most 800: split it by concern)"
    done
    status=1
fi

# Formatting is checked always: a missing .clang-format is itself an error
# (otherwise this part of the test could never fail).
if [ ! -f .clang-format ]; then
    echo "lint: .clang-format is missing: formatting cannot be checked"
    status=1
elif ! command -v clang-format >/dev/null 2>&1; then
    echo "lint: clang-format is not installed (scripts/setup.sh installs it)"
    status=1
else
    # One clang-format run over every file: it names each file that is not
    # formatted in its warnings.
    unformatted=$(echo "$files" | grep -E '^src/' | xargs clang-format --dry-run --Werror 2>&1 >/dev/null |
        grep -oE '^[^: ]+\.[ch]:[0-9]+:[0-9]+: (error|warning)' | cut -d: -f1 | sort -u)
    for f in $unformatted; do
        echo "lint: $f is not formatted: clang-format -i $f"
        status=1
    done
fi

[ "$status" -eq 0 ] && echo "lint: ok"
exit "$status"
