//! The operator's HTTP endpoint: `/healthz` (the process is up), `/readyz` (database, runners
//! and platform connections; `health.rs`) and `/metrics` (Prometheus text; `metrics.rs`).
//! The web pages are other routes on the same server: [`serve`] merges any extra router in.
//!
//! It is a composition-level module like `main`: it reads the store and the engines' shared
//! [`HealthBoard`], and no engine or adapter knows it exists.

pub mod health;
pub mod metrics;
pub mod probe;

use std::sync::Arc;

use axum::routing::get;
use axum::Router;

use crate::engine::health::HealthBoard;
use crate::store::Store;

/// What the operator routes read.
#[derive(Clone)]
pub struct OpsState {
    pub store: Store,
    pub health: Arc<HealthBoard>,
    /// `None` when no recorder is installed in this process: `/metrics` answers 404.
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    pub readiness: health::ReadinessRules,
}

/// `/healthz`, `/readyz` and `/metrics`.
pub fn ops_router(state: OpsState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .with_state(state)
}

/// Serves the operator routes and `extra_routes` (the web pages; `Router::new()` for none) on
/// `listener` until `shutdown` turns true. Connections in flight finish; nothing new is
/// accepted after that.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: OpsState,
    extra_routes: Router,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> std::io::Result<()> {
    let app = ops_router(state).merge(extra_routes);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            // A dropped sender means nobody can stop us any more: serve until the process ends.
            if shutdown.wait_for(|stopping| *stopping).await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await
}
