//! Serde helpers private to the Gemini types: lenient integers, null as default, and top-level keyed frames.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, Unexpected, Visitor};
use serde_json::de::StrRead;

use crate::error::DecodeError;

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

/// Where a top-level visitor records the known key whose body it is decoding, so that [`decode_keyed`] can
/// name it in an error. [`Blame::NONE`] records nothing, for plain serde decoding.
#[derive(Clone, Copy)]
pub(crate) struct Blame<'a>(Option<&'a Cell<Option<&'static str>>>);

impl Blame<'_> {
    /// Records nothing.
    pub(crate) const NONE: Blame<'static> = Blame(None);

    /// Records `kind` as the key being decoded (`None`: no key).
    pub(crate) fn set(self, kind: Option<&'static str>) {
        if let Some(cell) = self.0 {
            cell.set(kind);
        }
    }
}

/// Decodes one frame with `read` (which drives a top-level visitor) and checks that nothing follows it.
///
/// An error names the known key the visitor was decoding, if it recorded one in the [`Blame`] it was given.
pub(crate) fn decode_keyed<'a, T>(
    text: &'a str,
    read: impl FnOnce(&mut serde_json::Deserializer<StrRead<'a>>, Blame<'_>) -> Result<T, serde_json::Error>,
) -> Result<T, DecodeError> {
    let failed = Cell::new(None);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let result =
        read(&mut deserializer, Blame(Some(&failed))).and_then(|value| deserializer.end().map(|()| value));
    result.map_err(|source| match failed.get() {
        Some(kind) => DecodeError::kind(kind, text, source),
        None => DecodeError::envelope(text, source),
    })
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
}
