//! Plain C-ABI exports of the browser reader (feature `wasm`), called by the hand-written
//! loader in `theme/search/search-worker.js` (no wasm-bindgen).
//!
//! Memory protocol: the worker reserves a buffer with `ss_alloc(len)`, writes into it and
//! hands it to a call that takes ownership of it (`ss_new`, `ss_add_file`, `ss_search`), or
//! gives it back with `ss_free(ptr, len)`. Answers (UTF-8 JSON) are written into a buffer
//! owned by the engine: the call returns their length, `ss_out(engine)` their address,
//! valid until the next call. A failed search answers `{"error":"…"}`.
//!
//! ```text
//! ss_alloc(len) -> ptr                    ss_free(ptr, len)
//! ss_new(meta_ptr, meta_len) -> engine    (0: corrupt meta; the meta file inflated)
//! ss_add_file(engine, name_ptr, name_len, bytes_ptr, bytes_len)   (bytes inflated)
//! ss_facets(engine) -> len                ss_out(engine) -> ptr
//! ss_search(engine, params_ptr, params_len, limit, fragments, budget) -> len
//!     params: "query\0kind\0group\0service" (empty = no filter)
//!     answer: {"need":[file...]} (fetch, inflate, add, search again) or the results
//! ```

use crate::reader::{Engine, Filters, Request};

/// The engine and its answer buffer.
pub struct Handle {
    engine: Engine,
    out: Vec<u8>,
}

/// Takes back a buffer made by [`ss_alloc`].
///
/// # Safety
/// `ptr`/`len` must come from one `ss_alloc(len)` not yet taken back.
unsafe fn take(ptr: *mut u8, len: usize) -> Vec<u8> {
    // SAFETY: ss_alloc leaked exactly this boxed slice.
    unsafe { Box::from_raw(core::ptr::slice_from_raw_parts_mut(ptr, len)) }.into_vec()
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_default()
}

/// Reserves `len` bytes for the caller to fill.
#[unsafe(no_mangle)]
pub extern "C" fn ss_alloc(len: usize) -> *mut u8 {
    Box::into_raw(vec![0u8; len].into_boxed_slice()) as *mut u8
}

/// Frees a buffer from [`ss_alloc`] that no call took over.
///
/// # Safety
/// `ptr`/`len` must come from one `ss_alloc(len)` not yet taken back.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ss_free(ptr: *mut u8, len: usize) {
    drop(unsafe { take(ptr, len) });
}

/// Opens the index from its (inflated) meta file; takes the buffer. 0 when it is corrupt.
///
/// # Safety
/// The buffer must come from `ss_alloc(meta_len)`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ss_new(meta_ptr: *mut u8, meta_len: usize) -> *mut Handle {
    let meta = unsafe { take(meta_ptr, meta_len) };
    match Engine::new(&meta) {
        Ok(engine) => Box::into_raw(Box::new(Handle {
            engine,
            out: Vec::new(),
        })),
        Err(_) => core::ptr::null_mut(),
    }
}

/// Hands over a fetched (inflated) index file; takes both buffers.
///
/// # Safety
/// `h` from `ss_new`; both buffers from `ss_alloc` with these lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ss_add_file(
    h: *mut Handle,
    name_ptr: *mut u8,
    name_len: usize,
    bytes_ptr: *mut u8,
    bytes_len: usize,
) {
    let name = text(unsafe { take(name_ptr, name_len) });
    let bytes = unsafe { take(bytes_ptr, bytes_len) };
    let h = unsafe { &mut *h };
    h.engine.add_file(&name, bytes);
}

/// Address of the last answer.
///
/// # Safety
/// `h` from `ss_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ss_out(h: *const Handle) -> *const u8 {
    unsafe { &*h }.out.as_ptr()
}

/// Facet values as JSON (`{"kinds":[[value,count]...],"groups":…,"services":…,"docs":n,
/// "pages":n}`); returns the answer's length.
///
/// # Safety
/// `h` from `ss_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ss_facets(h: *mut Handle) -> usize {
    let h = unsafe { &mut *h };
    h.out = crate::json::facets_json(&h.engine.meta).into_bytes();
    h.out.len()
}

/// One search step (`budget`: bytes of posting blocks beyond the first ones before the
/// best sections found so far are returned; 0 = exact); takes the params buffer and
/// returns the answer's length: `{"need":[file...]}` or
/// `{"fallback":bool,"approximate":bool,"suggestion":string|null,"hits":[...]}`.
///
/// # Safety
/// `h` from `ss_new`; the params buffer from `ss_alloc(params_len)`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ss_search(
    h: *mut Handle,
    params_ptr: *mut u8,
    params_len: usize,
    limit: usize,
    fragments: usize,
    budget: usize,
) -> usize {
    let params = text(unsafe { take(params_ptr, params_len) });
    let h = unsafe { &mut *h };
    let mut parts = params.splitn(4, '\0');
    let mut next = || parts.next().unwrap_or("").to_string();
    let query = next();
    let mut opt = || Some(next()).filter(|s| !s.is_empty());
    let filters = Filters {
        kind: opt(),
        group: opt(),
        service: opt(),
    };
    let req = Request {
        query,
        filters,
        limit: limit.min(200),
        fragments: fragments.min(50),
        budget,
    };
    h.out = match h.engine.search(&req) {
        Ok(step) => crate::json::step_json(&step),
        Err(_) => String::from("{\"error\":\"corrupt index\"}"),
    }
    .into_bytes();
    h.out.len()
}
