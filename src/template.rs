//! Template: the national format's tables, rows, columns and printed labels, for the
//! 2019 and 2021 versions — the ids of `report-model.md`, as data.

/// Which national format a table follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Template {
    Y2019,
    Y2021,
}

impl Template {
    pub fn as_str(self) -> &'static str {
        match self {
            Template::Y2019 => "2019",
            Template::Y2021 => "2021",
        }
    }

    /// The version named as in the JSON output ("2019", "2021").
    pub fn parse(name: &str) -> Option<Template> {
        [Template::Y2019, Template::Y2021]
            .into_iter()
            .find(|t| t.as_str() == name)
    }

    /// Whether a report on `year` can be printed in this version: the 2021 format
    /// (国办公开办函〔2021〕30号) came after the reports on 2020 were due.
    pub fn possible_for(self, year: Option<i32>) -> bool {
        match (self, year) {
            (Template::Y2021, Some(y)) => y >= 2021,
            _ => true,
        }
    }
}

/// How a column's printed values are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Count,
    /// Money: a decimal whose printed digits are all kept.
    Amount,
}

/// One row of the model: its id, the printed label variants of its own (innermost)
/// label cell, and its columns in printed order.
#[derive(Debug)]
pub struct RowSpec {
    pub id: &'static str,
    pub labels: &'static [&'static str],
    pub cols: &'static [(&'static str, ValueKind)],
}

#[derive(Debug)]
pub struct TableSpec {
    pub id: &'static str,
    pub template: Template,
    /// The rows in printed order, in groups so the versions share what they share.
    pub rows: &'static [&'static [RowSpec]],
}

impl TableSpec {
    pub fn rows(&self) -> impl Iterator<Item = &'static RowSpec> {
        self.rows.iter().flat_map(|g| g.iter())
    }
}

use ValueKind::{Amount, Count};

const DOC_COLS_2021: &[(&str, ValueKind)] =
    &[("issued", Count), ("repealed", Count), ("in_force", Count)];
const DOC_COLS_2019: &[(&str, ValueKind)] = &[
    ("new_made", Count),
    ("new_published", Count),
    ("total_published", Count),
];
const ITEM_COLS_2019: &[(&str, ValueKind)] = &[
    ("previous_year", Count),
    ("change", Count),
    ("decisions", Count),
];
const DECISIONS: &[(&str, ValueKind)] = &[("decisions", Count)];

pub const ACTIVE_2021: TableSpec = TableSpec {
    id: "active_disclosure",
    template: Template::Y2021,
    rows: &[&[
        RowSpec {
            id: "rules",
            labels: &["规章"],
            cols: DOC_COLS_2021,
        },
        RowSpec {
            id: "normative_documents",
            labels: &["行政规范性文件", "规范性文件"],
            cols: DOC_COLS_2021,
        },
        RowSpec {
            id: "administrative_license",
            labels: &["行政许可"],
            cols: DECISIONS,
        },
        RowSpec {
            id: "administrative_penalty",
            labels: &["行政处罚"],
            cols: DECISIONS,
        },
        RowSpec {
            id: "administrative_coercion",
            labels: &["行政强制"],
            cols: DECISIONS,
        },
        RowSpec {
            id: "administrative_fees",
            labels: &["行政事业性收费"],
            cols: &[("amount", Amount)],
        },
    ]],
};

pub const ACTIVE_2019: TableSpec = TableSpec {
    id: "active_disclosure",
    template: Template::Y2019,
    rows: &[&[
        RowSpec {
            id: "rules",
            labels: &["规章"],
            cols: DOC_COLS_2019,
        },
        RowSpec {
            id: "normative_documents",
            labels: &["规范性文件", "行政规范性文件"],
            cols: DOC_COLS_2019,
        },
        RowSpec {
            id: "administrative_license",
            labels: &["行政许可"],
            cols: ITEM_COLS_2019,
        },
        RowSpec {
            id: "other_management_services",
            labels: &["其他对外管理服务事项"],
            cols: ITEM_COLS_2019,
        },
        RowSpec {
            id: "administrative_penalty",
            labels: &["行政处罚"],
            cols: ITEM_COLS_2019,
        },
        RowSpec {
            id: "administrative_coercion",
            labels: &["行政强制"],
            cols: ITEM_COLS_2019,
        },
        RowSpec {
            id: "administrative_fees",
            labels: &["行政事业性收费"],
            cols: &[("previous_year", Count), ("change", Count)],
        },
        RowSpec {
            id: "government_procurement",
            labels: &["政府集中采购"],
            cols: &[("items", Count), ("amount", Amount)],
        },
    ]],
};

/// The applicant columns of table `applications`, in printed order.
pub const APPLICANT_COLS: &[(&str, ValueKind)] = &[
    ("natural_person", Count),
    ("commercial_enterprise", Count),
    ("research_institution", Count),
    ("social_welfare_org", Count),
    ("legal_service_org", Count),
    ("other_org", Count),
    ("total", Count),
];

macro_rules! app_rows {
    ($($id:literal => [$($label:literal),+]),+ $(,)?) => {
        &[$(RowSpec { id: $id, labels: &[$($label),+], cols: APPLICANT_COLS }),+]
    };
}

/// The rows both versions share, from 本年新收 to the last 不予处理 row.
const APPLICATION_ROWS_SHARED: &[RowSpec] = app_rows![
    "new_received" => ["本年新收政府信息公开申请数量"],
    "carried_over" => ["上年结转政府信息公开申请数量"],
    "disclosed" => ["予以公开"],
    "partially_disclosed" => ["部分公开区分处理的只计这一情形不计其他情形"],
    "withheld_state_secret" => ["属于国家秘密"],
    "withheld_prohibited_by_law" => ["其他法律行政法规禁止公开"],
    "withheld_security_stability" => ["危及三安全一稳定"],
    "withheld_third_party" => ["保护第三方合法权益"],
    "withheld_internal_affairs" => ["属于三类内部事务信息"],
    "withheld_process_info" => ["属于四类过程性信息"],
    "withheld_enforcement_files" => ["属于行政执法案卷"],
    "withheld_query_matter" => ["属于行政查询事项"],
    "unavailable_not_held" => ["本机关不掌握相关政府信息"],
    "unavailable_needs_creation" => ["没有现成信息需要另行制作"],
    "unavailable_unclear" => ["补正后申请内容仍不明确"],
    "not_processed_petition" => ["信访举报投诉类申请"],
    "not_processed_repeated" => ["重复申请"],
    "not_processed_publication" => ["要求提供公开出版物"],
    "not_processed_mass_repeated" => ["无正当理由大量反复申请"],
    "not_processed_confirmation" => ["要求行政机关确认或重新出具已获取信息"],
];

const APPLICATION_ROWS_CLOSING: &[RowSpec] = app_rows![
    "results_total" => ["总计"],
    "carried_forward" => ["结转下年度继续办理"],
];

pub const APPLICATIONS_2021: TableSpec = TableSpec {
    id: "applications",
    template: Template::Y2021,
    rows: &[
        APPLICATION_ROWS_SHARED,
        app_rows![
            "other_no_correction" => ["申请人无正当理由逾期不补正行政机关不再处理其政府信息公开申请"],
            "other_unpaid_fee" => ["申请人逾期未按收费通知要求缴纳费用行政机关不再处理其政府信息公开申请"],
            "other_other" => ["其他"],
        ],
        APPLICATION_ROWS_CLOSING,
    ],
};

pub const APPLICATIONS_2019: TableSpec = TableSpec {
    id: "applications",
    template: Template::Y2019,
    rows: &[
        APPLICATION_ROWS_SHARED,
        app_rows!["other" => ["其他处理"]],
        APPLICATION_ROWS_CLOSING,
    ],
};

/// The rows and columns of table `reviews_litigation`; printed as one row of fifteen.
pub const REVIEW_ROWS: &[&str] = &[
    "administrative_review",
    "litigation_direct",
    "litigation_after_review",
];
pub const REVIEW_COLS: &[&str] = &["upheld", "corrected", "other", "pending", "total"];

pub fn active_specs() -> [&'static TableSpec; 2] {
    [&ACTIVE_2021, &ACTIVE_2019]
}

pub fn application_specs() -> [&'static TableSpec; 2] {
    [&APPLICATIONS_2021, &APPLICATIONS_2019]
}

/// Every printed variant of every row label of the two versions' tables 2 and 3, every
/// column's heading and table 4's group headings: what a table of the format has in
/// its text cells.
pub fn label_variants() -> Vec<&'static str> {
    (row_labels().into_iter())
        .chain(COL_LABELS.iter().map(|l| l.1))
        .chain(REVIEW_HEADINGS)
        .collect()
}

/// Every printed variant of every row label of the format's tables.
pub fn row_labels() -> Vec<&'static str> {
    active_specs()
        .into_iter()
        .chain(application_specs())
        .flat_map(|s| s.rows())
        .flat_map(|r| r.labels.iter().copied())
        .collect()
}

/// The headings over table 4's groups of columns.
const REVIEW_HEADINGS: [&str; 4] = ["行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉"];

/// One cell the format prints, named by the model's static ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellSpec {
    pub table: &'static str,
    pub row: &'static str,
    pub col: &'static str,
    pub kind: ValueKind,
}

/// The cell `table`.`row`.`col` in either version of the format; `None` for ids the
/// model does not have (an archive's text turned back into the model's ids).
pub fn cell_spec(table: &str, row: &str, col: &str) -> Option<CellSpec> {
    if table == "reviews_litigation" {
        let row = REVIEW_ROWS.iter().find(|r| **r == row)?;
        let col = REVIEW_COLS.iter().find(|c| **c == col)?;
        return Some(CellSpec {
            table: "reviews_litigation",
            row,
            col,
            kind: Count,
        });
    }
    active_specs()
        .into_iter()
        .chain(application_specs())
        .filter(|s| s.id == table)
        .flat_map(|s| s.rows().map(move |r| (s.id, r)))
        .filter(|(_, r)| r.id == row)
        .find_map(|(t, r)| {
            r.cols.iter().find(|c| c.0 == col).map(|c| CellSpec {
                table: t,
                row: r.id,
                col: c.0,
                kind: c.1,
            })
        })
}

/// How a person names a row: its printed label.
pub fn row_label(table: &str, row: &str) -> &'static str {
    const REVIEW_LABELS: [&str; 3] = [
        "行政复议",
        "行政诉讼·未经复议直接起诉",
        "行政诉讼·复议后起诉",
    ];
    if table == "reviews_litigation" {
        return REVIEW_ROWS
            .iter()
            .position(|r| *r == row)
            .map_or("", |i| REVIEW_LABELS[i]);
    }
    active_specs()
        .into_iter()
        .chain(application_specs())
        .filter(|s| s.id == table)
        .flat_map(|s| s.rows())
        .find(|r| r.id == row)
        .map_or("", |r| r.labels[0])
}

/// How a person names a column: its printed heading.
pub fn col_label(col: &str) -> &'static str {
    COL_LABELS.iter().find(|l| l.0 == col).map_or("", |l| l.1)
}

/// Each column id and its printed heading.
const COL_LABELS: &[(&str, &str)] = &[
    ("issued", "本年制发件数"),
    ("repealed", "本年废止件数"),
    ("in_force", "现行有效件数"),
    ("new_made", "本年新制作数量"),
    ("new_published", "本年新公开数量"),
    ("total_published", "对外公开总数量"),
    ("previous_year", "上一年项目数量"),
    ("change", "本年增/减"),
    ("decisions", "处理决定数量"),
    ("amount", "金额"),
    ("items", "采购项目数量"),
    ("natural_person", "自然人"),
    ("commercial_enterprise", "商业企业"),
    ("research_institution", "科研机构"),
    ("social_welfare_org", "社会公益组织"),
    ("legal_service_org", "法律服务机构"),
    ("other_org", "其他"),
    ("total", "总计"),
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
];

/// Every (row, col) the format prints in table `id` of template `template`; empty for
/// a table or template the format does not have.
pub fn expected_cells(id: &str, template: &str) -> Vec<(&'static str, &'static str)> {
    if id == "reviews_litigation" {
        return REVIEW_ROWS
            .iter()
            .flat_map(|r| REVIEW_COLS.iter().map(move |c| (*r, *c)))
            .collect();
    }
    active_specs()
        .into_iter()
        .chain(application_specs())
        .filter(|s| s.id == id && s.template.as_str() == template)
        .flat_map(|s| s.rows())
        .flat_map(|r| r.cols.iter().map(move |c| (r.id, c.0)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_printed_cell_has_a_spec_labels_and_its_kind() {
        for template in ["2019", "2021"] {
            for table in ["active_disclosure", "applications", "reviews_litigation"] {
                let cells = expected_cells(table, template);
                assert!(!cells.is_empty());
                for (row, col) in cells {
                    let spec = cell_spec(table, row, col).unwrap();
                    assert_eq!((spec.table, spec.row, spec.col), (table, row, col));
                    assert!(!row_label(table, row).is_empty(), "{table}.{row}");
                    assert!(!col_label(col).is_empty(), "{col}");
                }
            }
        }
        assert_eq!(
            cell_spec("active_disclosure", "administrative_fees", "amount").map(|s| s.kind),
            Some(ValueKind::Amount)
        );
        assert_eq!(cell_spec("applications", "disclosed", "amount"), None);
        assert_eq!(cell_spec("nonsense", "disclosed", "total"), None);
    }
}
