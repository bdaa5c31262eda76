//! `hf-webhooks relay`: a server where the Hub can reach it that keeps every delivery for
//! `forward`.

use std::process::ExitCode;

use crate::error::CliError;
use clap::Args;

/// `relay`'s arguments.
#[derive(Debug, Args)]
pub(crate) struct RelayArgs {
    /// The relay's secret: the Hub sends it, and `forward` reads with it
    #[arg(long, env = "WEBHOOK_SECRET", hide_env_values = true)]
    pub(crate) secret: Option<String>,
}

/// Serves as a relay until SIGINT or SIGTERM.
pub(crate) fn run(args: RelayArgs) -> Result<ExitCode, CliError> {
    let Some(secret) = args.secret.filter(|secret| !secret.is_empty()) else {
        return Err(CliError::Input(
            "a relay needs a secret: set WEBHOOK_SECRET (or --secret). The Hub sends it with each delivery, and `hf-webhooks forward --secret` reads with it".to_owned(),
        ));
    };
    webhooks_runtime::WebhooksServer::builder()
        .include_registered(false)
        .webhook_secret(secret)
        .relay()
        .build()
        .and_then(webhooks_runtime::WebhooksServer::run)?;
    Ok(ExitCode::SUCCESS)
}
