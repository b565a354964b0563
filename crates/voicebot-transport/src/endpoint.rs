//! Where the providers live: base URLs as the official SDKs take them, and the URLs derived from them.
//!
//! `OPENAI_BASE_URL` is `http(s)://host[:port]/v1`; the realtime URL is the same with a `ws(s)` scheme plus
//! `/realtime?model=...`, the Responses URL is `.../responses`. `GEMINI_BASE_URL` is `http(s)://host[:port]`;
//! the live URL is `ws(s)://host[:port]/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent`.
//! The same binary therefore talks to the real services, to `voicebot sim`, or to any compatible gateway.

use reqwest::Url;

use crate::error::{Error, Result};

/// The default OpenAI base URL.
pub const OPENAI_DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// The default Gemini base URL.
pub const GEMINI_DEFAULT_BASE_URL: &str = "https://generativelanguage.googleapis.com";
/// The path of the Gemini Live endpoint (API-key flavour, v1beta).
pub const GEMINI_LIVE_PATH: &str =
    "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent";

/// A validated OpenAI base URL (`http(s)://host[:port]/v1`, or any path prefix a gateway uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAiEndpoint {
    base: Url,
}

impl OpenAiEndpoint {
    /// Parses `OPENAI_BASE_URL`. A trailing slash is ignored.
    ///
    /// # Errors
    /// [`Error::BadUrl`] when the text is not an absolute `http`, `https`, `ws` or `wss` URL with a host.
    pub fn parse(base_url: &str) -> Result<Self> {
        Ok(OpenAiEndpoint { base: parse_base("OPENAI_BASE_URL", base_url, "https://api.openai.com/v1")? })
    }

    /// The Realtime WebSocket URL for `model`: `ws(s)://host[:port]/v1/realtime?model=...`.
    pub fn realtime_url(&self, model: &str) -> Url {
        let mut url = with_ws_scheme(&self.base);
        push_path(&mut url, "realtime");
        url.query_pairs_mut().append_pair("model", model);
        url
    }

    /// The Responses API URL: `http(s)://host[:port]/v1/responses`.
    pub fn responses_url(&self) -> Url {
        let mut url = with_http_scheme(&self.base);
        push_path(&mut url, "responses");
        url
    }
}

impl Default for OpenAiEndpoint {
    fn default() -> Self {
        OpenAiEndpoint { base: default_url(OPENAI_DEFAULT_BASE_URL) }
    }
}

/// A validated Gemini base URL (`http(s)://host[:port]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeminiEndpoint {
    base: Url,
}

impl GeminiEndpoint {
    /// Parses `GEMINI_BASE_URL`. A path, if any, is kept as a prefix (for gateways mounted under one).
    ///
    /// # Errors
    /// [`Error::BadUrl`] when the text is not an absolute `http`, `https`, `ws` or `wss` URL with a host.
    pub fn parse(base_url: &str) -> Result<Self> {
        Ok(GeminiEndpoint {
            base: parse_base("GEMINI_BASE_URL", base_url, "https://generativelanguage.googleapis.com")?,
        })
    }

    /// The Live WebSocket URL: `ws(s)://host[:port]/ws/google.ai...BidiGenerateContent`.
    pub fn live_url(&self) -> Url {
        let mut url = with_ws_scheme(&self.base);
        push_path(&mut url, GEMINI_LIVE_PATH.trim_start_matches('/'));
        url
    }
}

impl Default for GeminiEndpoint {
    fn default() -> Self {
        GeminiEndpoint { base: default_url(GEMINI_DEFAULT_BASE_URL) }
    }
}

#[allow(clippy::expect_used, reason = "the defaults are constant, valid URLs; a unit test parses both")]
fn default_url(text: &str) -> Url {
    Url::parse(text).expect("default base URLs are valid")
}

fn parse_base(variable: &'static str, text: &str, example: &'static str) -> Result<Url> {
    let bad = |why: &str| Error::BadUrl { variable, url: text.to_owned(), why: why.to_owned(), example };
    let url = Url::parse(text.trim()).map_err(|err| bad(&err.to_string()))?;
    match url.scheme() {
        "http" | "https" | "ws" | "wss" => {}
        other => return Err(bad(&format!("scheme `{other}` is not http(s)"))),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a base URL takes no query or fragment"));
    }
    Ok(url)
}

fn with_ws_scheme(base: &Url) -> Url {
    let scheme = match base.scheme() {
        "https" | "wss" => "wss",
        _ => "ws",
    };
    with_scheme(base, scheme)
}

fn with_http_scheme(base: &Url) -> Url {
    let scheme = match base.scheme() {
        "https" | "wss" => "https",
        _ => "http",
    };
    with_scheme(base, scheme)
}

fn with_scheme(base: &Url, scheme: &str) -> Url {
    // `Url::set_scheme` refuses some special-to-special changes; rebuilding from text always works for these four.
    let rest = &base.as_str()[base.scheme().len()..];
    Url::parse(&format!("{scheme}{rest}")).unwrap_or_else(|_| base.clone())
}

fn push_path(url: &mut Url, tail: &str) {
    let path = format!("{}/{}", url.path().trim_end_matches('/'), tail);
    url.set_path(&path);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_urls_follow_the_sdk_convention() {
        let endpoint = OpenAiEndpoint::parse("http://127.0.0.1:8080/v1/").unwrap();
        assert_eq!(
            endpoint.realtime_url("gpt-realtime").as_str(),
            "ws://127.0.0.1:8080/v1/realtime?model=gpt-realtime"
        );
        assert_eq!(endpoint.responses_url().as_str(), "http://127.0.0.1:8080/v1/responses");
        let default = OpenAiEndpoint::default();
        assert_eq!(default.realtime_url("m").as_str(), "wss://api.openai.com/v1/realtime?model=m");
        assert_eq!(default.responses_url().as_str(), "https://api.openai.com/v1/responses");
    }

    #[test]
    fn gemini_urls_follow_the_sdk_convention() {
        let endpoint = GeminiEndpoint::parse("http://localhost:9000").unwrap();
        assert_eq!(
            endpoint.live_url().as_str(),
            "ws://localhost:9000/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
        );
        assert!(
            GeminiEndpoint::default()
                .live_url()
                .as_str()
                .starts_with("wss://generativelanguage.googleapis.com/ws/")
        );
    }

    #[test]
    fn bad_base_urls_say_what_is_wrong_and_how_to_fix_it() {
        for bad in ["", "api.openai.com/v1", "ftp://host/v1", "http://", "http://h/v1?x=1"] {
            let err = OpenAiEndpoint::parse(bad).unwrap_err().to_string();
            assert!(err.contains("OPENAI_BASE_URL"), "{err}");
            assert!(err.contains("https://api.openai.com/v1"), "{err}");
        }
    }
}
