//! `hf-webhooks send`: a realistic Hub event of one kind, built, printed, posted to an endpoint,
//! or handed to a program as the Hub hands it to a Job.

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use webhooks_core::WebhookPayload;
use webhooks_runtime::payload::RepoType;

use crate::error::CliError;
use crate::events::{KINDS, Kind};
use crate::target::{Sending, deliver};
use crate::{body, output, report};

/// `send`'s arguments.
#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    /// The kind of event, as `hf-webhooks events` lists them (e.g. repo.content.update)
    pub(crate) kind: String,
    /// The endpoint's URL, e.g. http://127.0.0.1:7860/webhooks/trigger_training
    #[arg(long, required_unless_present_any = ["print", "exec"])]
    pub(crate) url: Option<String>,
    #[command(flatten)]
    pub(crate) sending: Sending,
    /// The repo the event is about, owner/name
    #[arg(long, default_value = "acme/sentiment-data")]
    pub(crate) repo: String,
    /// The repo's type
    #[arg(long, value_enum, default_value_t = RepoTypeArg::Model)]
    pub(crate) repo_type: RepoTypeArg,
    /// The ref a repo.content.update moved (refs/heads/…, refs/tags/…, refs/pr/N)
    #[arg(long = "ref", default_value = "refs/heads/main")]
    pub(crate) git_ref: String,
    /// Make the discussion of a discussion event a pull request (merged on discussion.update)
    #[arg(long)]
    pub(crate) pull_request: bool,
    /// Override a field: a dotted path in the Hub's key names, and a JSON value or text
    /// (repeatable), e.g. --set repo.private=true --set updatedRefs.0.ref=refs/tags/v1
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub(crate) overrides: Vec<String>,
    /// Print the body instead of sending it
    #[arg(long)]
    pub(crate) print: bool,
    /// Instead of sending it, run PROGRAM [ARGS…] as the Hub runs a Job webhook: the body in
    /// WEBHOOK_PAYLOAD, the delivery's id in WEBHOOK_ID; exit with its status
    #[arg(
        long,
        num_args = 1..,
        value_name = "PROGRAM",
        allow_hyphen_values = true,
        conflicts_with = "print"
    )]
    pub(crate) exec: Vec<String>,
}

/// A repo type, as `send --repo-type` takes it.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum RepoTypeArg {
    /// A model repo
    Model,
    /// A dataset repo
    Dataset,
    /// A Space
    Space,
    /// A storage bucket
    Bucket,
}

impl From<RepoTypeArg> for RepoType {
    fn from(repo_type: RepoTypeArg) -> Self {
        match repo_type {
            RepoTypeArg::Model => RepoType::Model,
            RepoTypeArg::Dataset => RepoType::Dataset,
            RepoTypeArg::Space => RepoType::Space,
            RepoTypeArg::Bucket => RepoType::Bucket,
        }
    }
}

/// Builds the event, then prints it, runs a program with it, or posts it.
pub(crate) fn run(args: SendArgs) -> Result<ExitCode, CliError> {
    let kind = Kind::named(&args.kind).ok_or_else(|| {
        let known: Vec<String> = KINDS.iter().map(Kind::name).collect();
        CliError::Input(format!(
            "unknown event kind `{}`; the Hub sends: {}",
            args.kind,
            known.join(", ")
        ))
    })?;
    let options = body::EventOptions {
        repo: args.repo,
        repo_type: RepoType::from(args.repo_type),
        git_ref: args.git_ref,
        pull_request: args.pull_request,
    };
    let payload = body::build(kind, &options, &mut body::Ids::fresh());
    let mut value =
        serde_json::to_value(&payload).map_err(|error| CliError::Local(error.to_string()))?;
    for assignment in &args.overrides {
        body::set(&mut value, assignment).map_err(CliError::Input)?;
    }
    let bytes = serde_json::to_vec(&value).map_err(|error| CliError::Local(error.to_string()))?;
    if !args.overrides.is_empty()
        && let Err(error) = WebhookPayload::from_slice(&bytes)
    {
        eprintln!("warning: with --set, the body is no longer a valid Hub payload: {error}");
    }
    if args.print {
        output::line(report::pretty(&String::from_utf8_lossy(&bytes)));
        return Ok(ExitCode::SUCCESS);
    }
    let webhook_id = args.sending.webhook_id()?;
    if let Some((program, arguments)) = args.exec.split_first() {
        return run_as_job(program, arguments, &bytes, &webhook_id);
    }
    let url = args
        .url
        .as_deref()
        .ok_or_else(|| CliError::Input("--url is required to send".to_owned()))?;
    deliver(&args.sending.to(url), &webhook_id, bytes)
}

/// Runs `program` as the Hub runs a Job webhook's command: the payload in `WEBHOOK_PAYLOAD`, the
/// delivery's id in `WEBHOOK_ID` (hub-docs PR #2749), the terminal's stdin and stdout; its exit
/// status is the command's.
fn run_as_job(
    program: &str,
    arguments: &[String],
    payload: &[u8],
    webhook_id: &str,
) -> Result<ExitCode, CliError> {
    let status = std::process::Command::new(program)
        .args(arguments)
        .env("WEBHOOK_PAYLOAD", String::from_utf8_lossy(payload).as_ref())
        .env("WEBHOOK_ID", webhook_id)
        .status()
        .map_err(|error| CliError::Local(format!("cannot run {program}: {error}")))?;
    Ok(match status.code() {
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => {
            eprintln!("{program} was stopped by a signal ({status})");
            ExitCode::FAILURE
        }
    })
}
