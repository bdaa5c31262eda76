#!/usr/bin/env python3
"""Journal benchmark: ordinary endpoints' latency with the delivery journal on and off.

The framework is started twice (journal on, journal off), pinned to core 0; wrk runs pinned to
core 1. Each round measures both, in turn (the other one paused), at four loads:

- paced ~900 req/s: one connection waiting 1 ms before each request (Hub traffic is far below);
- paced ~4,400 req/s: five such connections;
- back-to-back: one connection sending its next request as soon as the answer arrives;
- saturating: 64 connections, the core fully busy.

Reported: medians over the rounds of p50 and p99 per load, CPU per request and peak RSS, and how
many records of ordinary deliveries the journal did not keep (`webhooks_journal_records_not_kept`).
With the journal on, each load is then run a second time while a client posts a new background
delivery every 50 ms and times its 202 (written to disk, synced, before it is answered), to see
whether the journal's idle-priority writer holds it up. That second pass is not counted in the
ordinary latencies: the background deliveries' syncs would weigh on them.

Usage: bench/journal.py [--rounds N] [--seconds S]   (loopback only; stops by itself)
"""

import argparse
import json
import os
import signal
import threading
import http.client
import time
import statistics
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import BODY, LUA, PATH, ROOT, TICKS, cpu_ticks, free_port, rss_kib, start, stop  # noqa: E402

TARGETS = [
    ("journal on", {"RUST_LOG": "warn"}),
    ("journal off", {"RUST_LOG": "warn", "BENCH_JOURNAL": "off"}),
]
# name, connections, delay before each request in ms (None: back-to-back)
LOADS = [
    ("paced ~900/s", 1, 1),
    ("paced ~4,400/s", 5, 1),
    ("back-to-back, 1 connection", 1, None),
    ("saturating, 64 connections", 64, None),
]


def wrk(port, connections, seconds, delay_ms):
    env = dict(os.environ, BENCH_BODY=BODY)
    if delay_ms is not None:
        env["BENCH_DELAY_MS"] = str(delay_ms)
    result = subprocess.run(
        ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", LUA,
         f"http://127.0.0.1:{port}{PATH}"],
        env=env, capture_output=True, text=True, check=True)
    line = next(l for l in result.stdout.splitlines() if l.startswith("WRK_JSON "))
    return json.loads(line[len("WRK_JSON "):])


def not_kept(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("webhooks_journal_records_not_kept_total "):
                return int(float(line.split()[1]))
    return 0


class BackgroundProbe(threading.Thread):
    """Posts a new background delivery every 50 ms until stopped; times each 202, in ms."""

    sent = 0

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.latencies = []
        self.stopped = threading.Event()
        with open(BODY, "rb") as body:
            self.body = body.read()

    def run(self):
        while not self.stopped.wait(0.05):
            BackgroundProbe.sent += 1
            body = self.body + b" " * BackgroundProbe.sent  # a new body: not a duplicate
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            began = time.perf_counter()
            connection.request("POST", "/webhooks/background_webhook", body,
                               {"content-type": "application/json", "x-webhook-secret": "bench-secret"})
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status != 202:
                raise SystemExit(f"background delivery answered {response.status}")
            self.latencies.append((time.perf_counter() - began) * 1000)

    def finish(self):
        self.stopped.set()
        self.join()
        return sorted(self.latencies)


def measure(process, port, seconds, probe_background):
    results = {}
    wrk(port, 64, 1, None)  # warm-up
    for name, connections, delay_ms in LOADS:
        kept_before = not_kept(port)
        before = cpu_ticks(process.pid)
        run = wrk(port, connections, seconds, delay_ms)
        cpu = cpu_ticks(process.pid) - before
        not_kept_share = (not_kept(port) - kept_before) / max(1, run["requests"])
        background = []
        if probe_background:
            probe = BackgroundProbe(port)
            probe.start()
            wrk(port, connections, seconds, delay_ms)
            background = probe.finish()
        results[name] = {
            "rps": run["requests"] / (run["duration_us"] / 1e6),
            "p50": run["p50_us"], "p99": run["p99_us"],
            "non2xx": run["non2xx"] + run["socket_errors"],
            "cpu_us": cpu / TICKS * 1e6 / max(1, run["requests"]),
            "not_kept": not_kept_share,
            "background": background,
        }
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "webhooks-bench", "--bins"],
                   cwd=ROOT, check=True)

    running = {}
    rounds = []
    try:
        for name, extra_env in TARGETS:
            port = free_port()
            process, _ = start("bench-framework", port, extra_env)
            process.send_signal(signal.SIGSTOP)
            running[name] = (process, port)
        for round_index in range(args.rounds):
            order = TARGETS if round_index % 2 == 0 else TARGETS[::-1]
            results = {}
            for name, _ in order:
                process, port = running[name]
                process.send_signal(signal.SIGCONT)
                results[name] = measure(process, port, args.seconds, name == "journal on")
                results[name]["rss_mib"] = rss_kib(process.pid, "VmHWM") / 1024
                process.send_signal(signal.SIGSTOP)
            rounds.append(results)
            print(f"round {round_index + 1}/{args.rounds} done", file=sys.stderr)
    finally:
        for process, _ in running.values():
            stop(process)

    def median(target, load, key):
        return statistics.median(r[target][load][key] for r in rounds)

    print(f"\n{args.rounds} interleaved rounds of {args.seconds} s per load; medians\n")
    print("| load | journal | req/s | p50 ms | p99 ms | CPU µs/req | records not kept | non-2xx |")
    print("|---|---|---|---|---|---|---|---|")
    for load, _, _ in LOADS:
        for target, _ in TARGETS:
            kept = ("n/a" if target == "journal off"
                    else f"{median(target, load, 'not_kept') * 100:.0f}%")
            errors = sum(r[target][load]["non2xx"] for r in rounds)
            print(f"| {load} | {target.split()[1]} | {median(target, load, 'rps'):.0f} "
                  f"| {median(target, load, 'p50') / 1000:.3f} | {median(target, load, 'p99') / 1000:.3f} "
                  f"| {median(target, load, 'cpu_us'):.1f} | {kept} | {errors} |")
    for target, _ in TARGETS:
        peak = max(r[target]["rss_mib"] for r in rounds)
        print(f"\npeak RSS, {target}: {peak:.1f} MiB", end="")
    print("\n\nBackground deliveries posted every 50 ms during each load (journal on), all rounds:\n")
    print("| load | deliveries | 202 p50 ms | p90 ms | max ms |")
    print("|---|---|---|---|---|")
    for load, _, _ in LOADS:
        times = sorted(t for r in rounds for t in r["journal on"][load]["background"])
        print(f"| {load} | {len(times)} | {statistics.median(times):.2f} "
              f"| {times[int(len(times) * 0.9)]:.2f} | {times[-1]:.2f} |")


if __name__ == "__main__":
    main()
