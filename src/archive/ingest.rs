//! Ingest: the bulk run behind `nianbao batch`. Workers hash each input, skip what
//! another shard owns or the archive already holds, convert the rest and cut the row
//! images the review queue needs; the calling thread commits each document in its own
//! transaction as it arrives, so killing the run at any moment loses only the
//! documents in flight, which the next run converts again.

use super::{png_crop, Archive, Converted, Record, RowImage, Saved, Stored};
use crate::batch::run_pool;
use crate::engine::{boxes_as_rasterized, Conversion, Engine};
use crate::error::{Error, Result};
use crate::geometry::PixelBox;
use crate::inputs::Shard;
use crate::ocr::TextReader;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How a bulk run goes.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    /// Workers, each with its own OCR engine. Default 1; the CLI passes the cores.
    pub jobs: usize,
    /// Whole by default: a single machine takes every input.
    pub shard: Shard,
    /// Off by default: a file that failed fails the same way again until something
    /// changes (a newer build, a fixed library), which the user decides.
    pub retry_failed: bool,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            jobs: 1,
            shard: Shard::WHOLE,
            retry_failed: false,
        }
    }
}

/// What happened to one input.
#[derive(Debug)]
pub enum Outcome {
    Converted {
        pages: usize,
        warnings: Vec<String>,
    },
    /// Converted before, or a copy of a file converted in this run.
    AlreadyDone,
    /// Failed before; left alone without `retry_failed`.
    FailedBefore,
    /// Another shard's.
    OtherShard,
    /// Could not be converted; recorded with this reason.
    Failed(String),
    /// Could not even be read, so it has no content hash to be recorded under.
    Unreadable(String),
}

/// Running totals, passed to the progress callback after every input.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    pub total: usize,
    /// Inputs finished in any way.
    pub finished: usize,
    pub converted: usize,
    pub failed: usize,
    pub skipped: usize,
    pub pages: usize,
    pub elapsed: Duration,
}

impl Progress {
    /// Pages converted per second so far.
    pub fn pages_per_second(&self) -> f64 {
        self.pages as f64 / self.elapsed.as_secs_f64().max(1e-3)
    }
}

/// Runs `inputs` into `archive`; `progress` is called after each input on this
/// thread. An error is returned only when the archive itself cannot be written: then
/// the run stops, and what was committed stays.
pub fn ingest<F, P>(
    engine: &Engine,
    archive: &mut Archive,
    inputs: &[PathBuf],
    opts: &IngestOptions,
    make_reader: F,
    mut progress: P,
) -> Result<Progress>
where
    F: Fn() -> Result<Box<dyn TextReader>> + Sync,
    P: FnMut(&Progress, &Path, &Outcome),
{
    let stored = archive.stored()?;
    let started = Instant::now();
    let mut totals = Progress {
        total: inputs.len(),
        ..Progress::default()
    };
    let mut write_error = None;
    // Set when the archive cannot be written: workers then stop converting, since
    // nothing more they do could be kept.
    let stop = AtomicBool::new(false);
    run_pool(
        inputs.len(),
        opts.jobs,
        make_reader,
        |i, reader| {
            (!stop.load(Ordering::Relaxed))
                .then(|| process(engine, &inputs[i], &stored, opts, reader))
        },
        |i, result| {
            let Some((record, outcome)) = result.filter(|_| write_error.is_none()) else {
                return;
            };
            let outcome = match record.map(|r| archive.save(&r)) {
                Some(Err(e)) => {
                    write_error = Some(e);
                    stop.store(true, Ordering::Relaxed);
                    return;
                }
                Some(Ok(Saved::AlreadyDone)) => Outcome::AlreadyDone,
                _ => outcome,
            };
            totals.finished += 1;
            match &outcome {
                Outcome::Converted { pages, .. } => {
                    totals.converted += 1;
                    totals.pages += pages;
                }
                Outcome::Failed(_) | Outcome::Unreadable(_) => totals.failed += 1,
                _ => totals.skipped += 1,
            }
            totals.elapsed = started.elapsed();
            progress(&totals, &inputs[i], &outcome);
        },
    );
    match write_error {
        Some(e) => Err(e),
        None => Ok(totals),
    }
}

/// One input, on a worker: the record to commit (if any) and what happened.
fn process(
    engine: &Engine,
    path: &Path,
    stored: &HashMap<String, Stored>,
    opts: &IngestOptions,
    reader: std::result::Result<&mut dyn TextReader, &Error>,
) -> (Option<Record>, Outcome) {
    let (sha256, size) = match hash_file(path) {
        Ok(h) => h,
        Err(e) => return (None, Outcome::Unreadable(e.to_string())),
    };
    if !opts.shard.takes(&sha256) {
        return (None, Outcome::OtherShard);
    }
    match stored.get(&sha256) {
        Some(Stored::Done) => return (None, Outcome::AlreadyDone),
        Some(Stored::Failed) if !opts.retry_failed => return (None, Outcome::FailedBefore),
        _ => {}
    }
    let started_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let clock = Instant::now();
    let converted = match reader {
        Ok(r) => engine.convert(path, r).and_then(with_row_images),
        Err(e) => Err(Error::Ocr {
            reason: e.to_string(),
        }),
    };
    let outcome = match &converted {
        Ok(c) => Outcome::Converted {
            pages: c.document.source.pages,
            warnings: c.warnings.clone(),
        },
        Err(e) => Outcome::Failed(e.to_string()),
    };
    let record = Record {
        sha256,
        path: path.to_path_buf(),
        size,
        started_unix,
        convert_ms: clock.elapsed().as_millis() as u64,
        outcome: converted.map_err(|e| e.to_string()),
    };
    (Some(record), outcome)
}

/// The content hash (hex SHA-256) and size of `path`, read in pieces so a large scan
/// is never held whole just to be hashed.
pub fn hash_file(path: &Path) -> Result<(String, u64)> {
    let io = |e| Error::io(path, e);
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((format!("{:x}", hasher.finalize()), size))
}

/// The document, with a crop of every table row that holds a cell awaiting review.
fn with_row_images(conv: Conversion) -> Result<Converted> {
    let warnings = conv.warnings().iter().map(|w| w.to_string()).collect();
    let Conversion {
        mut document,
        pages,
        path,
        ..
    } = conv;
    let mut row_images = Vec::new();
    for item in &document.review {
        if row_images
            .iter()
            .any(|r: &RowImage| r.table == item.table && r.row == item.row)
        {
            continue;
        }
        let Some(table) = document.tables.iter().find(|t| t.id == item.table) else {
            continue;
        };
        let cells: Vec<_> = table.cells.iter().filter(|c| c.row == item.row).collect();
        let Some(first) = cells.first() else {
            continue;
        };
        let Some(page) = pages.iter().find(|p| p.number == first.page) else {
            continue;
        };
        let mut bbox = cells
            .iter()
            .filter(|c| c.page == first.page)
            .fold(first.bbox, |b, c| b.union(&c.bbox));
        // The row's label is left of its values: take the table's width when the
        // table starts on this page, and a margin so the rules show.
        if table.page == first.page {
            bbox = PixelBox::from_corners(table.bbox.x0, bbox.y0, table.bbox.x1, bbox.y1);
        }
        // Cut from the page as read, where a row runs across whatever way the page
        // was scanned, so a reviewer reads it; its box is given on the page as the
        // file holds it, as the archive's boxes are.
        let margin = (page.dpi / 10) as i32;
        let crop = png_crop(&page.gray, bbox, margin).map_err(|e| Error::Image {
            path: path.clone(),
            reason: format!("cannot encode a review crop: {e}"),
        })?;
        let Some((b, png)) = crop else {
            continue;
        };
        row_images.push(RowImage {
            table: item.table,
            row: item.row,
            page: page.number,
            bbox: page.box_as_rasterized(b),
            png,
            turns: page.turns,
        });
    }
    // The archive's boxes are on the pages as rasterized, as its page views are.
    boxes_as_rasterized(&mut document, &pages);
    Ok(Converted {
        document,
        row_images,
        warnings,
    })
}
