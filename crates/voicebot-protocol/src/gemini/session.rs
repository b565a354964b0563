//! Server lifecycle messages: `setupComplete`, `goAway`, `sessionResumptionUpdate`, voice activity.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::enums::{VadSignalType, VoiceActivityType};
use super::serde_util::opt_int;

/// Server `setupComplete`: the setup was accepted and audio may flow. Usually `{}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupComplete {
    /// The session id, on newer versions.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "session_id")]
    pub session_id: Option<String>,
    /// A signature of verified consent audio, for cloned voices.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "voice_consent_signature")]
    pub voice_consent_signature: Option<VoiceConsentSignature>,
}

/// `setupComplete.voiceConsentSignature`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VoiceConsentSignature {
    /// The signature, to send instead of the consent audio next time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// Server `goAway`: the connection ends soon; reconnect with the latest resumption handle.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoAway {
    /// Time left before the connection is closed, a protobuf Duration string such as `"50s"`.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "time_left")]
    pub time_left: Option<String>,
}

impl GoAway {
    /// `timeLeft` as a [`Duration`], or `None` when absent or not a valid duration.
    pub fn time_left_duration(&self) -> Option<Duration> {
        self.time_left.as_deref().and_then(parse_duration)
    }
}

/// Server `sessionResumptionUpdate`: keep the last `newHandle` that came with `resumable: true`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionResumptionUpdate {
    /// A handle to resume from; empty when `resumable` is false.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "new_handle")]
    pub new_handle: Option<String>,
    /// Whether the session can be resumed at this point (not while the model generates or calls tools).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumable: Option<bool>,
    /// The index of the last client message included in this state (transparent resumption only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "last_consumed_client_message_index",
        deserialize_with = "opt_int"
    )]
    pub last_consumed_client_message_index: Option<i64>,
}

impl SessionResumptionUpdate {
    /// The handle to store: `newHandle` when the update is resumable and the handle is not empty.
    pub fn resumable_handle(&self) -> Option<&str> {
        self.new_handle.as_deref().filter(|handle| self.resumable == Some(true) && !handle.is_empty())
    }
}

/// Server `voiceActivity`: the server's VAD saw the user start or stop speaking.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoiceActivity {
    /// Start or end. The wire name is `type` (the SDK calls it `voice_activity_type`; both spellings decode).
    #[serde(
        rename = "type",
        default,
        skip_serializing_if = "Option::is_none",
        alias = "voiceActivityType",
        alias = "voice_activity_type"
    )]
    pub voice_activity_type: Option<VoiceActivityType>,
    /// When it happened, relative to the start of the audio stream, as a Duration string (`"1.250s"`).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "audio_offset")]
    pub audio_offset: Option<String>,
}

impl VoiceActivity {
    /// `audioOffset` as a [`Duration`].
    pub fn audio_offset_duration(&self) -> Option<Duration> {
        self.audio_offset.as_deref().and_then(parse_duration)
    }
}

/// Server `voiceActivityDetectionSignal` (allow-listed projects only).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoiceActivityDetectionSignal {
    /// Start or end of speech.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "vad_signal_type")]
    pub vad_signal_type: Option<VadSignalType>,
}

/// Parses a protobuf JSON Duration (`"50s"`, `"1.5s"`, `"0.000000001s"`) into a [`Duration`].
///
/// Returns `None` for a negative duration, a missing `s` suffix, more than nine fraction digits or anything
/// else that is not a Duration string.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let number = text.trim().strip_suffix('s')?;
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty()
        || !all_digits(whole)
        || !all_digits(fraction)
        || fraction.len() > 9
    {
        return None;
    }
    let seconds = if whole.is_empty() { 0 } else { whole.parse::<u64>().ok()? };
    let nanos = if fraction.is_empty() {
        0
    } else {
        let digits = fraction.parse::<u32>().ok()?;
        digits * 10u32.pow(9 - u32::try_from(fraction.len()).ok()?)
    };
    Some(Duration::new(seconds, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_protobuf_json() {
        assert_eq!(parse_duration("50s"), Some(Duration::from_secs(50)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("0.000000001s"), Some(Duration::from_nanos(1)));
        assert_eq!(parse_duration(" 3.250s "), Some(Duration::from_millis(3250)));
        assert_eq!(parse_duration(".5s"), Some(Duration::from_millis(500)));
        for bad in
            ["", "s", "50", "-1s", "1.0000000001s", "1e3s", "1.s5", "+1s", "99999999999999999999s", ".s"]
        {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        let go_away = GoAway { time_left: Some("50s".into()) };
        assert_eq!(go_away.time_left_duration(), Some(Duration::from_secs(50)));
    }

    #[test]
    fn only_resumable_updates_give_a_handle() {
        let update = |handle: &str, resumable| SessionResumptionUpdate {
            new_handle: Some(handle.into()),
            resumable: Some(resumable),
            last_consumed_client_message_index: None,
        };
        assert_eq!(update("Cg1", true).resumable_handle(), Some("Cg1"));
        assert_eq!(update("Cg1", false).resumable_handle(), None);
        assert_eq!(update("", true).resumable_handle(), None);
    }

    #[test]
    fn voice_activity_uses_type_on_the_wire() {
        let activity: VoiceActivity =
            serde_json::from_str(r#"{"type":"ACTIVITY_START","audioOffset":"1.2s"}"#).unwrap();
        assert_eq!(activity.voice_activity_type, Some(VoiceActivityType::ActivityStart));
        assert_eq!(activity.audio_offset_duration(), Some(Duration::from_millis(1200)));
        let sdk: VoiceActivity = serde_json::from_str(r#"{"voice_activity_type":"ACTIVITY_END"}"#).unwrap();
        assert_eq!(serde_json::to_string(&sdk).unwrap(), r#"{"type":"ACTIVITY_END"}"#);
    }
}
