//! [`Trust`]: which certificate authorities the clients trust, built once into the rustls configuration that both
//! WebSocket clients and the Responses client use; and how a refused server certificate becomes
//! [`Error::Certificate`].
//!
//! Every client starts from Mozilla's root certificates (`webpki-roots`, the same on every machine) and may add
//! certificate authorities from PEM files: a private CA, a corporate proxy's, or the one `voicebot sim --tls`
//! writes. The rustls `ClientConfig` is built when the [`Trust`] is, so connecting never reads a file or parses a
//! certificate again.

use std::error::Error as StdError;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use rustls::{CertificateError, ClientConfig, RootCertStore};

use crate::error::{Error, Result};

/// How a refused certificate signed by an unknown authority says to fix it.
const PRIVATE_CA_HINT: &str = "if this server uses a private CA, set CA_FILE=/path/ca.pem";
/// How deep the cause chain of an error is searched for a rustls error.
const MAX_CAUSES: usize = 16;

/// The certificate authorities a client trusts: Mozilla's roots plus any added from PEM files.
///
/// Cheap to clone (the rustls configuration inside is shared). Give one to every client with
/// [`OpenAiRealtime::with_trust`](crate::OpenAiRealtime::with_trust),
/// [`GeminiLive::with_trust`](crate::GeminiLive::with_trust) and
/// [`ResponsesClient::with_trust`](crate::ResponsesClient::with_trust); without one they trust Mozilla's roots
/// only.
///
/// ```no_run
/// use voicebot_transport::{ApiKey, OpenAiEndpoint, OpenAiRealtime, Trust};
/// # fn demo() -> voicebot_transport::Result<()> {
/// let trust = Trust::new().with_ca_file("/tmp/voicebot-sim/ca.pem", "CA_FILE")?;
/// let endpoint = OpenAiEndpoint::parse("https://127.0.0.1:8443/v1")?;
/// let transport = OpenAiRealtime::new(endpoint, ApiKey::new("sk-...")).with_trust(trust);
/// # let _ = transport; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Trust {
    inner: Arc<Inner>,
}

struct Inner {
    roots: RootCertStore,
    files: Vec<PathBuf>,
    /// The configuration both WebSocket clients use (no ALPN: WebSocket runs on HTTP/1.1).
    config: Arc<ClientConfig>,
}

impl Trust {
    /// Mozilla's root certificates, nothing else: what the real services need.
    pub fn new() -> Trust {
        static MOZILLA: OnceLock<Trust> = OnceLock::new();
        MOZILLA
            .get_or_init(|| {
                let roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
                Trust::from_roots(roots, Vec::new())
            })
            .clone()
    }

    /// Also trusts every certificate authority in the PEM file at `path` (one or more `CERTIFICATE` blocks).
    /// `setting` names where the path came from (`CA_FILE`, `SSL_CERT_FILE`) for the error line.
    ///
    /// # Errors
    /// [`Error::CaFile`] naming the file and the setting when the file cannot be read or holds no usable
    /// certificate.
    pub fn with_ca_file(self, path: impl AsRef<Path>, setting: &'static str) -> Result<Trust> {
        let path = path.as_ref();
        let fail = |message: String| Error::CaFile { setting, path: path.to_owned(), message };
        let pem = std::fs::read(path).map_err(|err| fail(io_reason(&err)))?;
        let mut certificates = Vec::new();
        for item in CertificateDer::pem_slice_iter(&pem) {
            let certificate = item.map_err(|err| fail(format!("it is not valid PEM ({err})")))?;
            certificates.push(certificate);
        }
        if certificates.is_empty() {
            return Err(fail("it holds no PEM certificate (no `BEGIN CERTIFICATE` block)".to_owned()));
        }
        let mut roots = self.inner.roots.clone();
        let (added, _ignored) = roots.add_parsable_certificates(certificates);
        if added == 0 {
            return Err(fail("none of its certificates can be used as a certificate authority".to_owned()));
        }
        let mut files = self.inner.files.clone();
        files.push(path.to_owned());
        Ok(Trust::from_roots(roots, files))
    }

    /// The PEM files added to Mozilla's roots, in the order they were added.
    pub fn ca_files(&self) -> &[PathBuf] {
        &self.inner.files
    }

    fn from_roots(roots: RootCertStore, files: Vec<PathBuf>) -> Trust {
        // The process-wide crypto provider: aws-lc-rs, the one rustls is built with in this workspace.
        let config = ClientConfig::builder().with_root_certificates(roots.clone()).with_no_client_auth();
        Trust { inner: Arc::new(Inner { roots, files, config: Arc::new(config) }) }
    }

    /// The connector both WebSocket clients dial with.
    pub(crate) fn websocket(&self) -> tokio_tungstenite::Connector {
        tokio_tungstenite::Connector::Rustls(self.inner.config.clone())
    }

    /// The configuration the Responses client's HTTP client takes: the same roots, offering HTTP/2 and 1.1.
    pub(crate) fn http(&self) -> ClientConfig {
        let mut config = (*self.inner.config).clone();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        config
    }
}

impl Default for Trust {
    fn default() -> Self {
        Trust::new()
    }
}

impl fmt::Debug for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trust")
            .field("roots", &self.inner.roots.len())
            .field("ca_files", &self.inner.files)
            .finish()
    }
}

/// [`Error::Certificate`] when `error` (or one of its causes) is a server certificate that rustls refused.
pub(crate) fn certificate_error(host: &str, error: &(dyn StdError + 'static)) -> Option<Error> {
    let tls = find_rustls_error(error)?;
    let rustls::Error::InvalidCertificate(problem) = tls else { return None };
    Some(Error::Certificate { host: host.to_owned(), message: explain(&problem, host) })
}

/// The rustls error somewhere in `error`'s cause chain. An `io::Error` hides the error it wraps from
/// `source()`, so it is opened with `get_ref`.
fn find_rustls_error(error: &(dyn StdError + 'static)) -> Option<rustls::Error> {
    let mut next = Some(error);
    for _ in 0..MAX_CAUSES {
        let current = next?;
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls.clone());
        }
        if let Some(tokio_tungstenite::tungstenite::error::TlsError::Rustls(tls)) =
            current.downcast_ref::<tokio_tungstenite::tungstenite::error::TlsError>()
        {
            return Some((**tls).clone());
        }
        next = match current.downcast_ref::<std::io::Error>().and_then(std::io::Error::get_ref) {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => current.source(),
        };
    }
    None
}

/// What is wrong with the certificate, and how to fix it.
fn explain(problem: &CertificateError, host: &str) -> String {
    let name = host.rsplit_once(':').map_or(host, |(name, _port)| name);
    match problem {
        CertificateError::UnknownIssuer => {
            format!("it is signed by a certificate authority this client does not trust; {PRIVATE_CA_HINT}")
        }
        CertificateError::NotValidForNameContext { presented, .. } if !presented.is_empty() => {
            let names: Vec<String> = presented.iter().map(|text| plain_name(text)).collect();
            format!(
                "it was issued for {}, not {name}; connect by a name it lists, or give the server a certificate \
                 for {name}",
                names.join(", ")
            )
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => format!(
            "it was not issued for {name}; connect by a name it lists, or give the server a certificate for {name}"
        ),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "it has expired; renew the server's certificate, or check this machine's clock".to_owned()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "it is not valid yet; check this machine's clock, or the server's certificate".to_owned()
        }
        other => format!("{other}; {PRIVATE_CA_HINT}"),
    }
}

/// `DnsName("example.com")` and `IpAddress(10.0.0.1)`, as rustls reports presented names, as plain names.
fn plain_name(text: &str) -> String {
    let inner = text
        .strip_prefix("DnsName(")
        .or_else(|| text.strip_prefix("IpAddress("))
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or(text);
    inner.trim_matches('"').to_owned()
}

/// An I/O error as a reason, without the OS error number.
fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "there is no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "it cannot be read (permission denied)".to_owned(),
        std::io::ErrorKind::IsADirectory => "it is a directory, not a file".to_owned(),
        _ => format!("it cannot be read ({err})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("voicebot-trust-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    #[test]
    fn mozilla_roots_are_the_default_and_shared() {
        let trust = Trust::new();
        assert!(trust.inner.roots.len() > 100, "{trust:?}");
        assert!(trust.ca_files().is_empty());
        assert!(Arc::ptr_eq(&trust.inner, &Trust::default().inner), "built once per process");
        assert_eq!(trust.http().alpn_protocols, vec![b"h2".to_vec(), b"http/1.1".to_vec()]);
    }

    #[test]
    fn a_missing_empty_or_garbled_ca_file_is_one_line_naming_the_file_and_the_setting() {
        let missing = std::env::temp_dir().join("voicebot-no-such-ca.pem");
        let err = Trust::new().with_ca_file(&missing, "CA_FILE").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "cannot use CA_FILE={}: there is no such file; point CA_FILE at a PEM file of the certificate \
                 authority to trust, or unset it",
                missing.display()
            )
        );
        let empty = temp_file("empty.pem", b"no certificates here\n");
        let err = Trust::new().with_ca_file(&empty, "SSL_CERT_FILE").unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("cannot use SSL_CERT_FILE={}: it holds no PEM", empty.display())),
            "{err}"
        );
        let garbled =
            temp_file("garbled.pem", b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
        let err = Trust::new().with_ca_file(&garbled, "CA_FILE").unwrap_err().to_string();
        assert!(err.contains("it is not valid PEM"), "{err}");
        let junk =
            temp_file("junk.pem", b"-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n");
        let err = Trust::new().with_ca_file(&junk, "CA_FILE").unwrap_err().to_string();
        assert!(err.contains("none of its certificates can be used"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn certificate_errors_are_found_behind_io_errors_and_explained() {
        let tls = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
        let ws = tokio_tungstenite::tungstenite::Error::Io(io);
        let err = certificate_error("127.0.0.1:8443", &ws).unwrap();
        assert_eq!(
            err.to_string(),
            "the TLS certificate of 127.0.0.1:8443 is not trusted: it is signed by a certificate authority this \
             client does not trust; if this server uses a private CA, set CA_FILE=/path/ca.pem"
        );
        let wrong = rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
            expected: rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap(),
            presented: vec!["DnsName(\"wrong.example\")".to_owned()],
        });
        let err = certificate_error("127.0.0.1:8443", &wrong).unwrap();
        assert_eq!(
            err.to_string(),
            "the TLS certificate of 127.0.0.1:8443 is not trusted: it was issued for wrong.example, not \
             127.0.0.1; connect by a name it lists, or give the server a certificate for 127.0.0.1"
        );
        let other = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(certificate_error("h:1", &other).is_none());
        let protocol = rustls::Error::General("handshake".to_owned());
        assert!(certificate_error("h:1", &protocol).is_none());
        assert_eq!(plain_name("IpAddress(10.0.0.1)"), "10.0.0.1");
    }
}
