"""CountingMX: a mail server for callout tests that refuses every
recipient (it knows its users) and counts connections and RCPT commands.
Its socket is bound before anyone is told the port (no probing)."""
import socket
import threading


class CountingMX:
    """Listens on host, port chosen by the kernel (self.port)."""

    def __init__(self, host):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.rcpts = []          # per connection
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                self.rcpts.append(0)
                index = len(self.rcpts) - 1
            threading.Thread(target=self.talk, args=(conn, index), daemon=True).start()

    def talk(self, conn, index):
        f = conn.makefile("rb")
        try:
            conn.sendall(b"220 mx.victim.test ESMTP\r\n")
            for line in f:
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    conn.sendall(b"250 mx.victim.test\r\n")
                elif verb == b"RCPT":
                    with self.lock:
                        self.rcpts[index] += 1
                    conn.sendall(b"550 5.1.1 no such user here\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    break
                else:
                    conn.sendall(b"250 ok\r\n")
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        # Wake the accept() (shutdown on a listening socket makes it fail)
        # and wait for the thread before the descriptor is freed: a thread
        # still looping round to accept() on a closed socket's number took
        # the next test's MX's connections, which then went uncounted.
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.thread.join(timeout=10)
        self.sock.close()
