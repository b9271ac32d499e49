//! The real binary: help, JSON logs, and a graceful stop on SIGTERM.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_houqin-server");

#[test]
fn help_documents_every_flag_and_variable() {
    let top = Command::new(BIN).arg("--help").output().expect("run");
    let serve = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .expect("run");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&top.stdout),
        String::from_utf8_lossy(&serve.stdout)
    );
    for needle in [
        "serve",
        "seed",
        "migrate",
        "--listen",
        "--database-url",
        "DATABASE_URL",
        "--data-dir",
        "HOUQIN_DATA_DIR",
        "--log-format",
        "HOUQIN_LOG_FORMAT",
        "HOUQIN_LISTEN",
        "RUST_LOG",
    ] {
        assert!(
            text.contains(needle),
            "--help does not mention {needle}:\n{text}"
        );
    }
}

#[test]
fn serves_json_logs_and_stops_gracefully_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("houqin-cli-{}", uuid::Uuid::now_v7()));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let child = Command::new(BIN)
        .args(["--log-format", "json", "--data-dir"])
        .arg(&dir)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    let ready = loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            s.write_all(b"GET /api/v1/ready HTTP/1.0\r\n\r\n")
                .expect("write");
            let mut out = String::new();
            let _ = s.read_to_string(&mut out);
            if out.starts_with("HTTP/1.0 200") || out.starts_with("HTTP/1.1 200") {
                break true;
            }
        }
        if started.elapsed() > Duration::from_secs(30) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let output = child.wait_with_output().expect("wait");
    let _ = std::fs::remove_dir_all(&dir);
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(ready, "never became ready:\n{logs}");
    assert!(output.status.success(), "exit {:?}:\n{logs}", output.status);
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.iter().any(|l| l["message"] == "stopped"), "{logs}");
    assert!(
        lines
            .iter()
            .any(|l| l["request_id"].is_string() || l["span"]["request_id"].is_string()),
        "requests are logged with their id:\n{logs}"
    );
}
