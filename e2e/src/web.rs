//! A test server for the web journeys: the real backend in-process, serving
//! the built UI from `app/dist`.

use anyhow::Result;
use houqin_server::testkit::{TestOptions, TestServer};

use crate::workspace;

/// Starts a server with `opts` that also serves the built UI at `/`.
pub async fn serve_app(opts: TestOptions) -> Result<TestServer> {
    let dist = workspace::app_dist()?;
    Ok(TestServer::start(TestOptions {
        static_dir: Some(dist),
        ..opts
    })
    .await)
}
