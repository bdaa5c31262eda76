//! A throwaway PostgreSQL cluster for one test: `initdb` into a temporary folder, started on a
//! free loopback port, stopped and removed when dropped. Run as root, the server runs as the
//! `postgres` user Debian's package creates (PostgreSQL refuses to run as root).
//!
//! Without PostgreSQL installed, [`Cluster::start`] returns `None` after saying loudly that the
//! test is skipped; with `WEBHOOKS_REQUIRE_POSTGRES=1` (as `.ci/run` sets) it fails instead.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The cluster's superuser, who connects without a password (trust, loopback only).
const USER: &str = "webhooks";

/// A running throwaway cluster.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    /// Whether its programs run as the `postgres` user (this process is root).
    as_postgres: bool,
}

/// The folder holding `initdb`, `pg_ctl` and `psql`: on `PATH`, or the newest of Debian's
/// `/usr/lib/postgresql/<version>/bin`.
fn bin_dir() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            // Debian links the programs into other folders; psql is beside the real ones.
            if let Ok(initdb) = std::fs::canonicalize(dir.join("initdb"))
                && let Some(real) = initdb.parent()
                && real.join("pg_ctl").is_file()
                && real.join("psql").is_file()
            {
                return Some(real.to_owned());
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// Whether this process runs as root.
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0")
}

impl Cluster {
    /// Starts a cluster, or says the test is skipped and returns `None` when PostgreSQL is not
    /// installed (a failure instead where `WEBHOOKS_REQUIRE_POSTGRES` is set).
    pub fn start(test: &str) -> Option<Cluster> {
        Self::start_with(test, false)
    }

    /// As [`Cluster::start`], with TLS on: a certificate for `localhost` and `127.0.0.1` signed
    /// by a throwaway authority, whose certificate is [`Cluster::authority`].
    pub fn start_with_tls(test: &str) -> Option<Cluster> {
        Self::start_with(test, true)
    }

    fn start_with(test: &str, tls: bool) -> Option<Cluster> {
        let Some(bin) = bin_dir() else {
            assert!(
                std::env::var_os("WEBHOOKS_REQUIRE_POSTGRES").is_none(),
                "WEBHOOKS_REQUIRE_POSTGRES is set but PostgreSQL's initdb is not installed (apt-get install postgresql)"
            );
            // Straight to the terminal: the test harness would swallow eprintln!'s output.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED {test}: PostgreSQL is not installed (initdb not found on PATH or in /usr/lib/postgresql). Install it (apt-get install postgresql) to run the replica tests; .ci/run does. ***\n"
            );
            return None;
        };
        let as_postgres = is_root();
        let dir = std::env::temp_dir().join(format!(
            "webhooks-postgres-{}-{}",
            std::process::id(),
            uuid_like()
        ));
        std::fs::create_dir_all(&dir).expect("create the cluster's folder");
        if as_postgres {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .expect("run chown");
            assert!(status.success(), "chown the cluster's folder to postgres");
        }
        let mut cluster = Cluster {
            bin,
            dir,
            port: 0,
            as_postgres,
        };
        let data = cluster.data_dir();
        cluster.run_ok(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                USER,
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--no-instructions",
            ],
        );
        let tls_options = if tls {
            cluster.make_certificates();
            " -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key"
        } else {
            ""
        };
        // A free port can be taken between the look and the start: try another then.
        for _ in 0..5 {
            cluster.port = super::process::free_port().parse().expect("a port number");
            let options = format!(
                "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c max_connections=200{tls_options}",
                cluster.port,
                cluster.dir.display()
            );
            let log = cluster.dir.join("server.log");
            // `-w`: pg_ctl returns once the server accepts connections.
            let started = cluster.run(
                "pg_ctl",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-l",
                    log.to_str().unwrap(),
                    "-o",
                    &options,
                    "-w",
                    "start",
                ],
            );
            if started {
                return Some(cluster);
            }
        }
        panic!(
            "the throwaway PostgreSQL did not start: see {}",
            cluster.dir.join("server.log").display()
        );
    }

    /// The authority's certificate (PEM) a TLS cluster's certificate is signed by.
    pub fn authority(&self) -> PathBuf {
        self.dir.join("authority.crt")
    }

    /// An authority, and a server certificate it signs, with `openssl`; the server's files in
    /// the data folder, readable by the server only.
    fn make_certificates(&self) {
        let openssl = |args: &[&str]| {
            let output = Command::new("openssl")
                .args(args)
                .current_dir(&self.dir)
                .output()
                .expect("run openssl");
            assert!(
                output.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        std::fs::write(
            self.dir.join("server.ext"),
            "subjectAltName = DNS:localhost, IP:127.0.0.1\nbasicConstraints = CA:FALSE\n",
        )
        .unwrap();
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=webhooks test authority",
            "-keyout",
            "authority.key",
            "-out",
            "authority.crt",
        ]);
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ]);
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "authority.crt",
            "-CAkey",
            "authority.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.crt",
        ]);
        let data = self.data_dir();
        for file in ["server.crt", "server.key"] {
            std::fs::copy(self.dir.join(file), data.join(file)).unwrap();
            std::fs::set_permissions(
                data.join(file),
                std::os::unix::fs::PermissionsExt::from_mode(0o600),
            )
            .unwrap();
            if self.as_postgres {
                let status = Command::new("chown")
                    .arg("postgres:postgres")
                    .arg(data.join(file))
                    .status()
                    .expect("run chown");
                assert!(status.success());
            }
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// `program` from PostgreSQL's folder, as the `postgres` user when this process is root.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    fn run(&self, program: &str, args: &[&str]) -> bool {
        self.command(program)
            .args(args)
            .current_dir(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    }

    fn run_ok(&self, program: &str, args: &[&str]) {
        let output = self
            .command(program)
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap_or_else(|error| panic!("run {program}: {error}"));
        assert!(
            output.status.success(),
            "{program} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Runs SQL in the `postgres` database with `psql`; its output.
    pub fn sql(&self, database: &str, sql: &str) -> String {
        let output = Command::new(self.bin.join("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                USER,
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
            ])
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-d", database, "-c", sql])
            .output()
            .expect("run psql");
        assert!(
            output.status.success(),
            "psql failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// A role that must give `password` (SCRAM) to connect over TCP, unlike the trusted
    /// superuser.
    pub fn role_with_password(&self, role: &str, password: &str) {
        self.sql(
            "postgres",
            &format!("CREATE ROLE {role} LOGIN PASSWORD '{password}'"),
        );
        let hba = self.data_dir().join("pg_hba.conf");
        let rules = std::fs::read_to_string(&hba).expect("read pg_hba.conf");
        std::fs::write(
            &hba,
            format!("host all {role} 127.0.0.1/32 scram-sha-256\n{rules}"),
        )
        .expect("write pg_hba.conf");
        self.sql("postgres", "SELECT pg_reload_conf()");
    }

    /// A new empty database; its URL.
    pub fn new_database(&self) -> String {
        let name = format!("journal_{}", uuid_like());
        self.sql("postgres", &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// The URL of `database`.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{USER}@127.0.0.1:{}/{database}?sslmode=disable",
            self.port
        )
    }

    /// The URL of `database` over TLS to `localhost`, `sslmode=require`, without saying which
    /// authority to trust.
    pub fn tls_url(&self, database: &str) -> String {
        format!(
            "postgres://{USER}@localhost:{}/{database}?sslmode=require",
            self.port
        )
    }

    /// The folder the cluster lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data_dir();
        self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A name part unique within this run.
fn uuid_like() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .subsec_nanos();
    format!("{n}_{nanos}")
}
