//! The soak: a long conversation with the direct assistant, compressed in time, with faults at intervals.
//!
//! A fake user speaks a request as soon as the assistant has finished its answer, so a conversation of two hours
//! (counted as the audio both sides spoke) runs in a few minutes: the simulator sends its speech at once
//! (`pace` 0) and the speaker plays as fast as audio arrives. The simulator runs as its own process
//! (`voicebot sim`, faults injected with `POST /sim/faults`), so the memory measured is the assistant's alone. Every 40 turns the session meets a fault (a 1011 close,
//! a TCP drop, `session_expired`), so reconnects and re-seeding are soaked too.
//!
//! Checked: resident memory stays within 10 % of its post-warm-up level, the conversation held in memory stays
//! bounded by summarization, the tasks alive after the run are back to the baseline, every fault is recovered,
//! and the journal's dropped entries are reported. `VOICEBOT_SOAK_MINUTES` sets the conversation length (default
//! 10 minutes, the short CI version; `just soak` runs 120).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a failing test panics")]
#![allow(clippy::print_stdout, reason = "the soak prints its figures")]

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use voicebot_core::assemble;
use voicebot_core::audio::{
    AudioFrame, AudioSink as _, AudioSource, BoxFuture, ClockConfig, MicConfig, NullSink, Pacing,
    SourceStats, SpeakerConfig,
};
use voicebot_core::config::{Config, ConfigSources};
use voicebot_core::journal::{Entry, Journal, Stamped};
use voicebot_sim::{Api, AudioConfig, Fault, OpenAiScript, Scenario, TokensPerTurn, Voice};

/// A fault every this many turns.
const FAULT_EVERY: u32 = 40;
/// Memory samples are taken every this many turns.
const SAMPLE_EVERY: u32 = 10;
/// Turns before memory is expected to be flat: the simulator, in this process, caches the speech of 64 texts and
/// every unscripted reply is a new text.
const WARM_UP_TURNS: u32 = 80;
/// A user who hears no answer for this long asks again (a turn lost to a fault).
const REPEAT_AFTER: Duration = Duration::from_secs(5);

/// A user who speaks one request (0.7 s of voice, 0.9 s of silence) each time they are told to.
#[derive(Debug)]
struct FakeUser {
    config: MicConfig,
    turns: mpsc::Receiver<()>,
    pending: VecDeque<AudioFrame>,
    sequence: u64,
    stats: SourceStats,
}

impl FakeUser {
    fn utterance(&mut self) {
        let per_frame = (self.config.rate_hz as usize * self.config.chunk.as_millis() as usize) / 1000;
        let frames = |ms: usize| ms / self.config.chunk.as_millis() as usize;
        let voice = frames(700);
        for index in 0..voice + frames(900) {
            let samples: Vec<i16> = if index < voice {
                (0..per_frame)
                    .map(|n| {
                        let t = (index * per_frame + n) as f64 / f64::from(self.config.rate_hz);
                        (3_000.0 * (2.0 * std::f64::consts::PI * 300.0 * t).sin()) as i16
                    })
                    .collect()
            } else {
                vec![0; per_frame]
            };
            let timestamp = self.config.chunk * u32::try_from(self.sequence).unwrap();
            self.pending.push_back(AudioFrame {
                samples,
                rate_hz: self.config.rate_hz,
                timestamp,
                sequence: self.sequence,
            });
            self.sequence += 1;
        }
    }
}

impl AudioSource for FakeUser {
    fn next_frame(&mut self) -> BoxFuture<'_, Option<AudioFrame>> {
        Box::pin(async move {
            if self.pending.is_empty() {
                self.turns.recv().await?;
                self.utterance();
            }
            self.stats.frames += 1;
            self.pending.pop_front()
        })
    }

    fn config(&self) -> MicConfig {
        self.config
    }

    fn stats(&self) -> SourceStats {
        self.stats
    }
}

/// `voicebot sim` as a child process, killed when dropped.
struct SimProcess {
    _child: tokio::process::Child,
    openai_base_url: String,
    faults_url: String,
}

impl SimProcess {
    async fn start(scenario: &std::path::Path) -> SimProcess {
        use tokio::io::AsyncBufReadExt as _;
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_voicebot"))
            .args(["sim", "--port", "0", "--scenario"])
            .arg(scenario)
            .env_remove("RUST_LOG")
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut address, mut openai) = (None, None);
        while address.is_none() || openai.is_none() {
            let line = lines.next_line().await.unwrap().expect("voicebot sim printed its address");
            if let Some(rest) = line.strip_prefix("listening on ") {
                address = Some(rest.trim().to_owned());
            } else if let Some(rest) = line.strip_prefix("OPENAI_BASE_URL=") {
                openai = Some(rest.trim().to_owned());
            }
        }
        SimProcess {
            _child: child,
            openai_base_url: openai.unwrap(),
            faults_url: format!("{}/sim/faults", address.unwrap()),
        }
    }
}

/// Resident memory of this process, in KiB.
fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current().metrics().num_alive_tasks()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_conversation_with_faults_keeps_memory_tasks_and_turns_bounded() {
    let minutes: u64 = std::env::var("VOICEBOT_SOAK_MINUTES").ok().and_then(|m| m.parse().ok()).unwrap_or(10);
    let target = Duration::from_secs(minutes * 60);
    let scenario = Scenario {
        name: "soak".into(),
        audio: AudioConfig { pace: 0.0, voice: Voice::Synthetic, ..AudioConfig::default() },
        openai: OpenAiScript {
            turns: Vec::new(),
            tokens_per_turn: TokensPerTurn { input: 150, output: 40 },
            response_latency_ms: 0,
        },
        // The simulator's own record is bounded too: it runs in this process and counts in its memory.
        max_frames: 2_000,
        ..Scenario::default()
    };
    let dir = std::env::temp_dir().join(format!("voicebot-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scenario_path = dir.join("soak.json");
    std::fs::write(&scenario_path, serde_json::to_string(&scenario).unwrap()).unwrap();
    let sim = SimProcess::start(&scenario_path).await;
    let environment = vec![
        ("OPENAI_BASE_URL".to_owned(), sim.openai_base_url.clone()),
        ("OPENAI_API_KEY".to_owned(), "sk-soak".to_owned()),
        ("GEMINI_API_KEY".to_owned(), "gm-soak".to_owned()),
        ("WORKSPACE_ROOT".to_owned(), dir.display().to_string()),
        ("SUMMARY_TRIGGER_TOKENS".to_owned(), "3000".to_owned()),
        ("KEEP_LAST_TURNS".to_owned(), "4".to_owned()),
        ("RECONNECT_MAX_DELAY_MS".to_owned(), "500".to_owned()),
    ];
    let overrides = vec![("pipeline", "direct".to_owned()), ("main_provider", "openai".to_owned())];
    let sources = ConfigSources { file: None, dotenv: None, environment, overrides };
    let config: Config = Config::load(&sources).unwrap().config;

    let baseline_tasks = alive_tasks();
    let (live_tx, mut live) = mpsc::channel::<Stamped>(1024);
    let journal = Journal::live(live_tx);
    let pipeline = assemble::direct(&config, journal.clone(), None).unwrap();
    let (turns_tx, turns) = mpsc::channel(4);
    let mut user = FakeUser {
        config: assemble::mic_config(&config),
        turns,
        pending: VecDeque::new(),
        sequence: 0,
        stats: SourceStats::default(),
    };
    let speaker =
        NullSink::start(&SpeakerConfig::new(24_000), ClockConfig::new(24_000).with_pacing(Pacing::Fast))
            .unwrap();
    let cancel = CancellationToken::new();
    let spoken_ms = Arc::new(AtomicU64::new(0));
    let playback = speaker.speaker().clone();

    // The conductor: the user speaks when the assistant has answered, faults come every FAULT_EVERY turns,
    // memory is sampled, and the run stops when the conversation has lasted `target`.
    let conductor = {
        let (cancel, spoken_ms) = (cancel.clone(), Arc::clone(&spoken_ms));
        let faults_url = sim.faults_url.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let mut turns = 0_u32;
            let mut faults = 0_u32;
            let mut samples: Vec<(u32, u64)> = Vec::new();
            let mut counts = std::collections::BTreeMap::<String, u64>::new();
            let mut repeats = 0_u32;
            turns_tx.send(()).await.unwrap();
            loop {
                let stamped = match tokio::time::timeout(REPEAT_AFTER, live.recv()).await {
                    Ok(Some(stamped)) => stamped,
                    Ok(None) => break,
                    Err(_) => {
                        // No answer came: the request was lost to a fault. The user asks again.
                        repeats += 1;
                        let _ = turns_tx.try_send(());
                        continue;
                    }
                };
                if std::env::var_os("VOICEBOT_SOAK_TRACE").is_some() {
                    println!("{:9.1} ms {}", stamped.t_ms, stamped.entry.summary());
                }
                let kind = serde_json::to_value(&stamped.entry).unwrap()["kind"].as_str().unwrap().to_owned();
                *counts.entry(kind).or_default() += 1;
                // The user's request: 0.7 s of voice; the answer: the synthetic voice speaks ~70 ms a character.
                if let Entry::Said { text, .. } = &stamped.entry {
                    turns += 1;
                    spoken_ms.fetch_add(700 + 70 * text.len() as u64, Ordering::Relaxed);
                    if turns.is_multiple_of(SAMPLE_EVERY) {
                        samples.push((turns, resident_kib()));
                    }
                    if turns.is_multiple_of(FAULT_EVERY) {
                        let fault = match faults % 3 {
                            0 => Fault::Close {
                                api: Api::OpenAi,
                                code: 1011,
                                reason: "Internal error encountered.".into(),
                                after_ms: 0,
                            },
                            1 => Fault::TcpDrop { api: Api::OpenAi, mid_response: false },
                            _ => Fault::SessionExpired { after_ms: 0 },
                        };
                        faults += 1;
                        let answer =
                            reqwest::Client::new().post(&faults_url).json(&fault).send().await.unwrap();
                        assert!(answer.status().is_success(), "the simulator refused the fault: {answer:?}");
                    }
                    if Duration::from_millis(spoken_ms.load(Ordering::Relaxed)) >= target
                        || started.elapsed() > Duration::from_secs(60 * 30)
                    {
                        cancel.cancel();
                    } else {
                        // The user speaks once the answer has been heard, not over it.
                        playback.drained().await;
                        let _ = turns_tx.try_send(());
                    }
                }
            }
            (turns, faults, repeats, samples, counts, started.elapsed())
        })
    };
    let outcome = pipeline.run(&mut user, &speaker, cancel.clone()).await;
    let dropped = journal.dropped();
    drop(journal);
    let (turns, faults, repeats, samples, counts, elapsed) = conductor.await.unwrap();
    let outcome = outcome.expect("the conversation ran to its end");
    drop(speaker);
    drop(user);

    // Tasks: back to the baseline once the pipeline has closed everything (closing tasks may take a moment).
    let mut tasks_after = alive_tasks();
    for _ in 0..100 {
        if tasks_after <= baseline_tasks {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        tasks_after = alive_tasks();
    }
    drop(sim);
    let _ = std::fs::remove_dir_all(&dir);

    let spoken = Duration::from_millis(spoken_ms.load(Ordering::Relaxed));
    let after_warm_up: Vec<u64> =
        samples.iter().filter(|(turn, _)| *turn > WARM_UP_TURNS).map(|(_, kib)| *kib).collect();
    let (low, high) =
        (after_warm_up.iter().copied().min().unwrap_or(0), after_warm_up.iter().copied().max().unwrap_or(0));
    let count = |kind: &str| counts.get(kind).copied().unwrap_or(0);
    println!(
        "soak: {:.1} min of conversation in {:.1} s: {turns} turns, {faults} faults, {} reconnects, {} summaries, {repeats} requests repeated",
        spoken.as_secs_f64() / 60.0,
        elapsed.as_secs_f64(),
        count("reconnected"),
        count("summarized"),
    );
    println!(
        "soak: resident memory after warm-up {low} to {high} KiB ({:+.1} %), samples every {SAMPLE_EVERY} turns: {:?}",
        (high as f64 / low.max(1) as f64 - 1.0) * 100.0,
        samples.iter().map(|(_, kib)| kib).collect::<Vec<_>>()
    );
    println!(
        "soak: turns kept at the end {}, tasks alive {baseline_tasks} before and {tasks_after} after, journal entries dropped {dropped}",
        outcome.kept_turns
    );

    assert!(spoken >= target, "the conversation lasted {spoken:?} of {target:?}");
    assert!(after_warm_up.len() >= 5, "too few memory samples after warm-up: {samples:?}");
    assert!(high as f64 <= low as f64 * 1.10, "resident memory grew from {low} to {high} KiB: {samples:?}");
    assert!(count("summarized") > 0, "summarization never ran");
    // A fresh session after a fault reports usage from zero, so its token trigger fires late; the policy's turn
    // trigger (40 turns, plus the turns spoken while a summary is being written) is what bounds the conversation.
    let policy = voicebot_core::state::SummaryPolicy::default();
    let bound = policy.trigger_turns.unwrap_or(40) + policy.min_turns_between;
    assert!(outcome.kept_turns <= bound, "{} turns held, more than {bound}", outcome.kept_turns);
    assert!(
        count("reconnected") >= u64::from(faults),
        "{} reconnects for {faults} faults",
        count("reconnected")
    );
    assert!(tasks_after <= baseline_tasks, "{tasks_after} tasks alive, {baseline_tasks} before");
}
