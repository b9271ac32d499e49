//! A network link the tests can cut: a TCP relay in front of the server.
//! Cut, its port refuses connections and every open one is dropped — what a
//! device sees in a basement with no signal; restored, it listens again on
//! the same address.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

type Tasks = Arc<Mutex<Vec<JoinHandle<()>>>>;

pub struct Link {
    pub addr: SocketAddr,
    upstream: SocketAddr,
    accept: Option<JoinHandle<()>>,
    relays: Tasks,
}

impl Link {
    /// A link to `upstream` on a free loopback port.
    pub async fn start(upstream: SocketAddr) -> Result<Link> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("bind the link")?;
        let mut link = Link {
            addr: listener.local_addr().context("the link's address")?,
            upstream,
            accept: None,
            relays: Arc::default(),
        };
        link.serve(listener);
        Ok(link)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn serve(&mut self, listener: TcpListener) {
        let upstream = self.upstream;
        let relays = self.relays.clone();
        self.accept = Some(tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let relay = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                let mut list = relays.lock().unwrap_or_else(|e| e.into_inner());
                list.retain(|t| !t.is_finished());
                list.push(relay);
            }
        }));
    }

    /// No more network: new connections are refused, open ones dropped.
    pub fn cut(&mut self) {
        if let Some(accept) = self.accept.take() {
            accept.abort();
        }
        for relay in self
            .relays
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            relay.abort();
        }
    }

    /// The network is back, on the same address.
    pub async fn restore(&mut self) -> Result<()> {
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(listener) => break listener,
                // The aborted listener's port may take a moment to free.
                Err(_) if tries < 50 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e).context("listen on the link's address again"),
            }
        };
        self.serve(listener);
        Ok(())
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.cut();
    }
}
