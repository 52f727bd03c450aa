//! What the kernel knows of a running process: the CPU time the scheduler gave it, to the
//! nanosecond, and its peak resident memory.
//!
//! CPU time is the sum over the process's threads of the first field of
//! `/proc/<pid>/task/<tid>/schedstat` (the scheduler's `sum_exec_runtime`), not `utime`+`stime`
//! of `/proc/<pid>/stat`, which count in 10 ms ticks: an init of a few milliseconds would read as
//! 0 or 10. Threads that have exited are no longer counted; a Lambda runtime's threads (Tokio's
//! workers, its blocking pool, which keeps idle threads for ten seconds) live through a
//! measurement.

use std::io;
use std::time::Duration;

/// CPU time the scheduler gave the live threads of `pid` so far.
pub fn cpu_time(pid: u32) -> io::Result<Duration> {
    let mut nanos: u64 = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let path = task?.path().join("schedstat");
        // A thread may end between the listing and the read.
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        nanos += parse_schedstat(&text)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("{}: {text:?}", path.display())))?;
    }
    Ok(Duration::from_nanos(nanos))
}

/// The peak resident set size of `pid` (`VmHWM`), in KiB.
pub fn peak_rss_kib(pid: u32) -> io::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    parse_vm_hwm(&status).ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no VmHWM line"))
}

/// The first field of a schedstat line: nanoseconds on a CPU.
fn parse_schedstat(text: &str) -> Option<u64> {
    text.split_ascii_whitespace().next()?.parse().ok()
}

/// `VmHWM:     13904 kB` → 13904.
fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|line| line.strip_prefix("VmHWM:"))?;
    line.trim().strip_suffix("kB")?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_scheduler_line_and_the_status_file() {
        assert_eq!(parse_schedstat("2107345 381222 12\n"), Some(2_107_345));
        assert_eq!(parse_schedstat(""), None);
        assert_eq!(parse_vm_hwm("Name:\tx\nVmPeak:\t  9 kB\nVmHWM:\t   13904 kB\nVmRSS:\t 1 kB\n"), Some(13904));
        assert_eq!(parse_vm_hwm("Name:\tx\n"), None);
    }

    #[test]
    fn this_process_has_spent_cpu_and_memory() {
        // Spin until the scheduler has counted at least a millisecond of work.
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(20) {
            std::hint::black_box((0..1000u64).sum::<u64>());
        }
        let cpu = cpu_time(std::process::id()).unwrap();
        assert!(cpu >= Duration::from_millis(5), "{cpu:?}");
        assert!(peak_rss_kib(std::process::id()).unwrap() > 100);
    }
}
