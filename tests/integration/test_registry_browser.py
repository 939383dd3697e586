"""The registry's web UI in headless Chromium (Debian's chromium, driven
by playwright-core from npm, tests/browser/registry_ui.mjs): apply (the
automatic run is held: loopback is not public), sign in, run the tests,
approve, look up (active), report abuse, suspend, look up (suspended),
sign out (the session is gone); an empty application lists every error;
the owner signs in and sees status, tests, reports and history. Screenshots are kept under the build directory in
registry-browser-screenshots/."""
import os
import shutil
import subprocess

import pytest

import paths
from fake_smtp import Behaviour, FakeSMTP, make_cert
from registry_runner import Registry

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_DIR = os.path.join(paths.SOURCE, "tests", "browser")


@pytest.mark.skipif(not os.path.exists(CHROMIUM),
                    reason="chromium is not installed (scripts/setup.sh installs it)")
def test_browser_flow(tmp_path):
    node = shutil.which("node")
    npm = shutil.which("npm")
    assert node and npm, "node and npm are needed for the browser test (scripts/setup.sh)"
    if not os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")):
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=BROWSER_DIR, check=True,
                       timeout=300)
    cert, key = make_cert(str(tmp_path), "mx.browser.test")
    smtp = FakeSMTP("127.0.0.50", 0, Behaviour("mx.browser.test", "browser.test"), cert, key)
    port = smtp.port
    reg = Registry(tmp_path, extra={"certify_port": str(port), "certify_timeout": "5s",
                                    "hosts": "mx.browser.test=127.0.0.50",
                                    "certify_allow_networks": "127.0.0.0/8",
                                    "auto_certify": "yes"}).start()
    shots = os.path.join(paths.BUILD, "registry-browser-screenshots")
    shutil.rmtree(shots, ignore_errors=True)
    try:
        env = dict(os.environ, BASE_URL="http://127.0.0.1:%d" % reg.http_port,
                   ADMIN_TOKEN=reg.admin_token, HOSTNAME_UNDER_TEST="mx.browser.test",
                   SERVER_ADDR="127.0.0.50", SHOT_DIR=shots, CHROMIUM=CHROMIUM)
        r = subprocess.run([node, "registry_ui.mjs"], cwd=BROWSER_DIR, env=env,
                           capture_output=True, text=True, timeout=300)
        print(r.stdout)
        assert r.returncode == 0, r.stdout + r.stderr + reg.read_log()
        assert "ok - lookup shows suspended" in r.stdout
        assert "ok - owner sees the report, its subject as text" in r.stdout
        assert "ok - form errors listed together" in r.stdout
        assert len([f for f in os.listdir(shots) if f.endswith(".png")]) >= 8
        # what the browser did is what the zone says
        assert reg.a_record("mx.browser.test") == "127.0.0.3"
    finally:
        reg.stop()
        smtp.close()
