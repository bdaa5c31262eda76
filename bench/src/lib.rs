//! Benchmark targets (`src/bin/`) and the load runner (`run.py`); see `BENCHMARKS.md`.

/// The secret every target checks (the floor ignores it).
pub const SECRET: &str = "bench-secret";

/// The address a target listens on: `127.0.0.1` and `BENCH_PORT`.
///
/// # Panics
///
/// When `BENCH_PORT` is missing or not a port.
pub fn addr() -> std::net::SocketAddr {
    let port = std::env::var("BENCH_PORT")
        .expect("BENCH_PORT")
        .parse()
        .expect("BENCH_PORT is a port");
    std::net::SocketAddr::from(([127, 0, 0, 1], port))
}
