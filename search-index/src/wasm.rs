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
//! ss_new(meta_ptr, meta_len) -> engine    (0: corrupt meta; the meta file inflated; the
//!                                         preview's wasm also opens its overlay from it)
//! ss_add_file(engine, name_ptr, name_len, bytes_ptr, bytes_len)   (bytes inflated)
//! ss_facets(engine) -> len                ss_out(engine) -> ptr
//! ss_bundle(engine) -> len                (the bundle's file name; empty: none)
//! ss_add_bundle(engine, bytes_ptr, bytes_len) -> 1 (0: corrupt; the bundle inflated)
//! ss_search(engine, params_ptr, params_len, limit, fragments, budget, early) -> len
//!     params: "query\0kind\0group\0service\0status\0YYYY-MM-DD" (empty = no filter;
//!     the date: only what applied on that day)
//!     answer: {"need":[file...]} (fetch, inflate, add, search again) or the results;
//!     early (1): the first `fragments` pages' hits as soon as they are proven, before
//!     the rest of the ranking ("partial":true; see `Request::early`); a need that is
//!     only the text of hits already ranked says "ranked":true (it names only the
//!     fragment files of their pages)
//! ss_marks(engine, params_ptr, params_len) -> len
//!     params: "query\0text"; answer: {"need":[file...]} or {"marks":[from,to,...]}
//!     (UTF-16 offsets of the words of text the query highlights)
//! ```

use crate::reader::{Engine, Filters, Request, Step};

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
    match Engine::open(&meta) {
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

/// The name of the index's bundle (empty if it has none); returns the answer's length.
///
/// # Safety
/// `h` from `ss_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ss_bundle(h: *mut Handle) -> usize {
    let h = unsafe { &mut *h };
    h.out = h.engine.meta.bundle_name().unwrap_or_default().into_bytes();
    h.out.len()
}

/// Hands over the fetched (inflated) bundle; takes the buffer. 0 when it is corrupt.
///
/// # Safety
/// `h` from `ss_new`; the buffer from `ss_alloc(bytes_len)`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ss_add_bundle(
    h: *mut Handle,
    bytes_ptr: *mut u8,
    bytes_len: usize,
) -> usize {
    let bytes = unsafe { take(bytes_ptr, bytes_len) };
    let h = unsafe { &mut *h };
    usize::from(h.engine.add_bundle(&bytes).is_ok())
}

/// Address of the last answer.
///
/// # Safety
/// `h` from `ss_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ss_out(h: *const Handle) -> *const u8 {
    unsafe { &*h }.out.as_ptr()
}

/// Facet values as JSON (`{"kinds":[[value,count]...],"groups":…,"services":…,
/// "statuses":…,"docs":n,"pages":n}`); returns the answer's length.
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
/// `{"fallback":bool,"approximate":bool,"suggestion":string|null,
/// "validOn":"YYYY-MM-DD"|null,"hits":[...]}` (`validOn`: the date in effect).
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
    early: usize,
) -> usize {
    let params = text(unsafe { take(params_ptr, params_len) });
    let h = unsafe { &mut *h };
    let mut parts = params.splitn(6, '\0');
    let mut next = || parts.next().unwrap_or("").to_string();
    let query = next();
    let mut opt = || Some(next()).filter(|s| !s.is_empty());
    let filters = Filters {
        kind: opt(),
        group: opt(),
        service: opt(),
        status: opt(),
        valid_on: opt().and_then(|d| crate::validity::parse_date(&d)),
    };
    let req = Request {
        query,
        filters,
        limit: limit.min(200),
        fragments: fragments.min(200),
        budget,
        early: early != 0,
    };
    h.out = match h.engine.search(&req) {
        Ok(Step::Need(files)) => crate::json::need_json(&files, h.engine.waits_for_text_only()),
        Ok(step) => crate::json::step_json(&step),
        Err(_) => String::from("{\"error\":\"corrupt index\"}"),
    }
    .into_bytes();
    h.out.len()
}

/// The words of a text a query highlights (the page a hit opens marks them); takes the
/// params buffer (`query\0text`) and returns the answer's length (see the module doc).
///
/// # Safety
/// `h` from `ss_new`; the params buffer from `ss_alloc(params_len)`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ss_marks(h: *mut Handle, params_ptr: *mut u8, params_len: usize) -> usize {
    let params = text(unsafe { take(params_ptr, params_len) });
    let h = unsafe { &mut *h };
    let (query, body) = params.split_once('\0').unwrap_or((&params, ""));
    h.out = match h.engine.marks(query, body) {
        Ok(step) => crate::json::marks_json(&step, body),
        Err(_) => String::from("{\"error\":\"corrupt index\"}"),
    }
    .into_bytes();
    h.out.len()
}

/// Compiles the engine's code by running it once on a sample (see [`crate::reader::warm_up`]).
#[unsafe(no_mangle)]
pub extern "C" fn ss_warm() -> usize {
    crate::reader::warm_up()
}

/// The wasm reader's allocator: power-of-two size classes with a free list each, carved
/// from pages of `memory.grow`. Much smaller than the default dlmalloc (~7 KB of code);
/// the engine's allocations (index files, vectors that double) suit it, and the worker
/// is single-threaded.
#[cfg(target_arch = "wasm32")]
mod size_classes {
    use core::alloc::{GlobalAlloc, Layout};
    use core::cell::UnsafeCell;
    use core::ptr::null_mut;

    /// Smallest block (room for the free list link).
    const MIN: usize = 16;
    const PAGE: usize = 65536;
    /// Pages taken from the host at least at once: 16 MB, which an index's files and their
    /// decoded forms rarely outgrow. A `memory.grow` costs the browser milliseconds (measured
    /// in Chromium/V8: 2-5 ms spikes with 1 MB steps), and the host commits pages only as
    /// they are touched.
    const GROW: usize = 256;

    struct State {
        free: [*mut u8; usize::BITS as usize],
        next: usize,
        end: usize,
    }

    pub struct SizeClasses(UnsafeCell<State>);

    // SAFETY: wasm32-unknown-unknown without threads: one thread only.
    unsafe impl Sync for SizeClasses {}

    #[global_allocator]
    static ALLOCATOR: SizeClasses = SizeClasses(UnsafeCell::new(State {
        free: [null_mut(); usize::BITS as usize],
        next: 0,
        end: 0,
    }));

    /// Size class (log2 of the block size) of a layout.
    fn class(layout: &Layout) -> Option<usize> {
        let size = layout.size().max(layout.align()).max(MIN);
        Some(size.checked_next_power_of_two()?.trailing_zeros() as usize)
    }

    unsafe impl GlobalAlloc for SizeClasses {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: single-threaded, and no allocator call re-enters another.
            let s = unsafe { &mut *self.0.get() };
            let Some(c) = class(&layout) else {
                return null_mut();
            };
            let head = s.free[c];
            if !head.is_null() && layout.align() <= MIN {
                // SAFETY: a free block holds the link to the next one.
                s.free[c] = unsafe { *(head as *mut *mut u8) };
                return head;
            }
            let size = 1usize << c;
            let align = layout.align().max(MIN);
            loop {
                let start = (s.next + align - 1) & !(align - 1);
                if let Some(end) = start.checked_add(size)
                    && end <= s.end
                {
                    s.next = end;
                    return start as *mut u8;
                }
                let pages = (size + align).div_ceil(PAGE).max(GROW);
                let prev = core::arch::wasm32::memory_grow(0, pages);
                if prev == usize::MAX {
                    return null_mut();
                }
                let base = prev * PAGE;
                if base != s.end {
                    s.next = base;
                }
                s.end = base + pages * PAGE;
            }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: as in alloc; `ptr` is a block of this layout's class.
            let s = unsafe { &mut *self.0.get() };
            if let Some(c) = class(&layout) {
                unsafe { *(ptr as *mut *mut u8) = s.free[c] };
                s.free[c] = ptr;
            }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: GlobalAlloc's contract: the new layout is valid.
            let new = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
            if class(&layout) == class(&new) {
                return ptr;
            }
            let p = unsafe { self.alloc(new) };
            if !p.is_null() {
                unsafe {
                    core::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
            }
            p
        }
    }
}
