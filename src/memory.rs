//! Memory accounting: how much the server really uses, for INFO (`used_memory`) and the
//! `maxmemory` limit. With jemalloc (the default build) this is the allocator's count of live
//! heap bytes, as Redis reports; otherwise the process's resident set size.

/// Bytes allocated and still in use.
pub fn used_memory() -> u64 {
    #[cfg(feature = "jemalloc")]
    {
        // jemalloc caches its statistics; advancing the epoch refreshes them.
        if tikv_jemalloc_ctl::epoch::advance().is_ok() {
            if let Ok(n) = tikv_jemalloc_ctl::stats::allocated::read() {
                return n as u64;
            }
        }
    }
    rss_bytes()
}

/// Resident set size of this process in bytes, from /proc (0 where unavailable).
pub fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

/// The allocator's name, as INFO's `mem_allocator` reports it.
pub fn allocator_name() -> &'static str {
    if cfg!(feature = "jemalloc") {
        "jemalloc"
    } else {
        "libc"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn used_memory_grows_with_allocations() {
        let before = used_memory();
        let block = vec![1u8; 8 * 1024 * 1024];
        let after = used_memory();
        assert!(block.iter().all(|&b| b == 1));
        assert!(after > before, "{after} <= {before}");
    }
}
