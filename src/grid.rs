//! Grid: finds the ruling lines of a page (broken, faded or doubled ones too), groups
//! them into tables and builds each table's cells with their row and column spans.
//!
//! Lines are found as chains of long ink runs: runs in neighbouring pixel rows that
//! overlap are one stroke, strokes in line with a short gap are one broken rule. A rule
//! must meet two rules of the other direction, which drops underlines, scribbles and
//! long text strokes; a bold one whose both ends float between rules is a pen line. Tables are the connected groups of rules; their rule positions
//! form a lattice whose elementary cells merge wherever the rule between them is absent.

mod apart;
mod faint;
mod moments;

use crate::geometry::PixelBox;
use crate::normalize::{InkMask, NormalizedPage};
use crate::union_find::UnionFind;
use apart::{value_apart, Boundary};
use faint::Stretch;
use image::GrayImage;
use moments::LineMoments;

/// Options for [`detect_tables`]; lengths are fractions of an inch so any dpi works.
#[derive(Clone, Debug)]
pub struct GridOptions {
    /// Shortest ink run that may be part of a rule: longer than a digit's bar, shorter
    /// than what survives of a faded rule between its breaks.
    pub min_run_in: f32,
    /// Every rule has at least one unbroken stretch this long; no glyph stroke at
    /// table sizes (≤ 12 pt, an em of 0.17 in) is, so text never seeds a rule.
    pub seed_in: f32,
    /// Shortest rule kept: the narrowest cell of the national format is wider.
    pub min_line_in: f32,
    /// Widest break bridged inside one rule (faded ink, a scanner dropout).
    pub max_gap_in: f32,
    /// Widest break between two rule-long pieces in line: text never makes such
    /// pieces, so a long fade between them is still one rule.
    pub max_seeded_gap_in: f32,
    /// How far a rule's end may stop short of the rule it meets.
    pub touch_in: f32,
    /// How far short of a cell's corner a rule may have faded and still be carried on
    /// to the rule across it that closes the corner: under the format's narrowest
    /// value cell (about 0.45 in), so a rule is never carried across a whole cell.
    pub corner_reach_in: f32,
    /// A rule ends on a crossing rule at one end at least. A stroke whose both ends
    /// float farther than this from any, and that is much bolder than the page's rules
    /// (a pen line through a row of figures), is a mark; a faded rule's floating
    /// piece is thinner than the rest, never bolder.
    pub max_float_in: f32,
    /// How much bolder than the page's median rule such a floating stroke must be.
    pub mark_boldness: f32,
    /// Rules closer than this across their direction are one lattice line (double rules).
    pub cluster_in: f32,
    /// Thicker ink is a scanner edge or a filled block, not a rule.
    pub max_thickness_in: f32,
    /// Smallest table: wider than any glyph, and a row of text tall; its typical row
    /// is at least 3/5 of that (the strokes of big bold glyphs make tiny "cells").
    pub min_table_width_in: f32,
    pub min_table_height_in: f32,
}

impl Default for GridOptions {
    fn default() -> Self {
        GridOptions {
            min_run_in: 0.06,
            seed_in: 0.2,
            min_line_in: 0.25,
            max_gap_in: 0.15,
            max_seeded_gap_in: 1.5,
            touch_in: 0.05,
            corner_reach_in: 0.35,
            max_float_in: 0.1,
            // Pen lines measured 1.8× the rules they cross; faded pieces ≤ 1.4×.
            mark_boldness: 1.6,
            cluster_in: 0.045,
            max_thickness_in: 0.04,
            min_table_width_in: 1.5,
            min_table_height_in: 0.2,
        }
    }
}

/// One horizontal ink run: row `pos`, columns `start..end`.
#[derive(Clone, Copy, Debug)]
struct Run {
    pos: i32,
    start: i32,
    end: i32,
}

/// A straight rule, described along its own direction: `start..end` along the rule,
/// `pos_at(t)` across it. For vertical rules "along" is y and "across" is x.
#[derive(Clone, Debug)]
pub struct Segment {
    pub start: i32,
    pub end: i32,
    slope: f32,
    intercept: f32,
    runs: Vec<Run>,
    /// The runs' sums the line was fitted on (the inliers).
    fitted_on: LineMoments,
    /// Whether one unbroken stroke of it is rule-long (see [`GridOptions::seed_in`]).
    seeded: bool,
}

impl Segment {
    pub fn pos_at(&self, t: f32) -> f32 {
        self.intercept + self.slope * t
    }

    pub fn mid_pos(&self) -> f32 {
        self.pos_at((self.start + self.end) as f32 / 2.0)
    }

    /// Length along the rule, in pixels.
    pub fn length(&self) -> i32 {
        self.end - self.start
    }

    /// The stretches along the rule with ink, merging those at most `bridge` apart.
    fn solid_spans(&self, bridge: i32) -> Vec<(i32, i32)> {
        let mut spans: Vec<(i32, i32)> = self.runs.iter().map(|r| (r.start, r.end)).collect();
        spans.sort_unstable();
        let mut solid: Vec<(i32, i32)> = Vec::new();
        for (a, b) in spans {
            match solid.last_mut() {
                Some(l) if a <= l.1 + bridge => l.1 = l.1.max(b),
                _ => solid.push((a, b)),
            }
        }
        solid
    }

    /// Mean ink across the rule: its stroke width where solid, less where faded.
    fn thickness(&self) -> f32 {
        let ink: i32 = self.runs.iter().map(|r| r.end - r.start).sum();
        ink as f32 / self.length().max(1) as f32
    }

    /// How much of its length has ink.
    fn covered(&self) -> i32 {
        self.solid_spans(0).iter().map(|(a, b)| b - a).sum()
    }

    /// Least-squares line through the runs; runs far off the first fit (a glyph
    /// touching the rule) are left out of the second.
    fn fit(runs: Vec<Run>) -> Segment {
        let all = LineMoments::of(&runs);
        let first = Self::with_line(runs, all);
        let kept: Vec<Run> = first
            .runs
            .iter()
            .filter(|r| (r.pos as f32 - first.pos_at((r.start + r.end) as f32 / 2.0)).abs() <= 2.5)
            .copied()
            .collect();
        if kept.is_empty() || kept.len() == first.runs.len() {
            return first;
        }
        let inliers = LineMoments::of(&kept);
        Self::with_line(first.runs, inliers)
    }

    fn with_line(runs: Vec<Run>, fitted_on: LineMoments) -> Segment {
        let (slope, intercept) = fitted_on.line();
        Segment {
            start: runs.iter().map(|r| r.start).min().unwrap_or(0),
            end: runs.iter().map(|r| r.end).max().unwrap_or(0),
            slope,
            intercept,
            runs,
            fitted_on,
            seeded: false,
        }
    }

    /// Takes `other` into this rule. The line comes from both pieces' fitted sums, not
    /// a refit of every run: a rule joined from many pieces would otherwise be refitted
    /// once per piece, quadratic in them. The caller refits the finished rule once.
    fn absorb(&mut self, other: Segment) {
        self.fitted_on = self.fitted_on.merged(other.fitted_on);
        (self.slope, self.intercept) = self.fitted_on.line();
        self.start = self.start.min(other.start);
        self.end = self.end.max(other.end);
        self.seeded |= other.seeded;
        self.runs.extend(other.runs);
    }
}

/// The rules of a page, both directions.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    pub horizontal: Vec<Segment>,
    pub vertical: Vec<Segment>,
}

/// One cell: its place in the table's lattice and its box on the page.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GridCell {
    pub row: usize,
    pub col: usize,
    pub row_span: usize,
    pub col_span: usize,
    pub bbox: PixelBox,
}

/// One table on a page.
#[derive(Clone, Debug)]
pub struct TableGrid {
    pub bbox: PixelBox,
    pub n_rows: usize,
    pub n_cols: usize,
    /// Cells in reading order (by row, then column).
    pub cells: Vec<GridCell>,
}

/// Finds the rules of a page (in its rule mask) and the tables they form. Where a
/// rule is missing between two cells, the gray page and its text are looked at too.
pub fn detect_tables(
    page: &NormalizedPage,
    dpi: u32,
    opts: &GridOptions,
) -> (Vec<TableGrid>, Rules) {
    let mut rules = detect_rules(&page.rule_ink, dpi, opts);
    let faded = faint::faded_columns(&rules, page, dpi, px(dpi, opts.touch_in) as f32);
    rules.vertical.extend(faded);
    let tables = build_tables(&rules, page, dpi, opts);
    (tables, rules)
}

fn px(dpi: u32, inches: f32) -> i32 {
    ((dpi as f32 * inches).round() as i32).max(1)
}

/// Finds the rules that belong to a table structure.
pub fn detect_rules(ink: &InkMask, dpi: u32, opts: &GridOptions) -> Rules {
    let (long_h, short_h) = line_segments(ink, dpi, opts);
    let (long_v, short_v) = line_segments(&ink.transposed(), dpi, opts);
    let (gap, tol) = (
        px(dpi, opts.max_seeded_gap_in),
        px(dpi, opts.touch_in) as f32,
    );
    let long_h = join_across_breaks(long_h, &long_v, gap, tol);
    let long_v = join_across_breaks(long_v, &long_h, gap, tol);
    let reach = px(dpi, opts.corner_reach_in);
    let pieces = |long: &[Segment], short: &[Segment]| [long, short].concat();
    let tight = px(dpi, 0.02) as f32;
    let long_h = close_corners(long_h, &pieces(&long_v, &short_v), reach, tight);
    let mut long_v = close_corners(long_v, &pieces(&long_h, &short_h), reach, tight);
    let (row_columns, short_v) = one_row_columns(short_v, &long_h, tight);
    long_v.extend(row_columns);
    let rules = keep_structural(long_h, long_v, px(dpi, opts.touch_in));
    let min_piece = px(dpi, opts.seed_in);
    let mut rules = Rules {
        horizontal: split_at_crossing_gaps(&rules.horizontal, &rules.vertical, tol, min_piece),
        vertical: split_at_crossing_gaps(&rules.vertical, &rules.horizontal, tol, min_piece),
    };
    // A rule between two spanning rows is only a row high, too short to seed; it is
    // kept when both its ends sit on rules already found.
    let bridges_v: Vec<Segment> = short_v
        .into_iter()
        .filter(|v| bridges(v, &rules.horizontal, &rules.vertical, tight))
        .collect();
    let bridges_h: Vec<Segment> = short_h
        .into_iter()
        .filter(|h| bridges(h, &rules.vertical, &rules.horizontal, tight))
        .collect();
    rules.vertical.extend(bridges_v);
    rules.horizontal.extend(bridges_h);
    let float = px(dpi, opts.max_float_in) as f32;
    let mut widths: Vec<f32> = (rules.horizontal.iter())
        .chain(&rules.vertical)
        .map(Segment::thickness)
        .collect();
    widths.sort_by(f32::total_cmp);
    let bold = widths.get(widths.len() / 2).copied().unwrap_or(0.0) * opts.mark_boldness;
    let is_mark =
        |s: &Segment, across: &[Segment]| s.thickness() > bold && floats(s, across, float);
    let h: Vec<Segment> = (rules.horizontal.iter())
        .filter(|s| !is_mark(s, &rules.vertical))
        .cloned()
        .collect();
    let v: Vec<Segment> = (rules.vertical.iter())
        .filter(|s| !is_mark(s, &rules.horizontal))
        .cloned()
        .collect();
    if (h.len(), v.len()) == (rules.horizontal.len(), rules.vertical.len()) {
        return rules;
    }
    keep_structural(h, v, px(dpi, opts.touch_in))
}

/// Whether `rule` reaches `at` along its length and its line passes within `tol` of
/// `end` there: a rule across meeting another's end at `end`.
fn meets(rule: &Segment, at: f32, end: f32, tol: f32) -> bool {
    at >= rule.start as f32 - tol
        && at <= rule.end as f32 + tol
        && (rule.pos_at(at) - end).abs() <= tol
}

/// Where the rules of `across` that span `s` (within `tol`) cross its line.
fn crossings(s: &Segment, across: &[Segment], tol: f32) -> Vec<f32> {
    let at = s.mid_pos();
    across
        .iter()
        .filter(|a| at >= a.start as f32 - tol && at <= a.end as f32 + tol)
        .map(|a| a.pos_at(at))
        .collect()
}

/// Whether neither end of `s` lies within `tol` of a rule of `across` that spans it.
fn floats(s: &Segment, across: &[Segment], tol: f32) -> bool {
    let crossing = crossings(s, across, tol);
    let on_rule = |end: i32| crossing.iter().any(|&c| (c - end as f32).abs() <= tol);
    !on_rule(s.start) && !on_rule(s.end)
}

/// Whether `s` runs from one rule of `across` to another (its ends within `tol` of
/// them) and is solid over most of its length.
fn spans_between(s: &Segment, across: &[Segment], tol: f32) -> bool {
    let at = s.mid_pos();
    let ends_on = |end: f32| across.iter().position(|a| meets(a, at, end, tol));
    match (ends_on(s.start as f32), ends_on(s.end as f32)) {
        (Some(a), Some(b)) => a != b && s.covered() as f32 >= 0.8 * s.length() as f32,
        _ => false,
    }
}

/// Whether `s` runs from one rule of `across` to another and is a boundary: in line
/// with a rule of its own direction in `along` (the column or row boundary it
/// continues), or crossing a rule of `across` between its ends (a boundary faded to
/// pieces over several rows, none long enough to seed). A glyph's stroke filling a
/// tight row does neither.
fn bridges(s: &Segment, across: &[Segment], along: &[Segment], tol: f32) -> bool {
    let continues = along
        .iter()
        .any(|l| (l.mid_pos() - s.mid_pos()).abs() <= tol);
    let inside = (s.start as f32 + tol)..(s.end as f32 - tol);
    let crosses = crossings(s, across, tol).iter().any(|c| inside.contains(c));
    (continues || crosses) && spans_between(s, across, tol)
}

/// Splits `short` into the column rules of tables one row high and the rest. Such
/// rules are too short to seed and have no longer rule to continue; each runs from one
/// long rule to the next, and three or more between the same two make a row of cells,
/// which glyph strokes touching both rules never do.
fn one_row_columns(
    short: Vec<Segment>,
    across: &[Segment],
    tol: f32,
) -> (Vec<Segment>, Vec<Segment>) {
    let spanning: Vec<bool> = short
        .iter()
        .map(|s| spans_between(s, across, tol))
        .collect();
    // The rules above and below may be broken into pieces; what is shared is where
    // the column rules start and end.
    let same_row = |i: usize, j: usize| {
        spanning[j]
            && (short[j].start - short[i].start).abs() as f32 <= tol
            && (short[j].end - short[i].end).abs() as f32 <= tol
    };
    let keep: Vec<bool> = (0..short.len())
        .map(|i| spanning[i] && (0..short.len()).filter(|&j| same_row(i, j)).count() >= 3)
        .collect();
    let (mut columns, mut rest) = (Vec::new(), Vec::new());
    for (s, k) in short.into_iter().zip(keep) {
        if k {
            columns.push(s)
        } else {
            rest.push(s)
        }
    }
    (columns, rest)
}

/// Horizontal rules of a mask (call on the transpose for vertical ones): the long
/// ones, and the short straight pieces that may yet bridge two rules.
fn line_segments(ink: &InkMask, dpi: u32, opts: &GridOptions) -> (Vec<Segment>, Vec<Segment>) {
    let min_run = px(dpi, opts.min_run_in);
    // Bridging 1–2 px holes keeps a speckled faded rule in one run.
    let bridge = (dpi as i32 / 150).max(1);
    let rows = runs_by_row(ink, min_run, bridge);
    let max_thick = px(dpi, opts.max_thickness_in) as f32;
    let seed = px(dpi, opts.seed_in);
    let mut segs: Vec<Segment> = link_runs(&rows)
        .into_iter()
        .map(|runs| {
            let mut s = Segment::fit(runs);
            s.seeded = s.length() >= seed;
            s
        })
        .filter(|s| s.thickness() <= max_thick)
        .collect();
    let tol = (dpi as f32 / 100.0).max(2.0);
    segs = join_collinear(segs, px(dpi, opts.max_gap_in), tol, |_, _| true);
    let min_line = px(dpi, opts.min_line_in);
    segs.retain(|s| s.covered() * 2 >= s.length());
    segs.into_iter()
        .partition(|s| s.seeded && s.length() >= min_line)
}

fn runs_by_row(ink: &InkMask, min_run: i32, bridge: i32) -> Vec<Vec<Run>> {
    (0..ink.height)
        .map(|y| {
            let row = ink.row(y);
            let mut runs = Vec::new();
            let mut x = 0usize;
            while x < row.len() {
                if !row[x] {
                    x += paper_before_ink(&row[x..]);
                    continue;
                }
                let start = x;
                let mut last = x;
                while x < row.len() && (row[x] || (x - last) as i32 <= bridge) {
                    if row[x] {
                        last = x;
                    }
                    x += 1;
                }
                let end = last + 1;
                if (end - start) as i32 >= min_run {
                    runs.push(Run {
                        pos: y as i32,
                        start: start as i32,
                        end: end as i32,
                    });
                }
                x = end;
            }
            runs
        })
        .collect()
}

/// How many pixels at the start of `row` are paper. Most of a row is: it is passed
/// sixteen pixels at a time, each sixteen tested at once, not one by one.
fn paper_before_ink(row: &[bool]) -> usize {
    let paper_block = |b: &&[bool]| !b.iter().fold(false, |a, &p| a | p);
    let in_blocks = 16 * row.chunks_exact(16).take_while(paper_block).count();
    in_blocks + row[in_blocks..].iter().take_while(|&&p| !p).count()
}

/// Groups runs that touch across neighbouring rows into strokes (union-find).
fn link_runs(rows: &[Vec<Run>]) -> Vec<Vec<Run>> {
    let offsets: Vec<usize> = rows
        .iter()
        .scan(0, |acc, r| {
            let o = *acc;
            *acc += r.len();
            Some(o)
        })
        .collect();
    let total: usize = rows.iter().map(|r| r.len()).sum();
    let mut uf = UnionFind::new(total);
    for y in 1..rows.len() {
        let (above, here) = (&rows[y - 1], &rows[y]);
        let (mut i, mut j) = (0, 0);
        while i < above.len() && j < here.len() {
            let (a, b) = (above[i], here[j]);
            if a.start < b.end && b.start < a.end {
                uf.union(offsets[y - 1] + i, offsets[y] + j);
            }
            if a.end < b.end {
                i += 1;
            } else {
                j += 1;
            }
        }
    }
    let mut groups: std::collections::HashMap<usize, Vec<Run>> = std::collections::HashMap::new();
    for (y, row) in rows.iter().enumerate() {
        for (k, r) in row.iter().enumerate() {
            groups.entry(uf.find(offsets[y] + k)).or_default().push(*r);
        }
    }
    let mut out: Vec<Vec<Run>> = groups.into_values().collect();
    out.sort_by_key(|g| (g[0].pos, g[0].start));
    out
}

/// Joins pieces of one broken rule: in line across (within `tol`), a gap no wider
/// than `max_gap`, and `may_join` agreeing.
fn join_collinear(
    mut segs: Vec<Segment>,
    max_gap: i32,
    tol: f32,
    may_join: impl Fn(&Segment, &Segment) -> bool,
) -> Vec<Segment> {
    segs.sort_by_key(|a| a.start);
    let mut out: Vec<Segment> = Vec::new();
    let mut joined: Vec<bool> = Vec::new();
    // Pieces come by their start, so one that ends more than `max_gap` before this
    // start can take no later piece either: only the live ones are searched.
    let mut live: Vec<usize> = Vec::new();
    let mut pruned_at = i32::MIN;
    for s in segs {
        if s.start > pruned_at {
            live.retain(|&i| s.start - out[i].end <= max_gap);
            pruned_at = s.start;
        }
        let target = live.iter().rev().copied().find(|&i| {
            let o = &out[i];
            s.start - o.end <= max_gap
                && (o.pos_at(o.end.min(s.start) as f32) - s.pos_at(s.start as f32)).abs() <= tol
                && may_join(o, &s)
        });
        match target {
            Some(i) => {
                out[i].absorb(s);
                joined[i] = true;
            }
            None => {
                live.push(out.len());
                out.push(s);
                joined.push(false);
            }
        }
    }
    out.into_iter()
        .zip(joined)
        .map(|(s, joined)| {
            if !joined {
                return s;
            }
            let seeded = s.seeded;
            let mut refit = Segment::fit(s.runs);
            refit.seeded = seeded;
            refit
        })
        .collect()
}

/// Carries each rule's end on to a rule across it a short way on (`reach`) that ends on
/// its line and runs from another rule of its own: the corner of a cell whose side
/// faded near it (a table's top rule lost over most of its last cell).
fn close_corners(mut segs: Vec<Segment>, across: &[Segment], reach: i32, tol: f32) -> Vec<Segment> {
    let mut carried = Vec::new();
    for (i, s) in segs.iter().enumerate() {
        // Only a piece with a rule-long stroke: glyph strokes end on rules' lines too.
        for a in across.iter().filter(|a| a.seeded) {
            let at = a.pos_at(s.mid_pos());
            let line = s.pos_at(at);
            let other_end = if (a.start as f32 - line).abs() <= tol {
                a.end
            } else if (a.end as f32 - line).abs() <= tol {
                a.start
            } else {
                continue;
            };
            let closes = |gap: f32| gap > tol && gap <= reach as f32;
            let (after, before) = (closes(at - s.end as f32), closes(s.start as f32 - at));
            if (after || before) && segs.iter().any(|o| meets(o, at, other_end as f32, tol)) {
                carried.push((i, at.round() as i32, after));
            }
        }
    }
    for (i, to, after) in carried {
        if after {
            segs[i].end = segs[i].end.max(to);
        } else {
            segs[i].start = segs[i].start.min(to);
        }
    }
    segs
}

/// Joins long rules in line across a long break (a fade, a stamp, a fold), unless
/// rules of the other direction close both ends of the break: that is a row or
/// column spanning the gap, which has no rule by design.
fn join_across_breaks(
    segs: Vec<Segment>,
    across: &[Segment],
    max_gap: i32,
    tol: f32,
) -> Vec<Segment> {
    let closed_at =
        |s: &Segment, t: i32| across.iter().any(|a| meets(a, s.mid_pos(), t as f32, tol));
    // Two long pieces are surely rules; their fitted slopes are trusted less than a
    // short piece's neighbourhood, hence the looser tolerance across.
    join_collinear(segs, max_gap, tol * 0.6, |o, s| {
        !(closed_at(o, o.end) && closed_at(s, s.start))
    })
}

/// Splits each rule where a break in it lines up with a rule crossing it, and drops
/// the pieces shorter than `min_piece` that do not run from crossing to crossing. Real rules cross solidly; a gap exactly at a
/// crossing means the joining took in a glyph's stroke from the next row or column.
fn split_at_crossing_gaps(
    segs: &[Segment],
    across: &[Segment],
    tol: f32,
    min_piece: i32,
) -> Vec<Segment> {
    let mut out = Vec::new();
    for s in segs {
        let crossings = crossings(s, across, tol);
        let solid = s.solid_spans(2);
        // Each cut: where the later piece starts, and the crossing both pieces reach.
        let mut cuts: Vec<(i32, i32)> = solid
            .windows(2)
            .filter_map(|w| {
                crossings
                    .iter()
                    .find(|&&c| c >= w[0].1 as f32 - tol / 2.0 && c <= w[1].0 as f32 + tol / 2.0)
                    .map(|&c| (w[1].0, c.round() as i32))
            })
            .collect();
        if cuts.is_empty() {
            out.push(s.clone());
            continue;
        }
        cuts.insert(0, (i32::MIN, i32::MIN));
        cuts.push((i32::MAX, i32::MAX));
        for w in cuts.windows(2) {
            let runs: Vec<Run> = s
                .runs
                .iter()
                .filter(|r| r.start >= w[0].0 && r.start < w[1].0)
                .copied()
                .collect();
            if runs.is_empty() {
                continue;
            }
            let mut piece = Segment::fit(runs);
            piece.seeded = true;
            // A short piece stays when rules meet it at both ends: a stretch of rule
            // between two crossings whose junctions faded. A glyph's stroke floats.
            let meets = |t: i32| crossings.iter().any(|&c| (c - t as f32).abs() <= tol);
            if piece.length() >= min_piece || (meets(piece.start) && meets(piece.end)) {
                // The piece still meets the rule it was cut at.
                piece.start = piece.start.min(w[0].1.max(s.start));
                piece.end = piece.end.max(w[1].1.min(s.end));
                out.push(piece);
            }
        }
    }
    out
}

fn touches(h: &Segment, v: &Segment, tol: i32) -> bool {
    let vx = v.pos_at(h.mid_pos());
    let hy = h.pos_at(vx);
    let tol = tol as f32;
    vx >= h.start as f32 - tol
        && vx <= h.end as f32 + tol
        && hy >= v.start as f32 - tol
        && hy <= v.end as f32 + tol
}

/// Keeps rules that meet at least two rules of the other direction.
fn keep_structural(mut h: Vec<Segment>, mut v: Vec<Segment>, tol: i32) -> Rules {
    for _ in 0..4 {
        let before = (h.len(), v.len());
        let hk: Vec<bool> = h
            .iter()
            .map(|s| v.iter().filter(|t| touches(s, t, tol)).count() >= 2)
            .collect();
        let vk: Vec<bool> = v
            .iter()
            .map(|t| h.iter().filter(|s| touches(s, t, tol)).count() >= 2)
            .collect();
        let mut i = 0;
        h.retain(|_| {
            i += 1;
            hk[i - 1]
        });
        let mut i = 0;
        v.retain(|_| {
            i += 1;
            vk[i - 1]
        });
        if (h.len(), v.len()) == before {
            break;
        }
    }
    Rules {
        horizontal: h,
        vertical: v,
    }
}

/// Groups rules into tables and builds each table's cells.
pub fn build_tables(
    rules: &Rules,
    page: &NormalizedPage,
    dpi: u32,
    opts: &GridOptions,
) -> Vec<TableGrid> {
    let tol = px(dpi, opts.touch_in);
    let nh = rules.horizontal.len();
    let mut uf = UnionFind::new(nh + rules.vertical.len());
    for (i, h) in rules.horizontal.iter().enumerate() {
        for (j, v) in rules.vertical.iter().enumerate() {
            if touches(h, v, tol) {
                uf.union(i, nh + j);
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, (Vec<&Segment>, Vec<&Segment>)> =
        Default::default();
    for (i, h) in rules.horizontal.iter().enumerate() {
        groups.entry(uf.find(i)).or_default().0.push(h);
    }
    for (j, v) in rules.vertical.iter().enumerate() {
        groups.entry(uf.find(nh + j)).or_default().1.push(v);
    }
    let cluster = px(dpi, opts.cluster_in) as f32;
    let apart = |b: &Boundary| {
        faint::shows_line(&page.gray, &page.ink, b.stretch, dpi) || value_apart(page, b, dpi)
    };
    let mut tables: Vec<TableGrid> = groups
        .into_values()
        .flat_map(|(h, v)| split_at_full_rows(h, v, cluster))
        .filter(|(h, v)| h.len() >= 2 && v.len() >= 2)
        .filter_map(|(h, v)| table_from_rules(&h, &v, cluster, &apart))
        .collect();
    // Bold glyphs such as 田 at title sizes are little grids of their own.
    let (min_w, min_h) = (
        px(dpi, opts.min_table_width_in),
        px(dpi, opts.min_table_height_in),
    );
    tables.retain(|t| {
        t.bbox.width() >= min_w
            && t.bbox.height() >= min_h
            && median_cell_height(t) >= min_h * 3 / 5
    });
    tables.sort_by_key(|t| (t.bbox.y0, t.bbox.x0));
    tables
}

/// Rules of one group, cut into bands above each row that no inner column rule
/// crosses (a heading set inside the frame, a full-width section row): the tables
/// above and below such a row need not share their columns, and one's column rules
/// must not cut the other's cells. The row opens the band below it. The last row opens
/// nothing: it stays with the rows above (a label and value whose rule faded, a note),
/// alone it would be too small a table to keep.
fn split_at_full_rows<'a>(
    h: Vec<&'a Segment>,
    v: Vec<&'a Segment>,
    tol: f32,
) -> Vec<(Vec<&'a Segment>, Vec<&'a Segment>)> {
    let rows = LatticeLines::new(&h, tol);
    let cols = LatticeLines::new(&v, tol);
    if rows.len() < 3 || cols.len() < 3 {
        return vec![(h, v)];
    }
    let (left, right) = (cols.pos(0), cols.pos(cols.len() - 1));
    let inner: Vec<&Segment> = v
        .iter()
        .copied()
        .filter(|s| s.mid_pos() > left + tol && s.mid_pos() < right - tol)
        .collect();
    let overlaps = |s: &Segment, top: f32, bottom: f32| {
        (s.start as f32) < bottom - tol && (s.end as f32) > top + tol
    };
    let mut cuts: Vec<f32> = (1..rows.len() - 2)
        .filter(|&i| {
            !inner
                .iter()
                .any(|s| overlaps(s, rows.pos(i), rows.pos(i + 1)))
        })
        .map(|i| rows.pos(i))
        .collect();
    if cuts.is_empty() {
        return vec![(h, v)];
    }
    cuts.insert(0, f32::MIN);
    cuts.push(f32::MAX);
    cuts.windows(2)
        .map(|w| {
            let (top, bottom) = (w[0], w[1]);
            let band_h: Vec<&Segment> = h
                .iter()
                .copied()
                .filter(|s| s.mid_pos() >= top - tol && s.mid_pos() <= bottom + tol)
                .collect();
            let band_v: Vec<&Segment> = v
                .iter()
                .copied()
                .filter(|s| overlaps(s, top, bottom))
                .collect();
            (band_h, band_v)
        })
        .collect()
}

fn median_cell_height(t: &TableGrid) -> i32 {
    let mut h: Vec<i32> = t
        .cells
        .iter()
        .map(|c| c.bbox.height() / c.row_span as i32)
        .collect();
    h.sort_unstable();
    h.get(h.len() / 2).copied().unwrap_or(0)
}

/// Rules of one direction clustered into lattice lines.
struct LatticeLines<'a> {
    lines: Vec<(f32, Vec<&'a Segment>)>,
}

impl<'a> LatticeLines<'a> {
    /// Pieces of one rule lie within `tol` of each other either where they come
    /// nearest (a rule broken by a glyph or a faded stretch) or, carried to one place
    /// along the table on the rules' common slant, there (a rule missing over a long
    /// stretch). A page sheared or not quite straightened slants its rules: comparing
    /// the pieces' middles as they are would split one rule into two lattice lines.
    fn new(segs: &[&'a Segment], tol: f32) -> Self {
        let slant = common_slope(segs);
        let n = segs.len().max(1) as f32;
        let t_ref = segs
            .iter()
            .map(|s| (s.start + s.end) as f32 / 2.0)
            .sum::<f32>()
            / n;
        let key = |s: &Segment| s.mid_pos() + slant * (t_ref - (s.start + s.end) as f32 / 2.0);
        let near_ends = |a: &Segment, b: &Segment| {
            let ta = (b.start.max(a.start).min(a.end)) as f32;
            let tb = (a.start.max(b.start).min(b.end)) as f32;
            (a.pos_at(ta) - b.pos_at(tb)).abs()
        };
        let mut sorted: Vec<(f32, &Segment)> = segs.iter().map(|&s| (key(s), s)).collect();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut lines: Vec<(Vec<f32>, Vec<&Segment>)> = Vec::new();
        for (k, s) in sorted {
            let nearest = lines
                .iter_mut()
                .map(|line| {
                    let d = line
                        .0
                        .iter()
                        .zip(&line.1)
                        .map(|(&mk, m)| (mk - k).abs().min(near_ends(m, s)))
                        .fold(f32::MAX, f32::min);
                    (d, line)
                })
                .min_by(|a, b| a.0.total_cmp(&b.0));
            match nearest {
                Some((d, (keys, members))) if d <= tol => {
                    keys.push(k);
                    members.push(s);
                }
                _ => lines.push((vec![k], vec![s])),
            }
        }
        let mut lines: Vec<(f32, Vec<&Segment>)> = lines
            .into_iter()
            .map(|(keys, m)| (keys.iter().sum::<f32>() / keys.len() as f32, m))
            .collect();
        lines.sort_by(|a, b| a.0.total_cmp(&b.0));
        LatticeLines { lines }
    }

    fn len(&self) -> usize {
        self.lines.len()
    }

    fn pos(&self, i: usize) -> f32 {
        self.lines[i].0
    }

    /// Where line `i` lies across at `t` along it, from its nearest member rule.
    fn pos_at(&self, i: usize, t: f32) -> f32 {
        let nearest = self.lines[i].1.iter().min_by_key(|s| {
            let d = if t < s.start as f32 {
                s.start as f32 - t
            } else if t > s.end as f32 {
                t - s.end as f32
            } else {
                0.0
            };
            d as i64
        });
        nearest.map(|s| s.pos_at(t)).unwrap_or(self.lines[i].0)
    }

    /// Whether line `i` has ink over most of `from..to`.
    fn covers(&self, i: usize, from: f32, to: f32) -> bool {
        let need = (to - from) * 0.5;
        self.lines[i]
            .1
            .iter()
            .any(|s| (s.end as f32).min(to) - (s.start as f32).max(from) >= need)
    }
}

/// The slope most of the rules' length shares: the length-weighted median, so a short
/// piece fitted askew by a glyph touching it does not tilt the rest.
fn common_slope(segs: &[&Segment]) -> f32 {
    let mut slopes: Vec<(f32, i32)> = segs.iter().map(|s| (s.slope, s.length())).collect();
    slopes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let half = slopes.iter().map(|s| s.1).sum::<i32>() / 2;
    let mut run = 0;
    for (slope, len) in &slopes {
        run += len;
        if run >= half {
            return *slope;
        }
    }
    0.0
}

/// The table the lattice of `h` and `v` makes; `apart` says whether two neighbouring
/// lattice cells with no rule found between them are still two cells.
fn table_from_rules(
    h: &[&Segment],
    v: &[&Segment],
    tol: f32,
    apart: &dyn Fn(&Boundary) -> bool,
) -> Option<TableGrid> {
    let rows = LatticeLines::new(h, tol);
    let cols = LatticeLines::new(v, tol);
    if rows.len() < 2 || cols.len() < 2 {
        return None;
    }
    let (nr, nc) = (rows.len() - 1, cols.len() - 1);
    let mut uf = UnionFind::new(nr * nc);
    for r in 0..nr {
        for c in 0..nc {
            let (x0, x1) = (cols.pos(c), cols.pos(c + 1));
            let (y0, y1) = (rows.pos(r), rows.pos(r + 1));
            let (xm, ym) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
            let at_col = |i: usize| cols.pos_at(i, ym).round() as i32;
            let at_row = |i: usize| rows.pos_at(i, xm).round() as i32;
            let cell = PixelBox::from_corners(at_col(c), at_row(r), at_col(c + 1), at_row(r + 1));
            // The neighbours right and below with no rule found between: one cell with
            // this one unless `apart` says otherwise.
            let mut unruled = Vec::with_capacity(2);
            if c + 1 < nc && !cols.covers(c + 1, y0, y1) {
                let pos = cols.pos_at(c + 1, ym);
                let end = (c + 2..nc).find(|&k| cols.covers(k, y0, y1)).unwrap_or(nc);
                let after = PixelBox::from_corners(cell.x1, cell.y0, at_col(c + 2), cell.y1);
                let to_rule = PixelBox::from_corners(cell.x1, cell.y0, at_col(end), cell.y1);
                unruled.push((
                    r * nc + c + 1,
                    Stretch::new(true, pos, y0, y1),
                    after,
                    to_rule,
                ));
            }
            if r + 1 < nr && !rows.covers(r + 1, x0, x1) {
                let pos = rows.pos_at(r + 1, xm);
                let end = (r + 2..nr).find(|&k| rows.covers(k, x0, x1)).unwrap_or(nr);
                let after = PixelBox::from_corners(cell.x0, cell.y1, cell.x1, at_row(r + 2));
                let to_rule = PixelBox::from_corners(cell.x0, cell.y1, cell.x1, at_row(end));
                unruled.push((
                    (r + 1) * nc + c,
                    Stretch::new(false, pos, x0, x1),
                    after,
                    to_rule,
                ));
            }
            for (neighbour, stretch, after, after_to_rule) in unruled {
                let boundary = Boundary {
                    stretch,
                    before: cell,
                    after,
                    after_to_rule,
                };
                if !apart(&boundary) {
                    uf.union(r * nc + c, neighbour);
                }
            }
        }
    }
    let mut components: std::collections::BTreeMap<usize, Vec<(usize, usize)>> = Default::default();
    for r in 0..nr {
        for c in 0..nc {
            components
                .entry(uf.find(r * nc + c))
                .or_default()
                .push((r, c));
        }
    }
    let mut cells: Vec<GridCell> = components
        .into_values()
        .flat_map(|members| rectangles(&members))
        .map(|(r0, c0, r1, c1)| {
            let ym = (rows.pos(r0) + rows.pos(r1 + 1)) / 2.0;
            let xm = (cols.pos(c0) + cols.pos(c1 + 1)) / 2.0;
            GridCell {
                row: r0,
                col: c0,
                row_span: r1 - r0 + 1,
                col_span: c1 - c0 + 1,
                bbox: PixelBox::from_corners(
                    cols.pos_at(c0, ym).round() as i32,
                    rows.pos_at(r0, xm).round() as i32,
                    cols.pos_at(c1 + 1, ym).round() as i32,
                    rows.pos_at(r1 + 1, xm).round() as i32,
                ),
            }
        })
        .collect();
    cells.sort_by_key(|c| (c.row, c.col));
    let bbox = cells
        .iter()
        .fold(PixelBox::default(), |b, c| b.union(&c.bbox));
    Some(TableGrid {
        bbox,
        n_rows: nr,
        n_cols: nc,
        cells,
    })
}

/// Lattice cells `(row, col)` of one joined component as merged cells
/// `(row0, col0, row1, col1)`, inclusive. A printed cell is a rectangle; a component
/// of another shape leaked through a rule the scan lost, and its bounding box would
/// cover cells of its own. It is cut into rectangles, each as wide as its first row
/// runs and as tall as rows of that same run follow.
fn rectangles(members: &[(usize, usize)]) -> Vec<(usize, usize, usize, usize)> {
    let set: std::collections::BTreeSet<(usize, usize)> = members.iter().copied().collect();
    let mut taken = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for &(r0, c0) in &set {
        if taken.contains(&(r0, c0)) {
            continue;
        }
        let free = |r: usize, c: usize| set.contains(&(r, c)) && !taken.contains(&(r, c));
        let mut c1 = c0;
        while free(r0, c1 + 1) {
            c1 += 1;
        }
        let mut r1 = r0;
        while (c0..=c1).all(|c| free(r1 + 1, c)) {
            r1 += 1;
        }
        for r in r0..=r1 {
            for c in c0..=c1 {
                taken.insert((r, c));
            }
        }
        out.push((r0, c0, r1, c1));
    }
    out
}

/// Paints the rules white, `pad` pixels around, so cell crops hold only their text.
pub fn erase_rules(gray: &mut GrayImage, rules: &Rules, pad: i32) {
    let (w, h) = (gray.width() as i32, gray.height() as i32);
    let mut paint = |x: i32, y: i32| {
        if x >= 0 && y >= 0 && x < w && y < h {
            gray.put_pixel(x as u32, y as u32, image::Luma([255]));
        }
    };
    for s in &rules.horizontal {
        for r in &s.runs {
            for y in r.pos - pad..=r.pos + pad {
                for x in r.start - pad..r.end + pad {
                    paint(x, y);
                }
            }
        }
    }
    for s in &rules.vertical {
        for r in &s.runs {
            for x in r.pos - pad..=r.pos + pad {
                for y in r.start - pad..r.end + pad {
                    paint(x, y);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
