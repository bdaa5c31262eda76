//! The command line: its commands and the examples `--help` shows; each command's arguments
//! are in its module.

use clap::{Parser, Subcommand};

use crate::deliveries::DeliveriesCommand;
use crate::forward::ForwardArgs;
use crate::post::PostArgs;
use crate::relay::RelayArgs;
use crate::send::SendArgs;

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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
