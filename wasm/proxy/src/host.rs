//! The proxy-wasm ABI 0.2.1 host calls the filter makes, declared here
//! rather than through the SDK's wrappers (which panic on an unexpected
//! status and on a header name that is not UTF-8): every status is checked
//! and every buffer the host hands over is bounds-checked when read.

use std::ptr::null_mut;

/// `Status::Ok`.
const OK: u32 = 0;
/// `Status::NotFound`.
const NOT_FOUND: u32 = 1;
/// `BufferType::PluginConfiguration`.
const PLUGIN_CONFIGURATION: u32 = 7;
/// `MapType::HttpRequestHeaders`.
const HTTP_REQUEST_HEADERS: u32 = 0;

#[link(wasm_import_module = "env")]
unsafe extern "C" {
    fn proxy_log(level: u32, message_data: *const u8, message_size: usize) -> u32;
    fn proxy_get_current_time_nanoseconds(return_time: *mut u64) -> u32;
    fn proxy_get_buffer_bytes(
        buffer_type: u32,
        start: usize,
        max_size: usize,
        return_buffer_data: *mut *mut u8,
        return_buffer_size: *mut usize,
    ) -> u32;
    fn proxy_get_header_map_pairs(
        map_type: u32,
        return_map_data: *mut *mut u8,
        return_map_size: *mut usize,
    ) -> u32;
    fn proxy_replace_header_map_value(
        map_type: u32,
        key_data: *const u8,
        key_size: usize,
        value_data: *const u8,
        value_size: usize,
    ) -> u32;
    fn proxy_get_property(
        path_data: *const u8,
        path_size: usize,
        return_value_data: *mut *mut u8,
        return_value_size: *mut usize,
    ) -> u32;
    fn proxy_send_local_response(
        status_code: u32,
        status_code_details_data: *const u8,
        status_code_details_size: usize,
        body_data: *const u8,
        body_size: usize,
        headers_data: *const u8,
        headers_size: usize,
        grpc_status: i32,
    ) -> u32;
    fn proxy_register_shared_queue(
        queue_name_data: *const u8,
        queue_name_size: usize,
        return_queue_id: *mut u32,
    ) -> u32;
    fn proxy_enqueue_shared_queue(queue_id: u32, value_data: *const u8, value_size: usize) -> u32;
}

/// A host call's failure: its status.
pub type Status = u32;

/// Takes ownership of a buffer the host allocated through
/// `proxy_on_memory_allocate` (the SDK's allocator: a boxed `[u8]` of
/// exactly `size` bytes).
fn take(data: *mut u8, size: usize) -> Vec<u8> {
    if data.is_null() {
        return Vec::new();
    }
    // SAFETY: the host wrote `data` and `size` from a successful call; per
    // the ABI `data` came from `proxy_on_memory_allocate(size)`, which the
    // SDK implements as a `Vec<u8>` of capacity and length `size` turned
    // into a boxed slice, so rebuilding the Vec takes that allocation back.
    unsafe { Vec::from_raw_parts(data, size, size) }
}

/// Writes `message` to the host's log at `level` (0 trace to 5 critical).
pub fn log(level: u32, message: &str) -> Result<(), Status> {
    // SAFETY: a pointer and length of a live string.
    let status = unsafe { proxy_log(level, message.as_ptr(), message.len()) };
    if status == OK { Ok(()) } else { Err(status) }
}

/// The host's clock, nanoseconds since the Unix epoch.
pub fn now_nanos() -> Result<u64, Status> {
    let mut time = 0u64;
    // SAFETY: `time` is a live u64 the host writes.
    let status = unsafe { proxy_get_current_time_nanoseconds(&mut time) };
    if status == OK { Ok(time) } else { Err(status) }
}

/// The plugin configuration's bytes (empty when there is none).
pub fn plugin_configuration(size: usize) -> Result<Vec<u8>, Status> {
    let (mut data, mut len) = (null_mut(), 0usize);
    // SAFETY: `data` and `len` are live locals the host writes.
    let status =
        unsafe { proxy_get_buffer_bytes(PLUGIN_CONFIGURATION, 0, size, &mut data, &mut len) };
    match status {
        OK => Ok(take(data, len)),
        NOT_FOUND => Ok(Vec::new()),
        other => Err(other),
    }
}

/// The request headers as the host serializes them (read with
/// [`crate::header_map::parse`]).
pub fn request_headers() -> Result<Vec<u8>, Status> {
    let (mut data, mut len) = (null_mut(), 0usize);
    // SAFETY: `data` and `len` are live locals the host writes.
    let status = unsafe { proxy_get_header_map_pairs(HTTP_REQUEST_HEADERS, &mut data, &mut len) };
    if status == OK {
        Ok(take(data, len))
    } else {
        Err(status)
    }
}

/// Sets request header `name` to `value` (replacing any copies).
pub fn replace_request_header(name: &str, value: &str) -> Result<(), Status> {
    // SAFETY: pointers and lengths of live strings.
    let status = unsafe {
        proxy_replace_header_map_value(
            HTTP_REQUEST_HEADERS,
            name.as_ptr(),
            name.len(),
            value.as_ptr(),
            value.len(),
        )
    };
    if status == OK { Ok(()) } else { Err(status) }
}

/// A property by its path (`["source", "address"]`), `None` when absent.
pub fn property(path: &[&str]) -> Result<Option<Vec<u8>>, Status> {
    let serialized = path.join("\0");
    let (mut data, mut len) = (null_mut(), 0usize);
    // SAFETY: a live string, and live locals the host writes.
    let status =
        unsafe { proxy_get_property(serialized.as_ptr(), serialized.len(), &mut data, &mut len) };
    match status {
        OK if data.is_null() => Ok(None),
        OK => Ok(Some(take(data, len))),
        NOT_FOUND => Ok(None),
        other => Err(other),
    }
}

/// Answers the request locally.
pub fn send_local_response(
    status_code: u32,
    details: &str,
    body: &[u8],
    headers: &[u8],
) -> Result<(), Status> {
    // SAFETY: pointers and lengths of live buffers.
    let status = unsafe {
        proxy_send_local_response(
            status_code,
            details.as_ptr(),
            details.len(),
            body.as_ptr(),
            body.len(),
            headers.as_ptr(),
            headers.len(),
            -1,
        )
    };
    if status == OK { Ok(()) } else { Err(status) }
}

/// Registers the shared queue `name`; its id.
pub fn register_shared_queue(name: &str) -> Result<u32, Status> {
    let mut id = 0u32;
    // SAFETY: a live string, and a live local the host writes.
    let status = unsafe { proxy_register_shared_queue(name.as_ptr(), name.len(), &mut id) };
    if status == OK { Ok(id) } else { Err(status) }
}

/// Enqueues `value` on queue `id`.
pub fn enqueue_shared_queue(id: u32, value: &[u8]) -> Result<(), Status> {
    // SAFETY: a live buffer.
    let status = unsafe { proxy_enqueue_shared_queue(id, value.as_ptr(), value.len()) };
    if status == OK { Ok(()) } else { Err(status) }
}
