"""A tiny SMTP server for the registry's certification tests: it behaves
well (refuses relaying, offers STARTTLS, refuses unknown XVOUCH ids) or,
by its flags, badly (open relay, percent hack, no STARTTLS, confirms any
XVOUCH id, greets with a name that does not resolve). As a vouching host
X it can also hang up after each XVOUCH CHECK or answer checks slowly,
and counts how many connections it had open at once."""
import socket
import socketserver
import ssl
import subprocess
import threading
import time


def make_cert(workdir, name):
    """A self-signed certificate for name; returns (certfile, keyfile)."""
    cert = "%s/%s.crt" % (workdir, name)
    key = "%s/%s.key" % (workdir, name)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=%s" % name, "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


class Behaviour:
    def __init__(self, name, local_domain, starttls=True, open_relay=False,
                 percent_hack=False, xvouch_confirms=False, xvouch_supported=True,
                 close_after_check=False, check_delay=0.0,
                 mail_reply="250 2.1.0 ok", drip_banner=False):
        self.mail_reply = mail_reply        # e.g. "150 go on": not a valid reply
        self.drip_banner = drip_banner      # an endless greeting, one octet at a time
        self.name = name
        self.local_domain = local_domain
        self.starttls = starttls
        self.open_relay = open_relay
        self.percent_hack = percent_hack
        self.xvouch_confirms = xvouch_confirms
        self.xvouch_supported = xvouch_supported
        self.close_after_check = close_after_check   # hang up after answering a check
        self.check_delay = check_delay               # seconds before answering a check


class _Handler(socketserver.StreamRequestHandler):
    def setup(self):
        super().setup()
        self.b = self.server.behaviour

    def send(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline(2000)
        if not line:
            return None
        return line.decode(errors="replace").rstrip("\r\n")

    def rcpt_ok(self, arg):
        a = arg.strip()
        if a.upper().startswith("TO:"):
            a = a[3:].strip()
        if self.b.open_relay:
            return True
        if self.b.percent_hack and "%" in a:
            return True
        # a well-behaved server takes only plain local mailboxes
        if not (a.startswith("<") and a.endswith(">")):
            return False
        a = a[1:-1]
        if any(c in a for c in '%!":') or a.startswith("@") or "@" not in a:
            return False
        return a.split("@", 1)[1].lower() == self.b.local_domain

    def handle(self):
        with self.server.lock:
            self.server.open += 1
            self.server.max_open = max(self.server.max_open, self.server.open)
        try:
            self._handle()
        finally:
            with self.server.lock:
                self.server.open -= 1

    def _handle(self):
        self.server.connections += 1
        self.server.peers.append(self.client_address[0])
        if self.b.drip_banner:
            # "220-" continuation lines forever, an octet every 0.2 s: only a
            # client with a deadline for the whole reply gives up
            line = b"220-%s slow\r\n" % self.b.name.encode()
            while not self.server.closing.is_set():
                for octet in line:
                    try:
                        self.wfile.write(bytes([octet]))
                        self.wfile.flush()
                    except OSError:
                        return
                    if self.server.closing.wait(0.2):
                        return
            return
        self.send("220 %s ESMTP fake" % self.b.name)
        tls = False
        while True:
            line = self.readline()
            if line is None:
                return
            self.server.commands.append(line)
            verb = line.split(" ", 1)[0].upper()
            arg = line[len(verb):].strip()
            if verb in ("EHLO", "HELO"):
                exts = ["PIPELINING", "8BITMIME"]
                if self.b.starttls and not tls:
                    exts.append("STARTTLS")
                if self.b.xvouch_supported:
                    exts.append("XVOUCH")
                lines = [self.b.name + " hello"] + exts
                for l in lines[:-1]:
                    self.send("250-" + l)
                self.send("250 " + lines[-1])
            elif verb == "STARTTLS" and self.b.starttls and not tls:
                self.send("220 2.0.0 go ahead")
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(self.server.cert, self.server.key)
                conn = ctx.wrap_socket(self.connection, server_side=True)
                self.connection = conn
                self.rfile = conn.makefile("rb")
                self.wfile = conn.makefile("wb")
                tls = True
            elif verb == "XVOUCH" and self.b.xvouch_supported:
                parts = arg.split()
                if len(parts) == 2 and parts[0].upper() == "CHECK":
                    if self.b.check_delay:
                        time.sleep(self.b.check_delay)   # a slow host, on purpose
                    if self.b.xvouch_confirms:
                        self.send("250 2.7.0 %s confirmed" % parts[1])
                    else:
                        self.send("550 5.7.1 unknown session")
                    if self.b.close_after_check:
                        return
                else:
                    self.send("501 5.5.4 syntax")
            elif verb == "MAIL":
                self.send(self.b.mail_reply)
            elif verb == "RCPT":
                if self.rcpt_ok(arg):
                    self.send("250 2.1.5 ok")
                else:
                    self.send("554 5.7.1 relay access denied")
            elif verb == "RSET":
                self.send("250 2.0.0 ok")
            elif verb == "NOOP":
                self.send("250 2.0.0 ok")
            elif verb == "QUIT":
                self.send("221 2.0.0 bye")
                return
            else:
                self.send("502 5.5.2 not implemented")


class FakeSMTP(socketserver.ThreadingTCPServer):
    """Listens on (address, port) until close(); port 0 (the default) binds
    a port the kernel picks, read back as .port."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, port, behaviour, cert, key):
        if port is None:
            port = 0
        self.behaviour = behaviour
        self.cert = cert
        self.key = key
        self.connections = 0
        self.open = self.max_open = 0
        self.lock = threading.Lock()
        self.commands = []
        self.peers = []
        self.closing = threading.Event()
        super().__init__((address, port), _Handler)
        self.port = self.server_address[1]
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.closing.set()
        self.shutdown()
        self.server_close()
