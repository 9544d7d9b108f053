//! OCR: reads prepared cell and line images. Engines sit behind [`TextReader`] so the
//! later stages test with fakes. [`TesseractReader`] reads text with Tesseract `chi_sim`
//! (initialized once per worker and reused) and numbers with the digit network of
//! [`crate::digits`]: measured on the benchmark's 150–200 dpi scans, Tesseract's `eng`
//! and `chi_sim` models with a digit whitelist misread single faded digits (0 as 6, 8,
//! 9) in every page segmentation mode tried (7, 8, 10, 13).

use crate::digits::{read_number, DigitModel};
use crate::error::{Error, Result};
use image::GrayImage;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use tesseract_rs::{TessPageIteratorLevel, TessPageSegMode, TesseractAPI};

mod word_images;

/// What an image holds, which decides how it is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReadKind {
    /// Chinese text: labels, dates (one or more lines). Label matching is fuzzy and
    /// needs only the best reading.
    Text,
    /// A report's title: text whose rare characters (a place's name) are often only the
    /// recognizer's second choice, so each character's alternatives are kept.
    Title,
    /// One line of prose, read as it stands without looking for its layout (faster,
    /// and it reads a bold heading that layout analysis takes for a picture), with no
    /// alternatives kept.
    Line,
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
    /// Taken from a PDF's text layer: what is printed, exactly, not a reading of ink.
    pub from_text_layer: bool,
}

impl Reading {
    /// A reading of ink made of `symbols`: its text theirs joined, its confidence the
    /// weakest one's.
    pub fn from_symbols(symbols: Vec<Symbol>) -> Reading {
        Reading {
            text: symbols.iter().map(|s| s.text.as_str()).collect(),
            confidence: symbols.iter().map(|s| s.confidence).fold(1.0, f32::min),
            symbols,
            from_text_layer: false,
        }
    }
}

/// Reads images of text. One instance per worker thread.
pub trait TextReader {
    fn read(&mut self, image: &GrayImage, dpi: u32, kind: ReadKind) -> Result<Reading>;
}

/// Remembers what `reader` made of each image of text, for the length of one document:
/// stages that look at the same line pay for one read (a page of prose sampled to judge
/// its way, then read; a last page sampled, then read for its date). Numbers pass
/// through: the digit network reads one in less time than its image takes to hash.
/// A title's reading serves a line's of the same image: the prose reads the title's
/// lines only to set them aside (the title is read with alternatives, as a block,
/// which reads its bold characters better). Images are told apart by kind,
/// resolution, size and a 64-bit hash of their pixels — among the thousand or so
/// lines of a report, a collision's odds are below 10⁻¹³.
pub struct RememberingReader<'r> {
    reader: &'r mut dyn TextReader,
    seen: HashMap<(ReadKind, u32, (u32, u32), u64), Reading>,
    remembered: usize,
}

impl<'r> RememberingReader<'r> {
    pub fn new(reader: &'r mut dyn TextReader) -> Self {
        RememberingReader {
            reader,
            seen: HashMap::new(),
            remembered: 0,
        }
    }
}

impl Drop for RememberingReader<'_> {
    fn drop(&mut self) {
        log::debug!(
            "{} images of text read, {} reads remembered",
            self.seen.len(),
            self.remembered
        );
    }
}

impl TextReader for RememberingReader<'_> {
    fn read(&mut self, image: &GrayImage, dpi: u32, kind: ReadKind) -> Result<Reading> {
        if kind == ReadKind::Number {
            return self.reader.read(image, dpi, kind);
        }
        let mut hasher = DefaultHasher::new();
        image.as_raw().hash(&mut hasher);
        let key = (kind, dpi, image.dimensions(), hasher.finish());
        let as_title = (ReadKind::Title, key.1, key.2, key.3);
        let known = (self.seen.get(&key)).or_else(|| {
            (kind == ReadKind::Line)
                .then(|| self.seen.get(&as_title))
                .flatten()
        });
        if let Some(known) = known {
            self.remembered += 1;
            return Ok(known.clone());
        }
        let read = self.reader.read(image, dpi, kind)?;
        self.seen.insert(key, read.clone());
        Ok(read)
    }
}

/// Tesseract `chi_sim` for text, the bundled digit network for numbers.
pub struct TesseractReader {
    text: TesseractAPI,
    digits: &'static DigitModel,
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
    /// Starts Tesseract `chi_sim` from the tessdata folder `tessdata`.
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
        // Tesseract reads a line again turned negative when its mean confidence is under
        // 0.7, for white text on black: never printed in these reports, and a label
        // read unsurely is common on scans, so each such read cost twice.
        text.set_variable("invert_threshold", "0")
            .map_err(ocr_err)?;
        // Tesseract reports every unreadable crop on stderr; the reading says it.
        text.set_variable("debug_file", "/dev/null")
            .map_err(ocr_err)?;
        // Keeps each character's other readings: a bold title's rare character (殷 read
        // as 笑) is often the second choice, which the report fields can recover.
        text.set_variable("lstm_choice_mode", "2")
            .map_err(ocr_err)?;
        Ok(TesseractReader {
            text,
            digits: DigitModel::bundled(),
        })
    }
}

impl TextReader for TesseractReader {
    fn read(&mut self, image: &GrayImage, dpi: u32, kind: ReadKind) -> Result<Reading> {
        if kind == ReadKind::Number {
            return Ok(read_number(self.digits, image));
        }
        let api = &self.text;
        let line = kind == ReadKind::Line;
        let alternatives = kind == ReadKind::Title;
        let mode = if line {
            TessPageSegMode::PSM_RAW_LINE
        } else {
            TessPageSegMode::PSM_SINGLE_BLOCK
        };
        api.set_page_seg_mode(mode).map_err(ocr_err)?;
        // Only titles use alternatives, which the recognizer otherwise spends a tenth
        // of its time keeping.
        api.set_variable("lstm_choice_mode", if alternatives { "2" } else { "0" })
            .map_err(ocr_err)?;
        let (w, h) = (image.width() as i32, image.height() as i32);
        api.set_image(image.as_raw(), w, h, 1, w).map_err(ocr_err)?;
        api.set_source_resolution(dpi as i32).map_err(ocr_err)?;
        api.recognize().map_err(ocr_err)?;
        let text = api.get_utf8_text().map_err(ocr_err)?;
        let confidence = api
            .mean_text_conf()
            .map(|c| c as f32 / 100.0)
            .unwrap_or(0.0);
        Ok(Reading {
            text: text.trim().to_string(),
            confidence: confidence.clamp(0.0, 1.0),
            symbols: if alternatives {
                text_symbols(api)
            } else {
                Vec::new()
            },
            from_text_layer: false,
        })
    }
}

/// The characters of the last recognition with their alternatives. Whitespace is left
/// out: Chinese text has none that means anything. An iterator Tesseract cannot give
/// (nothing was read) is no symbols, not an error: the text says what was read.
fn text_symbols(api: &TesseractAPI) -> Vec<Symbol> {
    let level = TessPageIteratorLevel::RIL_SYMBOL;
    let mut out = Vec::new();
    let Ok(it) = api.get_iterator() else {
        return out;
    };
    loop {
        if let Ok(text) = it.get_utf8_text(level) {
            if !text.trim().is_empty() {
                let mut choices = Vec::new();
                if let Ok(ch) = it.get_choice_iterator() {
                    loop {
                        if let (Ok(t), Ok(c)) = (ch.get_utf8_text(), ch.confidence()) {
                            choices.push((t, (c / 100.0).clamp(0.0, 1.0)));
                        }
                        if !ch.next().unwrap_or(false) {
                            break;
                        }
                    }
                }
                let confidence = it.confidence(level).unwrap_or(0.0) / 100.0;
                choices.retain(|(t, _)| *t != text);
                out.push(Symbol {
                    text,
                    confidence: confidence.clamp(0.0, 1.0),
                    alternatives: choices,
                });
            }
        }
        if !it.next(level).unwrap_or(false) {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    /// Reads every image as how many times it has been asked to read.
    struct Counting(usize);

    impl TextReader for Counting {
        fn read(&mut self, _: &GrayImage, _: u32, _: ReadKind) -> Result<Reading> {
            self.0 += 1;
            Ok(Reading {
                text: self.0.to_string(),
                ..Reading::default()
            })
        }
    }

    #[test]
    fn an_image_read_again_is_remembered_not_read() {
        let mut counting = Counting(0);
        let mut reader = RememberingReader::new(&mut counting);
        let line = GrayImage::from_pixel(40, 10, Luma([255]));
        let mut other = line.clone();
        other.put_pixel(3, 3, Luma([0]));
        let texts: Vec<String> = [
            (&line, 200, ReadKind::Line),
            (&line, 200, ReadKind::Line),
            (&other, 200, ReadKind::Line),
            (&line, 200, ReadKind::Text),
            (&line, 300, ReadKind::Line),
            (&other, 200, ReadKind::Line),
            (&other, 200, ReadKind::Title),
            (&other, 300, ReadKind::Title),
            (&other, 300, ReadKind::Line),
            (&other, 300, ReadKind::Text),
        ]
        .into_iter()
        .map(|(img, dpi, kind)| reader.read(img, dpi, kind).unwrap().text)
        .collect();
        assert_eq!(texts, ["1", "1", "2", "3", "4", "2", "5", "6", "6", "7"]);
    }

    #[test]
    fn numbers_are_always_read() {
        let mut counting = Counting(0);
        let mut reader = RememberingReader::new(&mut counting);
        let digit = GrayImage::from_pixel(10, 14, Luma([255]));
        let mut read = || reader.read(&digit, 200, ReadKind::Number).unwrap().text;
        assert_eq!([read(), read()], ["1", "2"]);
    }
}
