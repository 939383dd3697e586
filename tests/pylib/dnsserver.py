"""A small authoritative DNS server on dnspython, for what a zone file
cannot express, and a front for NSD that forces the TCP path.

NSD serves what a zone file can say. Some answers the tests need cannot
be written in one: a name whose queries are never answered (the openspf
suite's TIMEOUT), a TXT record of zero character-strings (rdata of length
0), the same record twice in one answer, records in an order the test
chooses. A DnsServer answers those itself, from a Zone, writing the
answer's wire format by hand (dnspython's rdatasets would merge the
duplicates; a hand-written answer is what the test says, byte for byte).

A DnsServer binds port 0 (UDP, then TCP on the same number) and reports
it: .port, .address ("127.0.0.1:PORT", the form vouch's dns_resolver and
--resolver take). Nothing is probed.

    zone = Zone()
    zone.add("mail.example.com", "A", "192.0.2.1")
    zone.add_txt("null.example.com", [])          # rdata of length 0
    zone.add_timeout("gone.example.com")          # never answers
    zone.add_delay("slow.example.com", 0.05)      # answers 50 ms late
    with DnsServer(zone) as dns:
        run(["vouchctl", "spf", ..., "--resolver", dns.address])

Modes:

* truncate=True: every UDP query gets an empty answer with TC set, so the
  resolver must ask again over TCP (RFC 1035 4.2.1, RFC 7766): both
  transports are exercised by every test that runs once each way. Answers
  longer than the client's UDP size (its EDNS payload, else 512) are
  truncated in any mode, as a real server does.
* backend="HOST:PORT" (an NSD): queries the Zone has nothing special for
  are relayed to it byte for byte over the transport they came on (UDP
  to UDP, TCP to TCP), so the answer is NSD's; only names marked with
  add_timeout() and (name, type) sets marked local (add(..., local=True),
  add_txt(..., local=True)) are answered here. zone_file() writes the rest
  for NSD.

Names are matched case-insensitively; the answer's owner for the name
asked is the question's own bytes (as NSD does, through compression),
rdata keeps the case it was given (libunbound may still hand it over in
another case: it compresses its own answer case-insensitively). A name that is not in the zone but has
names below it is an empty non-terminal: NODATA, not NXDOMAIN (RFC 8020).
Negative answers carry the root's SOA, so resolvers cache them normally.

Every query is logged (.log, a list of Query) with the transport, the
name and type asked, what was done (answer/relay/drop/truncate) and a
summary of the answer, so a failing test can show what was asked and
answered.
"""
import selectors
import socket
import struct
import threading

import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype

TTL = 300
EDNS_SIZE = 1232
CNAME_MAX = 8


def _wire_name(name):
    """Uncompressed wire form of a dotted name (str or dns.name.Name)."""
    if not isinstance(name, dns.name.Name):
        name = dns.name.from_text(name)
    return name.to_wire()


def _key(wire):
    """Case-insensitive lookup key of a wire-format name (ASCII only)."""
    return wire.lower()


def txt_rdata(strings):
    """TXT rdata from a list of character-strings (bytes or str); each is
    split into pieces of at most 255 octets. [] gives rdata of length 0."""
    out = b""
    for s in strings:
        b = s.encode("latin-1") if isinstance(s, str) else bytes(s)
        pieces = [b[i:i + 255] for i in range(0, len(b), 255)] or [b""]
        for p in pieces:
            out += bytes([len(p)]) + p
    return out


class Record:
    def __init__(self, rdtype, rdata, local):
        self.rdtype = rdtype
        self.rdata = rdata          # wire bytes
        self.local = local

    def text(self):
        try:
            rd = dns.rdata.from_wire(dns.rdataclass.IN, self.rdtype, self.rdata, 0,
                                     len(self.rdata))
            return rd.to_text()
        except Exception:  # noqa: BLE001 - a record dnspython will not parse
            return "\\# %d %s" % (len(self.rdata), self.rdata.hex())


class Entry:
    def __init__(self, wire):
        self.wire = wire            # the owner as first given
        self.records = []           # in the order given
        self.timeout = False
        self.delay = 0.0            # seconds before its answers go out

    def of(self, rdtype):
        return [r for r in self.records if r.rdtype == rdtype]


class Zone:
    """Records by owner name, in the order given; duplicates kept."""

    def __init__(self):
        self.names = {}             # key -> Entry

    def _entry(self, name):
        wire = _wire_name(name)
        return self.names.setdefault(_key(wire), Entry(wire))

    def add(self, name, rdtype, rdata, local=False):
        """One record. rdata: presentation text ("10 mx.example.com.") or
        wire bytes. local: answered by the DnsServer even when it fronts
        NSD; what a zone file cannot hold (a TXT of length 0, the same
        record twice) is local without asking. A local record makes its
        whole (name, type) set local."""
        t = dns.rdatatype.from_text(rdtype) if isinstance(rdtype, str) else rdtype
        if isinstance(rdata, str):
            rdata = dns.rdata.from_text(dns.rdataclass.IN, t, rdata).to_wire()
        e = self._entry(name)
        same = e.of(t)
        if (t in (dns.rdatatype.TXT, dns.rdatatype.SPF) and len(rdata) == 0) or \
                any(r.rdata == rdata for r in same):
            local = True
        e.records.append(Record(t, bytes(rdata), local))

    def add_txt(self, name, strings, local=False):
        """A TXT record of these character-strings ([] is rdata of length 0)."""
        self.add(name, dns.rdatatype.TXT, txt_rdata(strings), local)

    def add_timeout(self, name):
        """Queries to name for types it has no records of get no answer."""
        self._entry(name).timeout = True

    def add_delay(self, name, seconds):
        """Answers to queries for name go out only after seconds, so a
        test can make answers arrive in another order than asked."""
        self._entry(name).delay = seconds

    def delay(self, wire):
        e = self.lookup(wire)
        return e.delay if e else 0.0

    def lookup(self, wire):
        return self.names.get(_key(wire))

    def exists_below(self, wire):
        """True if some name in the zone is strictly below wire."""
        k = _key(wire)
        return any(self._is_sub(n, k) for n in self.names)

    @staticmethod
    def _is_sub(n, k):
        # n below k in wire form: k must start at a label boundary of n
        i = 0
        while i < len(n):
            if n[i:] == k:
                return i > 0
            i += n[i] + 1
        return False

    def special(self, wire, rdtype):
        """What a front for NSD must do itself: "drop", "local" or None."""
        e = self.lookup(wire)
        if e is None:
            return None
        recs = e.of(rdtype)
        if e.timeout and not recs and not e.of(dns.rdatatype.CNAME):
            return "drop"
        if any(r.local for r in recs):
            return "local"
        return None

    def zone_file(self, serial=1):
        """The root zone for NSD: every record not marked local, in order."""
        lines = [f"$TTL {TTL}",
                 f". IN SOA ns. hostmaster. {serial} 3600 600 86400 {TTL}",
                 ". IN NS ns.",
                 "ns. IN A 127.0.0.1"]
        for e in self.names.values():
            owner = dns.name.from_wire(e.wire, 0)[0].to_text()
            for r in e.records:
                if any(x.local for x in e.of(r.rdtype)):
                    continue
                lines.append(f"{owner} IN {dns.rdatatype.to_text(r.rdtype)} {r.text()}")
        return "\n".join(lines) + "\n"


class Query:
    """One query as the server saw it."""

    def __init__(self, transport, qname, qtype, action, summary=""):
        self.transport = transport      # "udp" or "tcp"
        self.qname = qname
        self.qtype = qtype
        self.action = action            # answer, relay, drop, truncate, formerr
        self.summary = summary

    def __repr__(self):
        return f"{self.transport} {self.qtype} {self.qname}: {self.action} {self.summary}"


def _soa_rr():
    rdata = (_wire_name("ns.") + _wire_name("hostmaster.") +
             struct.pack("!IIIII", 1, 3600, 600, 86400, TTL))
    return b"\x00" + struct.pack("!HHIH", dns.rdatatype.SOA, 1, TTL, len(rdata)) + rdata


def _rr(owner_wire, rdtype, rdata):
    return owner_wire + struct.pack("!HHIH", rdtype, 1, TTL, len(rdata)) + rdata


class DnsServer:
    """An authoritative server for zone on host, port 0; see the module."""

    def __init__(self, zone=None, host="127.0.0.1", truncate=False, backend=None):
        self.zone = zone or Zone()
        self.host = host
        self.truncate = truncate
        self.backend = backend
        self.port = None
        self.log = []
        self._lock = threading.Lock()
        self._udp = self._tcp = None
        self._threads = []
        self._stop = threading.Event()
        self._conns = set()

    @property
    def address(self):
        return f"{self.host}:{self.port}"

    # sockets -----------------------------------------------------------------
    def start(self):
        for _ in range(50):
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind((self.host, 0))
            port = udp.getsockname()[1]
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                tcp.bind((self.host, port))
            except OSError:
                # the kernel's UDP pick is taken for TCP: take another
                udp.close()
                tcp.close()
                continue
            tcp.listen(64)
            self._udp, self._tcp, self.port = udp, tcp, port
            break
        else:
            raise RuntimeError("no port free for both UDP and TCP")
        for target in (self._serve_udp, self._serve_tcp):
            t = threading.Thread(target=target, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self):
        # The serving threads end first (they look at _stop at least every
        # 0.2 s), and only then are the sockets closed: a thread that had
        # read a socket's descriptor number and was about to call
        # recvfrom()/accept() with it when the socket was closed would use
        # whatever socket of this process got that number next, and answer
        # (or take) traffic meant for another test's server.
        self._stop.set()
        for t in self._threads:
            t.join(timeout=5)
        for s in (self._udp, self._tcp):
            if s:
                try:
                    s.close()
                except OSError:
                    pass
        for c in list(self._conns):
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def set_zone(self, zone, truncate=None, backend=None):
        """Serve another zone from now on (the log is kept)."""
        with self._lock:
            self.zone = zone
            if truncate is not None:
                self.truncate = truncate
            self.backend = backend

    def mark(self):
        """A position in the log, for queries_since()."""
        with self._lock:
            return len(self.log)

    def queries_since(self, mark):
        with self._lock:
            return list(self.log[mark:])

    def _record(self, q):
        with self._lock:
            self.log.append(q)

    def _serve_udp(self):
        sel = selectors.DefaultSelector()
        sel.register(self._udp, selectors.EVENT_READ)
        while not self._stop.is_set():
            try:
                if not sel.select(timeout=0.2):
                    continue
                data, peer = self._udp.recvfrom(65535)
            except OSError:
                return
            # each query on its own thread: a slow relay or a delay holds up
            # no other query
            threading.Thread(target=self._answer_udp, args=(data, peer), daemon=True).start()

    def _answer_udp(self, data, peer):
        reply, delay = self._handle_delayed(data, "udp")
        if reply is None:
            return
        if delay:
            self._stop.wait(delay)
        self._send_udp(reply, peer)

    def _send_udp(self, reply, peer):
        try:
            self._udp.sendto(reply, peer)
        except OSError:
            pass

    def _handle_delayed(self, data, transport):
        """handle(), and how long its answer is held back."""
        reply = self.handle(data, transport)
        try:
            name = dns.message.from_wire(data).question[0].name.to_wire()
        except (dns.exception.DNSException, IndexError, ValueError):
            return reply, 0.0
        with self._lock:
            zone = self.zone
        return reply, zone.delay(name)

    def _serve_tcp(self):
        sel = selectors.DefaultSelector()
        sel.register(self._tcp, selectors.EVENT_READ)
        while not self._stop.is_set():
            try:
                if not sel.select(timeout=0.2):
                    continue
                conn, _ = self._tcp.accept()
            except OSError:
                return
            self._conns.add(conn)
            t = threading.Thread(target=self._serve_conn, args=(conn,), daemon=True)
            t.start()

    @staticmethod
    def _read_exact(conn, n):
        buf = b""
        while len(buf) < n:
            chunk = conn.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def _serve_conn(self, conn):
        # RFC 7766 6.2.1: several queries may come on one connection, and
        # their answers may go back in any order (a delayed one last).
        wlock = threading.Lock()

        def answer(data):
            reply, delay = self._handle_delayed(data, "tcp")
            if reply is None:
                return
            if delay:
                self._stop.wait(delay)
            with wlock:
                try:
                    conn.sendall(struct.pack("!H", len(reply)) + reply)
                except OSError:
                    pass
        try:
            while not self._stop.is_set():
                head = self._read_exact(conn, 2)
                if head is None:
                    return
                data = self._read_exact(conn, struct.unpack("!H", head)[0])
                if data is None:
                    return
                threading.Thread(target=answer, args=(data,), daemon=True).start()
        except OSError:
            return
        finally:
            self._conns.discard(conn)
            conn.close()

    # answers -----------------------------------------------------------------
    def handle(self, data, transport):
        """The reply to one query (wire bytes), or None to stay silent."""
        try:
            msg = dns.message.from_wire(data)
            q = msg.question[0]
        except (dns.exception.DNSException, IndexError, ValueError):
            self._record(Query(transport, "?", "?", "formerr"))
            return None
        qwire = q.name.to_wire()
        qtype = q.rdtype
        qtext = q.name.to_text(omit_final_dot=True)
        ttext = dns.rdatatype.to_text(qtype)
        with self._lock:
            zone, truncate, backend = self.zone, self.truncate, self.backend
        # The question section as the client sent it (its case, its bytes).
        qend = 12 + len(qwire) + 4
        question = data[12:qend]
        if transport == "udp" and truncate:
            self._record(Query(transport, qtext, ttext, "truncate"))
            return self._header(data, msg, 0, 0, 0, tc=True) + question + self._opt(msg)
        what = zone.special(qwire, qtype)
        if what == "drop":
            self._record(Query(transport, qtext, ttext, "drop"))
            return None
        if backend and what is None:
            reply = self._relay(data, transport, backend)
            self._record(Query(transport, qtext, ttext, "relay", self._summary(reply)))
            return reply
        reply = self._answer(zone, data, msg, qwire, qtype, question)
        if transport == "udp" and len(reply) > self._udp_size(msg):
            self._record(Query(transport, qtext, ttext, "truncate", "(too long for UDP)"))
            return self._header(data, msg, 0, 0, 0, tc=True) + question + self._opt(msg)
        self._record(Query(transport, qtext, ttext, "answer", self._summary(reply)))
        return reply

    @staticmethod
    def _udp_size(msg):
        return max(512, msg.payload) if msg.edns >= 0 else 512

    @staticmethod
    def _opt(msg):
        if msg.edns < 0:
            return b""
        return b"\x00" + struct.pack("!HHIH", dns.rdatatype.OPT, EDNS_SIZE, 0, 0)

    @staticmethod
    def _header(data, msg, rcode, an, ns, tc=False):
        flags = 0x8000 | 0x0400 | (data[2] << 8 & 0x0100)   # QR AA, RD copied
        if tc:
            flags |= 0x0200
        flags |= rcode & 0xF
        ar = 1 if msg.edns >= 0 else 0
        return data[:2] + struct.pack("!HHHHH", flags, 1, an, ns, ar)

    def _answer(self, zone, data, msg, qwire, qtype, question):
        answers = []
        owner = b"\xc0\x0c"             # the question's name, its case
        cur = qwire
        rcode = dns.rcode.NOERROR
        seen = set()
        for _ in range(CNAME_MAX + 1):
            e = zone.lookup(cur)
            if e is None:
                if not zone.exists_below(cur):
                    rcode = dns.rcode.NXDOMAIN
                break
            recs = e.of(qtype)
            cnames = e.of(dns.rdatatype.CNAME)
            if recs or qtype == dns.rdatatype.CNAME or not cnames:
                answers += [_rr(owner, r.rdtype, r.rdata) for r in recs]
                break
            seen.add(_key(cur))
            target = cnames[0].rdata
            answers.append(_rr(owner, dns.rdatatype.CNAME, target))
            if _key(target) in seen:
                break                   # a loop: the chain so far, as NSD gives it
            owner, cur = target, target
        auth = [] if answers and rcode == dns.rcode.NOERROR and \
            any(self._rtype(a) == qtype for a in answers) else [_soa_rr()]
        return (self._header(data, msg, rcode, len(answers), len(auth)) + question +
                b"".join(answers) + b"".join(auth) + self._opt(msg))

    @staticmethod
    def _rtype(rr):
        # type of an RR written by _rr(): after the owner name
        if rr[:2] == b"\xc0\x0c":
            i = 2
        else:
            i = 0
            while rr[i] != 0:
                i += rr[i] + 1
            i += 1
        return struct.unpack("!H", rr[i:i + 2])[0]

    @staticmethod
    def _relay(data, transport, backend):
        host, port = backend.rsplit(":", 1)
        port = int(port)
        try:
            if transport == "udp":
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                    s.settimeout(3)
                    s.sendto(data, (host, port))
                    return s.recv(65535)
            with socket.create_connection((host, port), timeout=3) as s:
                s.sendall(struct.pack("!H", len(data)) + data)
                head = DnsServer._read_exact(s, 2)
                return DnsServer._read_exact(s, struct.unpack("!H", head)[0]) if head else None
        except OSError:
            return None

    @staticmethod
    def _summary(reply):
        if reply is None:
            return "(no reply)"
        try:
            m = dns.message.from_wire(reply)
        except dns.exception.DNSException as e:
            return f"(unparsable reply: {e})"
        parts = [dns.rcode.to_text(m.rcode())]
        if m.flags & 0x0200:
            parts.append("TC")
        for rrset in m.answer:
            for rd in rrset:
                parts.append(f"{dns.rdatatype.to_text(rrset.rdtype)} {rd.to_text()}")
        return " ".join(parts)
