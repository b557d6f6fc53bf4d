//! Prepare's matching with locked-in pairs (issue 11): the pairs whose both members are still
//! booked (and have not blocked each other since) are taken out of the matching input and
//! added back as groups; everyone else goes through `match_these_members` exactly as before,
//! with whatever preferences it weighs. The rules are `core::locked_pairs`.

use std::collections::HashSet;

use crate::core::locked_pairs::{
    add_locked_pairs, members_outside_locked_pairs, usable_locked_pairs,
};
use crate::core::matching::MatchingOutcome;
use crate::core::model::{Community, Member, MemberId, RelationKind, Slot};
use crate::engine::errors::JobError;
use crate::engine::Engine;

impl Engine {
    pub(crate) async fn match_keeping_locked_pairs(
        &self,
        community: &Community,
        slot: &Slot,
        members: &[Member],
        seed: u64,
        locked: &[(MemberId, MemberId)],
    ) -> Result<MatchingOutcome, JobError> {
        if locked.is_empty() {
            return self
                .match_these_members(community, slot, members, seed)
                .await;
        }
        let ids: Vec<MemberId> = members.iter().map(|member| member.id).collect();
        let blocked: Vec<(MemberId, MemberId)> = self
            .store
            .relations_among(&ids)
            .await
            .map_err(JobError::unexpected)?
            .into_iter()
            .filter(|relation| relation.kind == RelationKind::Block)
            .map(|relation| (relation.member, relation.other))
            .collect();
        let present: HashSet<MemberId> = ids.iter().copied().collect();
        let pairs = usable_locked_pairs(locked, &present, &blocked);
        let outside: HashSet<MemberId> = members_outside_locked_pairs(&ids, &pairs)
            .into_iter()
            .collect();
        let rest: Vec<Member> = members
            .iter()
            .filter(|member| outside.contains(&member.id))
            .cloned()
            .collect();
        let rest_outcome = self
            .match_these_members(community, slot, &rest, seed)
            .await?;
        Ok(add_locked_pairs(rest_outcome, &pairs, &blocked))
    }
}
