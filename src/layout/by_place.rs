//! Rows whose labels were left unread, named by their place among the rows beside them,
//! and read labels that name no one row.

use super::{score, Expected, ObservedRow};
use crate::labels;
use std::collections::{HashMap, HashSet};

/// Whether the row `oi`, its label left unread and placed at `ei` by order (or read
/// but naming no one row: in `ambiguous`), is named by its place: each way, the rows
/// beside it up to the first whose label names it alone are placed at the rows beside
/// `ei`, each by order with its label unread or by an ambiguous label. The format
/// prints its rows in one order, so such a row is as sure as if read; where a read
/// label was no help (a stain, a row split in two), it is not.
pub(super) fn named_by_place(
    obs: &[ObservedRow],
    placed: &HashMap<usize, (usize, bool)>,
    ambiguous: &HashSet<usize>,
    oi: usize,
    ei: usize,
) -> bool {
    let needs_its_place = |o: usize| labels::is_unread(&obs[o].leaf) || ambiguous.contains(&o);
    let reaches_a_naming_label = |step: isize| {
        let (mut o, mut e) = (oi as isize, ei as isize);
        loop {
            (o, e) = (o + step, e + step);
            let (Ok(ou), Ok(eu)) = (usize::try_from(o), usize::try_from(e)) else {
                return false;
            };
            match placed.get(&ou) {
                Some(&(at, by_order)) if at == eu => {
                    if !by_order && !ambiguous.contains(&ou) {
                        return true;
                    }
                    if !needs_its_place(ou) {
                        return false;
                    }
                }
                _ => return false,
            }
        }
    };
    needs_its_place(oi) && reaches_a_naming_label(-1) && reaches_a_naming_label(1)
}

/// How far under the similarity of a row's label to its own row another row's may
/// come and still fit as well: the one or two characters that tell rows apart
/// ("本年新收" and "上年结转" before the same "政府信息公开申请数量") are the
/// ones OCR drops when a stray rule cuts the label.
const AMBIGUOUS_WITHIN: f32 = 0.05;

/// The rows of the format that `placed[k]`, placed by its label, fits as well as the
/// one it was put at: of its table, taken by no row (`taken`), and where the order of
/// the rows placed before and after it allows.
fn rivals(
    obs: &[ObservedRow],
    exp: &[Expected],
    placed: &[(usize, usize, bool)],
    taken: &HashSet<usize>,
    k: usize,
) -> Vec<usize> {
    let (oi, ei, by_order) = placed[k];
    let Expected::Row(spec, _) = exp[ei] else {
        return Vec::new();
    };
    if by_order {
        return Vec::new();
    }
    let after = k.checked_sub(1).map_or(0, |p| placed[p].1 + 1);
    let before = placed.get(k + 1).map_or(exp.len(), |p| p.1);
    let own = score(&obs[oi], exp[ei]);
    (after..before)
        .filter(|&ej| {
            ej != ei
                && !taken.contains(&ej)
                && matches!(exp[ej], Expected::Row(s, _) if s.id == spec.id)
                && score(&obs[oi], exp[ej]) >= own - AMBIGUOUS_WITHIN
        })
        .collect()
}

/// Each row placed by a label that fits as well a free row right beside where a
/// neighbour was placed (the next printed row placed at the row after the rival, or the
/// previous at the one before it), its own place beside neither, moved there: the
/// format prints its rows in one order, so that is where it stands.
pub(super) fn seat_beside_neighbours(
    obs: &[ObservedRow],
    exp: &[Expected],
    placed: &mut [(usize, usize, bool)],
) {
    for k in 0..placed.len() {
        let taken: HashSet<usize> = placed.iter().map(|p| p.1).collect();
        let beside = |placed: &[(usize, usize, bool)], e: usize| {
            let (oi, _, _) = placed[k];
            let prev = k.checked_sub(1).map(|p| placed[p]);
            let next = placed.get(k + 1);
            prev.is_some_and(|p| p.0 + 1 == oi && p.1 + 1 == e)
                || next.is_some_and(|n| n.0 == oi + 1 && n.1 == e + 1)
        };
        if beside(placed, placed[k].1) {
            continue;
        }
        if let Some(ej) =
            (rivals(obs, exp, placed, &taken, k).into_iter()).find(|&ej| beside(placed, ej))
        {
            placed[k].1 = ej;
        }
    }
}

/// The rows of `placed` (by observed row) placed by a label that names no one row: its
/// cell stands beside another row of values too (the rules between the labels lost),
/// or it fits as well another row of the same table ([`rivals`]).
pub(super) fn ambiguous_labels(
    obs: &[ObservedRow],
    exp: &[Expected],
    placed: &[(usize, usize, bool)],
) -> HashSet<usize> {
    let taken: HashSet<usize> = placed.iter().map(|p| p.1).collect();
    let shares_its_label = |oi: usize| {
        let label = obs[oi].label;
        (obs.iter().enumerate()).any(|(oj, o)| {
            oj != oi
                && !o.values.is_empty()
                && o.label.zip(label).is_some_and(|(a, b)| std::ptr::eq(a, b))
        })
    };
    (0..placed.len())
        .filter(|&k| !placed[k].2 && matches!(exp[placed[k].1], Expected::Row(..)))
        .filter(|&k| {
            shares_its_label(placed[k].0) || !rivals(obs, exp, placed, &taken, k).is_empty()
        })
        .map(|k| placed[k].0)
        .collect()
}
