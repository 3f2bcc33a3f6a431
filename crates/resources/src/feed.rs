//! Beyond Eve: a change feed per resource as server-sent events. A GET of
//! a resource's URL with `Accept: text/event-stream` stays open and sends
//! one event per write this process makes to the resource (POST, PATCH,
//! PUT, DELETE): `event:` the method, `id:` a sequence number, `data:`
//! `{"_id": ..., "changes": {...}}` (the document for POST and PUT, the
//! fields set for PATCH, nothing for DELETE). A user confined by the
//! resource's `auth_field` sees only their own documents' events. Writes
//! other processes make to a shared MongoDB database are not seen.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use bson::Bson;
use serde_json::{Value, json};
use tokio::sync::broadcast;

/// Events a slow client may fall behind by before it is told it missed some.
const BACKLOG: usize = 4096;

/// One write, as the feed tells it.
#[derive(Debug, Clone)]
pub struct Change {
    pub resource: usize,
    pub op: &'static str,
    pub seq: u64,
    /// The document's `auth_field` value, when the resource has one.
    pub owner: Option<Bson>,
    pub data: Value,
}

/// The writes of every resource, to whoever listens.
#[derive(Debug)]
pub struct Feed {
    sender: broadcast::Sender<Arc<Change>>,
    seq: AtomicU64,
    /// Ends every stream when the server stops, so open feeds do not hold its shutdown.
    closed: enma_service::Shutdown,
}

impl Default for Feed {
    fn default() -> Self {
        Feed { sender: broadcast::channel(BACKLOG).0, seq: AtomicU64::new(0), closed: enma_service::Shutdown::new() }
    }
}

impl Feed {
    /// Tells the listeners of `resource` about a write (nothing when none listen).
    pub fn publish(&self, resource: usize, op: &'static str, owner: Option<Bson>, id: Value, changes: Value) {
        if self.sender.receiver_count() == 0 {
            return;
        }
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let data = json!({"_id": id, "changes": changes});
        let _ = self.sender.send(Arc::new(Change { resource, op, seq, owner, data }));
    }

    /// Ends every open stream (the server is stopping).
    pub fn close(&self) {
        self.closed.cancel();
    }

    /// The event stream of `resource` for a client confined to `owner`'s documents when given.
    pub fn subscribe(&self, resource: usize, owner: Option<Bson>) -> Response {
        let receiver = self.sender.subscribe();
        let closed = self.closed.clone();
        let events = futures::stream::unfold(receiver, move |mut receiver| {
            let (owner, closed) = (owner.clone(), closed.clone());
            async move {
                loop {
                    let next = tokio::select! {
                        next = receiver.recv() => next,
                        () = closed.cancelled() => return None,
                    };
                    match next {
                        Ok(change) if change.resource != resource => continue,
                        Ok(change) if owner.is_some() && change.owner != owner => continue,
                        Ok(change) => {
                            let event = Event::default()
                                .event(change.op)
                                .id(change.seq.to_string())
                                .data(change.data.to_string());
                            return Some((Ok::<_, Infallible>(event), receiver));
                        }
                        Err(broadcast::error::RecvError::Lagged(missed)) => {
                            let event = Event::default().event("lagged").data(json!({"missed": missed}).to_string());
                            return Some((Ok(event), receiver));
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
            }
        });
        Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
    }
}
