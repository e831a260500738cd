//! Loading a policy module in wasmtime through the waPC host crates, the
//! engine stack Kubewarden's policy-server uses, and calling it as kwctl does.
//!
//! `Policy::load_metered` runs the same module with wasmtime fuel metering,
//! for benches: wasmtime-provider neither enables fuel nor exposes its store
//! (a store with fuel enabled starts empty, so every call would trap), so a
//! small waPC engine of our own (`MeteredEngine`, below) drives the module
//! instead, with the same imports (WASI and the waPC host functions).
//!
//! Bounded cost: the same engine runs a module under [`Limits`], fuel (wasm
//! operators per call) and linear memory; a call that exceeds them is
//! answered with a 500 naming the limit, never a hang, and the module is
//! instantiated afresh for the next call. `palisade run` loads every module
//! under limits (`--fuel`, `--max-memory`; see [`set_default_limits`]).

use anyhow::{Context, Result, anyhow};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use wapc::{ModuleState, WapcHost, WebAssemblyEngineProvider, wapc_functions};
use wasmtime_provider::WasmtimeEngineProviderBuilder;
use wasmtime_provider::wasmtime::{
    self, Caller, Config, Engine, Instance, InstancePre, Linker, Memory, Module, ResourceLimiter,
    Store, TypedFunc,
};
use wasmtime_provider::wasmtime_wasi::{self, WasiCtxBuilder, p1::WasiP1Ctx};

/// A compiled, instantiated policy module. One instance serves many calls.
pub struct Policy {
    host: WapcHost,
    /// Fuel the guest burnt in its last call, when loaded with `load_metered`.
    fuel: Option<Arc<AtomicU64>>,
    /// The limit the last call exceeded, when loaded with limits.
    breach: Option<Arc<Mutex<Option<String>>>>,
}

/// What one call of a module may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wasm operators one call may execute (wasmtime fuel).
    pub fuel: u64,
    /// Bytes of linear memory the module may grow to.
    pub memory: usize,
}

impl Limits {
    /// Fuel per call: 8 times what the bundle burns under AKS Deployment
    /// Safeguards on the largest object the API server accepts (a 3 MiB
    /// Pod: 245 million; e2e/tests/limits.rs), about a second of wasm.
    pub const DEFAULT_FUEL: u64 = 2_000_000_000;
    /// Linear memory: 9 times what a module grows to on that object (7 MiB).
    pub const DEFAULT_MEMORY: usize = 64 << 20;
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            fuel: Self::DEFAULT_FUEL,
            memory: Self::DEFAULT_MEMORY,
        }
    }
}

/// The limits `Policy::load` and `Policy::from_bytes` apply from now on in
/// this process (the runner sets them from `--fuel` and `--max-memory`);
/// without this call modules run unlimited, as the tests and benches load
/// them. Only the first call counts.
pub fn set_default_limits(limits: Limits) {
    let _ = DEFAULT_LIMITS.set(limits);
}

static DEFAULT_LIMITS: OnceLock<Limits> = OnceLock::new();

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
        if let Some(limits) = DEFAULT_LIMITS.get() {
            return Self::from_bytes_limited(bytes, *limits);
        }
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
            breach: None,
        })
    }

    /// Loads a module whose every call runs under `limits`: a call that
    /// exceeds one is answered with a 500 naming it (see `validate_raw`).
    pub fn load_limited(path: &Path, limits: Limits) -> Result<Self> {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        Self::from_bytes_limited(&bytes, limits)
            .with_context(|| format!("loading {}", path.display()))
    }

    pub fn from_bytes_limited(bytes: &[u8], limits: Limits) -> Result<Self> {
        let engine = MeteredEngine::new(bytes, Some(limits))
            .map_err(|e| anyhow!("cannot compile the module: {e}"))?;
        let fuel = Arc::clone(&engine.last_call_fuel);
        let breach = Arc::clone(&engine.breach);
        Ok(Self {
            host: host(Box::new(engine))?,
            fuel: Some(fuel),
            breach: Some(breach),
        })
    }

    /// Loads a module whose calls are metered with wasmtime fuel: see
    /// `fuel_used`. Fuel-metered code runs slower; time the unmetered one.
    pub fn load_metered(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        Self::from_bytes_metered(&bytes).with_context(|| format!("loading {}", path.display()))
    }

    pub fn from_bytes_metered(bytes: &[u8]) -> Result<Self> {
        let engine = MeteredEngine::new(bytes, None)
            .map_err(|e| anyhow!("cannot compile the module: {e}"))?;
        let fuel = Arc::clone(&engine.last_call_fuel);
        Ok(Self {
            host: host(Box::new(engine))?,
            fuel: Some(fuel),
            breach: None,
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
    /// A call that exceeds the module's limits is answered as policy-server
    /// answers a failed evaluation: rejected, code 500, the limit named.
    pub fn validate_raw(&self, payload: &[u8]) -> Result<ValidationResponse> {
        let out = match self.call("validate", payload) {
            Ok(out) => out,
            Err(e) => {
                return match self.take_breach() {
                    Some(limit) => Ok(ValidationResponse {
                        accepted: false,
                        message: Some(limit),
                        code: Some(500),
                        ..ValidationResponse::default()
                    }),
                    None => Err(e),
                };
            }
        };
        serde_json::from_slice(&out).context("validate answered no ValidationResponse")
    }

    /// The limit the last call exceeded, if any (then forgotten).
    fn take_breach(&self) -> Option<String> {
        self.breach
            .as_ref()
            .and_then(|breach| breach.lock().ok().and_then(|mut b| b.take()))
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

/// What the metered store holds: the WASI context the module imports, the
/// waPC state of the host driving it (set by `init`), and its memory cap.
struct MeteredState {
    wasi: WasiP1Ctx,
    host: Option<Arc<ModuleState>>,
    memory: MemoryCap,
}

/// Refuses linear memory growth beyond `max` bytes, and remembers that it
/// did: the guest's allocator then aborts, and the trap is reported as the
/// memory limit.
struct MemoryCap {
    max: usize,
    refused: Option<usize>,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max {
            self.refused = Some(desired);
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

impl MeteredState {
    /// A WASI context as wasmtime-provider builds it (stdio inherited, no
    /// arguments, environment or directories), but with fixed random bytes:
    /// the guest's hash maps seed themselves from `random_get`, and their
    /// seeds change the work a call does, so fuel counts would differ from
    /// one instance to the next.
    fn new(host: Option<Arc<ModuleState>>, max_memory: usize) -> Self {
        let seed = wasmtime_wasi::Deterministic::new((0..=255).collect());
        Self {
            wasi: WasiCtxBuilder::new()
                .inherit_stdio()
                .secure_random(seed)
                .build_p1(),
            host,
            memory: MemoryCap {
                max: max_memory,
                refused: None,
            },
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
    /// Fuel per call and memory cap; `None`: metered only, no limits.
    limits: Option<Limits>,
    /// The limit the last call exceeded, shared with the `Policy`.
    breach: Arc<Mutex<Option<String>>>,
}

impl MeteredEngine {
    fn new(bytes: &[u8], limits: Option<Limits>) -> wasmtime::Result<Self> {
        let mut config = Config::new();
        config.consume_fuel(true);
        // The runner's modules: compiled once, as `from_bytes` caches them.
        if let (Some(_), Some(dir)) = (limits, cache_dir()) {
            let mut cache = wasmtime::CacheConfig::new();
            cache.with_directory(dir);
            if let Ok(cache) = wasmtime::Cache::new(cache) {
                config.cache(Some(cache));
            }
        }
        let engine = Engine::new(&config)?;
        let module = Module::new(&engine, bytes)?;
        let mut linker: Linker<MeteredState> = Linker::new(&engine);
        // Both WASI ABIs, as wasmtime-provider links them.
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s: &mut MeteredState| &mut s.wasi)?;
        wasmtime_wasi::p0::add_to_linker_sync(&mut linker, |s: &mut MeteredState| &mut s.wasi)?;
        add_wapc_imports(&mut linker)?;
        let instance_pre = linker.instantiate_pre(&module)?;
        let store = Store::new(&engine, MeteredState::new(None, usize::MAX));
        Ok(Self {
            engine,
            instance_pre,
            store,
            guest_call: None,
            last_call_fuel: Arc::new(AtomicU64::new(0)),
            limits,
            breach: Arc::new(Mutex::new(None)),
        })
    }

    /// Fuel poured in before each guest call.
    fn budget(&self) -> u64 {
        self.limits.map_or(FUEL_BUDGET, |l| l.fuel)
    }

    /// A fresh store and instance, its waPC functions registered.
    fn instantiate(&mut self, host: Arc<ModuleState>) -> Result<(), BoxError> {
        let max_memory = self.limits.map_or(usize::MAX, |l| l.memory);
        self.store = Store::new(&self.engine, MeteredState::new(Some(host), max_memory));
        self.store.limiter(|state| &mut state.memory);
        // Instantiation runs the module's start section, which burns fuel too.
        self.store.set_fuel(FUEL_BUDGET)?;
        let instance = self.instance_pre.instantiate(&mut self.store)?;
        self.guest_call =
            Some(instance.get_typed_func(&mut self.store, wapc_functions::GUEST_CALL)?);
        self.run_starters(&instance)?;
        Ok(())
    }

    /// Which limit a trapped call exceeded, if one did.
    fn exceeded(&self, fuel_left: u64) -> Option<String> {
        let limits = self.limits?;
        if let Some(desired) = self.store.data().memory.refused {
            return Some(format!(
                "policy evaluation exceeded its memory limit: {} MiB of linear memory \
                 requested, {} MiB allowed (--max-memory)",
                desired.div_ceil(1 << 20),
                limits.memory >> 20
            ));
        }
        (fuel_left == 0).then(|| {
            format!(
                "policy evaluation exceeded its fuel limit of {} wasm operators (--fuel)",
                limits.fuel
            )
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
        self.instantiate(host)
    }

    fn call(&mut self, op_length: i32, msg_length: i32) -> Result<i32, BoxError> {
        let guest_call = self
            .guest_call
            .as_ref()
            .ok_or("the module is not initialised")?;
        let budget = self.budget();
        self.store.set_fuel(budget)?;
        let result = guest_call.call(&mut self.store, (op_length, msg_length));
        let left = self.store.get_fuel()?;
        self.last_call_fuel
            .store(budget.saturating_sub(left), Ordering::Relaxed);
        match result {
            Ok(code) => Ok(code),
            // A trap is a failed call with the trap as its error, as
            // wasmtime-provider reports it.
            Err(trap) => {
                let Some(host) = self.store.data().host.clone() else {
                    return Ok(0);
                };
                let exceeded = self.exceeded(left);
                host.set_guest_error(exceeded.clone().unwrap_or_else(|| trap.to_string()));
                if let Ok(mut breach) = self.breach.lock() {
                    *breach = exceeded;
                }
                // A trapped instance may hold a half-done allocation: under
                // limits the next call gets a fresh one.
                if self.limits.is_some() {
                    self.instantiate(host)?;
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
