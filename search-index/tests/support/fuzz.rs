//! Driver of the property-based fuzz targets (`search-index/tests/fuzz.rs`, and
//! `tests/fuzz.rs` through `#[path]`): case counts, time-boxed long runs, execution counts,
//! and a guard against huge allocations from corrupt lengths.
//!
//! `cargo test` runs each target for its default number of cases with a fixed seed (the
//! same cases every run). The long run (`scripts/fuzz`) sets:
//! - `SAMSYN_FUZZ_CASES`: cases per batch (instead of the default),
//! - `SAMSYN_FUZZ_SECONDS`: keep running batches, each with a fresh random seed, until
//!   this many seconds have passed for the target,
//! - `SAMSYN_FUZZ_SEED`: a fixed seed (to replay a run).
//!
//! Each target prints `fuzz-target NAME: N executions, K crashes` (seen with
//! `--nocapture`); a crash fails the test with the shrunk input and the seed.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt::Debug;
use std::time::{Duration, Instant};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};

/// Allocations above this are refused (the process aborts with "memory allocation of N
/// bytes failed") instead of being lazily granted and touched until the machine runs out.
const REFUSED_ALLOCATION: usize = 4 << 30;

thread_local! {
    /// Largest single allocation of this thread since the last [`largest_allocation`] reset.
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|c| {
        if size > c.get() {
            c.set(size);
        }
    });
}

/// The system allocator, noting each thread's largest allocation.
struct Tracking;

unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        if layout.size() > REFUSED_ALLOCATION {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        if layout.size() > REFUSED_ALLOCATION {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        if new_size > REFUSED_ALLOCATION {
            return std::ptr::null_mut();
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

/// Runs `f` and fails if it made a single allocation larger than `limit` bytes (a count
/// read from a corrupt file that was not capped by the bytes it could describe).
pub fn with_allocation_limit<T>(limit: usize, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    LARGEST.with(|c| c.set(0));
    let out = f();
    let largest = LARGEST.with(Cell::get);
    if largest > limit {
        return Err(TestCaseError::fail(format!(
            "an allocation of {largest} bytes (limit {limit})"
        )));
    }
    Ok(out)
}

fn env_number(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    match v.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{name}={v:?} is not a number"),
    }
}

/// A seed per target name (FNV-1a), so that each target's short run is reproducible.
fn name_seed(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// A new seed for each batch of a long run (printed with a crash, to replay it).
fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    name_seed(&format!("{nanos}-{:?}", std::thread::current().id()))
}

/// Runs a fuzz target: `test` on values of `strategy`, `default_cases` of them in a plain
/// `cargo test` (see the module docs for the long run). Panics (failing the test) on the
/// first crash, with the shrunk input.
pub fn fuzz<S>(
    name: &str,
    default_cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy,
    S::Value: Debug,
{
    let cases = env_number("SAMSYN_FUZZ_CASES").map_or(default_cases, |n| n as u32);
    let seconds = env_number("SAMSYN_FUZZ_SECONDS");
    let fixed = env_number("SAMSYN_FUZZ_SEED");
    let long = seconds.is_some() || std::env::var_os("SAMSYN_FUZZ_CASES").is_some();
    let deadline = seconds.map(|s| Instant::now() + Duration::from_secs(s));
    let executions = Cell::new(0u64);
    let mut batch = 0u64;
    loop {
        let seed = match fixed {
            Some(s) => s.wrapping_add(batch),
            None if long => fresh_seed(),
            None => name_seed(name),
        };
        let config = Config {
            cases,
            rng_seed: RngSeed::Fixed(seed),
            failure_persistence: None,
            max_shrink_iters: 2048,
            ..Config::default()
        };
        let mut runner = TestRunner::new(config);
        let outcome = runner.run(&strategy, |value| {
            executions.set(executions.get() + 1);
            test(value)
        });
        batch += 1;
        let crash = match outcome {
            Ok(()) => None,
            Err(TestError::Fail(reason, input)) => Some(format!("{reason}\ninput: {input:#?}")),
            Err(TestError::Abort(reason)) => Some(format!("aborted: {reason}")),
        };
        if let Some(crash) = crash {
            println!(
                "fuzz-target {name}: {} executions, 1 crashes",
                executions.get()
            );
            panic!("fuzz target {name} crashed (SAMSYN_FUZZ_SEED={seed}): {crash}");
        }
        if deadline.is_none_or(|d| Instant::now() >= d) {
            break;
        }
    }
    println!(
        "fuzz-target {name}: {} executions, 0 crashes",
        executions.get()
    );
}
