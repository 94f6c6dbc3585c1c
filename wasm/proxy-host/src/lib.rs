//! A small proxy-wasm host (ABI 0.2.1) on wasmtime, for testing and
//! benchmarking Tessera's filter (`tessera_proxy.wasm`, wasm/proxy). Not a
//! proxy: requests are header lists the caller gives, replies are values.
//!
//! It follows Envoy's call order: instantiation, `_initialize`,
//! `proxy_on_context_create` of the root context, `proxy_on_vm_start`,
//! `proxy_on_configure`; per request `proxy_on_context_create` of an HTTP
//! context, `proxy_on_request_headers`, then `proxy_on_done`,
//! `proxy_on_log` and `proxy_on_delete`. Header maps are serialized as
//! Envoy does (a u32 count, (key length, value length) u32 pairs, then each
//! key and value NUL-terminated); properties are bytes (`source.address`
//! is `ip:port`).
//!
//! Implemented imports: `proxy_log`, `proxy_get_current_time_nanoseconds`,
//! `proxy_get_buffer_bytes` (the plugin and VM configurations),
//! `proxy_get_header_map_pairs`, `proxy_replace_header_map_value`,
//! `proxy_add_header_map_value` (request headers), `proxy_get_property`,
//! `proxy_send_local_response`, `proxy_register_shared_queue`,
//! `proxy_enqueue_shared_queue`, and the WASI calls Envoy also provides
//! that the module imports (`clock_time_get`, `random_get`, `fd_write`
//! into the log, empty `environ_*`, `proc_exit` as a trap). Every other
//! import the module declares is defined as a function that traps when
//! called, naming itself, so a filter that starts using an unimplemented
//! call fails loudly.

use std::collections::HashMap;
use std::fmt;
use wasmtime::{
    Caller, Config, Engine, Extern, Instance, Linker, Memory, Module, Store, StoreLimits,
    StoreLimitsBuilder, TypedFunc,
};

/// The ABI's `Status` values used here.
const OK: u32 = 0;
const NOT_FOUND: u32 = 1;
const BAD_ARGUMENT: u32 = 2;

/// A header or property list: `(name, value)` byte strings.
pub type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

/// What went wrong in the host or the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostError {
    /// The module does not compile or instantiate, or lacks an export.
    Module(String),
    /// A call into the module trapped (a panic aborts as a trap; an
    /// unimplemented import traps too).
    Trap(String),
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::Module(m) => write!(f, "the module is unusable: {m}"),
            HostError::Trap(m) => write!(f, "the module trapped: {m}"),
        }
    }
}

impl std::error::Error for HostError {}

fn module_error(e: impl fmt::Display) -> HostError {
    HostError::Module(e.to_string())
}

fn trap(e: wasmtime::Error) -> HostError {
    HostError::Trap(format!("{e:#}"))
}

/// A compiled filter module, shareable between hosts.
#[derive(Clone)]
pub struct Compiled {
    engine: Engine,
    module: Module,
}

impl Compiled {
    /// Compiles the module's bytes.
    pub fn new(bytes: &[u8]) -> Result<Compiled, HostError> {
        let engine = Engine::new(&Config::new()).map_err(module_error)?;
        let module = Module::new(&engine, bytes).map_err(module_error)?;
        Ok(Compiled { engine, module })
    }

    /// The module's imports, as `module.name`.
    pub fn imports(&self) -> Vec<String> {
        self.module
            .imports()
            .map(|i| format!("{}.{}", i.module(), i.name()))
            .collect()
    }
}

/// A local reply the filter sent (`proxy_send_local_response`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalResponse {
    /// The HTTP status.
    pub status: u32,
    /// The status details.
    pub details: Vec<u8>,
    /// The body.
    pub body: Vec<u8>,
    /// The response headers.
    pub headers: Pairs,
}

/// What became of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The `Action` `proxy_on_request_headers` returned: 0 continue, 1 pause.
    pub action: u32,
    /// The local reply, when one was sent.
    pub local: Option<LocalResponse>,
    /// The request headers as the filter left them.
    pub headers: Pairs,
}

impl Reply {
    /// True when the request goes on upstream: `Continue`, no local reply.
    pub fn continued(&self) -> bool {
        self.action == 0 && self.local.is_none()
    }

    /// The value of request header `name` after the filter ran.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v.as_slice())
    }
}

/// A log line: the ABI level (0 trace to 5 critical; 2 for WASI output)
/// and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// The level.
    pub level: u32,
    /// The message, lossily UTF-8.
    pub message: String,
}

/// The host's state, seen by the imports.
struct State {
    limits: StoreLimits,
    plugin_configuration: Vec<u8>,
    now_nanos: u64,
    headers: Pairs,
    properties: HashMap<Vec<u8>, Vec<u8>>,
    local: Option<LocalResponse>,
    logs: Vec<LogLine>,
    queues: Vec<(Vec<u8>, Vec<Vec<u8>>)>,
}

/// One VM with one root context.
pub struct ProxyHost {
    store: Store<State>,
    on_context_create: TypedFunc<(u32, u32), ()>,
    on_configure: TypedFunc<(u32, u32), u32>,
    on_request_headers: TypedFunc<(u32, u32, u32), u32>,
    on_done: TypedFunc<u32, u32>,
    on_log: TypedFunc<u32, ()>,
    on_delete: TypedFunc<u32, ()>,
    next_context: u32,
}

/// The root context's id.
const ROOT: u32 = 1;

/// The most linear memory the VM may grow to (256 MiB).
const MEMORY_BYTES: usize = 256 << 20;

impl ProxyHost {
    /// Instantiates the module, runs `_initialize`, creates the root
    /// context and starts the VM (Envoy's order). The clock starts at
    /// 2026-11-25T10:00:00Z.
    pub fn new(compiled: &Compiled) -> Result<ProxyHost, HostError> {
        let state = State {
            limits: StoreLimitsBuilder::new().memory_size(MEMORY_BYTES).build(),
            plugin_configuration: Vec::new(),
            now_nanos: 1_795_600_800_000_000_000,
            headers: Vec::new(),
            properties: HashMap::new(),
            local: None,
            logs: Vec::new(),
            queues: Vec::new(),
        };
        let mut store = Store::new(&compiled.engine, state);
        store.limiter(|s| &mut s.limits);
        let mut linker = Linker::new(&compiled.engine);
        define(&mut linker).map_err(module_error)?;
        linker
            .define_unknown_imports_as_traps(&compiled.module)
            .map_err(module_error)?;
        let instance = linker
            .instantiate(&mut store, &compiled.module)
            .map_err(module_error)?;
        // The ABI version the filter speaks.
        if instance
            .get_func(&mut store, "proxy_abi_version_0_2_1")
            .is_none()
        {
            return Err(HostError::Module(
                "no proxy_abi_version_0_2_1 export".into(),
            ));
        }
        let initialize = typed::<(), ()>(&instance, &mut store, "_initialize")?;
        let on_context_create = typed(&instance, &mut store, "proxy_on_context_create")?;
        let on_vm_start = typed::<(u32, u32), u32>(&instance, &mut store, "proxy_on_vm_start")?;
        let mut host = ProxyHost {
            on_configure: typed(&instance, &mut store, "proxy_on_configure")?,
            on_request_headers: typed(&instance, &mut store, "proxy_on_request_headers")?,
            on_done: typed(&instance, &mut store, "proxy_on_done")?,
            on_log: typed(&instance, &mut store, "proxy_on_log")?,
            on_delete: typed(&instance, &mut store, "proxy_on_delete")?,
            on_context_create,
            store,
            next_context: ROOT + 1,
        };
        initialize.call(&mut host.store, ()).map_err(trap)?;
        host.on_context_create
            .call(&mut host.store, (ROOT, 0))
            .map_err(trap)?;
        let started = on_vm_start.call(&mut host.store, (ROOT, 0)).map_err(trap)?;
        if started == 0 {
            return Err(HostError::Module("proxy_on_vm_start returned false".into()));
        }
        Ok(host)
    }

    /// `proxy_on_configure` with `configuration` as the plugin
    /// configuration; what it returned (false: refused, the old one stays).
    pub fn configure(&mut self, configuration: &[u8]) -> Result<bool, HostError> {
        self.store.data_mut().plugin_configuration = configuration.to_vec();
        let size = u32::try_from(configuration.len())
            .map_err(|_| HostError::Module("a configuration over 4 GiB".into()))?;
        let accepted = self
            .on_configure
            .call(&mut self.store, (ROOT, size))
            .map_err(trap)?;
        Ok(accepted != 0)
    }

    /// Sets the clock `proxy_get_current_time_nanoseconds` reads.
    pub fn set_time_nanos(&mut self, nanos: u64) {
        self.store.data_mut().now_nanos = nanos;
    }

    /// Sets (or with `None` removes) a property, by its path joined with NUL
    /// bytes as the ABI passes it (`source\0address`).
    pub fn set_property(&mut self, path: &[u8], value: Option<&[u8]>) {
        let properties = &mut self.store.data_mut().properties;
        match value {
            Some(value) => properties.insert(path.to_vec(), value.to_vec()),
            None => properties.remove(path),
        };
    }

    /// One request: a new HTTP context, `proxy_on_request_headers` with
    /// `headers`, then `proxy_on_done`, `proxy_on_log`, `proxy_on_delete`.
    pub fn request(&mut self, headers: &[(&[u8], &[u8])]) -> Result<Reply, HostError> {
        let id = self.next_context;
        self.next_context = self.next_context.wrapping_add(1).max(ROOT + 1);
        {
            let state = self.store.data_mut();
            state.headers = headers
                .iter()
                .map(|(n, v)| (n.to_vec(), v.to_vec()))
                .collect();
            state.local = None;
        }
        let count = u32::try_from(headers.len()).unwrap_or(u32::MAX);
        self.on_context_create
            .call(&mut self.store, (id, ROOT))
            .map_err(trap)?;
        let action = self
            .on_request_headers
            .call(&mut self.store, (id, count, 1))
            .map_err(trap)?;
        self.on_done.call(&mut self.store, id).map_err(trap)?;
        self.on_log.call(&mut self.store, id).map_err(trap)?;
        self.on_delete.call(&mut self.store, id).map_err(trap)?;
        let state = self.store.data_mut();
        Ok(Reply {
            action,
            local: state.local.take(),
            headers: std::mem::take(&mut state.headers),
        })
    }

    /// The log lines written since the last call.
    pub fn take_logs(&mut self) -> Vec<LogLine> {
        std::mem::take(&mut self.store.data_mut().logs)
    }

    /// The messages waiting in shared queue `name` (none when it was never
    /// registered), taken.
    pub fn drain_queue(&mut self, name: &str) -> Vec<Vec<u8>> {
        self.store
            .data_mut()
            .queues
            .iter_mut()
            .find(|(n, _)| n == name.as_bytes())
            .map(|(_, q)| std::mem::take(q))
            .unwrap_or_default()
    }
}

fn typed<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(
    instance: &Instance,
    store: &mut Store<State>,
    name: &str,
) -> Result<TypedFunc<P, R>, HostError> {
    instance
        .get_typed_func::<P, R>(&mut *store, name)
        .map_err(|e| HostError::Module(format!("export {name}: {e:#}")))
}

/// Envoy's header map serialization.
pub fn serialize_map(pairs: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let len = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes();
    out.extend_from_slice(&len(pairs.len()));
    for (k, v) in pairs {
        out.extend_from_slice(&len(k.len()));
        out.extend_from_slice(&len(v.len()));
    }
    for (k, v) in pairs {
        out.extend_from_slice(k);
        out.push(0);
        out.extend_from_slice(v);
        out.push(0);
    }
    out
}

/// Reads a serialized map (from the module), checking every length.
fn parse_map(bytes: &[u8]) -> Option<Pairs> {
    if bytes.is_empty() {
        return Some(Vec::new());
    }
    let word = |at: usize| -> Option<usize> {
        let b: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
        usize::try_from(u32::from_le_bytes(b)).ok()
    };
    let count = word(0)?;
    let mut at = 4usize.checked_add(count.checked_mul(8)?)?;
    let mut pairs = Vec::new();
    for n in 0..count {
        let (kl, vl) = (word(4 + n * 8)?, word(8 + n * 8)?);
        let key = bytes.get(at..at.checked_add(kl)?)?.to_vec();
        at += kl + 1;
        let value = bytes.get(at..at.checked_add(vl)?)?.to_vec();
        at += vl + 1;
        pairs.push((key, value));
    }
    Some(pairs)
}

type Ctx<'a> = Caller<'a, State>;

fn memory(caller: &mut Ctx<'_>) -> wasmtime::Result<Memory> {
    match caller.get_export("memory") {
        Some(Extern::Memory(memory)) => Ok(memory),
        _ => Err(wasmtime::Error::msg("the module exports no memory")),
    }
}

fn read(caller: &mut Ctx<'_>, ptr: u32, len: u32) -> wasmtime::Result<Vec<u8>> {
    let memory = memory(caller)?;
    let start = ptr as usize;
    let end = start
        .checked_add(len as usize)
        .ok_or_else(|| wasmtime::Error::msg("a range past 4 GiB"))?;
    memory
        .data(&*caller)
        .get(start..end)
        .map(<[u8]>::to_vec)
        .ok_or_else(|| wasmtime::Error::msg("a range outside the module's memory"))
}

fn write(caller: &mut Ctx<'_>, ptr: u32, bytes: &[u8]) -> wasmtime::Result<()> {
    let memory = memory(caller)?;
    memory
        .write(&mut *caller, ptr as usize, bytes)
        .map_err(|e| wasmtime::Error::msg(format!("a write outside the module's memory: {e}")))
}

/// Hands `bytes` to the module: allocated with its
/// `proxy_on_memory_allocate`, address and size written to the two return
/// pointers. Empty data is returned as a null pointer and size 0 (Envoy).
fn hand_over(
    caller: &mut Ctx<'_>,
    bytes: &[u8],
    return_ptr: u32,
    return_size: u32,
) -> wasmtime::Result<()> {
    let (ptr, size) = if bytes.is_empty() {
        (0u32, 0u32)
    } else {
        let size = u32::try_from(bytes.len())?;
        let allocate = match caller.get_export("proxy_on_memory_allocate") {
            Some(Extern::Func(f)) => f.typed::<u32, u32>(&*caller)?,
            _ => return Err(wasmtime::Error::msg("no proxy_on_memory_allocate export")),
        };
        let ptr = allocate.call(&mut *caller, size)?;
        if ptr == 0 {
            return Err(wasmtime::Error::msg(
                "proxy_on_memory_allocate returned null",
            ));
        }
        write(caller, ptr, bytes)?;
        (ptr, size)
    };
    write(caller, return_ptr, &ptr.to_le_bytes())?;
    write(caller, return_size, &size.to_le_bytes())
}

/// Defines the implemented imports.
fn define(linker: &mut Linker<State>) -> wasmtime::Result<()> {
    linker.func_wrap(
        "env",
        "proxy_log",
        |mut c: Ctx<'_>, level: u32, ptr: u32, len: u32| -> wasmtime::Result<u32> {
            let message = String::from_utf8_lossy(&read(&mut c, ptr, len)?).into_owned();
            c.data_mut().logs.push(LogLine { level, message });
            Ok(OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_get_current_time_nanoseconds",
        |mut c: Ctx<'_>, ret: u32| -> wasmtime::Result<u32> {
            let now = c.data().now_nanos;
            write(&mut c, ret, &now.to_le_bytes())?;
            Ok(OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_get_buffer_bytes",
        |mut c: Ctx<'_>, kind: u32, start: u32, max: u32, ret_ptr: u32, ret_size: u32| {
            // 6: the VM configuration (empty), 7: the plugin configuration.
            let bytes = match kind {
                6 => Vec::new(),
                7 => c.data().plugin_configuration.clone(),
                _ => return Ok(NOT_FOUND),
            };
            let start = (start as usize).min(bytes.len());
            let end = start.saturating_add(max as usize).min(bytes.len());
            let slice = bytes.get(start..end).unwrap_or_default();
            hand_over(&mut c, slice, ret_ptr, ret_size)?;
            wasmtime::Result::Ok(OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_get_header_map_pairs",
        |mut c: Ctx<'_>, kind: u32, ret_ptr: u32, ret_size: u32| {
            if kind != 0 {
                return Ok(NOT_FOUND);
            }
            let map = if c.data().headers.is_empty() {
                Vec::new()
            } else {
                serialize_map(&c.data().headers)
            };
            hand_over(&mut c, &map, ret_ptr, ret_size)?;
            wasmtime::Result::Ok(OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_set_header_map_pairs",
        |mut c: Ctx<'_>, kind: u32, ptr: u32, len: u32| {
            if kind != 0 {
                return Ok(NOT_FOUND);
            }
            let bytes = read(&mut c, ptr, len)?;
            match parse_map(&bytes) {
                Some(pairs) => {
                    c.data_mut().headers = pairs;
                    wasmtime::Result::Ok(OK)
                }
                None => Ok(BAD_ARGUMENT),
            }
        },
    )?;
    for (name, replace) in [
        ("proxy_replace_header_map_value", true),
        ("proxy_add_header_map_value", false),
    ] {
        linker.func_wrap(
            "env",
            name,
            move |mut c: Ctx<'_>, kind: u32, kp: u32, kl: u32, vp: u32, vl: u32| {
                if kind != 0 {
                    return Ok(NOT_FOUND);
                }
                let key = read(&mut c, kp, kl)?.to_ascii_lowercase();
                let value = read(&mut c, vp, vl)?;
                let headers = &mut c.data_mut().headers;
                if replace {
                    headers.retain(|(n, _)| *n != key);
                }
                headers.push((key, value));
                wasmtime::Result::Ok(OK)
            },
        )?;
    }
    linker.func_wrap(
        "env",
        "proxy_get_property",
        |mut c: Ctx<'_>, pp: u32, pl: u32, ret_ptr: u32, ret_size: u32| {
            let path = read(&mut c, pp, pl)?;
            let Some(value) = c.data().properties.get(&path).cloned() else {
                return Ok(NOT_FOUND);
            };
            hand_over(&mut c, &value, ret_ptr, ret_size)?;
            wasmtime::Result::Ok(OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_send_local_response",
        |mut c: Ctx<'_>,
         status: u32,
         dp: u32,
         dl: u32,
         bp: u32,
         bl: u32,
         hp: u32,
         hl: u32,
         _grpc: i32| {
            let details = read(&mut c, dp, dl)?;
            let body = read(&mut c, bp, bl)?;
            let Some(headers) = parse_map(&read(&mut c, hp, hl)?) else {
                return Ok(BAD_ARGUMENT);
            };
            c.data_mut().local = Some(LocalResponse {
                status,
                details,
                body,
                headers,
            });
            wasmtime::Result::Ok(OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_register_shared_queue",
        |mut c: Ctx<'_>, np: u32, nl: u32, ret: u32| {
            let name = read(&mut c, np, nl)?;
            let queues = &mut c.data_mut().queues;
            let id = match queues.iter().position(|(n, _)| *n == name) {
                Some(at) => at,
                None => {
                    queues.push((name, Vec::new()));
                    queues.len() - 1
                }
            };
            write(&mut c, ret, &u32::try_from(id)?.to_le_bytes())?;
            wasmtime::Result::Ok(OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_enqueue_shared_queue",
        |mut c: Ctx<'_>, id: u32, vp: u32, vl: u32| {
            let value = read(&mut c, vp, vl)?;
            match c.data_mut().queues.get_mut(id as usize) {
                Some((_, queue)) => {
                    queue.push(value);
                    wasmtime::Result::Ok(OK)
                }
                None => Ok(NOT_FOUND),
            }
        },
    )?;
    define_wasi(linker)
}

/// The WASI calls Envoy provides that the module imports.
fn define_wasi(linker: &mut Linker<State>) -> wasmtime::Result<()> {
    const WASI: &str = "wasi_snapshot_preview1";
    linker.func_wrap(
        WASI,
        "clock_time_get",
        |mut c: Ctx<'_>, clock: u32, _precision: u64, ret: u32| {
            // 0 realtime: the host's clock; 1 monotonic (and the CPU
            // clocks): the time since the process started.
            let nanos = if clock == 0 {
                c.data().now_nanos
            } else {
                u64::try_from(started().elapsed().as_nanos()).unwrap_or(u64::MAX)
            };
            write(&mut c, ret, &nanos.to_le_bytes())?;
            wasmtime::Result::Ok(0u32)
        },
    )?;
    linker.func_wrap(WASI, "random_get", |mut c: Ctx<'_>, ptr: u32, len: u32| {
        let mut bytes = vec![0u8; len as usize];
        getrandom::fill(&mut bytes)
            .map_err(|e| wasmtime::Error::msg(format!("random source: {e}")))?;
        write(&mut c, ptr, &bytes)?;
        wasmtime::Result::Ok(0u32)
    })?;
    linker.func_wrap(
        WASI,
        "fd_write",
        |mut c: Ctx<'_>, _fd: u32, iovs: u32, count: u32, ret: u32| {
            let mut written = 0u32;
            let mut text = Vec::new();
            for i in 0..count {
                let iov = read(&mut c, iovs + i * 8, 8)?;
                let word = |at: usize| {
                    iov.get(at..at + 4)
                        .and_then(|b| <[u8; 4]>::try_from(b).ok())
                        .map_or(0, u32::from_le_bytes)
                };
                let (ptr, len) = (word(0), word(4));
                text.extend(read(&mut c, ptr, len)?);
                written += len;
            }
            let message = String::from_utf8_lossy(&text).into_owned();
            c.data_mut().logs.push(LogLine { level: 2, message });
            write(&mut c, ret, &written.to_le_bytes())?;
            wasmtime::Result::Ok(0u32)
        },
    )?;
    linker.func_wrap(
        WASI,
        "environ_sizes_get",
        |mut c: Ctx<'_>, count: u32, size: u32| {
            write(&mut c, count, &0u32.to_le_bytes())?;
            write(&mut c, size, &0u32.to_le_bytes())?;
            wasmtime::Result::Ok(0u32)
        },
    )?;
    linker.func_wrap(WASI, "environ_get", |_: Ctx<'_>, _: u32, _: u32| {
        wasmtime::Result::Ok(0u32)
    })?;
    linker.func_wrap(WASI, "proc_exit", |_: Ctx<'_>, code: u32| {
        wasmtime::Result::<()>::Err(wasmtime::Error::msg(format!("proc_exit({code})")))
    })?;
    Ok(())
}

/// When the host process started (the monotonic clock's origin).
fn started() -> std::time::Instant {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    *START.get_or_init(std::time::Instant::now)
}
