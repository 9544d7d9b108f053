//! Tests of repair on small hand-built tables and on random consistent ones.

use super::*;
use crate::geometry::PixelBox;
use crate::ocr::Symbol;
use crate::template::{REVIEW_COLS, REVIEW_ROWS};
use crate::value::as_integer;

const REV: &str = "reviews_litigation";

/// One digit read: itself, its confidence, its alternatives with theirs.
type DigitRead<'a> = (char, f32, &'a [(char, f32)]);

/// A cell read as `digits`, each digit with its confidence and alternatives.
fn read_cell(row: &'static str, col: &'static str, digits: &[DigitRead]) -> Cell {
    let text: String = digits.iter().map(|d| d.0).collect();
    Cell {
        row,
        col,
        value: text.parse::<i64>().ok().map(serde_json::Number::from),
        text,
        confidence: digits.iter().map(|d| d.1).fold(1.0, f32::min),
        page: 1,
        bbox: PixelBox::default(),
        status: Status::Ok,
        symbols: digits
            .iter()
            .map(|&(t, p, alts)| Symbol {
                text: t.to_string(),
                confidence: p,
                alternatives: alts.iter().map(|&(a, q)| (a.to_string(), q)).collect(),
            })
            .collect(),
        doubt: None,
        from_text_layer: false,
        basis: None,
    }
}

/// A sure read of `n`: every digit at 0.99 with no alternative worth keeping.
fn sure(row: &'static str, col: &'static str, n: i64) -> Cell {
    let digits: Vec<DigitRead> = n.to_string().chars().map(|c| (c, 0.99, &[][..])).collect();
    read_cell(row, col, &digits)
}

fn reviews(rows: Vec<[Cell; 5]>) -> Vec<Table> {
    vec![Table {
        id: REV,
        template: "2021",
        page: 1,
        bbox: PixelBox::default(),
        cells: rows.into_iter().flatten().collect(),
    }]
}

fn value(t: &[Table], row: &str, col: &str) -> (Option<i64>, Status, String) {
    let c = t[0]
        .cells
        .iter()
        .find(|c| c.row == row && c.col == col)
        .unwrap();
    (
        c.value.as_ref().and_then(as_integer),
        c.status,
        c.text.clone(),
    )
}

/// Repairs `t`, which must change exactly one cell, and gives the cell at `row`, `col`.
fn repaired_once(t: &mut [Table], row: &str, col: &str) -> (Option<i64>, Status, String) {
    assert_eq!(repair(t, &RepairOptions::default()), 1);
    value(t, row, col)
}

fn row(name: &'static str, v: [i64; 5]) -> [Cell; 5] {
    std::array::from_fn(|i| sure(name, REVIEW_COLS[i], v[i]))
}

/// An administrative-review row of sure `parts` whose total was read as `total`.
fn with_read_total(parts: [i64; 4], total: DigitRead) -> Vec<Table> {
    let name = "administrative_review";
    let mut r = row(name, [parts[0], parts[1], parts[2], parts[3], 0]);
    r[4] = read_cell(name, "total", &[total]);
    reviews(vec![r])
}

#[test]
fn a_misread_total_is_repaired_to_the_alternative_that_balances() {
    // 4 read as 9, the reader unsure between them.
    let mut t = with_read_total([3, 1, 0, 0], ('9', 0.55, &[('4', 0.4)]));
    assert_eq!(
        repaired_once(&mut t, "administrative_review", "total"),
        (Some(4), Status::Repaired, "9".to_string())
    );
}

#[test]
fn sure_reads_that_do_not_add_up_are_kept_as_printed() {
    let mut t = with_read_total([3, 1, 0, 0], ('5', 0.98, &[('4', 0.01)]));
    assert_eq!(repair(&mut t, &RepairOptions::default()), 0);
    assert_eq!(value(&t, "administrative_review", "total").0, Some(5));
}

#[test]
fn two_equally_likely_repairs_change_nothing() {
    let mut r = row("administrative_review", [3, 1, 0, 0, 5]);
    r[0] = read_cell(
        "administrative_review",
        "upheld",
        &[('3', 0.6, &[('4', 0.35)])],
    );
    r[1] = read_cell(
        "administrative_review",
        "corrected",
        &[('1', 0.6, &[('2', 0.35)])],
    );
    let mut t = reviews(vec![r]);
    assert_eq!(repair(&mut t, &RepairOptions::default()), 0);
}

#[test]
fn an_unreadable_cell_is_filled_when_its_row_determines_it() {
    let mut r = row("litigation_direct", [2, 0, 1, 0, 5]);
    r[0].value = None;
    r[0].text = "Z.".to_string();
    let mut t = reviews(vec![r]);
    assert_eq!(
        repaired_once(&mut t, "litigation_direct", "upheld"),
        (Some(4), Status::Repaired, "Z.".to_string())
    );
}

#[test]
fn an_unreadable_cell_beside_a_doubtful_read_is_left_for_a_person() {
    let mut r = row("litigation_direct", [2, 0, 1, 0, 5]);
    r[0].value = None;
    r[0].text = "Z.".to_string();
    r[2] = read_cell("litigation_direct", "other", &[('1', 0.5, &[])]);
    let mut t = reviews(vec![r]);
    assert_eq!(repair(&mut t, &RepairOptions::default()), 0);
    assert_eq!(value(&t, "litigation_direct", "upheld").0, None);
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::RngSeed;

    /// Three review rows whose totals add up.
    fn consistent() -> impl Strategy<Value = Vec<[i64; 5]>> {
        prop::collection::vec(prop::array::uniform4(0i64..40), 3).prop_map(|rows| {
            rows.into_iter()
                .map(|p| [p[0], p[1], p[2], p[3], p.iter().sum()])
                .collect()
        })
    }

    fn table_of(rows: &[[i64; 5]]) -> Vec<Table> {
        reviews(
            rows.iter()
                .zip(REVIEW_ROWS)
                .map(|(v, name)| row(name, *v))
                .collect(),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, rng_seed: RngSeed::Fixed(20261123), ..ProptestConfig::default() })]

        /// One digit of one cell per row misread, at a random confidence, with the
        /// truth among its alternatives or not: each cell ends right, or repaired, or
        /// in a check that fails. When the truth was a fair alternative, it is found.
        #[test]
        fn a_corrupted_digit_is_repaired_or_left_failing(
            truth in consistent(),
            picks in prop::collection::vec((0usize..5, 0usize..10, 0.2f32..0.99, prop::bool::ANY), 3),
        ) {
            let mut t = table_of(&truth);
            let mut fair = Vec::new();
            for (r, &(col, wrong, conf, offers_truth)) in picks.iter().enumerate() {
                let cell = &mut t[0].cells[r * 5 + col];
                let sym = &mut cell.symbols[0];
                let right = sym.text.clone();
                let wrong = wrong.to_string();
                if wrong == right {
                    continue;
                }
                sym.text = wrong;
                sym.confidence = conf;
                if offers_truth {
                    sym.alternatives = vec![(right, (1.0 - conf) * 0.9)];
                    if (1.0 - conf) * 0.9 / conf >= RepairOptions::default().min_support {
                        fair.push(r * 5 + col);
                    }
                }
                cell.text = cell.symbols.iter().map(|s| s.text.as_str()).collect();
                cell.value = count_of(&cell.text).map(serde_json::Number::from);
            }
            repair(&mut t, &RepairOptions::default());
            let failing: Vec<Identity> = checks::run(&t).into_iter().filter(|(_, c)| !c.ok).map(|(id, _)| id).collect();
            for (i, c) in t[0].cells.iter().enumerate() {
                let want = truth[i / 5][i % 5];
                let right = c.value.as_ref().and_then(as_integer) == Some(want);
                let in_failing = failing.iter().any(|id| id.cells().any(|r| r.1 == c.row && r.2 == c.col));
                prop_assert!(right || c.status == Status::Repaired || in_failing, "cell {i} silently wrong");
                if fair.contains(&i) {
                    prop_assert!(right, "cell {i}: the truth was a fair alternative");
                }
            }
        }

        /// A table that adds up is left alone, whatever alternatives its cells carry.
        #[test]
        fn a_consistent_table_passes_unchanged(truth in consistent(), conf in 0.3f32..0.99) {
            let mut t = table_of(&truth);
            for c in &mut t[0].cells {
                c.symbols[0].confidence = conf;
                c.symbols[0].alternatives = vec![("7".to_string(), 1.0 - conf)];
            }
            prop_assert_eq!(repair(&mut t, &RepairOptions::default()), 0);
            for (i, c) in t[0].cells.iter().enumerate() {
                prop_assert_eq!(c.value.as_ref().and_then(as_integer), Some(truth[i / 5][i % 5]));
                prop_assert_eq!(c.status, Status::Ok);
            }
        }
    }
}
