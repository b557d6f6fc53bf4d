//! What loading reports: [`ConfigProblem`] (one plain-English problem) and [`ConfigError`]
//! (all of them).

use std::fmt;

/// One thing wrong with the configuration, in plain words.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigProblem {
    /// The dotted key, e.g. `community_defaults.reminder_lead`; a section name for problems with
    /// a whole section; empty for problems with the whole file (unreadable, not TOML, …).
    pub key: String,
    /// A sentence that names the key and says how to fix it.
    pub message: String,
}

impl ConfigProblem {
    pub(super) fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigProblem {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Everything wrong with the configuration. Displays one problem per line.
#[derive(Debug)]
pub struct ConfigError {
    pub problems: Vec<ConfigProblem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.problems.is_empty() {
            return f.write_str("the configuration is invalid");
        }
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            // A message never spans lines, so "one per line" holds.
            f.write_str(&problem.message.replace('\n', " "))?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl From<ConfigProblem> for ConfigError {
    fn from(problem: ConfigProblem) -> Self {
        ConfigError {
            problems: vec![problem],
        }
    }
}
