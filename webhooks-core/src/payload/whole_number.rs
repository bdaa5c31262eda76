//! Integer fields that accept what JSON Schema calls an integer: `19` and `19.0` alike (a
//! client that writes every number as a float sends the latter); a fraction, a negative number
//! or one beyond the field's type is an error naming the range.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Unexpected, Visitor};

/// An unsigned integer type a whole-number field can hold.
pub(crate) trait Unsigned: TryFrom<u64> + Copy {
    /// The largest value, for the error message.
    const MAX: u64;
}

impl Unsigned for u32 {
    const MAX: u64 = u32::MAX as u64;
}

impl Unsigned for u64 {
    const MAX: u64 = u64::MAX;
}

/// `#[serde(deserialize_with = "whole_number::required")]`.
pub(crate) fn required<'de, D: Deserializer<'de>, T: Unsigned>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_any(WholeNumber(PhantomData))
}

/// `#[serde(default, deserialize_with = "whole_number::optional")]`: `null` is `None`.
pub(crate) fn optional<'de, D: Deserializer<'de>, T: Unsigned>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    deserializer.deserialize_option(Optional(PhantomData))
}

struct WholeNumber<T>(PhantomData<T>);

impl<T: Unsigned> WholeNumber<T> {
    fn fit<E: de::Error>(value: u64, unexpected: Unexpected<'_>) -> Result<T, E> {
        T::try_from(value).map_err(|_| E::invalid_value(unexpected, &Self(PhantomData)))
    }
}

impl<T: Unsigned> Visitor<'_> for WholeNumber<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "a whole number from 0 to {}", T::MAX)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
        Self::fit(value, Unexpected::Unsigned(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
        let unexpected = Unexpected::Signed(value);
        let value = u64::try_from(value).map_err(|_| E::invalid_value(unexpected, &self))?;
        Self::fit(value, unexpected)
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<T, E> {
        let unexpected = Unexpected::Float(value);
        // 2^64 is the first float above u64::MAX; every float below it that has no fraction is
        // exactly a u64.
        const TWO_TO_THE_64: f64 = 18_446_744_073_709_551_616.0;
        if value.fract() == 0.0 && value >= TWO_TO_THE_64 {
            // An integer too large for u64, which serde_json hands over as a float: said as the
            // integer it was written as, not as "floating point".
            let written = if value < 1e21 {
                format!("integer `{value:.0}`")
            } else {
                format!("integer `{value:e}`")
            };
            return Err(E::invalid_value(Unexpected::Other(&written), &self));
        }
        if value.fract() != 0.0 || !(0.0..TWO_TO_THE_64).contains(&value) {
            return Err(E::invalid_value(unexpected, &self));
        }
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "checked above: a whole number in u64's range"
        )]
        let whole = value as u64;
        Self::fit(whole, unexpected)
    }
}

struct Optional<T>(PhantomData<T>);

impl<'de, T: Unsigned> Visitor<'de> for Optional<T> {
    type Value = Option<T>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "null or a whole number from 0 to {}", T::MAX)
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        required(deserializer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Fields {
        #[serde(deserialize_with = "required")]
        count: u64,
        #[serde(default, deserialize_with = "optional")]
        size: Option<u64>,
        #[serde(default, deserialize_with = "optional")]
        small: Option<u32>,
    }

    fn parse(json: &str) -> Result<Fields, String> {
        serde_json::from_str(json).map_err(|error| error.to_string())
    }

    #[test]
    fn whole_floats_are_integers_and_null_is_none() {
        let fields = parse(r#"{"count": 19.0, "size": 1e3, "small": null}"#).unwrap();
        assert_eq!(
            (fields.count, fields.size, fields.small),
            (19, Some(1000), None)
        );
        assert_eq!(parse(r#"{"count": 0}"#).unwrap().size, None);
        assert_eq!(
            parse(r#"{"count": 18446744073709551615}"#).unwrap().count,
            u64::MAX
        );
    }

    #[test]
    fn fractions_negatives_and_overflows_name_the_range() {
        for (json, found) in [
            (r#"{"count": 19.5}"#, "floating point `19.5`"),
            (r#"{"count": -1}"#, "integer `-1`"),
            (r#"{"count": -1.0}"#, "floating point `-1.0`"),
            (
                r#"{"count": 18446744073709551616}"#,
                "integer `18446744073709551616`",
            ),
            (r#"{"count": 1e300}"#, "integer `1e300`"),
            (
                r#"{"count": 1, "small": 4294967296}"#,
                "integer `4294967296`",
            ),
        ] {
            let error = parse(json).unwrap_err();
            assert!(error.contains(found), "{json}: {error}");
            assert!(
                error.contains("a whole number from 0 to"),
                "{json}: {error}"
            );
        }
        assert!(
            parse(r#"{"count": "19"}"#).is_err(),
            "no strings for numbers"
        );
    }

    proptest! {
        #[test]
        fn any_u64_written_as_an_integer_reads_back(value: u64) {
            let fields = parse(&format!(r#"{{"count": {value}}}"#)).unwrap();
            prop_assert_eq!(fields.count, value);
        }

        #[test]
        fn a_whole_float_reads_as_its_value(value in 0u64..(1 << 53)) {
            let fields = parse(&format!(r#"{{"count": {value}.0}}"#)).unwrap();
            prop_assert_eq!(fields.count, value);
        }

        #[test]
        fn a_float_with_a_fraction_is_refused(whole in 0u64..(1 << 40), tenths in 1u64..10) {
            let json = format!(r#"{{"count": {whole}.{tenths}}}"#);
            prop_assert!(parse(&json).is_err());
        }

        #[test]
        fn u32_fields_refuse_what_does_not_fit(value in (u64::from(u32::MAX) + 1)..u64::MAX) {
            let json = format!(r#"{{"count": 0, "small": {value}}}"#);
            prop_assert!(parse(&json).is_err());
        }
    }
}
