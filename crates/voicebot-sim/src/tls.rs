//! TLS for the simulator: a certificate authority and a server certificate generated at start with rcgen, the CA
//! written to a PEM file for clients to trust, and the tokio-rustls acceptor that sits in front of hyper.
//!
//! Nothing is read from disk and nothing outlives the simulator: a CA file in a folder of its own under the
//! system temp dir is removed when the last handle goes. Tests get the two refused set-ups on purpose: a
//! certificate for names the client does not dial ([`TlsOptions::for_names`]) and one signed by a second CA
//! that is never published ([`TlsOptions::signed_by_unpublished_ca`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::error::{Error, Result};

/// The names the server certificate is issued for when none are given: every way to dial loopback.
pub const DEFAULT_TLS_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
/// How long a client may take to finish its TLS handshake.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How the simulator serves TLS: `https://` and `wss://` on its one port instead of `http://` and `ws://`.
///
/// ```no_run
/// # async fn demo() -> voicebot_sim::Result<()> {
/// use voicebot_sim::{Scenario, Sim, TlsOptions};
///
/// let sim = Sim::start_tls(Scenario::default(), TlsOptions::new()).await?;
/// // sim.openai_base_url() is https://127.0.0.1:PORT/v1; trust sim.ca_file() (CA_FILE=...) to connect.
/// # sim.shutdown().await; Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// The names (DNS names or IP addresses) the server certificate is issued for; empty means
    /// [`DEFAULT_TLS_NAMES`].
    pub names: Vec<String>,
    /// Where to write the CA certificate (PEM); `None` writes `ca.pem` in a new folder under the system temp dir,
    /// removed when the simulator's last handle is dropped.
    pub ca_file: Option<PathBuf>,
    /// Signs the server certificate with a second CA that is neither written nor returned, so a client that
    /// trusts the published CA refuses the server as signed by an unknown authority.
    pub unpublished_issuer: bool,
}

impl TlsOptions {
    /// A certificate for `localhost`, `127.0.0.1` and `::1`, signed by the published CA.
    pub fn new() -> Self {
        TlsOptions::default()
    }

    /// A certificate for these names only (a test of a certificate issued for another host, say `wrong.example`).
    #[must_use]
    pub fn for_names<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        TlsOptions { names: names.into_iter().map(Into::into).collect(), ..TlsOptions::default() }
    }

    /// Writes the CA certificate to `path` instead of a temporary file.
    #[must_use]
    pub fn with_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// Signs the server certificate with a CA that is never published (see [`TlsOptions::unpublished_issuer`]).
    #[must_use]
    pub fn signed_by_unpublished_ca(mut self) -> Self {
        self.unpublished_issuer = true;
        self
    }
}

/// One TLS handshake the simulator took part in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsHandshake {
    /// Monotonic time since the simulator started, when the handshake ended.
    pub at: Duration,
    /// Why it failed (the client's alert, say `received fatal alert: UnknownCA`), or `None` when it succeeded.
    pub error: Option<String>,
    /// The name the client sent in its SNI extension (none for an IP address), when the handshake succeeded.
    pub server_name: Option<String>,
}

/// The TLS side of a running simulator.
pub(crate) struct ServerTls {
    pub(crate) acceptor: TlsAcceptor,
    /// The published CA certificate, PEM.
    pub(crate) ca_pem: String,
    /// Where it was written.
    pub(crate) ca_file: PathBuf,
    /// The folder made for it, removed on drop; `None` when the caller chose the path.
    temp_dir: Option<PathBuf>,
}

impl ServerTls {
    /// Generates the certificates, writes the CA file and builds the acceptor.
    ///
    /// # Errors
    /// [`Error::Tls`] when a certificate cannot be made (a name that is neither a DNS name nor an IP address),
    /// [`Error::WriteCaFile`] when the CA file cannot be written.
    pub(crate) fn new(options: &TlsOptions) -> Result<ServerTls> {
        let names: Vec<String> = if options.names.is_empty() {
            DEFAULT_TLS_NAMES.iter().map(|name| (*name).to_owned()).collect()
        } else {
            options.names.clone()
        };
        let (ca_pem, ca_issuer) = certificate_authority("voicebot-sim CA")?;
        let unpublished;
        let issuer = if options.unpublished_issuer {
            unpublished = certificate_authority("voicebot-sim unpublished CA")?.1;
            &unpublished
        } else {
            &ca_issuer
        };
        let (leaf, key) = server_certificate(names, issuer)?;
        let config = ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![leaf], key)
            .map_err(|err| Error::Tls { message: format!("cannot use the generated certificate: {err}") })?;
        let (ca_file, temp_dir) = match &options.ca_file {
            Some(path) => (path.clone(), None),
            None => {
                let dir = fresh_temp_dir();
                std::fs::create_dir_all(&dir)
                    .map_err(|source| Error::WriteCaFile { path: dir.clone(), source })?;
                (dir.join("ca.pem"), Some(dir))
            }
        };
        let server = ServerTls { acceptor: TlsAcceptor::from(Arc::new(config)), ca_pem, ca_file, temp_dir };
        std::fs::write(&server.ca_file, server.ca_pem.as_bytes())
            .map_err(|source| Error::WriteCaFile { path: server.ca_file.clone(), source })?;
        Ok(server)
    }

    /// The CA file.
    pub(crate) fn ca_file(&self) -> &Path {
        &self.ca_file
    }
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls").field("ca_file", &self.ca_file).finish_non_exhaustive()
    }
}

impl Drop for ServerTls {
    fn drop(&mut self) {
        if let Some(dir) = &self.temp_dir {
            // Best effort: a leftover file in the temp dir harms nobody.
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A self-signed certificate authority: its certificate as PEM and the issuer that signs with it.
fn certificate_authority(name: &str) -> Result<(String, Issuer<'static, KeyPair>)> {
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(generation)?;
    params.distinguished_name.push(DnType::CommonName, name);
    params.distinguished_name.push(DnType::OrganizationName, "voicebot");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages =
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let key = KeyPair::generate().map_err(generation)?;
    let certificate = params.self_signed(&key).map_err(generation)?;
    Ok((certificate.pem(), Issuer::new(params, key)))
}

/// The server certificate for `names`, signed by `issuer`, and its private key.
fn server_certificate(
    names: Vec<String>,
    issuer: &Issuer<'static, KeyPair>,
) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>)> {
    let common_name = names.first().cloned().unwrap_or_default();
    let mut params = CertificateParams::new(names).map_err(|err| Error::Tls {
        message: format!("cannot issue the server certificate ({err}); give DNS names or IP addresses"),
    })?;
    params.distinguished_name.push(DnType::CommonName, common_name);
    params.is_ca = IsCa::NoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    // Python 3.13's strict verification wants the authority key identifier.
    params.use_authority_key_identifier_extension = true;
    let key = KeyPair::generate().map_err(generation)?;
    let certificate = params.signed_by(&key, issuer).map_err(generation)?;
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((certificate.der().clone(), private))
}

fn generation(err: rcgen::Error) -> Error {
    Error::Tls { message: format!("cannot generate a certificate: {err}") }
}

/// A folder name under the system temp dir that no other simulator of any process uses.
fn fresh_temp_dir() -> PathBuf {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let count = COUNT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.subsec_nanos());
    std::env::temp_dir().join(format!("voicebot-sim-{}-{count}-{nanos}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_file_is_written_and_a_temporary_one_removed_on_drop() {
        let tls = ServerTls::new(&TlsOptions::new()).unwrap();
        let written = std::fs::read_to_string(tls.ca_file()).unwrap();
        assert_eq!(written, tls.ca_pem);
        assert!(written.starts_with("-----BEGIN CERTIFICATE-----"));
        let dir = tls.temp_dir.clone().unwrap();
        drop(tls);
        assert!(!dir.exists());
    }

    #[test]
    fn a_name_that_is_no_host_name_is_refused_in_one_line() {
        let err = ServerTls::new(&TlsOptions::for_names(["caf\u{e9}.example"])).unwrap_err();
        assert!(err.to_string().starts_with("cannot issue the server certificate"), "{err}");
    }
}
