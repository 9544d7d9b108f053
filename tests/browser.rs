//! The review page in a real browser: headless Chromium, driven over WebDriver by
//! ChromeDriver (Debian's `chromium` and `chromium-driver`, installed by
//! `scripts/setup.sh --test`), corrects a misread with the keyboard only and sees its
//! check turn green. Its screenshot is the README's (`NIANBAO_UPDATE_SCREENSHOT=1`
//! writes it to docs/).

mod support;

use serde_json::{json, Value};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{http, review_archive, temp_dir, ReviewServer};

const ENTER: &str = "\u{E007}";

struct Driver {
    child: Child,
    addr: SocketAddr,
    session: String,
}

impl Driver {
    fn start(profile: &Path) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian chromium-driver; scripts/setup.sh --test installs it)");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let start = Instant::now();
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // The flags that keep Chromium off a closed network and out of first-run pages.
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,960",
            "--lang=zh-CN",
        ]
        .iter()
        .map(|a| a.to_string())
        .chain([format!("--user-data-dir={}", profile.display())])
        .collect::<Vec<_>>();
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args }
        }}});
        let mut d = Driver {
            child,
            addr,
            session: String::new(),
        };
        let r = d.call("POST", "/session", Some(&caps));
        d.session = r["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_string();
        d
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let r = http(self.addr, method, path, &[], body);
        let v = r.json();
        assert_eq!(r.status, 200, "{method} {path}: {v}");
        v["value"].clone()
    }

    fn session(&self, method: &str, path: &str, body: Value) -> Value {
        let path = format!("/session/{}{path}", self.session);
        let body = (method == "POST").then_some(body);
        self.call(method, &path, body.as_ref())
    }

    fn goto(&self, url: &str) {
        self.session("POST", "/url", json!({ "url": url }));
    }

    fn eval(&self, script: &str) -> Value {
        self.session(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": [] }),
        )
    }

    /// Waits until `script` returns true.
    fn wait(&self, what: &str, script: &str) {
        let start = Instant::now();
        while self.eval(script) != json!(true) {
            let page = self.eval("return document.body.innerText");
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "timed out: {what}\n{page}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Presses `keys` one after another on whatever has the focus, as a person would.
    fn keys(&self, keys: &str) {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|k| {
                let k = k.to_string();
                [
                    json!({ "type": "keyDown", "value": k }),
                    json!({ "type": "keyUp", "value": k }),
                ]
            })
            .collect();
        self.session(
            "POST",
            "/actions",
            json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] }),
        );
    }

    fn screenshot(&self) -> Vec<u8> {
        let b64 = self.session("GET", "/screenshot", Value::Null);
        base64_decode(b64.as_str().unwrap())
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = http(
                self.addr,
                "DELETE",
                &format!("/session/{}", self.session),
                &[],
                None,
            );
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = s.bytes().filter(|c| *c != b'=').map(value).collect();
    digits
        .chunks(4)
        .flat_map(|q| {
            let n = q
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, d)| n | (*d as u32) << (18 - 6 * i));
            let bytes = n.to_be_bytes();
            bytes[1..q.len()].to_vec()
        })
        .collect()
}

const ON_MISREAD: &str = "return document.activeElement.id === 'value' \
    && document.getElementById('cell-name').textContent.includes('总计') \
    && document.getElementById('value').value === '3'";

#[test]
fn a_reviewer_corrects_a_cell_with_the_keyboard_and_its_check_turns_green() {
    let dir = temp_dir("review-browser");
    let db = review_archive(&dir);
    let server = ReviewServer::start(&db, &["--addr", "127.0.0.1:0"]);
    let driver = Driver::start(&dir.join("profile"));
    driver.goto(&server.url);
    driver.wait("the misread total, first in the queue, focused", ON_MISREAD);
    driver.wait(
        "its failing checks shown red",
        "return document.querySelector('#failing .check.failed[data-rule=\"applications.row_total.new_received\"]') !== null",
    );

    // j moves on, k comes back.
    driver.keys("j");
    driver.wait(
        "the next item",
        "return !document.getElementById('cell-name').textContent.includes('总计')",
    );
    driver.keys("k");
    driver.wait("back on the misread", ON_MISREAD);

    // The value is selected: typing replaces it, Enter saves.
    driver.keys(&format!("8{ENTER}"));
    driver.wait(
        "the row's check green in the last decision",
        "return document.querySelector('#last-checks .check.ok[data-rule=\"applications.row_total.new_received\"]') !== null \
         && document.getElementById('last-body').textContent.includes('= 8 (verified)')",
    );
    let shot = driver.screenshot();
    assert_eq!(&shot[..8], b"\x89PNG\r\n\x1a\n");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("review-queue.png");
    std::fs::write(&out, &shot).unwrap();
    if std::env::var_os("NIANBAO_UPDATE_SCREENSHOT").is_some() {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::write(docs.join("review-queue.png"), &shot).unwrap();
    }

    // The server agrees: the decision is audited under the page's reviewer name.
    let audit = server.get("/api/audit?document=1").json();
    let correction = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "correct")
        .unwrap_or_else(|| panic!("no correction in {audit}"));
    assert_eq!(correction["new_value"], "8");
    assert_eq!(correction["reviewer"], "reviewer");

    // The document view colours the corrected cell as verified.
    driver.goto(&format!("{}doc/1", server.url));
    driver.wait(
        "the verified cell on the page",
        "return document.querySelector('.cell.verified[data-cell=\"applications.new_received.total\"]') !== null",
    );
    drop(server);

    // Where no page can be shown, the view says why the server gave, over the boxes.
    let missing = dir.join("no-such-libpdfium.so");
    let server = ReviewServer::start(
        &db,
        &[
            "--addr",
            "127.0.0.1:0",
            "--pdfium",
            missing.to_str().unwrap(),
        ],
    );
    driver.goto(&format!("{}doc/1", server.url));
    driver.wait(
        "the server's reason for the missing page, and the cells still shown",
        "const m = document.getElementById('message').textContent; \
         return m.includes('page images unavailable') && m.includes('no-such-libpdfium.so') \
         && document.querySelector('.cell[data-cell=\"applications.new_received.total\"]') !== null",
    );
}

#[test]
fn base64_round_trip_of_a_known_string() {
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("iVBORw=="), b"\x89PNG");
}
