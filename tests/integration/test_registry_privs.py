"""vouch-registry started as root binds its sockets (a privileged DNS
port included), gives its data directory to the configured user and
drops to that user for good before it touches the database; it refuses to
keep running as root. Only meaningful as root (the CI here runs as root);
as anyone else the test is skipped."""
import os
import pwd
import random
import re

import dns.message
import dns.query
import pytest

import ports
from registry_runner import Registry, application, wait_for

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop privileges")


def ids(pid):
    with open("/proc/%d/status" % pid) as f:
        status = f.read()
    uid = re.search(r"^Uid:\s+(.*)$", status, re.M).group(1).split()
    gid = re.search(r"^Gid:\s+(.*)$", status, re.M).group(1).split()
    groups = re.search(r"^Groups:\s*(.*)$", status, re.M).group(1).split()
    return uid, gid, groups


def start_on_port_53(tmp_path, extra):
    """A registry whose DNS listens on port 53 (only root can bind it) of
    a loopback address; another address if that one is taken."""
    rng = random.Random()

    def attempt(_port):
        addr = "127.0.%d.%d" % (rng.randint(100, 250), rng.randint(2, 250))
        settings = {"dns_listen": addr + ":53"}
        settings.update(extra)
        reg = Registry(tmp_path, extra=settings)
        try:
            return reg.start(), addr
        except RuntimeError as e:
            if ports.bind_failed(str(e)):
                raise ports.PortInUse(str(e))
            raise
    return ports.retry(attempt)


def test_binds_then_drops_root_for_good(tmp_path):
    vouch = pwd.getpwnam("vouch")
    reg, addr = start_on_port_53(tmp_path, {})   # the default user is "vouch"
    try:
        assert reg.dns_port == 53
        uid, gid, groups = ids(reg.proc.pid)
        assert uid == [str(vouch.pw_uid)] * 4, uid      # real, effective, saved, fs
        assert gid == [str(vouch.pw_gid)] * 4, gid
        assert groups == [str(vouch.pw_gid)], groups
        assert "event=privileges user=vouch" in reg.read_log()
        # the data it writes belongs to the user, and it still works
        assert os.stat(reg.data).st_uid == vouch.pw_uid
        assert os.stat(os.path.join(reg.data, "registry.db")).st_uid == vouch.pw_uid
        st, body = reg.api("POST", "/api/applications", application("mx.priv.test", ["192.0.2.7"]))
        assert st == 201, body
        reg.cli("server", "approve", "mx.priv.test", "-f")   # the CLI as root, beside it
        q = dns.message.make_query("mx.priv.test." + reg.zone, "A")

        def published():
            r = dns.query.udp(q, addr, port=53, timeout=3)
            return r.answer[0][0].address if r.answer else None
        answer = wait_for(published)
        assert answer == "127.0.0.2"
        # the CLI's writes as root left nothing the server cannot write
        for name in os.listdir(reg.data):
            assert os.stat(os.path.join(reg.data, name)).st_uid == vouch.pw_uid, name
        st, body = reg.api("POST", "/api/applications", application("mx.priv2.test", ["192.0.2.8"]))
        assert st == 201, body
    finally:
        reg.stop()


def test_data_owned_by_root_is_handed_over(tmp_path):
    """A database the CLI created as root before the first start is given to
    the user at start (without following links), so the server can write it."""
    vouch = pwd.getpwnam("vouch")
    reg = Registry(tmp_path, extra={"user": "vouch"})
    reg.cli("token", "create", "admin")          # creates registry.db as root
    assert os.stat(os.path.join(reg.data, "registry.db")).st_uid == 0
    reg.start()
    try:
        assert os.stat(os.path.join(reg.data, "registry.db")).st_uid == vouch.pw_uid
        st, body = reg.api("POST", "/api/applications", application("mx.own.test", ["192.0.2.9"]))
        assert st == 201, body
    finally:
        reg.stop()


def test_planted_link_is_not_followed(tmp_path):
    """The data directory belongs to the unprivileged user: a link it plants
    where the database should be must not make root chown the target."""
    victim = os.path.join(str(tmp_path), "root-only")
    with open(victim, "w") as f:
        f.write("secret")
    reg = Registry(tmp_path, extra={"user": "vouch"})
    os.makedirs(reg.data, exist_ok=True)
    os.symlink(victim, os.path.join(reg.data, "registry.db-wal"))
    with pytest.raises(RuntimeError) as e:
        reg.start()
    assert "symbolic link" in str(e.value)
    assert os.stat(victim).st_uid == 0


def test_refuses_to_stay_root(tmp_path):
    reg = Registry(tmp_path, extra={"user": "root"})
    with pytest.raises(RuntimeError) as e:
        reg.start()
    assert "refusing to keep running as root" in str(e.value)
    reg = Registry(tmp_path, extra={"user": "no-such-user-here"})
    with pytest.raises(RuntimeError) as e:
        reg.start()
    assert "user 'no-such-user-here' does not exist" in str(e.value)
