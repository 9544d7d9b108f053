//! What the review tests share: the binary, an archive of a real conversion with a
//! misread put in, the review server run as a process, and a small HTTP/1.1 client
//! (enough for the server and for ChromeDriver, without a client library to build).

#![allow(dead_code)] // each test file uses its own part

use rusqlite::Connection;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

pub fn nianbao() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nianbao"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Asserts that a finished run of the binary succeeded, showing its stderr if not.
pub fn assert_succeeded(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nianbao-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `n` distinct born-digital reports in `dir`, `digital-K.pdf`: the fixture with a
/// different comment after its end, so each has its own content hash.
pub fn distinct_reports(dir: &Path, n: usize) -> Vec<PathBuf> {
    let digital = std::fs::read(fixture("digital.pdf")).unwrap();
    (0..n)
        .map(|k| {
            let mut bytes = digital.clone();
            bytes.extend_from_slice(format!("\n% copy {k}\n").as_bytes());
            let path = dir.join(format!("digital-{k}.pdf"));
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect()
}

/// The misread the review archive carries: 本年新收 总计 printed 8, read as 3.
pub const MISREAD: (&str, &str, &str) = ("applications", "new_received", "total");
pub const PRINTED: &str = "8";

/// An archive of `fixtures/sample-scan.pdf` converted by `batch`, then given the
/// misread of [`MISREAD`] as OCR would leave it: the value wrong, the row's sum and the
/// column's balance failed, and every cell of the row queued by the failed sum.
pub fn review_archive(dir: &Path) -> PathBuf {
    let db = dir.join("review.sqlite");
    let out = nianbao()
        .args(["batch", "--quiet", "--db"])
        .arg(&db)
        .arg(fixture("sample-scan.pdf"))
        .output()
        .unwrap();
    assert_succeeded(&out);
    let conn = Connection::open(&db).unwrap();
    let (t, r, c) = MISREAD;
    let printed: Option<String> = conn
        .query_row(
            "SELECT value FROM cells WHERE table_id = ?1 AND row_id = ?2 AND col_id = ?3",
            [t, r, c],
            |x| x.get(0),
        )
        .unwrap();
    assert_eq!(
        printed.as_deref(),
        Some(PRINTED),
        "the fixture converts exactly"
    );
    conn.execute_batch(&format!(
        "UPDATE cells SET value = '3', text = '3', confidence = 0.31, status = 'review'
             WHERE table_id = '{t}' AND row_id = '{r}' AND col_id = '{c}';
         UPDATE cells SET status = 'review' WHERE table_id = '{t}' AND row_id = '{r}'
             AND status = 'ok';
         UPDATE checks SET ok = 0, detail = 'row total 3 ≠ 8+0+0+0+0+0 (= 8)'
             WHERE rule = 'applications.row_total.{r}';
         UPDATE checks SET ok = 0, detail = 'new + carried over vs results + carried forward 3+0 ≠ 8+0 (= 8)'
             WHERE rule = 'applications.balance.{c}';
         INSERT INTO review_items (document, table_id, row_id, col_id, reason)
             SELECT document, table_id, row_id, col_id,
                 'check applications.row_total.{r} failed: row total 3 ≠ 8+0+0+0+0+0 (= 8)'
             FROM cells WHERE table_id = '{t}' AND row_id = '{r}';"
    ))
    .unwrap();
    db
}

/// `nianbao review` running on a free port, stopped when dropped.
pub struct ReviewServer {
    child: Child,
    pub addr: SocketAddr,
    /// The address it printed, with `?token=…` when it needs one.
    pub url: String,
}

impl ReviewServer {
    pub fn start(db: &Path, args: &[&str]) -> ReviewServer {
        let mut child = nianbao()
            .args(["review", "--db"])
            .arg(db)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .split_whitespace()
            .last()
            .unwrap_or_else(|| panic!("no address printed: {line:?}"))
            .to_string();
        let host = url.trim_start_matches("http://").split('/').next().unwrap();
        let port: u16 = host.rsplit(':').next().unwrap().parse().unwrap();
        ReviewServer {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            url,
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        http(self.addr, "GET", path, &[], None)
    }

    pub fn post(&self, path: &str, body: &Value) -> Reply {
        http(self.addr, "POST", path, &[], Some(body))
    }
}

impl Drop for ReviewServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.0.eq_ignore_ascii_case(name))
            .map(|h| h.1.as_str())
    }
}

/// One request on a new connection (`Connection: close`, so the answer ends with it).
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    s.write_all(req.as_bytes()).unwrap();
    // Read to the end of the body, which is the connection's end only for servers
    // that honour `Connection: close` (ChromeDriver does not): Content-Length decides.
    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    let split = loop {
        if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "connection closed before an HTTP head");
        raw.extend_from_slice(&buf[..n]);
    };
    let length = String::from_utf8_lossy(&raw[..split])
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok());
    match length {
        Some(len) => {
            while raw.len() < split + 4 + len {
                let n = s.read(&mut buf).unwrap();
                assert!(n > 0, "connection closed inside the body");
                raw.extend_from_slice(&buf[..n]);
            }
        }
        None => {
            s.read_to_end(&mut raw).unwrap();
        }
    }
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut reply = Reply {
        status,
        headers,
        body: raw[split + 4..split + 4 + length.unwrap_or(raw.len() - split - 4)].to_vec(),
    };
    if reply
        .header("transfer-encoding")
        .is_some_and(|v| v.contains("chunked"))
    {
        reply.body = dechunk(&reply.body);
    }
    reply
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&data[..eol])
                .split(';')
                .next()
                .unwrap()
                .trim(),
            16,
        )
        .unwrap();
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 2 + size + 2..];
    }
    out
}
