//! HTTP/1.1 plumbing: the accept loop, connections, fault injection around the operator.

use std::future::pending;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::fault::{Fault, take_fault};
use crate::gigya;
use crate::operator::{Operator, Reply, Request, Seal, fault_reply};
use crate::record::{self, RecordedRequest};

/// The largest request body accepted (1 MiB, as the operator).
const MAX_BODY: usize = 1 << 20;

/// State shared by the handle, the accept loop and the connections.
pub(crate) struct Shared {
    pub(crate) operator: Operator,
    /// `true` while a global [`Fault::Outage`] is in force.
    pub(crate) outage: watch::Sender<bool>,
}

/// Accepts connections until `shutdown` changes or its sender is dropped.
pub(crate) async fn serve(
    listener: TcpListener,
    addr: SocketAddr,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut outage = shared.outage.subscribe();
    let mut connections = JoinSet::new();
    let mut listener = Some(listener);
    loop {
        while connections.try_join_next().is_some() {}
        let down = *outage.borrow_and_update();
        if down {
            // Close the listening socket: new connections are refused.
            listener = None;
        } else if listener.is_none() {
            match TcpListener::bind(addr).await {
                Ok(l) => listener = Some(l),
                Err(_) => {
                    tokio::select! {
                        _ = shutdown.changed() => break,
                        () = tokio::time::sleep(Duration::from_millis(20)) => continue,
                    }
                }
            }
        }
        tokio::select! {
            _ = shutdown.changed() => break,
            changed = outage.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            accepted = accept(listener.as_ref()) => {
                if let Ok((stream, _)) = accepted {
                    connections.spawn(connection(stream, Arc::clone(&shared)));
                }
            }
        }
    }
    connections.shutdown().await;
}

async fn accept(listener: Option<&TcpListener>) -> io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some(l) => l.accept().await,
        None => pending().await,
    }
}

/// Serves one connection; drops it at once when an outage starts.
async fn connection(stream: TcpStream, shared: Arc<Shared>) {
    let mut outage = shared.outage.subscribe();
    if *outage.borrow_and_update() {
        return;
    }
    let service_state = Arc::clone(&shared);
    let service = service_fn(move |req| respond(Arc::clone(&service_state), req));
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        () = wait_for_outage(&mut outage) => {}
    }
}

async fn wait_for_outage(rx: &mut watch::Receiver<bool>) {
    loop {
        if *rx.borrow_and_update() {
            return;
        }
        if rx.changed().await.is_err() {
            pending::<()>().await;
        }
    }
}

/// The connection is closed without an answer.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

type HttpResponse = Response<Full<Bytes>>;

async fn respond(
    shared: Arc<Shared>,
    req: hyper::Request<Incoming>,
) -> Result<HttpResponse, Dropped> {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let authorization = header("authorization");
    let content_type = header("content-type");
    let origin = header("origin");
    let host = header("host");
    let mut record = RecordedRequest {
        at: shared.operator.now(),
        method: method.as_str().to_owned(),
        path: path.clone(),
        content_type: content_type.clone(),
        client_version: header("x-uid2-client-version"),
        user_agent: header("user-agent"),
        has_authorization: authorization.is_some(),
        body_len: 0,
    };
    let (fault, latency) = {
        let mut rt = shared.operator.runtime();
        *rt.requests.entry(path.clone()).or_insert(0) += 1;
        (take_fault(&mut rt.faults, &path), rt.latency)
    };
    let body = Limited::new(req.into_body(), MAX_BODY)
        .collect()
        .await
        .map(http_body_util::Collected::to_bytes);
    record.body_len = body.as_ref().map_or(MAX_BODY, Bytes::len);
    record::push(&mut shared.operator.runtime().log, record);
    let body = match body {
        Ok(b) => b,
        Err(_) => {
            return Ok(to_response(Reply {
                status: 413,
                content_type: "text/plain",
                body: b"Request Entity Too Large".to_vec(),
            }));
        }
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let seal = match fault {
        Fault::Hang => pending().await,
        Fault::Outage => return Err(Dropped),
        Fault::WrongNonce => Seal::WrongNonce,
        Fault::WrongKey => Seal::WrongKey,
        other => match fault_reply(other, content_type.as_deref()) {
            Some(reply) => return Ok(to_response(reply)),
            None => Seal::Normal,
        },
    };
    if method != Method::POST {
        return Ok(to_response(Reply::error(
            405,
            "client_error",
            "only POST is supported",
        )));
    }
    if path == gigya::PATH {
        return Ok(to_response(gigya::handle(
            &shared.operator,
            host.as_deref(),
            &body,
        )));
    }
    let request = Request {
        path: &path,
        authorization: authorization.as_deref(),
        content_type: content_type.as_deref(),
        origin: origin.as_deref(),
        body: &body,
    };
    Ok(to_response(shared.operator.handle(&request, seal)))
}

fn to_response(reply: Reply) -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = hyper::header::HeaderValue::from_str(reply.content_type) {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, v);
    }
    response
}
