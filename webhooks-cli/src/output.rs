//! Writing to stdout without panicking when the reader went away (`hf-webhooks … | head`).

use std::fmt::Display;
use std::io::Write as _;

/// Writes `text` to stdout; when stdout is a closed pipe, exits as a process killed by `SIGPIPE`
/// would (status 141), quietly, the way other command-line tools stop.
pub(crate) fn write(text: impl Display) {
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = write!(stdout, "{text}").and_then(|()| stdout.flush()) {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(141);
        }
        eprintln!("error: cannot write to stdout: {error}");
        std::process::exit(1);
    }
}

/// [`write()`], then a line break.
pub(crate) fn line(text: impl Display) {
    write(format_args!("{text}\n"));
}
