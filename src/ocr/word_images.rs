//! Tesseract's word images kept uncompressed: an override of Leptonica's `pixWriteMem`.
//!
//! Tesseract hands each word it recognizes to its LSTM as an `ImageData`, which holds
//! the image PNG-encoded (`pixWriteMem(…, IFF_PNG)`) and decodes it again at once. The
//! encoding deflates at zlib's default level and allocates zlib's window for every
//! word: on the first 10 typical bench reports (`--tables-only`, one core) 6% of the
//! run (8.33 s against 7.83 s, three runs each, alternated), every output the same.
//! This executable defines `pixWriteMem`, so the dynamic linker binds Tesseract's calls
//! to it; it marks a PNG's pix for zlib's level 0 (stored, no search) and passes the
//! call on to Leptonica's own. A stored PNG decodes to the same pixels, so what
//! Tesseract reads does not change.

use std::ffi::c_void;
use std::sync::OnceLock;

/// Leptonica's `IFF_PNG`, the one format changed. (`tests/convert.rs` checks that a
/// PNG written through Leptonica in a process running Tesseract is stored.)
const IFF_PNG: i32 = 3;

type WriteMem = unsafe extern "C" fn(*mut *mut u8, *mut usize, *mut c_void, i32) -> i32;
type SetZlibCompression = unsafe extern "C" fn(*mut c_void, i32) -> i32;

/// Leptonica's own `pixWriteMem` (the next definition after this executable's) and its
/// `pixSetZlibCompression`, looked up once.
fn leptonica() -> (Option<WriteMem>, Option<SetZlibCompression>) {
    static FOUND: OnceLock<(usize, usize)> = OnceLock::new();
    let &(write, level) = FOUND.get_or_init(|| {
        // SAFETY: dlsym with a nul-terminated name; a null answer is handled below.
        unsafe {
            (
                libc::dlsym(libc::RTLD_NEXT, c"pixWriteMem".as_ptr()) as usize,
                libc::dlsym(libc::RTLD_DEFAULT, c"pixSetZlibCompression".as_ptr()) as usize,
            )
        }
    });
    // SAFETY: both are Leptonica's functions of these C signatures (leptonica's
    // allheaders.h, unchanged since 1.70), or null.
    unsafe {
        (
            (write != 0).then(|| std::mem::transmute::<usize, WriteMem>(write)),
            (level != 0).then(|| std::mem::transmute::<usize, SetZlibCompression>(level)),
        )
    }
}

/// Leptonica's `pixWriteMem`, with a PNG stored rather than deflated.
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
    let (write, level) = leptonica();
    // Leptonica reports failure as 1; Tesseract then stores the image as PNM.
    let Some(write) = write else { return 1 };
    if let (IFF_PNG, Some(level), false) = (format, level, pix.is_null()) {
        level(pix, 0);
    }
    write(data, size, pix, format)
}
