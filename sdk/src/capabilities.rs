//! Linux capability names. Two comparisons, one per direction: an
//! allow-list admits a pod's name only as written (Pod Security Admission
//! compares names literally), while a deny-list catches every spelling of a
//! name (fail closed).

/// The canonical form of a capability name: upper case, without the `CAP_`
/// prefix. `cap_sys_admin`, `CAP_SYS_ADMIN` and `SYS_ADMIN` are one capability.
pub fn normalize(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    match upper.strip_prefix("CAP_") {
        Some(rest) => rest.to_owned(),
        None => upper,
    }
}

/// Whether `name` is a spelling of the canonical name `canonical`: the same
/// as `normalize(name) == canonical`, without allocating.
pub fn is_spelling_of(name: &str, canonical: &str) -> bool {
    let name = name.trim();
    let bare = match name.get(..4) {
        Some(prefix) if prefix.eq_ignore_ascii_case("CAP_") => name.get(4..).unwrap_or(name),
        _ => name,
    };
    bare.eq_ignore_ascii_case(canonical)
}

/// A set of capability names as written in settings; `*` or `ALL` stand for
/// every capability.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CapabilitySet {
    names: Vec<String>,
    all: bool,
}

impl CapabilitySet {
    pub fn new<S: AsRef<str>>(names: &[S]) -> Self {
        let names: Vec<String> = names.iter().map(|n| normalize(n.as_ref())).collect();
        let all = names.iter().any(|n| n == "*" || n == "ALL");
        Self { names, all }
    }

    /// Whether the set names this capability, or every capability, in any
    /// spelling (`cap_sys_admin` is `SYS_ADMIN`): for deny-like checks.
    pub fn contains(&self, name: &str) -> bool {
        self.all || {
            let name = normalize(name);
            self.names.contains(&name)
        }
    }

    /// Whether the set admits `name` exactly as written: it equals one of
    /// the canonical names, or the set is every capability. For allow-lists,
    /// as Pod Security Admission compares them (`chown` is not `CHOWN`).
    pub fn contains_as_written(&self, name: &str) -> bool {
        self.all || self.names.iter().any(|n| n == name)
    }

    pub fn is_all(&self) -> bool {
        self.all
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The names as normalised, in settings order.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_are_one_capability() {
        for name in ["cap_sys_admin", "CAP_SYS_ADMIN", "SYS_ADMIN", " sys_admin "] {
            assert_eq!(normalize(name), "SYS_ADMIN");
        }
        let set = CapabilitySet::new(&["cap_net_bind_service"]);
        assert!(set.contains("NET_BIND_SERVICE"));
        assert!(!set.contains("NET_ADMIN"));
    }

    #[test]
    fn is_spelling_of_agrees_with_normalize() {
        let names = [
            "cap_sys_admin",
            "CAP_SYS_ADMIN",
            "SYS_ADMIN",
            " sys_admin ",
            "Cap_Sys_Admin",
            "CAP_",
            "CAP",
            "cap_cap_sys_admin",
            "",
            "ALL",
            "all",
            "*",
            "é_SYS_ADMIN",
            "capé",
        ];
        for name in names {
            for canonical in ["SYS_ADMIN", "ALL", "*", "", "CAP_SYS_ADMIN"] {
                assert_eq!(
                    is_spelling_of(name, canonical),
                    normalize(name) == canonical,
                    "{name:?} {canonical:?}"
                );
            }
        }
    }

    #[test]
    fn star_and_all_mean_every_capability() {
        assert!(CapabilitySet::new(&["*"]).contains("SYS_ADMIN"));
        assert!(CapabilitySet::new(&["all"]).contains("SYS_ADMIN"));
        assert!(!CapabilitySet::new::<&str>(&[]).contains("SYS_ADMIN"));
        assert!(CapabilitySet::new(&["*"]).contains_as_written("sys_admin"));
        assert!(CapabilitySet::new(&["ALL"]).contains_as_written("anything"));
    }

    #[test]
    fn as_written_admits_only_the_canonical_spelling() {
        let set = CapabilitySet::new(&["cap_chown", "NET_BIND_SERVICE"]);
        assert!(set.contains_as_written("CHOWN"));
        assert!(set.contains_as_written("NET_BIND_SERVICE"));
        for name in [
            "chown",
            "CAP_CHOWN",
            "cap_chown",
            "Chown",
            " CHOWN",
            "ALL",
            "*",
            "",
        ] {
            assert!(!set.contains_as_written(name), "{name:?}");
        }
        // The normalised comparison still sees them all as CHOWN.
        for name in ["chown", "CAP_CHOWN", "Chown", " CHOWN"] {
            assert!(set.contains(name), "{name:?}");
        }
    }
}
