#!/usr/bin/env python3
"""Build cost: a user's program on this framework beside the hand-written axum peer.

Builds, one after the other and each in a fresh target directory, with the crates already
downloaded:
  - `axum peer`: ../shared/bench/axum_peer (copied out, it is read-only there), the hand-written
    server a Rust user would write instead;
  - `one endpoint`: a user's program with one `#[webhook_endpoint]` on the default features;
  - `12 endpoints`: the realistic bot of `bench/src/realistic_endpoints.rs`, journal on.
Each is built cold in release (the peer's own release profile, copied into the other programs so
all three use the same one) and in debug (cargo's default `dev`). Prints, per build: wall time,
crates compiled, the stripped binary's size, and the critical path read from `cargo build
--timings` (the chain of units each of which the next waited for), with the longest units.

Usage: bench/build.py [--peer DIR] [--only release|debug] [--keep]   (about 8 minutes)
"""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_PEER = os.path.join(os.path.dirname(ROOT), "shared", "bench", "axum_peer")

ONE_ENDPOINT = """\
use webhooks_runtime::serde_json::{Value, json};
use webhooks_runtime::{WebhookPayload, webhook_endpoint};

#[webhook_endpoint]
async fn test_webhook(payload: WebhookPayload) -> Value {
    json!({ "scope": payload.event.scope })
}

fn main() -> Result<(), webhooks_runtime::Error> {
    webhooks_runtime::run()
}
"""

TWELVE_ENDPOINTS = """\
#[path = "%s"]
mod endpoints;

fn main() -> Result<(), webhooks_runtime::Error> {
    webhooks_runtime::WebhooksServer::builder()
        .dedupe(endpoints::DEDUPLICATED, true)
        .build()?
        .run()
}
""" % os.path.join(ROOT, "bench", "src", "realistic_endpoints.rs")


def release_profile(peer):
    """The peer's `[profile.release]` table, verbatim."""
    with open(os.path.join(peer, "Cargo.toml")) as manifest:
        text = manifest.read()
    match = re.search(r"^\[profile\.release\]\n(?:[^\[\n][^\n]*\n|\n)*", text, re.M)
    return match.group(0) if match else ""


def user_program(parent, name, source, profile, extra_dependencies=""):
    """A user's crate depending on this workspace's runtime, pinned to this workspace's lock."""
    folder = os.path.join(parent, name)
    os.makedirs(os.path.join(folder, "src"))
    with open(os.path.join(folder, "Cargo.toml"), "w") as manifest:
        manifest.write(
            f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2024"\npublish = false\n\n'
            f'[dependencies]\nwebhooks-runtime = {{ path = "{os.path.join(ROOT, "webhooks-runtime")}" }}\n'
            f"{extra_dependencies}\n"
            f"{profile}\n[workspace]\n")
    with open(os.path.join(folder, "src", "main.rs"), "w") as main:
        main.write(source)
    shutil.copy(os.path.join(ROOT, "Cargo.lock"), folder)
    return folder


def units_of(target_dir):
    """The units of the newest `--timings` report in `target_dir`."""
    report = sorted(glob.glob(os.path.join(target_dir, "cargo-timings", "cargo-timing-*.html")))[-1]
    with open(report) as page:
        data = re.search(r"const UNIT_DATA = (\[.*?\]);\n", page.read(), re.S).group(1)
    return json.loads(data)


def critical_path(units):
    """From the unit that ended last, back through the unit whose end let each one start."""
    by_index = {unit["i"]: unit for unit in units}
    unblocked_by = {}
    for unit in units:
        for index in unit["unblocked_units"] + unit["unblocked_rmeta_units"]:
            unblocked_by.setdefault(index, []).append(unit)
    path = [max(units, key=lambda unit: unit["start"] + unit["duration"])]
    while path[-1]["i"] in unblocked_by:
        path.append(max(unblocked_by[path[-1]["i"]], key=lambda unit: unit["start"] + unit["duration"]))
    return [by_index[unit["i"]] for unit in reversed(path)]


def label(unit):
    target = unit["target"].strip()
    return unit["name"] + (f" ({target})" if target and target != "lib" else "")


def build(folder, binary, release, target_dir):
    """One cold build; returns its figures."""
    command = ["cargo", "build", "--quiet", "--timings"] + (["--release"] if release else [])
    env = dict(os.environ, CARGO_TARGET_DIR=target_dir)
    env.pop("RUSTFLAGS", None)
    began = time.perf_counter()
    subprocess.run(command, cwd=folder, env=env, check=True)
    seconds = time.perf_counter() - began
    built = os.path.join(target_dir, "release" if release else "debug", binary)
    stripped = os.path.join(target_dir, binary + ".stripped")
    subprocess.run(["strip", "-o", stripped, built], check=True)
    units = units_of(target_dir)
    return {
        "seconds": seconds,
        "crates": len({(unit["name"], unit["version"]) for unit in units}),
        "units": len(units),
        "unit_seconds": sum(unit["duration"] for unit in units),
        "stripped_bytes": os.path.getsize(stripped),
        "critical_path": [(label(unit), unit["start"], unit["duration"]) for unit in critical_path(units)],
        "longest": [(label(unit), unit["duration"]) for unit in sorted(units, key=lambda u: -u["duration"])[:8]],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", default=DEFAULT_PEER, help="the hand-written axum peer's folder")
    parser.add_argument("--only", choices=["release", "debug"], help="one profile only")
    parser.add_argument("--keep", action="store_true", help="keep the build folders (printed)")
    args = parser.parse_args()
    if not os.path.isdir(args.peer):
        sys.exit(f"no peer at {args.peer}: pass --peer")

    work = tempfile.mkdtemp(prefix="webhooks-build-cost-")
    try:
        peer = os.path.join(work, "axum_peer")
        shutil.copytree(args.peer, peer, ignore=shutil.ignore_patterns("target"))
        for path, _, files in os.walk(peer):
            os.chmod(path, 0o755)
            for name in files:
                os.chmod(os.path.join(path, name), 0o644)
        profile = release_profile(peer)
        programs = [
            ("axum peer", peer, "axum_peer"),
            ("one endpoint", user_program(work, "one-endpoint", ONE_ENDPOINT, profile), "one-endpoint"),
            ("12 endpoints", user_program(work, "twelve-endpoints", TWELVE_ENDPOINTS, profile,
                                         # its typed `Json<Event>` endpoint derives Deserialize
                                         'serde = { version = "1", features = ["derive"] }\n'), "twelve-endpoints"),
        ]
        for folder, _ in ((p[1], None) for p in programs):
            subprocess.run(["cargo", "fetch", "--quiet"], cwd=folder, check=True)

        results = {}
        for release in [True, False] if not args.only else [args.only == "release"]:
            mode = "release" if release else "debug"
            for name, folder, binary in programs:
                target_dir = os.path.join(work, "target", f"{binary}-{mode}")
                results[(name, mode)] = build(folder, binary, release, target_dir)
                print(f"{mode} {name}: {results[(name, mode)]['seconds']:.1f} s", file=sys.stderr)

        print("\n| program | build | wall s | ÷ peer | crates | units | unit-seconds | stripped MB | ÷ peer |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for (name, mode), result in results.items():
            base = results[("axum peer", mode)]
            print(f"| {name} | {mode} | {result['seconds']:.1f} | {result['seconds'] / base['seconds']:.2f} "
                  f"| {result['crates']} | {result['units']} | {result['unit_seconds']:.0f} "
                  f"| {result['stripped_bytes'] / 1e6:.2f} | {result['stripped_bytes'] / base['stripped_bytes']:.2f} |")
        for (name, mode), result in results.items():
            print(f"\n{mode}, {name}: critical path (start s + duration s)")
            for unit, start, duration in result["critical_path"]:
                print(f"  {start:6.1f} + {duration:5.1f}  {unit}")
            print("  longest units: " + ", ".join(f"{unit} {duration:.1f}" for unit, duration in result["longest"]))
    finally:
        if args.keep:
            print(f"\nbuild folders kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
