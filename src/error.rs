//! The library's typed errors; every one that concerns an input names its file.

use std::path::{Path, PathBuf};

/// What can go wrong converting one input file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    // The cause is in the message and not a `#[source]`, so a chain printed with
    // anyhow's `{:#}` says it once.
    #[error("{path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{path}: not a PDF, PNG, JPEG or TIFF file")]
    UnknownFormat { path: PathBuf },
    #[error("{path}: cannot decode image: {reason}")]
    Image { path: PathBuf, reason: String },
    #[error("{path}: cannot open PDF: {reason}")]
    Pdf { path: PathBuf, reason: String },
    #[error("{path}: empty file (0 bytes)")]
    Empty { path: PathBuf },
    #[error("{path}: too large to read: {what} (raise it with {option})")]
    TooLarge {
        path: PathBuf,
        what: String,
        option: &'static str,
    },
    #[error("{path}: encrypted PDF: {}", if *given { "the password given does not open it" } else { "give its password with --password" })]
    Encrypted { path: PathBuf, given: bool },
    #[error("{path}: document has no pages")]
    NoPages { path: PathBuf },
    #[error("pdfium library not loaded: {reason}")]
    PdfiumUnavailable { reason: String },
    #[error("{path}: archive error: {cause}")]
    Archive {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    #[error("{path}: archive schema version {found} is newer than this build's {supported}; use a newer nianbao")]
    ArchiveTooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("{path}: cannot export: {reason}")]
    Export { path: PathBuf, reason: String },
    #[error("OCR engine failed: {reason}")]
    Ocr { reason: String },
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: &Path, cause: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            cause,
        }
    }

    /// An SQLite error on the archive at `path`.
    pub fn archive(path: &Path, cause: rusqlite::Error) -> Error {
        Error::Archive {
            path: path.to_path_buf(),
            cause,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
