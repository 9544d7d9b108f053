//! The library's typed errors; every one that concerns an input names its file.

use std::path::PathBuf;

/// What can go wrong converting one input file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: cannot read file: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a PDF, PNG, JPEG or TIFF file")]
    UnknownFormat { path: PathBuf },
    #[error("{path}: cannot decode image: {reason}")]
    Image { path: PathBuf, reason: String },
    #[error("{path}: cannot open PDF: {reason}")]
    Pdf { path: PathBuf, reason: String },
    #[error("{path}: document has no pages")]
    NoPages { path: PathBuf },
    #[error("{path}: no report tables found (is this a 政府信息公开工作年度报告?)")]
    NotAReport { path: PathBuf },
    #[error("pdfium library not loaded: {reason}")]
    PdfiumUnavailable { reason: String },
    #[error("OCR engine failed: {reason}")]
    Ocr { reason: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
