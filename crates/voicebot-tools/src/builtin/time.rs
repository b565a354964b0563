//! `get_time(zone?)`: the local date and time with its time zone.
//!
//! Time zones come from `jiff` with the IANA database bundled (`tzdb-bundle-always`), so any zone name works
//! without system tzdata; the system zone is read from the host and falls back to UTC.

use std::time::SystemTime;

use async_trait::async_trait;
use jiff::tz::TimeZone;
use jiff::{Timestamp, Unit, Zoned};
use serde_json::{Value, json};

use super::args::optional_str;
use crate::error::{Error, Result, ToolError};
use crate::tool::Tool;

/// The longest zone name accepted, in bytes.
const MAX_ZONE_BYTES: usize = 64;

/// `get_time(zone?)` returns the date, time, weekday, zone and UTC offset, in the given IANA zone or the default one.
#[derive(Debug, Clone)]
pub struct GetTime {
    zone: TimeZone,
    clock: fn() -> SystemTime,
}

impl Default for GetTime {
    fn default() -> Self {
        GetTime::new()
    }
}

impl GetTime {
    /// The tool in the system's time zone (UTC when it cannot be determined), on the system clock.
    pub fn new() -> Self {
        GetTime { zone: TimeZone::system(), clock: SystemTime::now }
    }

    /// The tool with `zone` (an IANA name such as `Europe/Paris`) as its default zone.
    pub fn with_zone(zone: &str) -> Result<Self> {
        let zone = TimeZone::get(zone).map_err(|_| Error::TimeZone { name: zone.to_owned() })?;
        Ok(GetTime { zone, clock: SystemTime::now })
    }

    /// The same tool reading `clock` instead of the system clock (for tests).
    #[must_use]
    pub fn with_clock(mut self, clock: fn() -> SystemTime) -> Self {
        self.clock = clock;
        self
    }

    fn now_in(&self, zone: TimeZone) -> Result<Zoned, ToolError> {
        let now = Timestamp::try_from((self.clock)())
            .map_err(|e| ToolError::failed(format!("the clock is off: {e}")))?;
        let now = now.round(Unit::Second).map_err(|e| ToolError::failed(format!("the clock is off: {e}")))?;
        Ok(now.to_zoned(zone))
    }
}

#[async_trait]
impl Tool for GetTime {
    fn name(&self) -> &str {
        "get_time"
    }

    fn description(&self) -> &str {
        "Get the current local date and time with the time zone. Pass an IANA zone (such as Europe/Paris) to get \
         the time somewhere else."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "zone": {"type": "string", "description": "An IANA time zone such as America/New_York; omit for local time."}
            },
            "additionalProperties": false
        })
    }

    async fn call(&self, arguments: Value) -> Result<Value, ToolError> {
        let zone = match optional_str(&arguments, "zone")?.map(str::trim).filter(|z| !z.is_empty()) {
            None => self.zone.clone(),
            Some(name) if name.len() > MAX_ZONE_BYTES => {
                return Err(ToolError::bad_arguments("the zone name is too long"));
            }
            Some(name) => TimeZone::get(name).map_err(|_| {
                ToolError::bad_arguments(format!(
                    "unknown time zone {name:?}; use an IANA name such as Europe/Paris"
                ))
            })?,
        };
        let now = self.now_in(zone)?;
        let zone_name =
            now.time_zone().iana_name().map_or_else(|| now.strftime("UTC%:z").to_string(), str::to_owned);
        Ok(json!({
            "date": now.strftime("%Y-%m-%d").to_string(),
            "time": now.strftime("%H:%M:%S").to_string(),
            "weekday": now.strftime("%A").to_string(),
            "zone": zone_name,
            "utc_offset": now.strftime("%:z").to_string(),
            "abbreviation": now.strftime("%Z").to_string(),
            "iso": now.to_string(),
            "unix_seconds": now.timestamp().as_second(),
        }))
    }
}
