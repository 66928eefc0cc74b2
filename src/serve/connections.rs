//! Accepting the preview's HTTP connections (hyper's HTTP/1 server driving the axum
//! router), with limits a slow or hostile client cannot get around:
//! - a client must send a request's whole head within [`HEADER_READ_TIMEOUT`],
//!   including on an idle keep-alive connection (hyper's header-read timeout), else
//!   the connection is closed. A response in progress, such as the never-ending
//!   server-sent events of `/__samsyn/events`, is not limited;
//! - at most [`MAX_CONNECTIONS`] connections are served at once; further ones wait
//!   in the listener's queue until one closes (well below the process's file limit,
//!   so the site's files and the watcher always have descriptors left).

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// How long a client has to send a request's head (a browser needs a few
/// milliseconds on loopback), and how long an idle keep-alive connection stays open.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The most connections served at once (each open page holds one for its events).
pub const MAX_CONNECTIONS: usize = 256;

/// How long to wait before accepting again after an error other than a client's
/// (such as no file descriptors left).
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// Serves `app` on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, app: Router) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) if is_client_error(&e) => continue,
            Err(_) => {
                tokio::time::sleep(ACCEPT_RETRY).await;
                continue;
            }
        };
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        tokio::spawn(async move {
            // A connection's errors are its client's (a timeout, a bad request, a
            // closed page): nothing to report.
            let _ = connection.await;
            drop(slot);
        });
    }
}

/// Whether an accept error concerns only the connection that failed.
fn is_client_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}
