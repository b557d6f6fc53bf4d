//! `/healthz` and `/readyz`. Ready means: the database answers, and for every platform the
//! process runs, its adapter is connected and its job runner is alive and not behind (no job
//! has waited for a runner longer than [`ReadinessRules::max_job_wait`]). The JSON body names
//! each part and what is wrong with it, so an operator (or a load balancer log) sees why.

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

use super::OpsState;
use crate::engine::health::RunnerHealth;

/// How strict `/readyz` is.
#[derive(Debug, Clone, Copy)]
pub struct ReadinessRules {
    /// The longest the database may take to answer `SELECT 1`.
    pub database_timeout: Duration,
    /// A claimable job waiting longer than this past its due time means the runner is behind.
    pub max_job_wait: chrono::Duration,
}

impl Default for ReadinessRules {
    fn default() -> Self {
        ReadinessRules {
            database_timeout: Duration::from_secs(2),
            max_job_wait: chrono::Duration::seconds(60),
        }
    }
}

/// The body of `/readyz`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Readiness {
    pub ready: bool,
    pub database: Part,
    pub platforms: Vec<PlatformReadiness>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlatformReadiness {
    pub platform: &'static str,
    pub connection: Part,
    pub runner: Part,
}

/// One checked part: `ok`, and when it is not, why in plain words.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Part {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl Part {
    fn ok() -> Self {
        Part {
            ok: true,
            problem: None,
        }
    }

    fn failing(problem: impl Into<String>) -> Self {
        Part {
            ok: false,
            problem: Some(problem.into()),
        }
    }
}

/// The process is up and serving HTTP; nothing else is checked (a liveness probe must not
/// fail because the database is slow, or the orchestrator restarts a healthy process).
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// 200 with the body when ready, 503 with the same body when not.
pub async fn readyz(State(state): State<OpsState>) -> (StatusCode, Json<Readiness>) {
    let readiness = check_readiness(&state, chrono::Utc::now()).await;
    let status = if readiness.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(readiness))
}

/// Checks every part; `now` is the wall clock the jobs' due times are compared with.
pub async fn check_readiness(state: &OpsState, now: chrono::DateTime<chrono::Utc>) -> Readiness {
    let rules = state.readiness;
    let database = match tokio::time::timeout(rules.database_timeout, state.store.ping()).await {
        Ok(Ok(())) => Part::ok(),
        Ok(Err(error)) => Part::failing(format!("the database does not answer: {error}")),
        Err(_) => Part::failing(format!(
            "the database did not answer within {:?}",
            rules.database_timeout
        )),
    };
    let mut platforms = Vec::new();
    for (platform, health) in state.health.snapshot() {
        let connection = if health.connected {
            Part::ok()
        } else if health.ever_connected {
            Part::failing("disconnected; reconnecting")
        } else {
            Part::failing("not connected yet")
        };
        let runner = match &health.runner {
            RunnerHealth::NotStarted => Part::failing("the job runner has not started"),
            RunnerHealth::Stopped => Part::failing("the job runner stopped"),
            running if !running.is_alive(Instant::now()) => {
                Part::failing("the job runner has not been heard from; it may be stuck")
            }
            _ if !database.ok => Part::failing("cannot tell: the database does not answer"),
            _ => runner_lag(state, platform, now, rules.max_job_wait).await,
        };
        platforms.push(PlatformReadiness {
            platform: platform.as_str(),
            connection,
            runner,
        });
    }
    let ready = database.ok
        && platforms
            .iter()
            .all(|platform| platform.connection.ok && platform.runner.ok);
    Readiness {
        ready,
        database,
        platforms,
    }
}

async fn runner_lag(
    state: &OpsState,
    platform: crate::core::model::Platform,
    now: chrono::DateTime<chrono::Utc>,
    max_wait: chrono::Duration,
) -> Part {
    match state.store.oldest_waiting_job_due_at(platform, now).await {
        Ok(Some(due_at)) if now - due_at > max_wait => Part::failing(format!(
            "behind: a job due {} s ago is still waiting",
            (now - due_at).num_seconds()
        )),
        Ok(_) => Part::ok(),
        Err(error) => Part::failing(format!("cannot read the jobs: {error}")),
    }
}
