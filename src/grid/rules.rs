//! Finding the rules: long ink runs chained into strokes, strokes in line joined across
//! breaks, and only the rules that meet rules of the other direction kept.

use super::{px, GridOptions, Rules, Run, Segment};
use crate::normalize::InkMask;
use crate::union_find::UnionFind;

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
pub(super) fn line_segments(
    ink: &InkMask,
    dpi: u32,
    opts: &GridOptions,
) -> (Vec<Segment>, Vec<Segment>) {
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

pub(super) fn touches(h: &Segment, v: &Segment, tol: i32) -> bool {
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
