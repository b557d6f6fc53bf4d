//! The container image's steps, performed on the host (Docker cannot run on these machines):
//! the binary runs its default command (`CMD`) with the image's environment (`ENV`) as a
//! non-root user in a fresh data directory (`WORKDIR`, the volume), its `HEALTHCHECK` command
//! passes, it becomes ready with Matrix connected (a throwaway Synapse from `./scripts/test`),
//! a healthy start logs no ERROR line, and SIGTERM stops it cleanly (exit 0).
//!
//! The binary is `FOCUSFOLK_IMAGE_BINARY` when set (`scripts/image-test` sets it to the
//! release build, as the image has), else this build's `focusfolk`.

#[path = "support/synapse.rs"]
mod synapse;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use synapse::Synapse;

/// What the image is made of, read from the Dockerfile itself so the test follows it.
struct Image {
    env: BTreeMap<String, String>,
    cmd: Vec<String>,
    healthcheck: Vec<String>,
    expose: u16,
    workdir: String,
}

fn read_dockerfile() -> Image {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Dockerfile"))
        .expect("Dockerfile");
    // The run stage is the last FROM.
    let run_stage = text.rsplit("\nFROM ").next().unwrap();
    let json_list = |line: &str| -> Vec<String> {
        let start = line.find('[').expect("exec form");
        serde_json::from_str(&line[start..]).expect("a JSON list")
    };
    let mut image = Image {
        env: BTreeMap::new(),
        cmd: Vec::new(),
        healthcheck: Vec::new(),
        expose: 0,
        workdir: String::new(),
    };
    for line in run_stage.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("ENV ") {
            let (key, value) = rest.split_once('=').expect("ENV KEY=value");
            image.env.insert(key.to_string(), value.to_string());
        } else if let Some(rest) = line.strip_prefix("CMD ") {
            image.cmd = json_list(rest);
        } else if line.starts_with("HEALTHCHECK ") {
            let command = line.split(" CMD ").nth(1).expect("HEALTHCHECK … CMD");
            image.healthcheck = json_list(command);
        } else if let Some(port) = line.strip_prefix("EXPOSE ") {
            image.expose = port.trim().parse().expect("EXPOSE port");
        } else if let Some(dir) = line.strip_prefix("WORKDIR ") {
            image.workdir = dir.trim().to_string();
        }
    }
    image
}

fn binary() -> String {
    std::env::var("FOCUSFOLK_IMAGE_BINARY")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_focusfolk").to_string())
}

/// The image's user (uid/gid 10001); root can become it with setpriv (util-linux).
const IMAGE_UID: u32 = 10001;

fn as_image_user(program: &str) -> Command {
    let is_root = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|line| line.starts_with("Uid:") && line.split_whitespace().nth(1) == Some("0"));
    if is_root {
        let mut command = Command::new("setpriv");
        command.args([
            &format!("--reuid={IMAGE_UID}"),
            &format!("--regid={IMAGE_UID}"),
            "--clear-groups",
            "--",
            program,
        ]);
        command
    } else {
        Command::new(program)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_image_runs_the_bot_passes_its_health_check_and_stops_cleanly_on_sigterm() {
    let image = read_dockerfile();
    assert_eq!(image.cmd, ["run"], "the default command runs the bot");
    assert_eq!(image.healthcheck[..2], ["focusfolk", "healthcheck"]);
    assert!(image.expose > 0);
    assert!(
        image.env["FOCUSFOLK_HTTP__LISTEN"].ends_with(&format!(":{}", image.expose)),
        "the health check asks the exposed port"
    );

    let synapse = Synapse::from_env();
    let bot = synapse.register("imagebot").await;

    // The volume: a fresh directory the image's user owns, standing in for /data.
    let volume = tempfile::tempdir().unwrap();
    let data = volume.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::os::unix::fs::chown(&data, Some(IMAGE_UID), Some(IMAGE_UID)).ok();
    let mut permissions = std::fs::metadata(volume.path()).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(volume.path(), permissions).unwrap();
    let data_dir = data.display().to_string();

    // The image's environment, with /data moved to the stand-in and the port to a free one
    // (other tests run beside this one). Only what a container would have: nothing inherited.
    let port = free_port();
    let mut env: BTreeMap<String, String> = image
        .env
        .iter()
        .map(|(key, value)| (key.clone(), value.replace(&image.workdir, &data_dir)))
        .collect();
    env.insert(
        "FOCUSFOLK_HTTP__LISTEN".into(),
        env["FOCUSFOLK_HTTP__LISTEN"].replace(&format!(":{}", image.expose), &format!(":{port}")),
    );
    // The operator's env file (compose.yaml's env_file): the Matrix account.
    env.insert(
        "FOCUSFOLK_MATRIX__HOMESERVER_URL".into(),
        synapse.url.clone(),
    );
    env.insert("FOCUSFOLK_MATRIX__USER_ID".into(), bot.user_id.clone());
    env.insert("FOCUSFOLK_MATRIX__PASSWORD".into(), bot.password.clone());
    env.insert("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into());

    let mut child = as_image_user(&binary())
        .args(&image.cmd)
        .env_clear()
        .envs(&env)
        .current_dir(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start focusfolk run");
    let stderr = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());

    let started = Instant::now();
    let healthcheck = |image: &Image| {
        as_image_user(&binary())
            .args(&image.healthcheck[1..])
            .env_clear()
            .envs(&env)
            .current_dir(&data)
            .output()
            .unwrap()
    };
    let mut healthy = None;
    while started.elapsed() < Duration::from_secs(60) {
        if healthcheck(&image).status.success() {
            healthy = Some(started.elapsed());
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "focusfolk run exited early: {status}\n{}",
                log.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let healthy = healthy.expect("the health check passes within a minute");

    // Ready once Matrix is connected and the runner turns.
    let readyz = format!("http://127.0.0.1:{port}/readyz");
    let mut ready = None;
    while started.elapsed() < Duration::from_secs(90) {
        let response = reqwest::get(&readyz).await.unwrap();
        if response.status() == 200 {
            ready = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let ready = ready.unwrap_or_else(|| panic!("never ready: {}", log_so_far(&readyz)));
    let metrics = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    let rss = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .map(str::to_string)
        });
    eprintln!(
        "healthy after {healthy:?}, ready after {ready:?}; {}",
        rss.unwrap_or_default()
    );

    // SIGTERM, as `docker stop` sends it: a clean exit well within the compose grace period.
    let stopping = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            stopping.elapsed() < Duration::from_secs(25),
            "still running 25 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let log = log.join().unwrap();
    assert!(status.success(), "exit {status} after SIGTERM:\n{log}");
    eprintln!("stopped {:?} after SIGTERM", stopping.elapsed());
    // A healthy start is quiet: info lines for each step, and no ERROR at all (matrix-sdk's
    // expected 404s are filtered).
    assert!(
        log.contains("HTTP endpoint"),
        "info is the default level:\n{log}"
    );
    let errors: Vec<&str> = log.lines().filter(|line| line.contains("ERROR")).collect();
    assert!(errors.is_empty(), "ERROR lines on a healthy start:\n{log}");
    assert!(
        std::path::Path::new(&data_dir)
            .join("focusfolk.sqlite")
            .exists(),
        "the database is in the volume"
    );
}

fn log_so_far(url: &str) -> String {
    format!("{url} never answered 200")
}
