//! The command line: subcommands and flags of the `voicebot` binary (design.md §5).

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Realtime voice-to-voice assistants, with a built-in simulator of the providers.
#[derive(Debug, Parser)]
#[command(name = "voicebot", version, about, long_about = None)]
pub(crate) struct Cli {
    /// Configuration file (TOML). Default: `voicebot.toml` in the working directory, when present.
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the handoff assistant against the in-process simulator: WAV in, WAV out, no keys needed.
    Demo {
        /// Serve the simulator over TLS (`https://`, `wss://`) and trust only the CA it generates.
        #[arg(long)]
        tls: bool,
    },
    /// Run an assistant against real providers (or any compatible endpoint).
    Run(RunArgs),
    /// Run the provider simulator as a standalone server.
    Sim {
        /// Port to bind; 0 picks a free one. The bound address is printed first.
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Address to bind. The default keeps the simulator on this machine; `0.0.0.0` serves every interface.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
        bind: IpAddr,
        /// Scenario file (JSON, see fixtures/sim/); the built-in default scenario otherwise.
        #[arg(long, value_name = "PATH")]
        scenario: Option<PathBuf>,
        /// Serve `https://` and `wss://` with a certificate generated at start; the CA to trust is written to a
        /// file printed as `CA_FILE=...`.
        #[arg(long)]
        tls: bool,
        /// Where to write the CA certificate (PEM) with `--tls` [default: a temporary file, removed at exit].
        #[arg(long, value_name = "PATH", requires = "tls")]
        ca_file: Option<PathBuf>,
        /// A name (DNS name or IP address) the certificate is issued for, with `--tls`; repeat for more
        /// [default: localhost, 127.0.0.1 and ::1].
        #[arg(long = "tls-name", value_name = "NAME", requires = "tls")]
        tls_names: Vec<String>,
    },
    /// Audio devices (needs the `device` feature).
    Devices {
        /// What to do with devices.
        #[command(subcommand)]
        command: DevicesCommand,
    },
    /// Configuration.
    Config {
        /// What to do with the configuration.
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

/// Flags of `voicebot run`.
#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    /// Which assistant to run [default: handoff, or `pipeline` in the configuration].
    #[arg(long, value_enum)]
    pub(crate) pipeline: Option<Pipeline>,
    /// Provider of the main (handoff) or only (direct) realtime session.
    #[arg(long, value_enum)]
    pub(crate) main_provider: Option<Provider>,
    /// Provider of the reader session (handoff only).
    #[arg(long, value_enum)]
    pub(crate) reader_provider: Option<Provider>,
    /// Use this WAV file as the microphone, streamed in real time, then silence.
    #[arg(long, value_name = "PATH")]
    pub(crate) input_wav: Option<PathBuf>,
    /// Write what the speaker would play to this WAV file.
    #[arg(long, value_name = "PATH")]
    pub(crate) output_wav: Option<PathBuf>,
    /// Exit 0 after this many completed assistant turns.
    #[arg(long, value_name = "N")]
    pub(crate) max_turns: Option<u32>,
    /// Write a JSON-lines journal of the session to this file.
    #[arg(long, value_name = "PATH")]
    pub(crate) events: Option<PathBuf>,
}

impl RunArgs {
    /// The configuration keys these flags set, for the command-line layer of the configuration.
    pub(crate) fn overrides(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(pipeline) = self.pipeline {
            out.push(("pipeline", pipeline.key().to_owned()));
        }
        if let Some(provider) = self.main_provider {
            out.push(("main_provider", provider.key().to_owned()));
        }
        if let Some(provider) = self.reader_provider {
            out.push(("reader_provider", provider.key().to_owned()));
        }
        out
    }
}

/// The two assistants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Pipeline {
    /// Gemini Live main session, Responses API brain, reader session.
    Handoff,
    /// One OpenAI Realtime session with barge-in, tools and summarization.
    Direct,
}

impl Pipeline {
    /// The value of the `pipeline` configuration key.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Pipeline::Handoff => "handoff",
            Pipeline::Direct => "direct",
        }
    }
}

/// Realtime providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Provider {
    /// OpenAI Realtime (GA protocol).
    Openai,
    /// Gemini Live.
    Gemini,
}

impl Provider {
    /// The value of the `main_provider` / `reader_provider` configuration keys.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Provider::Openai => "openai",
            Provider::Gemini => "gemini",
        }
    }
}

/// `voicebot devices ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum DevicesCommand {
    /// List input and output devices with their rates and channel counts.
    List,
}

/// `voicebot config ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Print the effective configuration, secrets redacted, with where each value came from.
    Show,
}
