//! From rules to tables: connected rules grouped, their positions made a lattice, and
//! the lattice's cells merged wherever the rule between them is absent.

use super::apart::{value_apart, Boundary};
use super::faint::{self, Stretch};
use super::rules::touches;
use super::{px, GridCell, GridOptions, Rules, Segment, TableGrid};
use crate::geometry::PixelBox;
use crate::normalize::NormalizedPage;
use crate::union_find::UnionFind;

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
pub(super) fn rectangles(members: &[(usize, usize)]) -> Vec<(usize, usize, usize, usize)> {
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
