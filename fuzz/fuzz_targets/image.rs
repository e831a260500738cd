//! The image reference parser: a parsed reference prints back to one that
//! parses to the same reference.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_sdk::image::{self, ImageRef};

fuzz_target!(|text: &str| {
    if let Ok(reference) = ImageRef::parse(text) {
        let _ = (
            reference.name(),
            reference.effective_tag(),
            reference.host(),
        );
        let printed = reference.to_string();
        let again = ImageRef::parse(&printed);
        assert_eq!(
            again.ok(),
            Some(reference),
            "{text:?} printed as {printed:?}"
        );
    }
    let _ = image::quoted(text);
    let _ = image::host_of(text);
    let _ = image::parse_registry(text);
});
