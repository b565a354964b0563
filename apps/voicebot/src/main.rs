//! The `voicebot` binary: parse the command line, install tracing, run, map errors to exit codes.
//!
//! Nothing here deserves a test of its own: behaviour lives in `voicebot-core` and `voicebot-sim`.

mod cli;
mod demo;
#[cfg(feature = "device")]
mod devices;
mod run;

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
    Runtime(anyhow::Error),
}

/// Assembles the configuration layers: `--config PATH` (required) or `./voicebot.toml` (optional), `./.env`,
/// the process environment and the given command-line overrides.
fn load_config(
    file: Option<&std::path::Path>,
    overrides: Vec<(&'static str, String)>,
) -> Result<voicebot_core::config::Loaded, Failure> {
    let file = match file {
        Some(path) => (path.to_owned(), true),
        None => (std::path::PathBuf::from("voicebot.toml"), false),
    };
    let sources = voicebot_core::config::ConfigSources {
        file: Some(file),
        dotenv: Some(std::path::PathBuf::from(".env")),
        environment: std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect(),
        overrides,
    };
    voicebot_core::config::Config::load(&sources).map_err(|err| Failure::Usage(err.to_string()))
}

/// `voicebot config show`: every key, its value (secrets redacted) and where it came from.
fn config_show(file: Option<&std::path::Path>) -> Result<(), Failure> {
    let loaded = load_config(file, Vec::new())?;
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "{}", loaded.shown);
    Ok(())
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Demo { tls } => runtime()?.block_on(demo::demo(tls)),
        Command::Run(args) => {
            let loaded = load_config(cli.config.as_deref(), args.overrides())?;
            loaded.config.require_keys().map_err(|err| Failure::Usage(err.to_string()))?;
            let io = run::RunIo {
                input_wav: args.input_wav,
                output_wav: args.output_wav,
                events: args.events,
                max_turns: args.max_turns,
                timeline: true,
            };
            runtime()?.block_on(run::run(&loaded.config, io)).map(|_| ())
        }
        Command::Sim { port, bind, scenario, tls, ca_file, tls_names } => {
            let tls = tls.then_some(voicebot_sim::TlsOptions {
                names: tls_names,
                ca_file,
                unpublished_issuer: false,
            });
            run_sim(std::net::SocketAddr::new(bind, port), scenario.as_deref(), tls)
        }
        Command::Devices { command: DevicesCommand::List } => devices_list(),
        Command::Config { command: ConfigCommand::Show } => config_show(cli.config.as_deref()),
    }
}

#[cfg(feature = "device")]
fn devices_list() -> Result<(), Failure> {
    devices::list().map_err(Failure::Usage)
}

#[cfg(not(feature = "device"))]
fn devices_list() -> Result<(), Failure> {
    Err(Failure::Usage(
        "voicebot was built without audio device support; rebuild with \
         `cargo run -p voicebot --features device -- devices list` (needs libasound2-dev on Linux)"
            .to_owned(),
    ))
}

/// Runs the simulator until Ctrl-C, printing the bound address first, then the base URLs to export (and, with
/// TLS, the CA file to trust).
fn run_sim(
    addr: std::net::SocketAddr,
    scenario: Option<&std::path::Path>,
    tls: Option<voicebot_sim::TlsOptions>,
) -> Result<(), Failure> {
    let scenario = match scenario {
        Some(path) => {
            voicebot_sim::Scenario::from_file(path).map_err(|err| Failure::Usage(err.to_string()))?
        }
        None => voicebot_sim::Scenario::default(),
    };
    runtime()?.block_on(async {
        let sim = voicebot_sim::Sim::start_with(addr, scenario, tls).await.map_err(|err| match err {
            voicebot_sim::Error::Bind { .. } => Failure::Usage(format!(
                "{err}; choose a free port (`--port 0` lets the system pick one) and an address of this machine"
            )),
            voicebot_sim::Error::EspeakUnavailable { .. }
            | voicebot_sim::Error::Tls { .. }
            | voicebot_sim::Error::WriteCaFile { .. } => Failure::Usage(err.to_string()),
            other => Failure::Runtime(anyhow::Error::new(other)),
        })?;
        let scheme = if sim.is_tls() { "https" } else { "http" };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {scheme}://{}", sim.addr());
        let _ = writeln!(out, "OPENAI_BASE_URL={}", sim.openai_base_url());
        let _ = writeln!(out, "GEMINI_BASE_URL={}", sim.gemini_base_url());
        if let Some(ca_file) = sim.ca_file() {
            let _ = writeln!(out, "CA_FILE={}", ca_file.display());
        }
        let _ = out.flush();
        drop(out);
        let stopped = tokio::signal::ctrl_c().await;
        sim.shutdown().await;
        stopped.map_err(|err| Failure::Runtime(anyhow::Error::new(err).context("cannot wait for Ctrl-C")))
    })
}

/// The async runtime every command that talks to the network runs on.
fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| Failure::Runtime(anyhow::Error::new(err).context("cannot start the async runtime")))
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
