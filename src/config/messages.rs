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

/// Query parameters whose value is a credential (compared case-insensitively).
const SECRET_PARAMETERS: &[&str] = &[
    "password",
    "sslpassword",
    "passwd",
    "pwd",
    "token",
    "access_token",
    "refresh_token",
    "secret",
    "api_key",
    "apikey",
    "key",
];

/// Text safe to print or log: in every URL in `text`, the password of `user:password@` and the
/// values of credential query parameters (`?password=…`, `&sslpassword=…`, `&token=…`,
/// `&access_token=…`, any case) become `***`. Works on a bare URL and on a message that
/// quotes one (`"postgres://u:p@db/x"`).
pub(crate) fn redact_url(text: &str) -> String {
    redact_query_secrets(&redact_user_info(text))
}

/// Where a URL part ends inside a longer text.
fn ends_url(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>' | ',' | ']' | ')' | '}')
}

/// `scheme://user:password@host` → `scheme://user:***@host`, for every URL in the text; a
/// lone value without a scheme (`user:password@host`, a mistake being reported) too.
fn redact_user_info(text: &str) -> String {
    if !text.contains("://") && !text.contains(char::is_whitespace) {
        let authority_end = text.find(['/', '?', '#']).unwrap_or(text.len());
        return format!(
            "{}{}",
            redact_authority(&text[..authority_end]),
            &text[authority_end..]
        );
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(scheme_end) = rest.find("://") {
        let authority_start = scheme_end + 3;
        out.push_str(&rest[..authority_start]);
        rest = &rest[authority_start..];
        let authority_end = rest
            .find(|c: char| matches!(c, '/' | '?' | '#') || ends_url(c))
            .unwrap_or(rest.len());
        out.push_str(&redact_authority(&rest[..authority_end]));
        rest = &rest[authority_end..];
    }
    out.push_str(rest);
    out
}

/// `user:password@host` → `user:***@host`; anything else as it is.
fn redact_authority(authority: &str) -> String {
    let Some(at) = authority.rfind('@') else {
        return authority.to_string();
    };
    let user_info = &authority[..at];
    match user_info.find(':') {
        Some(colon) => format!("{}:***{}", &user_info[..colon], &authority[at..]),
        None => authority.to_string(),
    }
}

/// `?password=x&a=b` → `?password=***&a=b` (and the other [`SECRET_PARAMETERS`]).
fn redact_query_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(separator) = rest.find(['?', '&', ';']) {
        out.push_str(&rest[..=separator]);
        rest = &rest[separator + 1..];
        let Some(equals) = rest.find('=') else {
            continue;
        };
        let name = &rest[..equals];
        if name.contains(|c: char| matches!(c, '?' | '&' | ';' | '#') || ends_url(c)) {
            continue;
        }
        let secret = SECRET_PARAMETERS
            .iter()
            .any(|wanted| name.eq_ignore_ascii_case(wanted));
        if !secret {
            continue;
        }
        let value_end = rest[equals + 1..]
            .find(|c: char| matches!(c, '&' | ';' | '#') || ends_url(c))
            .map_or(rest.len(), |end| equals + 1 + end);
        out.push_str(name);
        out.push_str("=***");
        rest = &rest[value_end..];
    }
    out.push_str(rest);
    out
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
    }

    /// S1: passwords in query strings, and credentials in any URL, are never printed.
    #[test]
    fn redacts_query_passwords_and_credentials_in_any_url() {
        assert_eq!(
            redact_url("postgres://db/x?password=s3cret"),
            "postgres://db/x?password=***"
        );
        assert_eq!(
            redact_url("postgres://db/x?password=a@b"),
            "postgres://db/x?password=***"
        );
        assert_eq!(
            redact_url("postgres://u:pw@db/x?sslmode=require&PassWord=s3cret&application_name=ff"),
            "postgres://u:***@db/x?sslmode=require&PassWord=***&application_name=ff"
        );
        assert_eq!(
            redact_url("postgresql://db/x?sslpassword=k3y&sslmode=verify-full#frag"),
            "postgresql://db/x?sslpassword=***&sslmode=verify-full#frag"
        );
        assert_eq!(
            redact_url("https://call.example.org/?TOKEN=abc&access_token=def&room=1"),
            "https://call.example.org/?TOKEN=***&access_token=***&room=1"
        );
        assert_eq!(
            redact_url("http://user:p4ss@proxy:3000"),
            "http://user:***@proxy:3000"
        );
        assert_eq!(
            redact_url("user:p4ss@proxy:3000/x"),
            "user:***@proxy:3000/x"
        );
        assert_eq!(
            redact_url("@focusfolk:example.org"),
            "@focusfolk:example.org"
        );
        assert_eq!(
            redact_url("`x` = \"http://u:p4ss@h/?token=t0k\" must start with https://"),
            "`x` = \"http://u:***@h/?token=***\" must start with https://"
        );
        assert_eq!(
            redact_url("[\"http://a:b@x\", \"http://c:d@y\"]"),
            "[\"http://a:***@x\", \"http://c:***@y\"]"
        );
        for harmless in [
            "https://matrix.example.org",
            "sqlite://focusfolk.sqlite?mode=rwc",
            "postgres://bot@db/focusfolk?sslmode=require",
            "meet.jit.si",
            "",
        ] {
            assert_eq!(redact_url(harmless), harmless);
        }
        for secret in ["s3cret", "k3y", "abc", "def", "p4ss", "t0k"] {
            let all = redact_url(&format!(
                "a://u:{secret}@h/?password={secret} b://h?x=1&sslpassword={secret};token={secret}"
            ));
            assert!(!all.contains(secret), "{all}");
        }
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
