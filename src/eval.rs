//! Evaluation: scores converted documents against hand-checked truth — tables found,
//! cells exact (by tier and table), how many wrong cells were flagged and how many cells
//! were flagged at all, the report's fields, and printed inconsistencies kept — with
//! the same rules as the benchmark's `score.py`, so a user's own sample reads the same.
//!
//! A case is a folder holding `truth.json` (the model's JSON with a `tier`); its output
//! is `OUTPUTS/<folder name>.json`. A missing output counts every cell of its case wrong.

use crate::error::{Error, Result};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Tiers in the order tables print them; others follow by name.
const TIER_ORDER: [&str; 4] = ["digital", "clean", "typical", "hard"];

/// Counts for one group of cases (all, a tier, a table, a tier's table).
#[derive(Clone, Debug, Default)]
struct Counts {
    cases: usize,
    tables: usize,
    tables_found: usize,
    cells: usize,
    right: usize,
    flagged: usize,
    flagged_wrong: usize,
    /// Wrong, present, and neither flagged nor queued.
    trusted_wrong: usize,
    missing: usize,
    fully_correct: usize,
    organization: usize,
    year: usize,
    template: usize,
    has_output: usize,
}

/// Shares of one group; `None` where nothing was counted.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub cases: usize,
    pub cells: usize,
    pub tables_found: Option<f64>,
    pub cell_accuracy: Option<f64>,
    pub organization_accuracy: Option<f64>,
    pub year_accuracy: Option<f64>,
    pub template_accuracy: Option<f64>,
    /// Wrong cells that were flagged, of all wrong cells.
    pub review_recall: Option<f64>,
    /// Wrong cells among the flagged ones.
    pub review_precision: Option<f64>,
    pub flagged_share: Option<f64>,
    pub fully_correct: Option<f64>,
    /// Wrong cells present with status ok and not queued: the ones a user would trust.
    pub wrong_trusted: usize,
    /// Cells of the truth the output does not have (a table not found, a row lost).
    pub missing: usize,
    pub with_output: usize,
}

/// One case's result.
#[derive(Clone, Debug, Serialize)]
pub struct CaseResult {
    pub tier: String,
    pub cells: usize,
    pub wrong: usize,
    pub wrong_trusted: usize,
    pub has_output: bool,
}

/// What printed inconsistencies became: kept and flagged is right.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Inconsistencies {
    pub kept_flagged: usize,
    pub kept_unflagged: usize,
    pub altered: usize,
    pub missing: usize,
}

/// The whole evaluation.
#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    pub overall: Summary,
    pub by_tier: BTreeMap<String, Summary>,
    pub by_table: BTreeMap<String, Summary>,
    /// Cell accuracy of each table in each tier, keyed `tier/table`.
    pub by_tier_table: BTreeMap<String, Option<f64>>,
    pub printed_inconsistencies: Inconsistencies,
    pub per_case: BTreeMap<String, CaseResult>,
}

type CellKey = (String, String, String);

/// A document's cells by key (the first of duplicates), the flagged keys (status
/// other than ok, or in the review list) and the tables it has.
struct Cells {
    values: HashMap<CellKey, Value>,
    flagged: HashSet<CellKey>,
    tables: HashSet<String>,
}

fn text(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_default()
}

fn cells_of(doc: Option<&Value>) -> Cells {
    let mut out = Cells {
        values: HashMap::new(),
        flagged: HashSet::new(),
        tables: HashSet::new(),
    };
    let Some(doc) = doc else { return out };
    let empty = Vec::new();
    for t in doc["tables"].as_array().unwrap_or(&empty) {
        let id = text(&t["id"]);
        for c in t["cells"].as_array().unwrap_or(&empty) {
            let key = (id.clone(), text(&c["row"]), text(&c["col"]));
            if out.values.contains_key(&key) {
                continue;
            }
            out.tables.insert(id.clone());
            if c["status"].as_str().is_some_and(|s| s != "ok") {
                out.flagged.insert(key.clone());
            }
            out.values.insert(key, c["value"].clone());
        }
    }
    for r in doc["review"].as_array().unwrap_or(&empty) {
        out.flagged
            .insert((text(&r["table"]), text(&r["row"]), text(&r["col"])));
    }
    out
}

/// A value as a comparable number: `Some(None)` for empty, `Some(Some(digits))` for a
/// number in canonical form (no sign for zero, no leading or trailing zeros), `None`
/// for anything else. Exact, as decimals: never through floating point.
fn number(v: &Value) -> Option<Option<String>> {
    let s = match v {
        Value::Null => return Some(None),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().replace(',', ""),
        _ => return None,
    };
    if s.is_empty() {
        return Some(None);
    }
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(&s)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let all_digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let digits = match (int.is_empty(), frac.is_empty()) {
        (true, true) => return Some(Some("0".into())),
        (_, true) => int.to_string(),
        (true, false) => format!("0.{frac}"),
        (false, false) => format!("{int}.{frac}"),
    };
    Some(Some(if negative {
        format!("-{digits}")
    } else {
        digits
    }))
}

/// Whether an output value equals the truth's (both empty, or the same number).
pub fn same_value(output: &Value, truth: &Value) -> bool {
    match (number(output), number(truth)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn read_json(path: &Path) -> Result<Value> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Eval {
        path: path.to_path_buf(),
        reason: format!("not JSON: {e}"),
    })
}

/// Scores every case folder under `cases` (those with a `truth.json`) against
/// `outputs`; `tier` keeps only that tier's cases. An unreadable output is told through
/// `warn` and scored as missing.
pub fn evaluate(
    cases: &Path,
    outputs: &Path,
    tier: Option<&str>,
    mut warn: impl FnMut(String),
) -> Result<Evaluation> {
    let mut folders: Vec<PathBuf> = std::fs::read_dir(cases)
        .map_err(|e| Error::io(cases, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("truth.json").is_file())
        .collect();
    folders.sort();
    if folders.is_empty() {
        return Err(Error::Eval {
            path: cases.to_path_buf(),
            reason: "no case folders with a truth.json".into(),
        });
    }
    let mut groups: BTreeMap<Vec<String>, Counts> = BTreeMap::new();
    let mut inconsistencies = Inconsistencies::default();
    let mut per_case = BTreeMap::new();
    for folder in folders {
        let id = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let truth = read_json(&folder.join("truth.json"))?;
        let case_tier = truth["tier"].as_str().unwrap_or("?").to_string();
        if tier.is_some_and(|t| t != case_tier) {
            continue;
        }
        let out_path = outputs.join(format!("{id}.json"));
        let output = if out_path.is_file() {
            read_json(&out_path)
                .map_err(|e| warn(format!("{e}; scored as missing")))
                .ok()
        } else {
            None
        };
        let result = score_case(
            &truth,
            output.as_ref(),
            &case_tier,
            &mut groups,
            &mut inconsistencies,
        );
        per_case.insert(id, result);
    }
    let get = |key: &[&str]| {
        let key: Vec<String> = key.iter().map(|s| s.to_string()).collect();
        groups.get(&key).cloned().unwrap_or_default()
    };
    let mut by_tier = BTreeMap::new();
    let mut by_table = BTreeMap::new();
    let mut by_tier_table = BTreeMap::new();
    for (key, counts) in &groups {
        match key.as_slice() {
            [kind, t] if kind == "tier" => {
                by_tier.insert(t.clone(), summary(counts));
            }
            [kind, t] if kind == "table" => {
                by_table.insert(t.clone(), summary(counts));
            }
            [kind, tier, table] if kind == "tier_table" => {
                by_tier_table.insert(format!("{tier}/{table}"), ratio(counts.right, counts.cells));
            }
            _ => {}
        }
    }
    Ok(Evaluation {
        overall: summary(&get(&["all"])),
        by_tier,
        by_table,
        by_tier_table,
        printed_inconsistencies: inconsistencies,
        per_case,
    })
}

fn score_case(
    truth: &Value,
    output: Option<&Value>,
    tier: &str,
    groups: &mut BTreeMap<Vec<String>, Counts>,
    inconsistencies: &mut Inconsistencies,
) -> CaseResult {
    let out = cells_of(output);
    let case_groups = [vec!["all".to_string()], vec!["tier".into(), tier.into()]];
    let with_table = |table: &str| {
        let mut g = case_groups.to_vec();
        g.push(vec!["table".into(), table.into()]);
        g.push(vec!["tier_table".into(), tier.into(), table.into()]);
        g
    };
    let empty = Vec::new();
    let mut truth_cells: HashMap<CellKey, Value> = HashMap::new();
    let (mut n_cells, mut n_wrong, mut n_trusted_wrong) = (0, 0, 0);
    for t in truth["tables"].as_array().unwrap_or(&empty) {
        let table = text(&t["id"]);
        for g in with_table(&table) {
            let c = groups.entry(g).or_default();
            c.tables += 1;
            c.tables_found += usize::from(out.tables.contains(&table));
        }
        for cell in t["cells"].as_array().unwrap_or(&empty) {
            let key = (table.clone(), text(&cell["row"]), text(&cell["col"]));
            let present = out.values.get(&key);
            let right = present.is_some_and(|v| same_value(v, &cell["value"]));
            let flagged = out.flagged.contains(&key);
            let trusted_wrong = present.is_some() && !right && !flagged;
            n_cells += 1;
            n_wrong += usize::from(!right);
            n_trusted_wrong += usize::from(trusted_wrong);
            for g in with_table(&table) {
                let c = groups.entry(g).or_default();
                c.cells += 1;
                c.right += usize::from(right);
                c.flagged += usize::from(flagged);
                c.flagged_wrong += usize::from(flagged && !right);
                c.trusted_wrong += usize::from(trusted_wrong);
                c.missing += usize::from(present.is_none());
            }
            truth_cells.insert(key, cell["value"].clone());
        }
    }
    let report = output.map(|o| &o["report"]).unwrap_or(&Value::Null);
    let field = |name: &str| match &report[name] {
        Value::String(s) => s.trim().to_string(),
        Value::Null => String::new(),
        v => v.to_string(),
    };
    let expected = |name: &str| match &truth["report"][name] {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    for g in &case_groups {
        let c = groups.entry(g.clone()).or_default();
        c.cases += 1;
        c.fully_correct += usize::from(n_wrong == 0);
        c.organization += usize::from(field("organization") == expected("organization"));
        c.year += usize::from(field("year") == expected("year"));
        c.template += usize::from(field("template") == expected("template"));
        c.has_output += usize::from(output.is_some());
    }
    for inc in truth["printed_inconsistencies"]
        .as_array()
        .unwrap_or(&empty)
    {
        let table = text(&inc["table"]);
        for rc in inc["cells"].as_array().unwrap_or(&empty) {
            let key = (table.clone(), text(&rc[0]), text(&rc[1]));
            let printed = truth_cells.get(&key).unwrap_or(&Value::Null);
            match out.values.get(&key) {
                None => inconsistencies.missing += 1,
                Some(v) if !same_value(v, printed) => inconsistencies.altered += 1,
                Some(_) if out.flagged.contains(&key) => inconsistencies.kept_flagged += 1,
                Some(_) => inconsistencies.kept_unflagged += 1,
            }
        }
    }
    CaseResult {
        tier: tier.to_string(),
        cells: n_cells,
        wrong: n_wrong,
        wrong_trusted: n_trusted_wrong,
        has_output: output.is_some(),
    }
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn summary(c: &Counts) -> Summary {
    Summary {
        cases: c.cases,
        cells: c.cells,
        tables_found: ratio(c.tables_found, c.tables),
        cell_accuracy: ratio(c.right, c.cells),
        organization_accuracy: ratio(c.organization, c.cases),
        year_accuracy: ratio(c.year, c.cases),
        template_accuracy: ratio(c.template, c.cases),
        review_recall: ratio(c.flagged_wrong, c.cells - c.right),
        review_precision: ratio(c.flagged_wrong, c.flagged),
        flagged_share: ratio(c.flagged, c.cells),
        fully_correct: ratio(c.fully_correct, c.cases),
        wrong_trusted: c.trusted_wrong,
        missing: c.missing,
        with_output: c.has_output,
    }
}

fn pct(x: Option<f64>) -> String {
    x.map_or("–".into(), |x| format!("{:.1}%", 100.0 * x))
}

/// The evaluation as Markdown tables: by tier, by table, printed inconsistencies.
pub fn markdown(e: &Evaluation) -> String {
    let mut tiers: Vec<&String> = e.by_tier.keys().collect();
    tiers.sort_by_key(|t| (TIER_ORDER.iter().position(|o| o == t).unwrap_or(9), *t));
    let mut md = String::from(
        "| tier | cases | tables found | cells exact | org | year | template | review recall | \
         review precision | flagged | wrong & trusted | missing | fully correct |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let all = "**all**".to_string();
    let rows = tiers
        .iter()
        .map(|t| (*t, &e.by_tier[*t]))
        .chain([(&all, &e.overall)]);
    for (name, s) in rows {
        md += &format!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            s.cases,
            pct(s.tables_found),
            pct(s.cell_accuracy),
            pct(s.organization_accuracy),
            pct(s.year_accuracy),
            pct(s.template_accuracy),
            pct(s.review_recall),
            pct(s.review_precision),
            pct(s.flagged_share),
            s.wrong_trusted,
            s.missing,
            pct(s.fully_correct)
        );
    }
    md += &format!(
        "\n| table | found | cells exact | {} |\n|---|---|---|{}\n",
        tiers
            .iter()
            .map(|t| format!("exact {t}"))
            .collect::<Vec<_>>()
            .join(" | "),
        "---|".repeat(tiers.len())
    );
    for (table, s) in &e.by_table {
        let per_tier: Vec<String> = tiers
            .iter()
            .map(|t| {
                pct(e
                    .by_tier_table
                    .get(&format!("{t}/{table}"))
                    .copied()
                    .flatten())
            })
            .collect();
        md += &format!(
            "| {table} | {} | {} | {} |\n",
            pct(s.tables_found),
            pct(s.cell_accuracy),
            per_tier.join(" | ")
        );
    }
    let pi = &e.printed_inconsistencies;
    md += &format!(
        "\nPrinted inconsistencies (cells): kept as printed and flagged {}, kept but not \
         flagged {}, altered {}, missing {}.\n",
        pi.kept_flagged, pi.kept_unflagged, pi.altered, pi.missing
    );
    md
}

#[cfg(test)]
mod tests;
