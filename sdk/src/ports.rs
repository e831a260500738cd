//! Port lists as operators write them: numbers, `"443"`, and ranges
//! `"8000-8080"` (Azure gives ports as strings).

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use std::fmt;

/// A set of TCP/UDP ports, from a list of ports and inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortRanges(Vec<(u16, u16)>);

impl PortRanges {
    pub fn contains(&self, port: i64) -> bool {
        self.0
            .iter()
            .any(|&(low, high)| i64::from(low) <= port && port <= i64::from(high))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Parses one entry: `443` or `8000-8080`, each port 1 to 65535.
    pub fn parse_entry(text: &str) -> Result<(u16, u16), String> {
        let port = |s: &str| -> Result<u16, String> {
            match s.trim().parse::<u16>() {
                Ok(p) if p > 0 => Ok(p),
                _ => Err(format!(
                    "{text:?} is not a port (1-65535) or a range like \"8000-8080\""
                )),
            }
        };
        match text.split_once('-') {
            None => port(text).map(|p| (p, p)),
            Some((low, high)) => {
                let (low, high) = (port(low)?, port(high)?);
                if low > high {
                    return Err(format!("{text:?}: the range ends before it starts"));
                }
                Ok((low, high))
            }
        }
    }
}

impl fmt::Display for PortRanges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (low, high)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            if low == high {
                write!(f, "{low}")?;
            } else {
                write!(f, "{low}-{high}")?;
            }
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for PortRanges {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor;

        impl<'de> Visitor<'de> for ListVisitor {
            type Value = PortRanges;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of ports and ranges (443, \"443\", \"8000-8080\")")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PortRanges, A::Error> {
                let mut ranges = Vec::new();
                while let Some(entry) = seq.next_element::<Entry>()? {
                    ranges.push(entry.0);
                }
                Ok(PortRanges(ranges))
            }
        }

        deserializer.deserialize_seq(ListVisitor)
    }
}

/// One list entry: a number or a string.
struct Entry((u16, u16));

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntryVisitor;

        impl Visitor<'_> for EntryVisitor {
            type Value = Entry;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a port (1-65535) or a range like \"8000-8080\"")
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Entry, E> {
                self.visit_str(&v.to_string())
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Entry, E> {
                self.visit_str(&v.to_string())
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Entry, E> {
                PortRanges::parse_entry(v).map(Entry).map_err(E::custom)
            }
        }

        deserializer.deserialize_any(EntryVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<PortRanges, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn numbers_strings_and_ranges() {
        let ports = parse(r#"[443, "80", "8000-8080"]"#).unwrap();
        for p in [443, 80, 8000, 8042, 8080] {
            assert!(ports.contains(p), "{p}");
        }
        for p in [0, 81, 7999, 8081, 65536, -443] {
            assert!(!ports.contains(p), "{p}");
        }
        assert_eq!(ports.to_string(), "443, 80, 8000-8080");
    }

    #[test]
    fn bad_entries_are_refused() {
        for bad in [
            r#"[0]"#,
            r#"[65536]"#,
            r#"["http"]"#,
            r#"["90-80"]"#,
            r#"["1-"]"#,
            r#"[-1]"#,
            r#"[true]"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
