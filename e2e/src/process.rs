//! Child processes owned by a test: each runs in its own process group, and
//! the whole group is killed when the handle drops — also when the test
//! fails or panics — so browsers, WebKit helpers and the desktop app that a
//! driver started go with it.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

/// A running child process whose group is killed on drop. Its stdout and
/// stderr go to a log file, quoted in errors about it.
pub struct Guarded {
    name: String,
    child: Child,
    log: PathBuf,
    // Holds the log file's folder until the process is gone.
    _dir: tempfile::TempDir,
}

impl Guarded {
    /// Spawns `cmd` in a new process group with stdin closed and output logged.
    pub fn spawn(name: &str, cmd: &mut Command) -> Result<Guarded> {
        Self::start(name, cmd, false)
    }

    /// Like [`Guarded::spawn`], but stdout goes to its own file, read with
    /// [`Guarded::stdout`] (e.g. Xvfb's `-displayfd 1` answer); stderr is logged.
    pub fn spawn_capturing_stdout(name: &str, cmd: &mut Command) -> Result<Guarded> {
        Self::start(name, cmd, true)
    }

    fn start(name: &str, cmd: &mut Command, separate_stdout: bool) -> Result<Guarded> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("houqin-e2e-{name}-"))
            .tempdir()
            .context("temp dir")?;
        let log = dir.path().join("output.log");
        let err = File::create(&log).context("log file")?;
        let out = if separate_stdout {
            File::create(dir.path().join("stdout.txt")).context("stdout file")?
        } else {
            err.try_clone().context("log file")?
        };
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start {name} ({cmd:?})"))?;
        Ok(Guarded {
            name: name.to_owned(),
            child,
            log,
            _dir: dir,
        })
    }

    /// What the process wrote to stdout so far (see [`Guarded::spawn_capturing_stdout`]).
    pub fn stdout(&self) -> String {
        self.log
            .parent()
            .map(|dir| std::fs::read_to_string(dir.join("stdout.txt")).unwrap_or_default())
            .unwrap_or_default()
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The last lines the process printed, for error messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.len().saturating_sub(30);
        lines[start..].join("\n")
    }

    /// An error if the process has already exited.
    pub fn ensure_running(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait().context("wait")? {
            bail!(
                "{} exited early ({status}); its output:\n{}",
                self.name,
                self.log_tail()
            );
        }
        Ok(())
    }

    /// Waits until something accepts connections on 127.0.0.1:`port`.
    pub fn wait_for_port(&mut self, port: u16, timeout: Duration) -> Result<()> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + timeout;
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            self.ensure_running()?;
            if Instant::now() > deadline {
                bail!(
                    "{} did not listen on port {port} within {timeout:?}; its output:\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        // The child leads its group (process_group(0)), so its pid is the group id.
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // Best effort: the group may be gone already.
            let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP port that was free a moment ago (bound to 127.0.0.1:0, then released).
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("bind 127.0.0.1:0")?;
    Ok(listener.local_addr().context("local addr")?.port())
}
