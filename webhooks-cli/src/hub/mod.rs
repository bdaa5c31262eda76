//! `hf-webhooks hub`: the Hub's webhook API in a terminal, through the runtime's Hub client.
//! Every command exits non-zero on any failure, said in one line on stderr.

mod args;
mod show;

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::process::ExitCode;

use webhooks_runtime::hub::{
    DesiredWebhook, HubClient, NewWebhook, Token, WebhookInfo, WebhookTarget, WebhookUpdate,
};

pub(crate) use args::HubArgs;
use args::{Connection, HubCommand, secret_from_env};

use crate::error::CliError;
use crate::output;

/// Runs one `hub` command.
pub(crate) fn run(args: HubArgs) -> Result<ExitCode, CliError> {
    let connection = args.connection;
    let client = client(&connection)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|error| CliError::Local(format!("cannot start: {error}")))?;
    runtime
        .block_on(command(&client, &connection, args.command))
        .map(|()| ExitCode::SUCCESS)
}

fn client(connection: &Connection) -> Result<HubClient, CliError> {
    let token = match &connection.token {
        Some(token) => Token::new(token),
        None => Token::from_environment()?,
    };
    let client = HubClient::new(token);
    Ok(match &connection.endpoint {
        Some(endpoint) => client.with_endpoint(endpoint),
        None => client,
    })
}

async fn command(
    client: &HubClient,
    connection: &Connection,
    command: HubCommand,
) -> Result<(), CliError> {
    let show_secret = connection.show_secret;
    let print = |verb: &str, webhook: &WebhookInfo| {
        if connection.json {
            output::line(show::json(webhook, show_secret));
        } else {
            output::line(format_args!("{verb} {}", webhook.id));
            output::write(show::details(webhook, show_secret));
        }
    };
    match command {
        HubCommand::List => {
            let webhooks = client.list_webhooks().await?;
            if connection.json {
                let listed: Vec<_> = webhooks
                    .iter()
                    .map(|webhook| show::json(webhook, show_secret))
                    .collect();
                output::line(serde_json::Value::Array(listed));
            } else {
                output::write(show::list(&webhooks, show_secret));
            }
        }
        HubCommand::Info { id } => {
            let webhook = client.get_webhook(&id).await?;
            if connection.json {
                output::line(show::json(&webhook, show_secret));
            } else {
                output::write(show::details(&webhook, show_secret));
            }
        }
        HubCommand::Create {
            watch,
            target,
            domains,
            secret,
        } => {
            let target = match (target.url, target.job_id) {
                (Some(url), _) => WebhookTarget::Url(url),
                (None, Some(job)) => WebhookTarget::Job(job),
                (None, None) => return Err(CliError::Input("give --url or --job-id".to_owned())),
            };
            let mut new = NewWebhook::new(target, watch.watch);
            if let Some(domains) = domains.given() {
                new = new.domains(domains);
            }
            if let Some(secret) = secret.value().map_err(CliError::Input)? {
                new = new.secret(secret);
            }
            let webhook = client.create_webhook(&new).await?;
            print("created", &webhook);
        }
        HubCommand::Update {
            id,
            url,
            watch,
            domains,
            secret,
        } => {
            let mut update = WebhookUpdate::new();
            if let Some(url) = url {
                update = update.url(url);
            }
            if !watch.is_empty() {
                update = update.watched(watch);
            }
            if let Some(domains) = domains.given() {
                update = update.domains(domains);
            }
            if let Some(secret) = secret.value().map_err(CliError::Input)? {
                update = update.secret(secret);
            }
            let webhook = client.update_webhook(&id, &update).await?;
            print("updated", &webhook);
        }
        HubCommand::Enable { id } => {
            let webhook = client.enable_webhook(&id).await?;
            print("enabled", &webhook);
        }
        HubCommand::Disable { id } => {
            let webhook = client.disable_webhook(&id).await?;
            print("disabled", &webhook);
        }
        HubCommand::Delete { id, yes } => {
            if !yes {
                let webhook = client.get_webhook(&id).await?;
                confirm_delete(&webhook)?;
            }
            client.delete_webhook(&id).await?;
            if connection.json {
                output::line(serde_json::json!({ "deleted": id }));
            } else {
                output::line(format_args!("deleted {id}"));
            }
        }
        HubCommand::Apply {
            url,
            watch,
            domains,
            secret_env,
        } => {
            let mut desired = DesiredWebhook::new(url, watch.watch);
            if let Some(domains) = domains.given() {
                desired = desired.domains(domains);
            }
            if let Some(variable) = secret_env {
                desired = desired.secret(secret_from_env(&variable).map_err(CliError::Input)?);
            }
            let applied = client.apply_webhook(&desired).await?;
            if connection.json {
                let changes: Vec<String> = match &applied {
                    webhooks_runtime::hub::Applied::Updated { changes, .. } => {
                        changes.iter().map(ToString::to_string).collect()
                    }
                    _ => Vec::new(),
                };
                output::line(serde_json::json!({
                    "outcome": applied.outcome(),
                    "changes": changes,
                    "webhook": show::json(applied.webhook(), show_secret),
                }));
            } else {
                output::line(&applied);
            }
        }
    }
    Ok(())
}

/// Asks on the terminal; refuses without one.
fn confirm_delete(webhook: &WebhookInfo) -> Result<(), CliError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CliError::Declined(format!(
            "not deleting webhook {} without a confirmation: stdin is not a terminal; pass --yes",
            webhook.id
        )));
    }
    let target = webhook.url.as_deref().unwrap_or("a Job");
    eprint!(
        "Delete webhook {} ({target}, watching {})? [y/N] ",
        webhook.id,
        webhook
            .watched
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|error| CliError::Local(format!("cannot read the answer: {error}")))?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(CliError::Declined(format!(
            "webhook {} not deleted",
            webhook.id
        ))),
    }
}
