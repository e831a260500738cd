//! Arbitrary bytes as a ValidationRequest payload to the bundle: request
//! parsing and every rule the payload's settings name.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let out = palisade_sdk::bundle::validate(data, bundle::CATALOGUE);
    palisade_fuzz::check_response(&out);
});
