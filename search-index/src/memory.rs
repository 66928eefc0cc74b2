//! Memory while a large book is built (feature `indexer`): giving freed memory back to the
//! system, and reading how much the process uses (for `SAMSYN_TIMINGS`). glibc keeps the blocks a build frees for its later allocations, but a
//! build's later steps allocate other sizes, so without this what an earlier step freed
//! stayed resident under them (at 100,000 pages, the book under the index: 0.7 GB).

/// Returns the allocator's free pages to the system (glibc on Linux; elsewhere nothing).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_free_memory() {
    // SAFETY: malloc_trim only returns free pages of the allocator's heaps to the kernel;
    // it takes no pointers and leaves every live allocation in place.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Returns the allocator's free pages to the system (glibc on Linux; elsewhere nothing).
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_memory() {}

/// A memory line of `/proc/self/status` (`field` with its colon, e.g. `VmHWM:` for the
/// peak so far, `VmRSS:` for resident now) in MB, as the benchmark counts them (KiB ÷
/// 1,024); "okänt" where there is none (not Linux).
pub fn status(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let kb: f64 = s
                .lines()
                .find_map(|l| l.strip_prefix(field))?
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()?;
            Some(format!("{:.0} MB", kb / 1024.0))
        })
        .unwrap_or_else(|| "okänt".into())
}
