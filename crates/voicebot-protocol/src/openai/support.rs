//! Helpers private to the OpenAI module: fields where `null` differs from absent, and `From` for event bodies.

use serde::{Deserialize, Deserializer};

/// Deserializes a field where `null` and absent mean different things.
///
/// Use with `#[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]`:
/// an absent field stays `None` (through `default`), `null` becomes `Some(None)` and a value `Some(Some(v))`.
/// Serializing writes `Some(None)` back as `null`.
pub(crate) fn nullable<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Implements `From<Body>` for each newtype variant of an enum, so a body converts straight into its event.
macro_rules! impl_from_bodies {
    ($enum:ident { $($variant:ident($body:ty)),+ $(,)? }) => {
        $(
            impl From<$body> for $enum {
                fn from(body: $body) -> Self {
                    $enum::$variant(body)
                }
            }
        )+
    };
}

pub(crate) use impl_from_bodies;

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Holder {
        #[serde(default, deserialize_with = "super::nullable", skip_serializing_if = "Option::is_none")]
        field: Option<Option<u32>>,
    }

    #[test]
    fn nullable_keeps_absent_null_and_value_apart() {
        for (text, value) in
            [(r#"{}"#, None), (r#"{"field":null}"#, Some(None)), (r#"{"field":3}"#, Some(Some(3)))]
        {
            let holder: Holder = serde_json::from_str(text).unwrap();
            assert_eq!(holder.field, value);
            assert_eq!(serde_json::to_string(&holder).unwrap(), text);
        }
    }
}
