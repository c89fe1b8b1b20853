#!/usr/bin/python3
"""The soak run (docs/benchmarks.md, "Soak"): minutes of mixed valid and invalid traffic at a high rate
against the Release modelwatch binary, with its memory and open files sampled throughout.

Usage: bench/soak.py [BUILD_DIR]      (make soak)

Environment:
  SOAK_SECONDS             traffic duration (default 600)
  SOAK_SAMPLE_SECONDS      sampling interval of RSS and fds (default 10)
  SOAK_VALID               valid families: all | none | a comma list (ingest,query,admin,churn);
                           "-name" removes one from "all"
  SOAK_INVALID             invalid families, same syntax (see INVALID below); default all
  SOAK_RSS_TOLERANCE_PCT   allowed growth of RssAnon, last third over middle third, in % (default 10)
  SOAK_FD_TOLERANCE        allowed difference of the fewest open fds, last vs middle third (default 8)
  SOAK_TIMEOUT_SECONDS     wrk --timeout (slower requests are noted) and the raw sockets' timeout
                           (a raw request unanswered for this long fails the run); default 10
  SOAK_THREADS             wrk connections per script, e.g. "ingest=4,query=2" (one thread each;
                           for "invalid", per enabled family)
  SOAK_PRELOAD_ROWS        old predictions stored before the traffic starts (default 1000000; 0 = none)
  SOAK_SERVER_ARGS         extra arguments for `modelwatch serve` (split on spaces)
  SOAK_KEEP                set: keep the temporary directory (data dir, server stderr, wrk output)

Exit status: 0 when every check passed, 1 when one failed (the summary says which), 2 on a usage
or setup error.
"""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import soak_raw  # noqa: E402

VALID = ["ingest", "query", "admin", "churn"]
INVALID = ["malformed", "types", "unknown_fields", "huge_keys", "deep_ingest", "deep_registry",
           "bad_names", "many_models", "content_type", "oversized", "many_events", "bad_queries",
           "huge_windows", "conflict", "http_garbage", "aborts"]
# wrk script -> the families it carries (bench/soak/<script>.lua); the raw-socket kinds of
# bench/soak_raw.py carry families of both lists.
SCRIPTS = {"ingest": ["ingest"], "query": ["query"], "admin": ["admin"], "churn": ["churn"],
           "invalid": [f for f in INVALID if f not in ("http_garbage", "aborts")]}
# Connections per script; for "invalid", per enabled family (each family has its own connections,
# so that a family with slow answers does not hold up the others).
DEFAULT_THREADS = {"ingest": 4, "query": 2, "admin": 1, "churn": 1, "invalid": 1}
# The server's settings for the soak: bounds that would take hours to fill at the defaults are
# lowered so that memory can level off within the run, and the background passes run often.
SERVER_SETTINGS = ["quality.max_window_rows=1000", "quality.evaluation_interval_seconds=5",
                   "alerting.evaluation_interval_seconds=5", "logging.access_log=false",
                   "logging.stdout=false"]
MAX_BODY = 16 * 1024 * 1024
KNOWN_IDS = 100


def usage(message):
    print(f"soak: {message}", file=sys.stderr)
    sys.exit(2)


def env_number(name, default, kind=int, allow_zero=False):
    text = os.environ.get(name, str(default))
    try:
        value = kind(text)
    except ValueError:
        usage(f"{name} must be a number, got '{text}'")
    if value < 0 or (value == 0 and not allow_zero):
        usage(f"{name} must be {'non-negative' if allow_zero else 'positive'}, got '{text}'")
    return value


def family_list(name, choices):
    """Parses SOAK_VALID / SOAK_INVALID: all | none | a,b | all,-a."""
    chosen = []
    for item in [x.strip() for x in os.environ.get(name, "all").split(",") if x.strip()]:
        if item == "all":
            chosen = list(choices)
        elif item == "none":
            chosen = []
        elif item.startswith("-") and item[1:] in choices:
            chosen = [c for c in chosen if c != item[1:]]
        elif item in choices:
            chosen.append(item)
        else:
            usage(f"{name}: unknown family '{item}' (families: {', '.join(choices)})")
    return chosen


def thread_counts():
    counts = dict(DEFAULT_THREADS)
    for item in [x for x in os.environ.get("SOAK_THREADS", "").split(",") if x]:
        name, _, n = item.partition("=")
        if name not in counts or not n.isdigit() or int(n) < 1:
            usage(f"SOAK_THREADS: expected script=N with a script of {', '.join(counts)}, got '{item}'")
        counts[name] = int(n)
    return counts


class Server:
    """The modelwatch process under test."""

    def __init__(self, build, work):
        binary = Path(build) / "modelwatch"
        if not os.access(binary, os.X_OK):
            usage(f"{binary} not found: build it first (cmake --build {build} --target modelwatch)")
        self.data = work / "data"
        self.data.mkdir()
        self.err_path = work / "server.err"
        args = [str(binary), "serve", "--listen", "127.0.0.1:0", "--data-dir", str(self.data)]
        for setting in SERVER_SETTINGS:
            args += ["--set", setting]
        args += os.environ.get("SOAK_SERVER_ARGS", "").split()
        self.args = args
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(self.err_path, "wb"))
        self.port = self._wait_port()

    def _wait_port(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            m = re.search(rb"modelwatch listening on [0-9.]+:(\d+)", self.err_path.read_bytes())
            if m:
                return int(m.group(1))
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        sys.stderr.write(self.err_path.read_text(errors="replace"))
        usage("the server did not start")

    def alive(self):
        return self.proc.poll() is None

    def exit_description(self):
        code = self.proc.returncode
        if code is None:
            return "running"
        if code < 0:
            return f"killed by signal {signal.Signals(-code).name}"
        return f"exit status {code}"

    def stderr_tail(self, lines=15):
        return self.err_path.read_text(errors="replace").splitlines()[-lines:]

    def sample(self):
        """(VmRSS MiB, RssAnon MiB, open fds) of the live process, or None."""
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
            fds = len(os.listdir(f"/proc/{self.proc.pid}/fd"))
        except (FileNotFoundError, ProcessLookupError):
            return None
        kib = {k: int(v.split()[0]) for k, v in re.findall(r"^(VmRSS|RssAnon):\s+(.*)$", status, re.M)}
        return kib["VmRSS"] / 1024, kib.get("RssAnon", 0) / 1024, fds

    def stop(self, grace=60):
        """SIGTERM, then the exit description; SIGKILL after `grace` seconds."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return f"did not stop within {grace} s of SIGTERM (killed)"
        return self.exit_description()


def call(port, method, path, body=None, content_type="application/json"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": content_type} if body is not None else {}
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def prepare(port):
    """Registers the models, versions and references the traffic names, and KNOWN_IDS predictions."""
    steps = [("PUT", "/v1/models/soak_demand", {"task": "regression"}),
             ("PUT", "/v1/models/soak_risk", {"task": "binary_classification"}),
             ("PUT", "/v1/models/soak_risk/versions/v1", {"metrics": {"auc": 0.8}})]
    for v in range(1, 6):
        steps.append(("PUT", f"/v1/models/soak_demand/versions/v{v}",
                      {"metrics": {"mae": 3 + v / 10}, "latest": v == 1,
                       "feature_importance": {"temp": 0.5 + v / 20, "lag_7": 0.3 - v / 50, "promo": 0.1}}))
    csv = "temp,weekday,promo,lag_7,prediction,actual\n" + "".join(
        f"{10 + i % 20},{'mon' if i % 2 else 'tue'},{i % 2},{30 + i % 40},{40 + i % 17},{41 + i % 19}\n"
        for i in range(500))
    for segment in ["", "?segment=restaurant_1", "?segment=restaurant_2"]:
        steps.append(("POST", f"/v1/models/soak_demand/versions/v1/reference{segment}", csv, "text/csv"))
    events = [{"id": f"soak-known-{i}", "model": "soak_demand", "segment": f"restaurant_{i % 20}",
               "features": {"temp": 10 + i % 20, "weekday": "mon", "promo": i % 2, "lag_7": 30 + i % 40},
               "prediction": 40 + i % 17, "actual": 41 + i % 19} for i in range(KNOWN_IDS)]
    steps.append(("POST", "/v1/predictions", {"events": events}))
    for method, path, body, *ctype in steps:
        status = call(port, method, path, body, *ctype)
        if status >= 300:
            usage(f"setup: {method} {path} answered {status}")


def preload(port, rows, batch=2000, connections=3):
    """Stores `rows` predictions 25..49 hours old (outside every window the traffic queries), so
    the server starts the soak with a database larger than its SQLite page caches: those caches
    grow with the database up to fixed caps (the writer's 256 MiB among them), which on a fresh
    store reads as steady RSS growth for many minutes. Returns the seconds it took."""
    start, now = time.monotonic(), int(time.time())
    failures = []

    def worker(first):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for lo in range(first, rows, batch * connections):
            events = ",".join(
                f'{{"id":"soak-pre-{i}","model":"soak_demand","segment":"restaurant_{i % 20}",'
                f'"timestamp":{now - 90000 - (i * 86400 // rows)},"features":{{"temp":{10 + i % 20},'
                f'"weekday":"mon","promo":{i % 2},"lag_7":{30 + i % 40}}},"prediction":{40 + i % 17},'
                f'"actual":{41 + i % 19}}}' for i in range(lo, min(lo + batch, rows)))
            conn.request("POST", "/v1/predictions", body='{"events":[' + events + "]}",
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            if response.status != 202:
                failures.append(response.status)
                return
        conn.close()

    workers = [threading.Thread(target=worker, args=(k * batch,)) for k in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if failures:
        usage(f"preload: POST /v1/predictions answered {failures[0]}")
    return time.monotonic() - start


class WrkRun:
    """One wrk process running bench/soak/<script>.lua with one connection per thread."""

    def __init__(self, script, threads, enabled, port, work, seconds, timeout):
        self.script, self.threads = script, threads
        lua = work / f"{script}.lua"
        lua.write_bytes(b"".join((BENCH / "soak" / name).read_bytes()
                                 for name in ("events.lua", f"{script}.lua", "common.lua")))
        self.out_path = work / f"{script}.out"
        env = dict(os.environ, SOAK_RUN=work.name.split(".")[-1], SOAK_ENABLED=",".join(enabled),
                   SOAK_PROGRESS=str(work / "progress"), SOAK_WRK_NAME=script, SOAK_KNOWN_IDS=str(KNOWN_IDS),
                   SOAK_PER_FAMILY="1" if script == "invalid" else "0")
        self.proc = subprocess.Popen(
            ["wrk", f"-t{threads}", f"-c{threads}", f"-d{seconds}s", "--timeout", f"{timeout}s",
             "-s", str(lua), f"http://127.0.0.1:{port}"],
            stdout=open(self.out_path, "wb"), stderr=subprocess.STDOUT, env=env)

    def finish(self, wait):
        """Waits up to `wait` seconds, then interrupts (wrk prints its results on SIGINT)."""
        try:
            self.proc.wait(wait)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def results(self):
        """(counts {(kind, status): n}, sent {kind: n}, examples {(kind, status): text},
        latency {kind: (sum_us, max_us)}, wrk figures)."""
        counts, sent, examples, latency, figures = {}, {}, {}, {}, {}
        for line in self.out_path.read_text(errors="replace").splitlines():
            parts = line.split(" ", 3)
            if parts[0] == "SOAK_COUNT":
                counts[(parts[1], parts[2])] = int(parts[3])
            elif parts[0] == "SOAK_SENT":
                sent[parts[1]] = int(parts[2])
            elif parts[0] == "SOAK_LATENCY":
                latency[parts[1]] = (int(parts[2]), int(parts[3]))
            elif parts[0] == "SOAK_EXAMPLE":
                examples[(parts[1], parts[2])] = parts[3] if len(parts) > 3 else ""
            elif parts[0] == "SOAK_WRK":
                figures = {k: int(v) for k, v in (p.split("=") for p in line.split()[1:])}
        return counts, sent, examples, latency, figures


def progress(work, raw):
    total = raw.requests if raw else 0
    for f in (work / "progress").iterdir():
        if not f.name.endswith(".tmp"):
            total += int(f.read_text() or 0)  # written beside and renamed (common.lua)
    return total


def sample_loop(server, work, raw, seconds, every):
    """Prints a row every `every` seconds until `seconds` passed or the server died.
    Returns the rows (t, VmRSS MiB, RssAnon MiB, fds, requests so far), whether the server lived,
    and the seconds elapsed."""
    print(f"{'time s':>7}{'RSS MiB':>10}{'anon MiB':>10}{'fds':>6}{'requests':>11}{'req/s':>9}", flush=True)
    start = time.monotonic()
    rows, last_t, last_n = [], 0.0, 0
    first = server.sample()
    if first:
        print(f"{0:7.0f}{first[0]:10.1f}{first[1]:10.1f}{first[2]:6d}{0:11d}{'-':>9}   (traffic starts)",
              flush=True)
    while True:
        deadline = start + min(every * (len(rows) + 1), seconds)
        while time.monotonic() < deadline and server.alive():
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        s = server.sample() if server.alive() else None
        if s is None:
            return rows, False, time.monotonic() - start
        t, n = time.monotonic() - start, progress(work, raw)
        rows.append((t, s[0], s[1], s[2], n))
        print(f"{t:7.0f}{s[0]:10.1f}{s[1]:10.1f}{s[2]:6d}{n:11d}{(n - last_n) / (t - last_t):9.0f}", flush=True)
        last_t, last_n = t, n
        if t >= seconds - 0.5:
            return rows, True, t


def flatness(rows, rss_tolerance, fd_tolerance):
    """The verdict on RSS and fds after warm-up (the first third): (ok, message lines)."""
    if len(rows) < 3:
        return False, [f"flat: NOT JUDGED, {len(rows)} sample(s): needs at least 3 (a longer SOAK_SECONDS)"]
    third = len(rows) // 3
    middle, last = rows[third:2 * third], rows[len(rows) - third:]
    lines = []
    # VmRSS also counts the pages of the database file that SQLite's connections map (mmap_size,
    # one mapping per connection, remapped as the file grows): they swing by hundreds of MiB
    # between samples with what the queries read, and the kernel can drop them at any time. A leak
    # shows in RssAnon (the heap), so that is judged; VmRSS is printed beside it.
    for name, i in (("RSS (VmRSS, not judged)", 1), ("anon (RssAnon)", 2)):
        m, l = (sum(r[i] for r in part) / len(part) for part in (middle, last))
        growth = (l - m) / m * 100
        verdict = ("FLAT" if growth < rss_tolerance else "GROWING") if i == 2 else ""
        lines.append(f"{name}: middle third {m:.1f} MiB, last third {l:.1f} MiB: {growth:+.1f} %"
                     + (f" (allowed < {rss_tolerance:g} %) {verdict}" if verdict else ""))
        anon_ok = growth < rss_tolerance
    # Every sample also counts the connections open at that instant, so the floor of each third
    # is compared: a leak raises it, a busy instant does not.
    fd_m, fd_l = min(r[3] for r in middle), min(r[3] for r in last)
    fd_ok = abs(fd_l - fd_m) <= fd_tolerance
    lines.append(f"fds (fewest in a sample): middle third {fd_m}, last third {fd_l}: {fd_l - fd_m:+d} "
                 f"(allowed +/- {fd_tolerance:g}) {'FLAT' if fd_ok else 'NOT FLAT'}")
    return anon_ok and fd_ok, lines


def stalls(rows):
    """Sampling intervals in which no response at all arrived (a hung server)."""
    return [f"{a[0]:.0f}-{b[0]:.0f} s" for a, b in zip(rows, rows[1:]) if b[4] == a[4]]


def family_of():
    """kind -> family, from the Lua scripts and soak_raw.KINDS."""
    families = {k[0]: k[1] for k in soak_raw.KINDS}
    pattern = re.compile(r'name = "(\w+)", family = "(\w+)"|kind\("(\w+)", "(\w+)"|probe\("(\w+)"')
    for script in SCRIPTS:
        for m in pattern.finditer((BENCH / "soak" / f"{script}.lua").read_text()):
            if m.group(1):
                families[m.group(1)] = m.group(2)
            elif m.group(3):
                families[m.group(4)] = m.group(3)
            else:
                families[m.group(5)] = "query"
    return families


class Results:
    """Every kind's outcomes, from the wrk scripts and the raw-socket driver."""

    def __init__(self):
        self.counts, self.sent, self.examples, self.latency = {}, {}, {}, {}
        self.wrk_errors = []  # (script, {error: n})
        self.timeouts = []    # scripts with requests slower than the timeout

    def add_wrk(self, w):
        counts, sent, examples, latency, figures = w.results()
        self.counts.update(counts)
        self.sent.update(sent)
        self.examples.update(examples)
        self.latency.update(latency)
        if not figures:
            print(f"{w.script:12}{w.threads:6d}  no report (wrk output: "
                  f"{w.out_path.read_text(errors='replace')[-200:].strip() or 'empty'})")
            self.wrk_errors.append((w.script, {"no report": 1}))
            return
        errors = {k: figures[k] for k in ("connect", "read", "write") if figures[k]}
        if errors:
            self.wrk_errors.append((w.script, errors))
        if figures["timeout"]:
            self.timeouts.append(w.script)
        rate = figures["requests"] / (figures["duration_us"] / 1e6)
        print(f"{w.script:12}{w.threads:6d}{figures['requests']:10d}{rate:9.0f}{figures['p50_us'] / 1000:9.2f}"
              f"{figures['p99_us'] / 1000:9.2f}  {errors or 0}")

    def add_raw(self, raw):
        for (kind, outcome), n in raw.counts.items():
            self.counts[(kind, outcome)] = n
            self.sent[kind] = self.sent.get(kind, 0) + n
        self.latency.update(raw.latency)

    def print_kinds(self):
        """The statuses per kind by family; returns the kinds of invalid families answered 2xx."""
        families, by_kind, accepted = family_of(), {}, []
        for (kind, status), n in self.counts.items():
            by_kind.setdefault(kind, {})[status] = n
        print(f"\n{'family':15}{'kind':28}{'sent':>8}{'mean ms':>9}{'max ms':>9}  statuses")
        order = {f: i for i, f in enumerate(VALID + INVALID)}
        for kind in sorted(set(by_kind) | set(self.sent), key=lambda k: (order.get(families.get(k), 99), k)):
            statuses, family = by_kind.get(kind, {}), families.get(kind, "?")
            answered = sum(statuses.values())
            total_us, max_us = self.latency.get(kind, (0, 0))
            mean = f"{total_us / answered / 1000:9.1f}" if answered else f"{'-':>9}"
            text = " ".join(f"{s}:{n}" for s, n in sorted(statuses.items())) or "-"
            print(f"{family:15}{kind:28}{self.sent.get(kind, answered):8d}{mean}{max_us / 1000:9.0f}  {text}")
            if family in INVALID and family != "conflict" and any(s.startswith("2") for s in statuses):
                accepted.append(kind)
        print("(503d: a 503 with Retry-After, or from a health probe: the documented 503s)")
        return accepted

    def failures(self, server_died):
        out = []
        for (kind, status), n in sorted(self.counts.items()):
            server_error = status.isdigit() and int(status) >= 500
            # after a crash, every connection error follows from it
            no_answer = status in ("no_response", "timeout", "refused") and not server_died
            if (server_error or no_answer) and status not in soak_raw.Driver.tolerated(kind):
                example = self.examples.get((kind, status))
                out.append(f"{kind}: {n} x {status}" + (f" ({example[:160]})" if example else ""))
        if not server_died:
            out += [f"wrk {script}: connection errors {errors}" for script, errors in self.wrk_errors]
        return out


def report(server, wrks, raw, rows, survived, elapsed, stop, settings):
    results = Results()
    print(f"\n{'wrk script':12}{'conns':>6}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}  connection errors")
    for w in wrks:
        results.add_wrk(w)
    if raw:
        results.add_raw(raw)
    accepted_invalid = results.print_kinds()
    total = sum(n for (_, status), n in results.counts.items() if status != "refused")
    print(f"\ntotal: {total} requests answered (or aborted on purpose) in {elapsed:.0f} s"
          + (f", {total / elapsed:.0f}/s" if elapsed >= 1 else ""))
    failures = []
    if not survived:
        failures.append(f"the server died during the run: {server.exit_description()}")
        print("server stderr (last lines):\n  " + "\n  ".join(server.stderr_tail()))
        print("to find the family: SOAK_VALID=none SOAK_INVALID=<one family> SOAK_SECONDS=30 SOAK_PRELOAD_ROWS=0")
    elif stop != "exit status 0":
        failures.append(f"the server's shutdown after the run: {stop}")
    failures += results.failures(server_died=not survived)
    if survived:
        flat_ok, flat_lines = flatness(rows, settings["rss_tolerance"], settings["fd_tolerance"])
        print("\n".join(flat_lines))
        if not flat_ok:
            failures.append("RSS or fds not flat after warm-up (see above)")
        if stalls(rows):
            failures.append(f"no response at all in {', '.join(stalls(rows))}")
    unanswered = sorted(k for k, n in results.sent.items() if n and not any(
        kind == k and status != "refused" for (kind, status) in results.counts))
    if unanswered and survived:
        print(f"note: kinds sent but never answered during the run: {', '.join(unanswered)}")
    if results.timeouts:
        print(f"note: requests slower than SOAK_TIMEOUT_SECONDS in: {', '.join(results.timeouts)} (see max ms)")
    if accepted_invalid:
        print(f"note: kinds of invalid families answered 2xx: {', '.join(accepted_invalid)}")
    print(f"families: valid {','.join(settings['valid']) or 'none'}; invalid {','.join(settings['invalid']) or 'none'}")
    for f in failures:
        print(f"FAIL: {f}")
    print(f"soak verdict: {'PASS' if not failures else 'FAIL'}")
    return not failures


def settings_from_env():
    valid, invalid = family_list("SOAK_VALID", VALID), family_list("SOAK_INVALID", INVALID)
    settings = {"seconds": env_number("SOAK_SECONDS", 600), "every": env_number("SOAK_SAMPLE_SECONDS", 10),
                "timeout": env_number("SOAK_TIMEOUT_SECONDS", 10),
                "preload": env_number("SOAK_PRELOAD_ROWS", 1_000_000, allow_zero=True),
                "valid": valid, "invalid": invalid, "enabled": set(valid + invalid),
                "rss_tolerance": env_number("SOAK_RSS_TOLERANCE_PCT", 10, float),
                "fd_tolerance": env_number("SOAK_FD_TOLERANCE", 8, allow_zero=True),
                "threads": thread_counts()}
    if not settings["enabled"]:
        usage("no family enabled (SOAK_VALID and SOAK_INVALID are both empty)")
    return settings


def run(build, work, settings):
    seconds, timeout, enabled = settings["seconds"], settings["timeout"], settings["enabled"]
    server, wrks, raw = Server(build, work), [], None
    try:
        prepare(server.port)
        print(f"soak: {' '.join(server.args[1:])}\n  pid {server.proc.pid}; {seconds} s of traffic, samples every "
              f"{settings['every']} s; valid: {','.join(settings['valid']) or 'none'}; "
              f"invalid: {','.join(settings['invalid']) or 'none'}", flush=True)
        if settings["preload"]:
            took = preload(server.port, settings["preload"])
            print(f"preloaded {settings['preload']} old predictions in {took:.0f} s", flush=True)
        for script, families in SCRIPTS.items():
            on = [f for f in families if f in enabled]
            if on:
                threads = settings["threads"][script] * (len(on) if script == "invalid" else 1)
                wrks.append(WrkRun(script, threads, on, server.port, work, seconds, timeout))
        raw_on = {k[1] for k in soak_raw.KINDS} & enabled
        if raw_on:
            raw = soak_raw.Driver(server.port, raw_on, time.monotonic() + seconds, MAX_BODY, timeout)
            raw.start()
        rows, survived, elapsed = sample_loop(server, work, raw, seconds, settings["every"])
        if not survived:
            print(f"the server died after {elapsed:.1f} s: {server.exit_description()}", flush=True)
        for w in wrks:
            w.finish(timeout + 15 if survived else 0)
        if raw:
            raw.stop()
            raw.join(timeout + 30)
        stop = server.stop()
        return report(server, wrks, raw, rows, survived, elapsed, stop, settings)
    finally:
        for w in wrks:
            if w.proc.poll() is None:
                w.proc.kill()
        if server.alive():
            server.proc.kill()


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    settings = settings_from_env()
    work = Path(tempfile.mkdtemp(prefix=f"modelwatch-soak.{secrets.token_hex(3)}."))
    (work / "progress").mkdir()
    try:
        ok = run(build, work, settings)
    finally:
        if os.environ.get("SOAK_KEEP"):
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
