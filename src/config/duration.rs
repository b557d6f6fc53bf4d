//! [`HumanDuration`]: a duration written like "10m" or "1h 30m" in the file and the environment.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer};

/// A duration written like "10m", "1h 30m", "14d" (humantime); deserializes from a string
/// (or the number 0). Displays in the same form, e.g. `1h 30m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    pub const ZERO: HumanDuration = HumanDuration(Duration::ZERO);

    pub const fn from_secs(secs: u64) -> Self {
        HumanDuration(Duration::from_secs(secs))
    }

    pub const fn from_mins(mins: u64) -> Self {
        HumanDuration(Duration::from_secs(mins * 60))
    }

    pub const fn as_std(self) -> Duration {
        self.0
    }

    /// As a chrono duration; `None` only for absurdly long values (which validation rejects).
    pub fn to_chrono(self) -> Option<chrono::Duration> {
        chrono::Duration::from_std(self.0).ok()
    }
}

impl From<Duration> for HumanDuration {
    fn from(duration: Duration) -> Self {
        HumanDuration(duration)
    }
}

impl From<HumanDuration> for Duration {
    fn from(duration: HumanDuration) -> Self {
        duration.0
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", humantime::format_duration(self.0))
    }
}

impl FromStr for HumanDuration {
    type Err = humantime::DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        humantime::parse_duration(text.trim()).map(HumanDuration)
    }
}

const DURATION_EXPECTED: &str = "a duration such as \"10m\" or \"1h 30m\"";

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;

        impl Visitor<'_> for DurationVisitor {
            type Value = HumanDuration;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(DURATION_EXPECTED)
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<HumanDuration, E> {
                text.parse()
                    .map_err(|_| E::invalid_value(Unexpected::Str(text), &DURATION_EXPECTED))
            }

            // A bare number has no unit, so only zero is unambiguous.
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<HumanDuration, E> {
                match n {
                    0 => Ok(HumanDuration::ZERO),
                    _ => Err(E::invalid_value(
                        Unexpected::Unsigned(n),
                        &DURATION_EXPECTED,
                    )),
                }
            }

            fn visit_i64<E: de::Error>(self, n: i64) -> Result<HumanDuration, E> {
                match n {
                    0 => Ok(HumanDuration::ZERO),
                    _ => Err(E::invalid_value(Unexpected::Signed(n), &DURATION_EXPECTED)),
                }
            }
        }

        deserializer.deserialize_any(DurationVisitor)
    }
}
