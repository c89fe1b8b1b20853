"""The soak's raw-socket traffic (bench/soak.py): what wrk cannot send or cannot survive.

Bodies larger than server.max_body_bytes streamed for real, broken HTTP framing, pipelined
requests, and connections the client abandons half-way. Each kind belongs to a family that
bench/soak.py switches on or off, and reports an outcome per request: the response's status code
("503d" for a 503 with Retry-After), or one of

  reset_while_sending  the server closed while the client was still sending a body it had
                       already refused (allowed only for the oversized kinds: the 413 may be lost
                       with the reset)
  no_response          the connection ended before a status line
  timeout              no answer within the timeout
  aborted              the client itself gave up on purpose (the "aborts" family)
"""

import select
import socket
import threading
import time

CHUNK = 256 * 1024


class Conn:
    """One client connection with a small HTTP/1.1 response reader."""

    def __init__(self, port, timeout):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self, reset=False):
        if reset:  # SO_LINGER 0: close() sends RST instead of FIN
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.sock.close()

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        self.buf += data

    def response(self):
        """Reads one response; returns its outcome (status code or "503d")."""
        try:
            while b"\r\n\r\n" not in self.buf:
                self._fill()
        except EOFError:
            return "no_response"
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        status = lines[0].split(b" ")[1].decode()
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get(b"content-length", b"0"))
        try:
            while len(self.buf) < length:
                self._fill()
        except EOFError:
            return "no_response"
        self.buf = self.buf[length:]
        if status == "503" and b"retry-after" in headers:
            return "503d"
        return status

    def readable(self):
        return bool(self.buf) or bool(select.select([self.sock], [], [], 0)[0])


def exchange(port, timeout, data):
    conn = Conn(port, timeout)
    try:
        conn.sock.sendall(data)
        return conn.response()
    finally:
        conn.close()


def stream_oversized(port, timeout, head, chunks):
    """Sends head, then chunks, stopping as soon as the server answers."""
    conn = Conn(port, timeout)
    try:
        conn.sock.sendall(head)
        for chunk in chunks:
            if conn.readable():
                break
            conn.sock.sendall(chunk)
        return conn.response()
    except (BrokenPipeError, ConnectionResetError):
        return "reset_while_sending"
    finally:
        conn.close()


def request(method, path, headers=(), body=b"", version="HTTP/1.1", host=True):
    lines = [f"{method} {path} {version}".encode()]
    if host:
        lines.append(b"Host: 127.0.0.1")
    lines += [h.encode() if isinstance(h, str) else h for h in headers]
    if body and not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers):
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


EVENT = b'{"model":"soak_demand","segment":"restaurant_2","prediction":41.5}'
JSON = "Content-Type: application/json"


def oversized_body(port, timeout, max_body):
    head = request("POST", "/v1/predictions", [JSON, f"Content-Length: {max_body + 1}"])
    filler = b" " * CHUNK
    n = max_body // CHUNK + 1
    return stream_oversized(port, timeout, head, [b"[" + filler[1:]] + [filler] * n)


def oversized_chunked(port, timeout, max_body):
    head = request("POST", "/v1/predictions", [JSON, "Transfer-Encoding: chunked"])
    chunk = b"%x\r\n" % CHUNK + b" " * CHUNK + b"\r\n"
    return stream_oversized(port, timeout, head, [chunk] * (max_body // CHUNK + 2))


def pipelined(port, timeout, _max_body):
    one = request("GET", "/livez")
    conn = Conn(port, timeout)
    try:
        conn.sock.sendall(one * 3 + request("POST", "/v1/predictions", [JSON], EVENT))
        outcomes = [conn.response() for _ in range(4)]
        bad = [o for o in outcomes if o not in ("200", "202")]
        return bad[0] if bad else "200"
    finally:
        conn.close()


def abort(port, timeout, data, reset=False):
    conn = Conn(port, timeout)
    if data:
        conn.sock.sendall(data)
    conn.close(reset=reset)
    return "aborted"


def simple(data):
    return lambda port, timeout, _max_body: exchange(port, timeout, data)


def aborting(data, reset=False):
    return lambda port, timeout, _max_body: abort(port, timeout, data, reset)


OVERSIZED_OK = {"413", "reset_while_sending"}

# (name, family, weight, send(port, timeout, max_body) -> outcome, extra outcomes that are not failures)
KINDS = [
    ("raw_body_over_limit", "oversized", 1, oversized_body, OVERSIZED_OK),
    ("raw_chunked_over_limit", "oversized", 1, oversized_chunked, OVERSIZED_OK),
    ("raw_pipelined", "churn", 4, pipelined, set()),
    ("raw_http10_no_host", "churn", 2, simple(request("GET", "/livez", version="HTTP/1.0", host=False)), set()),
    ("raw_bad_request_line", "http_garbage", 1, simple(b"GARBAGE\r\n\r\n"), set()),
    ("raw_http2_preface", "http_garbage", 1, simple(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), set()),
    ("raw_header_70kib", "http_garbage", 1, simple(request("GET", "/livez", ["X-Big: " + "b" * 70000])), set()),
    ("raw_nul_in_header", "http_garbage", 1, simple(request("GET", "/livez", [b"X-A: a\x00b"])), set()),
    ("raw_two_content_lengths", "http_garbage", 1,
     simple(request("POST", "/v1/predictions", [JSON, "Content-Length: 3", "Content-Length: 70"], EVENT)), set()),
    ("raw_bad_chunk_size", "http_garbage", 1,
     simple(request("POST", "/v1/predictions", [JSON, "Transfer-Encoding: chunked"], b"zz\r\nabc\r\n0\r\n\r\n")), set()),
    ("raw_te_xchunked", "http_garbage", 1,
     simple(request("POST", "/v1/predictions", [JSON, "Transfer-Encoding: xchunked"], b"5\r\nhello\r\n0\r\n\r\n")),
     {"501"}),
    ("raw_te_gzip_chunked", "http_garbage", 1,
     simple(request("POST", "/v1/predictions", [JSON, "Transfer-Encoding: gzip, chunked"], b"5\r\nhello\r\n0\r\n\r\n")),
     {"501"}),
    ("raw_http11_no_host", "http_garbage", 1, simple(request("GET", "/livez", host=False)), set()),
    ("raw_two_authorization", "http_garbage", 1,
     simple(request("GET", "/v1/models", ["Authorization: Bearer a", "Authorization: Bearer b"])), set()),
    ("raw_absolute_uri", "http_garbage", 1, simple(request("GET", "http://127.0.0.1/livez")), set()),
    ("raw_abort_after_connect", "aborts", 2, aborting(b""), set()),
    ("raw_abort_in_headers", "aborts", 2, aborting(b"POST /v1/predictions HTTP/1.1\r\nHost: x\r\nContent-Le"), set()),
    ("raw_abort_in_body", "aborts", 2,
     aborting(request("POST", "/v1/predictions", [JSON, "Content-Length: 1000"], EVENT[:20])), set()),
    ("raw_abort_before_reading", "aborts", 2, aborting(request("GET", "/v1/models/soak_demand")), set()),
    ("raw_abort_before_202", "aborts", 1, aborting(request("POST", "/v1/predictions", [JSON], EVENT)), set()),
    ("raw_reset_in_body", "aborts", 2,
     aborting(request("POST", "/v1/predictions", [JSON, "Content-Length: 1000"], EVENT[:20]), reset=True), set()),
]

FAMILIES = sorted({k[1] for k in KINDS})


class Driver(threading.Thread):
    """Sends the enabled kinds in turn until stop() or the deadline; counts outcomes per kind."""

    def __init__(self, port, enabled, deadline, max_body, timeout):
        super().__init__(daemon=True)
        self.port, self.deadline, self.max_body, self.timeout = port, deadline, max_body, timeout
        self.kinds = [k for k in KINDS if k[1] in enabled]
        self.counts = {}  # (kind, outcome) -> n
        self.latency = {}  # kind -> (sum_us, max_us)
        self.requests = 0
        self.stopping = threading.Event()

    def run(self):
        schedule = [k for k in self.kinds for _ in range(k[2])]
        i = 0
        while schedule and not self.stopping.is_set() and time.monotonic() < self.deadline:
            name, _, _, send, _ = schedule[i % len(schedule)]
            i += 1
            started = time.monotonic()
            try:
                outcome = send(self.port, self.timeout, self.max_body)
            except socket.timeout:
                outcome = "timeout"
            except ConnectionRefusedError:
                outcome = "refused"  # the server is gone: stop here
                self.stopping.set()
            except (ConnectionResetError, BrokenPipeError):
                outcome = "no_response"
            self.counts[(name, outcome)] = self.counts.get((name, outcome), 0) + 1
            took = int((time.monotonic() - started) * 1e6)
            total, slowest = self.latency.get(name, (0, 0))
            self.latency[name] = (total + took, max(slowest, took))
            self.requests += 1

    def stop(self):
        self.stopping.set()

    @staticmethod
    def tolerated(kind):
        return next((k[4] for k in KINDS if k[0] == kind), set())
