//! Who a member may be matched with, by their own choice (issue 11): `prefs availability
//! everyone|friends` and the session modes (`book … quiet|talk|moving`, `prefs mix-modes`).
//!
//! Both become matching notes, so the matcher stays one exact algorithm with one objective:
//! - a member available to friends only gets a `Blocked` note with everyone in the slot who is
//!   neither a (mutual) friend nor one of their own favourites;
//! - a `quiet` and a `talk` member get a `Blocked` note unless both allowed mixing modes;
//! - any other two members whose modes differ get a `DifferentModes` note, a penalty, so equal
//!   modes are preferred whenever the rest of the objective allows.
//!
//! `mix-modes` is off by default: a member who said `quiet` asked for silence, and a partner
//! who came to talk would spoil both sessions; being told in time that nobody compatible is
//! booked (the reminder says so) is the better failure. A member who would rather have anyone
//! than nobody turns it on.

use std::collections::{HashMap, HashSet};

use crate::core::matching::{PairNote, PairTie};
use crate::core::model::{MemberId, Relation, RelationKind};

pub use crate::core::model::DEFAULT_SESSION_MODES;
/// The two modes never paired unless both members allow it.
pub const QUIET_MODE: &str = "quiet";
pub const TALK_MODE: &str = "talk";
/// A short list: members choose from it at every booking.
pub const MAX_SESSION_MODES: usize = 6;
pub const MAX_SESSION_MODE_CHARS: usize = 16;

/// `prefs availability everyone|friends`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Availability {
    #[default]
    Everyone,
    /// Friends (mutual) and the member's own favourites only.
    Friends,
}

impl Availability {
    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Everyone => "everyone",
            Availability::Friends => "friends",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.to_lowercase().as_str() {
            "everyone" | "anyone" | "all" => Some(Availability::Everyone),
            "friends" | "favourites" | "favorites" | "friends-only" => Some(Availability::Friends),
            _ => None,
        }
    }
}

/// A member's matching choices, as stored (`member_match_preferences`, absent = default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MatchPreferences {
    pub availability: Availability,
    /// May be paired with a member of the clashing mode (`quiet` with `talk`).
    pub mix_modes: bool,
}

/// One booked member as the notes see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotMemberChoice {
    pub member: MemberId,
    /// The booking's mode, already resolved to the community default when none was given.
    pub mode: String,
    pub preferences: MatchPreferences,
}

/// Whether two modes may never meet without both members' consent.
pub fn modes_clash(a: &str, b: &str) -> bool {
    (a == QUIET_MODE && b == TALK_MODE) || (a == TALK_MODE && b == QUIET_MODE)
}

/// Whether the members' own choices allow them to be paired at all, given who each has as a
/// friend or favourite (`acceptable(x, y)`: y is on x's list).
pub fn choices_allow_pair(
    a: &SlotMemberChoice,
    b: &SlotMemberChoice,
    on_list: impl Fn(MemberId, MemberId) -> bool,
) -> bool {
    let available = |x: &SlotMemberChoice, y: &SlotMemberChoice| {
        x.preferences.availability == Availability::Everyone || on_list(x.member, y.member)
    };
    let modes_ok =
        !modes_clash(&a.mode, &b.mode) || (a.preferences.mix_modes && b.preferences.mix_modes);
    available(a, b) && available(b, a) && modes_ok
}

/// Who each member has on their list: their (mutual) friends and their own favourites.
pub fn friend_or_favourite_lists(relations: &[Relation]) -> HashMap<MemberId, HashSet<MemberId>> {
    let mut lists: HashMap<MemberId, HashSet<MemberId>> = HashMap::new();
    for relation in relations {
        if matches!(
            relation.kind,
            RelationKind::Friend | RelationKind::Favourite
        ) {
            lists
                .entry(relation.member)
                .or_default()
                .insert(relation.other);
        }
    }
    lists
}

/// The notes the members' choices add to the slot's matching (see the module documentation).
/// Nothing when everyone is available to everyone and all modes are equal, the usual slot;
/// otherwise one look at every pair.
pub fn choice_notes(members: &[SlotMemberChoice], relations: &[Relation]) -> Vec<PairNote> {
    let anyone_picky = members
        .iter()
        .any(|member| member.preferences.availability == Availability::Friends);
    let modes_differ = members.windows(2).any(|pair| pair[0].mode != pair[1].mode);
    if !anyone_picky && !modes_differ {
        return Vec::new();
    }
    let lists = friend_or_favourite_lists(relations);
    let on_list = |x: MemberId, y: MemberId| lists.get(&x).is_some_and(|list| list.contains(&y));
    let mut notes = Vec::new();
    for (index, a) in members.iter().enumerate() {
        for b in &members[index + 1..] {
            if a.member == b.member {
                continue;
            }
            let tie = if !choices_allow_pair(a, b, on_list) {
                PairTie::Blocked
            } else if a.mode != b.mode {
                PairTie::DifferentModes
            } else {
                continue;
            };
            notes.push(PairNote {
                a: a.member,
                b: b.member,
                tie,
            });
        }
    }
    notes
}

/// Why a community's mode list cannot be used, in plain sentences (`setup modes …` and the
/// config file's `community_defaults.session_modes`).
pub fn session_mode_problems(modes: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    if modes.is_empty() {
        problems.push("Give at least one mode, like quiet.".to_string());
    }
    if modes.len() > MAX_SESSION_MODES {
        problems.push(format!(
            "{} modes is too many to choose from at every booking; give at most {MAX_SESSION_MODES}.",
            modes.len()
        ));
    }
    let mut seen = HashSet::new();
    for mode in modes {
        let well_formed = !mode.is_empty()
            && mode.chars().count() <= MAX_SESSION_MODE_CHARS
            && mode
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && mode.starts_with(|c: char| c.is_ascii_lowercase());
        if !well_formed {
            problems.push(format!(
                "\"{mode}\" can't be a mode: use one word of lower-case letters (digits and - \
                 allowed after the first letter), at most {MAX_SESSION_MODE_CHARS} characters."
            ));
        } else if !seen.insert(mode.as_str()) {
            problems.push(format!("\"{mode}\" is listed twice."));
        }
    }
    problems
}

/// A booking's mode: the one named (lower-cased) if the community offers it, or the
/// community's first mode when none was named. `Err` carries the offered list.
pub fn resolve_mode(named: Option<&str>, offered: &[String]) -> Result<String, Vec<String>> {
    match named {
        None => Ok(default_mode(offered)),
        Some(name) => {
            let name = name.to_lowercase();
            if offered.contains(&name) {
                Ok(name)
            } else {
                Err(offered.to_vec())
            }
        }
    }
}

/// The community's first mode (its default), or `quiet` for an empty list.
pub fn default_mode(offered: &[String]) -> String {
    offered
        .first()
        .cloned()
        .unwrap_or_else(|| DEFAULT_SESSION_MODES[0].to_string())
}

/// The default list, owned.
pub fn default_session_modes() -> Vec<String> {
    DEFAULT_SESSION_MODES
        .iter()
        .map(|mode| mode.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(
        id: i64,
        mode: &str,
        availability: Availability,
        mix_modes: bool,
    ) -> SlotMemberChoice {
        SlotMemberChoice {
            member: MemberId(id),
            mode: mode.to_string(),
            preferences: MatchPreferences {
                availability,
                mix_modes,
            },
        }
    }

    fn relation(member: i64, other: i64, kind: RelationKind) -> Relation {
        Relation {
            member: MemberId(member),
            other: MemberId(other),
            kind,
        }
    }

    fn tie_between(notes: &[PairNote], a: i64, b: i64) -> Option<PairTie> {
        notes
            .iter()
            .find(|note| {
                (note.a, note.b) == (MemberId(a), MemberId(b))
                    || (note.a, note.b) == (MemberId(b), MemberId(a))
            })
            .map(|note| note.tie)
    }

    #[test]
    fn an_ordinary_slot_adds_no_notes() {
        let members = [
            choice(1, "quiet", Availability::Everyone, false),
            choice(2, "quiet", Availability::Everyone, false),
            choice(3, "quiet", Availability::Everyone, false),
        ];
        assert!(choice_notes(&members, &[]).is_empty());
    }

    #[test]
    fn a_friends_only_member_is_blocked_from_everyone_but_friends_and_own_favourites() {
        let members = [
            choice(1, "quiet", Availability::Friends, false),
            choice(2, "quiet", Availability::Everyone, false),
            choice(3, "quiet", Availability::Everyone, false),
            choice(4, "quiet", Availability::Everyone, false),
            choice(5, "quiet", Availability::Everyone, false),
        ];
        let relations = [
            relation(1, 2, RelationKind::Friend),
            relation(2, 1, RelationKind::Friend),
            relation(1, 3, RelationKind::Favourite),
            // 4 favours 1, but 1 never chose 4: not enough.
            relation(4, 1, RelationKind::Favourite),
        ];
        let notes = choice_notes(&members, &relations);
        assert_eq!(tie_between(&notes, 1, 2), None);
        assert_eq!(tie_between(&notes, 1, 3), None);
        assert_eq!(tie_between(&notes, 1, 4), Some(PairTie::Blocked));
        assert_eq!(tie_between(&notes, 1, 5), Some(PairTie::Blocked));
        assert_eq!(tie_between(&notes, 2, 3), None, "others stay free");
    }

    #[test]
    fn quiet_and_talk_meet_only_when_both_allow_it_and_other_differences_cost() {
        let members = [
            choice(1, "quiet", Availability::Everyone, true),
            choice(2, "talk", Availability::Everyone, false),
            choice(3, "talk", Availability::Everyone, true),
            choice(4, "moving", Availability::Everyone, false),
        ];
        let notes = choice_notes(&members, &[]);
        assert_eq!(tie_between(&notes, 1, 2), Some(PairTie::Blocked));
        assert_eq!(tie_between(&notes, 1, 3), Some(PairTie::DifferentModes));
        assert_eq!(tie_between(&notes, 1, 4), Some(PairTie::DifferentModes));
        assert_eq!(tie_between(&notes, 2, 3), None);
    }

    #[test]
    fn mode_lists_are_checked_and_resolved() {
        let offered = default_session_modes();
        assert_eq!(resolve_mode(None, &offered), Ok("quiet".to_string()));
        assert_eq!(resolve_mode(Some("Talk"), &offered), Ok("talk".to_string()));
        assert_eq!(resolve_mode(Some("dance"), &offered), Err(offered.clone()));
        assert!(session_mode_problems(&offered).is_empty());
        assert!(!session_mode_problems(&[]).is_empty());
        let twice = vec!["quiet".to_string(), "quiet".to_string()];
        assert_eq!(session_mode_problems(&twice).len(), 1);
        assert_eq!(session_mode_problems(&["Loud!".to_string()]).len(), 1);
        let many: Vec<String> = (0..7).map(|i| format!("m{i}")).collect();
        assert_eq!(session_mode_problems(&many).len(), 1);
    }
}
