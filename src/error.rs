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
    #[error("{path}: the archive cannot be written (a read-only file, folder or file system); export, report and search can still read it")]
    ArchiveReadOnly { path: PathBuf },
    #[error("{path}: the disk holding the archive is full")]
    ArchiveFull { path: PathBuf },
    #[error("{path}: another run is writing this archive ({holder}); wait for it, or give each run its own archive (--shard) and merge them")]
    ArchiveBusy { path: PathBuf, holder: String },
    #[error("{path}: archive schema version {found}, this build's is {supported}: {}", if found > supported { "use a newer nianbao" } else { "a run that writes it (batch, merge, review) upgrades it" })]
    ArchiveVersion {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("{path}: cannot export: {reason}")]
    Export { path: PathBuf, reason: String },
    #[error("{path}: {reason}")]
    Eval { path: PathBuf, reason: String },
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

    /// An SQLite error on the archive at `path`; a read-only or full disk is told as
    /// such, since the user's remedy is outside the archive.
    pub fn archive(path: &Path, cause: rusqlite::Error) -> Error {
        let path = path.to_path_buf();
        match &cause {
            rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::ReadOnly => {
                Error::ArchiveReadOnly { path }
            }
            // Growing the shared-memory file beside the archive is the first write a
            // session makes; on a full disk it fails with SHMSIZE, not FULL.
            rusqlite::Error::SqliteFailure(e, _)
                if e.code == rusqlite::ErrorCode::DiskFull
                    || e.extended_code == rusqlite::ffi::SQLITE_IOERR_SHMSIZE =>
            {
                Error::ArchiveFull { path }
            }
            _ => Error::Archive { path, cause },
        }
    }

    /// An I/O error on a file that belongs to the archive at `path` (its lock).
    pub fn archive_io(path: &Path, cause: std::io::Error) -> Error {
        use std::io::ErrorKind;
        let path = path.to_path_buf();
        match cause.kind() {
            ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => {
                Error::ArchiveReadOnly { path }
            }
            ErrorKind::StorageFull => Error::ArchiveFull { path },
            _ => Error::Io { path, cause },
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
