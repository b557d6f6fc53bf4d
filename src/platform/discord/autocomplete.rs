//! Autocomplete: the next bookable slots in the member's own zone (with how many booked each,
//! so people can join busy slots), the community's allowed lengths, the member's bookings, and
//! IANA zones. Discord shows at most 25 choices, each label and value at most 100 characters.

use poise::serenity_prelude as serenity;

use super::context::{actor_of, Context};
use crate::core::message::render_time_in_zone;
use crate::core::model::{Community, Member};
use crate::core::slot_grid::next_grid_slot_after;
use crate::core::time_input::{parse_time_spec, resolve_time_spec};
use crate::engine::effective_settings;

const MAX_CHOICES: usize = 25;

fn response(choices: Vec<serenity::AutocompleteChoice>) -> serenity::CreateAutocompleteResponse {
    serenity::CreateAutocompleteResponse::new()
        .set_choices(choices.into_iter().take(MAX_CHOICES).collect())
}

/// The community and (if they used the bot before) the member behind this interaction.
async fn who(ctx: Context<'_>) -> Option<(Community, Option<Member>)> {
    let actor = actor_of(ctx)?;
    ctx.data().engine.community_and_member(&actor).await.ok()
}

pub async fn autocomplete_when(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let Some((community, member)) = who(ctx).await else {
        return response(vec![]);
    };
    let zone = member
        .as_ref()
        .map_or(community.settings.default_time_zone, |member| {
            member.time_zone
        });
    let engine = &ctx.data().engine;
    let now = engine.now();
    let settings = effective_settings(&community.settings);
    let mut choices = Vec::new();
    let typed = partial.trim();
    // What they typed, if it reads as a time: offered first, resolved so they see the date.
    // Half-typed hours ("tomorrow 9") are read as whole hours.
    let whole_hour = format!("{typed}:00");
    let readable = parse_time_spec(typed).or_else(|error| {
        match typed.ends_with(|c: char| c.is_ascii_digit()) {
            true => parse_time_spec(&whole_hour),
            false => Err(error),
        }
    });
    if let Ok(spec) = readable {
        if let Ok(at) = resolve_time_spec(&spec, now, zone) {
            let value = at.with_timezone(&zone).to_rfc3339();
            choices.push(serenity::AutocompleteChoice::new(
                format!("{} ({zone})", render_time_in_zone(at, zone)),
                value,
            ));
        }
    }
    let earliest = now + settings.booking_cutoff;
    let mut at = next_grid_slot_after(earliest);
    let horizon = at + chrono::Duration::hours(12);
    let counts = engine
        .booking_counts_between(&community, at, horizon)
        .await
        .unwrap_or_default();
    let needle = typed.to_lowercase();
    while at < horizon && choices.len() < MAX_CHOICES {
        let booked: i64 = counts
            .iter()
            .filter(|count| count.starts_at == at)
            .map(|count| count.active_bookings)
            .sum();
        let label = match booked {
            0 => render_time_in_zone(at, zone),
            1 => format!("{} · 1 person booked", render_time_in_zone(at, zone)),
            n => format!("{} · {n} people booked", render_time_in_zone(at, zone)),
        };
        if needle.is_empty() || label.to_lowercase().contains(&needle) || choices.is_empty() {
            choices.push(serenity::AutocompleteChoice::new(
                label,
                at.with_timezone(&zone).to_rfc3339(),
            ));
        }
        at = next_grid_slot_after(at);
    }
    response(choices)
}

pub async fn autocomplete_duration(
    ctx: Context<'_>,
    _partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let lengths = match who(ctx).await {
        Some((community, _)) => community.settings.allowed_lengths_minutes,
        None => vec![25, 50, 75],
    };
    response(
        lengths
            .into_iter()
            .map(|minutes| serenity::AutocompleteChoice::new(format!("{minutes} minutes"), minutes))
            .collect(),
    )
}

pub async fn autocomplete_booking(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let Some((_, Some(member))) = who(ctx).await else {
        return response(vec![]);
    };
    let engine = &ctx.data().engine;
    let bookings = engine
        .upcoming_bookings_of(&member)
        .await
        .unwrap_or_default();
    let needle = partial.trim().trim_start_matches('#').to_lowercase();
    let choices = bookings
        .iter()
        .map(|booking| {
            let label = format!(
                "#{} · {} · {} min{}",
                booking.id,
                render_time_in_zone(booking.starts_at, member.time_zone),
                booking.length_minutes,
                if booking.recurring_weekly {
                    " · weekly"
                } else {
                    ""
                }
            );
            (label, booking.id.to_string())
        })
        .filter(|(label, _)| needle.is_empty() || label.to_lowercase().contains(&needle))
        .map(|(label, value)| serenity::AutocompleteChoice::new(label, value))
        .collect();
    response(choices)
}

pub async fn autocomplete_zone(
    _ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let needle = partial.trim().to_lowercase().replace(' ', "_");
    let mut names: Vec<&str> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|zone| zone.name())
        .filter(|name| name.contains('/') || needle.len() > 1)
        .collect();
    names.retain(|name| name.to_lowercase().contains(&needle));
    // "par" → Europe/Paris before America/Paramaribo: city starts first.
    names.sort_by_key(|name| {
        let city = name.rsplit('/').next().unwrap_or(name).to_lowercase();
        (!city.starts_with(&needle), name.len(), *name)
    });
    response(
        names
            .into_iter()
            .map(|name| serenity::AutocompleteChoice::new(name, name))
            .collect(),
    )
}
