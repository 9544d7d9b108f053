//! The review server over a real socket: the queue, a correction that clears its row,
//! invalid values, the token off loopback, conflicting saves, undo, the audit, images
//! (an encrypted report's pages too), and the export that follows.

mod support;

use serde_json::{json, Value};
use support::{
    assert_succeeded, fixture, http, nianbao, review_archive, temp_dir, ReviewServer, MISREAD,
    PRINTED,
};

fn misread_key() -> Value {
    let (table, row, col) = MISREAD;
    json!({ "document": 1, "table": table, "row": row, "col": col })
}

fn with(mut key: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        key[k] = v.clone();
    }
    key
}

fn check<'a>(checks: &'a Value, rule: &str) -> &'a Value {
    checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rule"] == rule)
        .unwrap_or_else(|| panic!("no check {rule} in {checks}"))
}

#[test]
fn a_reviewer_corrects_a_misread_and_the_archive_follows() {
    let dir = temp_dir("review-http");
    let db = review_archive(&dir);
    let server = ReviewServer::start(&db, &["--addr", "127.0.0.1:0"]);
    assert!(!server.url.contains("token="), "loopback needs no token");

    // The queue: the misread total first (in failed checks, least confident).
    let queue = server.get("/api/queue?reviewer=ann").json();
    let first = &queue["items"][0];
    assert_eq!(
        (&first["table"], &first["row"], &first["col"]),
        (&json!(MISREAD.0), &json!(MISREAD.1), &json!(MISREAD.2))
    );
    assert_eq!(first["value"], "3");
    assert_eq!(first["row_label"], "本年新收政府信息公开申请数量");
    assert_eq!(first["col_label"], "总计");
    assert!(first["reason"].as_str().unwrap().contains("row total"));
    assert_eq!(first["failing"].as_array().unwrap().len(), 2);
    let queued = queue["total"].as_u64().unwrap();
    assert!(queued >= 7, "the whole row is queued: {queue}");
    let version = first["version"].clone();
    let filtered = server.get("/api/queue?table=active_disclosure").json();
    assert!(filtered["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["table"] == "active_disclosure"));

    // Invalid values are refused with a message, and change nothing.
    for bad in [
        "12a",
        "-3",
        "1.5",
        "8 8",
        "９９９９９９９９９９９９９９９９９９９９９９９９９",
    ] {
        let r = server.post(
            "/api/decide",
            &with(
                misread_key(),
                json!({ "value": bad, "version": version, "reviewer": "ann" }),
            ),
        );
        assert_eq!(
            r.status,
            400,
            "{bad}: {:?}",
            String::from_utf8_lossy(&r.body)
        );
        assert!(!r.json()["error"].as_str().unwrap().is_empty());
    }
    let r = server.post("/api/decide", &json!({ "document": 1 }));
    assert_eq!(r.status, 400);
    let amount = json!({ "document": 1, "table": "active_disclosure",
        "row": "administrative_fees", "col": "amount", "version": 0, "reviewer": "ann" });
    let r = server.post(
        "/api/decide",
        &with(amount.clone(), json!({ "value": "1.2.3" })),
    );
    assert_eq!(r.status, 400);

    // Ann opens the misread; Bob cannot take it while she holds it.
    let claim = |who: &str| {
        server.post(
            "/api/claim",
            &with(misread_key(), json!({ "reviewer": who })),
        )
    };
    assert_eq!(claim("ann").status, 200);
    let r = claim("bob");
    assert_eq!(r.status, 409);
    assert!(r.json()["error"].as_str().unwrap().contains("ann"));
    let bobs = server.get("/api/queue?reviewer=bob").json();
    assert_eq!(
        bobs["total"].as_u64().unwrap(),
        queued - 1,
        "Ann's cell is not offered to Bob"
    );

    // Ann's correction: verified, the sums hold, and the row's other flags clear.
    let r = server.post(
        "/api/decide",
        &with(
            misread_key(),
            json!({ "value": PRINTED, "version": version, "reviewer": "ann" }),
        ),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let saved = r.json();
    assert_eq!(saved["status"], "verified");
    assert_eq!(saved["value"], PRINTED);
    assert_eq!(
        check(&saved["checks"], "applications.row_total.new_received")["ok"],
        true
    );
    assert_eq!(
        check(&saved["checks"], "applications.balance.total")["ok"],
        true
    );
    assert_eq!(saved["cleared"].as_array().unwrap().len(), 6, "{saved}");
    let after = server.get("/api/queue?reviewer=ann").json();
    assert_eq!(after["total"].as_u64().unwrap(), queued - 7);

    // Bob saves against the version he saw: refused, naming who changed it.
    let r = server.post(
        "/api/decide",
        &with(
            misread_key(),
            json!({ "value": "5", "version": version, "reviewer": "bob" }),
        ),
    );
    assert_eq!(r.status, 409);
    let msg = r.json()["error"].as_str().unwrap().to_string();
    assert!(msg.contains("ann") && msg.contains("not saved"), "{msg}");

    // The audit: Ann's correction and the six flags it cleared.
    let audit = server.get("/api/audit?document=1").json();
    let rows = audit.as_array().unwrap();
    let correction = rows.iter().find(|a| a["action"] == "correct").unwrap();
    assert_eq!(correction["reviewer"], "ann");
    assert_eq!(correction["old_value"], "3");
    assert_eq!(correction["new_value"], PRINTED);
    assert_eq!(correction["old_status"], "review");
    assert!(correction["at"].as_str().unwrap().starts_with("20"));
    let id = correction["id"].clone();
    assert_eq!(
        rows.iter()
            .filter(|a| a["action"] == "clear" && a["cause"] == id)
            .count(),
        6
    );

    // Undo puts everything back; a second undo is refused.
    let r = server.post("/api/undo", &json!({ "audit": id, "reviewer": "ann" }));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["value"], "3");
    assert_eq!(
        server.get("/api/queue").json()["total"].as_u64().unwrap(),
        queued
    );
    assert_eq!(
        server
            .post("/api/undo", &json!({ "audit": id, "reviewer": "ann" }))
            .status,
        409
    );

    // Decided again, with the version the undo left; then exported as verified.
    let now = server.get("/api/queue?reviewer=ann").json()["items"][0]["version"].clone();
    let r = server.post(
        "/api/decide",
        &with(
            misread_key(),
            json!({ "value": PRINTED, "version": now, "reviewer": "ann" }),
        ),
    );
    assert_eq!(r.status, 200);

    // Images by id: the queued amount's crops; nothing by path.
    let png = server.get("/img/cell/1/active_disclosure/administrative_fees/amount");
    assert_eq!(png.status, 200);
    assert_eq!(&png.body[..4], b"\x89PNG");
    let row = server.get("/img/row/1/active_disclosure/administrative_fees");
    assert_eq!(&row.body[..4], b"\x89PNG");
    assert!(row.body.len() > png.body.len());
    let page = server.get("/img/page/1/2");
    assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
    assert_eq!(&page.body[..2], b"\xff\xd8");
    assert_eq!(server.get("/img/page/1/99").status, 404);
    assert_eq!(server.get("/img/row/1/..%2F..%2Fetc/passwd").status, 404);
    let view = server.get("/api/documents/1").json();
    assert!(view["cells"].as_array().unwrap().len() > 100);
    assert_eq!(server.get("/").status, 200);
    assert_eq!(server.get("/assets/queue.js").status, 200);
    drop(server);

    let out = nianbao()
        .args(["export", "--format", "jsonl", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cell = doc["tables"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["id"] == MISREAD.0)
        .flat_map(|t| t["cells"].as_array().unwrap())
        .find(|c| c["row"] == MISREAD.1 && c["col"] == MISREAD.2)
        .unwrap();
    assert_eq!(cell["value"], 8);
    assert_eq!(cell["status"], "verified");
    assert_eq!(
        check(&doc["checks"], "applications.row_total.new_received")["ok"],
        true
    );
    assert!(doc["review"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["row"] != MISREAD.1));

    // Decisions travel with their document into a merged archive, links intact.
    let merged = dir.join("merged.sqlite");
    let out = nianbao()
        .arg("merge")
        .arg(&merged)
        .arg(&db)
        .output()
        .unwrap();
    assert_succeeded(&out);
    let audit_of = |path: &std::path::Path| -> Vec<(String, String, Option<String>, bool)> {
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT a.action, a.reviewer, a.new_value, c.id IS NOT NULL OR a.cause IS NULL
                 FROM audit a LEFT JOIN audit c ON c.id = a.cause ORDER BY a.id",
            )
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let here = audit_of(&db);
    assert_eq!(
        here.len(),
        1 + 6 + 7 + 1 + 6,
        "correct, clears, undos, correct, clears"
    );
    assert!(here.iter().all(|a| a.3), "every cause points at a row");
    assert_eq!(audit_of(&merged), here);
}

#[test]
fn off_loopback_every_request_needs_the_token() {
    let dir = temp_dir("review-token");
    let db = review_archive(&dir);
    let server = ReviewServer::start(&db, &["--addr", "0.0.0.0:0"]);
    let token = server
        .url
        .split("token=")
        .nth(1)
        .expect("a generated token")
        .to_string();
    assert_eq!(token.len(), 32);
    for path in [
        "/",
        "/api/queue",
        "/img/cell/1/active_disclosure/administrative_fees/amount",
    ] {
        assert_eq!(server.get(path).status, 401, "{path}");
    }
    let wrong = http(
        server.addr,
        "GET",
        "/api/queue",
        &[("Authorization", "Bearer nope")],
        None,
    );
    assert_eq!(wrong.status, 401);
    let bearer = format!("Bearer {token}");
    let ok = http(
        server.addr,
        "GET",
        "/api/queue",
        &[("Authorization", &bearer)],
        None,
    );
    assert_eq!(ok.status, 200);
    // The address printed sets a cookie that carries the token from then on.
    let page = server.get(&format!("/?token={token}"));
    assert_eq!(page.status, 200);
    let cookie = page
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let by_cookie = http(
        server.addr,
        "GET",
        "/api/filters",
        &[("Cookie", &cookie)],
        None,
    );
    assert_eq!(by_cookie.status, 200);
}

/// An encrypted report's page images need the password its batch run was given: the
/// review server without it answers why, with it shows the page.
#[test]
fn encrypted_reports_show_their_pages_with_the_password() {
    let dir = temp_dir("review-encrypted");
    let db = dir.join("encrypted.sqlite");
    let out = nianbao()
        .args(["batch", "--quiet", "--password", "nianbao", "--db"])
        .arg(&db)
        .arg(fixture("encrypted-digital.pdf"))
        .output()
        .unwrap();
    assert_succeeded(&out);
    let without = ReviewServer::start(&db, &["--addr", "127.0.0.1:0"]);
    let refused = without.get("/img/page/1/2");
    assert_eq!(refused.status, 403);
    let reason = String::from_utf8_lossy(&refused.body);
    assert!(reason.contains("--password"), "{reason}");
    drop(without);
    let with = ReviewServer::start(&db, &["--addr", "127.0.0.1:0", "--password", "nianbao"]);
    let page = with.get("/img/page/1/2");
    assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
    assert_eq!(&page.body[..2], b"\xff\xd8");
}

/// A report's file moved or changed since its batch run: its page images answer what
/// happened to which file, not a server error, and the rest of the review goes on.
#[test]
fn a_report_file_gone_or_changed_since_conversion_is_told_not_a_server_error() {
    let dir = temp_dir("review-moved");
    let db = dir.join("moved.sqlite");
    let copy = dir.join("moved-report.pdf");
    std::fs::copy(fixture("sample-scan.pdf"), &copy).unwrap();
    let out = nianbao()
        .args(["batch", "--quiet", "--db"])
        .arg(&db)
        .arg(&copy)
        .output()
        .unwrap();
    assert_succeeded(&out);
    let server = ReviewServer::start(&db, &["--addr", "127.0.0.1:0"]);

    // The page's answer: its status, and a message naming the file.
    let page_answers = |status: u16| {
        let r = server.get("/img/page/1/1");
        assert_eq!(r.status, status);
        let message = r.json()["error"].as_str().unwrap().to_string();
        assert!(message.contains("moved-report.pdf"), "{message}");
    };
    std::fs::write(&copy, b"not a pdf any more").unwrap();
    page_answers(422);
    std::fs::remove_file(&copy).unwrap();
    page_answers(404);
    // Crops are kept in the archive: what was read can still be seen.
    let row = server.get("/img/row/1/active_disclosure/administrative_fees");
    assert_eq!(row.status, 200);
    assert_eq!(&row.body[..4], b"\x89PNG");
}
