//! Payload objects are JSON objects, never arrays.
//!
//! serde's derived `Deserialize` for a struct also accepts a JSON array of its fields in order, so
//! `"owner": ["6273f303"]` would parse as an owner. The Hub never sends that, and the Python model
//! rejects it, so each payload struct derives with `#[serde(remote = "Self")]` (which makes the
//! derived code an inherent function) and [`object_only!`] implements the traits by calling it
//! through [`ObjectOnly`], which asks the format for a map where the derived code asks for a struct.

use serde::de::{Deserializer, Visitor};

/// A deserializer that reads structs as maps only; every other request goes through unchanged.
pub(crate) struct ObjectOnly<D>(pub(crate) D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectOnly<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

/// Implements `Serialize` and `Deserialize` for a struct derived with `#[serde(remote = "Self")]`,
/// reading it from JSON objects only.
macro_rules! object_only {
    ($($ty:ty),+ $(,)?) => {$(
        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                <$ty>::serialize(self, serializer)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                <$ty>::deserialize($crate::payload::object_only::ObjectOnly(deserializer))
            }
        }
    )+};
}

pub(crate) use object_only;
