//! Kubernetes resource quantities (`500m`, `0.5`, `1Gi`, `1e3`), parsed
//! exactly.
//!
//! The grammar is Kubernetes' (`k8s.io/apimachinery/pkg/api/resource`):
//!
//! ```text
//! quantity  = [sign] number [suffix]
//! number    = digits | digits "." [digits] | "." digits
//! suffix    = binary | decimal | exponent
//! binary    = "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei"          (powers of 1024)
//! decimal   = "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E"
//! exponent  = ("e" | "E") [sign] digits                       (1e3, 2E-2)
//! ```
//!
//! A value is kept as an integer number of nano-units ([`Amount`]), in
//! `i128`, with checked arithmetic: `0.1` is exactly 100000000 nano-units,
//! `1.5Gi` exactly 1610612736 bytes, and comparisons are exact. As
//! Kubernetes does, a value finer than a nano-unit is rounded up (away from
//! zero) to the next nano-unit: `1e-30` is 1n, never 0.
//!
//! Stricter than Kubernetes, on purpose: the number needs at least one
//! digit (Kubernetes refuses `""` but reads `.`, `-`, `m` and `Ki` as
//! zero), no whitespace is trimmed (the API server trims it
//! when it decodes JSON and sends admission webhooks the canonical form, so
//! a webhook never sees it), and a value above Kubernetes' largest quantity
//! (2^63-1 units, where Kubernetes silently caps) is an error, as is an
//! exponent that does not fit. Nothing here panics on any input.

use serde::de::{self, Deserialize, Deserializer, Visitor};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// Nano-units in one unit.
const NANOS_PER_UNIT: i128 = 1_000_000_000;
/// The largest magnitude Kubernetes represents: 2^63-1 units.
const MAX_NANOS: i128 = (i64::MAX as i128) * NANOS_PER_UNIT;
/// Significant digits kept; further digits only round up (they lie below a
/// nano-unit in any value that fits, see [`scale`]).
const MAX_DIGITS: usize = 38;

/// A quantity's exact value, in nano-units (nano-cores, nano-bytes).
/// Ordered and compared by value: `1Gi == 1073741824`, `0.5 == 500m`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount {
    nanos: i128,
}

/// Why a text is not a quantity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuantityError {
    Empty,
    /// The text does not follow the grammar (with the reason).
    Format(String),
    /// Larger than Kubernetes' largest quantity (2^63-1 units).
    TooLarge,
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuantityError::Empty => f.write_str("an empty quantity"),
            QuantityError::Format(why) => write!(f, "not a quantity: {why}"),
            QuantityError::TooLarge => {
                f.write_str("larger than the largest quantity Kubernetes represents (2^63-1)")
            }
        }
    }
}

impl std::error::Error for QuantityError {}

impl Amount {
    pub const ZERO: Amount = Amount { nanos: 0 };

    /// Parses a quantity as Kubernetes writes it (see the module docs).
    pub fn parse(text: &str) -> Result<Amount, QuantityError> {
        parse(text)
    }

    /// A value of `nanos` nano-units, if Kubernetes can represent it.
    pub fn from_nanos(nanos: i128) -> Option<Amount> {
        (nanos.abs() <= MAX_NANOS).then_some(Amount { nanos })
    }

    /// The exact value, in nano-units.
    pub fn nanos(self) -> i128 {
        self.nanos
    }

    /// In milli-units (millicores), rounded up as Kubernetes' `MilliValue` does.
    pub fn millis_ceil(self) -> i128 {
        ceil_div(self.nanos, 1_000_000)
    }

    /// In units (cores, bytes), rounded up as Kubernetes' `Value` does.
    pub fn units_ceil(self) -> i128 {
        ceil_div(self.nanos, NANOS_PER_UNIT)
    }

    pub fn is_negative(self) -> bool {
        self.nanos < 0
    }
}

/// `n / d` rounded towards positive infinity (`d > 0`).
fn ceil_div(n: i128, d: i128) -> i128 {
    let q = n.div_euclid(d);
    if n.rem_euclid(d) == 0 { q } else { q + 1 }
}

impl FromStr for Amount {
    type Err = QuantityError;
    fn from_str(text: &str) -> Result<Amount, QuantityError> {
        parse(text)
    }
}

/// Shows the value in the largest decimal unit that keeps it exact
/// (`500m`, `2`, `1536Mi` shows as `1610612736`): for messages, where the
/// text as written is usually shown instead.
impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = self.nanos;
        if nanos % NANOS_PER_UNIT == 0 {
            write!(f, "{}", nanos / NANOS_PER_UNIT)
        } else if nanos % 1_000_000 == 0 {
            write!(f, "{}m", nanos / 1_000_000)
        } else if nanos % 1_000 == 0 {
            write!(f, "{}u", nanos / 1_000)
        } else {
            write!(f, "{nanos}n")
        }
    }
}

fn format_error(why: impl Into<String>) -> QuantityError {
    QuantityError::Format(why.into())
}

fn parse(text: &str) -> Result<Amount, QuantityError> {
    if text.is_empty() {
        return Err(QuantityError::Empty);
    }
    let bytes = text.as_bytes();
    let mut pos = 0;
    let negative = match bytes.first() {
        Some(b'-') => {
            pos += 1;
            true
        }
        Some(b'+') => {
            pos += 1;
            false
        }
        _ => false,
    };
    let digits_from = |start: usize| {
        bytes
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let int_len = digits_from(pos);
    let int_part = text.get(pos..pos + int_len).unwrap_or_default();
    pos += int_len;
    let mut frac_part = "";
    if bytes.get(pos) == Some(&b'.') {
        pos += 1;
        let frac_len = digits_from(pos);
        frac_part = text.get(pos..pos + frac_len).unwrap_or_default();
        pos += frac_len;
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(format_error("no digits"));
    }
    let suffix = text.get(pos..).unwrap_or_default();
    // (power of ten, power of two) of the suffix.
    let (mut exponent, binary): (i64, u32) = match suffix {
        "" => (0, 0),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        _ => (parse_exponent(suffix)?, 0),
    };

    // The significant digits as an integer, with the power of ten they are scaled by.
    let digits = int_part.bytes().chain(frac_part.bytes());
    let frac_len = i64::try_from(frac_part.len()).map_err(|_| QuantityError::TooLarge)?;
    exponent = exponent
        .checked_sub(frac_len)
        .ok_or(QuantityError::TooLarge)?;
    let mut mantissa: i128 = 0;
    let mut kept = 0usize;
    let mut dropped: i64 = 0;
    let mut sticky = false;
    for digit in digits {
        let value = i128::from(digit - b'0');
        if kept == 0 && value == 0 {
            continue; // a leading zero
        }
        if kept < MAX_DIGITS {
            mantissa = mantissa * 10 + value;
            kept += 1;
        } else {
            // Beyond 38 significant digits: only whether any is non-zero matters.
            sticky |= value != 0;
            dropped = dropped.checked_add(1).ok_or(QuantityError::TooLarge)?;
        }
    }
    exponent = exponent
        .checked_add(dropped)
        .ok_or(QuantityError::TooLarge)?;
    if mantissa == 0 {
        return Ok(Amount::ZERO);
    }
    let magnitude = scale(mantissa, exponent, binary, sticky)?;
    if magnitude > MAX_NANOS {
        return Err(QuantityError::TooLarge);
    }
    Ok(Amount {
        nanos: if negative { -magnitude } else { magnitude },
    })
}

/// `e3`, `E-2`, `e+10`: the power of ten of an exponent suffix.
fn parse_exponent(suffix: &str) -> Result<i64, QuantityError> {
    let bad = || {
        format_error(format!(
            "unknown suffix {suffix:?} (use n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent such as e3)"
        ))
    };
    let rest = suffix
        .strip_prefix('e')
        .or_else(|| suffix.strip_prefix('E'))
        .ok_or_else(bad)?;
    let (negative, digits) = match rest.as_bytes().first() {
        Some(b'-') => (true, rest.get(1..).unwrap_or_default()),
        Some(b'+') => (false, rest.get(1..).unwrap_or_default()),
        _ => (false, rest),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let mut value: i64 = 0;
    for digit in digits.bytes() {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(digit - b'0')))
            .filter(|v| *v <= i64::from(i32::MAX))
            .ok_or_else(|| format_error("exponent out of range"))?;
    }
    Ok(if negative { -value } else { value })
}

/// `mantissa × 10^exponent × 2^binary` in nano-units, rounded up; `sticky`
/// says that dropped non-zero digits follow the mantissa.
fn scale(mantissa: i128, exponent: i64, binary: u32, sticky: bool) -> Result<i128, QuantityError> {
    let value = mantissa
        .checked_mul(1i128 << binary)
        .ok_or(QuantityError::TooLarge)?;
    // Nano-units: nine more powers of ten.
    let power = exponent.checked_add(9).ok_or(QuantityError::TooLarge)?;
    match power.cmp(&0) {
        Ordering::Equal => Ok(value + i128::from(sticky)),
        Ordering::Greater => {
            let power = u32::try_from(power).map_err(|_| QuantityError::TooLarge)?;
            10i128
                .checked_pow(power)
                .and_then(|factor| value.checked_mul(factor))
                .ok_or(QuantityError::TooLarge)
        }
        Ordering::Less => {
            // value < 2^127 < 10^39: a divisor of 10^39 or more leaves a
            // fraction of a nano-unit, which rounds up to one.
            let Some(divisor) = u32::try_from(power.unsigned_abs())
                .ok()
                .and_then(|p| 10i128.checked_pow(p))
            else {
                return Ok(1);
            };
            let whole = value / divisor;
            Ok(if value % divisor != 0 || sticky {
                whole + 1
            } else {
                whole
            })
        }
    }
}

/// A quantity in settings: the text as given (for messages and for
/// mutations, which write it unchanged) and its value. Read from a string
/// or a number (YAML `cpu: 2`); a text that is not a quantity, or a
/// negative one, is refused with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantitySetting {
    pub text: String,
    pub amount: Amount,
}

impl fmt::Display for QuantitySetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl QuantitySetting {
    pub fn parse(text: &str) -> Result<Self, String> {
        let amount = Amount::parse(text).map_err(|e| format!("{text:?}: {e}"))?;
        if amount.is_negative() {
            return Err(format!("{text:?}: a quantity here must not be negative"));
        }
        Ok(Self {
            text: text.to_owned(),
            amount,
        })
    }
}

impl<'de> Deserialize<'de> for QuantitySetting {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SettingVisitor;

        impl Visitor<'_> for SettingVisitor {
            type Value = QuantitySetting;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quantity such as \"500m\", \"2\" or \"1Gi\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<QuantitySetting, E> {
                QuantitySetting::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<QuantitySetting, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<QuantitySetting, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<QuantitySetting, E> {
                // `0.5` reads as "0.5"; a float that prints in exponent
                // form or as `inf`/`NaN` is refused by the parser.
                self.visit_str(&v.to_string())
            }
        }

        deserializer.deserialize_any(SettingVisitor)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn nanos(text: &str) -> i128 {
        Amount::parse(text)
            .unwrap_or_else(|e| panic!("{text:?}: {e}"))
            .nanos()
    }

    const G: i128 = NANOS_PER_UNIT;

    #[test]
    fn the_brief_examples() {
        assert_eq!(nanos("500m"), G / 2);
        assert_eq!(nanos("0.5"), G / 2);
        assert_eq!(nanos("2"), 2 * G);
        assert_eq!(nanos("1Gi"), 1_073_741_824 * G);
        assert_eq!(nanos("1G"), 1_000_000_000 * G);
        assert_eq!(nanos("1e3"), 1000 * G);
        assert_eq!(nanos("128974848"), 128_974_848 * G);
        assert_eq!(nanos("129M"), 129_000_000 * G);
        assert_eq!(nanos("123Mi"), 123 * 1_048_576 * G);
    }

    #[test]
    fn every_suffix() {
        for (text, units_nanos) in [
            ("1n", 1),
            ("1u", 1_000),
            ("1m", 1_000_000),
            ("1", G),
            ("1k", 1_000 * G),
            ("1M", 1_000_000 * G),
            ("1G", 1_000_000_000 * G),
            ("1T", 1_000_000_000_000 * G),
            ("1P", 1_000_000_000_000_000 * G),
            ("1E", 1_000_000_000_000_000_000 * G),
            ("1Ki", 1 << 10),
            ("1Mi", 1 << 20),
            ("1Gi", 1 << 30),
            ("1Ti", 1 << 40),
            ("1Pi", 1 << 50),
            ("1Ei", 1 << 60),
        ] {
            let expected = if text.ends_with('i') {
                units_nanos * G
            } else {
                units_nanos
            };
            assert_eq!(nanos(text), expected, "{text}");
        }
    }

    #[test]
    fn exponents_signs_and_decimal_forms() {
        assert_eq!(nanos("1E3"), 1000 * G);
        assert_eq!(nanos("1e+3"), 1000 * G);
        assert_eq!(nanos("25e-2"), G / 4);
        assert_eq!(nanos("1.5e3"), 1500 * G);
        assert_eq!(nanos("1.5Gi"), 1_610_612_736 * G);
        assert_eq!(nanos("0.5Ki"), 512 * G);
        assert_eq!(nanos("1."), G);
        assert_eq!(nanos(".5"), G / 2);
        assert_eq!(nanos("+2"), 2 * G);
        assert_eq!(nanos("-1"), -G);
        assert_eq!(nanos("-500m"), -G / 2);
        assert_eq!(nanos("0"), 0);
        assert_eq!(nanos("-0"), 0);
        assert_eq!(nanos("0.000"), 0);
        assert_eq!(nanos("000123"), 123 * G);
        assert_eq!(nanos("0e999999"), 0);
        assert_eq!(nanos("100e-2"), G);
        assert_eq!(nanos("0.1"), G / 10);
        // 0.1 + 0.2 is exactly 0.3 here.
        assert_eq!(nanos("0.1") + nanos("0.2"), nanos("0.3"));
    }

    #[test]
    fn finer_than_a_nano_unit_rounds_up_away_from_zero() {
        assert_eq!(nanos("0.0001m"), 100); // exact: 100 nano-units
        assert_eq!(nanos("0.0001n"), 1); // 100 femto-units round up
        assert_eq!(nanos("1.5n"), 2);
        assert_eq!(nanos("-1.5n"), -2);
        assert_eq!(nanos("1e-30"), 1);
        assert_eq!(nanos("1e-999"), 1);
        assert_eq!(nanos("1e-2147483647"), 1);
        assert_eq!(nanos("0.0000000010"), 1);
        assert_eq!(nanos("0.0000000011"), 2);
        // Digits far beyond the 38 kept still round up, never down.
        let long = format!("1.{}1", "0".repeat(60));
        assert_eq!(nanos(&long), G + 1);
        let exact = format!("1.{}", "0".repeat(60));
        assert_eq!(nanos(&exact), G);
    }

    #[test]
    fn comparisons_are_exact() {
        let a = |t: &str| Amount::parse(t).unwrap();
        assert_eq!(a("1Gi"), a("1073741824"));
        assert_eq!(a("0.5"), a("500m"));
        assert_eq!(a("1k"), a("1e3"));
        assert_eq!(a("1000m"), a("1"));
        assert!(a("1G") < a("1Gi"));
        assert!(a("129M") > a("123Mi"));
        assert!(a("999999999n") < a("1"));
        assert!(a("1000000001n") > a("1"));
        assert!(a("-1") < a("0"));
        // One nano-unit apart at the top of the range.
        assert!(a("9223372036854775806999999999n") < a("9223372036854775807"));
    }

    #[test]
    fn millis_and_units_round_up() {
        let a = |t: &str| Amount::parse(t).unwrap();
        assert_eq!(a("500m").millis_ceil(), 500);
        assert_eq!(a("0.0001m").millis_ceil(), 1);
        assert_eq!(a("1.5").units_ceil(), 2);
        assert_eq!(a("-1.5").units_ceil(), -1);
        assert_eq!(a("1Gi").units_ceil(), 1_073_741_824);
        assert_eq!(a("2").millis_ceil(), 2000);
    }

    #[test]
    fn display_is_exact() {
        let shown = |t: &str| Amount::parse(t).unwrap().to_string();
        assert_eq!(shown("0.5"), "500m");
        assert_eq!(shown("2"), "2");
        assert_eq!(shown("1Ki"), "1024");
        assert_eq!(shown("1.5u"), "1500n");
        assert_eq!(shown("-250m"), "-250m");
        assert_eq!(shown("3u"), "3u");
    }

    #[test]
    fn garbage_is_refused() {
        for bad in [
            " 1Gi", "1Gi ", "1gi", "1GI", "1K", "1KB", "1kb", "Gi", "m", ".", "-", "+", "--1",
            "+-1", "1.2.3", "1e", "1E+", "1e3.5", "1e3m", "1m5", "0x10", "1_000", "١", "1 Gi",
            "1,5", "e3", "1ee3", "1e--3", "∞", "NaN", "inf", "1\n", "1i", "1Kii", "1mi", "1iB",
        ] {
            let err = Amount::parse(bad).unwrap_err();
            assert!(matches!(err, QuantityError::Format(_)), "{bad:?}: {err:?}");
        }
        assert_eq!(Amount::parse(""), Err(QuantityError::Empty));
        let reason = |t: &str| Amount::parse(t).unwrap_err().to_string();
        assert_eq!(reason("two"), "not a quantity: no digits");
        assert!(reason("128MB").starts_with("not a quantity: unknown suffix \"MB\" (use n, u, m"));
        assert_eq!(
            reason("1e99999999999"),
            "not a quantity: exponent out of range"
        );
        assert_eq!(reason(""), "an empty quantity");
    }

    #[test]
    fn too_large_is_refused_never_wrapped_or_capped() {
        for big in [
            "1e999",
            "1e19",
            "9223372036854775808",
            "10Ei",
            "8Ei",
            "-9223372036854775808",
            "99999999999999999999999999999999999999999999999",
            "1e2147483647",
        ] {
            assert_eq!(Amount::parse(big), Err(QuantityError::TooLarge), "{big:?}");
        }
        // Exponents beyond i32 are refused as Kubernetes cannot read them either
        // (its int32 conversion would wrap).
        for out_of_range in ["1e4294967296", "1e-99999999999999999999"] {
            assert!(
                matches!(Amount::parse(out_of_range), Err(QuantityError::Format(_))),
                "{out_of_range}"
            );
        }
        // The largest value Kubernetes represents is fine, and 7Ei too.
        assert_eq!(nanos("9223372036854775807"), MAX_NANOS);
        assert_eq!(nanos("7Ei"), 7 * (1i128 << 60) * G);
    }

    #[test]
    fn huge_inputs_do_not_panic() {
        let long = "9".repeat(100_000);
        assert_eq!(Amount::parse(&long), Err(QuantityError::TooLarge));
        let zeros = format!("{}1", "0".repeat(100_000));
        assert_eq!(nanos(&zeros), G);
        let tiny = format!("0.{}1", "0".repeat(100_000));
        assert_eq!(nanos(&tiny), 1);
        let fraction = format!("1.{}", "9".repeat(100_000));
        assert_eq!(nanos(&fraction), 2 * G);
        let exponent = format!("1e{}", "9".repeat(1000));
        assert!(Amount::parse(&exponent).is_err());
        let big_binary = format!("{}Ei", "9".repeat(40));
        assert_eq!(Amount::parse(&big_binary), Err(QuantityError::TooLarge));
        let fine_binary = format!("0.{}1Ki", "0".repeat(50));
        assert_eq!(nanos(&fine_binary), 1);
        // Every prefix of a tricky text, and every byte, parses or errs cleanly.
        let text = "-1.5e-3Kix Mi";
        for end in 0..=text.len() {
            let _ = Amount::parse(text.get(..end).unwrap());
        }
        for byte in 0u8..=127 {
            let s = format!("1{}", char::from(byte));
            let _ = Amount::parse(&s);
        }
        for c in ['é', 'ß', '\u{FEFF}', '𝟙'] {
            assert!(Amount::parse(&format!("1{c}")).is_err());
            assert!(Amount::parse(&format!("{c}1")).is_err());
        }
    }

    #[test]
    fn from_nanos_respects_the_range() {
        assert_eq!(Amount::from_nanos(MAX_NANOS).unwrap().nanos(), MAX_NANOS);
        assert!(Amount::from_nanos(MAX_NANOS + 1).is_none());
        assert!(Amount::from_nanos(-MAX_NANOS - 1).is_none());
    }

    #[test]
    fn settings_read_strings_and_numbers_and_refuse_negatives() {
        let read = |json: &str| serde_json::from_str::<QuantitySetting>(json);
        let two = read("\"2\"").unwrap();
        assert_eq!(two.text, "2");
        assert_eq!(two.amount, Amount::parse("2").unwrap());
        assert_eq!(read("2").unwrap().text, "2");
        assert_eq!(read("0.5").unwrap().amount, Amount::parse("500m").unwrap());
        assert_eq!(read("\"1Gi\"").unwrap().to_string(), "1Gi");
        for bad in ["\"-1\"", "-1", "\"1gi\"", "\"\"", "true", "[]", "1e400"] {
            assert!(read(bad).is_err(), "{bad}");
        }
        let err = read("\"1gi\"").unwrap_err().to_string();
        assert!(err.contains("\"1gi\": not a quantity"), "{err}");
    }
}
