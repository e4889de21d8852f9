"""Webhook delivery benchmark: a burst of events to several webhooks on a loopback receiver.

A real server process (tests/server.py) with N webhooks pointing at a receiver in another
process on a free loopback port. The idle latency of an API request is measured first; then
EVENTS events are committed (in one transaction through the outbox, or one by one through
POST /api/tasks with --source api) and the same API request is repeated while the backlog
drains; then idle again, so a machine whose load changed during the run (other people's
work on shared cores) shows in the two idle figures instead of only in the drain's.
Printed: deliveries/s, end-to-end latency (commit → arrival at the receiver) p50/p99,
exactly-once counts (duplicates, missing, bad signatures) and the API p99 during the drain
against idle (before and after pooled). The probe is one request every `--probe-interval`
seconds (20 ms), as a client using the API would, not a flat-out loop that would itself be
the load. `--sender inline` sends from the server's own event loop instead of its delivery
process, for comparison. Bounded in count and time; traffic stays on 127.0.0.1.

    PYTHONPATH=src python bench/webhook_delivery.py [--events 1000] [--webhooks 5]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import multiprocessing as mp
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.server import ServerProcess  # noqa: E402

from mission_control.db.migrate import upgrade  # noqa: E402
from mission_control.db.tables import webhook_deliveries  # noqa: E402
from mission_control.events.bus import publish  # noqa: E402

API_KEY = "bench-global-api-key-0123456789abcdef0123456789"
PROBE_PATH = "/api/agents?limit=20"


# -- the receiver (its own process, so its threads do not share our GIL) --
def _receiver_main(port_out: Any, stop: Any, result_path: str) -> None:
    arrivals: list[tuple[str, str, str, str, float]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: object) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            now = time.time()
            record = (
                self.path,
                self.headers.get("X-MC-Delivery", ""),
                self.headers.get("X-MC-Signature", ""),
                body.decode(),
                now,
            )
            with lock:
                arrivals.append(record)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.send(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stop.wait(900)
    server.shutdown()
    with lock:
        Path(result_path).write_text(json.dumps(arrivals))


class ReceiverProcess:
    """Records (path, X-MC-Delivery, X-MC-Signature, body, arrival time) of each request."""

    def __init__(self, workdir: Path) -> None:
        self.ctx = mp.get_context("spawn")
        self.stop_event = self.ctx.Event()
        self.result_path = workdir / "arrivals.json"
        self.port = 0
        self.process: Any = None

    def start(self) -> None:
        parent, child = self.ctx.Pipe()
        self.process = self.ctx.Process(
            target=_receiver_main, args=(child, self.stop_event, str(self.result_path)), daemon=True
        )
        self.process.start()
        self.port = parent.recv()

    def arrivals(self) -> list[list[Any]]:
        self.stop_event.set()
        self.process.join(30)
        data: list[list[Any]] = json.loads(self.result_path.read_text())
        return data


def signed(secret: str, body: str, signature: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature, expected)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def probe(
    client: httpx.Client, interval: float, *, count: int | None = None, until: Any = None
) -> list[float]:
    """Sequential API requests, one every `interval` seconds at most; milliseconds each.

    Paced like a client using the API rather than flat out, so the prober measures the
    server instead of becoming the load that competes with the drain for the two cores."""
    timings: list[float] = []
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if count is not None and len(timings) >= count:
            break
        if until is not None and until():
            break
        started = time.perf_counter()
        response = client.get(PROBE_PATH)
        elapsed = time.perf_counter() - started
        timings.append(elapsed * 1000)
        assert response.status_code == 200, response.text
        time.sleep(max(0.0, interval - elapsed))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--webhooks", type=int, default=5)
    parser.add_argument("--idle-probes", type=int, default=400)
    parser.add_argument(
        "--probe-interval", type=float, default=0.02, help="seconds between probe starts"
    )
    parser.add_argument("--source", choices=["burst", "api"], default="burst")
    parser.add_argument("--database-url", help="default: a new SQLite file")
    parser.add_argument(
        "--sender",
        choices=["process", "inline"],
        default="process",
        help="MC_WEBHOOK_SENDER of the server (default: its delivery process)",
    )
    parser.add_argument(
        "--sender-nice", type=int, help="MC_WEBHOOK_SENDER_NICE of the server (default: its own)"
    )
    args = parser.parse_args()
    events, hooks = min(args.events, 20000), min(args.webhooks, 50)

    workdir = Path(tempfile.mkdtemp(prefix="mc-bench-webhooks-"))
    url = args.database_url or f"sqlite:///{workdir / 'mc.db'}"
    upgrade(url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    receiver = ReceiverProcess(workdir)
    secrets: dict[str, str] = {}
    server = ServerProcess(
        database_url=url,
        data_dir=workdir / "server",
        env={
            "API_KEY": API_KEY,
            "MC_DISABLE_RATE_LIMIT": "1",
            "MC_WEBHOOK_ALLOW_PRIVATE": "1",
            "MC_SCHEDULER_ENABLED": "0",
            "MC_WEBHOOK_SENDER": args.sender,
            **(
                {}
                if args.sender_nice is None
                else {"MC_WEBHOOK_SENDER_NICE": str(args.sender_nice)}
            ),
        },
    )
    receiver.start()
    with (
        server,
        httpx.Client(base_url=server.base_url, headers={"x-api-key": API_KEY}, timeout=30) as api,
    ):
        for i in range(hooks):
            path = f"/hook{i}"
            created = api.post(
                "/api/webhooks",
                json={
                    "name": f"bench {i}",
                    "url": f"http://127.0.0.1:{receiver.port}{path}",
                    "events": ["task.created"],
                },
            )
            created.raise_for_status()
            secrets[path] = created.json()["secret"]
        pace = args.probe_interval
        probe(api, pace, count=50)  # warm up
        idle = probe(api, pace, count=args.idle_probes)

        expected = events * hooks

        def delivered() -> int:
            with engine.connect() as conn:
                return int(
                    conn.execute(
                        sa.select(sa.func.count())
                        .select_from(webhook_deliveries)
                        .where(webhook_deliveries.c.state == "success")
                    ).scalar_one()
                )

        committed_at: dict[int, float] = {}
        next_check = 0.0

        def drained() -> bool:
            # Checked by the prober between its requests, a few times a second: a watcher
            # thread beside it would hold the prober's GIL during timed requests.
            nonlocal next_check
            if time.monotonic() < next_check:
                return False
            next_check = time.monotonic() + 0.2
            return delivered() >= expected

        started = time.time()
        if args.source == "burst":
            with engine.begin() as conn:
                for seq in range(events):
                    publish(conn, 1, "task.created", {"id": seq, "seq": seq, "title": "bench"})
            committed = time.time()
            committed_at = dict.fromkeys(range(events), committed)
        else:

            def create(seq: int) -> None:
                with httpx.Client(
                    base_url=server.base_url, headers={"x-api-key": API_KEY}, timeout=30
                ) as c:
                    response = c.post("/api/tasks", json={"title": f"bench {seq}"})
                    response.raise_for_status()
                    committed_at[response.json()["task"]["id"]] = time.time()

            with ThreadPoolExecutor(4) as pool:
                list(pool.map(create, range(events)))
            committed = time.time()
        during = probe(api, pace, until=drained)
        finished = time.time()
        idle_after = probe(api, pace, count=args.idle_probes)
        with engine.connect() as conn:
            states = Counter(conn.execute(sa.select(webhook_deliveries.c.state)).scalars())
    arrivals = receiver.arrivals()
    engine.dispose()

    parsed = []
    for path, uid, signature, body, arrived in arrivals:
        data = json.loads(body)["data"]
        seq = int(data.get("seq", data.get("id", -1)))
        parsed.append((path, uid, seq, arrived, signed(secrets.get(path, ""), body, signature)))
    per_pair = Counter((path, seq) for path, _uid, seq, _t, _s in parsed)
    uids = Counter(uid for _p, uid, _seq, _t, _s in parsed)
    wanted = {(f"/hook{i}", seq) for i in range(hooks) for seq in committed_at}
    latencies = [
        (t - committed_at[seq]) * 1000 for _p, _u, seq, t, _s in parsed if seq in committed_at
    ]
    last = max((t for _p, _u, _seq, t, _s in parsed), default=finished)
    print(f"webhook delivery: {events} events x {hooks} webhooks = {expected} deliveries")
    print(
        f"  database            {url.split(':', 1)[0]}   source {args.source}   "
        f"sender {args.sender}"
    )
    print(f"  received            {len(arrivals)}   unique (webhook, event) {len(per_pair)}")
    print(f"  duplicates          {sum(n - 1 for n in per_pair.values() if n > 1)}")
    print(f"  missing             {len(wanted - set(per_pair))}")
    print(f"  duplicate X-MC-Delivery ids {sum(n - 1 for n in uids.values() if n > 1)}")
    print(f"  bad signatures      {sum(1 for *_r, ok in parsed if not ok)}")
    print(f"  rows by state       {dict(states)}")
    print(
        f"  drain time          {last - started:.2f} s (events committed in {committed - started:.2f} s)"
    )
    print(f"  deliveries/s        {len(arrivals) / max(last - started, 1e-9):.0f}")
    print(
        f"  end-to-end latency  p50 {percentile(latencies, 50):.0f} ms   "
        f"p99 {percentile(latencies, 99):.0f} ms   max {max(latencies, default=0):.0f} ms"
    )
    idle_p99, busy_p99 = percentile(idle + idle_after, 99), percentile(during, 99)
    for label, sample in (("idle before", idle), ("idle after ", idle_after)):
        print(
            f"  API {PROBE_PATH} {label}  n={len(sample)} "
            f"p50 {statistics.median(sample):.1f} ms p99 {percentile(sample, 99):.1f} ms"
        )
    print(f"  API {PROBE_PATH} idle pooled  p99 {idle_p99:.1f} ms")
    print(
        f"  API {PROBE_PATH} drain        n={len(during)} "
        f"p50 {statistics.median(during) if during else float('nan'):.1f} ms p99 {busy_p99:.1f} ms"
    )
    print(f"  drain/idle p99      {busy_p99 / idle_p99:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
