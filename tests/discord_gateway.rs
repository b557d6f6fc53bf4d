//! The bot on the real wire: serenity connects to the fake Discord (REST in proxy mode,
//! gateway from `GET /gateway`), identifies, gets READY and GUILD_CREATE, registers its slash
//! commands, answers one, and survives a dropped connection.

mod discord_common;

use discord_common::wait::eventually;
use discord_common::{spawn, Options, Resume};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serenity_connects_registers_commands_and_answers() {
    let app = spawn(Options {
        run_setup: false,
        ..Options::default()
    })
    .await;
    {
        let shared = app.fake.lock();
        assert_eq!(shared.gateway.identifies, 1);
        let names: Vec<String> = shared.world.commands[&None]
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect();
        for expected in [
            "book", "cancel", "sessions", "slots", "timezone", "prefs", "partner", "help", "setup",
        ] {
            assert!(
                names.contains(&expected.to_string()),
                "/{expected} registered globally: {names:?}"
            );
        }
        let book = shared.world.commands[&None]
            .iter()
            .find(|c| c["name"] == "book")
            .unwrap();
        assert_eq!(book["options"][0]["name"], "when");
        assert_eq!(book["options"][0]["autocomplete"], true);
        let setup = shared.world.commands[&None]
            .iter()
            .find(|c| c["name"] == "setup")
            .unwrap();
        assert_eq!(
            setup["default_member_permissions"], "32",
            "/setup is for Manage Server"
        );
    }
    let member = app.member("ann");
    let help = app.command(member, "help", &[]).await;
    assert!(help.contains("/book"), "{help}");
    // Interactions were acknowledged well inside the deadline, once each.
    let late: usize = app
        .fake
        .lock()
        .interactions
        .values()
        .map(|i| i.late_callbacks)
        .sum();
    assert_eq!(late, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_gateway_is_resumed_and_events_are_replayed() {
    let app = spawn(Options {
        run_setup: false,
        ..Options::default()
    })
    .await;
    let member = app.member("ann");
    let voice = app
        .fake
        .add_channel(app.guild, discord_common::CHANNEL_VOICE, "hangout", None);
    app.fake.drop_gateway(Resume::Allowed);
    // While the bot is away the member joins voice: the resumed session replays it.
    app.fake.join_voice(app.guild, member, voice).unwrap();
    eventually("a RESUME", || async {
        (app.fake.lock().gateway.resumes >= 1).then_some(())
    })
    .await;
    app.fake.wait_connected(1).await;
    app.join(member, voice).await;
    assert_eq!(
        app.fake.lock().gateway.identifies,
        1,
        "resumed, not re-identified"
    );
}

#[test]
fn proxy_mode_requires_serenitys_limiter_off_and_shards_must_fit() {
    use focusfolk::config::Config;
    let toml = "[discord]\ntoken = \"t\"\napi_base_url = \"http://127.0.0.1:3000\"\n";
    let problems = Config::from_toml_str_and_env(toml, &[])
        .unwrap_err()
        .to_string();
    assert!(
        problems.contains("use_serenity_ratelimiter") && problems.contains("proxy"),
        "{problems}"
    );
    let ok = format!("{toml}use_serenity_ratelimiter = false\ntotal_shards = 4\nfirst_shard = 2\nshard_count = 2\n");
    let config = Config::from_toml_str_and_env(&ok, &[]).expect("valid");
    assert_eq!(config.discord.shard_range(), (2, 3, 4));
    let env = [
        ("FOCUSFOLK_DISCORD__USE_SERENITY_RATELIMITER", "false"),
        ("FOCUSFOLK_DISCORD__FIRST_SHARD", "4"),
        ("FOCUSFOLK_DISCORD__TOTAL_SHARDS", "4"),
    ];
    let problems = Config::from_toml_str_and_env(toml, &env)
        .unwrap_err()
        .to_string();
    assert!(
        problems.contains("not within total_shards = 4"),
        "{problems}"
    );
    // Without a token the adapter is off and nothing is checked.
    assert!(Config::from_toml_str_and_env("[discord]\napi_base_url = \"http://x\"\n", &[]).is_ok());
}
