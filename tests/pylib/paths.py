"""Where the build, the source tree and the shared test data are.

CTest sets VOUCH_BUILD, VOUCH_SOURCE and VOUCH_SHARED; when a suite is run
by hand with pytest, the defaults below find a build in ./build."""
import os

SOURCE = os.environ.get(
    "VOUCH_SOURCE",
    os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BUILD = os.environ.get("VOUCH_BUILD", os.path.join(SOURCE, "build"))
SHARED = os.environ.get("VOUCH_SHARED", os.path.join(SOURCE, "..", "shared"))

# CTest says whether the build runs under ASan/UBSan (every program
# starts several times slower): long suites may then run a smaller part.
SANITIZED = os.environ.get("VOUCH_SANITIZED", "0") == "1"

VOUCHD = os.path.join(BUILD, "src", "vouchd", "vouchd")
VOUCHCTL = os.path.join(BUILD, "src", "vouchctl", "vouchctl")
REGISTRY = os.path.join(BUILD, "src", "registry", "vouch-registry")
