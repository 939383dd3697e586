"""pytest set-up shared by every integration suite: makes tests/pylib
(the helpers that start vouchd, NSD, Postfix, ...) importable."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pylib"))

import pytest  # noqa: E402

from vouchd import Vouchd  # noqa: E402


@pytest.fixture
def world_dir():
    """A temporary folder vouchd's unprivileged user can reach (pytest's
    own tmp_path sits under a root-only folder)."""
    d = tempfile.mkdtemp(prefix="vouch-test-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def make_vouchd(world_dir):
    """Factory: make_vouchd(settings=..., ...) returns a started Vouchd;
    every one is stopped at the end of the test."""
    started = []

    def make(start=True, **kw):
        d = Vouchd(os.path.join(world_dir, f"v{len(started)}"), **kw)
        if start:
            d.start()
        started.append(d)
        return d

    yield make
    for d in started:
        d.stop()


@pytest.fixture
def vouchd(make_vouchd):
    return make_vouchd()
