//! The binary against a simulator serving TLS whose CA it is not given: the run ends at once with one line that
//! names the certificate problem and `CA_FILE`, and the simulator saw one refused handshake, no request.

use voicebot_sim::{Scenario, Sim, TlsOptions};

use crate::support::{command, fixtures, output, scratch};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_simulator_ends_the_run_with_one_line_naming_the_certificate_and_ca_file() {
    let scenario = Scenario::from_file(fixtures().join("sim/direct.json")).unwrap();
    let sim = Sim::start_tls(scenario, TlsOptions::new()).await.unwrap();
    let dir = scratch("tls-untrusted");
    let mic = fixtures().join("audio/demo-mic.wav");
    let args = ["--pipeline", "direct", "--input-wav", mic.to_str().unwrap(), "--output-wav", "reply.wav"];
    let mut command = command(&sim, &dir, &args, &[]);
    command.env_remove("CA_FILE");
    let output = output(command).await;

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "a setting to fix: {stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|line| line.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "exactly one error line: {stderr}");
    let host = format!("127.0.0.1:{}", sim.addr().port());
    let expected = format!(
        "the TLS certificate of {host} is not trusted: it is signed by a certificate authority this client does \
         not trust; if this server uses a private CA, set CA_FILE=/path/ca.pem"
    );
    assert!(errors[0].ends_with(&expected), "{:?}", errors[0]);
    let everything = format!("{}{stderr}", String::from_utf8_lossy(&output.stdout));
    assert!(!everything.contains("sk-e2e"), "the key leaked: {everything}");

    let handshakes = sim.wait_tls_handshakes(1, std::time::Duration::from_secs(10)).await.unwrap();
    assert_eq!(handshakes.len(), 1, "one attempt, not retried: {handshakes:?}");
    assert!(handshakes[0].error.as_deref().is_some_and(|e| e.contains("UnknownCA")), "{handshakes:?}");
    assert!(sim.connections().is_empty(), "no request got through: {:?}", sim.connections());
    sim.shutdown().await;
}
