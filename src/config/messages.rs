//! Messages and suggestions shared by loading and validation: "did you mean", time zone
//! hints, lists in prose, and password redaction.

use super::{ConfigProblem, HumanDuration};

pub(super) fn too_long_problem(key: &str, duration: HumanDuration) -> ConfigProblem {
    ConfigProblem::new(
        key,
        format!("`{key}` = \"{duration}\" is more than a year; that cannot be right"),
    )
}

pub(super) fn time_zone_problem(zone: &str) -> ConfigProblem {
    let key = "community_defaults.default_time_zone";
    let message = if zone.trim().is_empty() {
        format!("`{key}` is empty; write an IANA time zone name, e.g. \"UTC\" or \"Europe/Berlin\"")
    } else {
        match suggest_time_zone(zone) {
            // POSIX signs: Etc/GMT+2 is two hours *behind* UTC, a classic trap.
            Some(good) if good.starts_with("Etc/GMT") && good.len() > "Etc/GMT".len() => format!(
                "`{key}` = {zone:?} is not a known time zone; did you mean \"{good}\"? (careful: \
                 in \"Etc/GMT+N\" names the sign is reversed, \"Etc/GMT+2\" is UTC-2; a city \
                 name like \"Europe/Berlin\" is clearer)"
            ),
            Some(good) => format!(
                "`{key}` = {zone:?} is not a known time zone; did you mean \"{good}\"? \
                 (IANA names like \"Europe/Berlin\" or \"UTC\")"
            ),
            None => format!(
                "`{key}` = {zone:?} is not a known time zone; write an IANA name like \
                 \"Europe/Berlin\", \"America/New_York\" or \"UTC\""
            ),
        }
    };
    ConfigProblem::new(key, message)
}

/// The closest candidate by edit distance (case-insensitive), if close enough to be a typo.
pub(super) fn closest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let input = input.to_ascii_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        let lower = candidate.to_ascii_lowercase();
        let mut score = strsim::normalized_damerau_levenshtein(&input, &lower);
        if input.len() >= 3 && (lower.contains(&input) || input.contains(&lower)) {
            score = score.max(0.5);
        }
        if best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, candidate));
        }
    }
    best.filter(|(score, _)| *score >= 0.5)
        .map(|(_, candidate)| candidate)
}

/// The closest IANA name: same name in another case, then same city, then by edit distance.
fn suggest_time_zone(input: &str) -> Option<&'static str> {
    let wanted = input.trim().replace(' ', "_").to_ascii_lowercase();
    if wanted.is_empty() {
        return Some("UTC");
    }
    // Common abbreviations that are not zone names themselves.
    const ABBREVIATIONS: &[(&str, &str)] = &[
        ("pst", "America/Los_Angeles"),
        ("pdt", "America/Los_Angeles"),
        ("mdt", "America/Denver"),
        ("cst", "America/Chicago"),
        ("cdt", "America/Chicago"),
        ("edt", "America/New_York"),
        ("bst", "Europe/London"),
        ("cest", "Europe/Berlin"),
        ("eest", "Europe/Athens"),
        ("ist", "Asia/Kolkata"),
        ("jst", "Asia/Tokyo"),
        ("kst", "Asia/Seoul"),
        ("aest", "Australia/Sydney"),
        ("aedt", "Australia/Sydney"),
        ("nzst", "Pacific/Auckland"),
        ("nzdt", "Pacific/Auckland"),
    ];
    if let Some((_, zone)) = ABBREVIATIONS
        .iter()
        .find(|(abbreviation, _)| *abbreviation == wanted)
    {
        return Some(zone);
    }
    let names = || chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name());
    let city = |name: &str| name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    if let Some(exact) = names().find(|name| name.eq_ignore_ascii_case(&wanted)) {
        return Some(exact);
    }
    let wanted_city = city(&wanted);
    if let Some(same_city) = names().find(|name| name.contains('/') && city(name) == wanted_city) {
        return Some(same_city);
    }
    let mut best: Option<(f64, &'static str)> = None;
    for name in names() {
        let full = strsim::normalized_damerau_levenshtein(&wanted, &name.to_ascii_lowercase());
        let by_city = strsim::normalized_damerau_levenshtein(&wanted_city, &city(name)) * 0.95;
        let score = full.max(by_city);
        if best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, name));
        }
    }
    best.filter(|(score, _)| *score >= 0.4)
        .map(|(_, name)| name)
}

/// Replaces the password in `scheme://user:password@host/…` with `***`.
pub(super) fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest_start = scheme_end + 3;
    let rest = &url[rest_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let user_info = &authority[..at];
    let Some(colon) = user_info.find(':') else {
        return url.to_string();
    };
    format!(
        "{}{}:***{}",
        &url[..rest_start],
        &user_info[..colon],
        &url[rest_start + at..]
    )
}

/// A (multi-line) library error message on one line, for a problem list.
pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://bot:s3cret@db:5432/focusfolk"),
            "postgres://bot:***@db:5432/focusfolk"
        );
        assert_eq!(
            redact_url("postgres://bot@db/focusfolk"),
            "postgres://bot@db/focusfolk"
        );
        assert_eq!(
            redact_url("sqlite://focusfolk.sqlite"),
            "sqlite://focusfolk.sqlite"
        );
        assert_eq!(
            redact_url("postgres://db/x?password=a@b"),
            "postgres://db/x?password=a@b"
        );
    }

    #[test]
    fn suggests_time_zones() {
        assert_eq!(suggest_time_zone("Europe/Berln"), Some("Europe/Berlin"));
        assert_eq!(suggest_time_zone("europe/berlin"), Some("Europe/Berlin"));
        assert_eq!(suggest_time_zone("New York"), Some("America/New_York"));
        assert_eq!(
            suggest_time_zone("Amercia/Chicago"),
            Some("America/Chicago")
        );
    }
}
