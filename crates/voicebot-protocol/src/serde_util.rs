//! Serde building blocks shared by every protocol: open string enums and open `type`-tagged unions.

use serde::de::{DeserializeOwned, Error};
use serde_json::Value;

/// Declares a string enum the provider may extend: unit variants with fixed wire names, plus `Other(String)`.
///
/// Each variant is written `Name = "wire"`. A value added by the provider later decodes as `Other` instead of
/// failing and encodes back unchanged; anything but a string is an error. The enum is `#[non_exhaustive]` and
/// gets `WIRE_NAMES` (every known spelling, in declaration order), `as_str`, `From<&str>` and, in tests,
/// `known()` (every known value) for property tests.
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
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                $variant,
            )+
            /// A value this crate does not know yet, kept exactly as received.
            Other(String),
        }

        impl $name {
            /// Every wire spelling this enum knows, in declaration order.
            $vis const WIRE_NAMES: &'static [&'static str] = &[$($wire),+];

            /// The wire spelling of this value.
            $vis fn as_str(&self) -> &str {
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
                let wire = <String as serde::Deserialize>::deserialize(deserializer)?;
                Ok(match wire.as_str() {
                    $($wire => Self::$variant,)+
                    _ => Self::Other(wire),
                })
            }
        }
    };
}

/// Declares a union of JSON objects tagged by `type`, one newtype variant per known tag, plus `Other(Value)`.
///
/// Each variant is written `Name(Body) = "tag" | "alias" ...`; aliases decode to the same variant and encode
/// under the first (canonical) tag. Decoding reads the tag first: a known tag is removed and the rest decoded
/// strictly into the body, so a malformed body is an error naming the tag; an unknown or missing tag (or a
/// value that is not an object) is kept whole in `Other` and encodes back unchanged. The enum is
/// `#[non_exhaustive]` and gets `TYPES` (every tag decoded into a named variant) and `type_name()`.
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

            /// The `type` tag of this value: the canonical one for a known variant, the raw one for `Other`
            /// (`None` when it has no string tag).
            $vis fn type_name(&self) -> Option<&str> {
                match self {
                    $(Self::$variant(_) => Some($tag),)+
                    Self::Other(raw) => raw.get("type").and_then(serde_json::Value::as_str),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let mut value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                match $crate::serde_util::take_known_tag(&mut value, Self::TYPES) {
                    $(
                        Some($tag $(| $alias)*) => {
                            $crate::serde_util::known_body($tag, value).map(Self::$variant)
                        }
                    )+
                    _ => Ok(Self::Other(value)),
                }
            }
        }
    };
}

pub(crate) use {open_tagged, string_enum};

/// Removes the `type` tag of a JSON object when it is one of `known`, and returns it.
///
/// Anything else (another tag, no tag, a value that is not an object) is left untouched and gives `None`.
pub(crate) fn take_known_tag(value: &mut Value, known: &'static [&'static str]) -> Option<&'static str> {
    let object = value.as_object_mut()?;
    let tag = object.get("type").and_then(Value::as_str)?;
    let known = known.iter().copied().find(|candidate| *candidate == tag)?;
    object.shift_remove("type");
    Some(known)
}

/// Decodes the body of a known tag strictly; the error names the tag.
pub(crate) fn known_body<T: DeserializeOwned, E: Error>(tag: &str, value: Value) -> Result<T, E> {
    serde_json::from_value(value).map_err(|source| E::custom(format_args!("`{tag}`: {source}")))
}

/// A known value of a [`string_enum!`], or one it has never seen (which must decode as `Other`), for property
/// tests.
#[cfg(test)]
pub(crate) fn open_enum<T: Clone + std::fmt::Debug + 'static>(
    known: Vec<T>,
    other: fn(String) -> T,
) -> impl proptest::strategy::Strategy<Value = T> {
    use proptest::prelude::*;
    prop_oneof![4 => proptest::sample::select(known), 1 => "x-[a-z]{1,6}".prop_map(other)]
}

#[cfg(test)]
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

    string_enum! {
        /// A test enum with upper-case wire names.
        pub(crate) enum Colour {
            /// Red.
            Red = "RED",
        }
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub(crate) struct Dot {
        x: i32,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub(crate) struct Circle {
        r: u32,
    }

    open_tagged! {
        /// A test union.
        pub(crate) enum Shape {
            /// A dot.
            Dot(Dot) = "dot",
            /// A circle.
            Circle(Circle) = "circle" | "round",
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
        assert_eq!(Level::WIRE_NAMES, ["low", "high"]);
    }

    #[test]
    fn wire_enums_keep_unknown_values() {
        let known: Colour = serde_json::from_str(r#""RED""#).unwrap();
        assert_eq!(known, Colour::Red);
        let other: Colour = serde_json::from_str(r#""ULTRAVIOLET""#).unwrap();
        assert_eq!(other, Colour::Other("ULTRAVIOLET".into()));
        assert_eq!(serde_json::to_string(&other).unwrap(), r#""ULTRAVIOLET""#);
        assert_eq!(Colour::from("RED").as_str(), "RED");
        assert_eq!(Colour::WIRE_NAMES, ["RED"]);
        assert!(serde_json::from_str::<Colour>("3").is_err());
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
    fn open_tagged_decodes_known_strictly_and_keeps_unknown() {
        let shape: Shape = serde_json::from_str(r#"{"type":"round","r":2}"#).unwrap();
        assert_eq!(shape, Shape::Circle(Circle { r: 2 }));
        assert_eq!(serde_json::to_string(&shape).unwrap(), r#"{"type":"circle","r":2}"#);
        assert_eq!(shape.type_name(), Some("circle"));
        assert_eq!(Shape::TYPES, ["dot", "circle", "round"]);

        let other: Shape = serde_json::from_str(r#"{"type":"square","side":2}"#).unwrap();
        assert!(matches!(other, Shape::Other(_)));
        assert_eq!(serde_json::to_value(&other).unwrap(), serde_json::json!({"type":"square","side":2}));

        assert!(serde_json::from_str::<Shape>(r#"{"type":"circle","r":"big"}"#).is_err());
        assert!(matches!(serde_json::from_str::<Shape>(r#"{"r":1}"#).unwrap(), Shape::Other(_)));
    }
}
