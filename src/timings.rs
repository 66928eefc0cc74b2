//! `SAMSYN_TIMINGS=1`: how long each phase of a build or of a preview's update took, as
//! `tid:` lines on stderr (the benchmark notes quote them). Without it nothing is printed.

use std::time::Instant;

/// Times consecutive phases: each [`Phases::done`] prints the time since the previous one
/// ended, or since the timer was made.
pub struct Phases {
    /// None when `SAMSYN_TIMINGS` is not set.
    at: Option<Instant>,
    /// Written before each phase's name (e.g. "förhandsvisning, ").
    prefix: &'static str,
}

/// The memory figure a phase's line ends with.
pub enum Memory {
    /// The process's peak so far.
    Peak,
    /// Resident now.
    Now,
}

impl Phases {
    /// A timer started now, printing only when `SAMSYN_TIMINGS` is set.
    pub fn from_env(prefix: &'static str) -> Phases {
        Phases {
            at: std::env::var_os("SAMSYN_TIMINGS").map(|_| Instant::now()),
            prefix,
        }
    }

    /// Ends the phase `what`: "tid: <prefix><what> 1.234 s".
    pub fn done(&mut self, what: &str) {
        self.report(what, None);
    }

    /// Ends the phase `what`, with the memory figure after the time.
    pub fn done_with_memory(&mut self, what: &str, memory: Memory) {
        self.report(what, Some(memory));
    }

    fn report(&mut self, what: &str, memory: Option<Memory>) {
        let Some(at) = self.at.as_mut() else {
            return;
        };
        let memory = match memory {
            None => String::new(),
            Some(Memory::Peak) => format!(
                " (högsta minne hittills {})",
                search_index::memory::status("VmHWM:")
            ),
            Some(Memory::Now) => format!(" (minne nu {})", search_index::memory::status("VmRSS:")),
        };
        eprintln!(
            "tid: {}{what} {:.3} s{memory}",
            self.prefix,
            at.elapsed().as_secs_f64()
        );
        *at = Instant::now();
    }
}
