//! Server `usageMetadata`: token counts, overall and per modality.

use serde::{Deserialize, Serialize};

use super::enums::{MediaModality, TrafficType};
use super::serde_util::opt_int;

/// Server `usageMetadata`. Live reports `responseTokenCount` (not `candidatesTokenCount`).
///
/// Counts decode from JSON numbers and from decimal strings (protobuf JSON writes int64 as a string).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageMetadata {
    /// Tokens in the prompt, cached content included.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "prompt_token_count",
        deserialize_with = "opt_int"
    )]
    pub prompt_token_count: Option<u64>,
    /// Tokens served from the cache.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "cached_content_token_count",
        deserialize_with = "opt_int"
    )]
    pub cached_content_token_count: Option<u64>,
    /// Tokens in the response.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "response_token_count",
        deserialize_with = "opt_int"
    )]
    pub response_token_count: Option<u64>,
    /// Tokens of tool-use prompts.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "tool_use_prompt_token_count",
        deserialize_with = "opt_int"
    )]
    pub tool_use_prompt_token_count: Option<u64>,
    /// Thinking tokens.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "thoughts_token_count",
        deserialize_with = "opt_int"
    )]
    pub thoughts_token_count: Option<u64>,
    /// All tokens.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "total_token_count",
        deserialize_with = "opt_int"
    )]
    pub total_token_count: Option<u64>,
    /// Prompt tokens per modality.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "prompt_tokens_details")]
    pub prompt_tokens_details: Option<Vec<ModalityTokenCount>>,
    /// Cached tokens per modality.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "cache_tokens_details")]
    pub cache_tokens_details: Option<Vec<ModalityTokenCount>>,
    /// Response tokens per modality.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "response_tokens_details")]
    pub response_tokens_details: Option<Vec<ModalityTokenCount>>,
    /// Tool-use prompt tokens per modality.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "tool_use_prompt_tokens_details")]
    pub tool_use_prompt_tokens_details: Option<Vec<ModalityTokenCount>>,
    /// The billing traffic type (Vertex).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "traffic_type")]
    pub traffic_type: Option<TrafficType>,
    /// The service tier, lower case (`standard`, `flex`, `priority`).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "service_tier")]
    pub service_tier: Option<String>,
}

/// A token count for one modality.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModalityTokenCount {
    /// The modality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modality: Option<MediaModality>,
    /// Its token count.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "token_count",
        deserialize_with = "opt_int"
    )]
    pub token_count: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_arrive_as_numbers_or_strings() {
        let usage: UsageMetadata = serde_json::from_str(
            r#"{"promptTokenCount":"120","response_token_count":48,"totalTokenCount":168,
                "responseTokensDetails":[{"modality":"AUDIO","tokenCount":"48"}]}"#,
        )
        .unwrap();
        assert_eq!(usage.prompt_token_count, Some(120));
        assert_eq!(usage.response_token_count, Some(48));
        let details = usage.response_tokens_details.as_deref().unwrap();
        assert_eq!(
            details[0],
            ModalityTokenCount { modality: Some(MediaModality::Audio), token_count: Some(48) }
        );
        let text = serde_json::to_string(&usage).unwrap();
        assert!(text.contains(r#""promptTokenCount":120"#), "{text}");
    }
}
