//! Parses the whole ValidationRequest into `serde_json::Value`, then
//! accepts: what a naive policy pays before it checks anything.

#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn wapc_init() {
    use wapc_guest::register_function;
    register_function(
        "protocol_version",
        kubewarden_policy_sdk::protocol_version_guest,
    );
    register_function("validate", |payload: &[u8]| {
        let request: serde_json::Value = serde_json::from_slice(payload)?;
        // Keep the parse from being optimised away.
        let accepted = !request.is_null();
        Ok(format!(r#"{{"accepted":{accepted}}}"#).into_bytes())
    });
    register_function("validate_settings", |_: &[u8]| {
        Ok(br#"{"valid":true}"#.to_vec())
    });
    register_function("memory_pages", |_: &[u8]| {
        Ok(core::arch::wasm32::memory_size(0).to_string().into_bytes())
    });
}
