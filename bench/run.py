#!/usr/bin/env python3
"""Load benchmark: the framework beside a bare hyper server (the floor) and hand-written axum.

All targets are built in release mode and started at once, pinned to core 0; wrk runs pinned to
core 1. Rounds are interleaved: each target in turn is resumed (SIGCONT) while the others are
paused (SIGSTOP), so they take no CPU. Ratios to the floor are computed within each round and
their median reported, because this machine drifts by 20-30% between runs.

Usage: bench/run.py [--rounds N] [--seconds S] [--before NAME=BINARY ...] [--only NAME ...]
                    [--peer DIR]
(loopback only; stops by itself)

"axum peer" is ../shared/bench/axum_peer (or --peer DIR), the hand-written server issue 29 measures
against, built here with its own release profile into target/axum-peer; "axum" is this
repository's own hand-written target (`bench/src/bin/bench-axum.rs`). They differ in that the peer
has its own payload structs (`src/payload.rs`), checks the secret before reading the body, and
sets TCP_NODELAY as every other target does; `bench-axum` parses this crate's `WebhookPayload`
through axum's `Json` extractor, which reads the body before the handler checks the secret.

--before adds a `bench-framework` binary built from another commit as one more target, so a change
is measured against the code before it in the same interleaved rounds.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BODY = os.path.join(ROOT, "fixtures", "02-upstream-test-discussion-create.json")
LUA = os.path.join(ROOT, "bench", "wrk-post.lua")
SECRET = "bench-secret"
PATH = "/webhooks/test_webhook"
PARSING_FLOOR = "floor, parsing the payload"
PEER = "axum peer"
# name, binary, extra environment. The framework logs one line per request at the default `info`
# level; it is measured with request logs filtered out (`RUST_LOG=warn`) and, separately, with them,
# and with its delivery journal (on by default) turned off. "12 endpoints" is a realistic program
# (`bench/src/bin/bench-realistic.rs`): every argument kind, filters, background, dedupe. "floor,
# parsing the payload" is the floor that also parses the body as the typed `WebhookPayload`: what
# any server handing a handler the payload cannot go below.
TARGETS = [
    ("floor", "bench-floor", {}),
    (PARSING_FLOOR, "bench-floor", {"BENCH_PARSE": "payload"}),
    ("axum peer", "axum_peer", {"BENCH_SECRET": "my_webhook_secret"}),
    ("axum", "bench-axum", {}),
    ("framework", "bench-framework", {"RUST_LOG": "warn"}),
    ("framework, 12 endpoints", "bench-realistic", {"RUST_LOG": "warn"}),
    ("framework, journal off", "bench-framework", {"RUST_LOG": "warn", "BENCH_JOURNAL": "off"}),
    ("framework, request logs on", "bench-framework", {"RUST_LOG": "info"}),
    # Every request with a fresh `Webhook-Id`, as the Hub sends since September 2026: each is
    # admitted by the journal (one durable write) before its handler runs.
    ("framework, Hub ids", "bench-framework", {"RUST_LOG": "warn", "BENCH_WEBHOOK_ID": "fresh"}),
]
# Settings of a target that are the load generator's, not the server's.
CLIENT_SETTINGS = ("BENCH_WEBHOOK_ID", "BENCH_SECRET")
DEFAULT_PEER = os.path.join(os.path.dirname(ROOT), "shared", "bench", "axum_peer")
PEER_TARGET_DIR = os.path.join(ROOT, "target", "axum-peer")
TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_ticks_split(pid):
    """The process's CPU ticks so far in user mode and in the kernel (utime, stime)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


def cpu_ticks(pid):
    return sum(cpu_ticks_split(pid))


def context_switches(pid):
    """Voluntary and involuntary context switches of every thread of `pid`: its wake-ups."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status") as status:
                for line in status:
                    if "ctxt_switches:" in line:  # voluntary_ and nonvoluntary_
                        total += int(line.split()[-1])
        except FileNotFoundError:
            pass  # a thread that ended meanwhile
    return total


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def build_peer(peer):
    """Builds the shared peer (read-only where it is) from a copy, with its own lock and profile."""
    if not os.path.isdir(peer):
        sys.exit(f"no peer at {peer}: pass --peer")
    copy = os.path.join(PEER_TARGET_DIR, "src-copy")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(peer, copy, ignore=shutil.ignore_patterns("target"))
    for path, _, files in os.walk(copy):
        os.chmod(path, 0o755)
        for name in files:
            os.chmod(os.path.join(path, name), 0o644)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=copy, check=True,
                   env=dict(os.environ, CARGO_TARGET_DIR=PEER_TARGET_DIR))


def post_ok(port, secret=SECRET):
    with open(BODY, "rb") as body:
        data = body.read()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{PATH}", data=data, method="POST",
        headers={"content-type": "application/json", "x-webhook-secret": secret})
    try:
        with urllib.request.urlopen(request, timeout=1) as response:
            return response.status == 200 and json.loads(response.read()) == {"scope": "discussion"}
    except OSError:
        return False


def start(binary, port, extra_env=None):
    """Starts a target on core 0; returns the process and the time to its first good response."""
    extra_env = extra_env or {}
    if binary == "axum_peer":
        path, args = os.path.join(PEER_TARGET_DIR, "release", "axum_peer"), [str(port)]
    else:
        path = binary if os.path.isabs(binary) else os.path.join(ROOT, "target", "release", binary)
        args = []
    data_dir = tempfile.mkdtemp(prefix="webhooks-bench-")
    env = dict(os.environ, BENCH_PORT=str(port), WEBHOOKS_DATA_DIR=data_dir, **extra_env)
    began = time.perf_counter()
    process = subprocess.Popen(["taskset", "-c", "0", path] + args, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    process.data_dir = data_dir  # removed by stop()
    deadline = began + 10
    while not post_ok(port, extra_env.get("BENCH_SECRET", SECRET)):
        if time.perf_counter() > deadline or process.poll() is not None:
            sys.exit(f"{binary} did not answer within 10 s")
        time.sleep(0.001)
    return process, (time.perf_counter() - began) * 1000


def stop(process):
    """Stops a target started by start() and removes its journal folder."""
    process.send_signal(signal.SIGCONT)
    process.terminate()
    process.wait()
    shutil.rmtree(process.data_dir, ignore_errors=True)


def wrk(port, connections, seconds, client_env=None):
    result = subprocess.run(
        ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", LUA,
         f"http://127.0.0.1:{port}{PATH}"],
        env=dict(os.environ, BENCH_BODY=BODY, **(client_env or {})),
        capture_output=True, text=True, check=True)
    line = next(l for l in result.stdout.splitlines() if l.startswith("WRK_JSON "))
    return json.loads(line[len("WRK_JSON "):])


def records_not_kept(port):
    """The framework's count of ordinary deliveries' records its journal shed, or None."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
            for line in response.read().decode().splitlines():
                if line.startswith("webhooks_journal_records_not_kept_total "):
                    return int(float(line.split()[1]))
    except (OSError, ValueError):
        pass
    return None


def measure(process, port, seconds, client_env=None):
    warm = wrk(port, 64, 1, client_env)
    user_before, kernel_before = cpu_ticks_split(process.pid)
    loaded = wrk(port, 64, seconds, client_env)
    user_after, kernel_after = cpu_ticks_split(process.pid)
    user, kernel = user_after - user_before, kernel_after - kernel_before
    cpu = user + kernel
    rss_load = rss_kib(process.pid, "VmHWM")
    single = wrk(port, 1, max(1, seconds // 2), client_env)
    return {
        "rps": loaded["requests"] / (loaded["duration_us"] / 1e6),
        "p50_64": loaded["p50_us"], "p99_64": loaded["p99_us"],
        "p50_1": single["p50_us"], "p99_1": single["p99_us"],
        "non2xx": loaded["non2xx"] + single["non2xx"] + loaded["socket_errors"],
        "cpu_us_per_request": cpu / TICKS * 1e6 / max(1, loaded["requests"]),
        # Split, because the kernel's share (the sockets) is the same for every target.
        "user_us_per_request": user / TICKS * 1e6 / max(1, loaded["requests"]),
        "kernel_us_per_request": kernel / TICKS * 1e6 / max(1, loaded["requests"]),
        "rss_load_kib": rss_load,
        "sent": warm["requests"] + loaded["requests"] + single["requests"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--before", action="append", default=[], metavar="NAME=BINARY",
                        help="a bench-framework binary built from an earlier commit (repeatable)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="measure only this one of the standard targets (repeatable; both floors are always measured)")
    parser.add_argument("--peer", default=DEFAULT_PEER, help="the hand-written axum peer's folder")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "webhooks-bench", "--bins"], cwd=ROOT, check=True)
    build_peer(args.peer)

    only = set(args.only)
    unknown = only - {name for name, _, _ in TARGETS}
    if unknown:
        parser.error(f"--only: no target named {', '.join(sorted(unknown))}")
    targets = [target for target in TARGETS
               if not only or target[0] in only or target[0].startswith("floor") or target[0] == PEER]
    for before in reversed(args.before):
        name, _, binary = before.rpartition("=")
        targets.insert(min(3, len(targets)), (f"framework, {name or 'before'}", os.path.abspath(binary), {"RUST_LOG": "warn"}))
    running = {}
    try:
        for name, binary, extra_env in targets:
            port = free_port()
            process, startup_ms = start(binary, port, extra_env)
            running[name] = {"process": process, "port": port, "startup_ms": startup_ms}
        time.sleep(1)
        for name, target in running.items():
            pid = target["process"].pid
            target["rss_idle_kib"] = rss_kib(pid)
            idle_before = cpu_ticks(pid)
            switches_before = context_switches(pid)
            time.sleep(2)
            target["idle_cpu_ticks"] = cpu_ticks(pid) - idle_before
            # Threads that end meanwhile take their counts along: never below zero.
            target["idle_wakeups_per_s"] = max(0, context_switches(pid) - switches_before) / 2
            target["process"].send_signal(signal.SIGSTOP)

        rounds = []
        for round_index in range(args.rounds):
            order = targets[round_index % len(targets):] + targets[:round_index % len(targets)]
            results = {}
            for name, _, extra_env in order:
                target = running[name]
                target["process"].send_signal(signal.SIGCONT)
                client_env = {k: v for k, v in extra_env.items() if k in CLIENT_SETTINGS}
                results[name] = measure(target["process"], target["port"], args.seconds, client_env)
                target["process"].send_signal(signal.SIGSTOP)
            rounds.append(results)
            print(f"round {round_index + 1}/{args.rounds}: " + ", ".join(
                f"{n} {r['rps']:.0f}/s {r['cpu_us_per_request']:.2f}us" for n, r in results.items()), file=sys.stderr)
        for target in running.values():
            target["process"].send_signal(signal.SIGCONT)
            target["not_kept"] = records_not_kept(target["port"])
    finally:
        for target in running.values():
            stop(target["process"])

    def median(name, key):
        return statistics.median(r[name][key] for r in rounds)

    def ratio(name, key, floor="floor"):
        return statistics.median(r[name][key] / r[floor][key] for r in rounds)

    def kept(name, target):
        # Under saturation the journal's idle-priority writer sheds ordinary deliveries' records
        # rather than slow answers: this says how much of the load the CPU figure journaled.
        if target.get("not_kept") is None or "journal off" in name:
            return "-"
        sent = sum(r[name]["sent"] for r in rounds)
        return f"{max(0.0, 1 - target['not_kept'] / max(1, sent)):.0%}"

    print(f"\n{args.rounds} interleaved rounds of {args.seconds} s, 64 and 1 keep-alive connections; medians\n")
    print("| target | req/s (64) | p50 / p99 ms (64) | p50 / p99 ms (1) | non-2xx | CPU µs/req | user / kernel µs/req | req/s ÷ axum peer | CPU/req ÷ axum peer | req/s ÷ floor | CPU/req ÷ floor | CPU/req ÷ floor parsing | idle RSS MiB | RSS under load MiB | idle CPU ticks | idle wake-ups/s | start → first response ms | journal records kept |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, _, _ in targets:
        target = running[name]
        print(f"| {name} | {median(name, 'rps'):.0f} | {median(name, 'p50_64')/1000:.2f} / {median(name, 'p99_64')/1000:.2f} "
              f"| {median(name, 'p50_1')/1000:.3f} / {median(name, 'p99_1')/1000:.3f} "
              f"| {sum(r[name]['non2xx'] for r in rounds)} | {median(name, 'cpu_us_per_request'):.2f} "
              f"| {median(name, 'user_us_per_request'):.2f} / {median(name, 'kernel_us_per_request'):.2f} "
              f"| {ratio(name, 'rps', PEER):.2f} | {ratio(name, 'cpu_us_per_request', PEER):.2f} "
              f"| {ratio(name, 'rps'):.2f} | {ratio(name, 'cpu_us_per_request'):.2f} "
              f"| {ratio(name, 'cpu_us_per_request', PARSING_FLOOR):.2f} "
              f"| {target['rss_idle_kib']/1024:.1f} | {max(r[name]['rss_load_kib'] for r in rounds)/1024:.1f} "
              f"| {target['idle_cpu_ticks']} | {target['idle_wakeups_per_s']:.1f} | {target['startup_ms']:.1f} "
              f"| {kept(name, target)} |")


if __name__ == "__main__":
    main()
