//! The three clients over TLS against `voicebot_sim` serving `wss://` and `https://`: a session or an answer with
//! the simulator's CA trusted, and `Error::Certificate` after exactly one handshake for an untrusted certificate
//! (no CA given, or a server certificate signed by a CA that was never published) and for a certificate issued
//! for another host.

use std::future::Future;
use std::time::Duration;

use voicebot_sim::{Api, AudioConfig, OpenAiScript, OpenAiTurn, Scenario, Sim, SimHandle, TlsOptions, Voice};
use voicebot_transport::{
    ApiKey, Error, GeminiEndpoint, GeminiLive, OpenAiEndpoint, OpenAiRealtime, RealtimeEvent,
    RealtimeTransport, ResponsesClient, RetryPolicy, SessionConfig, TextModel, TextRequest, Trust,
    TurnStatus,
};

/// A key only these tests use, so finding it in an error is a leak.
const KEY: &str = "sk-sim-tls-5e1f0a";
/// The longest any step waits.
const LIMIT: Duration = Duration::from_secs(15);
/// Input rate of OpenAI Realtime.
const OPENAI_RATE: usize = 24_000;
/// How a refused certificate from an unknown authority ends, after `the TLS certificate of HOST is not trusted: `.
const UNKNOWN_ISSUER: &str = "it is signed by a certificate authority this client does not trust; if this server \
                              uses a private CA, set CA_FILE=/path/ca.pem";

async fn within<F: Future>(what: &str, future: F) -> F::Output {
    crate::support::within(LIMIT, what, future).await
}

async fn start(options: TlsOptions) -> SimHandle {
    // One spoken OpenAI turn without a tool call, in the synthetic voice (quick and the same everywhere).
    let turn = OpenAiTurn { transcript: "Hello there.".into(), function_call: None, reply: "Hi.".into() };
    let scenario = Scenario {
        audio: AudioConfig { voice: Voice::Synthetic, ..AudioConfig::default() },
        openai: OpenAiScript { turns: vec![turn], ..OpenAiScript::default() },
        ..Scenario::default()
    };
    within("the simulator to start", Sim::start_tls(scenario, options)).await.unwrap()
}

/// Mozilla's roots and the simulator's CA.
fn trusting(sim: &SimHandle) -> Trust {
    Trust::new().with_ca_file(sim.ca_file().unwrap(), "CA_FILE").unwrap()
}

/// Retries allowed, and quick: a certificate error must still end the first attempt.
fn retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_retries(5)
        .with_delays(Duration::from_millis(5), Duration::from_millis(20))
}

fn openai(sim: &SimHandle, trust: Trust) -> OpenAiRealtime {
    let endpoint = OpenAiEndpoint::parse(&sim.openai_base_url()).unwrap();
    OpenAiRealtime::new(endpoint, ApiKey::new(KEY)).with_retry(retries()).with_trust(trust)
}

fn gemini(sim: &SimHandle, trust: Trust) -> GeminiLive {
    let endpoint = GeminiEndpoint::parse(&sim.gemini_base_url()).unwrap();
    GeminiLive::new(endpoint, ApiKey::new(KEY)).with_retry(retries()).with_trust(trust)
}

fn responses(sim: &SimHandle, trust: &Trust) -> ResponsesClient {
    let endpoint = OpenAiEndpoint::parse(&sim.openai_base_url()).unwrap();
    ResponsesClient::new(&endpoint, ApiKey::new(KEY), "gpt-5-mini")
        .unwrap()
        .with_max_retries(2)
        .with_backoff(Duration::from_millis(5), Duration::from_millis(20))
        .with_trust(trust)
        .unwrap()
}

/// 300 ms of silence, a 600 ms 300 Hz tone at -20 dBFS, 900 ms of silence, at `rate`.
fn utterance(rate: usize) -> Vec<i16> {
    let amplitude = 10f64.powf(-20.0 / 20.0) * f64::from(i16::MAX);
    let tone = (0..rate * 6 / 10)
        .map(|n| (amplitude * (2.0 * std::f64::consts::PI * 300.0 * n as f64 / rate as f64).sin()) as i16);
    let mut samples = vec![0; rate * 3 / 10];
    samples.extend(tone);
    samples.extend(std::iter::repeat_n(0, rate * 9 / 10));
    samples
}

fn audio_samples(events: &[RealtimeEvent]) -> usize {
    events
        .iter()
        .map(|e| if let RealtimeEvent::AudioDelta { samples, .. } = e { samples.len() } else { 0 })
        .sum()
}

/// Every handshake so far succeeded, and there were `n`.
async fn assert_handshakes_ok(sim: &SimHandle, n: usize) {
    let handshakes = within("the handshakes", sim.wait_tls_handshakes(n, LIMIT)).await.unwrap();
    assert_eq!(handshakes.len(), n, "{handshakes:?}");
    assert!(handshakes.iter().all(|handshake| handshake.error.is_none()), "{handshakes:?}");
}

#[tokio::test]
async fn openai_realtime_speaks_a_turn_over_wss_with_the_simulator_ca_trusted() {
    let sim = start(TlsOptions::new()).await;
    let session = within(
        "connect",
        openai(&sim, trusting(&sim)).connect(SessionConfig::new("gpt-realtime", "Be brief.")),
    )
    .await
    .unwrap();
    for frame in utterance(OPENAI_RATE).chunks(OPENAI_RATE / 50) {
        session.send_audio(frame).unwrap();
    }
    let (end, events) = crate::support::until_within(LIMIT, &session, "the spoken turn", |e| {
        matches!(e, RealtimeEvent::TurnComplete { .. })
    })
    .await;
    assert!(matches!(end, RealtimeEvent::TurnComplete { status: TurnStatus::Completed, .. }), "{end:?}");
    assert!(audio_samples(&events) > OPENAI_RATE / 10, "{events:?}");
    let conn = sim.connections().remove(0);
    assert_eq!((conn.api, conn.status), (Api::OpenAi, 101));
    assert_handshakes_ok(&sim, 1).await;
    within("close", session.close()).await.unwrap();
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    sim.shutdown().await;
}

#[tokio::test]
async fn gemini_live_reads_a_text_aloud_over_wss_with_the_simulator_ca_trusted() {
    let sim = start(TlsOptions::new()).await;
    let config = SessionConfig::new("gemini-2.5-flash-native-audio-preview-12-2025", "Read the text aloud.");
    let session = within("connect", gemini(&sim, trusting(&sim)).connect(config)).await.unwrap();
    within("send", session.send_text("The sky is blue.")).await.unwrap();
    let (end, events) = crate::support::until_within(LIMIT, &session, "the read turn", |e| {
        matches!(e, RealtimeEvent::TurnComplete { .. })
    })
    .await;
    assert!(matches!(end, RealtimeEvent::TurnComplete { status: TurnStatus::Completed, .. }), "{end:?}");
    assert!(audio_samples(&events) > 0, "{events:?}");
    let conn = sim.connections().remove(0);
    assert_eq!((conn.api, conn.status), (Api::Gemini, 101));
    assert_handshakes_ok(&sim, 1).await;
    within("close", session.close()).await.unwrap();
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    sim.shutdown().await;
}

#[tokio::test]
async fn responses_answers_over_https_with_the_simulator_ca_trusted() {
    let sim = start(TlsOptions::new()).await;
    let client = responses(&sim, &trusting(&sim));
    let reply =
        within("complete", client.complete(TextRequest::new("Answer briefly.", "Why is the sky blue?")))
            .await
            .unwrap();
    assert!(reply.text.starts_with("Answer to: Why is the sky blue"), "{reply:?}");
    let streamed =
        within("stream", client.with_streaming(true).complete(TextRequest::new("", "Again?"))).await.unwrap();
    assert!(streamed.text.starts_with("Answer to: Again"), "{streamed:?}");
    let statuses: Vec<u16> = sim.connections().iter().map(|conn| conn.status).collect();
    assert_eq!(statuses, [200, 200]);
    // One pooled connection or two: every handshake succeeded.
    let handshakes = sim.tls_handshakes();
    assert!(!handshakes.is_empty() && handshakes.iter().all(|h| h.error.is_none()), "{handshakes:?}");
    sim.shutdown().await;
}

/// Each client, once, against `sim` trusting `trust`: every one fails with `Error::Certificate` whose message is
/// `expected`, after exactly one handshake (no retry), and the key appears nowhere.
async fn refused_by_every_client(sim: &SimHandle, trust: &Trust, expected: &str) {
    let host = format!("127.0.0.1:{}", sim.addr().port());
    let config = SessionConfig::new("gpt-realtime", "Be brief.");
    for (attempts, client) in ["openai", "gemini", "responses"].into_iter().enumerate() {
        let error = match client {
            "openai" => within(client, openai(sim, trust.clone()).connect(config.clone())).await.err(),
            "gemini" => within(client, gemini(sim, trust.clone()).connect(config.clone())).await.err(),
            _ => within(client, responses(sim, trust).complete(TextRequest::new("", "Hi?"))).await.err(),
        };
        let error = error.unwrap_or_else(|| panic!("{client}: connected through a refused certificate"));
        match &error {
            Error::Certificate { host: refused, message } => {
                assert_eq!(refused, &host, "{client}");
                assert_eq!(message, expected, "{client}");
            }
            other => panic!("{client}: expected Error::Certificate, got {other:?}"),
        }
        assert_eq!(error.to_string(), format!("the TLS certificate of {host} is not trusted: {expected}"));
        assert!(!format!("{error} {error:?}").contains(KEY), "{client}: the key leaked");
        let handshakes =
            within("the refused handshake", sim.wait_tls_handshakes(attempts + 1, LIMIT)).await.unwrap();
        assert_eq!(handshakes.len(), attempts + 1, "{client}: retried: {handshakes:?}");
        assert!(handshakes[attempts].error.is_some(), "{client}: {handshakes:?}");
    }
    assert!(sim.connections().is_empty(), "no request got through the handshake: {:?}", sim.connections());
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_certificate_error_at_the_first_attempt() {
    // The simulator's CA is not given: Mozilla's roots do not know it.
    let sim = start(TlsOptions::new()).await;
    refused_by_every_client(&sim, &Trust::new(), UNKNOWN_ISSUER).await;
    sim.shutdown().await;
    // The CA given is the published one, but the server's certificate is signed by another.
    let sim = start(TlsOptions::new().signed_by_unpublished_ca()).await;
    refused_by_every_client(&sim, &trusting(&sim), UNKNOWN_ISSUER).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn a_certificate_for_another_host_is_a_certificate_error_at_the_first_attempt() {
    let sim = start(TlsOptions::for_names(["wrong.example"])).await;
    let expected = "it was issued for wrong.example, not 127.0.0.1; connect by a name it lists, or give the server \
                    a certificate for 127.0.0.1";
    refused_by_every_client(&sim, &trusting(&sim), expected).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn a_host_name_is_sent_as_sni_and_checked_against_the_certificate() {
    let sim = start(TlsOptions::new()).await;
    let port = sim.addr().port();
    // By name, as the real services are reached: the client sends the name (SNI) and checks it.
    let endpoint = GeminiEndpoint::parse(&format!("https://localhost:{port}")).unwrap();
    let transport =
        GeminiLive::new(endpoint, ApiKey::new(KEY)).with_retry(retries()).with_trust(trusting(&sim));
    let config = SessionConfig::new("gemini-2.5-flash-native-audio-preview-12-2025", "Read aloud.");
    let session = within("connect by name", transport.connect(config)).await.unwrap();
    within("ready", async {
        while let Some(event) = session.next_event().await {
            if matches!(event, RealtimeEvent::Ready { .. }) {
                break;
            }
        }
    })
    .await;
    let endpoint = OpenAiEndpoint::parse(&format!("https://localhost:{port}/v1")).unwrap();
    let client = ResponsesClient::new(&endpoint, ApiKey::new(KEY), "gpt-5-mini")
        .unwrap()
        .with_trust(&trusting(&sim))
        .unwrap();
    within("an answer by name", client.complete(TextRequest::new("Answer.", "Hi?"))).await.unwrap();
    let names: Vec<Option<String>> = sim.tls_handshakes().into_iter().map(|h| h.server_name).collect();
    assert_eq!(names, [Some("localhost".to_owned()), Some("localhost".to_owned())], "SNI sent both times");
    session.close().await.unwrap();
    sim.shutdown().await;
}
