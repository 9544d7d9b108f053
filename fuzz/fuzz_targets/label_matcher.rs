//! Fuzzes what reads OCR text: the row-label matcher against every label of both
//! formats, and the title and date parsers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nianbao::fields::{parse_date, parse_title, tidy_title};
use nianbao::labels::{best_similarity, normalize};
use nianbao::template::{active_specs, application_specs};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for spec in active_specs().into_iter().chain(application_specs()) {
        for row in spec.rows() {
            let s = best_similarity(&text, row.labels);
            assert!((0.0..=1.0).contains(&s), "similarity {s} out of range");
        }
    }
    let _ = normalize(&text);
    let _ = parse_date(&text, Some(2021));
    let _ = parse_date(&text, None);
    let (org, _) = parse_title(&text);
    let _ = tidy_title(&text, org.as_deref(), Some("某县人民政府"));
});
