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
