//! The upper-case string enums of Gemini Live; each keeps values added later in an `Other` variant.

use crate::serde_util::string_enum;

string_enum! {
    /// Who authored a [`Content`](super::Content).
    pub enum Role {
        /// The user (or, in `systemInstruction`, the system).
        User = "user",
        /// The model.
        Model = "model",
    }
}

string_enum! {
    /// An output modality for `generationConfig.responseModalities`. Live takes one per session.
    pub enum Modality {
        /// Not specified.
        Unspecified = "MODALITY_UNSPECIFIED",
        /// Text output.
        Text = "TEXT",
        /// Image output.
        Image = "IMAGE",
        /// Audio output, the only one native-audio models offer.
        Audio = "AUDIO",
        /// Video output.
        Video = "VIDEO",
    }
}

string_enum! {
    /// The modality a token count in `usageMetadata` refers to.
    pub enum MediaModality {
        /// Not specified.
        Unspecified = "MODALITY_UNSPECIFIED",
        /// Text tokens.
        Text = "TEXT",
        /// Image tokens.
        Image = "IMAGE",
        /// Video tokens.
        Video = "VIDEO",
        /// Audio tokens.
        Audio = "AUDIO",
        /// Document tokens.
        Document = "DOCUMENT",
    }
}

string_enum! {
    /// How finely images and video frames are tokenized.
    pub enum MediaResolution {
        /// Not specified.
        Unspecified = "MEDIA_RESOLUTION_UNSPECIFIED",
        /// Low resolution (64 tokens).
        Low = "MEDIA_RESOLUTION_LOW",
        /// Medium resolution (256 tokens).
        Medium = "MEDIA_RESOLUTION_MEDIUM",
        /// High resolution.
        High = "MEDIA_RESOLUTION_HIGH",
    }
}

string_enum! {
    /// `thinkingConfig.thinkingLevel` (3.1 models).
    pub enum ThinkingLevel {
        /// Not specified.
        Unspecified = "THINKING_LEVEL_UNSPECIFIED",
        /// Minimal thinking.
        Minimal = "MINIMAL",
        /// Low thinking.
        Low = "LOW",
        /// Medium thinking.
        Medium = "MEDIUM",
        /// High thinking.
        High = "HIGH",
        /// Extra-high thinking.
        Xhigh = "XHIGH",
    }
}

string_enum! {
    /// How readily automatic activity detection decides that speech started.
    pub enum StartSensitivity {
        /// The default (high).
        Unspecified = "START_SENSITIVITY_UNSPECIFIED",
        /// Detects the start of speech more often.
        High = "START_SENSITIVITY_HIGH",
        /// Detects the start of speech less often.
        Low = "START_SENSITIVITY_LOW",
    }
}

string_enum! {
    /// How readily automatic activity detection decides that speech ended.
    pub enum EndSensitivity {
        /// The default (high).
        Unspecified = "END_SENSITIVITY_UNSPECIFIED",
        /// Ends speech more often.
        High = "END_SENSITIVITY_HIGH",
        /// Ends speech less often.
        Low = "END_SENSITIVITY_LOW",
    }
}

string_enum! {
    /// What user activity does to a model turn in progress.
    pub enum ActivityHandling {
        /// The default (barge-in interrupts).
        Unspecified = "ACTIVITY_HANDLING_UNSPECIFIED",
        /// The start of user activity interrupts the model (barge-in).
        StartOfActivityInterrupts = "START_OF_ACTIVITY_INTERRUPTS",
        /// The model is never interrupted.
        NoInterruption = "NO_INTERRUPTION",
    }
}

string_enum! {
    /// Which input a user turn includes.
    pub enum TurnCoverage {
        /// The default for the model.
        Unspecified = "TURN_COVERAGE_UNSPECIFIED",
        /// Only input during activity.
        TurnIncludesOnlyActivity = "TURN_INCLUDES_ONLY_ACTIVITY",
        /// All input since the last turn, inactivity included.
        TurnIncludesAllInput = "TURN_INCLUDES_ALL_INPUT",
        /// Audio during activity and all video (the default on 3.x).
        TurnIncludesAudioActivityAndAllVideo = "TURN_INCLUDES_AUDIO_ACTIVITY_AND_ALL_VIDEO",
    }
}

string_enum! {
    /// Whether a function call blocks the conversation while it runs.
    pub enum Behavior {
        /// Not specified (the model's default).
        Unspecified = "UNSPECIFIED",
        /// The model waits for the response.
        Blocking = "BLOCKING",
        /// The model keeps talking while the function runs.
        NonBlocking = "NON_BLOCKING",
    }
}

string_enum! {
    /// When the model acts on a non-blocking function response.
    pub enum FunctionResponseScheduling {
        /// Not specified.
        Unspecified = "SCHEDULING_UNSPECIFIED",
        /// Add the result to the context without prompting a reply.
        Silent = "SILENT",
        /// Reply once the model is idle.
        WhenIdle = "WHEN_IDLE",
        /// Interrupt the model and reply at once.
        Interrupt = "INTERRUPT",
    }
}

string_enum! {
    /// Why the server ended a turn (`serverContent.turnCompleteReason`). Rarer safety reasons arrive as
    /// `Other`.
    pub enum TurnCompleteReason {
        /// Not specified.
        Unspecified = "TURN_COMPLETE_REASON_UNSPECIFIED",
        /// The model produced a function call that could not be parsed.
        MalformedFunctionCall = "MALFORMED_FUNCTION_CALL",
        /// The response was rejected.
        ResponseRejected = "RESPONSE_REJECTED",
        /// The model needs more input from the user.
        NeedMoreInput = "NEED_MORE_INPUT",
        /// The input was prohibited content.
        ProhibitedInputContent = "PROHIBITED_INPUT_CONTENT",
        /// The generated content was blocked for safety.
        GeneratedContentSafety = "GENERATED_CONTENT_SAFETY",
        /// The generated audio was blocked for safety.
        GeneratedAudioSafety = "GENERATED_AUDIO_SAFETY",
        /// The model regenerated too many times.
        MaxRegenerationReached = "MAX_REGENERATION_REACHED",
    }
}

string_enum! {
    /// The activity status of the session, sent alongside `turnComplete`.
    pub enum InteractionStatus {
        /// Not specified.
        Unspecified = "INTERACTION_STATUS_UNSPECIFIED",
        /// The model is still working.
        InProgress = "IN_PROGRESS",
        /// The model waits for the client (for example a tool response).
        RequiresAction = "REQUIRES_ACTION",
        /// Nothing is happening.
        Idle = "IDLE",
    }
}

string_enum! {
    /// The kind of a `voiceActivityDetectionSignal` (allow-listed projects only).
    pub enum VadSignalType {
        /// Not specified.
        Unspecified = "VAD_SIGNAL_TYPE_UNSPECIFIED",
        /// Start of speech.
        Sos = "VAD_SIGNAL_TYPE_SOS",
        /// End of speech.
        Eos = "VAD_SIGNAL_TYPE_EOS",
    }
}

string_enum! {
    /// The kind of a `voiceActivity` signal.
    pub enum VoiceActivityType {
        /// Not specified.
        Unspecified = "TYPE_UNSPECIFIED",
        /// The user started speaking.
        ActivityStart = "ACTIVITY_START",
        /// The user stopped speaking.
        ActivityEnd = "ACTIVITY_END",
    }
}

string_enum! {
    /// The billing traffic type reported in `usageMetadata`.
    pub enum TrafficType {
        /// Not specified.
        Unspecified = "TRAFFIC_TYPE_UNSPECIFIED",
        /// Pay-as-you-go.
        OnDemand = "ON_DEMAND",
        /// Pay-as-you-go, priority.
        OnDemandPriority = "ON_DEMAND_PRIORITY",
        /// Pay-as-you-go, flex.
        OnDemandFlex = "ON_DEMAND_FLEX",
        /// Provisioned throughput.
        ProvisionedThroughput = "PROVISIONED_THROUGHPUT",
    }
}
