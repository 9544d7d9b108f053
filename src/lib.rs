//! nianbao: turns scanned 政府信息公开工作年度报告 into the exact, structured data of
//! `report-model.md`, every cell with a confidence, its page and its pixel box.
//!
//! The stages, one module each: [`rasterize`] → [`normalize`] → [`grid`] → [`crop`] +
//! [`ocr`] → [`layout`] (mapping onto [`template`]; pages scanned turned read again
//! turned, [`orient`]) → [`fields`] (the organization checked against the prose, [`organization`]) → [`repair`] → [`review`]; the
//! [`engine::Engine`] runs them, and [`batch`] runs many files with per-file errors;
//! [`archive`] keeps bulk runs in SQLite and exports them, and [`server`] serves its
//! review queue to people.

pub mod archive;
pub mod batch;
pub mod blobs;
pub mod calibration;
pub mod checks;
pub mod crop;
pub mod debug;
pub mod digits;
pub mod engine;
pub mod error;
pub mod eval;
pub mod fields;
pub mod geometry;
pub mod grid;
pub mod inputs;
pub mod labels;
pub mod layout;
pub mod model;
pub mod normalize;
pub mod ocr;
pub mod organization;
pub mod orient;
pub mod places;
pub mod prose;
pub mod rasterize;
pub mod repair;
pub mod review;
#[cfg(test)]
mod scratch;
pub mod seal;
pub mod server;
mod simd;
pub mod template;
pub mod union_find;
pub mod value;

pub use engine::{Engine, EngineOptions};
pub use error::{Error, Result};
