//! Loading a policy module in wasmtime through the waPC host crates, the
//! engine stack Kubewarden's policy-server uses, and calling it as kwctl does.
//!
//! `Policy::load_metered` runs the same module with wasmtime fuel metering,
//! for benches: wasmtime-provider neither enables fuel nor exposes its store
//! (a store with fuel enabled starts empty, so every call would trap), so a
//! small waPC engine of our own (`MeteredEngine`, below) drives the module
//! instead, with the same imports (WASI and the waPC host functions).

use anyhow::{Context, Result, anyhow};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use wapc::{ModuleState, WapcHost, WebAssemblyEngineProvider, wapc_functions};
use wasmtime_provider::WasmtimeEngineProviderBuilder;
use wasmtime_provider::wasmtime::{
    self, Caller, Config, Engine, Instance, InstancePre, Linker, Memory, Module, Store, TypedFunc,
};
use wasmtime_provider::wasmtime_wasi::{self, WasiCtxBuilder, p1::WasiP1Ctx};

/// A compiled, instantiated policy module. One instance serves many calls.
pub struct Policy {
    host: WapcHost,
    /// Fuel the guest burnt in its last call, when loaded with `load_metered`.
    fuel: Option<Arc<AtomicU64>>,
}

/// What a module answers to `validate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidationResponse {
    pub accepted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutated_object: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_annotations: Option<std::collections::BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<String>>,
}

/// What a module answers to `validate_settings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsValidation {
    pub valid: bool,
    #[serde(default)]
    pub message: Option<String>,
}

impl Policy {
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        Self::from_bytes(&bytes).with_context(|| format!("loading {}", path.display()))
    }

    /// Compiles the module, or reads its compiled form from the on-disk
    /// cache (see [`cache_dir`]): a second `palisade run --profile` starts
    /// in milliseconds instead of compiling every member again.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut builder = WasmtimeEngineProviderBuilder::new().module_bytes(bytes);
        if let Some(dir) = cache_dir() {
            builder = builder.enable_cache(Some(&dir));
        }
        let engine = builder
            .build()
            .map_err(|e| anyhow!("cannot compile the module: {e}"))?;
        Ok(Self {
            host: host(Box::new(engine))?,
            fuel: None,
        })
    }

    /// Loads a module whose calls are metered with wasmtime fuel: see
    /// `fuel_used`. Fuel-metered code runs slower; time the unmetered one.
    pub fn load_metered(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        Self::from_bytes_metered(&bytes).with_context(|| format!("loading {}", path.display()))
    }

    pub fn from_bytes_metered(bytes: &[u8]) -> Result<Self> {
        let engine =
            MeteredEngine::new(bytes).map_err(|e| anyhow!("cannot compile the module: {e}"))?;
        let fuel = Arc::clone(&engine.last_call_fuel);
        Ok(Self {
            host: host(Box::new(engine))?,
            fuel: Some(fuel),
        })
    }

    /// The fuel `validate` burns on a payload: wasmtime's count of the wasm
    /// operators the guest executed (1 each; nop, drop, block, loop, end and
    /// else are free). Deterministic: the same module, instance history and
    /// payload give the same count on any machine (the guest's random seeds
    /// are fixed). Host functions (WASI, waPC) burn none.
    pub fn fuel_used(&self, payload: &[u8]) -> Result<u64> {
        let fuel = self
            .fuel
            .as_ref()
            .context("the module is not metered: load it with Policy::load_metered")?;
        self.validate_raw(payload)?;
        Ok(fuel.load(Ordering::Relaxed))
    }

    /// Calls a waPC function with raw bytes; a trap or guest error is an `Err`.
    pub fn call(&self, function: &str, payload: &[u8]) -> Result<Vec<u8>> {
        self.host
            .call(function, payload)
            .map_err(|e| anyhow!("{function} failed: {e}"))
    }

    pub fn protocol_version(&self) -> Result<String> {
        let out = self.call("protocol_version", b"")?;
        serde_json::from_slice(&out).context("protocol_version answered no JSON string")
    }

    pub fn validate_settings(&self, settings: &Value) -> Result<SettingsValidation> {
        let out = self.call("validate_settings", &serde_json::to_vec(settings)?)?;
        serde_json::from_slice(&out)
            .context("validate_settings answered no SettingsValidationResponse")
    }

    /// `validate` on an AdmissionRequest with settings.
    pub fn validate(&self, request: &Value, settings: &Value) -> Result<ValidationResponse> {
        let payload =
            serde_json::to_vec(&serde_json::json!({"request": request, "settings": settings}))?;
        self.validate_raw(&payload)
    }

    /// `validate` on a payload as given, for hostile-input tests and benches.
    pub fn validate_raw(&self, payload: &[u8]) -> Result<ValidationResponse> {
        let out = self.call("validate", payload)?;
        serde_json::from_slice(&out).context("validate answered no ValidationResponse")
    }
}

/// Where compiled modules are cached, keyed by module and engine (wasmtime's
/// compilation cache): `$PALISADE_CACHE_DIR`, else `$XDG_CACHE_HOME/palisade`
/// or `~/.cache/palisade`; `PALISADE_CACHE_DIR=off` compiles every time.
pub fn cache_dir() -> Option<std::path::PathBuf> {
    use std::path::PathBuf;
    let absolute = |p: PathBuf| p.is_absolute().then_some(p);
    match std::env::var_os("PALISADE_CACHE_DIR") {
        Some(dir) if dir == "off" => None,
        Some(dir) => absolute(PathBuf::from(dir)),
        None => std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .and_then(absolute)
            .or_else(|| {
                std::env::var_os("HOME")
                    .map(|home| PathBuf::from(home).join(".cache"))
                    .and_then(absolute)
            })
            .map(|dir| dir.join("palisade").join("wasmtime")),
    }
}

/// A waPC host over an engine. Our rules make no host calls; answer any with
/// an error, as a host without that capability would.
fn host(engine: Box<dyn WebAssemblyEngineProvider>) -> Result<WapcHost> {
    WapcHost::new(
        engine,
        Some(Box::new(|_, binding, namespace, operation, _| {
            Err(
                format!("host capability {binding}/{namespace}/{operation} is not available")
                    .into(),
            )
        })),
    )
    .map_err(|e| anyhow!("cannot instantiate the module: {e}"))
}

/// Fuel poured into the store before each guest call: far more than any call
/// burns (a call of ours burns millions), so running dry is a trap worth
/// reporting, never a limit hit in practice.
const FUEL_BUDGET: u64 = 1 << 48;

/// What the metered store holds: the WASI context the module imports, and
/// the waPC state of the host driving it (set by `init`).
struct MeteredState {
    wasi: WasiP1Ctx,
    host: Option<Arc<ModuleState>>,
}

impl MeteredState {
    /// A WASI context as wasmtime-provider builds it (stdio inherited, no
    /// arguments, environment or directories), but with fixed random bytes:
    /// the guest's hash maps seed themselves from `random_get`, and their
    /// seeds change the work a call does, so fuel counts would differ from
    /// one instance to the next.
    fn new(host: Option<Arc<ModuleState>>) -> Self {
        let seed = wasmtime_wasi::Deterministic::new((0..=255).collect());
        Self {
            wasi: WasiCtxBuilder::new()
                .inherit_stdio()
                .secure_random(seed)
                .build_p1(),
            host,
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A waPC engine provider on wasmtime with fuel metering: what
/// wasmtime-provider's `WasmtimeEngineProvider` does for synchronous calls,
/// plus a fuel budget set before and read after each guest call.
struct MeteredEngine {
    engine: Engine,
    instance_pre: InstancePre<MeteredState>,
    store: Store<MeteredState>,
    guest_call: Option<TypedFunc<(i32, i32), i32>>,
    /// Fuel the last `__guest_call` burnt, shared with the `Policy`.
    last_call_fuel: Arc<AtomicU64>,
}

impl MeteredEngine {
    fn new(bytes: &[u8]) -> wasmtime::Result<Self> {
        let mut config = Config::new();
        config.consume_fuel(true);
        let engine = Engine::new(&config)?;
        let module = Module::new(&engine, bytes)?;
        let mut linker: Linker<MeteredState> = Linker::new(&engine);
        // Both WASI ABIs, as wasmtime-provider links them.
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s: &mut MeteredState| &mut s.wasi)?;
        wasmtime_wasi::p0::add_to_linker_sync(&mut linker, |s: &mut MeteredState| &mut s.wasi)?;
        add_wapc_imports(&mut linker)?;
        let instance_pre = linker.instantiate_pre(&module)?;
        let store = Store::new(&engine, MeteredState::new(None));
        Ok(Self {
            engine,
            instance_pre,
            store,
            guest_call: None,
            last_call_fuel: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Runs the module's start functions (`_start`, `wapc_init`), which
    /// register its waPC functions. A WASI exit with code 0 is success.
    fn run_starters(&mut self, instance: &Instance) -> wasmtime::Result<()> {
        for name in wapc_functions::REQUIRED_STARTS {
            let Some(start) = instance.get_func(&mut self.store, name) else {
                continue;
            };
            self.store.set_fuel(FUEL_BUDGET)?;
            if let Err(e) = start
                .typed::<(), ()>(&self.store)?
                .call(&mut self.store, ())
            {
                if e.downcast_ref::<wasmtime_wasi::I32Exit>()
                    .is_some_and(|exit| exit.0 == 0)
                {
                    continue;
                }
                return Err(e);
            }
        }
        Ok(())
    }
}

impl WebAssemblyEngineProvider for MeteredEngine {
    fn init(&mut self, host: Arc<ModuleState>) -> Result<(), BoxError> {
        self.store = Store::new(&self.engine, MeteredState::new(Some(host)));
        // Instantiation runs the module's start section, which burns fuel too.
        self.store.set_fuel(FUEL_BUDGET)?;
        let instance = self.instance_pre.instantiate(&mut self.store)?;
        self.guest_call =
            Some(instance.get_typed_func(&mut self.store, wapc_functions::GUEST_CALL)?);
        self.run_starters(&instance)?;
        Ok(())
    }

    fn call(&mut self, op_length: i32, msg_length: i32) -> Result<i32, BoxError> {
        let guest_call = self
            .guest_call
            .as_ref()
            .ok_or("the module is not initialised")?;
        self.store.set_fuel(FUEL_BUDGET)?;
        let result = guest_call.call(&mut self.store, (op_length, msg_length));
        let burnt = FUEL_BUDGET - self.store.get_fuel()?;
        self.last_call_fuel.store(burnt, Ordering::Relaxed);
        match result {
            Ok(code) => Ok(code),
            // A trap is a failed call with the trap as its error, as
            // wasmtime-provider reports it.
            Err(trap) => {
                if let Some(host) = &self.store.data().host {
                    host.set_guest_error(trap.to_string());
                }
                Ok(0)
            }
        }
    }

    fn replace(&mut self, _module: &[u8]) -> Result<(), BoxError> {
        Err("a metered module cannot be replaced".into())
    }
}

/// The waPC host functions (namespace `wapc`) a guest imports, each
/// forwarding to the host's `ModuleState` as wasmtime-provider's do.
fn add_wapc_imports(linker: &mut Linker<MeteredState>) -> wasmtime::Result<()> {
    use wapc::HOST_NAMESPACE as NS;
    use wapc_functions as f;
    type Ctx<'a> = Caller<'a, MeteredState>;
    linker.func_wrap(
        NS,
        f::GUEST_REQUEST_FN,
        |mut c: Ctx, op_ptr: i32, ptr: i32| {
            if let Some(invocation) = state(&c)?.get_guest_request() {
                write(&mut c, ptr, &invocation.msg)?;
                write(&mut c, op_ptr, invocation.operation.as_bytes())?;
            }
            Ok(())
        },
    )?;
    linker.func_wrap(
        NS,
        f::GUEST_RESPONSE_FN,
        |mut c: Ctx, ptr: i32, len: i32| {
            let bytes = read(&mut c, ptr, len)?;
            state(&c)?.set_guest_response(bytes);
            Ok(())
        },
    )?;
    linker.func_wrap(NS, f::GUEST_ERROR_FN, |mut c: Ctx, ptr: i32, len: i32| {
        let bytes = read(&mut c, ptr, len)?;
        state(&c)?.set_guest_error(String::from_utf8_lossy(&bytes).into_owned());
        Ok(())
    })?;
    linker.func_wrap(NS, f::HOST_CONSOLE_LOG, |mut c: Ctx, ptr: i32, len: i32| {
        let bytes = read(&mut c, ptr, len)?;
        state(&c)?.do_console_log(&String::from_utf8_lossy(&bytes));
        Ok(())
    })?;
    linker.func_wrap(
        NS,
        f::HOST_CALL,
        |mut c: Ctx,
         bd: i32,
         bd_len: i32,
         ns: i32,
         ns_len: i32,
         op: i32,
         op_len: i32,
         ptr: i32,
         len: i32| {
            let text = |c: &mut Ctx, p, l| -> wasmtime::Result<String> {
                Ok(String::from_utf8_lossy(&read(c, p, l)?).into_owned())
            };
            let (binding, namespace) = (text(&mut c, bd, bd_len)?, text(&mut c, ns, ns_len)?);
            let (operation, payload) = (text(&mut c, op, op_len)?, read(&mut c, ptr, len)?);
            let answered = state(&c)?.do_host_call(&binding, &namespace, &operation, &payload);
            Ok(answered.unwrap_or(0))
        },
    )?;
    linker.func_wrap(NS, f::HOST_RESPONSE_FN, |mut c: Ctx, ptr: i32| {
        let host = state(&c)?;
        host.with_host_response(|bytes| write(&mut c, ptr, bytes))
            .unwrap_or(Ok(()))
    })?;
    linker.func_wrap(NS, f::HOST_RESPONSE_LEN_FN, |c: Ctx| {
        Ok(state(&c)?.host_response_len() as i32)
    })?;
    linker.func_wrap(NS, f::HOST_ERROR_FN, |mut c: Ctx, ptr: i32| {
        if let Some(error) = state(&c)?.get_host_error() {
            write(&mut c, ptr, error.as_bytes())?;
        }
        Ok(())
    })?;
    linker.func_wrap(NS, f::HOST_ERROR_LEN_FN, |c: Ctx| {
        Ok(state(&c)?.get_host_error().map_or(0, |e| e.len()) as i32)
    })?;
    Ok(())
}

fn state(caller: &Caller<'_, MeteredState>) -> wasmtime::Result<Arc<ModuleState>> {
    caller
        .data()
        .host
        .clone()
        .ok_or_else(|| wasmtime::format_err!("waPC call before the host initialised the module"))
}

fn memory(caller: &mut Caller<'_, MeteredState>) -> wasmtime::Result<Memory> {
    caller
        .get_export("memory")
        .and_then(|export| export.into_memory())
        .ok_or_else(|| wasmtime::format_err!("the module exports no memory"))
}

fn read(caller: &mut Caller<'_, MeteredState>, ptr: i32, len: i32) -> wasmtime::Result<Vec<u8>> {
    let memory = memory(caller)?;
    let (start, len) = (ptr as u32 as usize, len as u32 as usize);
    memory
        .data(&*caller)
        .get(start..start.saturating_add(len))
        .map(<[u8]>::to_vec)
        .ok_or_else(|| wasmtime::format_err!("guest pointer out of bounds"))
}

fn write(caller: &mut Caller<'_, MeteredState>, ptr: i32, bytes: &[u8]) -> wasmtime::Result<()> {
    let memory = memory(caller)?;
    memory
        .write(caller, ptr as u32 as usize, bytes)
        .map_err(|e| wasmtime::format_err!("{e}"))
}
