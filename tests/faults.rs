//! The archive under faults, with the real binary: a disk that fills mid-run, an
//! archive on a read-only file system, two batch runs on one archive at once. The disk
//! faults are real ones, on a small tmpfs this test mounts (it needs root, as
//! scripts/test.sh and CI have).

mod support;

use rusqlite::Connection;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::{assert_succeeded, distinct_reports, nianbao, temp_dir};

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(dir).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "nianbao-test"])
            .arg(dir)
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "mounting a tmpfs failed: the disk-fault tests need root (scripts/test.sh and CI run as root)"
        );
        Tmpfs {
            dir: dir.to_path_buf(),
        }
    }

    fn remount_read_only(&self) {
        let status = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.dir)
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Fills the file system to the last byte, then gives `free` bytes back.
    fn fill_leaving(&self, free: u64) {
        let path = self.dir.join("filler");
        let mut f = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(&path)
            .unwrap();
        let chunk = vec![0u8; 1 << 16];
        let mut written = 0u64;
        loop {
            match f.write(&chunk) {
                Ok(0) => break,
                Ok(n) => written += n as u64,
                Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
                Err(e) => panic!("filling the tmpfs: {e}"),
            }
        }
        f.set_len(written.saturating_sub(free)).unwrap();
    }

    fn unfill(&self) {
        std::fs::remove_file(self.dir.join("filler")).unwrap();
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

fn batch(db: &Path, inputs: &[PathBuf]) -> Output {
    let out = nianbao()
        .args(["batch", "--quiet", "--jobs", "1", "--db"])
        .arg(db)
        .args(inputs)
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn export(db: &Path) -> Output {
    nianbao()
        .args(["export", "--format", "jsonl", "--db"])
        .arg(db)
        .output()
        .unwrap()
}

fn query(db: &Path, sql: &str) -> String {
    Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
        .map(|v| match v {
            rusqlite::types::Value::Text(t) => t,
            rusqlite::types::Value::Integer(i) => i.to_string(),
            other => format!("{other:?}"),
        })
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts that a run stopped with status 2 saying `says`; its stderr.
fn assert_stopped(out: &Output, says: &str) -> String {
    let msg = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{msg}");
    assert!(msg.contains(says), "{msg}");
    msg
}

#[test]
fn a_disk_filling_mid_run_stops_it_cleanly_and_a_rerun_resumes() {
    let dir = temp_dir("full");
    let reports = distinct_reports(&dir, 4);
    let reference = dir.join("reference.sqlite");
    assert_succeeded(&batch(&reference, &reports));

    let disk = Tmpfs::mount(&dir.join("disk"), "8m");
    let db = disk.dir.join("a.sqlite");
    assert_succeeded(&batch(&db, &reports[..1]));
    // Room to open the archive (its 32 KiB shared-memory file), none for a document.
    disk.fill_leaving(64 << 10);
    let msg = assert_stopped(
        &batch(&db, &reports[1..]),
        "a.sqlite: the disk holding the archive is full",
    );
    // Said by the run as it commits, so the archive opened and the disk filled after.
    assert!(msg.contains("the run stopped; what it committed"), "{msg}");
    assert!(msg.contains("run again to resume"), "{msg}");
    assert!(
        !msg.contains("converted ("),
        "no summary of a finished run: {msg}"
    );
    assert_eq!(query(&db, "PRAGMA integrity_check"), "ok");
    assert_eq!(query(&db, "SELECT count(*) FROM documents"), "1");

    disk.unfill();
    let resumed = batch(&db, &reports[1..]);
    assert_succeeded(&resumed);
    assert!(
        stderr(&resumed).contains("3 converted"),
        "{}",
        stderr(&resumed)
    );
    assert_eq!(query(&db, "PRAGMA integrity_check"), "ok");
    assert_eq!(export(&db).stdout, export(&reference).stdout);
}

#[test]
fn a_read_only_archive_is_refused_by_batch_and_still_read_by_export() {
    let dir = temp_dir("read-only");
    let reports = distinct_reports(&dir, 2);
    let disk = Tmpfs::mount(&dir.join("disk"), "8m");
    let db = disk.dir.join("a.sqlite");
    assert_succeeded(&batch(&db, &reports[..1]));
    let before = export(&db);
    assert_succeeded(&before);
    disk.remount_read_only();

    let msg = assert_stopped(
        &batch(&db, &reports[1..]),
        "a.sqlite: the archive cannot be written",
    );
    assert!(
        !msg.contains("converted"),
        "nothing converted for nothing: {msg}"
    );

    let after = export(&db);
    assert_succeeded(&after);
    assert_eq!(after.stdout, before.stdout);
    let report = nianbao()
        .args(["report", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_succeeded(&report);
    assert!(String::from_utf8_lossy(&report.stdout).contains("done"));
    let review = nianbao()
        .args(["review", "--db"])
        .arg(&db)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert_stopped(&review, "the archive cannot be written");
}

#[test]
fn a_second_batch_on_one_archive_refuses_while_the_first_runs() {
    let dir = temp_dir("two-runs");
    let reports = distinct_reports(&dir, 6);
    let db = dir.join("a.sqlite");
    let mut first = nianbao()
        .args(["batch", "--quiet", "--jobs", "1", "--db"])
        .arg(&db)
        .args(&reports)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let holder = format!("pid {}", first.id());
    let lock = dir.join("a.sqlite-lock");
    let started = Instant::now();
    while !std::fs::read_to_string(&lock).is_ok_and(|s| s.starts_with(&holder)) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the first run never took the archive"
        );
        std::thread::sleep(Duration::from_millis(10));
    }

    assert_stopped(
        &batch(&db, &reports),
        &format!("a.sqlite: another run is writing this archive ({holder}"),
    );
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first run ended before the second was refused: the test proves nothing"
    );

    let first = first.wait_with_output().unwrap();
    assert_succeeded(&first);
    assert_eq!(query(&db, "PRAGMA integrity_check"), "ok");
    assert_eq!(
        query(&db, "SELECT count(*) FROM documents WHERE status = 'done'"),
        "6"
    );
    // Once the first is done the archive is free again: everything is already there.
    let again = batch(&db, &reports);
    assert_succeeded(&again);
    assert!(stderr(&again).contains("6 skipped"), "{}", stderr(&again));
}
