//! Conversion between device sample types and the `f32` samples used inside the crate.

/// A device sample type: conversion to and from `f32` in `[-1.0, 1.0]`, with clamping and no allocation.
///
/// Implemented for the formats cpal hosts report in practice: `f32`, `f64`, `i8`, `i16`, `i32`, `u8` and `u16`.
pub trait Sample: Copy + Send + 'static {
    /// The value of silence (zero for signed and float types, the midpoint for unsigned ones).
    const SILENCE: Self;
    /// Converts from `f32`; values outside `[-1.0, 1.0]` are clamped.
    fn from_f32(value: f32) -> Self;
    /// Converts to `f32` in `[-1.0, 1.0]`.
    fn to_f32(self) -> f32;
}

impl Sample for f32 {
    const SILENCE: Self = 0.0;
    fn from_f32(value: f32) -> Self {
        value.clamp(-1.0, 1.0)
    }
    fn to_f32(self) -> f32 {
        self
    }
}

impl Sample for f64 {
    const SILENCE: Self = 0.0;
    fn from_f32(value: f32) -> Self {
        f64::from(value.clamp(-1.0, 1.0))
    }
    fn to_f32(self) -> f32 {
        self as f32
    }
}

macro_rules! signed_sample {
    ($t:ty) => {
        impl Sample for $t {
            const SILENCE: Self = 0;
            fn from_f32(value: f32) -> Self {
                let scaled = f64::from(value.clamp(-1.0, 1.0)) * -(<$t>::MIN as f64);
                scaled.round().clamp(<$t>::MIN as f64, <$t>::MAX as f64) as $t
            }
            fn to_f32(self) -> f32 {
                (self as f64 / -(<$t>::MIN as f64)) as f32
            }
        }
    };
}

macro_rules! unsigned_sample {
    ($t:ty) => {
        impl Sample for $t {
            const SILENCE: Self = <$t>::MAX / 2 + 1;
            fn from_f32(value: f32) -> Self {
                let mid = f64::from(Self::SILENCE);
                let scaled = f64::from(value.clamp(-1.0, 1.0)) * mid + mid;
                scaled.round().clamp(0.0, <$t>::MAX as f64) as $t
            }
            fn to_f32(self) -> f32 {
                let mid = f64::from(Self::SILENCE);
                ((f64::from(self) - mid) / mid) as f32
            }
        }
    };
}

signed_sample!(i8);
signed_sample!(i16);
signed_sample!(i32);
unsigned_sample!(u8);
unsigned_sample!(u16);

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<S: Sample>(value: f32) -> f32 {
        S::from_f32(value).to_f32()
    }

    #[test]
    fn full_scale_and_silence_map_to_the_type_limits() {
        assert_eq!(i16::from_f32(1.0), i16::MAX);
        assert_eq!(i16::from_f32(-1.0), i16::MIN);
        assert_eq!(i16::from_f32(0.0), 0);
        assert_eq!(i16::from_f32(2.0), i16::MAX, "clamped");
        assert_eq!(u16::from_f32(0.0), 32_768);
        assert_eq!(u8::from_f32(-1.0), 0);
        assert_eq!(u8::from_f32(1.0), 255);
        assert_eq!(i32::from_f32(-1.0), i32::MIN);
        assert_eq!(f32::from_f32(-3.0), -1.0);
        assert_eq!(u16::SILENCE.to_f32(), 0.0);
    }

    #[test]
    fn conversions_round_trip_within_one_step() {
        for value in [-1.0, -0.5, -0.001, 0.0, 0.25, 0.999] {
            assert!((round_trip::<i16>(value) - value).abs() <= 1.0 / 32_768.0);
            assert!((round_trip::<u16>(value) - value).abs() <= 1.0 / 32_768.0);
            assert!((round_trip::<i8>(value) - value).abs() <= 1.0 / 128.0);
            assert!((round_trip::<u8>(value) - value).abs() <= 1.0 / 128.0);
            assert!((round_trip::<i32>(value) - value).abs() <= 1e-6);
            assert!((round_trip::<f64>(value) - value).abs() <= 1e-7);
        }
    }
}
