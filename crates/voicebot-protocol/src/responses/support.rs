//! Serde helpers private to the Responses types: timestamps written as whole seconds, codes that may be numbers.

/// Writes Unix seconds as an integer when they are whole (as the API does) and as a float otherwise.
pub(crate) fn serialize_seconds<S: serde::Serializer>(
    seconds: &Option<f64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    /// Beyond 2^53 an `f64` no longer holds every integer, so it is written as a float.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match *seconds {
        Some(s) if s.fract() == 0.0 && s.abs() < EXACT => serializer.serialize_i64(s as i64),
        Some(s) => serializer.serialize_f64(s),
        None => serializer.serialize_none(),
    }
}

/// Reads an optional error code that some gateways send as a number (`429`) instead of a string.
pub(crate) fn string_or_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Code {
        Text(String),
        Number(serde_json::Number),
    }
    let code: Option<Code> = serde::Deserialize::deserialize(deserializer)?;
    Ok(code.map(|code| match code {
        Code::Text(text) => text,
        Code::Number(number) => number.to_string(),
    }))
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[test]
    fn seconds_are_integers_when_whole_and_codes_may_be_numbers() {
        #[derive(Serialize, Deserialize)]
        struct T {
            #[serde(serialize_with = "super::serialize_seconds")]
            at: Option<f64>,
            #[serde(default, deserialize_with = "super::string_or_number")]
            code: Option<String>,
        }
        let t = T { at: Some(1_756_000_000.0), code: None };
        assert_eq!(serde_json::to_string(&t).unwrap(), r#"{"at":1756000000,"code":null}"#);
        let t = T { at: Some(1.5), code: None };
        assert_eq!(serde_json::to_string(&t).unwrap(), r#"{"at":1.5,"code":null}"#);
        let t: T = serde_json::from_str(r#"{"at":null,"code":429}"#).unwrap();
        assert_eq!(t.code.as_deref(), Some("429"));
        let t: T = serde_json::from_str(r#"{"at":null,"code":"rate_limit_exceeded"}"#).unwrap();
        assert_eq!(t.code.as_deref(), Some("rate_limit_exceeded"));
        let t: T = serde_json::from_str(r#"{"at":null}"#).unwrap();
        assert_eq!(t.code, None);
    }
}
