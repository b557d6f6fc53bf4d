//! The class formula, reached: pairing members by class counts alone, then repairing the
//! noted pairs that pairing happens to make. Paths 1 and 2 both rely on it.

use std::collections::HashMap;

use super::prepared_slot::PreparedSlot;
use super::weights::{CLASS_COUNT, NEWCOMER_CLASS, OTHER_CLASS, REGULAR_CLASS};

pub(super) struct ClassCountPairing {
    pub(super) pairs: Vec<(usize, usize)>,
    pub(super) left_over: Option<usize>,
}

/// Pairs `members` with ⌊len/2⌋ pairs, min(newcomers, regulars) of them newcomer–regular, and
/// no noted pair — the class formula, reached — or None when the repairs run out of partners.
///
/// First a pairing by class counts alone, putting noted members next to plain ones where it
/// can; then each noted pair (u, v) is repaired by swapping partners with a pair (x, y), x of
/// v's class (or of u's class, roles swapped), such that (u, x) and (v, y) are not noted. The
/// classes of the pairs stay the same (so does the weight) and no noted pair appears.
pub(super) fn pair_by_class_counts_avoiding_notes(
    slot: &PreparedSlot,
    members: &[usize],
) -> Option<ClassCountPairing> {
    // Plain members first in each class list: they are the partners every repair can use.
    let mut plain_by_class: [Vec<usize>; CLASS_COUNT] = Default::default();
    let mut noted_by_class: [Vec<usize>; CLASS_COUNT] = Default::default();
    for &member in members {
        if slot.is_plain(member) {
            plain_by_class[slot.classes[member]].push(member);
        } else {
            noted_by_class[slot.classes[member]].push(member);
        }
    }
    let class_size = |class: usize| plain_by_class[class].len() + noted_by_class[class].len();
    let (minority_class, majority_class) =
        if class_size(NEWCOMER_CLASS) <= class_size(REGULAR_CLASS) {
            (NEWCOMER_CLASS, REGULAR_CLASS)
        } else {
            (REGULAR_CLASS, NEWCOMER_CLASS)
        };
    let minority: Vec<usize> = noted_by_class[minority_class]
        .iter()
        .chain(&plain_by_class[minority_class])
        .copied()
        .collect();
    let majority: Vec<usize> = plain_by_class[majority_class]
        .iter()
        .chain(&noted_by_class[majority_class])
        .copied()
        .collect();

    let mut partner_of: HashMap<usize, usize> = HashMap::with_capacity(members.len());
    let mut initial_pairs: Vec<(usize, usize)> = Vec::with_capacity(members.len() / 2);
    for (&a, &b) in minority.iter().zip(&majority) {
        initial_pairs.push((a, b));
    }
    // Whatever is left of the majority class, and the "other" class, pair among themselves
    // (every such pair weighs `base`): noted ones with plain ones first.
    let rest = &majority[minority.len().min(majority.len())..];
    let (mut rest_noted, mut rest_plain): (Vec<usize>, Vec<usize>) = rest
        .iter()
        .copied()
        .partition(|&member| !slot.is_plain(member));
    rest_noted.extend(&noted_by_class[OTHER_CLASS]);
    rest_plain.extend(&plain_by_class[OTHER_CLASS]);
    let common = rest_noted.len().min(rest_plain.len());
    for index in 0..common {
        initial_pairs.push((rest_noted[index], rest_plain[index]));
    }
    let remaining: Vec<usize> = rest_noted[common..]
        .iter()
        .chain(&rest_plain[common..])
        .copied()
        .collect();
    for couple in remaining.chunks(2) {
        if let [a, b] = couple {
            initial_pairs.push((*a, *b));
        }
    }
    let mut left_over = (remaining.len() % 2 == 1).then(|| remaining[remaining.len() - 1]);
    for &(a, b) in &initial_pairs {
        partner_of.insert(a, b);
        partner_of.insert(b, a);
    }

    let noted_initial_pairs: Vec<(usize, usize)> = initial_pairs
        .iter()
        .copied()
        .filter(|&(a, b)| slot.is_noted_pair(a, b))
        .collect();
    for (u, v) in noted_initial_pairs {
        // An earlier repair may already have broken this pair up (it swapped with it).
        if partner_of.get(&u) != Some(&v) {
            continue;
        }
        let repair = [(u, v), (v, u)]
            .into_iter()
            .find_map(|(keeper, displaced)| {
                let displaced_class = slot.classes[displaced];
                plain_by_class[displaced_class]
                    .iter()
                    .chain(&noted_by_class[displaced_class])
                    .copied()
                    .find(|&x| {
                        if x == keeper || x == displaced || slot.is_noted_pair(keeper, x) {
                            return false;
                        }
                        match partner_of.get(&x) {
                            Some(&y) => !slot.is_noted_pair(displaced, y),
                            None => left_over == Some(x),
                        }
                    })
                    .map(|x| (keeper, displaced, x))
            });
        let (keeper, displaced, x) = repair?;
        match partner_of.get(&x).copied() {
            Some(y) => {
                partner_of.insert(displaced, y);
                partner_of.insert(y, displaced);
            }
            None => {
                partner_of.remove(&displaced);
                left_over = Some(displaced);
            }
        }
        partner_of.insert(keeper, x);
        partner_of.insert(x, keeper);
    }

    let mut pairs: Vec<(usize, usize)> = partner_of
        .iter()
        .filter(|&(&a, &b)| a < b)
        .map(|(&a, &b)| (a, b))
        .collect();
    pairs.sort_unstable();
    Some(ClassCountPairing { pairs, left_over })
}
