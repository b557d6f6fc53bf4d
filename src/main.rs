use std::path::PathBuf;

use clap::{Parser, Subcommand};

use cofocus::config::{check_config, Config};
use cofocus::store::Store;

/// Focusmate-style body doubling for Discord and Matrix communities.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Config file (TOML). Defaults to ./cofocus.toml when present; COFOCUS_* env vars override it.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
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
        /// Database URL (default: the config's, i.e. sqlite://cofocus.sqlite).
        #[arg(long)]
        database: Option<String>,
        /// Start the clock here (RFC 3339) instead of now.
        #[arg(long)]
        start: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Read the config and say in plain words what is wrong with it.
    CheckConfig,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cofocus: {error:#}");
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
        CliCommand::Migrate => {
            let config = Config::load(cli.config.as_deref())?;
            Store::connect_and_migrate(&config.database.url).await?;
            println!("migrations applied to {}", config.database.url);
            Ok(())
        }
        CliCommand::Demo { database } => {
            let temporary = tempfile_path()?;
            let url = database.unwrap_or_else(|| format!("sqlite://{}", temporary.display()));
            cofocus::demo::run_demo(&url, |line| println!("{line}")).await?;
            let _ = std::fs::remove_file(&temporary);
            Ok(())
        }
        CliCommand::Shell { database, start } => {
            let config = Config::load(cli.config.as_deref())?;
            let url = database.unwrap_or(config.database.url.clone());
            let start = match start {
                Some(text) => chrono::DateTime::parse_from_rfc3339(&text)
                    .map_err(|error| anyhow::anyhow!("--start {text:?} is not an RFC 3339 time: {error}"))?
                    .with_timezone(&chrono::Utc),
                None => chrono::Utc::now(),
            };
            let session =
                cofocus::demo::build_shell_session(&url, config.community_settings()?, start, &config.shell.community).await?;
            cofocus::shell_repl::run_interactive(session).await
        }
    }
}

fn tempfile_path() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir();
    Ok(dir.join(format!("cofocus-demo-{}.sqlite", std::process::id())))
}
