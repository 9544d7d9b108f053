//! Tests of row mapping on synthetic read tables, no OCR or images involved.

use super::*;
use crate::model::Cell;
use crate::template::{ACTIVE_2019, ACTIVE_2021, APPLICATIONS_2019, APPLICATIONS_2021};

/// A table whose every row is a label cell followed by value cells; `""` as a label
/// makes a row without one (the review table's data row).
fn table(page: usize, rows: &[(&str, Vec<&str>)]) -> ReadTable {
    let n_cols = rows.iter().map(|r| r.1.len() + 1).max().unwrap_or(1);
    let mut cells = Vec::new();
    for (r, (label, values)) in rows.iter().enumerate() {
        let cell = |col: usize, span: usize, kind: ReadKind, text: &str| ReadCell {
            grid: GridCell {
                row: r,
                col,
                row_span: 1,
                col_span: span,
                bbox: PixelBox::from_corners(
                    col as i32 * 100,
                    r as i32 * 40,
                    (col + span) as i32 * 100,
                    r as i32 * 40 + 40,
                ),
            },
            kind,
            reading: Reading {
                text: text.to_string(),
                confidence: 0.95,
                symbols: Vec::new(),
                from_text_layer: false,
            },
        };
        let label_span = n_cols - values.len();
        cells.push(cell(0, label_span, ReadKind::Text, label));
        for (k, v) in values.iter().enumerate() {
            cells.push(cell(label_span + k, 1, ReadKind::Number, v));
        }
    }
    ReadTable {
        page,
        bbox: PixelBox::from_corners(0, 0, n_cols as i32 * 100, rows.len() as i32 * 40),
        n_cols,
        n_rows: rows.len(),
        cells,
    }
}

fn value(tables: &[Table], t: &str, r: &str, c: &str) -> Option<String> {
    tables
        .iter()
        .filter(|x| x.id == t)
        .flat_map(|x| x.cells.iter())
        .find(|x| x.row == r && x.col == c)
        .map(|x| {
            x.value
                .as_ref()
                .map(|v| v.to_string())
                .unwrap_or_else(|| "null".into())
        })
}

fn printed(
    spec: &TableSpec,
    garble: impl Fn(&str) -> String,
    value_of: impl Fn(usize) -> String,
) -> Vec<(String, Vec<String>)> {
    spec.rows()
        .enumerate()
        .map(|(i, r)| {
            (
                garble(r.labels[0]),
                (0..r.cols.len()).map(|_| value_of(i)).collect(),
            )
        })
        .collect()
}

/// One sure symbol per character of `text`, as the reader gives them.
fn sure_symbols(text: &str) -> Vec<crate::ocr::Symbol> {
    text.chars()
        .map(|ch| crate::ocr::Symbol {
            text: ch.to_string(),
            confidence: 0.99,
            alternatives: Vec::new(),
        })
        .collect()
}

/// Where row `id` stands in `spec`'s printed order.
fn row_index(spec: &TableSpec, id: &str) -> usize {
    spec.rows()
        .position(|r| r.id == id)
        .expect("row of the format")
}

fn as_rows(p: &[(String, Vec<String>)]) -> Vec<(&str, Vec<&str>)> {
    p.iter()
        .map(|(l, v)| (l.as_str(), v.iter().map(String::as_str).collect()))
        .collect()
}

#[test]
fn full_2021_report_maps_every_row_and_template() {
    let active = printed(&ACTIVE_2021, |l| l.to_string(), |i| i.to_string());
    let mut apps = vec![("(本列数据的勾稽关系为…)".to_string(), vec![])];
    apps.extend(printed(
        &APPLICATIONS_2021,
        |l| format!("（一）{l}"),
        |i| (i + 10).to_string(),
    ));
    let reviews = vec![(
        "".to_string(),
        (0..15).map(|k| k.to_string()).collect::<Vec<_>>(),
    )];
    let read = vec![
        table(2, &as_rows(&active)),
        table(3, &as_rows(&apps)),
        table(4, &as_rows(&reviews)),
    ];
    let out = map_tables(&read);
    let ids: Vec<(&str, &str)> = out.iter().map(|t| (t.id, t.template)).collect();
    assert_eq!(
        ids,
        [
            ("active_disclosure", "2021"),
            ("applications", "2021"),
            ("reviews_litigation", "2021")
        ]
    );
    assert_eq!(
        value(
            &out,
            "active_disclosure",
            "administrative_license",
            "decisions"
        )
        .as_deref(),
        Some("2")
    );
    assert_eq!(
        value(&out, "applications", "other_other", "total").as_deref(),
        Some("32")
    );
    assert_eq!(
        value(&out, "applications", "carried_forward", "natural_person").as_deref(),
        Some("34")
    );
    assert_eq!(
        value(
            &out,
            "reviews_litigation",
            "litigation_after_review",
            "total"
        )
        .as_deref(),
        Some("14")
    );
    assert_eq!(out[1].cells.len(), 25 * 7);
    assert_eq!(out[1].page, 3);
}

#[test]
fn report_of_2019_format_is_told_apart() {
    let active = printed(&ACTIVE_2019, |l| l.to_string(), |_| "1".into());
    let apps = printed(&APPLICATIONS_2019, |l| l.to_string(), |_| "0".into());
    let read = vec![table(1, &as_rows(&active)), table(2, &as_rows(&apps))];
    let out = map_tables(&read);
    assert_eq!(out[0].template, "2019");
    assert_eq!(out[1].template, "2019");
    assert!(value(&out, "applications", "other", "total").is_some());
    assert!(value(&out, "applications", "other_other", "total").is_none());
    assert!(value(&out, "active_disclosure", "government_procurement", "items").is_some());
}

#[test]
fn a_report_on_2020_is_never_mapped_to_the_2021_version() {
    // Rows that read like the 2021 version (a misread label would do it).
    let active = printed(&ACTIVE_2021, |l| l.to_string(), |_| "1".into());
    let apps = printed(&APPLICATIONS_2021, |l| l.to_string(), |_| "0".into());
    let read = vec![table(1, &as_rows(&active)), table(2, &as_rows(&apps))];
    let unknown_year = map_tables_for_year(&read, None);
    assert!(unknown_year.iter().all(|t| t.template == "2021"));
    let on_2020 = map_tables_for_year(&read, Some(2020));
    assert!(!on_2020.is_empty());
    assert!(on_2020.iter().all(|t| t.template == "2019"), "{on_2020:?}");
}

#[test]
fn applications_without_their_telling_rows_follow_the_active_table_version() {
    let active = printed(&ACTIVE_2019, |l| l.to_string(), |_| "1".into());
    let mut apps = printed(&APPLICATIONS_2019, |l| l.to_string(), |_| "0".into());
    // The page holding 其他处理 and 总计 was lost: nothing tells 2019 from 2021.
    apps.truncate(20);
    let read = vec![table(1, &as_rows(&active)), table(2, &as_rows(&apps))];
    let out = map_tables(&read);
    assert_eq!(out[1].template, "2019");
}

#[test]
fn table_split_across_pages_and_garbled_labels_still_map() {
    let mut apps = printed(&APPLICATIONS_2021, |l| l.to_string(), |i| i.to_string());
    // Garbles seen in OCR: dropped and swapped characters, stray spaces.
    apps[4].0 = "1 属 于 国 家 秘 蜜".into();
    apps[13].0 = "2.没有现成信息需要另行制".into();
    let (first, second) = apps.split_at(10);
    let read = vec![table(3, &as_rows(first)), table(4, &as_rows(second))];
    let out = map_tables(&read);
    let apps = out.iter().find(|t| t.id == "applications").unwrap();
    assert_eq!(apps.cells.len(), 25 * 7);
    assert_eq!(
        value(&out, "applications", "withheld_state_secret", "total").as_deref(),
        Some("4")
    );
    let c = apps
        .cells
        .iter()
        .find(|c| c.row == "unavailable_needs_creation")
        .unwrap();
    assert_eq!(
        (c.page, c.value.as_ref().map(|v| v.to_string())),
        (4, Some("13".to_string()))
    );
}

#[test]
fn a_missing_row_leaves_the_others_in_place() {
    let mut apps = printed(&APPLICATIONS_2021, |l| l.to_string(), |i| i.to_string());
    apps.remove(6);
    let out = map_tables(&[table(1, &as_rows(&apps))]);
    assert!(value(&out, "applications", "withheld_security_stability", "total").is_none());
    assert_eq!(
        value(&out, "applications", "withheld_third_party", "total").as_deref(),
        Some("7")
    );
}

#[test]
fn a_lost_value_cell_leaves_the_others_in_their_columns() {
    let apps = printed(&APPLICATIONS_2021, |l| l.to_string(), |i| i.to_string());
    let mut t = table(1, &as_rows(&apps));
    // The third row's third value (research institutions) was never found.
    let lost = (t.n_cols - 7) + 2;
    t.cells.retain(|c| !(c.grid.row == 2 && c.grid.col == lost));
    // And its rules were found in other places than the other rows' (a warped scan),
    // so its lattice columns are numbered apart from theirs: only the boxes tell.
    for c in t.cells.iter_mut().filter(|c| c.grid.row == 2) {
        c.grid.col = 2 * c.grid.col + 1;
    }
    let out = map_tables(&[t]);
    let row = APPLICATIONS_2021.rows().nth(2).expect("third row").id;
    assert!(value(&out, "applications", row, "research_institution").is_none());
    for col in [
        "commercial_enterprise",
        "social_welfare_org",
        "other_org",
        "total",
    ] {
        assert_eq!(value(&out, "applications", row, col).as_deref(), Some("2"));
    }
}

/// A `rows` × `cols` lattice of 100 × 40 px cells, none spanning.
fn square_grid(rows: usize, cols: usize) -> TableGrid {
    TableGrid {
        bbox: PixelBox::from_corners(0, 0, cols as i32 * 100, rows as i32 * 40),
        n_rows: rows,
        n_cols: cols,
        cells: (0..rows * cols)
            .map(|i| {
                let (r, c) = ((i / cols) as i32, (i % cols) as i32);
                GridCell {
                    row: i / cols,
                    col: i % cols,
                    row_span: 1,
                    col_span: 1,
                    bbox: PixelBox::from_corners(c * 100, r * 40, c * 100 + 100, r * 40 + 40),
                }
            })
            .collect(),
    }
}

#[test]
fn value_columns_come_from_the_shape_of_their_ink() {
    use crate::crop::CellInk;
    let grid = square_grid(4, 4);
    let ink = |numeric: bool| CellInk::summary(Some(PixelBox::from_corners(0, 0, 10, 10)), numeric);
    // A header row of text, then three data rows; in the second one a value's digits
    // ran together into a square blob.
    let shapes = [
        [false, false, false, false],
        [false, true, true, true],
        [false, false, true, true],
        [false, true, true, true],
    ];
    let inks: Vec<CellInk> = shapes.iter().flatten().map(|&n| ink(n)).collect();
    let kinds = assign_kinds(&grid, &inks);
    use ReadKind::*;
    let expected: Vec<ReadKind> = [
        [Text; 4],
        [Text, Number, Number, Number],
        [Text, Number, Number, Number],
        [Text, Number, Number, Number],
    ]
    .into_iter()
    .flatten()
    .collect();
    assert_eq!(kinds, expected);
}

#[test]
fn an_empty_cell_after_a_rows_number_is_a_value_printed_empty() {
    use crate::crop::CellInk;
    // 信息内容 | 采购项目数量 | 采购总金额, then 政府集中采购 | 6 | (blank).
    let grid = square_grid(2, 3);
    let text = CellInk::summary(Some(PixelBox::from_corners(0, 0, 60, 10)), false);
    let number = CellInk::summary(Some(PixelBox::from_corners(0, 0, 10, 10)), true);
    let inks = vec![
        text.clone(),
        text.clone(),
        text.clone(),
        text,
        number,
        CellInk::summary(None, false),
    ];
    let kinds = assign_kinds(&grid, &inks);
    assert_eq!(kinds[4..], [ReadKind::Number, ReadKind::Number]);
}

#[test]
fn unreadable_label_between_known_rows_is_placed_by_order_and_doubted() {
    let mut apps = printed(&APPLICATIONS_2021, |l| l.to_string(), |i| i.to_string());
    apps[8].0 = "瀑@#".into();
    let out = map_tables(&[table(1, &as_rows(&apps))]);
    let cell = out[0]
        .cells
        .iter()
        .find(|c| c.row == "withheld_internal_affairs" && c.col == "total")
        .expect("row placed by order");
    assert_eq!(
        cell.value.as_ref().map(|v| v.to_string()).as_deref(),
        Some("8")
    );
    assert!(cell.confidence_in_place() <= 0.5);
}

/// A cell one column wide at `row, col` over `row_span` rows, its box `x0, y0, x1, y1`.
fn cell(
    row: usize,
    col: usize,
    row_span: usize,
    (x0, y0, x1, y1): (i32, i32, i32, i32),
) -> GridCell {
    GridCell {
        row,
        col,
        row_span,
        col_span: 1,
        bbox: PixelBox::from_corners(x0, y0, x1, y1),
    }
}

/// The grid `cells` make: its box, rows and columns those the cells cover.
fn grid_of(cells: Vec<GridCell>) -> TableGrid {
    TableGrid {
        bbox: (cells.iter()).fold(PixelBox::default(), |b, c| b.union(&c.bbox)),
        n_rows: cells.iter().map(|c| c.row + c.row_span).max().unwrap_or(0),
        n_cols: cells.iter().map(|c| c.col + c.col_span).max().unwrap_or(0),
        cells,
    }
}

/// The text cells of `grid` as (row, column, rows spanned, box).
fn text_cells(grid: &TableGrid, kinds: &[ReadKind]) -> Vec<(usize, usize, usize, PixelBox)> {
    (grid.cells.iter().zip(kinds))
        .filter(|(_, &k)| k == ReadKind::Text)
        .map(|(c, _)| (c.row, c.col, c.row_span, c.bbox))
        .collect()
}

#[test]
fn a_label_over_rows_with_their_own_values_is_cut_per_row_but_a_heading_is_not() {
    use ReadKind::*;
    // Heading in column 0 over rows 1–3; in column 1 the rule between the labels of
    // rows 1 and 2 faded, so one cell covers both; each row has two values.
    let mut cells = vec![
        cell(1, 0, 3, (0, 40, 100, 160)),
        cell(1, 1, 2, (100, 40, 200, 120)),
        cell(3, 1, 1, (100, 120, 200, 160)),
    ];
    let mut kinds = vec![Text, Text, Text];
    for r in 1..4 {
        for c in 2..4 {
            let (x, y) = (c as i32 * 100, r as i32 * 40);
            cells.push(cell(r, c, 1, (x, y, x + 100, y + 40)));
            kinds.push(Number);
        }
    }
    let grid = grid_of(cells);
    let (split, split_kinds) = split_stacked_labels(&grid, &kinds).expect("a cell to cut");
    assert_eq!(split.cells.len(), grid.cells.len() + 1);
    assert_eq!(split_kinds.len(), split.cells.len());
    assert_eq!(
        text_cells(&split, &split_kinds),
        vec![
            (1, 0, 3, PixelBox::from_corners(0, 40, 100, 160)),
            (1, 1, 1, PixelBox::from_corners(100, 40, 200, 80)),
            (2, 1, 1, PixelBox::from_corners(100, 80, 200, 120)),
            (3, 1, 1, PixelBox::from_corners(100, 120, 200, 160)),
        ]
    );
    // With every label on its own row there is nothing to cut.
    assert!(split_stacked_labels(&split, &split_kinds).is_none());

    // A longer row ruled into the same grid below (the review table's fifteen values
    // under the applications table) sets no measure for the rows of the stacked label.
    let mut long_cells = grid.cells.clone();
    let mut long_kinds = kinds.clone();
    for k in 0..8 {
        long_cells.push(cell(
            4,
            2 + k,
            1,
            (200 + k as i32 * 25, 160, 225 + k as i32 * 25, 200),
        ));
        long_kinds.push(Number);
    }
    let long = grid_of(long_cells);
    let (cut, _) = split_stacked_labels(&long, &long_kinds).expect("still cut");
    assert_eq!(cut.cells.len(), long.cells.len() + 1);
}

#[test]
fn a_column_heading_joined_to_the_value_under_it_loses_the_value_row() {
    use ReadKind::*;
    // Headings in rows 0–1 over one row of values; in the last column the rule under
    // the heading faded, so its cell reaches down over row 2's value. The label of
    // row 2 (column 0) spans rows 1–2 and heads nothing: it stays whole.
    let cells = vec![
        cell(0, 1, 2, (100, 0, 200, 80)),
        cell(0, 2, 2, (200, 0, 300, 80)),
        cell(0, 3, 3, (300, 0, 400, 120)),
        cell(1, 0, 2, (0, 40, 100, 120)),
        cell(2, 1, 1, (100, 84, 200, 120)),
        cell(2, 2, 1, (200, 82, 300, 120)),
    ];
    let kinds = vec![Text, Text, Text, Text, Number, Number];
    let grid = grid_of(cells);
    let (split, split_kinds) = split_stacked_labels(&grid, &kinds).expect("a cell to cut");
    assert_eq!(
        text_cells(&split, &split_kinds),
        vec![
            (0, 1, 2, PixelBox::from_corners(100, 0, 200, 80)),
            (0, 2, 2, PixelBox::from_corners(200, 0, 300, 80)),
            (0, 3, 2, PixelBox::from_corners(300, 0, 400, 82)),
            (2, 3, 1, PixelBox::from_corners(300, 82, 400, 120)),
            (1, 0, 2, PixelBox::from_corners(0, 40, 100, 120)),
        ]
    );
    assert!(split_stacked_labels(&split, &split_kinds).is_none());
}

#[test]
fn values_placed_by_order_after_a_loss_are_never_sure() {
    let confidences = |n: usize| {
        let reviews = vec![("".to_string(), (0..n).map(|k| k.to_string()).collect())];
        let out = map_tables(&[table(4, &as_rows(&reviews))]);
        out.iter()
            .flat_map(|t| t.cells.iter())
            .map(|c| (c.confidence_in_place(), c.doubt.is_some()))
            .collect::<Vec<_>>()
    };
    assert!(confidences(15).iter().all(|&(p, doubt)| p > 0.9 && !doubt));
    let short = confidences(14);
    assert_eq!(short.len(), 14);
    assert!(short.iter().all(|&(p, doubt)| p <= 0.5 && doubt));
}

#[test]
fn two_values_run_together_fill_a_short_row_and_stand_in_their_columns() {
    // Fifteen review values, of which "3" and "12" came out of one cell: the rule
    // between them was lost, and the reader saw a wide gap.
    let mut texts: Vec<String> = (0..15).map(|k| k.to_string()).collect();
    texts.splice(3..5, ["3 4".to_string()]);
    let reviews = vec![("".to_string(), texts)];
    let mut t = table(4, &as_rows(&reviews));
    for c in t.cells.iter_mut() {
        c.reading.symbols = sure_symbols(&c.reading.text);
    }
    let out = map_tables(&[t]);
    let cells: Vec<&Cell> = out.iter().flat_map(|t| t.cells.iter()).collect();
    assert_eq!(cells.len(), 15);
    assert!(cells.iter().all(|c| c.doubt.is_none()));
    let at = |row: &str, col: &str| value(&out, "reviews_litigation", row, col);
    assert_eq!(at("administrative_review", "pending").as_deref(), Some("3"));
    assert_eq!(at("administrative_review", "total").as_deref(), Some("4"));
    assert_eq!(
        at("litigation_after_review", "total").as_deref(),
        Some("14")
    );
    // Each has its share of the merged cell's box.
    let pending = cells.iter().find(|c| c.col == "pending").unwrap();
    let total = cells.iter().find(|c| c.col == "total").unwrap();
    assert_eq!(pending.bbox.x1, total.bbox.x0);
}

#[test]
fn a_lost_rule_read_as_1_between_two_values_cuts_a_double_cell_but_a_number_stays() {
    let read = |merged: &str, wide: bool| {
        // Fourteen review cells: two zeros came out as one cell as wide as two.
        let mut texts: Vec<String> = vec!["0".to_string(); 14];
        texts[5] = merged.to_string();
        let mut t = table(4, &as_rows(&[("".to_string(), texts)]));
        for c in t.cells.iter_mut() {
            c.reading.symbols = sure_symbols(&c.reading.text);
            if wide && c.reading.text == merged {
                c.grid.bbox.x1 += 100;
            }
        }
        let out = map_tables(&[t]);
        out.iter()
            .flat_map(|t| t.cells.iter())
            .map(|c| (c.text.clone(), c.doubt.is_none()))
            .collect::<Vec<_>>()
    };
    for merged in ["010", "0.0"] {
        let cut = read(merged, true);
        assert_eq!(cut.len(), 15);
        assert!(cut.iter().all(|(text, sure)| text == "0" && *sure));
    }
    // A number as printed, or a cell of the usual width, is no such pair.
    assert!(read("101", true).iter().any(|(text, _)| text == "101"));
    assert!(read("010", false).iter().any(|(text, _)| text == "010"));
}

#[test]
fn a_heading_over_a_row_whose_label_was_lost_does_not_name_it() {
    let mut apps = printed(&APPLICATIONS_2021, |l| l.to_string(), |i| i.to_string());
    let index = |id: &str| row_index(&APPLICATIONS_2021, id);
    let (first, total, forward) = (
        index("disclosed"),
        index("results_total"),
        index("carried_forward"),
    );
    apps[total].0 = String::new();
    apps[forward].0 = "级线@#".into();
    // A stroke of the next table's heading read as a lone digit fits no row.
    apps.push(("行政复议".into(), vec!["8".into()]));
    let mut t = table(1, &as_rows(&apps));
    for c in &mut t.cells {
        c.grid.col += 1;
    }
    t.n_cols += 1;
    let mut heading = t.cells[0].clone();
    heading.grid = GridCell {
        row: first,
        col: 0,
        row_span: total - first + 1,
        col_span: 1,
        bbox: PixelBox::from_corners(0, first as i32 * 40, 100, (total + 1) as i32 * 40),
    };
    heading.reading.text = "三、本年度办理结果".into();
    t.cells.push(heading);
    // The review table after it closes the run of rows that are placed by order.
    let reviews = vec![("", (0..15).map(|_| "0").collect::<Vec<_>>())];
    let out = map_tables(&[t, table(2, &reviews)]);
    let cell = |row: &str| {
        out[0]
            .cells
            .iter()
            .find(|c| c.row == row && c.col == "natural_person")
            .unwrap_or_else(|| panic!("{row} placed"))
    };
    for (row, i) in [("results_total", total), ("carried_forward", forward)] {
        assert_eq!(
            cell(row).value.as_ref().map(|v| v.to_string()),
            Some(i.to_string())
        );
        assert!(cell(row).confidence_in_place() <= 0.5);
    }
}

#[test]
fn a_review_header_row_carried_over_a_page_break_is_not_the_data_row() {
    // The header's last line opens the next page: five empty cells over the review
    // columns, then "维持 纠正 结果 审结" and an empty total, twice.
    let heads = ["", "", "", "", "", "维持", "纠正", "结果", "审结", ""];
    let mut header: Vec<&str> = heads.to_vec();
    header.extend(&heads[5..]);
    let data: Vec<String> = (0..15).map(|k| k.to_string()).collect();
    let mut t = table(
        3,
        &[
            ("", header),
            ("", data.iter().map(String::as_str).collect()),
        ],
    );
    for c in t.cells.iter_mut().filter(|c| c.grid.row == 0) {
        if !c.reading.text.is_empty() {
            c.kind = ReadKind::Text;
        }
    }
    let out = map_tables(&[t]);
    let at = |row: &str, col: &str| value(&out, "reviews_litigation", row, col);
    assert_eq!(at("administrative_review", "upheld").as_deref(), Some("0"));
    assert_eq!(at("litigation_direct", "upheld").as_deref(), Some("5"));
    assert_eq!(
        at("litigation_after_review", "total").as_deref(),
        Some("14")
    );
}

#[test]
fn a_review_row_with_three_lost_column_rules_is_still_the_review_row() {
    // Twelve cells: three of them hold two values each, their rule faded away.
    let mut texts: Vec<String> = (0..15).map(|k| k.to_string()).collect();
    for at in [1, 5, 10] {
        let pair = format!("{} {}", texts[at], texts[at + 1]);
        texts.splice(at..at + 2, [pair]);
    }
    assert_eq!(texts.len(), 12);
    let mut t = table(4, &as_rows(&[("".to_string(), texts)]));
    for c in t.cells.iter_mut() {
        c.reading.symbols = sure_symbols(&c.reading.text);
    }
    let out = map_tables(&[t]);
    let at = |row: &str, col: &str| value(&out, "reviews_litigation", row, col);
    assert_eq!(
        at("administrative_review", "corrected").as_deref(),
        Some("1")
    );
    assert_eq!(
        at("litigation_after_review", "other").as_deref(),
        Some("12")
    );
    assert_eq!(
        at("litigation_after_review", "total").as_deref(),
        Some("14")
    );
}

#[test]
fn a_value_swallowed_by_its_label_cell_is_recovered_but_doubted() {
    let mut apps = printed(&APPLICATIONS_2021, |l| l.to_string(), |i| i.to_string());
    let at = row_index(&APPLICATIONS_2021, "withheld_state_secret");
    // The rule between the label and the first value faded: one cell reads both.
    apps[at].0 = format!("{}      {at}", apps[at].0);
    apps[at].1.remove(0);
    let out = map_tables(&[table(1, &as_rows(&apps))]);
    let cell = |col: &str| {
        out[0]
            .cells
            .iter()
            .find(|c| c.row == "withheld_state_secret" && c.col == col)
            .unwrap_or_else(|| panic!("{col} placed"))
    };
    let first = cell("natural_person");
    assert_eq!(
        first.value.as_ref().map(|v| v.to_string()),
        Some(at.to_string())
    );
    assert!(first.confidence_in_place() <= 0.5);
    assert_eq!(
        cell("total").value.as_ref().map(|v| v.to_string()),
        Some(at.to_string())
    );
    // A label too faint to read but for the value it took in still gives the value,
    // its row placed by order.
    apps[at].0 = at.to_string();
    let out = map_tables(&[table(1, &as_rows(&apps))]);
    let first = (out[0].cells.iter())
        .find(|c| c.row == "withheld_state_secret" && c.col == "natural_person")
        .expect("value recovered");
    assert_eq!(
        first.value.as_ref().map(|v| v.to_string()),
        Some(at.to_string())
    );
    assert!(first.confidence_in_place() <= 0.5);
    // A label whose last word is no number gives nothing.
    apps[at].0 = "1.属于国家秘密".into();
    let out = map_tables(&[table(1, &as_rows(&apps))]);
    assert!(!out[0]
        .cells
        .iter()
        .any(|c| c.row == "withheld_state_secret" && c.col == "natural_person"));
}

#[test]
fn values_run_together_around_a_speck_and_read_as_text_are_still_split() {
    let mut active = printed(&ACTIVE_2021, |l| l.to_string(), |_| "0".to_string());
    let rules = row_index(&ACTIVE_2021, "rules");
    let n = active[rules].1.len();
    // The rule between the last two columns was lost and a speck of dust sat between
    // their values; the merged cell was read as text, which gives no symbols.
    active[rules].1.truncate(n - 2);
    active[rules].1.push("7      .    9".into());
    let mut t = table(1, &as_rows(&active));
    // As printed: the label cell ends where it always does, the merged cell is two wide.
    let row = t
        .cells
        .iter()
        .find(|c| c.reading.text.contains('.'))
        .unwrap()
        .grid
        .row;
    for c in t.cells.iter_mut().filter(|c| c.grid.row == row) {
        let b = c.grid.bbox;
        c.grid.bbox = match (c.grid.col, c.reading.text.contains('.')) {
            (0, _) => PixelBox::from_corners(b.x0, b.y0, b.x1 - 100, b.y1),
            (_, true) => PixelBox::from_corners(b.x0 - 100, b.y0, b.x1, b.y1),
            _ => PixelBox::from_corners(b.x0 - 100, b.y0, b.x1 - 100, b.y1),
        };
    }
    let out = map_tables(&[t]);
    let at = |col: &str| value(&out, "active_disclosure", "rules", col);
    let cols: Vec<&str> = ACTIVE_2021
        .rows()
        .nth(rules)
        .unwrap()
        .cols
        .iter()
        .map(|c| c.0)
        .collect();
    assert_eq!(at(cols[n - 2]).as_deref(), Some("7"));
    assert_eq!(at(cols[n - 1]).as_deref(), Some("9"));
}

#[test]
fn review_values_after_a_loss_keep_the_columns_their_places_show() {
    // The first two values were lost into the heading cell above them: the thirteen
    // left sit in the last thirteen of fifteen equal columns.
    let texts: Vec<String> = (2..15).map(|k| k.to_string()).collect();
    let mut t = table(4, &as_rows(&[("".to_string(), texts)]));
    let at_box = |col: i32, row: i32, cols: i32, rows: i32| {
        PixelBox::from_corners(col * 100, row * 40, (col + cols) * 100, (row + rows) * 40)
    };
    for c in t.cells.iter_mut() {
        c.grid.col += 1;
        c.grid.row = 1;
        c.grid.bbox = at_box(c.grid.col as i32, 1, 1, 1);
    }
    // The label cell becomes the heading over the first two columns, reaching down
    // into the values' row.
    let heading = &mut t.cells[0];
    heading.grid = GridCell {
        row: 0,
        col: 0,
        row_span: 2,
        col_span: 2,
        bbox: at_box(0, 0, 2, 2),
    };
    heading.reading.text = "结果维持 结果纠正".into();
    t.n_rows = 2;
    t.n_cols = 15;
    let out = map_tables(&[t]);
    let at = |row: &str, col: &str| value(&out, "reviews_litigation", row, col);
    assert_eq!(at("administrative_review", "upheld"), None);
    assert_eq!(at("administrative_review", "other").as_deref(), Some("2"));
    assert_eq!(
        at("litigation_after_review", "total").as_deref(),
        Some("14")
    );
}

#[test]
fn an_unnamed_row_whose_values_ran_together_is_still_placed_by_order() {
    let mut apps = printed(&APPLICATIONS_2021, |l| l.to_string(), |i| i.to_string());
    let total = row_index(&APPLICATIONS_2021, "results_total");
    apps[total].0 = String::new();
    let v = total.to_string();
    let merged = format!("{v} {v}");
    apps[total].1.splice(0..2, [merged.clone()]);
    let mut t = table(1, &as_rows(&apps));
    for c in t.cells.iter_mut() {
        c.reading.symbols = sure_symbols(&c.reading.text);
        // As printed, the label cell keeps its width and the merged one is two wide.
        let b = c.grid.bbox;
        if c.reading.text == merged {
            c.grid.bbox = PixelBox::from_corners(b.x0 - 100, b.y0, b.x1, b.y1);
        } else if c.grid.row == total && c.grid.col == 0 {
            c.grid.bbox = PixelBox::from_corners(b.x0, b.y0, b.x1 - 100, b.y1);
        }
    }
    let out = map_tables(&[t]);
    for col in ["natural_person", "commercial_enterprise", "total"] {
        let cell = out[0]
            .cells
            .iter()
            .find(|c| c.row == "results_total" && c.col == col)
            .unwrap_or_else(|| panic!("{col} placed"));
        assert_eq!(cell.value.as_ref().map(|x| x.to_string()), Some(v.clone()));
        assert!(cell.confidence_in_place() <= 0.5);
    }
}

#[test]
fn a_value_at_the_foot_of_a_heading_reaching_into_the_review_row_is_recovered() {
    // The first column's heading and its value became one cell: their rule faded.
    let texts: Vec<String> = (1..15).map(|k| k.to_string()).collect();
    let mut t = table(4, &as_rows(&[("结\n果\n维\n持\n0".to_string(), texts)]));
    for c in t.cells.iter_mut() {
        c.reading.symbols = sure_symbols(&c.reading.text);
    }
    let out = map_tables(&[t]);
    let cells: Vec<&Cell> = out.iter().flat_map(|t| t.cells.iter()).collect();
    assert_eq!(cells.len(), 15);
    let upheld = (cells.iter())
        .find(|c| c.row == "administrative_review" && c.col == "upheld")
        .expect("recovered");
    assert_eq!(upheld.text, "0");
    assert!(upheld.confidence_in_place() <= 0.5);
    let at = |row: &str, col: &str| value(&out, "reviews_litigation", row, col);
    assert_eq!(
        at("litigation_after_review", "total").as_deref(),
        Some("14")
    );
}

#[test]
fn a_value_level_with_the_first_line_of_a_wrapped_label_is_recovered() {
    let mut apps = printed(&APPLICATIONS_2021, |l| l.to_string(), |i| i.to_string());
    let at = row_index(&APPLICATIONS_2021, "withheld_prohibited_by_law");
    apps[at].0 = format!("2.其他法律行政法规禁止 {at}，\n公开");
    apps[at].1.remove(0);
    let out = map_tables(&[table(1, &as_rows(&apps))]);
    let first = (out[0].cells.iter())
        .find(|c| c.row == "withheld_prohibited_by_law" && c.col == "natural_person")
        .expect("value recovered");
    assert_eq!(
        first.value.as_ref().map(|v| v.to_string()),
        Some(at.to_string())
    );
}

#[test]
fn a_value_under_a_column_heading_whose_rule_faded_is_recovered() {
    // Fourteen review values read; the fifteenth shares a cell with its heading 总计.
    let texts: Vec<String> = (0..14).map(|k| k.to_string()).collect();
    let mut t = table(4, &as_rows(&[("".to_string(), texts)]));
    for c in t.cells.iter_mut() {
        c.grid.row = 1;
        c.grid.bbox = PixelBox::from_corners(c.grid.bbox.x0, 40, c.grid.bbox.x1, 80);
        c.reading.symbols = sure_symbols(&c.reading.text);
    }
    let mut head = t.cells[1].clone();
    head.kind = ReadKind::Text;
    head.grid = GridCell {
        row: 0,
        col: 15,
        row_span: 2,
        col_span: 1,
        bbox: PixelBox::from_corners(1500, 0, 1600, 80),
    };
    head.reading = Reading {
        text: "总\n计\n[0".into(),
        confidence: 0.9,
        symbols: Vec::new(),
        from_text_layer: false,
    };
    t.cells.push(head);
    t.n_rows = 2;
    t.n_cols = 16;
    let out = map_tables(&[t]);
    let cells: Vec<&Cell> = out.iter().flat_map(|t| t.cells.iter()).collect();
    assert_eq!(cells.len(), 15);
    let total = (cells.iter())
        .find(|c| c.row == "litigation_after_review" && c.col == "total")
        .expect("recovered");
    assert_eq!(total.text, "0");
    assert!(total.confidence_in_place() <= 0.5);
    let at = |row: &str, col: &str| value(&out, "reviews_litigation", row, col);
    assert_eq!(at("administrative_review", "upheld").as_deref(), Some("0"));
}

/// The applications table of 2021 with the labels of rows `unread` left unread and
/// those of `garbled` read as noise; row `i` holds `i`.
fn applications_reading(unread: &[usize], garbled: &[usize]) -> Vec<ReadTable> {
    let mut apps = printed(&APPLICATIONS_2021, |l| l.to_string(), |i| i.to_string());
    for &i in unread {
        apps[i].0 = labels::unread();
    }
    for &i in garbled {
        apps[i].0 = "瀑@#".into();
    }
    vec![table(1, &as_rows(&apps))]
}

#[test]
fn rows_left_unread_between_rows_read_are_named_by_their_place_and_sure() {
    let last = APPLICATIONS_2021.rows().count() - 1;
    // Every other one left unread, as the engine leaves them.
    let unread: Vec<usize> = (1..last).filter(|i| i % 2 == 1).collect();
    let mapping = map_naming_unread(&applications_reading(&unread, &[]), None);
    assert!(mapping.unnamed.is_empty());
    let cells = &mapping.tables[0].cells;
    assert_eq!(cells.len(), (last + 1) * 7);
    for (i, row) in APPLICATIONS_2021.rows().enumerate() {
        let total = (cells.iter())
            .find(|c| c.row == row.id && c.col == "total")
            .expect("every row mapped");
        assert_eq!(
            total.value.as_ref().map(|v| v.to_string()),
            Some(i.to_string())
        );
        assert_eq!(total.doubt, None, "{}", row.id);
    }
}

#[test]
fn a_row_left_unread_beside_a_label_read_as_noise_is_not_named_by_its_place() {
    let read = applications_reading(&[5, 6], &[7]);
    let mapping = map_naming_unread(&read, None);
    // Both unread rows reach the noise before a read label below them.
    let label_box = |row: usize| {
        let c = read[0]
            .cells
            .iter()
            .find(|c| c.grid.row == row && c.grid.col == 0);
        (1, c.unwrap().grid.bbox)
    };
    assert_eq!(mapping.unnamed, [label_box(5), label_box(6)]);
    // Placed by order all the same, and doubted, as a row with an unreadable label is.
    let by_order = |row: &str| {
        (mapping.tables[0].cells.iter())
            .find(|c| c.row == row && c.col == "total")
            .and_then(|c| c.doubt)
    };
    for row in [
        "withheld_prohibited_by_law",
        "withheld_security_stability",
        "withheld_third_party",
    ] {
        assert_eq!(by_order(row), Some(Doubt::RowByOrder), "{row}");
    }
}

#[test]
fn a_row_left_unread_that_order_cannot_place_is_not_named() {
    // A row split in two by a stray rule: one printed row more than the format has
    // between the labels read, so order places neither.
    let mut apps = printed(&APPLICATIONS_2021, |l| l.to_string(), |i| i.to_string());
    apps[4].0 = labels::unread();
    apps.insert(4, ("公开申请".into(), vec![String::new(); 7]));
    let read = vec![table(1, &as_rows(&apps))];
    let mapping = map_naming_unread(&read, None);
    assert_eq!(mapping.unnamed.len(), 1);
    assert!(!(mapping.tables[0].cells.iter()).any(|c| c.row == "withheld_state_secret"));
}

#[test]
fn rows_printed_out_of_the_formats_order_leave_a_row_left_unread_unnamed() {
    // Rows 5 and 6 printed swapped; the label at 5 left unread, the one at 6 (row 5's
    // own) read: it cannot stand after the row its place would name.
    let mut apps = printed(&APPLICATIONS_2021, |l| l.to_string(), |i| i.to_string());
    apps.swap(5, 6);
    apps[5].0 = labels::unread();
    let read = vec![table(1, &as_rows(&apps))];
    let mapping = map_naming_unread(&read, None);
    let label = (read[0].cells.iter()).find(|c| c.grid.row == 5 && c.grid.col == 0);
    assert_eq!(mapping.unnamed, [(1, label.unwrap().grid.bbox)]);
}

/// A table's last row carried alone onto the next page, its last value's cell lost
/// with its rules: its values stand under the columns of the page before, so each
/// keeps its own column and the lost one is the one missing, not the first.
#[test]
fn a_row_alone_on_a_page_takes_the_columns_of_the_table_before_it() {
    let mut apps = printed(&APPLICATIONS_2021, |l| l.to_string(), |_| "0".into());
    let (last_label, _) = apps.pop().unwrap();
    let carried: Vec<String> = (1..=6).map(|v| v.to_string()).collect();
    let alone = [(last_label, carried)];
    let read = vec![table(2, &as_rows(&apps)), table(3, &as_rows(&alone))];
    let out = map_tables(&read);
    let carried_forward = |col| value(&out, "applications", "carried_forward", col);
    assert_eq!(carried_forward("natural_person").as_deref(), Some("1"));
    assert_eq!(carried_forward("other_org").as_deref(), Some("6"));
    assert_eq!(carried_forward("total"), None);
}

/// The doubt on row `row`'s total in `mapping`'s applications table.
fn doubt_on(mapping: &Mapping, row: &str) -> Option<Option<Doubt>> {
    (mapping.tables.iter())
        .filter(|t| t.id == "applications")
        .flat_map(|t| t.cells.iter())
        .find(|c| c.row == row && c.col == "total")
        .map(|c| c.doubt)
}

#[test]
fn a_label_cut_to_what_two_rows_share_is_seated_beside_the_next_and_doubted() {
    // A stray rule cut the first two labels: what is left of the second is the end
    // both rows share, and the first is too little to match anything.
    let mut apps = printed(&APPLICATIONS_2021, |l| l.to_string(), |i| i.to_string());
    apps[0].0 = format!("育信息公开申{}", labels::UNREAD_REST);
    apps[1].0 = "他信息公开申请数量".into();
    let mapping = map_naming_unread(&[table(1, &as_rows(&apps))], None);
    let placed: Vec<&str> = ["new_received", "carried_over"]
        .into_iter()
        .filter(|row| doubt_on(&mapping, row).is_some())
        .collect();
    // The row right before 予以公开 is the second, as printed; still a guess.
    assert_eq!(placed, ["carried_over"], "one row of values for two rows");
    assert_eq!(
        doubt_on(&mapping, placed[0]),
        Some(Some(Doubt::RowLabelAmbiguous))
    );
    assert_eq!(doubt_on(&mapping, "disclosed"), Some(None));
}

/// The applications table of 2021 with the labels of rows `shared` read as one cell
/// beside them all (the rules between them lost), and row `garbled`'s read as noise.
fn sharing_one_label(shared: std::ops::Range<usize>, garbled: usize) -> Vec<ReadTable> {
    let mut apps = printed(&APPLICATIONS_2021, |l| l.to_string(), |i| i.to_string());
    apps[garbled].0 = "瀑@#".into();
    let mut t = table(1, &as_rows(&apps));
    let text: Vec<String> = shared.clone().map(|r| apps[r].0.clone()).collect();
    t.cells
        .retain(|c| c.grid.col > 0 || c.grid.row <= shared.start || c.grid.row >= shared.end);
    let label = (t.cells.iter_mut())
        .find(|c| c.grid.col == 0 && c.grid.row == shared.start)
        .expect("the first shared row's label");
    label.grid.row_span = shared.len();
    label.grid.bbox.y1 += 40 * (shared.len() as i32 - 1);
    label.reading.text = text.join("\n");
    vec![t]
}

#[test]
fn one_label_cell_beside_two_rows_names_them_only_by_their_place() {
    let rows: Vec<&str> = APPLICATIONS_2021.rows().map(|r| r.id).collect();
    // Rows 9 and 10 between rows whose labels name them: order names both.
    let mapping = map_naming_unread(&sharing_one_label(9..11, 20), None);
    assert_eq!(doubt_on(&mapping, rows[9]), Some(None));
    assert_eq!(doubt_on(&mapping, rows[10]), Some(None));
    // The row after them read as noise: nothing but the shared label names them.
    let mapping = map_naming_unread(&sharing_one_label(9..11, 11), None);
    for row in &rows[9..11] {
        assert_eq!(
            doubt_on(&mapping, row),
            Some(Some(Doubt::RowLabelAmbiguous)),
            "{row}"
        );
    }
}

#[test]
fn a_numbering_cut_off_left_of_its_label_and_read_as_a_digit_is_no_value() {
    let apps = printed(&APPLICATIONS_2021, |l| l.to_string(), |i| i.to_string());
    let mut t = table(1, &as_rows(&apps));
    // Every label two columns wide; in the first row a stray rule cut 一、 off its
    // label into the first column, where it was read as the digit 2.
    for c in &mut t.cells {
        if c.grid.col == 0 {
            c.grid.col_span += 1;
        } else {
            c.grid.col += 1;
        }
        c.grid.bbox = PixelBox::from_corners(
            c.grid.col as i32 * 100,
            c.grid.bbox.y0,
            (c.grid.col + c.grid.col_span) as i32 * 100,
            c.grid.bbox.y1,
        );
    }
    t.n_cols += 1;
    let label = (t.cells.iter_mut())
        .find(|c| c.grid.row == 0 && c.grid.col == 0)
        .expect("the first row's label");
    label.grid.col = 1;
    label.grid.col_span = 1;
    label.grid.bbox.x0 = 100;
    let mut numbering = label.clone();
    numbering.grid.col = 0;
    numbering.grid.bbox = PixelBox::from_corners(0, 0, 100, 40);
    numbering.kind = ReadKind::Number;
    numbering.reading.text = "2".into();
    t.cells.push(numbering);
    let out = map_tables(&[t]);
    let at = |col| value(&out, "applications", "new_received", col);
    assert_eq!(at("natural_person").as_deref(), Some("0"));
    assert_eq!(at("total").as_deref(), Some("0"));
}
