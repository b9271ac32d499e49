//! The release `houqin-server` as the benchmarks run it: built once, started
//! as a child process, probed over HTTP, stopped (SIGTERM, then SIGKILL) when
//! its handle drops — also when a scenario fails.

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::workspace;

/// Builds `houqin-server` in release and answers the path of its binary
/// (from cargo's own report, wherever the target dir is).
pub fn build_release() -> Result<PathBuf> {
    eprintln!("building houqin-server (release): cargo build --release -p houqin-server");
    let mut child = Command::new(workspace::cargo())
        .args([
            "build",
            "--release",
            "-p",
            "houqin-server",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(workspace::root())
        .stdout(Stdio::piped())
        .stderr(workspace::to_stderr()?)
        .spawn()
        .context("cannot run cargo")?;
    let stdout = child.stdout.take().context("cargo's stdout")?;
    let mut binary = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.context("read cargo's output")?;
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        let is_server_bin = msg["reason"] == "compiler-artifact"
            && msg["target"]["name"] == "houqin-server"
            && msg["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"));
        if let (true, Some(exe)) = (is_server_bin, msg["executable"].as_str()) {
            binary = Some(PathBuf::from(exe));
        }
    }
    let status = child.wait().context("wait for cargo")?;
    if !status.success() {
        bail!("cargo build --release -p houqin-server failed ({status})");
    }
    binary.context("cargo built houqin-server but did not name its binary")
}

/// Runs `houqin-server --data-dir DIR <args>` to completion (seed, migrate).
pub fn run_to_end(binary: &Path, data_dir: &Path, args: &[&str]) -> Result<()> {
    let output = Command::new(binary)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .current_dir(data_dir)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    if !output.status.success() {
        bail!(
            "houqin-server {} failed ({}):\n{}{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// A TCP port that was free a moment ago.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("bind 127.0.0.1:0")?;
    Ok(listener.local_addr().context("local addr")?.port())
}

/// A blocking HTTP client for loopback: each request within `timeout`,
/// error statuses answered as values.
pub fn http(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into()
}

/// A running `houqin-server serve`.
pub struct Server {
    child: Child,
    pub url: String,
    log: PathBuf,
}

impl Server {
    /// Starts `serve` on a free port with its output in `data_dir/serve.log`.
    pub fn spawn(binary: &Path, data_dir: &Path) -> Result<Server> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()?));
        let log = data_dir.join("serve.log");
        let out = std::fs::File::create(&log).context("server log")?;
        let child = Command::new(binary)
            .arg("--data-dir")
            .arg(data_dir)
            .arg("serve")
            .arg("--listen")
            .arg(addr.to_string())
            // No app/dist here: the API only, as the benchmarks need.
            .current_dir(data_dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone().context("server log")?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        Ok(Server {
            child,
            url: format!("http://{addr}"),
            log,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Polls `GET /api/v1/ready` every `every` until it answers 200.
    pub fn wait_ready(&mut self, every: Duration, timeout: Duration) -> Result<()> {
        let agent = http(Duration::from_millis(500));
        let url = format!("{}/api/v1/ready", self.url);
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(resp) = agent.get(&url).call()
                && resp.status() == 200
            {
                return Ok(());
            }
            if let Some(status) = self.child.try_wait().context("wait")? {
                bail!(
                    "houqin-server exited before it was ready ({status}):\n{}",
                    self.log_tail()
                );
            }
            if Instant::now() > deadline {
                bail!(
                    "houqin-server was not ready within {timeout:?}:\n{}",
                    self.log_tail()
                );
            }
            std::thread::sleep(every);
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// SIGTERM, then SIGKILL if the server has not finished within 10 s.
    pub fn stop(mut self) -> Result<()> {
        self.halt()
    }

    fn halt(&mut self) -> Result<()> {
        if self.child.try_wait().context("wait")?.is_some() {
            return Ok(());
        }
        let pid = Pid::from_raw(i32::try_from(self.child.id()).context("pid")?);
        // Best effort: it may have exited between the check and the signal.
        let _ = kill(pid, Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.child.try_wait().context("wait")?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child.kill().context("kill houqin-server")?;
        self.child.wait().context("wait")?;
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Best effort: a failed stop leaves nothing we could do better here.
        let _ = self.halt();
    }
}
