//! The `voicebot` binary: parse the command line, install tracing, run, map errors to exit codes.
//!
//! Nothing here deserves a test of its own: behaviour lives in `voicebot-core` and `voicebot-sim`.

mod cli;

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{Cli, Command, ConfigCommand, DevicesCommand};

/// Exit code for usage and configuration errors, and for features this build does not have.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    install_tracing();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(line)) => {
            report(&line);
            ExitCode::from(EXIT_USAGE)
        }
        Err(Failure::Runtime(err)) => {
            report(&format!("{err:#}"));
            ExitCode::FAILURE
        }
    }
}

/// Why a command did not succeed.
#[derive(Debug)]
enum Failure {
    /// Bad input or an unavailable feature: one line saying what is wrong and how to fix it, exit 2.
    Usage(String),
    /// Something went wrong while running, exit 1.
    #[allow(dead_code, reason = "used once a subcommand can fail at run time")]
    Runtime(anyhow::Error),
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Demo => not_built("demo", "issue #6 (both assistants end to end)"),
        Command::Run(_) => not_built("run", "issue #6 (both assistants end to end)"),
        Command::Sim { .. } => not_built("sim", "issue #3 (transport clients and simulator)"),
        Command::Devices { command: DevicesCommand::List } => devices_list(),
        Command::Config { command: ConfigCommand::Show } => {
            not_built("config show", "issue #6 (configuration and the CLI)")
        }
    }
}

#[cfg(feature = "device")]
fn devices_list() -> Result<(), Failure> {
    not_built("devices list", "issue #4 (audio engine)")
}

#[cfg(not(feature = "device"))]
fn devices_list() -> Result<(), Failure> {
    Err(Failure::Usage(
        "voicebot was built without audio device support; rebuild with \
         `cargo run -p voicebot --features device -- devices list` (needs libasound2-dev on Linux)"
            .to_owned(),
    ))
}

fn not_built(what: &str, lands_with: &str) -> Result<(), Failure> {
    Err(Failure::Usage(format!("`voicebot {what}` is not built yet; it lands with {lands_with}")))
}

fn install_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

/// Prints one error line to stderr; a closed stderr is not worth a panic.
fn report(line: &str) {
    let _ = writeln!(std::io::stderr(), "error: {line}");
}
