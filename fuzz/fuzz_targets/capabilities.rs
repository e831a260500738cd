//! Capability names: `normalize` and `is_spelling_of` agree, and sets
//! never panic. (Normalising is not idempotent on names with blanks after
//! `CAP_`, `"CAP_ 2"` -> `" 2"` -> `"2"`; both functions agree on them.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_sdk::capabilities::{self, CapabilitySet};

fuzz_target!(|names: Vec<String>| {
    for name in &names {
        let canonical = capabilities::normalize(name);
        assert!(
            capabilities::is_spelling_of(name, &canonical),
            "{name:?} vs {canonical:?}"
        );
    }
    let set = CapabilitySet::new(&names);
    for name in &names {
        let _ = set.contains_as_written(name);
        let _ = set.contains(name);
    }
    let _ = (set.is_empty(), set.names());
});
