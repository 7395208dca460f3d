//! Links the uid2 core into a `#![no_std]` library: a std leak fails the build.
#![no_std]

#[cfg(feature = "alloc")]
extern crate alloc;

use uid2::Timestamp;
use uid2::token::ClientType;

/// Keeps the token path in the final artefact.
#[unsafe(no_mangle)]
pub extern "C" fn nostd_check_decrypt(ptr: *const u8, len: usize) -> u32 {
    let _ = (ptr, len);
    let keys = uid2::KeySet::clone(&uid2::key::KeySetBuilder::new(uid2::key::KeySetConfig::default()).build());
    match keys.decrypt("A4AA", ClientType::Bidstream, None, Timestamp::from_millis(0)) {
        Ok(_) => 0,
        Err(e) => e.as_status() as u32,
    }
}

#[cfg(feature = "alloc")]
#[unsafe(no_mangle)]
pub extern "C" fn nostd_check_parse() -> u32 {
    u32::from(uid2::KeySet::parse(b"{}").is_err())
}

#[cfg(feature = "alloc")]
mod heap {
    use core::alloc::{GlobalAlloc, Layout};

    /// Never hands out memory: enough to link.
    struct NoHeap;

    unsafe impl GlobalAlloc for NoHeap {
        unsafe fn alloc(&self, _layout: Layout) -> *mut u8 {
            core::ptr::null_mut()
        }
        unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
    }

    #[global_allocator]
    static HEAP: NoHeap = NoHeap;
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}
