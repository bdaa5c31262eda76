//! Why a command could not do its work, by kind. `main` prints it as `error: …` on stderr and
//! exits 1 whatever the kind (a command that got an answer other than 2xx is not an error: it
//! prints the answer and exits 1 itself).

use std::fmt;

use webhooks_runtime::hub::HubError;

/// A command's failure.
#[derive(Debug)]
pub(crate) enum CliError {
    /// An argument, a file or a value the command cannot use; nothing was sent.
    Input(String),
    /// A request that got no answer (nothing listening, no such host, too slow) or one that
    /// could not be read, said with what to do.
    NoAnswer(String),
    /// A server answered, but not as the command needs: a relay refusing the secret, a URL that
    /// is no relay, a listing that is not one.
    Answer(String),
    /// The Hub's API refused or failed a call.
    Hub(HubError),
    /// The relay's server could not start, or stopped with an error.
    Server(webhooks_runtime::Error),
    /// A deletion not confirmed.
    Declined(String),
    /// This machine failed the command: a program that cannot run, a terminal that cannot be
    /// read.
    Local(String),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Input(message)
            | CliError::NoAnswer(message)
            | CliError::Answer(message)
            | CliError::Declined(message)
            | CliError::Local(message) => f.write_str(message),
            CliError::Hub(error) => write!(f, "{error}"),
            CliError::Server(error) => write!(f, "{error}"),
        }
    }
}

impl From<HubError> for CliError {
    fn from(error: HubError) -> Self {
        CliError::Hub(error)
    }
}

impl From<webhooks_runtime::Error> for CliError {
    fn from(error: webhooks_runtime::Error) -> Self {
        CliError::Server(error)
    }
}

#[cfg(test)]
mod tests {
    use super::CliError;

    #[test]
    fn every_kind_prints_its_message_alone() {
        let server = webhooks_runtime::WebhooksServer::builder()
            .read_environment(false)
            .webhook_secret("")
            .build()
            .unwrap_err();
        let said = server.to_string();
        for (error, expected) in [
            (
                CliError::Input("--set x: expected path=value".into()),
                "--set x: expected path=value",
            ),
            (
                CliError::NoAnswer("nothing is listening".into()),
                "nothing is listening",
            ),
            (CliError::Answer("not a relay".into()), "not a relay"),
            (
                CliError::Declined("webhook w not deleted".into()),
                "webhook w not deleted",
            ),
            (CliError::Local("cannot run x".into()), "cannot run x"),
            (CliError::from(server), said.as_str()),
        ] {
            assert_eq!(error.to_string(), expected);
        }
    }
}
