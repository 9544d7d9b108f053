//! Integration tests of the archive commands with the real pdfium and Tesseract:
//! `batch` against `convert`, resuming after SIGKILL, shards merged, exports read back,
//! review corrections winning, the check across years.

mod support;

use rusqlite::Connection;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use support::{assert_succeeded, distinct_reports, fixture, nianbao, temp_dir};

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("nianbao runs");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Eight distinct born-digital reports and one scan.
fn inputs() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = temp_dir("inputs");
        distinct_reports(&d, 8);
        std::fs::create_dir_all(d.join("scans")).unwrap();
        std::fs::copy(fixture("sample-scan.pdf"), d.join("scans/sample-scan.pdf")).unwrap();
        d
    })
}

/// An uninterrupted run over `inputs()`, what the other runs are compared with.
fn reference() -> &'static Path {
    static DB: OnceLock<PathBuf> = OnceLock::new();
    DB.get_or_init(|| {
        let db = temp_dir("reference").join("a.sqlite");
        let out = run(nianbao()
            .args(["batch", "--quiet", "--jobs", "2", "--db"])
            .arg(&db)
            .arg(inputs()));
        assert_succeeded(&out);
        db
    })
}

fn export(db: &Path, format: &str) -> String {
    let out = run(nianbao()
        .args(["export", "--format", format, "--db"])
        .arg(db));
    assert_succeeded(&out);
    String::from_utf8(out.stdout).unwrap()
}

fn count(db: &Path, sql: &str) -> i64 {
    Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

#[test]
fn batch_equals_convert_records_failures_and_skips_what_is_done() {
    let dir = temp_dir("batch");
    let broken = dir.join("broken.pdf");
    std::fs::write(&broken, b"%PDF-1.7\ntruncated").unwrap();
    let db = dir.join("a.sqlite");
    let batch = |extra: &[&str]| {
        run(nianbao()
            .args(["batch", "--quiet", "--jobs", "2", "--db"])
            .arg(&db)
            .arg(inputs().join("scans"))
            .arg(&broken)
            .args(extra))
    };
    let first = batch(&[]);
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(1), "{stderr}");
    assert!(stderr.lines().any(|l| l.contains("broken.pdf")), "{stderr}");
    assert!(stderr.contains("1 converted"), "{stderr}");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM documents WHERE status = 'failed' AND error LIKE '%broken.pdf%'"
        ),
        1
    );

    // The export of a converted file is what convert writes for it.
    let out = dir.join("json");
    let exported = run(nianbao()
        .args(["export", "--format", "json", "--db"])
        .arg(&db)
        .arg("-o")
        .arg(&out));
    assert!(exported.status.success());
    let from_batch: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("sample-scan.json")).unwrap())
            .unwrap();
    let converted = run(nianbao()
        .arg("convert")
        .arg(inputs().join("scans/sample-scan.pdf")));
    let from_convert: Value = serde_json::from_slice(&converted.stdout).unwrap();
    assert_eq!(from_batch, from_convert);

    // Again: nothing converted twice, the failure left alone…
    let second = batch(&[]);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("0 converted") && stderr.contains("2 skipped"),
        "{stderr}"
    );
    // …until asked to retry it.
    let third = batch(&["--retry-failed"]);
    let stderr = String::from_utf8_lossy(&third.stderr);
    assert!(
        stderr.contains("1 failed") && stderr.contains("1 skipped"),
        "{stderr}"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM documents"), 2);
    assert!(
        count(
            &db,
            "SELECT count(*) FROM row_images WHERE length(png) > 100"
        ) > 0
    );
}

#[test]
fn runs_killed_partway_resume_to_the_same_archive() {
    let db = temp_dir("killed").join("a.sqlite");
    let mut kills = 0;
    let mut wait = Duration::from_millis(1500);
    loop {
        let mut child = nianbao()
            .args(["batch", "--quiet", "--jobs", "2", "--db"])
            .arg(&db)
            .arg(inputs())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let finished = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() >= wait {
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        match finished {
            Some(status) => {
                assert!(status.success());
                break;
            }
            None => {
                // SIGKILL: no chance to clean up, as on a power cut.
                child.kill().unwrap();
                child.wait().unwrap();
                kills += 1;
                wait += Duration::from_millis(700);
            }
        }
        assert!(kills < 30, "the run never finished");
    }
    assert!(
        kills >= 2,
        "the run finished before it could be killed twice"
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM documents"),
        count(reference(), "SELECT count(*) FROM documents")
    );
    assert_eq!(
        count(&db, "SELECT count(DISTINCT sha256) FROM documents"),
        9
    );
    let ok: String = Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    assert_eq!(export(&db, "jsonl"), export(reference(), "jsonl"));
    assert_eq!(
        count(&db, "SELECT count(*) FROM cells"),
        count(reference(), "SELECT count(*) FROM cells")
    );
}

#[test]
fn two_shards_run_at_once_and_merged_equal_a_single_run() {
    let dir = temp_dir("shards");
    let shards: Vec<_> = (0..2)
        .map(|k| {
            let db = dir.join(format!("shard-{k}.sqlite"));
            let child = nianbao()
                .args([
                    "batch",
                    "--quiet",
                    "--jobs",
                    "1",
                    "--shard",
                    &format!("{k}/2"),
                    "--db",
                ])
                .arg(&db)
                .arg(inputs())
                .spawn()
                .unwrap();
            (db, child)
        })
        .collect();
    let mut dbs = Vec::new();
    for (db, mut child) in shards {
        assert!(child.wait().unwrap().success());
        assert!(
            count(&db, "SELECT count(*) FROM documents") > 0,
            "an empty shard tests nothing"
        );
        dbs.push(db);
    }
    let merged = dir.join("merged.sqlite");
    let out = run(nianbao().arg("merge").arg(&merged).args(&dbs));
    assert_succeeded(&out);
    assert_eq!(export(&merged, "jsonl"), export(reference(), "jsonl"));
    // Merging again adds nothing.
    run(nianbao().arg("merge").arg(&merged).args(&dbs));
    assert_eq!(count(&merged, "SELECT count(*) FROM documents"), 9);
}

/// Shards kept on a read-only share merge, and one written by an earlier release (its
/// schema before the prose tables) is merged from a migrated copy: the inputs are only
/// read, byte for byte as they were, and no copy is left behind.
#[test]
fn merge_only_reads_its_inputs_even_of_an_earlier_schema() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("merge-reads");
    let shelf = dir.join("shelf");
    std::fs::create_dir_all(&shelf).unwrap();
    let (old, current) = (shelf.join("old.sqlite"), shelf.join("current.sqlite"));
    for db in [&old, &current] {
        std::fs::copy(reference(), db).unwrap();
    }
    Connection::open(&old)
        .unwrap()
        .execute_batch(
            "ALTER TABLE row_images DROP COLUMN turns;
             DROP TRIGGER sections_indexed; DROP TRIGGER sections_unindexed;
             DROP TABLE sections_fts; DROP TABLE sections; PRAGMA user_version = 2;",
        )
        .unwrap();
    let before = [&old, &current].map(|db| std::fs::read(db).unwrap());
    let set_mode = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    for db in [&old, &current] {
        set_mode(db, 0o444);
    }
    set_mode(&shelf, 0o555);

    let merged = dir.join("merged.sqlite");
    let from_old = run(nianbao().arg("merge").arg(&merged).arg(&old));
    let from_current = run(nianbao().arg("merge").arg(&merged).arg(&current));
    set_mode(&shelf, 0o755);
    assert_succeeded(&from_old);
    assert_succeeded(&from_current);
    assert!(
        String::from_utf8_lossy(&from_current.stderr).contains("9 already there"),
        "{}",
        String::from_utf8_lossy(&from_current.stderr)
    );
    assert_eq!(export(&merged, "jsonl"), export(reference(), "jsonl"));
    let sections = "SELECT count(*) FROM sections";
    assert_eq!(count(&merged, sections), count(reference(), sections));
    assert!(count(&merged, sections) > 0, "no prose tests nothing");
    let after = [&old, &current].map(|db| std::fs::read(db).unwrap());
    assert!(after == before, "an input archive was written");
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".merging-"))
        .collect();
    assert!(left.is_empty(), "copies left behind: {left:?}");
}

#[test]
fn csv_and_xlsx_read_back_with_every_cell() {
    let cells = count(reference(), "SELECT count(*) FROM cells");
    let csv_text = export(reference(), "csv");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "document",
            "organization",
            "year",
            "table",
            "row",
            "col",
            "value",
            "status",
            "confidence"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len() as i64, cells);
    let total = rows
        .iter()
        .find(|r| {
            r[0].ends_with("digital-0.pdf")
                && &r[3] == "applications"
                && &r[4] == "new_received"
                && &r[5] == "total"
        })
        .expect("digital-0's new_received total");
    assert_eq!(&total[1], "盐池县机关事务服务中心");
    assert_eq!(&total[2], "2021");

    use calamine::{open_workbook, Reader, Xlsx};
    let file = temp_dir("xlsx").join("tables.xlsx");
    let out = run(nianbao()
        .args(["export", "--format", "xlsx", "--db"])
        .arg(reference())
        .arg("-o")
        .arg(&file));
    assert!(out.status.success());
    let mut book: Xlsx<_> = open_workbook(&file).unwrap();
    let names = book.sheet_names();
    assert!(names.contains(&"applications".to_string()), "{names:?}");
    assert!(names.contains(&"checks".to_string()));
    let sheet = book.worksheet_range("applications").unwrap();
    assert_eq!(sheet.height(), 1 + 9, "a header and a row per report");
    let header: Vec<String> = sheet
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let col = header
        .iter()
        .position(|h| h == "new_received.total")
        .unwrap();
    let digital0 = sheet
        .rows()
        .find(|r| r[0].to_string().ends_with("digital-0.pdf"))
        .unwrap();
    assert_eq!(digital0[col].to_string(), total[6].to_string());
}

#[test]
fn corrections_made_in_review_win_in_every_export() {
    let db = temp_dir("review").join("a.sqlite");
    std::fs::copy(reference(), &db).unwrap();
    Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE cells SET value = '4321', status = 'verified'
             WHERE table_id = 'applications' AND row_id = 'new_received' AND col_id = 'total'
             AND document = (SELECT id FROM documents WHERE path LIKE '%digital-3.pdf')",
            [],
        )
        .unwrap();
    let jsonl = export(&db, "jsonl");
    let doc: Value = jsonl
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|d| {
            d["source"]["file"]
                .as_str()
                .unwrap()
                .ends_with("digital-3.pdf")
        })
        .unwrap();
    let cell = doc["tables"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["cells"].as_array().unwrap())
        .find(|c| c["row"] == "new_received" && c["col"] == "total")
        .unwrap();
    assert_eq!(cell["value"], 4321);
    assert_eq!(cell["status"], "verified");
    let csv_text = export(&db, "csv");
    assert!(csv_text
        .lines()
        .any(|l| l.contains("digital-3.pdf") && l.contains(",new_received,total,4321,verified,")));
}

#[test]
fn consecutive_years_of_one_body_are_checked_across_reports() {
    let db = temp_dir("years").join("a.sqlite");
    std::fs::copy(reference(), &db).unwrap();
    let conn = Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE documents SET year = 2020 WHERE path LIKE '%digital-1.pdf'",
        [],
    )
    .unwrap();
    // Last year's carried_forward total made to differ from this year's carried_over.
    conn.execute(
        "UPDATE cells SET value = '77' WHERE row_id = 'carried_forward' AND col_id = 'total'
         AND document = (SELECT id FROM documents WHERE path LIKE '%digital-1.pdf')",
        [],
    )
    .unwrap();
    let report = run(nianbao().args(["report", "--db"]).arg(&db));
    let text = String::from_utf8_lossy(&report.stdout);
    assert!(text.contains("documents by status:"), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("checks across years"))
        .unwrap();
    // Seven 2021 copies each face the one 2020 report, column by column.
    assert!(!line.contains(" 0 made"), "{line}");
    assert!(text.contains("carried_forward 77"), "{text}");
    let jsonl = export(&db, "jsonl");
    assert!(jsonl.contains("cross_year.carried_over.total"));
}

#[test]
fn search_finds_a_phrase_of_a_section_and_nothing_for_an_absent_one() {
    let db = reference();
    let phrase = "存在问题。我中心政府信息公开工作";
    let out = run(nianbao().args(["search", "--db"]).arg(db).arg(phrase));
    assert_succeeded(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    let hits: Vec<&str> = text.lines().collect();
    // The scan's report was written from the same model text, and OCR reads it exactly.
    assert_eq!(hits.len(), 9, "each digital copy and the scan once: {text}");
    let digital: Vec<&&str> = hits.iter().filter(|h| h.contains("digital-")).collect();
    assert_eq!(digital.len(), 8, "{text}");
    for h in digital {
        let fields: Vec<&str> = h.split('\t').collect();
        assert_eq!(fields[1], "盐池县机关事务服务中心");
        assert_eq!(fields[2], "2021");
        assert_eq!(fields[3], "五、存在的主要问题及改进情况");
        assert!(fields[4].contains(&format!("【{phrase}】")), "{h}");
    }
    assert!(hits
        .iter()
        .any(|h| h.contains("sample-scan.pdf\t兴川市武丰区医疗保障局\t2024")));
    let short = run(nianbao().args(["search", "--db"]).arg(db).arg("中心"));
    assert!(short.status.success());
    assert!(String::from_utf8_lossy(&short.stdout).contains("【中心】"));
    let absent = run(nianbao()
        .args(["search", "--db"])
        .arg(db)
        .arg("此短语不在任何报告中"));
    assert_eq!(absent.status.code(), Some(1));
    assert!(absent.stdout.is_empty());
    assert!(String::from_utf8_lossy(&absent.stderr).contains("no section holds"));
}
