//! Batch: converts many files on a pool of workers, each with its own OCR engine
//! created once; a file that fails is reported and the others go on.

use crate::engine::{Conversion, Engine};
use crate::error::Result;
use crate::ocr::TextReader;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Converts `inputs` with `jobs` workers; `done` is called on the calling thread
/// once per input, in completion order, with the input's index.
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
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1).min(inputs.len().max(1)) {
            let tx = tx.clone();
            let (next, make_reader) = (&next, &make_reader);
            s.spawn(move || {
                let mut reader = match make_reader() {
                    Ok(r) => r,
                    Err(e) => {
                        // Without an engine this worker can do nothing; hand each file it
                        // would have taken the reason, so none is lost silently.
                        let reason = e.to_string();
                        loop {
                            let i = next.fetch_add(1, Ordering::SeqCst);
                            if i >= inputs.len() {
                                return;
                            }
                            let err = crate::Error::Ocr {
                                reason: reason.clone(),
                            };
                            let _ = tx.send((i, Err(err)));
                        }
                    }
                };
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= inputs.len() {
                        return;
                    }
                    let result = engine.convert(&inputs[i], reader.as_mut());
                    if tx.send((i, result)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        for (i, result) in rx {
            done(i, &inputs[i], result);
        }
    });
}
