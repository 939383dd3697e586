"""Run a private Postfix instance as a peer in tests and benchmarks.

A Postfix owns a temporary folder holding its configuration directory
(main.cf, master.cf), its queue_directory and data_directory, and listens
with smtpd on one loopback address:port. The system's Postfix is never
touched: everything goes through `postfix -c DIR` (see ../shared/PEERS.md).
Must run as root (Postfix's master starts as root and drops privileges).

Roles (what the instance does with the mail it accepts):

    "discard"  every recipient is accepted and thrown away by the discard
               transport after the queue file is durable (acceptance
               benchmarks, a sink that still speaks real Postfix SMTP)
    "mailbox"  mail for `mailboxes` (addresses in `domains`; default:
               postmaster@ each domain) is delivered by the virtual agent
               to Maildirs under <dir>/mail/<domain>/<local>/ (interop
               tests read them with messages()); other local addresses
               are refused at RCPT
    "relay"    everything is relayed to `relayhost` ("[127.0.0.1]:2526")

Example:

    pf = Postfix(tmpdir, role="relay", relayhost=f"[{v.host}]:{v.port}")
    pf.start()
    ... send to pf.host:pf.port ...
    pf.wait_queue_empty()
    pf.stop()

Other knobs: `defer_transports` (e.g. "smtp" keeps relayed mail queued
until flush()), `process_limit` (default_process_limit), `main` (extra
main.cf settings, applied last) and `services` (extra master.cf lines).
"""
import glob
import grp
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import time

import ports

SYSTEM_CONFIG = "/etc/postfix"
ROLES = ("discard", "mailbox", "relay")


def postfix_available():
    """True if Postfix is installed and we are root (needed to start it)."""
    return os.geteuid() == 0 and shutil.which("postfix", path="/usr/sbin:/usr/bin") is not None


class Postfix:
    """One private Postfix instance; see the module comment."""

    def __init__(self, tmpdir, role="discard", host="127.0.0.1", port=None,
                 domains=("test.example",), mailboxes=None, relayhost=None, defer_transports="",
                 process_limit=None, main=None, services=None,
                 hostname="postfix.test.example"):
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        if role == "relay" and not relayhost:
            raise ValueError("role 'relay' needs relayhost")
        self.dir = os.path.abspath(str(tmpdir))
        self.role = role
        self.host = host
        self.fixed_port = port is not None
        self.port = port or ports.candidate()
        self.domains = list(domains)
        self.mailboxes = list(mailboxes or [f"postmaster@{d}" for d in self.domains])
        self.hostname = hostname
        self.config_dir = os.path.join(self.dir, "etc")
        self.queue_dir = os.path.join(self.dir, "spool")
        self.data_dir = os.path.join(self.dir, "lib")
        self.mail_dir = os.path.join(self.dir, "mail")
        # postlogd only writes under /var (maillog_file_prefixes); a name
        # unique to this instance keeps parallel instances apart.
        self.logfile = f"/var/log/vouch-postfix-{os.getpid()}-{id(self):x}.log"
        self.settings = self._main_cf(relayhost, defer_transports, process_limit)
        self.settings.update(main or {})
        self.services = list(services or [])
        self.running = False
        self._write_config()

    # configuration ---------------------------------------------------------
    def _main_cf(self, relayhost, defer_transports, process_limit):
        s = {
            "compatibility_level": "3.6",
            "queue_directory": self.queue_dir,
            "data_directory": self.data_dir,
            "myhostname": self.hostname,
            "mydomain": "test.example",
            "myorigin": "$myhostname",
            "inet_interfaces": "loopback-only",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "maillog_file": self.logfile,
            "alias_maps": "",
            "alias_database": "",
            "biff": "no",
            "append_dot_mydomain": "no",
            "smtpd_banner": "$myhostname ESMTP",
            "mydestination": "",
            "local_recipient_maps": "",
            "relay_domains": "",
            "smtp_tls_security_level": "none",
            "smtpd_tls_security_level": "none",
            "defer_transports": defer_transports,
            "smtputf8_enable": "yes",
        }
        if process_limit:
            s["default_process_limit"] = str(process_limit)
        if self.role == "discard":
            # Accept anything from loopback (permit_mynetworks) and discard
            # it once it is safely queued: only acceptance costs anything.
            s["default_transport"] = "discard:benchmark"
            s["local_transport"] = "discard:benchmark"
            s["mydestination"] = " ".join(self.domains)
        elif self.role == "mailbox":
            pw = pwd.getpwnam("nobody")
            s["virtual_mailbox_domains"] = " ".join(self.domains)
            s["virtual_mailbox_base"] = self.mail_dir
            s["virtual_mailbox_maps"] = "texthash:" + os.path.join(self.config_dir, "mailboxes")
            s["virtual_uid_maps"] = f"static:{pw.pw_uid}"
            s["virtual_gid_maps"] = f"static:{pw.pw_gid}"
            s["virtual_minimum_uid"] = "1"
            s["default_transport"] = "error:no relaying from this test instance"
        else:
            s["relayhost"] = relayhost
            s["default_transport"] = "smtp"
            s["relay_transport"] = "smtp"
            # A next hop on loopback is expected here, not a mail loop.
            s["smtp_address_preference"] = "ipv4"
        return s

    def _master_cf(self):
        out = []
        with open(os.path.join(SYSTEM_CONFIG, "master.cf")) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                if line[0].isspace():           # continuation of a service
                    out.append(line.rstrip("\n"))
                    continue
                cols = line.split()
                if len(cols) >= 8 and cols[1] == "inet":
                    continue                     # the system's listeners
                if len(cols) >= 8:
                    cols[4] = "n"                # no chroot: paths stay real
                    line = " ".join(cols[:8]) + ("" if len(cols) == 8 else " " +
                                                 " ".join(cols[8:]))
                out.append(line.rstrip("\n"))
        out.insert(0, f"{self.host}:{self.port} inet n - n - - smtpd")
        out += self.services
        return "\n".join(out) + "\n"

    def _write_config(self):
        os.makedirs(self.config_dir, exist_ok=True)
        os.makedirs(self.queue_dir, exist_ok=True)
        os.makedirs(self.data_dir, exist_ok=True)
        with open(os.path.join(self.config_dir, "main.cf"), "w") as f:
            for k, v in self.settings.items():
                f.write(f"{k} = {v}\n")
        with open(os.path.join(self.config_dir, "master.cf"), "w") as f:
            f.write(self._master_cf())
        if self.role == "mailbox":
            os.makedirs(self.mail_dir, exist_ok=True)
            pw = pwd.getpwnam("nobody")
            os.chown(self.mail_dir, pw.pw_uid, pw.pw_gid)
            with open(os.path.join(self.config_dir, "mailboxes"), "w") as f:
                for addr in self.mailboxes:
                    local, domain = addr.lower().rsplit("@", 1)
                    # <domain>/<local>/ : the trailing slash means Maildir.
                    f.write(f"{addr.lower()} {domain}/{local}/\n")
        # The data directory belongs to the mail owner; queue folders are
        # made and permissioned by `postfix check` (post-install).
        pf = pwd.getpwnam("postfix")
        os.chown(self.data_dir, pf.pw_uid, grp.getgrnam("postfix").gr_gid)
        os.chmod(self.dir, 0o755)

    def postconf(self, *args):
        """Run postconf on this instance; returns its output."""
        return self._run("postconf", "-c", self.config_dir, *args)

    # process ---------------------------------------------------------------
    def _run(self, prog, *args, check=True, timeout=60):
        r = subprocess.run(["/usr/sbin/" + prog, *args], capture_output=True, text=True,
                           timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError(f"{prog} {' '.join(args)} failed ({r.returncode}):\n"
                               f"{r.stdout}{r.stderr}\n{self.log()[-3000:]}")
        return r.stdout

    def start(self, timeout=20):
        """Check the configuration, start master, wait until smtpd answers.
        Postfix cannot bind port 0 and report it: when its candidate port
        is taken, a fresh one is tried (tests/pylib/ports.py), or, when
        the caller fixed the port, PortInUse is raised."""
        for _ in range(12):
            try:
                return self._start_once(timeout)
            except ports.PortInUse:
                if self.fixed_port:
                    raise
                self.port = ports.candidate()
                self._write_config()
        raise RuntimeError("postfix could not bind any candidate port")

    def _start_once(self, timeout):
        self._run("postfix", "-c", self.config_dir, "check")
        mark = len(self.log())
        try:
            self._run("postfix", "-c", self.config_dir, "start")
        except RuntimeError:
            if ports.bind_failed(self.log()[mark:]):
                raise ports.PortInUse(f"postfix could not bind {self.host}:{self.port}")
            raise
        self.running = True
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout=20):
        """Wait until master holds the listening socket and smtpd greets
        with 220 on host:port (this uses one session)."""
        import socket
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            master = self.master_pid()
            if master is None or not ports.holds(master, self.host, self.port):
                last = "master does not hold the listening socket (yet)"
                time.sleep(0.1)
                continue
            try:
                with socket.create_connection((self.host, self.port), timeout=5) as s:
                    greeting = s.recv(512)
                    if greeting.startswith(b"220"):
                        s.sendall(b"QUIT\r\n")
                        return
                    last = greeting
            except OSError as e:
                last = e
            time.sleep(0.1)
        raise RuntimeError(f"postfix not ready on {self.host}:{self.port}: {last}\n"
                           f"{self.log()[-3000:]}")

    def stop(self, timeout=30):
        """Stop the instance (postfix stop, then SIGKILL if it lingers)."""
        if not self.running:
            return
        self._run("postfix", "-c", self.config_dir, "stop", check=False)
        deadline = time.time() + timeout
        while time.time() < deadline and self.master_pid():
            time.sleep(0.1)
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.running = False

    def reload(self):
        self._write_config()
        self._run("postfix", "-c", self.config_dir, "reload")

    def master_pid(self):
        """The master's pid, or None if it is not running."""
        try:
            with open(os.path.join(self.data_dir, "master.lock")) as f:
                pid = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        try:
            with open(f"/proc/{pid}/comm") as f:
                return pid if f.read().strip() == "master" else None
        except OSError:
            return None

    def pids(self):
        """The master and all its children (smtpd, cleanup, qmgr, ...)."""
        master = self.master_pid()
        if master is None:
            return []
        out = [master]
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                with open(stat) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:      # field 4: ppid
                out.append(int(stat.split("/")[2]))
        return out

    def processes(self):
        """{pid: name} of the master and its children."""
        out = {}
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/comm") as f:
                    out[pid] = f.read().strip()
            except OSError:
                pass
        return out

    def log(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern, timeout=20, count=1):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(re.findall(pattern, self.log())) >= count:
                return True
            time.sleep(0.1)
        raise AssertionError(f"postfix log never matched {pattern!r}:\n{self.log()[-3000:]}")

    # queue -----------------------------------------------------------------
    def queue(self):
        """The queue as `postqueue -j` reports it: one dict per message
        (queue_name, queue_id, sender, recipients [{address, delay_reason}])."""
        text = self._run("postqueue", "-c", self.config_dir, "-j")
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def wait_queue_empty(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.queue():
                return
            time.sleep(0.2)
        raise AssertionError(f"postfix queue not empty: {self.queue()}")

    def flush(self):
        """Attempt delivery of everything queued (postqueue -f)."""
        self._run("postqueue", "-c", self.config_dir, "-f")

    def messages(self, address):
        """Bytes of each message in address's Maildir ("mailbox" role)."""
        local, domain = address.lower().rsplit("@", 1)
        out = []
        for sub in ("new", "cur"):
            d = os.path.join(self.mail_dir, domain, local, sub)
            if os.path.isdir(d):
                for name in sorted(os.listdir(d)):
                    with open(os.path.join(d, name), "rb") as f:
                        out.append(f.read())
        return out

    def wait_messages(self, address, n, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            msgs = self.messages(address)
            if len(msgs) >= n:
                return msgs
            time.sleep(0.1)
        raise AssertionError(f"{address}: {len(self.messages(address))} messages, wanted {n}"
                             f"\n{self.log()[-3000:]}")

    def cleanup(self):
        """Stop, and remove the folder and the log file."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
        try:
            os.unlink(self.logfile)
        except FileNotFoundError:
            pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *a):
        self.stop()
