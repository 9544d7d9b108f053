//! OCR: reads prepared cell and line images. Tesseract sits behind [`TextReader`] so the
//! later stages test with fakes; [`TesseractReader`] holds one engine per reading kind,
//! initialized once and reused for every image of a worker.

use crate::error::{Error, Result};
use image::GrayImage;
use std::path::{Path, PathBuf};
use tesseract_rs::{TessPageIteratorLevel, TessPageSegMode, TesseractAPI};

/// What an image holds, which decides how it is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReadKind {
    /// Chinese text: labels, titles, dates (one or more lines).
    Text,
    /// A number: digits, a decimal point, a minus sign.
    Number,
}

/// One recognized character with Tesseract's alternatives, for the repair stage.
#[derive(Clone, Debug, PartialEq)]
pub struct Symbol {
    pub text: String,
    /// 0…1.
    pub confidence: f32,
    /// Other readings of the same place with their confidences (0…1), best first.
    pub alternatives: Vec<(String, f32)>,
}

/// What OCR made of one image.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reading {
    pub text: String,
    /// 0…1: the weakest symbol's confidence, since one bad digit spoils a number.
    pub confidence: f32,
    pub symbols: Vec<Symbol>,
}

/// Reads images of text. One instance per worker thread.
pub trait TextReader {
    fn read(&mut self, image: &GrayImage, dpi: u32, kind: ReadKind) -> Result<Reading>;
}

/// Tesseract through libtesseract: `chi_sim` for text, digit settings for numbers.
pub struct TesseractReader {
    text: TesseractAPI,
    number: TesseractAPI,
}

fn ocr_err(e: impl std::fmt::Display) -> Error {
    Error::Ocr {
        reason: e.to_string(),
    }
}

/// The tessdata folder: `$NIANBAO_TESSDATA`, then `models/`, then `$TESSDATA_PREFIX`,
/// then Debian's locations — the first that holds `chi_sim.traineddata`.
pub fn find_tessdata(models_dir: &Path) -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("NIANBAO_TESSDATA") {
        candidates.push(PathBuf::from(p));
    }
    candidates.push(models_dir.to_path_buf());
    if let Some(p) = std::env::var_os("TESSDATA_PREFIX") {
        let p = PathBuf::from(p);
        candidates.push(p.join("tessdata"));
        candidates.push(p);
    }
    candidates.push(PathBuf::from("/usr/share/tesseract-ocr/5/tessdata"));
    candidates.push(PathBuf::from("/usr/share/tesseract-ocr/4.00/tessdata"));
    candidates.push(PathBuf::from("/usr/share/tessdata"));
    candidates
        .into_iter()
        .find(|d| d.join("chi_sim.traineddata").is_file())
}

impl TesseractReader {
    /// Starts both engines from the tessdata folder `tessdata`.
    pub fn new(tessdata: &Path) -> Result<Self> {
        let text = TesseractAPI::new();
        text.init(tessdata, "chi_sim")
            .map_err(|e| ocr_err(format!("chi_sim from {}: {e}", tessdata.display())))?;
        // Labels wrap onto two or three lines inside their cell.
        text.set_page_seg_mode(TessPageSegMode::PSM_SINGLE_BLOCK)
            .map_err(ocr_err)?;
        // Chinese has no spaces between words; Tesseract otherwise inserts them.
        text.set_variable("preserve_interword_spaces", "1")
            .map_err(ocr_err)?;
        let number = TesseractAPI::new();
        number
            .init(tessdata, "eng")
            .map_err(|e| ocr_err(format!("eng from {}: {e}", tessdata.display())))?;
        number
            .set_page_seg_mode(TessPageSegMode::PSM_SINGLE_LINE)
            .map_err(ocr_err)?;
        number
            .set_variable("tessedit_char_whitelist", "0123456789.-")
            .map_err(ocr_err)?;
        // Mode 2 keeps the LSTM's per-symbol alternatives for the choice iterator.
        number
            .set_variable("lstm_choice_mode", "2")
            .map_err(ocr_err)?;
        for api in [&text, &number] {
            // Tesseract reports every unreadable crop on stderr; the reading says it.
            let _ = api.set_variable("debug_file", "/dev/null");
            // Cell crops are not words of a dictionary; don't bend reads toward one.
            let _ = api.set_variable("load_system_dawg", "0");
            let _ = api.set_variable("load_freq_dawg", "0");
        }
        Ok(TesseractReader { text, number })
    }
}

impl TextReader for TesseractReader {
    fn read(&mut self, image: &GrayImage, dpi: u32, kind: ReadKind) -> Result<Reading> {
        let api = match kind {
            ReadKind::Text => &self.text,
            ReadKind::Number => &self.number,
        };
        let (w, h) = (image.width() as i32, image.height() as i32);
        api.set_image(image.as_raw(), w, h, 1, w).map_err(ocr_err)?;
        api.set_source_resolution(dpi as i32).map_err(ocr_err)?;
        api.recognize().map_err(ocr_err)?;
        let text = api.get_utf8_text().map_err(ocr_err)?;
        let symbols = if kind == ReadKind::Number {
            symbols_of(api)
        } else {
            Vec::new()
        };
        let confidence = if symbols.is_empty() {
            api.mean_text_conf()
                .map(|c| c as f32 / 100.0)
                .unwrap_or(0.0)
        } else {
            symbols.iter().map(|s| s.confidence).fold(1.0, f32::min)
        };
        Ok(Reading {
            text: text.trim().to_string(),
            confidence: confidence.clamp(0.0, 1.0),
            symbols,
        })
    }
}

fn symbols_of(api: &TesseractAPI) -> Vec<Symbol> {
    let Ok(it) = api.get_iterator() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    loop {
        if let Ok(text) = it.get_utf8_text(TessPageIteratorLevel::RIL_SYMBOL) {
            let confidence = it
                .confidence(TessPageIteratorLevel::RIL_SYMBOL)
                .unwrap_or(0.0)
                / 100.0;
            let mut alternatives = Vec::new();
            if let Ok(choices) = it.get_choice_iterator() {
                loop {
                    if let (Ok(t), Ok(c)) = (choices.get_utf8_text(), choices.confidence()) {
                        if t != text {
                            alternatives.push((t, c / 100.0));
                        }
                    }
                    if !choices.next().unwrap_or(false) {
                        break;
                    }
                }
            }
            out.push(Symbol {
                text,
                confidence,
                alternatives,
            });
        }
        if !it.next(TessPageIteratorLevel::RIL_SYMBOL).unwrap_or(false) {
            break;
        }
    }
    out
}
