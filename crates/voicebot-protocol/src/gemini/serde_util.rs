//! Serde helpers shared by the Gemini types: open string enums, lenient integers and top-level key tables.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, Unexpected, Visitor};

/// Declares an enum of upper-case wire strings with an `Other(String)` fallback, so a value added by the
/// service later decodes instead of failing. Serializes as the wire string; `as_str` gives it back.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $wire:literal
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $(
                $(#[$vmeta])*
                $variant,
            )+
            /// A value this crate does not know yet, kept exactly as received.
            Other(String),
        }

        impl $name {
            /// Every wire spelling this enum knows, in declaration order.
            pub const WIRE_NAMES: &'static [&'static str] = &[$($wire),+];

            /// The wire spelling of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::Other(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            fn from(wire: &str) -> Self {
                match wire {
                    $($wire => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let wire = String::deserialize(deserializer)?;
                Ok(match wire.as_str() {
                    $($wire => Self::$variant,)+
                    _ => Self::Other(wire),
                })
            }
        }
    };
}

pub(crate) use wire_enum;

/// Deserializes an optional integer that may arrive as a JSON number, an integral float (`40.0`, as the
/// Python SDK sends `topK`) or a decimal string (protobuf JSON writes int64 values as strings). `null` is
/// `None`.
pub(crate) fn opt_int<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    deserializer.deserialize_option(LenientInt(PhantomData))
}

/// Deserializes a value where `null` means the default (an empty list or object), as protobuf JSON allows.
pub(crate) fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

struct LenientInt<T>(PhantomData<T>);

impl<T: TryFrom<i64> + TryFrom<u64>> LenientInt<T> {
    fn signed<E: de::Error>(&self, value: i64) -> Result<Option<T>, E> {
        T::try_from(value).map(Some).map_err(|_| E::invalid_value(Unexpected::Signed(value), self))
    }

    fn unsigned<E: de::Error>(&self, value: u64) -> Result<Option<T>, E> {
        T::try_from(value).map(Some).map_err(|_| E::invalid_value(Unexpected::Unsigned(value), self))
    }
}

impl<'de, T: TryFrom<i64> + TryFrom<u64>> Visitor<'de> for LenientInt<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer in range, as a number or a decimal string")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        self.signed(value)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        self.unsigned(value)
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        // 2^63 bounds the exactly representable i64 range; anything integral inside it converts without loss.
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        if value.fract() == 0.0 && (-LIMIT..LIMIT).contains(&value) {
            self.signed(value as i64)
        } else {
            Err(E::invalid_value(Unexpected::Float(value), &self))
        }
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        let trimmed = text.trim();
        if let Ok(value) = trimmed.parse::<i64>() {
            self.signed(value)
        } else if let Ok(value) = trimmed.parse::<u64>() {
            self.unsigned(value)
        } else {
            Err(E::invalid_value(Unexpected::Str(text), &self))
        }
    }
}

/// The canonical camelCase top-level key matching `key`, which may be camelCase or snake_case.
///
/// `table` pairs each canonical key with its snake_case spelling; the result is the index into it.
pub(crate) fn top_level_index(table: &[(&'static str, &'static str)], key: &str) -> Option<usize> {
    table.iter().position(|(camel, snake)| key == *camel || key == *snake)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Counts {
        #[serde(default, deserialize_with = "opt_int")]
        small: Option<u32>,
        #[serde(default, deserialize_with = "opt_int")]
        big: Option<i64>,
    }

    #[test]
    fn integers_arrive_as_numbers_integral_floats_or_strings() {
        let parse = |text: &str| serde_json::from_str::<Counts>(text);
        assert_eq!(parse(r#"{"small":40,"big":"-7"}"#).unwrap(), Counts { small: Some(40), big: Some(-7) });
        assert_eq!(parse(r#"{"small":40.0,"big":null}"#).unwrap(), Counts { small: Some(40), big: None });
        assert_eq!(parse(r#"{"big":"9007199254740993"}"#).unwrap().big, Some(9_007_199_254_740_993));
        assert_eq!(parse("{}").unwrap(), Counts { small: None, big: None });
        assert!(parse(r#"{"small":-1}"#).is_err());
        assert!(parse(r#"{"small":1.5}"#).is_err());
        assert!(parse(r#"{"small":"many"}"#).is_err());
        assert!(parse(r#"{"small":true}"#).is_err());
    }

    #[allow(unreachable_pub, dead_code)]
    mod colour {
        wire_enum! {
            /// A test enum.
            pub enum Colour {
                /// Red.
                Red = "RED",
            }
        }
    }
    use colour::Colour;

    #[test]
    fn wire_enums_keep_unknown_values() {
        let known: Colour = serde_json::from_str(r#""RED""#).unwrap();
        assert_eq!(known, Colour::Red);
        let other: Colour = serde_json::from_str(r#""ULTRAVIOLET""#).unwrap();
        assert_eq!(other, Colour::Other("ULTRAVIOLET".into()));
        assert_eq!(serde_json::to_string(&other).unwrap(), r#""ULTRAVIOLET""#);
        assert_eq!(Colour::from("RED").as_str(), "RED");
        assert!(serde_json::from_str::<Colour>("3").is_err());
    }
}
