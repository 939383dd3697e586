"""What a newcomer does first: `make run` (scripts/run.sh on the embedded
defaults), then swaks to postmaster@localhost, and the message is in the
Maildir under ./var. Also: the documentation covers every setting."""
import os
import signal
import socket
import subprocess
import time

import paths
import ports


def test_make_run_defaults_deliver_to_maildir(world_dir):
    # the shipped default port: one test process at a time (two suites
    # running side by side, e.g. both builds by hand, would collide)
    ports.hold(2525)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", 2525)) != 0, \
            "something already listens on 127.0.0.1:2525 (a `make run` left running?)"
    log = open(os.path.join(world_dir, "run.log"), "w")
    proc = subprocess.Popen([os.path.join(paths.SOURCE, "scripts", "run.sh"), paths.BUILD],
                            cwd=world_dir, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 10
        while time.time() < deadline and "event=started" not in open(log.name).read():
            assert proc.poll() is None, open(log.name).read()
            time.sleep(0.05)
        r = subprocess.run(["swaks", "--server", "127.0.0.1:2525", "--to", "postmaster@localhost",
                            "--body", "first message"], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stdout
        new = os.path.join(world_dir, "var", "mail", "localhost", "postmaster", "new")
        deadline = time.time() + 10
        while time.time() < deadline and not (os.path.isdir(new) and os.listdir(new)):
            time.sleep(0.1)
        files = os.listdir(new)
        assert len(files) == 1
        with open(os.path.join(new, files[0]), "rb") as f:
            assert b"first message" in f.read()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        log.close()


def test_every_setting_is_documented():
    r = subprocess.run([paths.VOUCHCTL, "config", "keys"], capture_output=True, text=True)
    assert r.returncode == 0
    with open(os.path.join(paths.SOURCE, "docs", "configuration.md")) as f:
        doc = f.read()
    missing = [line.split("\t")[1] for line in r.stdout.splitlines()
               if f"`{line.split(chr(9))[1]}`" not in doc]
    assert missing == [], f"settings missing from docs/configuration.md: {missing}"
