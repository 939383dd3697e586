"""pytest set-up shared by every integration suite: makes tests/pylib
(the helpers that start vouchd, NSD, Postfix, ...) importable."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pylib"))
