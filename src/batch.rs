//! Batch: runs work on many files with a pool of workers, each with its own OCR engine
//! created once and reused; a file that fails is reported and the others go on.

use crate::engine::{Conversion, Engine};
use crate::error::{Error, Result};
use crate::ocr::TextReader;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Runs `work` on items `0..count` with `jobs` workers. Each worker makes its reader
/// once; `work` gets it, or the reason it could not be made (so each item can say why
/// it was not done rather than vanish). `done` is called on the calling thread once
/// per item, in completion order.
pub fn run_pool<T, F, W, D>(count: usize, jobs: usize, make_reader: F, work: W, mut done: D)
where
    T: Send,
    F: Fn() -> Result<Box<dyn TextReader>> + Sync,
    W: Fn(usize, std::result::Result<&mut dyn TextReader, &Error>) -> T + Sync,
    D: FnMut(usize, T),
{
    let next = AtomicUsize::new(0);
    // Bounded, so workers that outrun the consumer wait instead of piling up results:
    // memory stays flat however many files there are.
    let (tx, rx) = mpsc::sync_channel(jobs.max(1) * 2);
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1).min(count.max(1)) {
            let tx = tx.clone();
            let (next, make_reader, work) = (&next, &make_reader, &work);
            s.spawn(move || {
                let mut reader = make_reader();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= count {
                        return;
                    }
                    let result = match &mut reader {
                        Ok(r) => work(i, Ok(r.as_mut())),
                        Err(e) => work(i, Err(e)),
                    };
                    if tx.send((i, result)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        for (i, result) in rx {
            done(i, result);
        }
    });
}

/// Converts `inputs` with `jobs` workers; `done` gets each input's index, path and
/// conversion.
pub fn convert_all<F, D>(
    engine: &Engine,
    inputs: &[PathBuf],
    jobs: usize,
    make_reader: F,
    mut done: D,
) where
    F: Fn() -> Result<Box<dyn TextReader>> + Sync,
    D: FnMut(usize, &Path, Result<Conversion>),
{
    run_pool(
        inputs.len(),
        jobs,
        make_reader,
        |i, reader| match reader {
            Ok(r) => engine.convert(&inputs[i], r),
            Err(e) => Err(Error::Ocr {
                reason: e.to_string(),
            }),
        },
        |i, result| done(i, &inputs[i], result),
    );
}
