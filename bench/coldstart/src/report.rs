//! The medians of a function's cold starts, the table and ratios `make bench-coldstart` prints,
//! and what they mean in Lambda, where a function gets CPU in proportion to its memory: a full
//! vCPU at 1769 MB, 1/7 of one at 256 MB. A size is worth its price while doubling it still
//! shortens what someone waits for: for the intake, whose sender waits, a cold start by
//! [`COLD_STEP`] or a warm request by [`WARM_STEP`]; for the worker, which nobody waits for but
//! which is paid by the millisecond, its work per event by [`WARM_STEP`]. The recommended size is
//! the smallest past which doubling no longer does.

use std::fmt::Write as _;
use std::time::Duration;

use crate::functions::{Function, WORKER_BATCH};
use crate::runtime::ColdStart;

/// The memory size at which a function has one full vCPU.
pub const FULL_VCPU_MB: u32 = 1769;
/// The sizes the model looks at.
pub const SIZES_MB: [u32; 5] = [128, 256, 512, 1024, FULL_VCPU_MB];
/// A cold-start saving worth doubling the memory for.
pub const COLD_STEP: Duration = Duration::from_millis(10);
/// A warm-request saving worth doubling the memory for.
pub const WARM_STEP: Duration = Duration::from_millis(1);
/// Lambda on arm64 in us-east-1: dollars per GB-second.
pub const PRICE_PER_GB_SECOND: f64 = 0.000_013_333_4;
/// Lambda: dollars per million requests.
pub const PRICE_PER_MILLION_REQUESTS: f64 = 0.20;

/// Goals the intake must meet (issue 14).
pub const GOAL_INIT_CPU_RATIO: f64 = 4.0;
/// First request CPU over a warm request's.
pub const GOAL_FIRST_CPU_RATIO: f64 = 1.5;
/// Peak RSS, MiB.
pub const GOAL_PEAK_RSS_MB: f64 = 16.0;

/// The medians of one function's cold starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Which.
    pub function: Function,
    /// Its binary's size in bytes.
    pub binary_bytes: u64,
    /// How many cold starts.
    pub runs: usize,
    /// Medians over the runs.
    pub init_wall: Duration,
    /// Medians over the runs.
    pub init_cpu: Duration,
    /// Medians over the runs.
    pub first_wall: Duration,
    /// Medians over the runs.
    pub first_cpu: Duration,
    /// The median of every warm request of every run.
    pub warm_wall: Duration,
    /// The median of every warm request of every run.
    pub warm_cpu: Duration,
    /// Median over the runs, KiB.
    pub peak_rss_kib: u64,
}

impl Summary {
    /// The medians of `runs` (at least one).
    pub fn of(function: Function, binary_bytes: u64, runs: &[ColdStart]) -> Summary {
        let each = |field: fn(&ColdStart) -> Duration| median(runs.iter().map(field).collect());
        let all = |field: fn(&ColdStart) -> &Vec<Duration>| median(runs.iter().flat_map(field).copied().collect());
        Summary {
            function,
            binary_bytes,
            runs: runs.len(),
            init_wall: each(|run| run.init_wall),
            init_cpu: each(|run| run.init_cpu),
            first_wall: each(|run| run.first_wall),
            first_cpu: each(|run| run.first_cpu),
            warm_wall: all(|run| &run.warm_wall),
            warm_cpu: all(|run| &run.warm_cpu),
            peak_rss_kib: median(runs.iter().map(|run| run.peak_rss_kib).collect()),
        }
    }

    /// CPU time of a cold start: init and the first request.
    pub fn cold_cpu(&self) -> Duration {
        self.init_cpu + self.first_cpu
    }
}

/// The median (the lower middle of an even count); zero of nothing.
pub fn median<T: Ord + Copy + Default>(mut values: Vec<T>) -> T {
    values.sort_unstable();
    values.get(values.len().saturating_sub(1) / 2).copied().unwrap_or_default()
}

/// `cpu` as time at `memory_mb` in Lambda: stretched by the share of a vCPU the size buys.
pub fn at_size(cpu: Duration, memory_mb: u32) -> Duration {
    if memory_mb >= FULL_VCPU_MB { cpu } else { cpu.mul_f64(f64::from(FULL_VCPU_MB) / f64::from(memory_mb)) }
}

/// The smallest size past which doubling saves less than [`COLD_STEP`] of a cold start and
/// [`WARM_STEP`] of a warm request (the intake), or [`WARM_STEP`] of work per event (the worker).
pub fn recommended_mb(summary: &Summary) -> u32 {
    SIZES_MB
        .windows(2)
        .find(|pair| {
            let saved = |cpu| at_size(cpu, pair[0]).saturating_sub(at_size(cpu, pair[1]));
            match summary.function {
                Function::Worker => saved(summary.warm_cpu / WORKER_BATCH as u32) < WARM_STEP,
                _ => saved(summary.cold_cpu()) < COLD_STEP && saved(summary.warm_cpu) < WARM_STEP,
            }
        })
        .map_or(FULL_VCPU_MB, |pair| pair[0])
}

fn ms(duration: Duration) -> String {
    let ms = duration.as_secs_f64() * 1000.0;
    if ms < 10.0 { format!("{ms:.2} ms") } else { format!("{ms:.1} ms") }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn ratio(numerator: Duration, denominator: Duration) -> f64 {
    if denominator.is_zero() { f64::INFINITY } else { numerator.as_secs_f64() / denominator.as_secs_f64() }
}

fn verdict(holds: bool) -> &'static str {
    if holds { "met" } else { "MISSED" }
}

/// The report: the table, the ratios and goals, the model of Lambda sizes.
pub fn render(summaries: &[Summary], transport: &str) -> String {
    let mut out = String::new();
    let runs = summaries.first().map_or(0, |summary| summary.runs);
    let _ = writeln!(out, "Cold starts, medians of {runs} per function; AWS (moto) reached over {transport}.\n");
    let _ = writeln!(
        out,
        "| function | binary | init (wall) | init (CPU) | first request (wall) | first request (CPU) | warm request (wall) | warm request (CPU) | peak RSS |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for summary in summaries {
        let _ = writeln!(
            out,
            "| {} | {:.2} MB | {} | {} | {} | {} | {} | {} | {:.1} MB |",
            summary.function.label(),
            summary.binary_bytes as f64 / 1_048_576.0,
            ms(summary.init_wall),
            ms(summary.init_cpu),
            ms(summary.first_wall),
            ms(summary.first_cpu),
            ms(summary.warm_wall),
            ms(summary.warm_cpu),
            mib(summary.peak_rss_kib),
        );
    }

    let find = |function| summaries.iter().find(|summary| summary.function == function);
    if let Some(hello) = find(Function::Hello) {
        let _ = writeln!(out, "\nRatios");
        for function in [Function::Intake, Function::Worker] {
            let Some(summary) = find(function) else { continue };
            let init = ratio(summary.init_cpu, hello.init_cpu);
            let first = ratio(summary.first_cpu, summary.warm_cpu);
            let rss = mib(summary.peak_rss_kib);
            if function == Function::Intake {
                let _ = writeln!(
                    out,
                    "  {}: init CPU {init:.1}x the hello-world's (goal ≤ {GOAL_INIT_CPU_RATIO}x: {}); first request CPU {first:.2}x a warm one's (goal ≤ {GOAL_FIRST_CPU_RATIO}x: {}); peak RSS {rss:.1} MB (goal ≤ {GOAL_PEAK_RSS_MB} MB: {})",
                    function.binary(),
                    verdict(init <= GOAL_INIT_CPU_RATIO),
                    verdict(first <= GOAL_FIRST_CPU_RATIO),
                    verdict(rss <= GOAL_PEAK_RSS_MB),
                );
            } else {
                let _ = writeln!(
                    out,
                    "  {}: init CPU {init:.1}x the hello-world's; first request CPU {first:.2}x a warm one's; peak RSS {rss:.1} MB",
                    function.binary(),
                );
            }
        }
    }

    let _ = writeln!(
        out,
        "\nIn Lambda (CPU in proportion to memory, one vCPU at {FULL_VCPU_MB} MB), the CPU above takes:\n"
    );
    let header: Vec<String> = SIZES_MB.iter().map(|size| format!("{size} MB")).collect();
    let _ = writeln!(out, "| function | | {} | recommended |", header.join(" | "));
    let _ = writeln!(out, "|---|---|{}---|", "---|".repeat(SIZES_MB.len()));
    for summary in summaries.iter().filter(|summary| summary.function != Function::Hello) {
        let recommended = recommended_mb(summary);
        for (what, cpu) in
            [("cold start (init + first request)", summary.cold_cpu()), ("warm request", summary.warm_cpu)]
        {
            let cells: Vec<String> = SIZES_MB.iter().map(|&size| ms(at_size(cpu, size))).collect();
            let _ =
                writeln!(out, "| {} | {what} | {} | {recommended} MB |", summary.function.binary(), cells.join(" | "));
        }
    }
    let _ = writeln!(
        out,
        "\nRecommended: the smallest size past which doubling the memory saves less than {} of a cold start and {} of a warm request (the intake: a sender waits), or {} of work per event (the worker: nobody waits, every ms is paid).",
        ms(COLD_STEP),
        ms(WARM_STEP),
        ms(WARM_STEP)
    );
    for summary in summaries.iter().filter(|summary| summary.function != Function::Hello) {
        let size = recommended_mb(summary);
        let gb = f64::from(size) / 1024.0;
        let compute = at_size(summary.warm_cpu, size).as_secs_f64() * gb * PRICE_PER_GB_SECOND * 1e6;
        let per_waiting_ms = 0.001 * gb * PRICE_PER_GB_SECOND * 1e6;
        let _ = writeln!(
            out,
            "  {} at {size} MB, per million invocations: ${PRICE_PER_MILLION_REQUESTS:.2} of requests + ${compute:.3} of CPU, + ${per_waiting_ms:.4} for each ms spent waiting on AWS (arm64, us-east-1 prices)",
            summary.function.binary()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(cold_ms: u64, warm_us: u64) -> Summary {
        Summary {
            function: Function::Intake,
            binary_bytes: 0,
            runs: 1,
            init_wall: Duration::ZERO,
            init_cpu: Duration::from_millis(cold_ms),
            first_wall: Duration::ZERO,
            first_cpu: Duration::ZERO,
            warm_wall: Duration::ZERO,
            warm_cpu: Duration::from_micros(warm_us),
            peak_rss_kib: 0,
        }
    }

    #[test]
    fn medians_take_the_lower_middle() {
        assert_eq!(median(vec![5, 1, 3]), 3);
        assert_eq!(median(vec![4, 1, 3, 2]), 2);
        assert_eq!(median::<u64>(vec![]), 0);
    }

    #[test]
    fn cpu_stretches_with_a_smaller_share_of_a_vcpu() {
        assert_eq!(at_size(Duration::from_millis(10), FULL_VCPU_MB), Duration::from_millis(10));
        assert_eq!(at_size(Duration::from_millis(10), 4096), Duration::from_millis(10));
        let at_256 = at_size(Duration::from_millis(10), 256).as_secs_f64();
        assert!((at_256 - 0.0691).abs() < 0.0001, "{at_256}");
    }

    #[test]
    fn recommends_the_size_past_which_doubling_buys_little() {
        // 45 ms of cold-start CPU: 256 → 512 MB still saves 155 ms; 1024 → 1769 MB saves 33 ms.
        assert_eq!(recommended_mb(&summary(45, 100)), FULL_VCPU_MB);
        // 1 ms: 128 → 256 MB saves 6.9 ms of a cold start and, at 100 µs, 0.7 ms of a request.
        assert_eq!(recommended_mb(&summary(1, 100)), 128);
        // 5 ms: 256 → 512 MB saves 17 ms, 512 → 1024 MB 8.6 ms.
        assert_eq!(recommended_mb(&summary(5, 100)), 512);
        // A heavy warm request decides: 500 µs saves 1.7 ms from 256 to 512 MB, 0.86 ms after.
        assert_eq!(recommended_mb(&summary(1, 500)), 512);
        // The worker: only its work per event counts. 7 ms a batch of ten is 0.7 ms an event,
        // which 512 → 1024 MB shortens by 1.2 ms and 1024 → 1769 MB by 0.5 ms.
        let worker = Summary { function: Function::Worker, ..summary(45, 7000) };
        assert_eq!(recommended_mb(&worker), 1024);
    }
}
