"""The zone as other DNS software takes it: BIND's named-checkzone loads
the export (the zone's own name servers have their address records,
glue), NOTIFY leaves from the registry's DNS listen address so that a
secondary which accepts NOTIFY only from its primary (NSD's allow-notify)
takes it, and refused transfers and NOTIFYs are logged at warn."""
import os
import re
import socket
import subprocess
import threading
import time

import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

import ports
from nsd import Nsd
from registry_runner import Registry, application, wait_for

CHECKZONE = "/usr/bin/named-checkzone"


def register(reg, name, addrs):
    st, _ = reg.api("POST", "/api/applications", application(name, addrs))
    assert st == 201
    reg.cli("server", "approve", name, "-f")


def checkzone(reg, tmp_path):
    path = os.path.join(str(tmp_path), "export.zone")
    reg.cli("export", path)
    r = subprocess.run([CHECKZONE, reg.zone, path], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr, open(path).read()


@pytest.mark.parametrize("extra,glue", [
    # the default NS, ns.<zone>, is the registry itself: its listen address
    ({"ns": ""}, {"ns.reg.test.": ("A", "127.0.0.1")}),
    ({"ns": "ns1.reg.test ns2.example.net",
      "ns_address": "ns1.reg.test=192.0.2.53 ns1.reg.test=2001:db8::53"},
     {"ns1.reg.test.": ("A", "192.0.2.53")}),
])
def test_export_passes_named_checkzone(tmp_path, extra, glue):
    reg = Registry(tmp_path, extra=extra).start()
    try:
        register(reg, "mx.a.test", ["127.0.0.51", "2001:db8::51"])
        register(reg, "mx.b.test", ["127.0.0.52"])
        reg.cli("server", "suspend", "mx.b.test", "-r", "spam")
        rc, out, text = checkzone(reg, tmp_path)
        assert rc == 0 and "OK" in out, out + text
        for name, (rdtype, addr) in glue.items():
            assert re.search(r"^%s 300 IN %s %s$" % (re.escape(name), rdtype, re.escape(addr)),
                             text, re.M), text
            # the registry answers the glue itself, authoritatively
            r = reg.query(name, rdtype)
            assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].address == addr
    finally:
        reg.stop()


def test_in_zone_ns_without_address_is_a_config_error(tmp_path):
    reg = Registry(tmp_path, extra={"ns": "ns1.reg.test"})
    r = reg.cli("config", "check", check=False)
    assert r.returncode != 0
    assert "ns 'ns1.reg.test' is inside the zone and has no address" in r.stdout + r.stderr


def test_notify_leaves_from_the_listen_address(tmp_path):
    """NSD accepts NOTIFY only from 127.0.0.2, where the registry listens;
    the kernel's own choice of source for 127.0.0.1 would be 127.0.0.1."""
    def attempt(port):
        reg = Registry(tmp_path, extra={"dns_listen": "127.0.0.2:0",
                                        "notify": "127.0.0.1:%d" % port,
                                        "soa_refresh": "1h"}).start()
        ns = Nsd(os.path.join(str(tmp_path), "nsd"), {}, port=port)
        ns.add_secondary(reg.zone, "127.0.0.2@%d" % reg.dns_port, notify_from="127.0.0.2")
        try:
            ns.start()
        except ports.PortInUse:
            reg.stop()
            raise
        return reg, ns
    reg, ns = ports.retry(attempt)
    try:
        assert wait_for(lambda: ns.serial(reg.zone) == reg_serial(reg), timeout=15), ns.log()
        register(reg, "mx.n.test", ["127.0.0.61"])
        # only a NOTIFY brings it this fast: the refresh is an hour
        assert wait_for(lambda: ns.a_record("mx.n.test." + reg.zone) == "127.0.0.2",
                        timeout=10), ns.log() + reg.read_log()
        log = reg.read_log()
        assert re.search(r"event=notify target=127\.0\.0\.1:%d source=127\.0\.0\.2 " % ns.port,
                         log), log
        assert "event=notify_acked" in log, log
        assert "refused" not in ns.log(), ns.log()
    finally:
        ns.stop()
        reg.stop()


def reg_serial(reg):
    r = dns.message.make_query(reg.zone, "SOA")
    a = dns.query.udp(r, "127.0.0.2", port=reg.dns_port, timeout=3)
    return a.answer[0][0].serial


class RefusingSecondary:
    """A UDP socket that answers every NOTIFY with REFUSED."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.seen = []
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            msg = dns.message.from_wire(data)
            self.seen.append((peer, msg.question[0].name.to_text(), msg.answer[0][0].serial
                              if msg.answer else None))
            reply = dns.message.make_response(msg)
            reply.set_rcode(dns.rcode.REFUSED)
            self.sock.sendto(reply.to_wire(), peer)

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


def test_refusals_are_logged(tmp_path):
    sec = RefusingSecondary()
    # only the refusing secondary may transfer: 127.0.0.3 is nobody's
    reg = Registry(tmp_path, extra={"dns_listen": "127.0.0.1:0",
                                    "notify": "127.0.0.1:%d" % sec.port,
                                    "log_level": "info"}).start()
    try:
        register(reg, "mx.r.test", ["127.0.0.71"])
        assert wait_for(lambda: "event=notify_refused target=" in reg.read_log(), timeout=10), \
            reg.read_log()
        assert re.search(r" warn: event=notify_refused target=127\.0\.0\.1:%d source=127\.0\.0\.1"
                         r" serial=\d+ rcode=5" % sec.port, reg.read_log()), reg.read_log()
        # a refusal is an answer: that serial is not sent again. (A NOTIFY
        # whose refusal has not come back within notify_retry, 1 s, is sent
        # again, and rightly: under load the answer can be that late, so
        # what counts is the registry's own log order, not the number of
        # copies the secondary saw.) 2.5 s: room for two retries that must
        # not come.
        time.sleep(2.5)
        log = reg.read_log()
        for m in re.finditer(r"event=notify_refused target=127\.0\.0\.1:%d \S+ serial=(\d+)"
                             % sec.port, log):
            again = re.search(r"event=notify target=127\.0\.0\.1:%d \S+ serial=%s try="
                              % (sec.port, m.group(1)), log[m.end():])
            assert again is None, (sec.seen, log)

        # AXFR from an address that is not a secondary: REFUSED, and said so
        q = dns.message.make_query(reg.zone, "AXFR")
        r = dns.query.tcp(q, "127.0.0.1", port=reg.dns_port, timeout=3, source="127.0.0.3")
        assert r.rcode() == dns.rcode.REFUSED
        # a NOTIFY sent to the primary is not taken either
        n = dns.message.make_query(reg.zone, "SOA")
        n.set_opcode(dns.opcode.NOTIFY)
        r = dns.query.udp(n, "127.0.0.1", port=reg.dns_port, timeout=3, source="127.0.0.3")
        assert r.rcode() == dns.rcode.NOTIMP
        log = wait_for(lambda: "event=notify_refused proto=udp" in reg.read_log()
                       and reg.read_log(), timeout=5)
        assert re.search(r" notice: event=xfr_refused proto=tcp client=127\.0\.0\.3"
                         r" qname=\"reg\.test\.\" qtype=AXFR rcode=5 ", log), log
        assert re.search(r" notice: event=notify_refused proto=udp client=127\.0\.0\.3"
                         r" qname=\"reg\.test\.\" rcode=4 ", log), log
    finally:
        reg.stop()
        sec.close()
