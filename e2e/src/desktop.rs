//! The Tauri desktop app under test: Xvfb on a free display, then
//! tauri-driver (which starts WebKitWebDriver, which starts the app) on free
//! ports. Dropping a [`Desktop`] kills all of it.

use std::ops::Deref;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fantoccini::Client;
use serde_json::{Map, json};

use crate::process::{Guarded, free_port};
use crate::workspace::{desktop_binary, require_tool};
use crate::{browser, find};

/// A virtual X display (1920×1080×24) on a display number Xvfb picks itself.
pub struct Xvfb {
    pub display: u32,
    _server: Guarded,
}

impl Xvfb {
    pub fn start() -> Result<Xvfb> {
        let xvfb = require_tool("Xvfb", &["/usr/bin/Xvfb"], "apt-get install -y xvfb")?;
        // `-displayfd 1`: Xvfb finds a free display itself and writes its number
        // to stdout once it accepts clients — no race over display numbers.
        let mut server = Guarded::spawn_capturing_stdout(
            "Xvfb",
            Command::new(xvfb).args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1920x1080x24",
                "-nolisten",
                "tcp",
            ]),
        )?;
        let deadline = Instant::now() + find::timeout();
        loop {
            if let Some(display) = server
                .stdout()
                .lines()
                .next()
                .and_then(|l| l.trim().parse().ok())
            {
                return Ok(Xvfb {
                    display,
                    _server: server,
                });
            }
            server.ensure_running()?;
            if Instant::now() > deadline {
                bail!(
                    "Xvfb did not report a display within {:?}; its output:\n{}",
                    find::timeout(),
                    server.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A WebDriver session in the desktop app. Derefs to the fantoccini client.
pub struct Desktop {
    pub client: Client,
    // Field order is drop order: the session, then the drivers and the app,
    // then the display, then the app's data folder.
    _driver: Guarded,
    _xvfb: Xvfb,
    _home: tempfile::TempDir,
}

impl Deref for Desktop {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Desktop {
    /// Starts the desktop app against the backend at `server_url`, with a
    /// fresh data folder (no session left from an earlier run).
    pub async fn launch(server_url: &str) -> Result<Desktop> {
        let app = desktop_binary()?;
        let tauri_driver = require_tool(
            "tauri-driver",
            &[],
            "cargo install --locked tauri-driver --version 2.1.0 (and put its bin folder on PATH)",
        )?;
        let webkit_driver = require_tool(
            "WebKitWebDriver",
            &["/usr/bin/WebKitWebDriver"],
            "apt-get install -y webkit2gtk-driver",
        )?;
        let xvfb = Xvfb::start()?;
        let home = tempfile::Builder::new()
            .prefix("houqin-e2e-desktop-")
            .tempdir()
            .context("temp dir")?;
        let port = free_port()?;
        let native_port = free_port()?;
        // tauri-driver hands its environment to WebKitWebDriver and so to the app.
        let mut driver = Guarded::spawn(
            "tauri-driver",
            Command::new(tauri_driver)
                .arg("--port")
                .arg(port.to_string())
                .arg("--native-port")
                .arg(native_port.to_string())
                .arg("--native-driver")
                .arg(&webkit_driver)
                .env("DISPLAY", format!(":{}", xvfb.display))
                .env("HOUQIN_SERVER_URL", server_url)
                .env("HOUQIN_DATA_DIR", home.path().join("data"))
                .env("XDG_DATA_HOME", home.path().join("xdg-data"))
                .env("XDG_CONFIG_HOME", home.path().join("xdg-config"))
                .env("XDG_CACHE_HOME", home.path().join("xdg-cache"))
                // No accessibility bus under Xvfb: spare GTK the warnings and the wait.
                .env("NO_AT_BRIDGE", "1"),
        )?;
        driver.wait_for_port(port, find::timeout())?;
        // tauri-driver listens at once but forwards to WebKitWebDriver, which
        // may still be starting on a loaded machine.
        driver.wait_for_port(native_port, find::timeout())?;

        let mut caps = Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert("tauri:options".into(), json!({ "application": app }));
        let client = browser::connect(port, caps).await.with_context(|| {
            format!(
                "tauri-driver could not start {}; its output:\n{}",
                app.display(),
                driver.log_tail()
            )
        })?;
        Ok(Desktop {
            client,
            _driver: driver,
            _xvfb: xvfb,
            _home: home,
        })
    }

    /// The end of the app's (and its drivers') output, for a failure report.
    pub fn log_tail(&self) -> String {
        self._driver.log_tail()
    }

    /// Ends the session cleanly; dropping it also cleans up, by force.
    pub async fn close(self) -> Result<()> {
        let Desktop {
            client,
            _driver,
            _xvfb,
            _home,
        } = self;
        client.close().await.context("closing the desktop app")?;
        Ok(())
    }
}
