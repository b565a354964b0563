//! Serde building blocks for the Responses types: open string enums, `type`-tagged unions with a raw fallback.

/// Declares a string enum the provider may extend: unit variants with fixed wire names, plus `Other(String)`.
///
/// `Other` is `#[serde(untagged)]`, so a value added by the provider later decodes instead of failing and encodes
/// back unchanged. The macro adds `as_str` and `From<&str>`.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $wire:literal
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $wire)]
                $variant,
            )+
            /// A value this crate does not know yet, kept as sent.
            #[serde(untagged)]
            Other(String),
        }

        impl From<&str> for $name {
            fn from(wire: &str) -> Self {
                match wire {
                    $($wire => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl $name {
            /// The string as it goes on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::Other(other) => other,
                }
            }

            /// Every known value, for property tests.
            #[cfg(test)]
            #[allow(dead_code, reason = "only the enums that strategies cover use it")]
            pub(crate) fn known() -> Vec<Self> {
                vec![$(Self::$variant),+]
            }
        }
    };
}

/// Declares a union of JSON objects tagged by `type`, one newtype variant per known tag, plus `Other(Value)`.
///
/// Decoding reads the tag first: a known tag is decoded strictly (an error names the tag), anything else is kept
/// whole in `Other` and encodes back unchanged. The body structs must not carry the tag themselves.
macro_rules! value_tagged {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident($body:ty) = $tag:literal
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        #[serde(tag = "type")]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $tag)]
                $variant($body),
            )+
            /// A `type` this crate does not model, kept as the raw JSON value.
            #[serde(untagged)]
            Other(serde_json::Value),
        }

        impl $name {
            /// The `type` tag of this value (`None` for an `Other` value without a string tag).
            pub fn type_name(&self) -> Option<&str> {
                match self {
                    $(Self::$variant(_) => Some($tag),)+
                    Self::Other(raw) => raw.get("type").and_then(serde_json::Value::as_str),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                let tag = value.get("type").and_then(serde_json::Value::as_str).map(str::to_owned);
                match tag.as_deref() {
                    $(
                        Some($tag) => serde_json::from_value(value)
                            .map(Self::$variant)
                            .map_err(|source| {
                                <D::Error as serde::de::Error>::custom(format_args!("`{}`: {source}", $tag))
                            }),
                    )+
                    _ => Ok(Self::Other(value)),
                }
            }
        }
    };
}

pub(crate) use {string_enum, value_tagged};

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
#[allow(unreachable_pub, reason = "the macros write `pub` methods, and these test types are private")]
mod tests {
    use serde::{Deserialize, Serialize};

    string_enum! {
        /// A test enum.
        pub(crate) enum Level {
            /// Low.
            Low = "low",
            /// High.
            High = "high",
        }
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub(crate) struct Dot {
        x: i32,
    }

    value_tagged! {
        /// A test union.
        pub(crate) enum Shape {
            /// A dot.
            Dot(Dot) = "dot",
        }
    }

    #[test]
    fn string_enums_keep_unknown_values() {
        assert_eq!(serde_json::from_str::<Level>(r#""low""#).unwrap(), Level::Low);
        let other: Level = serde_json::from_str(r#""max""#).unwrap();
        assert_eq!(other, Level::Other("max".into()));
        assert_eq!(other.as_str(), "max");
        assert_eq!(serde_json::to_string(&other).unwrap(), r#""max""#);
        assert_eq!(Level::known().len(), 2);
        assert_eq!(Level::from("high"), Level::High);
        assert_eq!(Level::from("max"), other);
    }

    #[test]
    fn tagged_unions_decode_known_tags_strictly_and_keep_the_rest() {
        let dot: Shape = serde_json::from_str(r#"{"type":"dot","x":1}"#).unwrap();
        assert_eq!(dot, Shape::Dot(Dot { x: 1 }));
        assert_eq!(serde_json::to_string(&dot).unwrap(), r#"{"type":"dot","x":1}"#);

        let err = serde_json::from_str::<Shape>(r#"{"type":"dot","x":"one"}"#).unwrap_err();
        assert!(err.to_string().contains("`dot`"), "{err}");

        let line: Shape = serde_json::from_str(r#"{"type":"line","len":2}"#).unwrap();
        assert_eq!(line.type_name(), Some("line"));
        assert_eq!(serde_json::to_string(&line).unwrap(), r#"{"type":"line","len":2}"#);
        let untyped: Shape = serde_json::from_str(r#"{"x":1}"#).unwrap();
        assert_eq!(untyped.type_name(), None);
    }

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
