//! A lean `Deserialize` for the structs the parse reads: what serde's derive
//! does for a JSON object, in less code per struct.
//!
//! serde's derive gives every struct a field-identifier type with its own
//! visitor, a `visit_seq` (structs written as JSON arrays) and a
//! `visit_map`, each compiled once per struct: most of a module's size.
//! [`lean_deserialize!`](crate::lean_deserialize) gives a struct only a
//! `visit_map`, its keys read as one shared [`Key`] type:
//!
//! - a key the struct names is read into its field; the same key twice is
//!   an error (`duplicate field`), as with the derive;
//! - any other key is skipped unbuilt (`IgnoredAny`);
//! - a missing field is its type's default (`None`, empty), unless marked
//!   `required` (then `missing field`);
//! - a field marked `nullable` reads `null` as its default;
//! - a JSON array where an object is expected is an error.

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// A map key, borrowed from the input when it has no escapes.
pub struct Key<'de>(pub Cow<'de, str>);

impl Key<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A struct read from a JSON object by [`lean_deserialize!`](crate::lean_deserialize).
pub trait LeanStruct<'de>: Sized {
    /// What an error says was expected (`struct PodSpec`).
    const EXPECTING: &'static str;
    fn visit_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// The one visitor every lean struct shares.
pub struct LeanVisitor<T>(PhantomData<T>);

impl<'de, T: LeanStruct<'de>> Visitor<'de> for LeanVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::visit_map(map)
    }
}

/// Reads a lean struct from a deserializer: a JSON object, nothing else.
pub fn deserialize<'de, T: LeanStruct<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_map(LeanVisitor(PhantomData))
}

/// `Deserialize` for a struct, from its fields and their JSON names:
///
/// ```ignore
/// lean_deserialize! { PodSpec {
///     containers: "containers" nullable,
///     host_pid: "hostPID",
/// } }
/// // Generic or borrowing structs name their impl generics, 'de among them:
/// lean_deserialize! { impl['de, S: Deserialize<'de>] Resource<S> {
///     metadata: "metadata",
///     spec: "spec" required,
/// } }
/// ```
///
/// The struct must implement `Default` (a missing field keeps its default)
/// and have at most 64 fields, every one of them listed (else it does not
/// compile).
#[macro_export]
macro_rules! lean_deserialize {
    ($name:ident { $($body:tt)* }) => {
        $crate::lean_deserialize! { impl['de] $name { $($body)* } }
    };
    (impl[$($gen:tt)*] $ty:ty { $($field:ident : $json:literal $($how:ident)?),* $(,)? }) => {
        impl<$($gen)*> $crate::de::LeanStruct<'de> for $ty {
            const EXPECTING: &'static str = concat!("struct ", stringify!($ty));
            fn visit_map<A: ::serde::de::MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
                // One bit per field, in the order listed: which keys were read.
                #[allow(non_camel_case_types, dead_code)]
                enum Field { $($field),* }
                let mut out = <Self as Default>::default();
                let mut seen = 0u64;
                while let Some(key) = map.next_key::<$crate::de::Key<'de>>()? {
                    let (bit, name) = match key.as_str() {
                        $($json => {
                            let bit = 1u64 << (Field::$field as u32);
                            if seen & bit == 0 {
                                out.$field = $crate::lean_read!(map $($how)?);
                            }
                            (bit, $json)
                        })*
                        _ => {
                            map.next_value::<::serde::de::IgnoredAny>()?;
                            continue;
                        }
                    };
                    if seen & bit != 0 {
                        return Err(<A::Error as ::serde::de::Error>::duplicate_field(name));
                    }
                    seen |= bit;
                }
                $($crate::lean_required!(seen, Field::$field, $json, A $($how)?);)*
                // Checked when compiled, never run: a field left out of the
                // list would never be read, silently; this pattern names
                // every field, so leaving one out does not compile.
                let _every_field_listed = |value: &Self| {
                    let Self { $($field: _),* } = value;
                };
                Ok(out)
            }
        }

        impl<$($gen)*> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::de::deserialize(deserializer)
            }
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! lean_read {
    ($map:ident) => {
        $map.next_value()?
    };
    ($map:ident required) => {
        $map.next_value()?
    };
    ($map:ident nullable) => {
        $map.next_value::<Option<_>>()?.unwrap_or_default()
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! lean_required {
    ($seen:ident, $field:expr, $json:literal, $err:ident) => {};
    ($seen:ident, $field:expr, $json:literal, $err:ident nullable) => {};
    ($seen:ident, $field:expr, $json:literal, $err:ident required) => {
        if $seen & (1u64 << ($field as u32)) == 0 {
            return Err(<$err::Error as ::serde::de::Error>::missing_field($json));
        }
    };
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Default, PartialEq)]
    struct Inner {
        flag: Option<bool>,
        list: Vec<i64>,
        name: String,
    }
    crate::lean_deserialize! { Inner {
        flag: "flag",
        list: "list" nullable,
        name: "name",
    } }

    #[derive(Debug, Default, PartialEq)]
    struct Outer<T> {
        inner: T,
        other: Option<Inner>,
    }
    crate::lean_deserialize! { impl['de, T: Deserialize<'de> + Default] Outer<T> {
        inner: "inner" required,
        other: "otherField",
    } }

    fn inner(json: &str) -> serde_json::Result<Inner> {
        serde_json::from_str(json)
    }

    #[test]
    fn reads_known_fields_and_skips_the_rest() {
        let read = inner(r#"{"x":{"deep":[1,{"y":null}]},"flag":true,"list":[1,2],"name":"a\n"}"#)
            .unwrap();
        assert_eq!(
            read,
            Inner {
                flag: Some(true),
                list: vec![1, 2],
                name: "a\n".into()
            }
        );
        assert_eq!(inner("{}").unwrap(), Inner::default());
        // An escaped key is still the field it spells.
        assert_eq!(inner(r#"{"fl\u0061g":false}"#).unwrap().flag, Some(false));
    }

    #[test]
    fn nulls_duplicates_and_wrong_types() {
        assert_eq!(
            inner(r#"{"flag":null,"list":null}"#).unwrap(),
            Inner::default()
        );
        // `null` is not a string: only fields marked nullable, or options, read it.
        assert!(inner(r#"{"name":null}"#).is_err());
        let err = inner(r#"{"flag":false,"flag":true}"#).unwrap_err();
        assert!(err.to_string().contains("duplicate field `flag`"), "{err}");
        assert!(inner(r#"{"flag":"yes"}"#).is_err());
        assert!(inner(r#"{"list":[1,"2"]}"#).is_err());
        // A struct is a JSON object, never an array.
        let err = inner("[true,[],\"a\"]").unwrap_err();
        assert!(err.to_string().contains("struct Inner"), "{err}");
        assert!(inner("null").is_err());
    }

    #[test]
    fn required_fields_and_generics() {
        let outer: Outer<Inner> =
            serde_json::from_str(r#"{"inner":{"name":"n"},"otherField":null}"#).unwrap();
        assert_eq!(outer.inner.name, "n");
        assert_eq!(outer.other, None);
        let err = serde_json::from_str::<Outer<Inner>>(r#"{"otherField":{}}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `inner`"), "{err}");
    }
}
