//! Linux capability names, compared as container runtimes compare them.

/// The canonical form of a capability name: upper case, without the `CAP_`
/// prefix. `cap_sys_admin`, `CAP_SYS_ADMIN` and `SYS_ADMIN` are one capability.
pub fn normalize(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    match upper.strip_prefix("CAP_") {
        Some(rest) => rest.to_owned(),
        None => upper,
    }
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

    /// Whether the set names this capability, or every capability.
    pub fn contains(&self, name: &str) -> bool {
        self.all || {
            let name = normalize(name);
            self.names.contains(&name)
        }
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
    fn star_and_all_mean_every_capability() {
        assert!(CapabilitySet::new(&["*"]).contains("SYS_ADMIN"));
        assert!(CapabilitySet::new(&["all"]).contains("SYS_ADMIN"));
        assert!(!CapabilitySet::new::<&str>(&[]).contains("SYS_ADMIN"));
    }
}
