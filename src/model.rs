//! Model: the JSON document of `report-model.md` — the contract every consumer reads.

use crate::calibration::Evidence;
use crate::geometry::PixelBox;
use crate::ocr::Symbol;
use serde::Serialize;

pub const MODEL_NAME: &str = "gov-info-annual-report";
pub const MODEL_VERSION: u32 = 1;

#[derive(Serialize, Debug, Clone)]
pub struct Document {
    pub model: &'static str,
    pub model_version: u32,
    pub source: Source,
    pub report: ReportFields,
    pub preamble: String,
    pub sections: Vec<Section>,
    pub tables: Vec<Table>,
    pub checks: Vec<Check>,
    pub review: Vec<ReviewItem>,
}

#[derive(Serialize, Debug, Clone)]
pub struct Source {
    pub file: String,
    pub sha256: String,
    pub pages: usize,
    pub dpi: Vec<u32>,
}

#[derive(Serialize, Debug, Clone, Default)]
pub struct ReportFields {
    pub organization: Option<String>,
    pub year: Option<i32>,
    pub template: Option<String>,
    pub title: Option<String>,
    pub published: Option<String>,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Section {
    pub number: String,
    pub heading: String,
    pub text: String,
}

#[derive(Serialize, Debug, Clone)]
pub struct Table {
    pub id: &'static str,
    pub template: &'static str,
    pub page: usize,
    pub bbox: PixelBox,
    pub cells: Vec<Cell>,
}

#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Repaired,
    Review,
    Verified,
}

#[derive(Serialize, Debug, Clone)]
pub struct Cell {
    pub row: &'static str,
    pub col: &'static str,
    /// A JSON number with exactly the printed digits, or null for an empty cell.
    pub value: Option<serde_json::Number>,
    pub text: String,
    #[serde(serialize_with = "three_places")]
    pub confidence: f32,
    pub page: usize,
    pub bbox: PixelBox,
    pub status: Status,
    /// Per-symbol reads with alternatives, for repair; not part of the output.
    #[serde(skip)]
    pub symbols: Vec<Symbol>,
    /// Why the cell's place is in doubt beyond what OCR says of its value.
    #[serde(skip)]
    pub doubt: Option<Doubt>,
    /// Taken from a PDF's text layer, not read from ink.
    #[serde(skip)]
    pub from_text_layer: bool,
    /// What its confidence was calibrated from; written only when asked for, to fit
    /// the calibration.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub basis: Option<ConfidenceBasis>,
}

impl Cell {
    /// A cell holding `value` as printed `text`, with nothing known of how it was read
    /// (as an archive gives it back); the rest is filled in by who builds it.
    pub fn new(
        row: &'static str,
        col: &'static str,
        value: Option<serde_json::Number>,
        text: String,
    ) -> Cell {
        Cell {
            row,
            col,
            value,
            text,
            confidence: 1.0,
            page: 0,
            bbox: PixelBox::default(),
            status: Status::Ok,
            symbols: Vec::new(),
            doubt: None,
            from_text_layer: false,
            basis: None,
        }
    }
}

impl Cell {
    /// The read's confidence, held under any sure bar when the cell's place was
    /// inferred: a value read surely in the wrong column is no sure read of this cell.
    pub fn confidence_in_place(&self) -> f32 {
        match self.doubt {
            Some(_) => self.confidence.min(PLACED_CONFIDENCE),
            None => self.confidence,
        }
    }
}

/// At most this sure of a cell whose place was inferred (see [`Cell::confidence_in_place`]):
/// half, the odds of a guess between two places.
pub const PLACED_CONFIDENCE: f32 = 0.5;

/// Why a cell's place, not its read, is in doubt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Doubt {
    /// Its row's label was unreadable; the row stands where the format puts it. A row
    /// shifted whole keeps every sum, so no check can confirm it.
    RowByOrder,
    /// Its row's label, as read, names no one row: it fits another row of the format
    /// that could stand there as well, or it is one cell beside several rows of values
    /// (the rules between their labels lost). The row stands where the best fit put it.
    RowLabelAmbiguous,
    /// Some values of its row were lost; its column follows from the order of the
    /// rest. A sum down its column that holds confirms it.
    ColumnByOrder,
}

impl Doubt {
    /// The reason a person reads in the review queue.
    pub fn reason(self) -> &'static str {
        match self {
            Doubt::RowByOrder => {
                "the row's label was not read, so its place is inferred from the order"
            }
            Doubt::RowLabelAmbiguous => {
                "the row's label, as read, fits more than one row, so its place is a guess"
            }
            Doubt::ColumnByOrder => {
                "some of the row's values were not found, so this one's column is a guess"
            }
        }
    }
}

/// The inputs of a cell's calibrated confidence.
#[derive(Serialize, Debug, Clone, Copy, PartialEq)]
pub struct ConfidenceBasis {
    /// What the evidence's map took: see [`crate::calibration::score`].
    #[serde(serialize_with = "three_places")]
    pub score: f32,
    pub evidence: Evidence,
}

fn three_places<S: serde::Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(((*v as f64) * 1000.0).round() / 1000.0)
}

#[derive(Serialize, Debug, Clone)]
pub struct Check {
    pub rule: String,
    pub ok: bool,
    pub detail: String,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct ReviewItem {
    pub table: &'static str,
    pub row: &'static str,
    pub col: &'static str,
    pub reason: String,
}
