//! A wasmtime host for Tessera's core-Wasm module (`tessera-wasm`, ABI in
//! `wasm/ABI.md`): it runs every call with a fuel budget and a linear-memory
//! cap, turns traps, exhausted fuel and bad answers into [`HostError`]s, and
//! after any failure throws the instance away and starts a fresh one,
//! re-loading the last policies that loaded successfully. Each instance keeps
//! one input buffer (up to [`KEPT_INPUT_BYTES`]) for the requests it decides.
//!
//! [`Host::audit_open`] records every decision (`tessera::audit` records,
//! JSON lines) inside the instance; [`Host::audit_take`] hands them over.
//! When an instance is replaced its untaken records are lost: the host
//! opens the auditor again in the fresh instance (a new chain, from `seq`
//! 0, with a fresh id seed) and the next [`Host::audit_take`] reports the
//! loss as [`HostError::AuditLost`].
//!
//! ```no_run
//! # fn main() -> Result<(), tessera_wasm_host::HostError> {
//! let module = std::fs::read("target/wasm32-unknown-unknown/release/tessera_wasm.wasm")
//!     .map_err(|e| tessera_wasm_host::HostError::Module(e.to_string()))?;
//! let mut host = tessera_wasm_host::Host::new(&module, tessera_wasm_host::Limits::default())?;
//! host.load(&[("p.policy", r#"policy "p" { allow "read" { principal * action secrets:GetSecretValue resource app/** } }"#)])?;
//! let answer = host.evaluate(r#"{"principal": "user:a", "action": "secrets:GetSecretValue", "resource": "app/db"}"#)?;
//! assert!(answer.contains(r#""decision":"allow""#));
//! # Ok(())
//! # }
//! ```

use std::time::{SystemTime, UNIX_EPOCH};
use tessera::json::{AuditOptions, Done, LoadDocument, Loaded, SourceDocument};
use wasmtime::{
    Config, Engine, Instance, Memory, Module, Store, StoreLimits, StoreLimitsBuilder, Trap,
    TypedFunc,
};

/// The ABI version this host speaks.
pub const ABI_VERSION: u32 = 1;

/// What one instance may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Fuel for one call into the module (roughly one unit per Wasm
    /// instruction); a call that runs out traps. Ignored by a module
    /// compiled without fuel metering ([`Compiled::with_fuel_metering`]).
    pub fuel: u64,
    /// The most linear memory the instance may grow to, in bytes.
    pub memory_bytes: usize,
}

impl Default for Limits {
    /// 10 billion units of fuel per call and 1 GiB of memory.
    fn default() -> Limits {
        Limits {
            fuel: 10_000_000_000,
            memory_bytes: 1 << 30,
        }
    }
}

/// Why a call failed. Every variant but [`HostError::Module`] leaves the
/// host usable: the next call runs in a fresh instance.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The module does not compile, does not instantiate, lacks an export or
    /// speaks another ABI version.
    #[error("the Wasm module is unusable: {0}")]
    Module(String),
    /// The call used up its fuel.
    #[error("the Wasm module ran out of fuel")]
    OutOfFuel,
    /// The module read or wrote outside its linear memory.
    #[error("the Wasm module accessed memory out of bounds")]
    OutOfBounds,
    /// Any other trap: a panic (which aborts), exhausted memory, a stack
    /// overflow...
    #[error("the Wasm module trapped: {0}")]
    Trap(String),
    /// The module could not allocate the input buffer (memory cap reached).
    #[error("the Wasm module could not allocate {0} bytes for the input")]
    Alloc(usize),
    /// The answer pointer and length were outside linear memory, or the
    /// answer was not UTF-8.
    #[error("the Wasm module gave a malformed answer: {0}")]
    BadAnswer(String),
    /// An auditor was open when the instance was replaced (after a failure,
    /// or [`Host::reset`]): the records not yet taken from the old instance
    /// are lost, and recording goes on in a new chain from `seq` 0. Reported
    /// once, by the next [`Host::audit_take`], which takes nothing; the one
    /// after it takes the new chain's records.
    #[error(
        "the audit records not yet taken from a replaced Wasm instance are lost; recording \
         continues in a new chain (seq 0)"
    )]
    AuditLost,
    /// The host's random source failed while seeding an auditor's ids.
    #[error("the host's random source failed: {0}")]
    Random(String),
}

/// The largest input buffer a host keeps in its instance between calls and
/// reuses (64 KiB): requests fit, so deciding one costs no
/// `tessera_alloc`/`tessera_free` round trip; larger inputs (most load
/// documents) get a buffer of their own, freed after the call.
pub const KEPT_INPUT_BYTES: u32 = 64 * 1024;

/// The smallest kept input buffer (1 KiB): a kept buffer's capacity is the
/// input's length rounded up to a power of two between this and
/// [`KEPT_INPUT_BYTES`].
const KEPT_INPUT_MIN: u32 = 1024;

/// A compiled module, shareable between hosts (cloning is cheap).
#[derive(Clone)]
pub struct Compiled {
    engine: Engine,
    module: Module,
    /// True (the default) when the code counts fuel.
    fuel_metering: bool,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled").finish_non_exhaustive()
    }
}

impl Compiled {
    /// Compiles `module_bytes` (a `.wasm` file) with fuel metering on: every
    /// call runs on [`Limits::fuel`].
    pub fn new(module_bytes: &[u8]) -> Result<Compiled, HostError> {
        Compiled::with_fuel_metering(module_bytes, true)
    }

    /// Compiles `module_bytes`, with fuel metering when `fuel_metering` is
    /// true (as [`Compiled::new`]).
    ///
    /// Without it the module's code does not count fuel: calls are faster
    /// (metering costs about a quarter of a decision's time in wasmtime) but
    /// **nothing bounds how long a call runs**, and [`Limits::fuel`] is
    /// ignored. Only for a host that trusts the cost of its inputs or bounds
    /// time another way (a worker it can kill), and for measuring what
    /// metering costs. The memory cap and every other check stay.
    pub fn with_fuel_metering(
        module_bytes: &[u8],
        fuel_metering: bool,
    ) -> Result<Compiled, HostError> {
        let mut config = Config::new();
        config.consume_fuel(fuel_metering);
        let engine = Engine::new(&config).map_err(|e| HostError::Module(format!("{e:#}")))?;
        let module =
            Module::new(&engine, module_bytes).map_err(|e| HostError::Module(format!("{e:#}")))?;
        Ok(Compiled {
            engine,
            module,
            fuel_metering,
        })
    }

    /// True when calls are metered with fuel (the default).
    pub fn fuel_metering(&self) -> bool {
        self.fuel_metering
    }
}

/// Per-store data: the memory limiter.
struct State {
    limits: StoreLimits,
}

/// One live instance and its exports.
struct Guest {
    store: Store<State>,
    memory: Memory,
    alloc: TypedFunc<u32, u32>,
    free: TypedFunc<(u32, u32), ()>,
    load: TypedFunc<(u32, u32), u64>,
    evaluate: TypedFunc<(u32, u32, i64), u64>,
    explain: TypedFunc<(u32, u32, i64), u64>,
    /// The audit exports, when the module has them.
    audit: Option<AuditExports>,
    /// True when the store counts fuel.
    fuel_metering: bool,
    /// The kept input buffer, `(ptr, capacity)`: allocated on the first
    /// input of at most [`KEPT_INPUT_BYTES`], reused by later calls (the ABI
    /// allows passing a sub-range of a live buffer) and never freed: it goes
    /// with the instance.
    input: Option<(u32, u32)>,
}

impl Guest {
    /// Fills the tank for one call (nothing without fuel metering).
    fn refuel(&mut self, limits: Limits) -> Result<(), HostError> {
        if self.fuel_metering {
            self.store
                .set_fuel(limits.fuel)
                .map_err(|e| HostError::Trap(format!("{e:#}")))?;
        }
        Ok(())
    }

    /// `tessera_alloc(size)` for an input of `len` bytes; a null pointer
    /// is [`HostError::Alloc`].
    fn alloc(&mut self, size: u32, len: u32) -> Result<u32, HostError> {
        let ptr = self
            .alloc
            .call(&mut self.store, size)
            .map_err(|e| call_error(&e))?;
        if ptr == 0 {
            return Err(HostError::Alloc(len as usize));
        }
        Ok(ptr)
    }

    /// A buffer of at least `len` bytes for an input: its address, and
    /// whether it is the kept buffer (which the caller must not free).
    fn input_buffer(&mut self, len: u32) -> Result<(u32, bool), HostError> {
        if let Some((ptr, capacity)) = self.input
            && len <= capacity
        {
            return Ok((ptr, true));
        }
        if len > KEPT_INPUT_BYTES {
            return Ok((self.alloc(len, len)?, false));
        }
        // A larger kept buffer replaces the old one.
        if let Some((ptr, capacity)) = self.input.take() {
            self.free
                .call(&mut self.store, (ptr, capacity))
                .map_err(|e| call_error(&e))?;
        }
        let capacity = len
            .next_power_of_two()
            .clamp(KEPT_INPUT_MIN, KEPT_INPUT_BYTES);
        let ptr = self.alloc(capacity, len)?;
        self.input = Some((ptr, capacity));
        Ok((ptr, true))
    }
}

/// `tessera_audit_open`, `_take`, `_status` and `_close`.
struct AuditExports {
    open: TypedFunc<(u32, u32), u64>,
    take: TypedFunc<(), u64>,
    status: TypedFunc<(), u64>,
    close: TypedFunc<(), u64>,
}

impl AuditExports {
    /// The audit exports of `instance`, or `None` when it lacks one.
    fn of(instance: &Instance, store: &mut Store<State>) -> Option<AuditExports> {
        Some(AuditExports {
            open: instance
                .get_typed_func(&mut *store, "tessera_audit_open")
                .ok()?,
            take: instance
                .get_typed_func(&mut *store, "tessera_audit_take")
                .ok()?,
            status: instance
                .get_typed_func(&mut *store, "tessera_audit_status")
                .ok()?,
            close: instance
                .get_typed_func(&mut *store, "tessera_audit_close")
                .ok()?,
        })
    }
}

/// The audit exports of `guest`, or [`HostError::Module`].
fn audit_exports(guest: &Guest) -> Result<&AuditExports, HostError> {
    guest.audit.as_ref().ok_or_else(|| {
        HostError::Module("the module has no audit exports (tessera_audit_open...)".to_string())
    })
}

/// `config` (an audit configuration, JSON) with `seed_hex` set to 32 fresh
/// bytes from the host's random source, unless `keep_seed` and it has one.
/// A document that is not a JSON object is passed on as it is, for the
/// module to refuse.
fn seeded(config: &[u8], keep_seed: bool) -> Result<Vec<u8>, HostError> {
    // Read as the module reads it (`tessera::json::AuditOptions`), the seed
    // apart; one it refuses is passed on as it is, for the module to refuse
    // with the same message.
    let Ok(mut options) = AuditOptions::from_json(config, false) else {
        return Ok(config.to_vec());
    };
    if !(keep_seed && options.seed.is_some()) {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| HostError::Random(e.to_string()))?;
        options.seed = Some(seed);
    }
    Ok(options.to_json().into_bytes())
}

/// An export that takes an input `(ptr, len)` and returns a packed answer,
/// for [`Host::call_raw`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// `tessera_load(ptr, len)`.
    Load,
    /// `tessera_evaluate(ptr, len, 0)`.
    Evaluate,
    /// `tessera_explain(ptr, len, 0)`.
    Explain,
}

/// A Tessera module with its limits, an instance when one is live, and the
/// last load document that succeeded (replayed into fresh instances).
pub struct Host {
    engine: Engine,
    module: Module,
    fuel_metering: bool,
    limits: Limits,
    guest: Option<Guest>,
    loaded: Option<Vec<u8>>,
    /// The configuration of the open auditor (re-opened, with a fresh seed,
    /// in each fresh instance).
    audit: Option<Vec<u8>>,
    /// True when an instance holding an auditor's records was dropped and
    /// no [`Host::audit_take`] has reported it yet.
    audit_lost: bool,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("limits", &self.limits)
            .field("live", &self.guest.is_some())
            .field("loaded", &self.loaded.is_some())
            .field("auditing", &self.audit.is_some())
            .finish()
    }
}

/// The current time in Unix milliseconds (0 before 1970).
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Maps a wasmtime error from a call to a [`HostError`].
fn call_error(error: &wasmtime::Error) -> HostError {
    match error.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => HostError::OutOfFuel,
        Some(Trap::MemoryOutOfBounds) => HostError::OutOfBounds,
        Some(trap) => HostError::Trap(trap.to_string()),
        None => HostError::Trap(format!("{error:#}")),
    }
}

impl Host {
    /// Compiles `module_bytes` (a `.wasm` file) and checks that one instance
    /// starts and speaks [`ABI_VERSION`].
    pub fn new(module_bytes: &[u8], limits: Limits) -> Result<Host, HostError> {
        Host::from_compiled(&Compiled::new(module_bytes)?, limits)
    }

    /// A host over an already compiled module (compiling is the slow part;
    /// one [`Compiled`] serves any number of hosts).
    pub fn from_compiled(compiled: &Compiled, limits: Limits) -> Result<Host, HostError> {
        let mut host = Host {
            engine: compiled.engine.clone(),
            module: compiled.module.clone(),
            fuel_metering: compiled.fuel_metering,
            limits,
            guest: None,
            loaded: None,
            audit: None,
            audit_lost: false,
        };
        host.guest()?;
        Ok(host)
    }

    /// The limits every instance runs under.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Sets the fuel for each later call (the memory cap, fixed per
    /// instance, is left as it is). Without fuel metering
    /// ([`Compiled::with_fuel_metering`]) fuel is not counted.
    pub fn set_fuel(&mut self, fuel: u64) {
        self.limits.fuel = fuel;
    }

    /// A new instance, checked for the exports and the ABI version.
    fn instantiate(&self) -> Result<Guest, HostError> {
        let state = State {
            limits: StoreLimitsBuilder::new()
                .memory_size(self.limits.memory_bytes)
                .instances(1)
                .build(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limits);
        if self.fuel_metering {
            store
                .set_fuel(self.limits.fuel)
                .map_err(|e| HostError::Module(format!("{e:#}")))?;
        }
        let instance = Instance::new(&mut store, &self.module, &[]).map_err(|e| {
            match e.downcast_ref::<Trap>() {
                Some(_) => call_error(&e),
                None => HostError::Module(format!("{e:#}")),
            }
        })?;
        let missing = |e: wasmtime::Error| HostError::Module(format!("{e:#}"));
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| HostError::Module("no exported memory".to_string()))?;
        let version: TypedFunc<(), u32> = instance
            .get_typed_func(&mut store, "tessera_abi_version")
            .map_err(missing)?;
        let guest = Guest {
            alloc: instance
                .get_typed_func(&mut store, "tessera_alloc")
                .map_err(missing)?,
            free: instance
                .get_typed_func(&mut store, "tessera_free")
                .map_err(missing)?,
            load: instance
                .get_typed_func(&mut store, "tessera_load")
                .map_err(missing)?,
            evaluate: instance
                .get_typed_func(&mut store, "tessera_evaluate")
                .map_err(missing)?,
            explain: instance
                .get_typed_func(&mut store, "tessera_explain")
                .map_err(missing)?,
            audit: AuditExports::of(&instance, &mut store),
            fuel_metering: self.fuel_metering,
            input: None,
            memory,
            store,
        };
        let mut guest = guest;
        let found = version
            .call(&mut guest.store, ())
            .map_err(|e| call_error(&e))?;
        if found != ABI_VERSION {
            return Err(HostError::Module(format!(
                "the module speaks ABI version {found}; this host speaks {ABI_VERSION}"
            )));
        }
        Ok(guest)
    }

    /// The live instance, starting a fresh one (and re-loading the last
    /// policies that loaded) when there is none.
    fn guest(&mut self) -> Result<&mut Guest, HostError> {
        if self.guest.is_none() {
            let mut guest = self.instantiate()?;
            if let Some(document) = &self.loaded {
                let answer = Host::call(&mut guest, self.limits, document, |g, p, l| {
                    g.load.call(&mut g.store, (p, l))
                })?;
                if serde_json::from_str::<Loaded>(&answer).is_err() {
                    return Err(HostError::Trap(format!(
                        "re-loading the policies into a fresh instance failed: {answer}"
                    )));
                }
            }
            if let Some(config) = &self.audit {
                let config = seeded(config, false)?;
                let open = audit_exports(&guest)?.open.clone();
                let answer = Host::call(&mut guest, self.limits, &config, |g, p, l| {
                    open.call(&mut g.store, (p, l))
                })?;
                if !serde_json::from_str::<Done>(&answer).is_ok_and(|done| done == Done::OK) {
                    return Err(HostError::Trap(format!(
                        "re-opening the auditor in a fresh instance failed: {answer}"
                    )));
                }
            }
            self.guest = Some(guest);
        }
        self.guest
            .as_mut()
            .ok_or_else(|| HostError::Module("no instance".to_string()))
    }

    /// Copies `input` into a module buffer (the kept one when it fits), runs
    /// `export` on it with a full tank of fuel, frees the buffer unless it is
    /// kept and reads the answer.
    fn call(
        guest: &mut Guest,
        limits: Limits,
        input: &[u8],
        export: impl FnOnce(&mut Guest, u32, u32) -> wasmtime::Result<u64>,
    ) -> Result<String, HostError> {
        let len = u32::try_from(input.len()).map_err(|_| HostError::Alloc(input.len()))?;
        guest.refuel(limits)?;
        let (ptr, kept) = guest.input_buffer(len)?;
        guest
            .memory
            .write(&mut guest.store, ptr as usize, input)
            .map_err(|_| {
                HostError::BadAnswer("tessera_alloc gave a buffer out of bounds".into())
            })?;
        let packed = export(guest, ptr, len).map_err(|e| call_error(&e))?;
        let answer = Host::answer(guest, packed)?;
        if !kept {
            guest
                .free
                .call(&mut guest.store, (ptr, len))
                .map_err(|e| call_error(&e))?;
        }
        Ok(answer)
    }

    /// The answer `(ptr << 32) | len` points at, as text.
    fn answer(guest: &mut Guest, packed: u64) -> Result<String, HostError> {
        let ptr = (packed >> 32) as usize;
        let len = (packed & 0xFFFF_FFFF) as usize;
        let bytes = ptr
            .checked_add(len)
            .and_then(|end| guest.memory.data(&guest.store).get(ptr..end))
            .ok_or_else(|| HostError::BadAnswer(format!("{len} bytes at {ptr}")))?;
        String::from_utf8(bytes.to_vec()).map_err(|e| HostError::BadAnswer(e.to_string()))
    }

    /// Runs `f` on the live instance; on any error drops the instance, so
    /// that the next call starts a fresh one.
    fn with_guest<T>(
        &mut self,
        f: impl FnOnce(&mut Guest, Limits) -> Result<T, HostError>,
    ) -> Result<T, HostError> {
        let limits = self.limits;
        let result = self.guest().and_then(|guest| f(guest, limits));
        if result.is_err() {
            self.drop_guest();
        }
        result
    }

    /// Drops the live instance (noting that its audit records are lost).
    fn drop_guest(&mut self) {
        if self.guest.take().is_some() && self.audit.is_some() {
            self.audit_lost = true;
        }
    }

    /// Compiles `sources` (name, text) in the module; returns its answer,
    /// `{"ok":true,"statements":N}` or a compile error (the old policies stay
    /// loaded then).
    pub fn load(&mut self, sources: &[(&str, &str)]) -> Result<String, HostError> {
        let document = LoadDocument {
            sources: sources
                .iter()
                .map(|(name, text)| SourceDocument {
                    name: (*name).to_string(),
                    text: (*text).to_string(),
                })
                .collect(),
            schema: Vec::new(),
            limits: tessera::Limits::default(),
        };
        let document = serde_json::to_vec(&document)
            .map_err(|e| HostError::Module(format!("could not write the load document: {e}")))?;
        self.load_document(&document)
    }

    /// Loads a raw load document (see `ABI.md`); returns the answer.
    pub fn load_document(&mut self, document: &[u8]) -> Result<String, HostError> {
        let answer = self.with_guest(|guest, limits| {
            Host::call(guest, limits, document, |g, p, l| {
                g.load.call(&mut g.store, (p, l))
            })
        })?;
        // Typed, not a prefix: only a `Loaded` answer replaces the policies
        // a replacement instance is given.
        if serde_json::from_str::<Loaded>(&answer).is_ok() {
            self.loaded = Some(document.to_vec());
        }
        Ok(answer)
    }

    /// Decides a JSON request at the current time; returns the answer, the
    /// same bytes as `tessera::json::evaluate`.
    pub fn evaluate(&mut self, request: &str) -> Result<String, HostError> {
        self.evaluate_bytes(request.as_bytes(), now_ms())
    }

    /// Decides raw request bytes with `now_ms` (Unix milliseconds) as the
    /// clock for a request without `context.time`.
    pub fn evaluate_bytes(&mut self, request: &[u8], now_ms: i64) -> Result<String, HostError> {
        self.decide(request, now_ms, false)
    }

    /// Decides a JSON request at the current time and explains it; returns
    /// the answer, the same bytes as `tessera::json::evaluate` with
    /// `explain` true (the decision plus an `"explanation"`).
    pub fn explain(&mut self, request: &str) -> Result<String, HostError> {
        self.explain_bytes(request.as_bytes(), now_ms())
    }

    /// [`Host::explain`] on raw request bytes with `now_ms` (Unix
    /// milliseconds) as the clock for a request without `context.time`.
    pub fn explain_bytes(&mut self, request: &[u8], now_ms: i64) -> Result<String, HostError> {
        self.decide(request, now_ms, true)
    }

    /// The body of [`Host::evaluate_bytes`] and [`Host::explain_bytes`].
    fn decide(&mut self, request: &[u8], now_ms: i64, explain: bool) -> Result<String, HostError> {
        self.with_guest(|guest, limits| {
            Host::call(guest, limits, request, |g, p, l| {
                let export = if explain { &g.explain } else { &g.evaluate };
                export.call(&mut g.store, (p, l, now_ms))
            })
        })
    }

    /// Calls `export` with a pointer and length of the caller's choosing,
    /// unchecked (and `now_ms` 0): for testing the module against hostile
    /// hosts.
    pub fn call_raw(&mut self, export: Export, ptr: u32, len: u32) -> Result<String, HostError> {
        self.with_guest(|guest, limits| {
            guest.refuel(limits)?;
            let packed = match export {
                Export::Load => guest.load.call(&mut guest.store, (ptr, len)),
                Export::Evaluate => guest.evaluate.call(&mut guest.store, (ptr, len, 0)),
                Export::Explain => guest.explain.call(&mut guest.store, (ptr, len, 0)),
            }
            .map_err(|e| call_error(&e))?;
            Host::answer(guest, packed)
        })
    }

    /// Calls `tessera_alloc` directly; the pointer (0 on failure).
    pub fn alloc_raw(&mut self, len: u32) -> Result<u32, HostError> {
        self.with_guest(|guest, limits| {
            guest.refuel(limits)?;
            guest
                .alloc
                .call(&mut guest.store, len)
                .map_err(|e| call_error(&e))
        })
    }

    /// Calls `tessera_free` directly.
    pub fn free_raw(&mut self, ptr: u32, len: u32) -> Result<(), HostError> {
        self.with_guest(|guest, limits| {
            guest.refuel(limits)?;
            guest
                .free
                .call(&mut guest.store, (ptr, len))
                .map_err(|e| call_error(&e))
        })
    }

    /// The live instance's linear memory size in bytes (starting one if
    /// needed).
    pub fn memory_size(&mut self) -> Result<usize, HostError> {
        self.with_guest(|guest, _| Ok(guest.memory.data_size(&guest.store)))
    }

    /// Drops the live instance; the next call starts a fresh one. An open
    /// auditor's records not yet taken are lost ([`HostError::AuditLost`]).
    pub fn reset(&mut self) {
        self.drop_guest();
    }

    /// Opens an auditor (`tessera_audit_open`, see `wasm/ABI.md`): from now
    /// on every decision of [`Host::evaluate`] and [`Host::explain`] is
    /// recorded inside the instance until [`Host::audit_take`] takes it.
    ///
    /// `config` is the module's audit configuration, e.g.
    /// `{"mode": "blocking", "key_hex": "...", "mask": ["context.ticket"]}`;
    /// the host adds `seed_hex` (32 bytes from its random source) unless
    /// `config` has one, and always draws a fresh seed when it opens the
    /// auditor again in a replacement instance. Returns the module's answer:
    /// `{"ok":true}`, or an error answer (a bad configuration; an auditor
    /// already open: `audit_busy`), which leaves the host as it was.
    pub fn audit_open(&mut self, config: &str) -> Result<String, HostError> {
        let seeded = seeded(config.as_bytes(), true)?;
        let answer = self.with_guest(|guest, limits| {
            let open = audit_exports(guest)?.open.clone();
            Host::call(guest, limits, &seeded, |g, p, l| {
                open.call(&mut g.store, (p, l))
            })
        })?;
        if serde_json::from_str::<Done>(&answer).is_ok_and(|done| done == Done::OK) {
            self.audit = Some(config.as_bytes().to_vec());
            self.audit_lost = false;
        }
        Ok(answer)
    }

    /// Takes the records written since the last take: JSON lines, each
    /// ending in `\n` (empty when there are none), to be appended to the
    /// host's log. Records of the same auditor, concatenated across takes,
    /// form one chain that `tessera::audit::verify` checks.
    ///
    /// [`HostError::AuditLost`] when an instance was replaced since the last
    /// take while an auditor was open (reported once; nothing is taken
    /// then): the records from the new instance start a new chain at `seq`
    /// 0, so the host starts a new log with them.
    pub fn audit_take(&mut self) -> Result<String, HostError> {
        if std::mem::take(&mut self.audit_lost) {
            return Err(HostError::AuditLost);
        }
        self.with_guest(|guest, limits| {
            let take = audit_exports(guest)?.take.clone();
            guest.refuel(limits)?;
            let packed = take
                .call(&mut guest.store, ())
                .map_err(|e| call_error(&e))?;
            if packed & 0xFFFF_FFFF == 0 {
                return Ok(String::new());
            }
            Host::answer(guest, packed)
        })
    }

    /// The auditor's state (`tessera_audit_status`):
    /// `{"open":true,"mode":...,"pending_bytes":N,"failures":N,"head":{"next_seq":N,"prev":...}}`
    /// or `{"open":false,"pending_bytes":N}`.
    pub fn audit_status(&mut self) -> Result<String, HostError> {
        self.audit_call(|exports| &exports.status)
    }

    /// Closes the auditor (`tessera_audit_close`): later decisions are not
    /// recorded; records still pending stay for [`Host::audit_take`]. The
    /// answer is the auditor's final state (`{"ok":true,...,"head":{...}}`)
    /// or a `no_auditor` error answer.
    pub fn audit_close(&mut self) -> Result<String, HostError> {
        let answer = self.audit_call(|exports| &exports.close)?;
        self.audit = None;
        Ok(answer)
    }

    /// Calls an audit export without arguments; its answer.
    fn audit_call(
        &mut self,
        export: impl FnOnce(&AuditExports) -> &TypedFunc<(), u64>,
    ) -> Result<String, HostError> {
        self.with_guest(|guest, limits| {
            let func = export(audit_exports(guest)?).clone();
            guest.refuel(limits)?;
            let packed = func
                .call(&mut guest.store, ())
                .map_err(|e| call_error(&e))?;
            Host::answer(guest, packed)
        })
    }
}
