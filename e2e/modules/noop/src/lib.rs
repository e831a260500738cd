//! Accepts every request without reading it: the host's own cost of a call.

#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn wapc_init() {
    use wapc_guest::register_function;
    register_function(
        "protocol_version",
        kubewarden_policy_sdk::protocol_version_guest,
    );
    register_function("validate", |_: &[u8]| Ok(br#"{"accepted":true}"#.to_vec()));
    register_function("validate_settings", |_: &[u8]| {
        Ok(br#"{"valid":true}"#.to_vec())
    });
    register_function("memory_pages", |_: &[u8]| {
        Ok(core::arch::wasm32::memory_size(0).to_string().into_bytes())
    });
}
