#!/usr/bin/python3
"""logcheck: every string a log call formats with %s is escaped, or trusted
by name (STYLE.md habit 10; issue 13 item 13: a folded header logged as it
came forged a log line).

For each call of log_err/log_warn/log_info/log_debug/log_write/log_panic in
the C sources it checks, every %s (and %.Ns, %*s) argument must be one of

  - log_escape(...), log_str(...) or log_token(...), or a variable named
    esc, esc_*, *_esc (a buffer such a call filled);
  - a string literal, or a ternary whose results all are;
  - the name of an enum value or a library error: *_name(...),
    *_names[...], strerror(...), *_strerror(...), sqlite3_errmsg(...),
    SSL_get_version(...);
  - listed in scripts/logcheck.trusted as "FILE | EXPRESSION | why it
    cannot hold client text" (queue ids we make, addresses from
    inet_ntop, configuration values, our own error texts).

Anything else is reported with its file and line: escape it, or, if it
truly cannot carry what a client, a peer or DNS sent, trust it in the file
with the reason. A trusted entry that no call uses any more is reported
too, so the list does not rot.

Usage: logcheck.py [SOURCE_DIR]        check the tree (exit 1 on problems)
       logcheck.py --selftest          prove the check fails when it must
"""
import os
import re
import sys
import tempfile

DIRS = ("src/lib", "src/vouchd", "src/vouchctl", "src/registry")
TRUSTED = "scripts/logcheck.trusted"
CALL = re.compile(r"\blog_(err|warn|notice|info|debug|write|panic)\s*\(")
CONV = re.compile(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?(hh|h|ll|l|z|j|t|L)?([a-zA-Z%])")
STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
SAFE = [
    re.compile(r"^log_(escape|str|token)\(.*\)$"),
    re.compile(r"^(esc|esc_\w+|\w+_esc)$"),
    re.compile(r"^\w+_names?\[[^]]*\]$"),
    re.compile(r"^\w+_name\(.*\)$"),
    re.compile(r"^(\w+_)?strerror\(.*\)$"),
    re.compile(r"^(sqlite3_errmsg|SSL_get_version)\(.*\)$"),
]


def strip_comments(text):
    """Comments become spaces (line numbers stay); strings are kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text[i] in "\"'":
            q, j = text[i], i + 1
            while j < n and text[j] != q:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def call_bodies(text):
    """(line, name, argument text) of each log call."""
    for m in CALL.finditer(text):
        # a declaration or definition ("void log_write(enum ...") is no call
        before = text[text.rfind("\n", 0, m.start()) + 1:m.start()]
        if re.search(r"\b(void|char|int|define)\b", before):
            continue
        i, depth = m.end(), 1
        while i < len(text) and depth:
            c = text[i]
            if c in "\"'":
                j = i + 1
                while j < len(text) and text[j] != c:
                    j += 2 if text[j] == "\\" else 1
                i = j
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            i += 1
        yield text.count("\n", 0, m.start()) + 1, m.group(1), text[m.end():i - 1]


def split_args(s):
    args, depth, cur, i = [], 0, "", 0
    while i < len(s):
        c = s[i]
        if c in "\"'":
            j = i + 1
            while j < len(s) and s[j] != c:
                j += 2 if s[j] == "\\" else 1
            cur += s[i:j + 1]
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "," and depth == 0:
            args.append(" ".join(cur.split()))
            cur = ""
        else:
            cur += c
        i += 1
    if cur.strip():
        args.append(" ".join(cur.split()))
    return args


def literal(arg):
    """The text of an argument made only of string literals, or None."""
    if STRING.sub("", arg).strip():
        return None
    parts = STRING.findall(arg)
    return "".join(parts) if parts else None


def ternary_parts(expr):
    """The results of a top-level "c ? a : b" (nested), or [expr]."""
    depth, q = 0, None
    for i, c in enumerate(expr):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "?" and depth == 0:
            q = i
            break
    if q is None:
        return [expr]
    depth = 0
    for i in range(q + 1, len(expr)):
        c = expr[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "?" and depth == 0:
            depth += 100  # a nested ternary in the middle: its ':' is not ours
        elif c == ":" and depth >= 100:
            depth -= 100
        elif c == ":" and depth == 0:
            return ternary_parts(expr[q + 1:i].strip()) + ternary_parts(expr[i + 1:].strip())
    return [expr]


def safe(expr):
    expr = expr.strip()
    while expr.startswith("(") and expr.endswith(")"):
        expr = expr[1:-1].strip()
    parts = ternary_parts(expr)
    if len(parts) > 1:
        return all(safe(p) for p in parts)
    return literal(expr) is not None or any(p.match(expr) for p in SAFE)


def string_args(path, text):
    """(line, expression) of each %s argument of each log call."""
    for line, name, body in call_bodies(strip_comments(text)):
        args = split_args(body)
        if name == "write":
            args = args[1:]  # the level
        if not args:
            continue
        fmt = literal(args[0])
        if fmt is None:
            yield line, "<format is not a string literal: " + args[0] + ">"
            continue
        ai = 1
        for c in CONV.finditer(fmt):
            if c.group(5) == "%":
                continue
            ai += (c.group(2) == "*") + (c.group(3) == "*")
            if c.group(5) == "s":
                yield line, args[ai] if ai < len(args) else "<missing argument>"
            ai += 1


def load_trusted(path):
    trusted = {}
    if not os.path.exists(path):
        return trusted
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            s = raw.strip()
            if not s or s.startswith("#"):
                continue
            parts = [p.strip() for p in s.split(" | ")]
            if len(parts) != 3 or not parts[2]:
                raise SystemExit(f"{path}:{n}: expected 'FILE | EXPRESSION | reason'")
            trusted[(parts[0], " ".join(parts[1].split()))] = n
    return trusted


def check(root, dirs=DIRS, trusted_file=TRUSTED):
    trusted = load_trusted(os.path.join(root, trusted_file))
    used, problems = set(), []
    for d in dirs:
        for dp, _, files in os.walk(os.path.join(root, d)):
            for fn in sorted(files):
                if not fn.endswith(".c"):
                    continue
                full = os.path.join(dp, fn)
                rel = os.path.relpath(full, root)
                if (rel, "*") in trusted:
                    used.add((rel, "*"))
                    continue
                with open(full, errors="replace") as f:
                    text = f.read()
                if rel == "src/lib/util/log.c":
                    continue  # the logger itself
                for line, expr in string_args(rel, text):
                    if safe(expr):
                        continue
                    if (rel, expr) in trusted:
                        used.add((rel, expr))
                        continue
                    problems.append(f"{rel}:{line}: unescaped %s argument: {expr}")
    for key, n in sorted(trusted.items(), key=lambda kv: kv[1]):
        if key not in used:
            problems.append(f"{trusted_file}:{n}: no log call uses '{key[1]}' in {key[0]} "
                            "any more: remove the entry")
    return problems


def selftest():
    """The check must fail on an unescaped client value and on a stale
    trusted entry, and pass on escaped and trusted ones."""
    bad = 0
    with tempfile.TemporaryDirectory() as t:
        os.makedirs(os.path.join(t, "src", "lib"))
        os.makedirs(os.path.join(t, "scripts"))
        src = os.path.join(t, "src", "lib", "x.c")

        def run(code, trusted=""):
            with open(src, "w") as f:
                f.write(code)
            with open(os.path.join(t, TRUSTED), "w") as f:
                f.write(trusted)
            return check(t, dirs=("src/lib",))

        cases = [
            ("unescaped", 'void f(const char *field) {\n\tlog_info("x field=\\"%.40s\\"", field);\n}\n',
             "", "x.c:2: unescaped %s argument: field"),
            ("escaped", 'void f(const char *s) {\n\tchar esc[256];\n'
             '\tlog_info("a=%s b=%s c=%s", log_escape(esc, 9, s, 1), esc, '
             'ok ? "x" : "y");\n}\n', "", None),
            ("trusted", 'void f(const char *qid) {\n\tlog_info("qid=%s", qid);\n}\n',
             "src/lib/x.c | qid | made by queue_new_id\n", None),
            ("stale", 'void f(void) {\n\tlog_info("nothing");\n}\n',
             "src/lib/x.c | qid | made by queue_new_id\n", "no log call uses 'qid'"),
            ("star width", 'void f(int n, const char *s) {\n\tlog_info("%.*s", n, s);\n}\n',
             "", "unescaped %s argument: s"),
            ("ternary", 'void f(const char *s) {\n\tlog_info("%s", s ? s : "-");\n}\n',
             "", "unescaped %s argument: s ? s"),
        ]
        for name, code, trusted, want in cases:
            got = run(code, trusted)
            ok = (not got) if want is None else any(want in p for p in got)
            print(f"logcheck-selftest: {name}: {'ok' if ok else 'FAILED'}")
            if not ok:
                print("  got:", got)
                bad = 1
    return bad


def main():
    if sys.argv[1:] == ["--selftest"]:
        return selftest()
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    problems = check(root)
    for p in problems:
        print("logcheck:", p)
    if problems:
        print("logcheck: escape the value (log_token, log_str, log_escape) or trust it in",
              TRUSTED, "with the reason it cannot hold client text")
        return 1
    print("logcheck: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
