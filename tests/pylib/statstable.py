"""Reading `vouchctl stats` tables in tests."""
import re


def rows(table):
    """{(check, result): [hour, day, since_start, all_time]} from the table."""
    out, check = {}, None
    for line in table.splitlines():
        if re.fullmatch(r"[A-Za-z0-9_.:-]+", line):
            check = line
            continue
        m = re.match(r"  (\S+)\s+(\d+)(?:\s+[\d.]+%)?\s+(\d+)(?:\s+[\d.]+%)?\s+(\d+)(?:\s+[\d.]+%)?"
                     r"\s+(\d+)(?:\s+[\d.]+%)?$", line)
        if m and check:
            out[(check, m.group(1))] = [int(m.group(i)) for i in range(2, 6)]
    return out


def since_start(d):
    """{(check, result): count since start} of a running vouchd."""
    r = d.ctl("stats", check=True)
    return {k: v[2] for k, v in rows(r.stdout).items()}
