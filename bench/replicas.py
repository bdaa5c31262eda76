#!/usr/bin/env python3
"""Background deliveries on the file journal (redb) and on PostgreSQL, with one and three replicas.

For each setup, `replica-server` (tests/src/bin: one background endpoint whose handler does no
work, `WORK_MS=0`) is started in release mode: one process on the file journal in a fresh data dir; one and
three processes on one PostgreSQL database (a throwaway cluster this script starts with initdb,
fsync on, as the `postgres` user when run as root). Then 8 client threads, each with a keep-alive
connection to one replica in turn, post N distinct background deliveries as fast as they are
answered. Reported:

- the latency of a 202 (the delivery is durable before it is answered): p50 and p99;
- end-to-end throughput: deliveries per second from the first post until every one is `done`,
  as the delivery API reports.

Usage: bench/replicas.py [--deliveries N]   (loopback only; stops by itself, bounded to 5 min)
"""

import argparse
import glob
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "replica-server")
CLIENTS = 8
DEADLINE = 300


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")
    return os.path.dirname(found[-1])


class Cluster:
    def __init__(self):
        self.bin = pg_bin()
        self.dir = tempfile.mkdtemp(prefix="webhooks-bench-pg-")
        self.root = os.geteuid() == 0
        if self.root:
            shutil.chown(self.dir, "postgres", "postgres")
        self.port = free_port()
        data = os.path.join(self.dir, "data")
        self.run("initdb", "-D", data, "-U", "webhooks", "--auth=trust", "-E", "UTF8")
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c max_connections=200"
        self.run("pg_ctl", "-D", data, "-l", os.path.join(self.dir, "log"), "-o", options, "-w", "start")
        self.data = data

    def run(self, program, *args):
        command = [os.path.join(self.bin, program), *args]
        if self.root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def database(self, name):
        subprocess.run([os.path.join(self.bin, "psql"), "-h", "127.0.0.1", "-p", str(self.port),
                        "-U", "webhooks", "-d", "postgres", "-c", f"CREATE DATABASE {name}"],
                       check=True, stdout=subprocess.DEVNULL)
        return f"postgres://webhooks@127.0.0.1:{self.port}/{name}?sslmode=disable"

    def stop(self):
        self.run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


def start_replica(env):
    port = free_port()
    full = dict(os.environ, WEBHOOKS_HOST="127.0.0.1", WEBHOOKS_PORT=str(port), RUST_LOG="warn",
                WORK_MS="0", **env)
    process = subprocess.Popen([BINARY], env=full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, port
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("a replica did not start")


def done_count(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    done, before = 0, None
    while True:
        query = "/api/deliveries?endpoint=/webhooks/work&status=done&limit=1000"
        if before:
            query += f"&before={before}"
        connection.request("GET", query)
        page = json.loads(connection.getresponse().read())
        done += len(page["deliveries"])
        before = page.get("next_before")
        if not before:
            return done


def load(ports, deliveries):
    latencies = []
    lock = threading.Lock()
    counter = iter(range(deliveries))

    def client(index):
        port = ports[index % len(ports)]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            body = json.dumps({"event": {"scope": "repo", "action": "update"}, "n": n}).encode()
            started = time.perf_counter()
            connection.request("POST", "/webhooks/work", body, {"Content-Type": "application/json"})
            answer = connection.getresponse()
            answer.read()
            mine.append(time.perf_counter() - started)
            if answer.status != 202:
                raise SystemExit(f"answered {answer.status}")
        with lock:
            latencies.extend(mine)

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    posted = time.perf_counter()
    while done_count(ports[0]) < deliveries:
        if time.perf_counter() - began > DEADLINE:
            raise SystemExit("not every delivery was done in time")
        time.sleep(0.05)
    finished = time.perf_counter()
    latencies.sort()
    return {
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)],
        "accepted_per_s": deliveries / (posted - began),
        "done_per_s": deliveries / (finished - began),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=2000)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "webhooks-tests", "--bin", "replica-server"],
                   cwd=ROOT, check=True)
    results = []
    work = tempfile.mkdtemp(prefix="webhooks-bench-replicas-")
    runs = os.path.join(work, "runs.txt")
    cluster = Cluster()
    try:
        setups = [
            ("file journal, 1 process", 1, {"WEBHOOKS_DATA_DIR": os.path.join(work, "sqlite")}),
            ("PostgreSQL, 1 replica", 1, {"WEBHOOKS_DATABASE_URL": cluster.database("one")}),
            ("PostgreSQL, 3 replicas", 3, {"WEBHOOKS_DATABASE_URL": cluster.database("three")}),
        ]
        for name, count, env in setups:
            started = [start_replica(dict(env, RUNS_FILE=runs)) for _ in range(count)]
            try:
                result = load([port for _, port in started], args.deliveries)
            finally:
                for process, _ in started:
                    process.terminate()
                    process.wait(timeout=60)
            results.append((name, result))
            print(f"{name}: {result}", flush=True)
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"| setup ({args.deliveries} background deliveries, {CLIENTS} clients) | 202 p50 | 202 p99 | accepted/s | done/s (end to end) |")
    print("|---|---|---|---|---|")
    for name, r in results:
        print(f"| {name} | {r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms | {r['accepted_per_s']:.0f} | {r['done_per_s']:.0f} |")


if __name__ == "__main__":
    main()
