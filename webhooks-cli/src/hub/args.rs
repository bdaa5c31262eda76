//! `hf-webhooks hub`'s commands and their arguments.

use clap::{Args, Subcommand, ValueEnum};
use webhooks_runtime::hub::{Domain, WatchedItem};

/// Manage your webhooks on the Hub, as its page huggingface.co/settings/webhooks does
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  hf-webhooks hub apply --url https://acme-bot.hf.space/webhooks/retrain --watch dataset:acme/data --secret-env WEBHOOK_SECRET
  hf-webhooks hub list
  hf-webhooks hub create --watch model:acme/bert --watch user:acme --url https://acme-bot.hf.space/webhooks/evaluate
  hf-webhooks hub update 6612… --domain repo
  hf-webhooks hub delete 6612… --yes

The token is --token, else HF_TOKEN (or HUGGING_FACE_HUB_TOKEN), else the file HF_TOKEN_PATH, else
$HF_HOME/token (written by `hf auth login`); it needs write access. The Hub is --endpoint, else
HF_ENDPOINT, else https://huggingface.co.")]
pub(crate) struct HubArgs {
    #[command(subcommand)]
    pub(crate) command: HubCommand,
    #[command(flatten)]
    pub(crate) connection: Connection,
}

/// How to reach the Hub, and how to print.
#[derive(Debug, Args)]
pub(crate) struct Connection {
    /// A user access token with write access (default: HF_TOKEN, then the token `hf auth login` saved)
    #[arg(long, global = true, value_name = "TOKEN")]
    pub(crate) token: Option<String>,
    /// The Hub's base URL (default: HF_ENDPOINT, then `https://huggingface.co`)
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) endpoint: Option<String>,
    /// Print JSON instead of text
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Show webhook secrets instead of ***
    #[arg(long, global = true)]
    pub(crate) show_secret: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum HubCommand {
    /// Your webhooks, as a table: id, target, disabled, domains, watched
    #[command(visible_alias = "ls")]
    List,
    /// One webhook
    Info {
        /// The webhook's id, as `list` shows it
        id: String,
    },
    /// Create a webhook that posts to a URL or starts a Job
    Create {
        #[command(flatten)]
        watch: Watch,
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        domains: Domains,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Change a webhook; what is not given stays as it is (the watched list too)
    Update {
        /// The webhook's id
        id: String,
        /// Post to this URL from now on
        #[arg(long)]
        url: Option<String>,
        /// Watch exactly these from now on (repeatable), e.g. model:acme/bert, user:acme
        #[arg(long = "watch", value_name = "TYPE:NAME", num_args = 1..)]
        watch: Vec<WatchedItem>,
        #[command(flatten)]
        domains: Domains,
        #[command(flatten)]
        secret: SecretArgs,
    },
    /// Make the Hub send events to a disabled webhook again
    Enable {
        /// The webhook's id
        id: String,
    },
    /// Stop the Hub sending events to a webhook, keeping it
    Disable {
        /// The webhook's id
        id: String,
    },
    /// Delete a webhook (asks first)
    Delete {
        /// The webhook's id
        id: String,
        /// Do not ask (needed without a terminal)
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Make the webhook that targets URL match: create it, update it, or leave it; run it at each deploy
    Apply {
        /// The URL the webhook posts to, e.g. `https://acme-bot.hf.space/webhooks/retrain`
        #[arg(long)]
        url: String,
        #[command(flatten)]
        watch: Watch,
        #[command(flatten)]
        domains: Domains,
        /// The environment variable holding the webhook's secret (without it, the secret is left as it is)
        #[arg(long, value_name = "VAR")]
        secret_env: Option<String>,
    },
}

/// What a webhook watches.
#[derive(Debug, Args)]
pub(crate) struct Watch {
    /// What to watch (repeatable): model, dataset or space with owner/name, or user or org with a name, e.g. dataset:acme/data
    #[arg(long = "watch", value_name = "TYPE:NAME", num_args = 1.., required = true)]
    pub(crate) watch: Vec<WatchedItem>,
}

/// Where a new webhook sends events.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct Target {
    /// The URL the Hub posts each event to
    #[arg(long)]
    pub(crate) url: Option<String>,
    /// The Job the Hub starts for each event, with the payload in WEBHOOK_PAYLOAD
    #[arg(long, value_name = "ID")]
    pub(crate) job_id: Option<String>,
}

/// Which events a webhook sends.
#[derive(Debug, Args)]
pub(crate) struct Domains {
    /// Only these domains (repeatable; default: both)
    #[arg(long = "domain", value_name = "DOMAIN")]
    pub(crate) domain: Vec<DomainArg>,
}

impl Domains {
    /// The domains given, if any.
    pub(crate) fn given(&self) -> Option<Vec<Domain>> {
        (!self.domain.is_empty()).then(|| self.domain.iter().map(|domain| domain.into()).collect())
    }
}

/// A domain, as the command line takes it.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum DomainArg {
    /// Repo events: creation, deletion, pushes, settings
    Repo,
    /// Discussion and pull-request events, comments included
    Discussion,
}

impl From<&DomainArg> for Domain {
    fn from(domain: &DomainArg) -> Self {
        match domain {
            DomainArg::Repo => Domain::Repo,
            DomainArg::Discussion => Domain::Discussion,
        }
    }
}

/// A webhook's secret: on the command line, or from an environment variable.
#[derive(Debug, Args)]
pub(crate) struct SecretArgs {
    /// The secret the Hub sends in X-Webhook-Secret
    #[arg(long, conflicts_with = "secret_env")]
    pub(crate) secret: Option<String>,
    /// The environment variable holding the secret (keeps it out of shell history)
    #[arg(long, value_name = "VAR")]
    pub(crate) secret_env: Option<String>,
}

impl SecretArgs {
    /// The secret given, read from its variable when named.
    pub(crate) fn value(&self) -> Result<Option<String>, String> {
        match (&self.secret, &self.secret_env) {
            (Some(secret), _) => Ok(Some(secret.clone())),
            (None, Some(variable)) => secret_from_env(variable).map(Some),
            (None, None) => Ok(None),
        }
    }
}

/// The value of `variable`, which must be set and not empty.
pub(crate) fn secret_from_env(variable: &str) -> Result<String, String> {
    match std::env::var(variable) {
        Ok(value) if !value.is_empty() => Ok(value),
        _ => Err(format!(
            "--secret-env {variable}: {variable} is not set (or empty) in this environment"
        )),
    }
}
