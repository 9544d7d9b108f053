//! The review server under load over a real socket: 200 requests at once, reads of
//! every kind mixed with claims and decisions that conflict on purpose. Every answer
//! is 200, 409 or the deliberate 503 of an overloaded server (which the client, like
//! the page, sends again after its Retry-After). At most one decision wins a cell, and
//! the audit holds exactly the decisions answered 200: none lost, none doubled.

mod support;

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Barrier};
use std::time::Duration;
use support::{http, review_archive, temp_dir, Reply, ReviewServer};

const REQUESTS: usize = 200;
const REVIEWERS: usize = 5;

/// What one request asks.
#[derive(Clone, Debug)]
enum Ask {
    Read(String),
    Claim { cell: usize, reviewer: usize },
    Decide { cell: usize, reviewer: usize },
}

/// Sends once, and again after each 503 once its Retry-After has passed; returns the
/// final answer and how many times it was turned away first.
fn send_until_served(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (Reply, usize) {
    let mut turned_away = 0;
    loop {
        let reply = http(addr, method, path, &[], body);
        if reply.status != 503 || turned_away >= 60 {
            return (reply, turned_away);
        }
        let wait: u64 = reply
            .header("retry-after")
            .and_then(|v| v.parse().ok())
            .expect("a 503 says when to come back");
        turned_away += 1;
        std::thread::sleep(Duration::from_millis(wait * 1000));
    }
}

fn key(item: &Value) -> Value {
    json!({ "document": item["document"], "table": item["table"], "row": item["row"], "col": item["col"] })
}

#[test]
fn two_hundred_requests_at_once_lose_and_double_no_decision() {
    let dir = temp_dir("review-load");
    let db = review_archive(&dir);
    let server = ReviewServer::start(&db, &["--addr", "127.0.0.1:0"]);
    let doc = 1;
    let view = server.get(&format!("/api/documents/{doc}")).json();
    // Count cells, so every reviewer's number is a valid value for each.
    let items: Vec<Value> = view["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["table"] == "applications")
        .take(12)
        .cloned()
        .collect();
    assert_eq!(items.len(), 12, "{view}");
    let (decided, claimed) = (&items[..8], &items[8..12]);

    let reads = [
        "/api/queue?reviewer=reader".to_string(),
        "/api/filters".to_string(),
        format!("/api/checks?document={doc}&table=applications"),
        format!("/api/documents/{doc}"),
        format!("/api/audit?document={doc}"),
        // The one row the archive keeps an image of (a queued low-confidence amount).
        format!("/img/row/{doc}/active_disclosure/administrative_fees"),
        format!("/img/cell/{doc}/active_disclosure/administrative_fees/amount"),
        format!("/img/page/{doc}/1"),
        "/".to_string(),
        "/assets/queue.js".to_string(),
    ];
    let mut asks: Vec<Ask> = Vec::new();
    for cell in 0..decided.len() {
        for reviewer in 0..REVIEWERS {
            asks.push(Ask::Decide { cell, reviewer });
        }
    }
    for cell in 0..claimed.len() {
        for reviewer in 0..REVIEWERS {
            asks.push(Ask::Claim { cell, reviewer });
        }
    }
    let mut k = 0;
    while asks.len() < REQUESTS {
        asks.push(Ask::Read(reads[k % reads.len()].clone()));
        k += 1;
    }
    // Interleaved, so writes and reads arrive mixed rather than in blocks.
    let n = asks.len();
    let asks: Vec<Ask> = (0..n).map(|i| asks[(i * 37) % n].clone()).collect();

    let start = Arc::new(Barrier::new(n));
    let addr = server.addr;
    let threads: Vec<_> = asks
        .iter()
        .cloned()
        .map(|ask| {
            let start = start.clone();
            let decided: Vec<Value> = decided.to_vec();
            let claimed: Vec<Value> = claimed.to_vec();
            std::thread::spawn(move || {
                let (method, path, body) = match &ask {
                    Ask::Read(path) => ("GET", path.clone(), None),
                    Ask::Claim { cell, reviewer } => {
                        let mut b = key(&claimed[*cell]);
                        b["reviewer"] = json!(format!("r{reviewer}"));
                        ("POST", "/api/claim".to_string(), Some(b))
                    }
                    Ask::Decide { cell, reviewer } => {
                        let item = &decided[*cell];
                        let mut b = key(item);
                        b["reviewer"] = json!(format!("r{reviewer}"));
                        b["value"] = json!((100 + reviewer).to_string());
                        b["version"] = item["version"].clone();
                        ("POST", "/api/decide".to_string(), Some(b))
                    }
                };
                start.wait();
                let (reply, retried) = send_until_served(addr, method, &path, body.as_ref());
                (ask, path, reply, retried)
            })
        })
        .collect();
    let answers: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();

    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut turned_away = 0;
    // Each winning decision's reviewer and the audit row its answer named.
    let mut decisions_won: BTreeMap<usize, Vec<(usize, i64)>> = BTreeMap::new();
    let mut claims_won: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (ask, path, reply, retried) in &answers {
        *statuses.entry(reply.status).or_default() += 1;
        turned_away += retried;
        match ask {
            Ask::Read(_) => assert_eq!(
                reply.status,
                200,
                "{path}: {:?}",
                String::from_utf8_lossy(&reply.body)
            ),
            Ask::Claim { cell, reviewer } | Ask::Decide { cell, reviewer } => {
                assert!(
                    reply.status == 200 || reply.status == 409,
                    "{path}: {} {:?}",
                    reply.status,
                    String::from_utf8_lossy(&reply.body)
                );
                if reply.status == 409 {
                    assert!(!reply.json()["error"].as_str().unwrap().is_empty());
                } else if matches!(ask, Ask::Claim { .. }) {
                    claims_won.entry(*cell).or_default().push(*reviewer);
                } else {
                    let audit = reply.json()["audit"]
                        .as_i64()
                        .expect("the decision's audit row");
                    decisions_won
                        .entry(*cell)
                        .or_default()
                        .push((*reviewer, audit));
                }
            }
        }
    }
    eprintln!("final statuses {statuses:?}; 503s sent again: {turned_away}");
    // All decided against the same version: one can win per cell. A decision also
    // re-flags the cells its checks cover, which moves their versions, so a cell may
    // also see all five refused: that is a 409 its reviewers were told of, not a loss.
    for (cell, won) in &decisions_won {
        assert_eq!(won.len(), 1, "cell {cell} decided twice: {decisions_won:?}");
    }
    assert!(decisions_won.len() >= 2, "{decisions_won:?}");
    for cell in 0..claimed.len() {
        assert_eq!(
            claims_won.get(&cell).map(Vec::len),
            Some(1),
            "claim {cell}: {claims_won:?}"
        );
    }

    // The archive afterwards: exactly the decisions answered 200, each once, and
    // every decided cell holding its winner's value; the others as they were.
    let audit = server.get(&format!("/api/audit?document={doc}")).json();
    let recorded: BTreeSet<i64> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["cause"].is_null() && (e["action"] == "correct" || e["action"] == "accept"))
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    let answered: BTreeSet<i64> = decisions_won.values().flatten().map(|w| w.1).collect();
    assert_eq!(recorded, answered, "{audit}");
    let document = server.get(&format!("/api/documents/{doc}")).json();
    let cells = document["cells"].as_array().expect("the document's cells");
    for (cell, item) in decided.iter().enumerate() {
        let now = cells
            .iter()
            .find(|c| key(c) == key(item))
            .unwrap_or_else(|| panic!("{item} not in {document}"));
        match decisions_won.get(&cell) {
            Some(won) => {
                assert_eq!(now["value"], (100 + won[0].0).to_string(), "{now}");
                assert_eq!(now["status"], "verified");
            }
            None => assert_eq!(now["value"], item["value"], "{now}"),
        }
    }
}
