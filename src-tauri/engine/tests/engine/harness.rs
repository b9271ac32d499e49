//! The network the sync tests need: a real backend that can be stopped and
//! started again on the same address with the same database, and a TCP proxy
//! that can lose the server's replies after the server has acted on a request.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use houqin_server::testkit::{TestOptions, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A real backend (fresh seeded SQLite database) served on an address of its
/// own that survives [`Backend::stop`] and [`Backend::resume`].
pub struct Backend {
    /// Owns the database; its own listener is never used.
    pub server: TestServer,
    pub addr: SocketAddr,
    running: Option<(oneshot::Sender<()>, JoinHandle<std::io::Result<()>>)>,
}

impl Backend {
    pub async fn start() -> Backend {
        let server = TestServer::start(TestOptions::default()).await;
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let mut backend = Backend {
            server,
            addr,
            running: None,
        };
        backend.serve(listener);
        backend
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn serve(&mut self, listener: TcpListener) {
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(houqin_server::serve(
            listener,
            self.server.state.clone(),
            async move {
                let _ = rx.await;
            },
        ));
        self.running = Some((tx, handle));
    }

    /// Stops serving (connections are refused) and waits for requests in flight.
    pub async fn stop(&mut self) {
        if let Some((tx, handle)) = self.running.take() {
            let _ = tx.send(());
            let _ = handle.await;
        }
    }

    /// Serves again on the same address, the same database.
    pub async fn resume(&mut self) {
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(listener) => break listener,
                Err(e) if tries < 50 => {
                    tries += 1;
                    tracing::debug!(error = %e, "port not free yet");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("cannot listen on {} again: {e}", self.addr),
            }
        };
        self.serve(listener);
    }
}

/// A TCP proxy in front of a server. While `lose_replies` is on, each reply
/// the server starts sending is dropped and the client's connection closed:
/// the server has done the work, the client never hears of it.
pub struct Proxy {
    pub addr: SocketAddr,
    lose_replies: Arc<AtomicBool>,
    accept: JoinHandle<()>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let lose_replies = Arc::new(AtomicBool::new(false));
        let lose = lose_replies.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let lose = lose.clone();
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(upstream).await {
                        relay(client, server, lose).await;
                    }
                });
            }
        });
        Proxy {
            addr,
            lose_replies,
            accept,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn lose_replies(&self, on: bool) {
        self.lose_replies.store(on, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn relay(client: TcpStream, server: TcpStream, lose: Arc<AtomicBool>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upstream = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
    });
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match server_read.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if lose.load(Ordering::SeqCst) {
            // The reply is lost on the wire: the client sees its connection drop.
            break;
        }
        if client_write.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    upstream.abort();
}
