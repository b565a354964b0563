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
    /// A WAV file could not be read or written.
    #[error("wav file {}: {source}", path.display())]
    Wav {
        /// The file.
        path: std::path::PathBuf,
        /// What hound said.
        #[source]
        source: hound::Error,
    },
    /// WAV data from a reader (not a file) could not be read.
    #[error("wav data: {source}")]
    WavData {
        /// What hound said.
        #[source]
        source: hound::Error,
    },
    /// A source or sink that runs a task was started outside a tokio runtime.
    #[error("no tokio runtime: start audio sources and sinks from inside one")]
    NoRuntime,
    /// The clock task of a sink stopped abnormally (it panicked or was aborted).
    #[error("the sink clock task stopped abnormally")]
    ClockStopped,
    /// A device stream could not be opened (a device that refuses or cannot run at the rate asked for).
    #[error("cannot open a stream on {device:?}: {reason}")]
    StreamOpen {
        /// The device's name.
        device: String,
        /// Why.
        reason: String,
    },
    /// A setting is not usable.
    #[error("invalid audio config: {reason}")]
    Config {
        /// Which rule the setting breaks.
        reason: &'static str,
    },
    /// An audio device could not be found, opened or started.
    #[cfg(feature = "device")]
    #[error(transparent)]
    Device(#[from] crate::device::DeviceError),
    /// A jitter buffer configuration is not usable.
    #[error("invalid jitter buffer config: {reason}")]
    JitterConfig {
        /// Which rule the configuration breaks.
        reason: &'static str,
    },
}

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
