//! Repair: corrects misread numbers with the format's own arithmetic, and only where
//! the image supports the correction.
//!
//! Method. Every integer cell gets candidates: what was read, and each reading that
//! swaps one symbol for one of the digit reader's alternatives, weighted by how likely
//! the alternative is against what was read (`p(alt) / p(read)`). Cells in an identity
//! that fails become variables; variables that share an identity form one component,
//! solved alone. A component is a small integer system, so it is searched exactly:
//! depth first over the variables, each identity tested as soon as its last variable is
//! set, and a branch dropped once its weight cannot beat the best found. The best
//! assignment is taken only when it is clearly better than the runner-up; otherwise, or
//! when no assignment holds, the printed values stay and the checks fail for a person to
//! judge. A cell that could not be read at all is filled when one identity determines
//! it and every other identity it is in then holds.

use crate::checks::{self, integer_value, CellRef, Identity};
use crate::model::{Cell, Status, Table};
use crate::template::ValueKind;
use crate::union_find::UnionFind;
use crate::value::{self, Parsed};
use std::collections::HashMap;

/// Options for [`repair`].
#[derive(Clone, Debug)]
pub struct RepairOptions {
    /// An alternative reading is a candidate only when at least this likely against what
    /// was read: below 1 in 20 the reader was sure, and a failed identity is more likely
    /// the report's own error than its misreading.
    pub min_support: f32,
    /// Candidates kept per cell; a digit reader's fifth choice is never the right one.
    pub max_candidates: usize,
    /// The winner must be this many times likelier than the runner-up, or nothing
    /// changes: two near-equal ways to balance a table are a question for a person.
    pub min_margin: f32,
    /// The cells that determine an unreadable one must each be read at least this
    /// surely: a sum of doubtful reads determines nothing.
    pub sure_read: f32,
    /// Search steps per component before giving up unrepaired; real tables finish
    /// in a few hundred.
    pub max_steps: usize,
}

impl Default for RepairOptions {
    fn default() -> Self {
        RepairOptions {
            min_support: 0.05,
            max_candidates: 4,
            min_margin: 2.0,
            sure_read: 0.9,
            max_steps: 200_000,
        }
    }
}

/// Where a cell is: table index, cell index.
type At = (usize, usize);

/// Candidate values of a cell, best first, each with its log weight against the read
/// value (which comes first, at 0). Empty when the cell holds no integer.
pub fn candidates(cell: &Cell, opts: &RepairOptions) -> Vec<(i64, f32)> {
    let Some(read) = integer_value(cell) else {
        return Vec::new();
    };
    let mut out = vec![(read, 0.0f32)];
    for (i, s) in cell.symbols.iter().enumerate() {
        for (alt, p) in &s.alternatives {
            let ratio = p / s.confidence.max(1e-3);
            if ratio < opts.min_support {
                continue;
            }
            let text: String = cell
                .symbols
                .iter()
                .enumerate()
                .map(|(j, o)| {
                    if j == i {
                        alt.as_str()
                    } else {
                        o.text.as_str()
                    }
                })
                .collect();
            let Some(n) = count_of(&text) else {
                continue;
            };
            match out.iter_mut().find(|c| c.0 == n) {
                Some(c) => c.1 = c.1.max(ratio.ln()),
                None => out.push((n, ratio.ln())),
            }
        }
    }
    out[1..].sort_by(|a, b| b.1.total_cmp(&a.1));
    out.truncate(opts.max_candidates.max(1));
    out
}

/// The count `text` reads as, if it is one the format could print (no leading zeros).
fn count_of(text: &str) -> Option<i64> {
    match value::parse(text, ValueKind::Count) {
        Parsed::Number(d) => d.parse().ok(),
        _ => None,
    }
}

/// Repairs `tables` in place; changed cells get status `repaired`, keep their OCR
/// `text` and a confidence from the winner's margin. Returns how many cells changed.
pub fn repair(tables: &mut [Table], opts: &RepairOptions) -> usize {
    let ids = checks::identities(tables);
    let index: HashMap<CellRef, At> = tables
        .iter()
        .enumerate()
        .flat_map(|(ti, t)| {
            t.cells
                .iter()
                .enumerate()
                .map(move |(ci, c)| ((t.id, c.row, c.col), (ti, ci)))
        })
        .collect();
    let mut changed = solve_misreads(tables, &ids, &index, opts);
    changed += fill_unreadable(tables, &ids, &index, opts.sure_read);
    changed
}

/// The identity's sides' difference under `value`; `None` when a cell is missing or
/// holds no integer.
fn imbalance(id: &Identity, value: &dyn Fn(&CellRef) -> Option<i64>) -> Option<i64> {
    let side = |refs: &[CellRef]| refs.iter().map(value).sum::<Option<i64>>();
    Some(side(&id.lhs)? - side(&id.rhs)?)
}

fn solve_misreads(
    tables: &mut [Table],
    ids: &[Identity],
    index: &HashMap<CellRef, At>,
    opts: &RepairOptions,
) -> usize {
    let read = |r: &CellRef| {
        index
            .get(r)
            .and_then(|&(t, c)| integer_value(&tables[t].cells[c]))
    };
    let mut cands: HashMap<CellRef, Vec<(i64, f32)>> = HashMap::new();
    for id in ids
        .iter()
        .filter(|id| imbalance(id, &read).is_some_and(|d| d != 0))
    {
        for r in id.cells() {
            let &(t, c) = &index[r];
            let cs = candidates(&tables[t].cells[c], opts);
            if cs.len() > 1 {
                cands.insert(*r, cs);
            }
        }
    }
    // Components: variables joined through the identities they share.
    let vars: Vec<CellRef> = {
        let mut v: Vec<CellRef> = cands.keys().copied().collect();
        v.sort();
        v
    };
    let mut groups = UnionFind::new(vars.len());
    for id in ids {
        let in_id: Vec<usize> = id
            .cells()
            .filter_map(|r| vars.binary_search(r).ok())
            .collect();
        for w in in_id.windows(2) {
            groups.union(w[0], w[1]);
        }
    }
    let mut components: HashMap<usize, Vec<CellRef>> = HashMap::new();
    for (i, r) in vars.iter().enumerate() {
        components.entry(groups.find(i)).or_default().push(*r);
    }
    let mut changes: Vec<(CellRef, i64, f32)> = Vec::new();
    for members in components.values() {
        let constraints: Vec<&Identity> = ids
            .iter()
            .filter(|id| id.cells().any(|r| members.contains(r)))
            .filter(|id| id.cells().all(|r| members.contains(r) || read(r).is_some()))
            .collect();
        let domains: Vec<&[(i64, f32)]> = members.iter().map(|r| cands[r].as_slice()).collect();
        if let Some((choice, confidence)) = search(members, &domains, &constraints, &read, opts) {
            for (r, (value, _)) in members.iter().zip(choice) {
                if Some(value) != read(r) {
                    changes.push((*r, value, confidence));
                }
            }
        }
    }
    for (r, value, confidence) in &changes {
        let (t, c) = index[r];
        set_repaired(&mut tables[t].cells[c], *value, *confidence);
    }
    changes.len()
}

/// The exact search of one component: the likeliest assignment of `domains` to
/// `members` under which every constraint holds, with a confidence from its margin over
/// the runner-up; `None` when none holds, the margin is too thin, or the search is cut.
fn search(
    members: &[CellRef],
    domains: &[&[(i64, f32)]],
    constraints: &[&Identity],
    fixed: &dyn Fn(&CellRef) -> Option<i64>,
    opts: &RepairOptions,
) -> Option<(Vec<(i64, f32)>, f32)> {
    let mut s = Search {
        members,
        domains,
        constraints,
        // A constraint is tested once its last member is set.
        last_set: constraints
            .iter()
            .map(|id| {
                id.cells()
                    .filter_map(|r| members.iter().position(|m| m == r))
                    .max()
                    .unwrap_or(0)
            })
            .collect(),
        fixed,
        max_steps: opts.max_steps,
        chosen: Vec::with_capacity(members.len()),
        best: None,
        second: f32::NEG_INFINITY,
        steps: 0,
    };
    s.go(0, 0.0);
    if s.steps > opts.max_steps {
        return None;
    }
    let (best, choice) = s.best?;
    let margin = (best - s.second).exp();
    if margin < opts.min_margin {
        return None;
    }
    Some((choice, (1.0 - 1.0 / margin).clamp(0.0, 0.99)))
}

/// Depth-first search state: what is set so far, and the two best complete weights.
struct Search<'a> {
    members: &'a [CellRef],
    domains: &'a [&'a [(i64, f32)]],
    constraints: &'a [&'a Identity],
    last_set: Vec<usize>,
    fixed: &'a dyn Fn(&CellRef) -> Option<i64>,
    max_steps: usize,
    chosen: Vec<(i64, f32)>,
    best: Option<(f32, Vec<(i64, f32)>)>,
    second: f32,
    steps: usize,
}

impl Search<'_> {
    fn go(&mut self, depth: usize, score: f32) {
        self.steps += 1;
        // Weights are at most 0: a branch already no better than the runner-up stays so.
        if self.steps > self.max_steps || score <= self.second {
            return;
        }
        if depth == self.members.len() {
            match &self.best {
                Some((b, _)) if score <= *b => self.second = self.second.max(score),
                _ => {
                    self.second = self.best.as_ref().map_or(self.second, |(b, _)| *b);
                    self.best = Some((score, self.chosen.clone()));
                }
            }
            return;
        }
        for &(value, weight) in self.domains[depth] {
            self.chosen.push((value, weight));
            if self.holds_at(depth) {
                self.go(depth + 1, score + weight);
            }
            self.chosen.pop();
        }
    }

    /// Whether every constraint whose last member is at `depth` holds.
    fn holds_at(&self, depth: usize) -> bool {
        let value_of = |r: &CellRef| match self.members.iter().position(|m| m == r) {
            Some(i) => Some(self.chosen[i].0),
            None => (self.fixed)(r),
        };
        self.constraints
            .iter()
            .zip(&self.last_set)
            .filter(|(_, &l)| l == depth)
            .all(|(id, _)| imbalance(id, &value_of) == Some(0))
    }
}

/// Unreadable cells that one identity determines and every other one then confirms.
fn fill_unreadable(
    tables: &mut [Table],
    ids: &[Identity],
    index: &HashMap<CellRef, At>,
    sure_read: f32,
) -> usize {
    let mut filled = 0;
    loop {
        let read = |r: &CellRef| {
            index
                .get(r)
                .and_then(|&(t, c)| integer_value(&tables[t].cells[c]))
        };
        let mut found = None;
        for id in ids {
            let unknown: Vec<&CellRef> = id
                .cells()
                .filter(|r| index.contains_key(r) && read(r).is_none())
                .collect();
            if unknown.len() != 1 || id.cells().any(|r| !index.contains_key(r)) {
                continue;
            }
            let target = *unknown[0];
            let doubtful = id.cells().filter(|r| **r != target).any(|r| {
                let (t, c) = index[r];
                tables[t].cells[c].confidence_in_place() < sure_read
            });
            if doubtful {
                continue;
            }
            // Solve with the unknown at 0: the imbalance is then what it must offset.
            let zeroed = |r: &CellRef| if *r == target { Some(0) } else { read(r) };
            let Some(d) = imbalance(id, &zeroed) else {
                continue;
            };
            let value = if id.lhs.contains(&target) { -d } else { d };
            let with = |r: &CellRef| if *r == target { Some(value) } else { read(r) };
            let confirmed = ids
                .iter()
                .filter(|o| o.cells().any(|r| *r == target))
                .all(|o| imbalance(o, &with).is_none_or(|x| x == 0));
            if value >= 0 && confirmed {
                found = Some((target, value));
                break;
            }
        }
        let Some((r, value)) = found else {
            return filled;
        };
        let (t, c) = index[&r];
        // Determined by sums of read cells, it is as sure as they are.
        set_repaired(&mut tables[t].cells[c], value, 0.9);
        filled += 1;
    }
}

fn set_repaired(cell: &mut Cell, value: i64, confidence: f32) {
    cell.value = Some(serde_json::Number::from(value));
    cell.status = Status::Repaired;
    cell.confidence = confidence;
}

#[cfg(test)]
mod tests;
