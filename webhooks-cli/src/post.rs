//! `hf-webhooks post`: a saved body (a fixture, or one `deliveries body` downloaded) posted to an
//! endpoint as the Hub posts it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::error::CliError;
use crate::target::{Sending, deliver};

/// `post`'s arguments.
#[derive(Debug, Args)]
pub(crate) struct PostArgs {
    /// The JSON file to post
    pub(crate) file: PathBuf,
    /// The endpoint's URL, e.g. http://127.0.0.1:7860/webhooks/trigger_training
    #[arg(long)]
    pub(crate) url: String,
    #[command(flatten)]
    pub(crate) sending: Sending,
}

/// Reads the file and posts it, JSON or not (with a warning when not).
pub(crate) fn run(args: PostArgs) -> Result<ExitCode, CliError> {
    let bytes = std::fs::read(&args.file).map_err(|error| {
        CliError::Input(format!("cannot read {}: {error}", args.file.display()))
    })?;
    if let Err(error) = serde_json::from_slice::<serde_json::Value>(&bytes) {
        eprintln!(
            "warning: {} is not JSON ({error}); posting it anyway",
            args.file.display()
        );
    }
    let webhook_id = args.sending.webhook_id()?;
    deliver(&args.sending.to(&args.url), &webhook_id, bytes)
}
