//! `/metrics`: the Prometheus exporter behind the `metrics` facade the engine records through
//! (`crate::engine::metrics` names every metric). The recorder is process-wide, so it is
//! installed once; later calls get the same handle.

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::OpsState;
use crate::engine::metrics::{MetricType, COMMAND_DURATION, DESCRIPTIONS, JOB_LAG};

/// Buckets of the command latency histogram, in seconds: Discord allows 3 s for an answer,
/// and the goal is under 0.1 s.
const COMMAND_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];
/// Buckets of the job lag histogram, in seconds: under a second is on time, minutes are
/// downtime or a backlog.
const JOB_LAG_BUCKETS: &[f64] = &[0.1, 0.5, 1.0, 2.0, 5.0, 15.0, 60.0, 300.0, 1800.0];

static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();

/// Installs the Prometheus recorder for this process (once) and returns its handle.
pub fn install_recorder() -> anyhow::Result<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(COMMAND_DURATION.into()), COMMAND_BUCKETS)
                .and_then(|builder| {
                    builder.set_buckets_for_metric(Matcher::Full(JOB_LAG.into()), JOB_LAG_BUCKETS)
                })
                .map_err(|error| error.to_string())?
                .install_recorder()
                .map_err(|error| error.to_string())?;
            for (name, kind, help) in DESCRIPTIONS {
                match kind {
                    MetricType::Counter => metrics::describe_counter!(*name, *help),
                    MetricType::Histogram => {
                        metrics::describe_histogram!(*name, metrics::Unit::Seconds, *help)
                    }
                }
            }
            Ok(recorder)
        })
        .clone()
        .map_err(|error| anyhow::anyhow!("cannot install the metrics recorder: {error}"))
}

/// The current figures in Prometheus' text format.
pub async fn render(State(state): State<OpsState>) -> Response {
    match &state.metrics {
        Some(handle) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            handle.render(),
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            "metrics are not recorded in this process\n",
        )
            .into_response(),
    }
}
