//! Serde helpers private to the OpenAI module: nullable fields and open tagged enums.

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

/// Declares an enum of JSON objects tagged by `type` whose unknown tags are kept as [`serde_json::Value`].
///
/// Each variant is written `Name(Body) = "tag" | "alias" ...`. The macro derives `Serialize` (internally tagged,
/// with `Other` written back unchanged) and implements `Deserialize` in two steps: a known tag is decoded
/// strictly, so a malformed body is an error; an unknown or missing tag becomes `Other`.
/// Used for values nested inside events (items, tools, turn detection) that the provider keeps extending.
macro_rules! open_tagged {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident($body:ty) = $tag:literal $(| $alias:literal)*
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        #[serde(tag = "type")]
        #[non_exhaustive]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $tag)]
                $variant($body),
            )+
            /// A `type` this crate does not model, kept whole and written back unchanged.
            #[serde(untagged)]
            Other(serde_json::Value),
        }

        impl $name {
            /// Every `type` tag decoded into a named variant, canonical names and aliases alike.
            $vis const TYPES: &'static [&'static str] = &[$($tag, $($alias,)*)+];
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                #[derive(serde::Deserialize)]
                #[serde(tag = "type")]
                enum Known {
                    $(
                        #[serde(rename = $tag $(, alias = $alias)*)]
                        $variant($body),
                    )+
                }

                let value = serde_json::Value::deserialize(deserializer)?;
                let known = value
                    .get("type")
                    .and_then(serde_json::Value::as_str)
                    .is_some_and(|tag| Self::TYPES.contains(&tag));
                if !known {
                    return Ok(Self::Other(value));
                }
                match Known::deserialize(value).map_err(serde::de::Error::custom)? {
                    $(Known::$variant(body) => Ok(Self::$variant(body)),)+
                }
            }
        }
    };
}

pub(crate) use open_tagged;

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

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Circle {
        r: u32,
    }

    open_tagged! {
        /// A test enum.
        enum Shape {
            /// A circle.
            Circle(Circle) = "circle" | "round",
        }
    }

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

    #[test]
    fn open_tagged_decodes_known_strictly_and_keeps_unknown() {
        let shape: Shape = serde_json::from_str(r#"{"type":"round","r":2}"#).unwrap();
        assert_eq!(shape, Shape::Circle(Circle { r: 2 }));
        assert_eq!(serde_json::to_string(&shape).unwrap(), r#"{"type":"circle","r":2}"#);

        let other: Shape = serde_json::from_str(r#"{"type":"square","side":2}"#).unwrap();
        assert!(matches!(other, Shape::Other(_)));
        assert_eq!(serde_json::to_value(&other).unwrap(), serde_json::json!({"type":"square","side":2}));

        assert!(serde_json::from_str::<Shape>(r#"{"type":"circle","r":"big"}"#).is_err());
        assert!(matches!(serde_json::from_str::<Shape>(r#"{"r":1}"#).unwrap(), Shape::Other(_)));
    }
}
