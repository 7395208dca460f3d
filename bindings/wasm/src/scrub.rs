//! Wiping the stack after secrets passed through it.
//!
//! Moving a value in Rust copies its bytes and leaves the source as it was, and zeroize-on-drop
//! cannot reach such copies; nor can it reach the AES key schedules that sealing and opening
//! expand on the stack. So every call that handles a key, a client secret, an API key or a
//! refresh response key runs through [`secret_call`], which wipes the stack region it used, and
//! values that hold secrets are boxed inside the call, so that handing them to JavaScript moves
//! only a pointer. The package's tests search WebAssembly memory for each secret after `free()`.

use zeroize::Zeroize as _;

/// Depth wiped after a call that handles secrets: parsing a key set, credentials or an
/// identity, sealing a request or opening a reply. Those calls leave copies within a few KiB
/// of the caller's frame; this is a wide margin.
const SECRETS: usize = 32 * 1024;

/// Depth wiped after normalizing or hashing an email or phone number (copies within 1 KiB).
#[cfg(feature = "operator")]
const DII: usize = 8 * 1024;

/// Runs `f` in frames of its own, then overwrites them. Box whatever `f` returns that holds a
/// secret, so that moving the result copies no secret bytes.
pub(crate) fn secret_call<T>(f: impl FnOnce() -> T) -> T {
    let out = run(f);
    stack::<SECRETS>();
    out
}

/// [`secret_call`] for calls that handle an email or a phone number.
#[cfg(feature = "operator")]
pub(crate) fn dii_call<T>(f: impl FnOnce() -> T) -> T {
    let out = run(f);
    stack::<DII>();
    out
}

#[inline(never)]
fn run<T>(f: impl FnOnce() -> T) -> T {
    f()
}

/// Overwrites `DEPTH` bytes of the stack below the caller's frame with zeros.
#[inline(never)]
fn stack<const DEPTH: usize>() {
    let mut region = [0u8; DEPTH];
    // Volatile writes: the compiler keeps them although the array is never read.
    region.zeroize();
    core::hint::black_box(&region);
}
