//! `hf-webhooks`: try Hugging Face Hub webhooks from a terminal. It sends realistic events of
//! every kind to a local server, posts saved bodies, reads or replays the delivery journal, and
//! relays real Hub events to a laptop (`relay` where the Hub reaches, `forward` at home), and
//! manages the webhooks on the Hub (`hub`).
//! Every one-shot command prints the HTTP status and the answer, and exits 0 only on a 2xx;
//! `relay` and `forward` run until stopped.

mod body;
mod cli;
mod deliveries;
mod error;
mod events;
mod forward;
mod http;
mod hub;
mod output;
mod post;
mod relay;
mod report;
mod send;
mod table;
mod target;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command};
use crate::error::CliError;

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Events => {
            events::print();
            Ok(ExitCode::SUCCESS)
        }
        Command::Send(args) => send::run(args),
        Command::Post(args) => post::run(args),
        Command::Deliveries(command) => deliveries::run(command),
        Command::Relay(args) => relay::run(args),
        Command::Forward(args) => forward::forward(&args),
        Command::Hub(args) => hub::run(args),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "hf-webhooks",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
