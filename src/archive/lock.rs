//! Run lock: one writing run (`batch`, `merge`) per archive at a time, held as an
//! advisory lock on a file beside it, so a second run refuses at once with who holds
//! it instead of converting the same files twice. The lock dies with its process, even
//! a killed one; the file stays, empty of meaning until locked again.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Held while a run writes the archive; released when dropped.
#[derive(Debug)]
pub struct RunLock {
    // Never read: holding the open, locked file is the lock.
    _file: File,
}

/// The lock file of the archive at `db`: beside it, named like SQLite's own -wal/-shm.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-lock");
    PathBuf::from(name)
}

impl RunLock {
    /// Takes the archive at `db` for this process, or says which process has it.
    pub fn acquire(db: &Path) -> Result<RunLock> {
        let path = lock_path(db);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::archive_io(db, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                // The holder's own line; unreadable is still "busy", just anonymous.
                let _ = file.read_to_string(&mut holder);
                return Err(Error::ArchiveBusy {
                    path: db.to_path_buf(),
                    holder: holder.trim().to_string(),
                });
            }
            Err(TryLockError::Error(e)) => return Err(Error::archive_io(db, e)),
        }
        let line = format!(
            "pid {} ({})",
            std::process::id(),
            std::env::args().collect::<Vec<_>>().join(" ")
        );
        let io = |e| Error::archive_io(db, e);
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        file.write_all(line.as_bytes()).map_err(io)?;
        Ok(RunLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_archive_is_refused_until_the_first_is_dropped() {
        let dir = crate::scratch::fresh_dir("lock");
        let db = dir.join("a.sqlite");
        let first = RunLock::acquire(&db).unwrap();
        let second = RunLock::acquire(&db).unwrap_err();
        let msg = second.to_string();
        assert!(matches!(second, Error::ArchiveBusy { .. }), "{msg}");
        assert!(
            msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        drop(first);
        assert!(RunLock::acquire(&db).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
