//! Evaluation on tiny cases written in the test: every count checked by hand.

use super::*;
use serde_json::json;

#[test]
fn numbers_compare_as_decimals_and_empty_as_empty() {
    let same = |a: Value, b: Value| same_value(&a, &b);
    assert!(same(json!("1,200"), json!(1200)));
    assert!(same(json!("0.50"), json!(0.5)));
    assert!(same(json!(" 007 "), json!("7")));
    assert!(same(json!(""), Value::Null));
    assert!(same(json!("-0"), json!(0)));
    assert!(
        !same(json!("0"), Value::Null),
        "a zero is not an empty cell"
    );
    assert!(
        !same(json!("12a"), json!("12a")),
        "text is never a right value"
    );
    assert!(!same(json!("1.5"), json!(15)));
    assert!(!same(json!("-3"), json!(3)));
}

fn truth(tier: &str) -> Value {
    json!({
        "tier": tier,
        "report": { "organization": "某局", "year": 2023, "template": "2021" },
        "tables": [{ "id": "applications", "cells": [
            { "row": "new_received", "col": "total", "value": 8 },
            { "row": "new_received", "col": "natural_person", "value": 8 },
            { "row": "carried_over", "col": "total", "value": 0 },
            { "row": "carried_over", "col": "natural_person", "value": null }
        ]}],
        "printed_inconsistencies": [
            { "table": "applications", "cells": [["new_received", "total"]] }
        ]
    })
}

fn cell(row: &str, col: &str, value: Value, status: &str) -> Value {
    json!({ "row": row, "col": col, "value": value, "status": status })
}

#[test]
fn a_sample_is_scored_cell_by_cell_with_flags_fields_and_missing_outputs() {
    let root = crate::scratch::fresh_dir("eval");
    let (cases, outputs) = (root.join("cases"), root.join("out"));
    for (id, tier) in [("a", "typical"), ("b", "hard")] {
        std::fs::create_dir_all(cases.join(id)).unwrap();
        std::fs::write(cases.join(id).join("truth.json"), truth(tier).to_string()).unwrap();
    }
    std::fs::create_dir_all(&outputs).unwrap();
    // Case a: the total kept and flagged, one cell wrong and flagged (by the review
    // list), one wrong and trusted, one right; the organization misread.
    let a = json!({
        "report": { "organization": "某 局", "year": 2023, "template": "2021" },
        "tables": [{ "id": "applications", "cells": [
            cell("new_received", "total", json!("8"), "review"),
            cell("new_received", "natural_person", json!("3"), "ok"),
            cell("carried_over", "total", json!("6"), "ok"),
            cell("carried_over", "natural_person", Value::Null, "ok")
        ]}],
        "review": [{ "table": "applications", "row": "carried_over", "col": "total" }]
    });
    std::fs::write(outputs.join("a.json"), a.to_string()).unwrap();
    // Case b has no output: all four cells wrong, the table not found.
    let mut warnings = Vec::new();
    let e = evaluate(&cases, &outputs, None, |w| warnings.push(w)).unwrap();
    assert!(warnings.is_empty());

    let typical = &e.by_tier["typical"];
    assert_eq!(typical.cell_accuracy, Some(0.5));
    assert_eq!(typical.flagged_share, Some(0.5));
    assert_eq!(typical.review_recall, Some(0.5));
    assert_eq!(typical.review_precision, Some(0.5));
    assert_eq!((typical.wrong_trusted, typical.missing), (1, 0));
    assert_eq!(typical.organization_accuracy, Some(0.0));
    assert_eq!(
        (typical.year_accuracy, typical.template_accuracy),
        (Some(1.0), Some(1.0))
    );
    assert_eq!(typical.tables_found, Some(1.0));

    let hard = &e.by_tier["hard"];
    assert_eq!(
        (hard.cell_accuracy, hard.tables_found),
        (Some(0.0), Some(0.0))
    );
    assert_eq!(
        (hard.wrong_trusted, hard.missing, hard.with_output),
        (0, 4, 0)
    );

    assert_eq!(e.overall.cells, 8);
    assert_eq!(e.overall.cell_accuracy, Some(0.25));
    assert_eq!(e.by_tier_table["typical/applications"], Some(0.5));
    let pi = &e.printed_inconsistencies;
    assert_eq!(
        (pi.kept_flagged, pi.missing, pi.altered, pi.kept_unflagged),
        (1, 1, 0, 0)
    );
    assert_eq!(e.per_case["a"].wrong_trusted, 1);

    let md = markdown(&e);
    assert!(
        md.contains("| typical | 1 | 100.0% | 50.0% | 0.0% |"),
        "{md}"
    );
    assert!(
        md.lines().position(|l| l.starts_with("| typical"))
            < md.lines().position(|l| l.starts_with("| hard"))
    );

    let only_hard = evaluate(&cases, &outputs, Some("hard"), |_| {}).unwrap();
    assert_eq!(only_hard.overall.cells, 4);

    std::fs::write(outputs.join("a.json"), "{ not json").unwrap();
    let mut warnings = Vec::new();
    let broken = evaluate(&cases, &outputs, None, |w| warnings.push(w)).unwrap();
    assert_eq!(broken.overall.cell_accuracy, Some(0.0));
    assert!(warnings[0].contains("a.json: not JSON"), "{warnings:?}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_folder_without_cases_is_an_error_naming_it() {
    let e = evaluate(Path::new("src"), Path::new("src"), None, |_| {}).unwrap_err();
    assert!(e.to_string().starts_with("src: no case folders"), "{e}");
}
