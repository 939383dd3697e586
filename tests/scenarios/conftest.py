"""pytest set-up for the scenario world: tests/pylib (the helpers that
start vouchd, NSD, Postfix, vouch-registry) is importable."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pylib"))
