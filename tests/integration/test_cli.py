"""What a new user types first: --help and --version of every program
(usage on stdout, exit 0), and a wrong option (usage on stderr, exit 2)."""
import re
import subprocess

import pytest

import paths

PROGRAMS = {"vouchd": paths.VOUCHD, "vouchctl": paths.VOUCHCTL,
            "vouch-registry": paths.REGISTRY}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help(name, flag):
    r = subprocess.run([PROGRAMS[name], flag], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"usage: {name}") and r.stderr == ""
    assert "--version" in r.stdout


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_version(name):
    r = subprocess.run([PROGRAMS[name], "--version"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(rf"{name} \d+\.\d+\.\d+\n", r.stdout), r.stdout


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_wrong_option(name):
    r = subprocess.run([PROGRAMS[name], "--no-such-option"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2
    assert r.stdout == "" and f"usage: {name}" in r.stderr
