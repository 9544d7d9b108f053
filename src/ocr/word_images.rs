//! Tesseract's word images kept uncompressed: an override of Leptonica's `pixWriteMem`.
//!
//! Tesseract hands each word it recognizes to its LSTM as an `ImageData`, which holds
//! the image PNG-encoded (`pixWriteMem(…, IFF_PNG)`) and decodes it again at once
//! (`pixReadMem`, which knows the format by its first bytes). The encoding deflates at
//! zlib's default level with a fresh window for every word. This executable defines
//! `pixWriteMem`, so the dynamic linker binds Tesseract's calls to it; it writes what
//! was asked as PNG in Leptonica's own serialized form (`IFF_SPIX`: a header and the
//! raster as it is in memory) through Leptonica's own function. Read back, it is the
//! same pixels, so what Tesseract reads does not change.

use std::ffi::c_void;
use std::sync::OnceLock;

/// Leptonica's `IFF_PNG`, the format replaced. (`tests/convert.rs` checks what a PNG
/// written through Leptonica in a process running Tesseract becomes.)
const IFF_PNG: i32 = 3;
/// Leptonica's `IFF_SPIX`, its serialized pix, which it writes and reads by copying.
const IFF_SPIX: i32 = 19;

type WriteMem = unsafe extern "C" fn(*mut *mut u8, *mut usize, *mut c_void, i32) -> i32;

/// Leptonica's own `pixWriteMem`, the next definition after this executable's, looked
/// up once.
fn leptonica_write() -> Option<WriteMem> {
    static FOUND: OnceLock<usize> = OnceLock::new();
    let &write = FOUND.get_or_init(|| {
        // SAFETY: dlsym with a nul-terminated name; a null answer is handled below.
        unsafe { libc::dlsym(libc::RTLD_NEXT, c"pixWriteMem".as_ptr()) as usize }
    });
    // SAFETY: Leptonica's function of this C signature (allheaders.h, unchanged since
    // 1.70), or null.
    (write != 0).then(|| unsafe { std::mem::transmute::<usize, WriteMem>(write) })
}

/// Leptonica's `pixWriteMem`, with a PNG written serialized instead.
///
/// # Safety
/// As Leptonica's: `data` and `size` point to writable places and `pix` is a valid pix.
#[no_mangle]
pub unsafe extern "C" fn pixWriteMem(
    data: *mut *mut u8,
    size: *mut usize,
    pix: *mut c_void,
    format: i32,
) -> i32 {
    // Leptonica's failure is 1. Not found, it is not loaded, and Tesseract, which
    // needs it, could not be running.
    let Some(write) = leptonica_write() else {
        return 1;
    };
    let format = if format == IFF_PNG { IFF_SPIX } else { format };
    write(data, size, pix, format)
}
