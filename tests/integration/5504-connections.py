"""Hostile connections: 1,100 idle half-open connections from 127.0.0.1
(half of them with a partial request head) must not make the server
unavailable — a signed request from another client at the same address,
or at another one, is answered within 2 s, and within 5 s after they go,
with no CLOSE-WAIT sockets left behind (also when each sends part of a
head and closes at once). Also: the header timeout closes a
connection that has not sent a full head in time (even one that trickles
bytes), without touching kept-alive connections between requests; and
the per-address cap refuses a new connection only when every connection
of that address is busy with a request."""
import http.client
import os
import resource
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

import botocore.config  # noqa: E402
import boto3  # noqa: E402

t = T()
FLOOD = 1100
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if hard != resource.RLIM_INFINITY and hard < FLOOD + 400:
    print("RLIMIT_NOFILE hard limit %d is too low for %d sockets"
          % (hard, FLOOD))
    sys.exit(77)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

# TCP states in /proc/net/tcp (include/net/tcp_states.h).
ESTABLISHED, CLOSE_WAIT = "01", "08"


def server_sockets(port, state, pid=None):
    """Sockets of the server (local port `port`) in `state`; with `pid`,
    only those the process holds open — the ones it accepted, not those
    still waiting in the kernel's accept queue, which a loaded machine
    lets grow before the server gets to them (and closes them)."""
    inodes = None
    if pid is not None:
        inodes = set()
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    n = 0
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(path) as f:
            for line in f.read().splitlines()[1:]:
                p = line.split()
                if int(p[1].rsplit(":", 1)[1], 16) == port and \
                        p[3] == state and (inodes is None or p[9] in inodes):
                    n += 1
    return n


def kms_client(srv):
    return boto3.session.Session().client(
        "kms", region_name="eu-west-2", endpoint_url=srv.endpoint,
        aws_access_key_id="test", aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 0},
                                      connect_timeout=10, read_timeout=10))


def timed(fn):
    """(seconds taken, result or the exception raised)."""
    start = time.monotonic()
    try:
        out = fn()
    except Exception as e:  # noqa: BLE001 - reported as the result
        out = e
    return time.monotonic() - start, out


def raw_from(srv, source, target="TrentService.ListKeys"):
    """A signed ListKeys sent from the local address `source`: status."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10,
                                      source_address=(source, 0))
    try:
        st, _, _ = srv.raw("{}", target=target, conn=conn)
    finally:
        conn.close()
    return st


def closed_within(s, limit):
    """Seconds until the server closed s (recv gives EOF or a reset), or
    None if it did not within `limit`."""
    s.settimeout(limit)
    start = time.monotonic()
    try:
        while s.recv(4096):
            pass
    except socket.timeout:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - start


# -- 1. The flood, with the default limits ------------------------------
with Server() as srv:
    kms = kms_client(srv)
    t.eq("served before the flood", [], kms.list_keys()["Keys"])
    # Clients made beforehand (making one takes time on a loaded machine),
    # each of which opens its connection when it is used.
    fresh = [kms_client(srv) for _ in range(4)]
    socks = []
    for i in range(FLOOD):
        s = socket.socket()
        s.settimeout(10)
        s.connect(("127.0.0.1", srv.port))
        if i % 2:
            s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        socks.append(s)

    for i in range(3):
        took, out = timed(lambda: fresh[i].list_keys()["Keys"])
        t.ok("same address, try %d: answered within 2 s" % i,
             out == [] and took < 2.0, "%.2fs %r" % (took, out))
    took, out = timed(lambda: raw_from(srv, "127.0.0.2"))
    t.ok("other address: answered within 2 s", out == 200 and took < 2.0,
         "%.2fs %r" % (took, out))
    # The book never passes the cap, but the count of ESTABLISHED sockets
    # can, for a moment, on a loaded machine: sockets the server is done
    # with and about to close still show as established until its
    # threads get to them (seen: 291 for under 0.5 s, then 256). The cap
    # must hold once the server has caught up, within 5 s.
    first = held = server_sockets(srv.port, ESTABLISHED, srv.proc.pid)
    deadline = time.monotonic() + 5
    while held > 256 + 16 and time.monotonic() < deadline:
        time.sleep(0.1)
        held = server_sockets(srv.port, ESTABLISHED, srv.proc.pid)
    t.ok("one address holds at most its cap (256) of connections",
         held <= 256 + 16, "%d established (first count %d)" % (held, first))

    for s in socks:
        s.close()
    took, out = timed(lambda: fresh[3].list_keys()["Keys"])
    t.ok("after they close: answered within 5 s", out == [] and took < 5.0,
         "%.2fs %r" % (took, out))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and \
            server_sockets(srv.port, CLOSE_WAIT):
        time.sleep(0.1)
    t.eq("no CLOSE-WAIT left 5 s after they close", 0,
         server_sockets(srv.port, CLOSE_WAIT))

    # Peers that send part of a head and close at once: the data and the
    # end of the stream arrive together, which libmicrohttpd alone can
    # miss, leaving the socket in CLOSE-WAIT until a timeout.
    for i in range(300):
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        s.close()
    took, out = timed(lambda: kms_client(srv).list_keys()["Keys"])
    t.ok("after a burst of closed half-heads: answered within 5 s",
         out == [] and took < 5.0, "%.2fs %r" % (took, out))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and \
            server_sockets(srv.port, CLOSE_WAIT):
        time.sleep(0.1)
    t.eq("no CLOSE-WAIT left 5 s after a burst of closed half-heads", 0,
         server_sockets(srv.port, CLOSE_WAIT))

# -- 2. The header timeout --------------------------------------------------
with Server("--header-timeout", "2", "--timeout", "8") as srv:
    silent = socket.create_connection(("127.0.0.1", srv.port))
    took = closed_within(silent, 7)
    t.ok("silent connection closed by the header timeout",
         took is not None and 1.5 <= took < 6, took)
    silent.close()

    # A head trickled a byte at a time never completes: the deadline runs
    # from the connection's start, not from its last byte.
    slow = socket.create_connection(("127.0.0.1", srv.port))
    head = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 40
    start = time.monotonic()
    closed_at = None
    for b in head:
        try:
            slow.sendall(bytes([b]))
        except OSError:
            closed_at = time.monotonic() - start
            break
        slow.settimeout(0.25)
        try:
            if slow.recv(4096) == b"":
                closed_at = time.monotonic() - start
                break
        except socket.timeout:
            pass
        except ConnectionResetError:
            closed_at = time.monotonic() - start
            break
    t.ok("trickled head closed by the header timeout",
         closed_at is not None and closed_at < 6, closed_at)
    slow.close()

    # A kept-alive connection waits between requests longer than the
    # header timeout (it has --timeout).
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    st1, _, _ = srv.raw("{}", target="TrentService.ListKeys", conn=conn)
    first = conn.sock.getsockname()
    time.sleep(3)
    try:
        st2, _, _ = srv.raw("{}", target="TrentService.ListKeys", conn=conn)
        reused = conn.sock is not None and conn.sock.getsockname() == first
    except (http.client.HTTPException, OSError) as e:
        st2, reused = e, False
    t.ok("kept-alive connection outlives the header timeout",
         st1 == 200 and st2 == 200 and reused, (st1, st2))
    conn.close()

# -- 3. The per-address cap refuses only when all are busy -------------------
with Server("--max-connections-per-ip", "4") as srv:
    busy = []
    for _ in range(4):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        # A full head, then half a body: a request in progress. The
        # server's "100 Continue" says it has taken the head.
        s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: "
                  b"TrentService.ListKeys\r\nContent-Length: 10\r\n"
                  b"Expect: 100-continue\r\n\r\n")
        t.ok("busy connection's head taken",
             s.recv(4096).startswith(b"HTTP/1.1 100"))
        s.sendall(b"{")
        busy.append(s)
    extra = socket.create_connection(("127.0.0.1", srv.port))
    took = closed_within(extra, 5)
    t.ok("fifth connection from a busy address refused",
         took is not None and took < 3, took)
    extra.close()
    took, out = timed(lambda: raw_from(srv, "127.0.0.2"))
    t.ok("another address is served", out == 200 and took < 2.0,
         "%.2fs %r" % (took, out))
    busy.pop().close()
    # The server notices the close on its own schedule: try for 5 s.
    deadline = time.monotonic() + 5
    while True:
        took, out = timed(lambda: raw_from(srv, "127.0.0.1"))
        if out == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    t.ok("served again once one of them is gone", out == 200,
         "%.2fs %r" % (took, out))
    for s in busy:
        s.close()

t.done()
