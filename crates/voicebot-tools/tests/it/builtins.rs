//! `get_time` and `echo`.

use std::time::{Duration, SystemTime};

use serde_json::json;
use voicebot_tools::{Echo, Error, GetTime, Tool};

/// 2026-11-22T13:04:05.6Z, a Sunday.
fn fixed() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_352_645_600)
}

#[tokio::test]
async fn get_time_answers_in_the_default_zone_or_the_one_asked() {
    let tool = GetTime::with_zone("Europe/Paris").unwrap().with_clock(fixed);
    let here = tool.call(json!({})).await.unwrap();
    assert_eq!(
        here,
        json!({
            "date": "2026-11-22", "time": "14:04:06", "weekday": "Sunday", "zone": "Europe/Paris",
            "utc_offset": "+01:00", "abbreviation": "CET", "iso": "2026-11-22T14:04:06+01:00[Europe/Paris]",
            "unix_seconds": 1_795_352_646
        })
    );
    let tokyo = tool.call(json!({"zone": "Asia/Tokyo"})).await.unwrap();
    assert_eq!((tokyo["time"].as_str(), tokyo["date"].as_str()), (Some("22:04:06"), Some("2026-11-22")));
    let blank = tool.call(json!({"zone": ""})).await.unwrap();
    assert_eq!(blank["zone"], "Europe/Paris");
}

#[tokio::test]
async fn get_time_refuses_unknown_zones() {
    let tool = GetTime::new().with_clock(fixed);
    for zone in [json!("Mars/Olympus"), json!("x".repeat(100)), json!(3)] {
        let error = tool.call(json!({"zone": zone})).await.unwrap_err();
        assert_eq!(error.kind.as_str(), "bad_arguments", "{zone}");
    }
    assert!(matches!(GetTime::with_zone("Nowhere/Land"), Err(Error::TimeZone { .. })));
    // The system zone always yields a named zone or an offset.
    let local = tool.call(json!({})).await.unwrap();
    assert!(!local["zone"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn echo_repeats_text_within_its_cap() {
    assert_eq!(Echo.call(json!({"text": "héllo"})).await.unwrap(), json!({"text": "héllo"}));
    assert_eq!(Echo.call(json!({})).await.unwrap_err().message, "\"text\" is required");
    assert_eq!(Echo.call(json!({"text": "x".repeat(4_001)})).await.unwrap_err().kind.as_str(), "too_large");
}
