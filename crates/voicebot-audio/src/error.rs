//! Errors of the audio crate.

use rubato::audioadapter_buffers::SizeError;

/// Everything that can go wrong in `voicebot-audio`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A resampler could not be built for this pair of rates.
    #[error("cannot build a resampler from {from_hz} hz to {to_hz} hz")]
    ResamplerBuild {
        /// The input rate that was asked for.
        from_hz: u32,
        /// The output rate that was asked for.
        to_hz: u32,
        /// What rubato said.
        #[source]
        source: rubato::ResamplerConstructionError,
    },
    /// Resampling one chunk failed.
    #[error("resampling a chunk failed")]
    Resample(#[from] rubato::ResampleError),
    /// The resampler's own buffers did not match the chunk sizes rubato asked for.
    #[error("resampler buffer does not fit the chunk size")]
    ResampleBuffer(#[from] SizeError),
    /// A jitter buffer configuration is not usable.
    #[error("invalid jitter buffer config: {reason}")]
    JitterConfig {
        /// Which rule the configuration breaks.
        reason: &'static str,
    },
}

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
