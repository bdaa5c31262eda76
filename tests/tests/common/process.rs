//! Running the test server binary as a user would, and talking to it with plain HTTP/1.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

/// How long to wait for a line the server should print. A bound, not a delay: reading returns as
/// soon as the line arrives.
const LINE_TIMEOUT: Duration = Duration::from_secs(30);

/// Variables a developer or CI machine may have set that would change what the tests see.
const INHERITED_SETTINGS: [&str; 20] = [
    "WEBHOOKS_DATA_DIR",
    "WEBHOOKS_DATABASE_URL",
    "WEBHOOKS_SHUTDOWN_TIMEOUT",
    "WEBHOOKS_ALLOWED_HOSTS",
    "WEBHOOKS_ADMIN_TOKEN",
    "WEBHOOK_SECRET",
    "WEBHOOKS_HOST",
    "WEBHOOKS_PORT",
    "GRADIO_SERVER_NAME",
    "GRADIO_SERVER_PORT",
    "SPACE_ID",
    "SPACE_HOST",
    "WEBHOOKS_PUBLIC_URL",
    "WEBHOOKS_HUB_WATCH",
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "HF_TOKEN_PATH",
    "HF_HOME",
    "XDG_CACHE_HOME",
    "HF_ENDPOINT",
];

/// The test server binary with a clean configuration: loopback, a free port, plus `env`.
pub fn command(env: &[(&str, &str)]) -> Command {
    command_for(Path::new(env!("CARGO_BIN_EXE_test-server")), env)
}

/// `binary` with a clean configuration: loopback, a free port, plus `env`.
pub fn command_for(binary: &Path, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(binary);
    for name in INHERITED_SETTINGS {
        command.env_remove(name);
    }
    command
        .env("WEBHOOKS_HOST", "127.0.0.1")
        .env("WEBHOOKS_PORT", "0")
        // Each process gets its own journal, away from the source tree, removed with the
        // `ServerProcess` (see `made_data_dir`).
        .env("WEBHOOKS_DATA_DIR", numbered_dir(MADE_DATA_DIR_PREFIX));
    command.envs(env.iter().copied());
    command
}

/// A running server process, with its stdout read line by line.
pub struct ServerProcess {
    child: Child,
    /// The journal folder `command_for` made for it, removed when it is dropped.
    made_data_dir: Option<PathBuf>,
    lines: Receiver<String>,
    /// Every line printed up to and including the last start message.
    pub banner: Vec<String>,
}

/// How long a test lets a stopping server take before it calls that a hang.
pub const EXIT_PATIENCE: std::time::Duration = std::time::Duration::from_secs(20);

impl ServerProcess {
    /// Starts the test server and reads its start messages.
    pub fn start(env: &[(&str, &str)]) -> Self {
        Self::start_binary(Path::new(env!("CARGO_BIN_EXE_test-server")), env)
    }

    /// Starts `binary` as a server and reads its start messages.
    pub fn start_binary(binary: &Path, env: &[(&str, &str)]) -> Self {
        Self::start_binary_until(binary, env, |line| {
            line.starts_with("Go to https://huggingface.co/settings/webhooks")
        })
    }

    /// Starts `binary` and reads what it prints up to the line `is_last` accepts.
    pub fn start_binary_until(
        binary: &Path,
        env: &[(&str, &str)],
        is_last: fn(&str) -> bool,
    ) -> Self {
        let mut command = command_for(binary, env);
        let made_data_dir = made_data_dir(&command);
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start test-server");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = ServerProcess {
            child,
            made_data_dir,
            lines,
            banner: Vec::new(),
        };
        loop {
            let line = server.next_line();
            let last = is_last(&line);
            server.banner.push(line);
            if last {
                break server;
            }
        }
    }

    /// The next line printed on stdout.
    pub fn next_line(&self) -> String {
        match self.lines.recv_timeout(LINE_TIMEOUT) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!("no line on stdout within {LINE_TIMEOUT:?}"),
            Err(RecvTimeoutError::Disconnected) => {
                panic!("the server closed its stdout: it exited")
            }
        }
    }

    /// The address in the first `  - POST http://…` line.
    pub fn addr(&self) -> SocketAddr {
        let line = self
            .banner
            .iter()
            .find(|line| line.starts_with("  - POST http://"))
            .expect("a POST line");
        let rest = line.trim_start_matches("  - POST http://");
        rest[..rest.find('/').expect("a path")]
            .parse()
            .expect("an address")
    }

    /// Kills the process at once (SIGKILL): no graceful shutdown, as in a crash.
    pub fn kill(&mut self) {
        self.child.kill().expect("kill the server");
    }

    /// Sends SIGTERM, as a container runtime does.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success());
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status and stderr once the process ends, if it does within `limit`.
    pub fn wait_within(mut self, limit: std::time::Duration) -> Option<(ExitStatus, String)> {
        webhooks_tests::eventually::poll_blocking(limit, || {
            self.child.try_wait().expect("poll test-server")
        })?;
        Some(self.wait())
    }

    /// Waits for the process to end; its exit status and stderr.
    pub fn wait(mut self) -> (ExitStatus, String) {
        let status = self.child.wait().expect("wait for test-server");
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        (status, stderr)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = &self.made_data_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The journal folder of `command` when `command_for` made it (not one a test chose).
fn made_data_dir(command: &Command) -> Option<PathBuf> {
    let (_, value) = command
        .get_envs()
        .find(|(name, _)| *name == "WEBHOOKS_DATA_DIR")?;
    let dir = PathBuf::from(value?);
    let name = dir.file_name()?.to_string_lossy().into_owned();
    name.starts_with(MADE_DATA_DIR_PREFIX).then_some(dir)
}

/// Sends one HTTP/1.1 request on a new connection; the status and body of the answer. A `POST`
/// says `Content-Type: application/json` unless `headers` has a content type.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    // As the Hub sends it, unless the test says otherwise.
    if method == "POST"
        && !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-type"))
    {
        head.push_str("Content-Type: application/json\r\n");
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body))
        .expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read the answer");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// A port that was free a moment ago, for tests that must know the port before the server starts.
pub fn free_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener
        .local_addr()
        .expect("a local address")
        .port()
        .to_string()
}

/// The start of the names of the journal folders `command_for` makes.
const MADE_DATA_DIR_PREFIX: &str = "webhooks-process-auto";

/// A new path in the temporary directory, unique in this run: `<prefix>-<pid>-<n>`.
fn numbered_dir(prefix: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("{prefix}-{}-{n}", std::process::id()))
}

/// A new folder for a journal that a test shares between server processes; the test removes it.
pub fn fresh_data_dir() -> PathBuf {
    numbered_dir("webhooks-process-test")
}
