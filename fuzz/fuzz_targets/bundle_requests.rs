//! Structure-aware: generated requests (every workload kind, container
//! kind, security contexts, volumes, annotations, Services, Ingresses,
//! UPDATEs) under every profile and every rule alone, through the bundle.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use palisade_fuzz::requests::{self, Source};
use palisade_fuzz::{Bytes, check_response, settings_choices};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let mut src = Bytes(&mut u);
    let choices = settings_choices();
    let settings = choices.get(src.below(choices.len())).cloned();
    let request = requests::request(&mut src);
    let payload = serde_json::json!({"request": request, "settings": settings});
    let Ok(bytes) = serde_json::to_vec(&payload) else {
        return;
    };
    let out = palisade_sdk::bundle::validate(&bytes, bundle::CATALOGUE);
    check_response(&out);
    // Deterministic: the same payload, the same bytes.
    assert_eq!(
        out,
        palisade_sdk::bundle::validate(&bytes, bundle::CATALOGUE)
    );
});
