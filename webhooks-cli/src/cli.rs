//! The command line: commands, arguments, and the examples `--help` shows.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use webhooks_core::RepoType;
use webhooks_runtime::deliveries::DeliveryStatus;

const EXAMPLES: &str = "\
Examples:
  hf-webhooks events
  hf-webhooks send repo.content.update --repo-type dataset --url http://127.0.0.1:7860/webhooks/trigger_training
  hf-webhooks send discussion.comment.create --url http://127.0.0.1:7860/webhooks/say_hello --set comment.content='/eval'
  hf-webhooks post fixtures/07-repo-create-model.json --url http://127.0.0.1:7860/webhooks/say_hello
  hf-webhooks deliveries list --url http://127.0.0.1:7860
  hf-webhooks hub apply --url https://acme-bot.hf.space/webhooks/retrain --watch dataset:acme/data --secret-env WEBHOOK_SECRET
  hf-webhooks completions bash > ~/.local/share/bash-completion/completions/hf-webhooks";

/// Try Hugging Face Hub webhooks locally: send realistic events of every kind to your server,
/// post saved bodies, read or replay its delivery journal, and receive real Hub events on your
/// machine through a relay.
#[derive(Debug, Parser)]
#[command(name = "hf-webhooks", version, after_help = EXAMPLES)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List every kind of event the Hub sends, one per line
    Events,
    /// Send a realistic Hub event of one kind to an endpoint
    #[command(after_help = "\
Examples:
  hf-webhooks send repo.content.update --repo-type dataset --url http://127.0.0.1:7860/webhooks/trigger_training
  hf-webhooks send repo.content.update --ref refs/tags/v1.0 --url http://127.0.0.1:7860/webhooks/release
  hf-webhooks send discussion.create --pull-request --url http://127.0.0.1:7860/webhooks/review
  hf-webhooks send repo.config.update --set updatedConfig.private=false --url …
  hf-webhooks send repo.create --print      # the body only, nothing sent")]
    Send(SendArgs),
    /// Post a saved body (a fixture, or one downloaded with `deliveries body`) to an endpoint
    #[command(after_help = "\
Examples:
  hf-webhooks post fixtures/05-docs-repo-content-branch-updated-and-tag-created.json --url http://127.0.0.1:7860/webhooks/trigger_training")]
    Post(PostArgs),
    /// Read and replay the server's delivery journal
    #[command(subcommand)]
    Deliveries(DeliveriesCommand),
    /// Run a relay where the Hub can reach it (a Space): it keeps every delivery for `forward`
    #[command(after_help = "\
Examples:
  WEBHOOK_SECRET=… hf-webhooks relay            # on a Space, or any host the Hub reaches
  Then paste https://<your relay>/webhooks/<path> and the secret into the Hub's webhook settings.

Settings as for any server: WEBHOOKS_PORT, WEBHOOKS_HOST, WEBHOOKS_DATA_DIR (the journal the
deliveries wait in), WEBHOOKS_DATABASE_URL is not needed.")]
    Relay(RelayArgs),
    /// Stream a relay's deliveries to your local server, as they arrive
    #[command(after_help = "\
Examples:
  hf-webhooks forward --from https://you-relay.hf.space --secret \"$RELAY_SECRET\" --to http://127.0.0.1:7860
  hf-webhooks forward --from … --secret … --to http://127.0.0.1:7860 --local-secret \"$WEBHOOK_SECRET\" --json")]
    Forward(ForwardArgs),
    /// Manage your webhooks on the Hub: list, create, update, enable, disable, delete, apply
    Hub(crate::hub::HubArgs),
    /// Print a completion script for your shell
    #[command(after_help = "\
Examples:
  hf-webhooks completions bash > ~/.local/share/bash-completion/completions/hf-webhooks
  hf-webhooks completions zsh > ~/.zfunc/_hf-webhooks
  hf-webhooks completions fish > ~/.config/fish/completions/hf-webhooks.fish")]
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub(crate) struct RelayArgs {
    /// The relay's secret: the Hub sends it, and `forward` reads with it
    #[arg(long, env = "WEBHOOK_SECRET", hide_env_values = true)]
    pub(crate) secret: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ForwardArgs {
    /// The relay's base URL, e.g. `https://you-relay.hf.space`
    #[arg(long)]
    pub(crate) from: String,
    /// The relay's secret
    #[arg(long, env = "RELAY_SECRET", hide_env_values = true)]
    pub(crate) secret: String,
    /// Your local server's base URL; a delivery posted to the relay's /webhooks/PATH goes to `TO/webhooks/PATH`
    #[arg(long, default_value = "http://127.0.0.1:7860")]
    pub(crate) to: String,
    /// Your local server's webhook secret, sent as X-Webhook-Secret
    #[arg(long, env = "WEBHOOK_SECRET", hide_env_values = true)]
    pub(crate) local_secret: Option<String>,
    /// One JSON object per delivery instead of a line of text
    #[arg(long)]
    pub(crate) json: bool,
    /// Seconds to wait for the local server's answer
    #[arg(long, default_value_t = 60)]
    pub(crate) timeout: u64,
}

/// Where a body goes.
#[derive(Debug, Args)]
pub(crate) struct Endpoint {
    /// The endpoint's URL, e.g. http://127.0.0.1:7860/webhooks/trigger_training
    #[arg(long)]
    pub(crate) url: String,
    /// The webhook secret, sent as X-Webhook-Secret
    #[arg(long, env = "WEBHOOK_SECRET", hide_env_values = true)]
    pub(crate) secret: Option<String>,
    /// Seconds to wait for the answer
    #[arg(long, default_value_t = 60)]
    pub(crate) timeout: u64,
}

#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    /// The kind of event, as `hf-webhooks events` lists them (e.g. repo.content.update)
    pub(crate) kind: String,
    #[command(flatten)]
    pub(crate) endpoint: OptionalEndpoint,
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
    #[command(flatten)]
    pub(crate) webhook_id: WebhookIdArg,
}

/// The Hub's delivery id to send.
#[derive(Debug, Args)]
pub(crate) struct WebhookIdArg {
    /// The Webhook-Id header to send, to repeat a delivery as a Hub retry does (default: a fresh
    /// one, printed)
    #[arg(long, value_name = "ID")]
    pub(crate) webhook_id: Option<String>,
}

/// `--url` and the secret, where `--print` makes the URL unnecessary.
#[derive(Debug, Args)]
pub(crate) struct OptionalEndpoint {
    /// The endpoint's URL, e.g. http://127.0.0.1:7860/webhooks/trigger_training
    #[arg(long, required_unless_present_any = ["print", "exec"])]
    pub(crate) url: Option<String>,
    /// The webhook secret, sent as X-Webhook-Secret
    #[arg(long, env = "WEBHOOK_SECRET", hide_env_values = true)]
    pub(crate) secret: Option<String>,
    /// Seconds to wait for the answer
    #[arg(long, default_value_t = 60)]
    pub(crate) timeout: u64,
}

#[derive(Debug, Args)]
pub(crate) struct PostArgs {
    /// The JSON file to post
    pub(crate) file: PathBuf,
    #[command(flatten)]
    pub(crate) endpoint: Endpoint,
    #[command(flatten)]
    pub(crate) webhook_id: WebhookIdArg,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DeliveriesCommand {
    /// The most recent deliveries, newest first, as a table
    #[command(after_help = "\
Examples:
  hf-webhooks deliveries list --url http://127.0.0.1:7860
  hf-webhooks deliveries list --status dead --endpoint /webhooks/evaluate --url https://acme-bot.hf.space --token $WEBHOOKS_ADMIN_TOKEN")]
    List {
        #[command(flatten)]
        api: Api,
        /// Only deliveries to this route, e.g. /webhooks/evaluate
        #[arg(long)]
        endpoint: Option<String>,
        /// Only deliveries with this status
        #[arg(long, value_parser = statuses())]
        status: Option<String>,
        /// Only deliveries with this Hub Webhook-Id
        #[arg(long, value_name = "ID")]
        webhook_id: Option<String>,
        /// At most this many
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Print the API's JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// One delivery, as JSON
    Show {
        /// The delivery's id, or the Hub's Webhook-Id
        id: String,
        #[command(flatten)]
        api: Api,
    },
    /// The body a delivery was posted with, as saved (to replay it with `post`)
    Body {
        /// The delivery's id, or the Hub's Webhook-Id
        id: String,
        #[command(flatten)]
        api: Api,
    },
    /// Run a delivery's handler again, as a new delivery linked to it
    Replay {
        /// The delivery's id, or the Hub's Webhook-Id
        id: String,
        #[command(flatten)]
        api: Api,
    },
}

/// The server and the delivery API's credential.
#[derive(Debug, Args)]
pub(crate) struct Api {
    /// The server's base URL, e.g. http://127.0.0.1:7860
    #[arg(long)]
    pub(crate) url: String,
    /// The admin token, sent as Authorization: Bearer
    #[arg(long, env = "WEBHOOKS_ADMIN_TOKEN", hide_env_values = true)]
    pub(crate) token: Option<String>,
    /// The webhook secret, sent as X-Webhook-Secret (when the server has no admin token)
    #[arg(long, env = "WEBHOOK_SECRET", hide_env_values = true)]
    pub(crate) secret: Option<String>,
    /// Seconds to wait for the answer
    #[arg(long, default_value_t = 60)]
    pub(crate) timeout: u64,
}

/// The statuses `deliveries list --status` takes: the runtime's, as the delivery API spells them.
fn statuses() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(DeliveryStatus::ALL.map(DeliveryStatus::as_str))
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn statuses_are_the_delivery_apis_and_others_are_refused() {
        let list = |status: &str| {
            Cli::try_parse_from([
                "hf-webhooks",
                "deliveries",
                "list",
                "--url",
                "http://x",
                "--status",
                status,
            ])
        };
        for status in webhooks_runtime::deliveries::DeliveryStatus::ALL {
            assert!(list(status.as_str()).is_ok(), "{status}");
        }
        let refused = list("finished").unwrap_err().to_string();
        assert!(refused.contains("skipped"), "{refused}");
    }
}
