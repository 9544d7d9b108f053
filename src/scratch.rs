//! Scratch folders for unit tests: one fresh folder per test name and process, so
//! tests run in parallel and runs after a crash start clean.

use std::path::PathBuf;

/// An empty folder for test `name` of this process, made fresh.
pub fn fresh_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nianbao-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("the temp folder is writable");
    d
}
