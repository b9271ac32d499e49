//! Headless Chromium through its own chromedriver on a free port, with the
//! flags TOOLCHAIN.md lists and a chosen viewport. Dropping a [`Browser`]
//! kills chromedriver and the Chromium it started.

use std::ops::Deref;
use std::process::Command;

use anyhow::{Context, Result};
use fantoccini::{Client, ClientBuilder};
use serde_json::{Map, Value, json};

use crate::find;
use crate::process::{Guarded, free_port};
use crate::workspace::require_tool;

/// A browser window's inner size. Headless Chromium has no browser chrome,
/// so the window size is the viewport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    pub name: &'static str,
    pub width: u32,
    pub height: u32,
}

impl Viewport {
    pub const PHONE: Viewport = Viewport {
        name: "phone",
        width: 390,
        height: 844,
    };
    pub const TABLET: Viewport = Viewport {
        name: "tablet",
        width: 820,
        height: 1180,
    };
    pub const KIOSK: Viewport = Viewport {
        name: "kiosk",
        width: 1920,
        height: 1080,
    };
    pub const ALL: [Viewport; 3] = [Viewport::PHONE, Viewport::TABLET, Viewport::KIOSK];

    /// `phone-390x844`, for file names.
    pub fn label(&self) -> String {
        format!("{}-{}x{}", self.name, self.width, self.height)
    }
}

/// Opens a WebDriver session on the driver at 127.0.0.1:`port`, over plain HTTP.
pub async fn connect(port: u16, caps: Map<String, Value>) -> Result<Client> {
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    Ok(ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await?)
}

/// A WebDriver session in headless Chromium. Derefs to the fantoccini client.
pub struct Browser {
    pub client: Client,
    pub viewport: Viewport,
    // Dropped after the client: kills chromedriver's group (Chromium included).
    _driver: Guarded,
    _profile: tempfile::TempDir,
}

impl Deref for Browser {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless Chromium at `viewport`.
    pub async fn launch(viewport: Viewport) -> Result<Browser> {
        Self::launch_with(viewport, &[]).await
    }

    /// A browser whose camera films `video` (a Y4M file, see
    /// [`crate::camera`]); the page may use it without asking.
    pub async fn launch_with_camera(
        viewport: Viewport,
        video: &std::path::Path,
    ) -> Result<Browser> {
        let args = [
            "--use-fake-ui-for-media-stream".to_owned(),
            "--use-fake-device-for-media-stream".to_owned(),
            format!("--use-file-for-fake-video-capture={}", video.display()),
        ];
        Self::launch_with(viewport, &args).await
    }

    async fn launch_with(viewport: Viewport, extra: &[String]) -> Result<Browser> {
        let chromedriver = require_tool(
            "chromedriver",
            &["/usr/bin/chromedriver"],
            "apt-get install -y chromium-driver",
        )?;
        let chromium = match std::env::var_os("HOUQIN_CHROMIUM") {
            Some(path) => path.into(),
            None => require_tool(
                "chromium",
                &["/usr/bin/chromium"],
                "apt-get install -y chromium",
            )?,
        };
        let profile = tempfile::Builder::new()
            .prefix("houqin-e2e-chromium-")
            .tempdir()
            .context("temp dir")?;
        let port = free_port()?;
        let mut driver = Guarded::spawn(
            "chromedriver",
            Command::new(&chromedriver).arg(format!("--port={port}")),
        )?;
        driver.wait_for_port(port, find::timeout())?;

        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ]
        .into_iter()
        .map(str::to_owned)
        .chain([
            format!("--window-size={},{}", viewport.width, viewport.height),
            format!("--user-data-dir={}", profile.path().display()),
        ])
        .chain(extra.iter().cloned())
        .collect::<Vec<_>>();
        let mut caps = Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": chromium, "args": args }),
        );
        let client = connect(port, caps).await.with_context(|| {
            format!(
                "chromedriver could not start Chromium; its output:\n{}",
                driver.log_tail()
            )
        })?;
        let browser = Browser {
            client,
            viewport,
            _driver: driver,
            _profile: profile,
        };
        browser.fit_viewport().await?;
        Ok(browser)
    }

    /// Makes the page area exactly the viewport, whatever the headless mode
    /// adds around it.
    async fn fit_viewport(&self) -> Result<()> {
        let inner = find::js(
            &self.client,
            "return [window.innerWidth, window.innerHeight];",
            vec![],
        )
        .await?;
        let size = |i: usize| inner.get(i).and_then(Value::as_u64).unwrap_or(0);
        let (w, h) = (
            u64::from(self.viewport.width),
            u64::from(self.viewport.height),
        );
        if (size(0), size(1)) != (w, h) {
            let (ow, oh) = self.client.get_window_size().await.context("window size")?;
            let width = u32::try_from((ow + w).saturating_sub(size(0))).context("window width")?;
            let height =
                u32::try_from((oh + h).saturating_sub(size(1))).context("window height")?;
            self.client
                .set_window_size(width, height)
                .await
                .context("set window size")?;
        }
        Ok(())
    }

    /// Ends the session cleanly; dropping the browser also cleans up, by force.
    pub async fn close(self) -> Result<()> {
        let Browser {
            client,
            _driver,
            _profile,
            ..
        } = self;
        client.close().await.context("closing the browser")?;
        Ok(())
    }
}
