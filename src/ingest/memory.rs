//! How an ingest's process treats freed memory ([`keep_freed_memory`]).
//!
//! Every flush hands its column vectors to Arrow, encodes pages, then frees all of it;
//! the columns then ask for the same amounts again, and the next flush does the same.
//! glibc hands large blocks back to the kernel on free (each is its own mapping, and the
//! heap's top is trimmed), so each flush faulted in fresh zeroed pages: a quarter of
//! ingest's time was the kernel's.
//! Keeping freed blocks in the heap halves that kernel time; resident memory stays at the
//! run's peak, which the flush size bounds.

/// Tells glibc's allocator to serve blocks up to 32 MiB (its largest setting) from the heap
/// and not to return a freed heap top under 1 GiB. Affects the whole process, so the
/// binary calls it for its ingest and compact commands; elsewhere it does nothing.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets two of the allocator's thresholds; it is thread-safe and
    // has no preconditions. A value it refuses leaves the default in place.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}
