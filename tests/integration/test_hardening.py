"""Regression tests for the attacks of issue 13 that have no better home:
each one failed on the code before its fix. (Others live beside the
feature they harden: test_spf_smtp, test_submission, test_outbound, ...)"""
import os
import re
import subprocess

import paths
from vouchd import Client


def chain_cookie(world_dir, length):
    chain = os.path.join(world_dir, "chain")
    out = subprocess.run([paths.VOUCHCTL, "gen", "new", chain, "--length", str(length)],
                         capture_output=True, text=True, check=True).stdout
    return out.split()[3]


def test_xgen_far_newer_is_not_hashed_and_once_per_session(make_vouchd, world_dir):
    """Item 9: "XGEN 0 <cookie>" against generation 1000000 made vouchd hash
    a million times on its event loop, as often as a client liked. A claim
    more than xgen_max_newer (1000) newer is not checked, and a session
    gets one XGEN."""
    d = make_vouchd(settings={"xgen_generation": 1000000,
                              "xgen_cookie": chain_cookie(world_dir, 1000000)})
    fake = "ab" * 32
    with Client(d.host, d.port) as c:
        c.reply()
        assert "250-XGEN 1000000" in c.cmd("EHLO client.example")[1]
        assert c.cmd(f"XGEN 0 {fake}") == (550, [
            "550 5.7.1 generation 0 is more than 1000 newer than ours (1000000): not checked"])
        # the next claim, even a cheap one, is refused: one per session, EHLO or not
        assert c.cmd(f"XGEN 1000000 {fake}") == (503, ["503 5.5.1 XGEN already given in this session"])
        c.cmd("EHLO client.example")
        assert c.cmd(f"XGEN 999999 {fake}")[0] == 503
    d.wait_log(r"event=xgen result=too-new peer_generation=0 our_generation=1000000")


def vouch_ids():
    import pwd
    pw = pwd.getpwnam("vouch")
    return pw.pw_uid, pw.pw_gid


def as_vouch(fn):
    """Run fn in a child process as vouchd's user (what that account can
    do, it does itself)."""
    uid, gid = vouch_ids()
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            fn()
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def test_users_file_symlink_race(world_dir):
    """Item 5: vouchctl (root) wrote the users file through the predictable
    name <users>.tmp.<pid> in data_dir, which vouchd's user owns; symlinks
    planted there made root overwrite their targets. vouchctl runs as PID 1
    of a PID namespace here, so the name the old code used is known."""
    uid, gid = vouch_ids()
    data = os.path.join(world_dir, "var")
    os.mkdir(data, 0o750)
    os.chown(data, uid, gid)
    victim = os.path.join(world_dir, "root-secret")
    with open(victim, "w") as f:
        f.write("root's own file\n")
    os.chmod(victim, 0o600)
    conf = os.path.join(world_dir, "vouchd.conf")
    with open(conf, "w") as f:
        f.write(f"hostname = mx.test.example\ndata_dir = {data}\n")
    users = os.path.join(data, "users")

    def plant():
        for name in ("users.tmp.1", "users.tmp.2"):
            os.symlink(victim, os.path.join(data, name))
    as_vouch(plant)
    r = subprocess.run(["unshare", "--pid", "--fork", paths.VOUCHCTL, "-c", conf, "user", "add",
                        "alice@test.example"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with open(victim) as f:
        assert f.read() == "root's own file\n"
    assert os.stat(victim).st_uid == 0 and os.stat(victim).st_mode & 0o777 == 0o600
    st = os.lstat(users)
    assert not os.path.islink(users) and st.st_uid == 0 and st.st_gid == gid
    assert st.st_mode & 0o777 == 0o640
    with open(users) as f:
        assert "alice@test.example" in f.read()
    # users itself a symlink to root's file: neither read nor written through
    as_vouch(lambda: (os.unlink(users), os.symlink(victim, users)))
    r = subprocess.run([paths.VOUCHCTL, "-c", conf, "user", "add", "bob@test.example"],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "symbolic link" in r.stderr, r.stderr
    assert "root's own file" not in r.stderr and "root's" not in r.stderr
    with open(victim) as f:
        assert f.read() == "root's own file\n"
    assert os.path.islink(users)
    # a folder on the way that vouchd's user swapped for a symlink is refused
    sub = os.path.join(world_dir, "rootdir")
    os.mkdir(sub, 0o755)
    conf2 = os.path.join(world_dir, "vouchd2.conf")
    with open(conf2, "w") as f:
        f.write(f"hostname = mx.test.example\ndata_dir = {data}\nusers = {data}/etc/users\n")
    as_vouch(lambda: os.symlink(sub, os.path.join(data, "etc")))
    r = subprocess.run([paths.VOUCHCTL, "-c", conf2, "user", "add", "carol@test.example"],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "symbolic link" in r.stderr, r.stderr
    assert os.listdir(sub) == []


def test_data_dir_symlinks_are_not_followed_as_root(make_vouchd, world_dir):
    """Item 5: vouchd (still root) chown'ed <data_dir>/queue by name, so a
    symlink vouchd's user put there gave its target away."""
    uid, gid = vouch_ids()
    d = make_vouchd(start=False)
    os.makedirs(d.data_dir)
    os.chown(d.data_dir, uid, gid)
    target = os.path.join(world_dir, "root-only")
    os.mkdir(target, 0o755)
    as_vouch(lambda: os.symlink(target, os.path.join(d.data_dir, "queue")))
    assert d.start(expect_fail=True) == 1
    assert "must be a folder, not a symbolic link" in d.log()
    assert os.stat(target).st_uid == 0


def test_callout_state_database_is_not_made_by_root(make_vouchd, world_dir):
    """Item 5: vouchctl callout opened <data_dir>/state/vouch.db as root and
    gave it to vouchd's user by name: a symlink there made root create (and
    give away) a file wherever it pointed. The command runs as that user."""
    uid, gid = vouch_ids()
    d = make_vouchd()          # makes data_dir and state/ as vouchd does
    d.stop()
    os.unlink(os.path.join(d.data_dir, "state", "vouch.db"))
    for extra in ("-wal", "-shm"):
        p = os.path.join(d.data_dir, "state", "vouch.db" + extra)
        if os.path.exists(p):
            os.unlink(p)
    rootdir = os.path.join(world_dir, "root-owned")
    os.mkdir(rootdir, 0o755)
    made = os.path.join(rootdir, "made-by-root")
    as_vouch(lambda: os.symlink(made, os.path.join(d.data_dir, "state", "vouch.db")))
    d.ctl("callout", "nobody@nonexistent.invalid", "--resolver", "127.0.0.1:9")
    assert not os.path.exists(made), "root made a file where vouchd's user pointed"
