// Built without any chat platform (the quick start's `--no-default-features`), `run` has
// nothing to start and only says so: the code that wires platforms up is unused then.
#![cfg_attr(not(any(feature = "discord", feature = "matrix")), allow(unused))]

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use std::sync::Arc;

use focusfolk::clock::{Clock, SystemClock};
use focusfolk::config::{check_config, Config};
use focusfolk::core::model::Platform;
use focusfolk::engine::health::HealthBoard;
use focusfolk::engine::{CommandLimits, EngineSetup, RunnerSettings};
use focusfolk::logging::LogFormat;
use focusfolk::store::{JobListFilter, Store};

/// The version and the chat platforms compiled into this binary (`--no-default-features`
/// builds have only the shell).
const VERSION: &str = if cfg!(all(feature = "discord", feature = "matrix")) {
    concat!(
        env!("CARGO_PKG_VERSION"),
        " (platforms: discord, matrix, shell)"
    )
} else if cfg!(feature = "discord") {
    concat!(env!("CARGO_PKG_VERSION"), " (platforms: discord, shell)")
} else if cfg!(feature = "matrix") {
    concat!(env!("CARGO_PKG_VERSION"), " (platforms: matrix, shell)")
} else {
    concat!(env!("CARGO_PKG_VERSION"), " (platforms: shell)")
};

/// Focusmate-style body doubling for Discord and Matrix communities.
#[derive(Parser)]
#[command(version = VERSION, about)]
struct Cli {
    /// Config file (TOML). Defaults to ./focusfolk.toml when present; FOCUSFOLK_* env vars override it.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// How log lines (on stderr) are written: `text`, or `json` (one object per line) for log
    /// shippers. The level is `info` unless RUST_LOG says otherwise.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: CliCommand,
}

#[derive(Subcommand)]
enum CliCommand {
    /// Scripted scenario on a fresh SQLite file: bookings, matching, a no-show and a rematch.
    Demo {
        /// Keep the database here instead of a temporary file.
        #[arg(long)]
        database: Option<String>,
    },
    /// Interactive shell: be any member, type commands, move the clock, join rooms.
    Shell {
        /// Database URL (default: sqlite://focusfolk-shell.sqlite, the shell's own file, never
        /// the bot's). Whatever the database, the shell sees only its own shell communities.
        #[arg(long)]
        database: Option<String>,
        /// Start the clock here (RFC 3339) instead of now.
        #[arg(long)]
        start: Option<String>,
    },
    /// Run the bot on the platforms configured in [discord] and/or [matrix].
    Run,
    /// Apply database migrations and exit.
    Migrate,
    /// Read the config and say in plain words what is wrong with it.
    CheckConfig,
    /// Ask the running bot's HTTP endpoint ([http] listen) whether it is up; exit 0 if so.
    /// The container image's HEALTHCHECK.
    Healthcheck {
        /// Ask /readyz (database, runners, platform connections) instead of /healthz.
        #[arg(long)]
        ready: bool,
    },
    /// List the scheduled jobs: by default the pending ones and those that gave up, with why.
    Jobs {
        /// Only the jobs that gave up, latest first, with their last error.
        #[arg(long, conflicts_with_all = ["pending", "slot"])]
        failed: bool,
        /// Only the pending jobs, earliest first.
        #[arg(long, conflicts_with = "slot")]
        pending: bool,
        /// Every job of this slot, whatever its state.
        #[arg(long, value_name = "SLOT_ID")]
        slot: Option<i64>,
        #[command(subcommand)]
        action: Option<JobsAction>,
    },
    /// Print each community's figures: members, upcoming bookings, last week's sessions and
    /// hours, attendance.
    Stats,
}

#[derive(Subcommand)]
enum JobsAction {
    /// Put a job that gave up back to run now (attempts from zero). Jobs that finished
    /// normally are left alone.
    Retry {
        /// The job's id, as `focusfolk jobs` shows it.
        id: i64,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    focusfolk::logging::init_logging(cli.log_format);
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("focusfolk: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        CliCommand::CheckConfig => {
            let summary = check_config(cli.config.as_deref())?;
            println!("{summary}");
            Ok(())
        }
        CliCommand::Run => run_bot(Config::load(cli.config.as_deref())?).await,
        CliCommand::Healthcheck { ready } => {
            let config = Config::load(cli.config.as_deref())?;
            let Some(listen) = config.http.listen_address() else {
                anyhow::bail!("the HTTP endpoint is off ([http] listen = \"\"); nothing to ask");
            };
            let path = if ready { "/readyz" } else { "/healthz" };
            let address = focusfolk::http::probe::probe_address(listen);
            focusfolk::http::probe::probe(address, path, std::time::Duration::from_secs(5)).await?;
            println!("ok: http://{address}{path}");
            Ok(())
        }
        CliCommand::Jobs {
            failed,
            pending,
            slot,
            action,
        } => {
            let store = operator_store(&Config::load(cli.config.as_deref())?).await?;
            let text = match action {
                Some(JobsAction::Retry { id }) => {
                    focusfolk::operator::retry_job(&store, id, chrono::Utc::now()).await?
                }
                None => {
                    let filter = match (failed, pending, slot) {
                        (true, _, _) => JobListFilter::Failed,
                        (_, true, _) => JobListFilter::Pending,
                        (_, _, Some(slot)) => JobListFilter::Slot(slot),
                        _ => JobListFilter::Interesting,
                    };
                    focusfolk::operator::list_jobs(&store, filter).await?
                }
            };
            println!("{text}");
            Ok(())
        }
        CliCommand::Stats => {
            let store = operator_store(&Config::load(cli.config.as_deref())?).await?;
            println!(
                "{}",
                focusfolk::operator::stats(&store, chrono::Utc::now()).await?
            );
            Ok(())
        }
        CliCommand::Migrate => {
            let config = Config::load(cli.config.as_deref())?;
            Store::connect_and_migrate_with_pool_size(
                &config.database.url,
                config.database.max_connections,
            )
            .await?;
            // Redacted: a PostgreSQL URL may carry a password.
            println!("migrations applied to {}", config.database.redacted_url());
            Ok(())
        }
        CliCommand::Demo { database } => {
            let temporary = tempfile_path()?;
            let url = database.unwrap_or_else(|| format!("sqlite://{}", temporary.display()));
            focusfolk::demo::run_demo(&url, |line| println!("{line}")).await?;
            let _ = std::fs::remove_file(&temporary);
            Ok(())
        }
        CliCommand::Shell { database, start } => {
            let config = Config::load(cli.config.as_deref())?;
            let url = database.unwrap_or_else(|| focusfolk::demo::SHELL_DATABASE_URL.to_string());
            let start = match start {
                Some(text) => chrono::DateTime::parse_from_rfc3339(&text)
                    .map_err(|error| {
                        anyhow::anyhow!("--start {text:?} is not an RFC 3339 time: {error}")
                    })?
                    .with_timezone(&chrono::Utc),
                None => chrono::Utc::now(),
            };
            let session = focusfolk::demo::build_shell_session(
                &url,
                config.community_settings()?,
                start,
                &config.shell.community,
            )
            .await?;
            focusfolk::shell_repl::run_interactive(session).await
        }
    }
}

/// The bot's database for the operator's commands, migrated like `run` would (so they work on
/// a database an older version left).
async fn operator_store(config: &Config) -> anyhow::Result<Store> {
    Ok(Store::connect_and_migrate_with_pool_size(&config.database.url, 2).await?)
}

fn tempfile_path() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir();
    Ok(dir.join(format!("focusfolk-demo-{}.sqlite", std::process::id())))
}

/// One engine per configured platform, each taking only its own communities' jobs, all on one
/// database; Ctrl-C (or SIGTERM) stops them cleanly.
async fn run_bot(config: Config) -> anyhow::Result<()> {
    let store = Store::connect_and_migrate_with_pool_size(
        &config.database.url,
        config.database.max_connections,
    )
    .await?;
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let stop = Arc::new(stop);
    // One health board for every engine: /readyz reads it. A configured platform is expected
    // from the start, so it shows as "not connected yet" while it logs in.
    let health = Arc::new(HealthBoard::new());
    #[cfg(feature = "discord")]
    if config.discord.is_configured() {
        health.expect_platform(Platform::Discord);
    }
    #[cfg(feature = "matrix")]
    if config.matrix.is_configured() {
        health.expect_platform(Platform::Matrix);
    }
    let http = start_http(&config, &store, &health, shutdown.clone()).await?;
    // The chores' cron ticks only enqueue durable jobs, which the platforms' runners take.
    let configured: Vec<Platform> = health
        .snapshot()
        .into_iter()
        .map(|(platform, _)| platform)
        .collect();
    let schedules = focusfolk::cron::ChoreSchedules {
        prune: config.chores.prune_schedule(),
        digest: config.chores.digest_schedule(),
    };
    let any_chore = schedules.prune.is_some() || schedules.digest.is_some();
    let mut chores = if any_chore && !configured.is_empty() {
        Some(focusfolk::cron::start_chores(store.clone(), schedules, configured).await?)
    } else {
        None
    };
    tokio::spawn({
        let stop = stop.clone();
        async move {
            wait_for_stop_signal().await;
            tracing::info!("stop signal: finishing the work in hand");
            let _ = stop.send(true);
        }
    });
    let mut running: Vec<(&str, tokio::task::JoinHandle<anyhow::Result<()>>)> = Vec::new();
    #[cfg(feature = "discord")]
    if config.discord.is_configured() {
        let setup = engine_setup(&config, &store, Platform::Discord)?.with_health(health.clone());
        let (discord, shutdown) = (config.discord.clone(), shutdown.clone());
        running.push((
            "discord",
            tokio::spawn(async move {
                focusfolk::platform::discord::run_discord(&discord, setup, shutdown).await
            }),
        ));
    }
    #[cfg(feature = "matrix")]
    if config.matrix.is_configured() {
        let setup = engine_setup(&config, &store, Platform::Matrix)?.with_health(health.clone());
        let (matrix, shutdown) = (config.matrix.clone(), shutdown.clone());
        running.push((
            "matrix",
            tokio::spawn(async move {
                focusfolk::platform::matrix::run_matrix(matrix, setup, shutdown).await
            }),
        ));
    }
    if running.is_empty() {
        anyhow::bail!(
            "no platform is configured: fill in [discord] or [matrix] (see config.example.toml), \
             or try `focusfolk demo` / `focusfolk shell` locally"
        );
    }
    // The platforms are supervised together: the first one to stop for any reason but a stop
    // signal (it failed to start, its runner died, it panicked) stops the others, and the
    // process exits non-zero, so a restart policy brings everything back instead of a
    // half-alive process that answers "Booked" while nothing runs that platform's slots.
    let mut tasks = tokio::task::JoinSet::new();
    for (name, task) in running {
        tasks.spawn(async move { (name, task.await) });
    }
    let mut failure = None;
    while let Some(joined) = tasks.join_next().await {
        let Ok((name, ended)) = joined else {
            continue;
        };
        let problem = match ended {
            Ok(Ok(())) if *shutdown.borrow() => {
                tracing::info!(platform = name, "stopped");
                continue;
            }
            Ok(Ok(())) => anyhow::anyhow!("{name} stopped on its own"),
            Ok(Err(error)) => anyhow::anyhow!("{name}: {error:#}"),
            Err(panic) => anyhow::anyhow!("{name} crashed: {panic}"),
        };
        tracing::error!(platform = name, error = %format!("{problem:#}"), "a platform stopped; stopping the others and exiting with an error");
        if failure.is_none() {
            failure = Some(problem);
        }
        let _ = stop.send(true);
    }
    let _ = stop.send(true);
    if let Some(chores) = chores.as_mut() {
        let _ = chores.shutdown().await;
    }
    if let Some(http) = http {
        // It stops accepting at once; a slow scraper gets a few seconds to finish.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), http).await;
    }
    failure.map_or(Ok(()), Err)
}

/// Binds `[http] listen` (a bind failure stops the start: a port taken by another process is
/// a mistake to fix, not to run without) and serves health, readiness and metrics until
/// `shutdown`. `None` when the endpoint is off.
async fn start_http(
    config: &Config,
    store: &Store,
    health: &Arc<HealthBoard>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    let Some(address) = config.http.listen_address() else {
        tracing::info!("HTTP endpoint off ([http] listen = \"\")");
        return Ok(None);
    };
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|error| anyhow::anyhow!("cannot listen on http.listen = {address}: {error}"))?;
    let state = focusfolk::http::OpsState {
        store: store.clone(),
        health: health.clone(),
        metrics: Some(focusfolk::http::metrics::install_recorder()?),
        readiness: Default::default(),
    };
    tracing::info!(%address, "HTTP endpoint: /healthz, /readyz, /metrics, /c/…, /me/…, /ical/…");
    // The web pages and calendar feeds only read, through an engine's queries: this engine's
    // runner never runs and its port (the shell's, which sends nothing anywhere) is never
    // called. Its settings give the pages' links their `[web] public_url`.
    let pages_engine = engine_setup(config, store, Platform::Shell)?
        .build(Arc::new(focusfolk::platform::shell::ShellPlatform::new()));
    let extra_routes = focusfolk::web::router(focusfolk::web::WebState::new(pages_engine));
    Ok(Some(tokio::spawn(async move {
        if let Err(error) = focusfolk::http::serve(listener, state, extra_routes, shutdown).await {
            tracing::error!(%error, "the HTTP endpoint stopped");
        }
    })))
}

/// What one platform's engine is built from: the shared store, the system clock, the
/// community defaults and that platform's runner settings.
fn engine_setup(config: &Config, store: &Store, platform: Platform) -> anyhow::Result<EngineSetup> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    Ok(EngineSetup::new(
        store.clone(),
        clock,
        config.community_settings()?,
        runner_settings(config, platform)?,
    ))
}

/// `[runner]` as the engine wants it. The worker id must be unique per running instance; the
/// default (host + pid + platform) is, and an explicit one lets a restart reclaim its leases.
fn runner_settings(config: &Config, platform: Platform) -> anyhow::Result<RunnerSettings> {
    let to_chrono = |value: focusfolk::config::HumanDuration, key: &str| {
        value
            .to_chrono()
            .ok_or_else(|| anyhow::anyhow!("runner.{key} is too long"))
    };
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .unwrap_or_else(|_| "focusfolk".into());
    let worker_id = match &config.runner.worker_id {
        Some(id) => format!("{id}-{platform}"),
        None => format!("{host}-{}-{platform}", std::process::id()),
    };
    Ok(RunnerSettings {
        worker_id,
        job_lease: to_chrono(config.runner.job_lease, "job_lease")?,
        retry_delay: to_chrono(config.runner.retry_delay, "retry_delay")?,
        max_idle_sleep: to_chrono(config.runner.max_idle_sleep, "max_idle_sleep")?,
        effects_in_flight: config.runner.effects_in_flight as usize,
        limits: CommandLimits {
            command_burst: config.limits.command_burst,
            command_interval: config.limits.command_interval.as_std(),
            max_future_bookings: config.limits.max_future_bookings as usize,
        },
        shutdown_grace: config.runner.shutdown_grace.as_std(),
        retention: config.chores.retention(),
        web_public_url: config.web.public_url.clone(),
        ..RunnerSettings::for_platform(platform)
    })
}

async fn wait_for_stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
