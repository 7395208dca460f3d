//! Storage for key-set contents: growable with `alloc`, fixed capacity without it.

#[cfg(feature = "alloc")]
pub(crate) type List<T, const N: usize> = alloc::vec::Vec<T>;
#[cfg(not(feature = "alloc"))]
pub(crate) type List<T, const N: usize> = serde_json_core::heapless::Vec<T, N>;

#[cfg(feature = "alloc")]
pub(crate) type Name<const N: usize> = alloc::string::String;
#[cfg(not(feature = "alloc"))]
pub(crate) type Name<const N: usize> = serde_json_core::heapless::String<N>;

/// Appending that may fail when the list has a fixed capacity.
pub(crate) trait TryPush<T> {
    /// Appends, or gives the item back when the list is full.
    fn try_push(&mut self, item: T) -> Result<(), T>;
}

#[cfg(feature = "alloc")]
impl<T> TryPush<T> for alloc::vec::Vec<T> {
    fn try_push(&mut self, item: T) -> Result<(), T> {
        self.push(item);
        Ok(())
    }
}

#[cfg(not(feature = "alloc"))]
impl<T, const N: usize> TryPush<T> for serde_json_core::heapless::Vec<T, N> {
    fn try_push(&mut self, item: T) -> Result<(), T> {
        self.push(item)
    }
}

/// Owned text built from a `&str`, which may fail when the text has a fixed capacity.
pub(crate) trait FromText: Sized {
    fn from_text(text: &str) -> Option<Self>;
}

#[cfg(feature = "alloc")]
impl FromText for alloc::string::String {
    fn from_text(text: &str) -> Option<Self> {
        Some(Self::from(text))
    }
}

#[cfg(not(feature = "alloc"))]
impl<const N: usize> FromText for serde_json_core::heapless::String<N> {
    fn from_text(text: &str) -> Option<Self> {
        let mut s = Self::new();
        s.push_str(text).ok()?;
        Some(s)
    }
}
