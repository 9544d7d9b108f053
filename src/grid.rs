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
mod rules;
mod tables;

use crate::geometry::PixelBox;
use crate::normalize::NormalizedPage;
use image::GrayImage;
use moments::LineMoments;
pub use rules::detect_rules;
pub use tables::build_tables;

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
