//! Seccomp and AppArmor profile spellings: annotations, fields and the
//! allowed-profiles entries of settings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_sdk::k8s::ProfileRef;
use palisade_sdk::profile::{Allowed, Control, Profile};

fuzz_target!(|input: (String, Option<String>)| {
    let (text, localhost) = input;
    if let Some(profile) = Profile::from_annotation(&text) {
        let _ = (profile.to_string(), profile.to_field());
    }
    let field = ProfileRef {
        kind: text.clone(),
        localhost_profile: localhost,
    };
    let profile = Profile::from_field(&field);
    let _ = (profile.to_string(), profile.to_field());
    for control in [Control::Seccomp, Control::AppArmor] {
        let _ = control.annotation_profile(&text);
        let _ = control.container_annotation(&text);
    }
    if let Ok(profile) = Profile::try_from(text.clone()) {
        let _ = profile.to_string();
    }
    let _ = Allowed::try_from(text);
});
