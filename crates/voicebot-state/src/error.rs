//! Errors of the state crate: [`Error`] for state operations and [`SummarizeError`] for summarizers.

/// What can go wrong when driving a [`crate::ConversationState`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The plan is not the summary in flight: it was abandoned, already applied, or made stale by a reseed.
    #[error("summary plan {plan} is stale: it is not the summary in flight")]
    StalePlan {
        /// The plan's id.
        plan: u64,
    },
    /// A `LANGUAGE_POLICY` value that is neither `auto` nor a language code.
    #[error("invalid language policy {value:?}: expected `auto` or a language code such as `en` or `pt-BR`")]
    LanguagePolicy {
        /// The value given.
        value: String,
    },
}

/// A result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a [`crate::Summarizer`] produced no summary.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SummarizeError {
    /// The model behind the summarizer failed (network, timeout, refusal); the source says how.
    #[error("summarizer model failed")]
    Model(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// The model answered with nothing usable.
    #[error("summarizer answer was empty")]
    EmptyAnswer,
    /// There were no turns with text to summarize.
    #[error("nothing to summarize")]
    NothingToSummarize,
}
