//! TLS: `https://` and `wss://` with the generated CA trusted, the CA file, the handshake records, and the two
//! certificates a client must refuse.

use std::sync::Arc;

use anyhow::Result;
use serde_json::json;
use tokio::time::timeout;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_tungstenite::Connector;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use voicebot_sim::{Api, Scenario, Sim, SimHandle, TlsOptions};

use crate::support::*;

async fn tls_sim(options: TlsOptions) -> SimHandle {
    timeout(T, Sim::start_tls(Scenario::default(), options)).await.expect("start in time").expect("start")
}

/// A reqwest client that trusts the simulator's CA (and nothing else).
fn https_client(sim: &SimHandle) -> Result<reqwest::Client> {
    let ca = reqwest::Certificate::from_pem(sim.ca_pem().unwrap_or_default().as_bytes())?;
    Ok(reqwest::Client::builder().tls_certs_only([ca]).build()?)
}

/// A rustls configuration that trusts the simulator's CA.
fn rustls_trusting(sim: &SimHandle) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(sim.ca_pem().unwrap_or_default().as_bytes()) {
        roots.add(certificate.unwrap()).unwrap();
    }
    Arc::new(ClientConfig::builder().with_root_certificates(roots).with_no_client_auth())
}

#[tokio::test]
async fn https_and_wss_work_with_the_written_ca_and_every_handshake_is_recorded() -> Result<()> {
    let sim = tls_sim(TlsOptions::new()).await;
    let port = sim.addr().port();
    assert!(sim.is_tls());
    assert_eq!(sim.openai_base_url(), format!("https://127.0.0.1:{port}/v1"));
    assert_eq!(sim.gemini_base_url(), format!("https://127.0.0.1:{port}"));
    assert_eq!(sim.websocket_base_url(), format!("wss://127.0.0.1:{port}"));
    let ca_file = sim.ca_file().unwrap().to_owned();
    assert_eq!(std::fs::read_to_string(&ca_file)?, sim.ca_pem().unwrap());

    let body = json!({"model": "gpt-5-mini", "input": "Why is the sky blue?"});
    let url = format!("{}/responses", sim.openai_base_url());
    let reply = timeout(T, https_client(&sim)?.post(url).bearer_auth("sk-test").json(&body).send()).await??;
    assert_eq!(reply.status(), 200);

    let url = format!("{}/v1/realtime?model=gpt-realtime-2.1", sim.websocket_base_url());
    let mut request = url.into_client_request()?;
    request.headers_mut().insert("authorization", HeaderValue::from_static("Bearer sk-test"));
    let connector = Connector::Rustls(rustls_trusting(&sim));
    let connecting = tokio_tungstenite::connect_async_tls_with_config(request, None, true, Some(connector));
    let (mut client, _) = timeout(T, connecting).await??;
    let first = until(&mut client, |_| true).await?;
    assert_eq!(kind(&first[0]), "session.created");

    let handshakes = sim.wait_tls_handshakes(2, T).await?;
    assert!(handshakes.iter().all(|handshake| handshake.error.is_none()), "{handshakes:?}");
    let apis: Vec<Api> = sim.connections().iter().map(|conn| conn.api).collect();
    assert_eq!(apis, [Api::Responses, Api::OpenAi]);
    drop(client);
    sim.shutdown().await;
    drop(sim);
    assert!(!ca_file.exists(), "the temporary CA file goes with the simulator");
    Ok(())
}

#[tokio::test]
async fn a_certificate_from_an_unpublished_ca_or_for_another_host_is_refused_by_a_trusting_client()
-> Result<()> {
    for options in [TlsOptions::new().signed_by_unpublished_ca(), TlsOptions::for_names(["wrong.example"])] {
        let sim = tls_sim(options.clone()).await;
        let url = format!("{}/responses", sim.openai_base_url());
        let sent = timeout(T, https_client(&sim)?.post(url).bearer_auth("sk-test").body("{}").send()).await?;
        assert!(sent.is_err(), "{options:?}: {sent:?}");
        let handshakes = sim.wait_tls_handshakes(1, T).await?;
        assert!(
            handshakes[0].error.as_deref().is_some_and(|error| error.contains("alert")),
            "{handshakes:?}"
        );
        assert!(sim.connections().is_empty(), "no request got through");
        sim.shutdown().await;
    }
    Ok(())
}

#[tokio::test]
async fn the_ca_file_goes_where_asked_and_stays() -> Result<()> {
    let dir = std::env::temp_dir().join(format!("voicebot-sim-ca-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("given-ca.pem");
    let given = tls_sim(TlsOptions::new().with_ca_file(&path)).await;
    assert_eq!(given.ca_file(), Some(path.as_path()));
    given.shutdown().await;
    drop(given);
    assert!(path.exists(), "a file the caller named is the caller's");
    std::fs::remove_dir_all(&dir)?;

    let plain = sim().await;
    assert!(!plain.is_tls() && plain.ca_file().is_none() && plain.ca_pem().is_none());
    assert!(plain.openai_base_url().starts_with("http://127.0.0.1:"));
    plain.shutdown().await;
    Ok(())
}
