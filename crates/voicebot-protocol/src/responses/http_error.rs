//! The JSON body of an HTTP error (4xx, 5xx): `{"error":{"message","type","param","code"}}`.

use serde::{Deserialize, Serialize};

use super::support::string_or_number;

/// The body of an HTTP error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ApiError,
}

/// An API error. Log it with the `x-request-id` response header.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ApiError {
    /// What went wrong, for humans.
    pub message: String,
    /// `invalid_request_error`, `tokens`, `requests`, `insufficient_quota`, `server_error`, ...
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The request parameter involved, e.g. `temperature`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// `invalid_api_key`, `rate_limit_exceeded`, `insufficient_quota`, `unsupported_parameter`, ... (a numeric code
    /// from a gateway is read as its decimal text).
    #[serde(default, deserialize_with = "string_or_number", skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl ApiError {
    /// Whether this is an exhausted quota or billing limit: HTTP 429 like a rate limit, but retrying won't help.
    pub fn is_insufficient_quota(&self) -> bool {
        self.code.as_deref() == Some("insufficient_quota")
            || self.kind.as_deref() == Some("insufficient_quota")
    }

    /// Whether the model rejected a parameter it does not support (`temperature` and `top_p` on many reasoning
    /// models); `param` names it. Resend without it.
    pub fn is_unsupported_parameter(&self) -> bool {
        matches!(self.code.as_deref(), Some("unsupported_parameter" | "unsupported_value"))
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_and_numeric_codes_are_accepted() {
        let body: ErrorBody = serde_json::from_str(
            r#"{"error":{"message":"Too many requests","type":null,"param":null,"code":429}}"#,
        )
        .unwrap();
        assert_eq!(body.error.code.as_deref(), Some("429"));
        assert_eq!(body.error.to_string(), "429: Too many requests");
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"error":{"message":"Too many requests","code":"429"}}"#
        );
    }

    #[test]
    fn quota_and_unsupported_parameter_errors_are_classified() {
        let quota = ApiError { code: Some("insufficient_quota".into()), ..Default::default() };
        assert!(quota.is_insufficient_quota());
        let temperature = ApiError {
            code: Some("unsupported_parameter".into()),
            param: Some("temperature".into()),
            ..Default::default()
        };
        assert!(temperature.is_unsupported_parameter() && !temperature.is_insufficient_quota());
    }
}
