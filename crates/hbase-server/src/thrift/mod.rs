//! HBase's Thrift1 API (the `Hbase` service of HBase's `Hbase.thrift`), the
//! protocol happybase and most non-Java HBase clients speak.
//!
//! One port serves every client configuration. HBase's server must be told
//! whether to expect the framed or buffered transport and the binary or
//! compact protocol, and a client configured differently just hangs; here
//! the first bytes of each connection decide: a strict binary message starts
//! `80 01`, a compact one `82`, and a framed transport puts a four-byte
//! length before either. Each connection gets its own thread (up to
//! `ThriftConfig::max_connections`; more wait in the listen backlog).
//!
//! Nothing a peer announces is allocated before it arrives, and no peer holds
//! a connection it does not use (`transport`): frames are capped at
//! `max_frame_bytes`, a connection idle between calls for `idle_timeout` is
//! closed, and so is one whose call does not arrive whole within
//! `request_timeout`, so a full set of connections frees up by itself.
//!
//! No Thrift code generator is involved: `value` reads any request into a
//! tree of field ids and values through the `thrift` crate's protocols,
//! `service` maps each method's fields onto the store, `structs` holds the
//! IDL's structs, and `scanners` the scanners kept open between calls.
//! A request the service cannot use gets the IDL's exception (or a
//! `TApplicationException` for an unknown method) and the connection stays
//! open; only bytes that are not Thrift at all close it.
//!
//! Bound with [`bind`], the server is an [`enma_service::Service`]: on shutdown it stops
//! accepting, lets each connection finish the call it is answering, then
//! closes it.

mod scanners;
mod service;
mod structs;
mod transport;
pub mod value;

use std::collections::HashMap;
use std::io::{self, BufReader, Cursor, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use enma_common::error::Error;
use enma_kv::Store;
use enma_service::{BoxFuture, Shutdown};
use thrift::protocol::{
    TBinaryInputProtocol, TBinaryOutputProtocol, TCompactInputProtocol, TCompactOutputProtocol, TInputProtocol,
    TMessageIdentifier, TMessageType, TOutputProtocol,
};
use thrift::transport::{TBufferedWriteTransport, TFramedWriteTransport};
use thrift::{ApplicationErrorKind, TConfiguration};

use scanners::Scanners;
use service::{Caller, Service as Calls};
use transport::{Binaries, Deadline, Frames, Source, Timed};
use value::{Struct, Value};

/// How the Thrift server runs.
#[derive(Debug, Clone)]
pub struct ThriftConfig {
    /// Connections served at once (a thread each); further clients wait to be
    /// accepted until one closes, which `idle_timeout` and `request_timeout` bound.
    pub max_connections: usize,
    /// Scanners nobody has read for this long are closed.
    pub scanner_idle_timeout: Duration,
    /// Most scanners open at once, over all connections.
    pub max_scanners: usize,
    /// Largest string or binary value a request may carry.
    pub max_value_bytes: usize,
    /// Largest frame a framed-transport client may announce; a larger
    /// announcement closes the connection (HBase's server caps frames too).
    pub max_frame_bytes: usize,
    /// Most elements in one list, set or map of a request.
    pub max_container_len: usize,
    /// Close a connection that sends no call for this long, as HBase's server
    /// does after its socket read timeout (60 s); `None` keeps idle connections
    /// open for ever, and lets idle clients hold every connection slot.
    pub idle_timeout: Option<Duration>,
    /// Close a connection whose call has begun but not fully arrived after
    /// this long (a stalled or trickling frame); also the longest a reply's
    /// write may block on a client that does not read.
    pub request_timeout: Duration,
    /// What `getClusterId` answers.
    pub cluster_id: String,
}

impl Default for ThriftConfig {
    fn default() -> Self {
        ThriftConfig {
            max_connections: 1024,
            scanner_idle_timeout: Duration::from_secs(600),
            max_scanners: 10_000,
            max_value_bytes: 64 << 20,
            max_frame_bytes: 16 << 20,
            max_container_len: 4 << 20,
            idle_timeout: Some(Duration::from_secs(60)),
            request_timeout: Duration::from_secs(60),
            cluster_id: "enma".into(),
        }
    }
}

/// Serves HBase's Thrift1 API on `listener` until the process ends, one
/// thread per connection. Errors accepting a connection are logged and
/// retried; the result is an error only if the listener cannot be used at all.
pub fn serve(listener: TcpListener, store: Store, config: ThriftConfig) -> io::Result<()> {
    Server::new(store, config).accept(&listener)
}

/// Runs [`serve`] on a thread of its own.
pub fn spawn(listener: TcpListener, store: Store, config: ThriftConfig) -> JoinHandle<io::Result<()>> {
    thread::spawn(move || serve(listener, store, config))
}

/// HBase's Thrift1 API bound to its address, not yet serving: a
/// [`enma_service::Service`] that `enma serve --hbase` runs beside the SQL API.
pub struct ThriftServer {
    listener: TcpListener,
    local_addr: SocketAddr,
    store: Store,
    config: ThriftConfig,
}

/// Binds `address` for the Thrift1 API over `store`. Loopback only: the
/// protocol carries no credentials.
pub fn bind(address: SocketAddr, store: Store, config: ThriftConfig) -> enma_common::error::Result<ThriftServer> {
    if !address.ip().is_loopback() {
        return Err(Error::forbidden(format!(
            "refusing to serve HBase's Thrift API on {address}: the protocol carries no credentials, so ENMA serves it \
             on loopback only (reach it through an SSH tunnel or a TLS proxy)"
        )));
    }
    let listener = TcpListener::bind(address)
        .map_err(|e| Error::execution(format!("cannot listen on {address} for the HBase Thrift API: {e}")))?;
    let local_addr = listener.local_addr()?;
    Ok(ThriftServer { listener, local_addr, store, config })
}

impl enma_service::Service for ThriftServer {
    fn name(&self) -> &'static str {
        "HBase Thrift API"
    }

    fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    fn serve(self: Box<Self>, shutdown: Shutdown) -> BoxFuture<'static, enma_common::error::Result<()>> {
        Box::pin(async move {
            let ThriftServer { listener, local_addr, store, config } = *self;
            let server = Server::new(store, config);
            let (accepted, mut accept_ended) = tokio::sync::oneshot::channel();
            let accepting = Arc::clone(&server);
            thread::Builder::new().name("thrift-accept".into()).spawn(move || {
                let _ = accepted.send(accepting.accept(&listener));
            })?;
            tokio::select! {
                ended = &mut accept_ended => {
                    return match ended {
                        Ok(Ok(())) => Ok(()),
                        Ok(Err(e)) => Err(Error::execution(format!("HBase Thrift API on {local_addr} failed: {e}"))),
                        Err(_) => Err(Error::internal("the Thrift accept thread ended without a word")),
                    };
                }
                () = shutdown.cancelled() => {}
            }
            server.stop(local_addr);
            let _ = accept_ended.await;
            // Each connection finishes the call it is answering, then sees its input closed.
            let (idle, all_closed) = tokio::sync::oneshot::channel();
            thread::spawn(move || {
                server.slots.wait_idle();
                let _ = idle.send(());
            });
            let _ = all_closed.await;
            Ok(())
        })
    }
}

struct Server {
    service: Calls,
    slots: Arc<Slots>,
    config: ThriftConfig,
    /// Set when the server is told to stop; read by the accept loop.
    stopping: AtomicBool,
    /// The open connections' sockets, by connection id, so stopping can close their input.
    open: Mutex<HashMap<u64, TcpStream>>,
}

impl Server {
    fn new(store: Store, config: ThriftConfig) -> Arc<Self> {
        let scanners = Scanners::new(config.scanner_idle_timeout, config.max_scanners);
        Arc::new(Server {
            service: Calls::new(store, scanners, config.cluster_id.clone()),
            slots: Arc::new(Slots::new(config.max_connections.max(1))),
            config,
            stopping: AtomicBool::new(false),
            open: Mutex::new(HashMap::new()),
        })
    }

    /// Accepts connections, a thread each, until [`Server::stop`]. Errors
    /// accepting a connection are logged and retried.
    fn accept(self: &Arc<Self>, listener: &TcpListener) -> io::Result<()> {
        listener.set_nonblocking(false)?;
        let address = listener.local_addr()?;
        tracing::info!(%address, "HBase Thrift1 server listening");
        let mut next_connection = 0u64;
        loop {
            let permit = Slots::acquire(&self.slots);
            if self.stopping.load(Ordering::SeqCst) {
                return Ok(());
            }
            match listener.accept() {
                // The wake-up call of `stop`, or a client arriving as the server stops.
                Ok(_) if self.stopping.load(Ordering::SeqCst) => return Ok(()),
                Ok((stream, peer)) => {
                    next_connection += 1;
                    let id = next_connection;
                    let server = Arc::clone(self);
                    let spawned = thread::Builder::new()
                        .name(format!("thrift-{id}"))
                        .spawn(move || server.connection(stream, peer, id, permit));
                    if let Err(e) = spawned {
                        tracing::warn!(%peer, error = %e, "cannot start a thread for a Thrift connection");
                    }
                }
                Err(e) => {
                    drop(permit);
                    tracing::warn!(error = %e, "accepting a Thrift connection failed");
                    // Out of file descriptors, say: give connections time to close.
                    thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }

    /// Stops accepting and closes every connection's input: a connection
    /// answering a call finishes it, then reads the end of its input.
    fn stop(&self, address: SocketAddr) {
        {
            let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
            self.stopping.store(true, Ordering::SeqCst);
            for stream in open.values() {
                let _ = stream.shutdown(std::net::Shutdown::Read);
            }
        }
        // Wake the accept loop, which waits in accept() for a client.
        let wake = match address.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::from((Ipv4Addr::LOCALHOST, address.port())),
            IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::from((Ipv6Addr::LOCALHOST, address.port())),
            _ => address,
        };
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
    }

    /// Keeps a handle on the connection's socket for [`Server::stop`]; a
    /// connection arriving as the server stops has its input closed at once.
    fn track(&self, id: u64, stream: &TcpStream) {
        let Ok(handle) = stream.try_clone() else { return };
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if self.stopping.load(Ordering::SeqCst) {
            let _ = handle.shutdown(std::net::Shutdown::Read);
        }
        open.insert(id, handle);
    }

    fn connection(&self, stream: TcpStream, peer: SocketAddr, id: u64, permit: Permit) {
        let _permit = permit;
        let _span = tracing::debug_span!("thrift_connection", %peer).entered();
        self.track(id, &stream);
        // Scanners the client left open go with the connection, even if a call panicked.
        let _cleanup = OnDrop(|| {
            self.service.scanners.remove_owned_by(id);
            self.open.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
        });
        match self.converse(stream, id) {
            Ok(()) => tracing::debug!(%peer, "Thrift connection closed"),
            // Bytes that are not Thrift, or a frame over the cap: worth an operator's eye.
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                tracing::warn!(%peer, error = %e, "Thrift connection closed: unreadable request")
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                tracing::info!(%peer, error = %e, "Thrift connection closed: timed out")
            }
            Err(e) => tracing::debug!(%peer, error = %e, "Thrift connection ended"),
        }
    }

    /// Answers calls until the client hangs up or sends something unreadable.
    fn converse(&self, stream: TcpStream, id: u64) -> io::Result<()> {
        stream.set_nodelay(true)?;
        stream.set_write_timeout(Some(self.config.request_timeout).filter(|t| !t.is_zero()))?;
        let caller = Caller { connection: id, local: stream.local_addr()? };
        let deadline = Deadline::new(self.config.idle_timeout, self.config.request_timeout);
        let mut timed = Timed::new(stream.try_clone()?, deadline.clone());
        let mut head = [0u8; 5];
        match timed.read_exact(&mut head) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        let wire = Wire::sniff(&head).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidData, format!("not a Thrift message: starts with {head:02x?}"))
        })?;
        let reader = BufReader::new(Cursor::new(head).chain(timed));
        let (mut input, mut strings) = wire.reader(reader, &self.config);
        let mut output = wire.output(stream);
        loop {
            deadline.call_read();
            let message = match input.read_message_begin() {
                Ok(m) => m,
                Err(e) if is_eof(&e) => return Ok(()),
                Err(e) => return Err(protocol_error(e)),
            };
            let args = value::read_struct_with(&mut *input, &mut strings).map_err(protocol_error)?;
            input.read_message_end().map_err(protocol_error)?;
            deadline.call_read();
            let reply = self.answer(caller, &message, &args);
            if message.message_type == TMessageType::OneWay {
                continue;
            }
            let bytes = match wire.encode(&reply) {
                Ok(bytes) => bytes,
                Err(e) => {
                    let failure = Outgoing::failure(&message, ApplicationErrorKind::InternalError, e.to_string());
                    wire.encode(&failure).map_err(protocol_error)?
                }
            };
            output.write_all(&bytes)?;
            output.flush()?;
        }
    }

    /// Runs one call and builds its reply message.
    fn answer(&self, caller: Caller, message: &TMessageIdentifier, args: &Struct) -> Outgoing {
        if !matches!(message.message_type, TMessageType::Call | TMessageType::OneWay) {
            let text = format!("expected a call, got a {:?} message", message.message_type);
            return Outgoing::failure(message, ApplicationErrorKind::InvalidMessageType, text);
        }
        let name = message.name.as_str();
        // A bug below must cost one call, not the connection.
        let result = panic::catch_unwind(AssertUnwindSafe(|| self.service.call(caller, name, args)));
        let body = match result {
            Ok(Some(Ok(value))) => Struct::new().with_opt(0, value),
            Ok(Some(Err(fault))) => {
                tracing::debug!(method = name, ?fault, "Thrift call failed");
                let (id, exception) = fault.encode(name);
                Struct::new().with(id, Value::Struct(exception))
            }
            Ok(None) => {
                let text = format!("Invalid method name: '{name}'");
                return Outgoing::failure(message, ApplicationErrorKind::UnknownMethod, text);
            }
            Err(panic) => {
                let text = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(method = name, panic = %text, "Thrift call panicked");
                let text = format!("internal error in {name}: {text}");
                return Outgoing::failure(message, ApplicationErrorKind::InternalError, text);
            }
        };
        Outgoing { id: TMessageIdentifier::new(name, TMessageType::Reply, message.sequence_number), body }
    }
}

/// A reply message: its header and its result (or exception) struct.
struct Outgoing {
    id: TMessageIdentifier,
    body: Struct,
}

impl Outgoing {
    /// A `TApplicationException`: the call could not be run at all.
    fn failure(to: &TMessageIdentifier, kind: ApplicationErrorKind, message: String) -> Outgoing {
        Outgoing {
            id: TMessageIdentifier::new(to.name.clone(), TMessageType::Exception, to.sequence_number),
            body: Struct::new().with(1, Value::binary(message)).with(2, Value::I32(kind as i32)),
        }
    }
}

/// How a connection's messages are carried, as sniffed from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Wire {
    framed: bool,
    encoding: Encoding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    /// `strict`: messages carry the version header (all current clients).
    Binary {
        strict: bool,
    },
    Compact,
}

/// Longest method name we accept from a binary client without a version header.
const MAX_UNVERSIONED_NAME: i32 = 256;

/// Longest method name we read at all (`Hbase.thrift`'s longest is 29 bytes).
const MAX_METHOD_NAME: usize = 4096;

impl Wire {
    /// Reads the transport and protocol off a connection's first five bytes
    /// (every Thrift call is longer); `None` for anything else.
    fn sniff(head: &[u8; 5]) -> Option<Wire> {
        let length = i32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let (framed, encoding) = match (head[0], head[1], head[4]) {
            (0x80, 0x01, _) => (false, Encoding::Binary { strict: true }),
            (0x82, _, _) => (false, Encoding::Compact),
            (_, _, 0x80) if length > 0 => (true, Encoding::Binary { strict: true }),
            (_, _, 0x82) if length > 0 => (true, Encoding::Compact),
            // Old binary clients start with the method name's length, then the name.
            (_, _, first) if (1..=MAX_UNVERSIONED_NAME).contains(&length) && first.is_ascii_alphabetic() => {
                (false, Encoding::Binary { strict: false })
            }
            _ => return None,
        };
        Some(Wire { framed, encoding })
    }

    /// The protocol reading a connection's calls, and the reader of their
    /// strings, both over one [`Source`] (with the framing, when framed).
    fn reader(&self, reader: impl Read + 'static, config: &ThriftConfig) -> (Box<dyn TInputProtocol>, Binaries) {
        let source =
            if self.framed { Source::new(Frames::new(reader, config.max_frame_bytes)) } else { Source::new(reader) };
        // The protocol reads only method names as strings (with its own up-front allocation).
        let limits = TConfiguration::builder()
            .max_string_size(Some(MAX_METHOD_NAME))
            .max_container_size(Some(config.max_container_len))
            .build()
            .unwrap_or_default();
        let input: Box<dyn TInputProtocol> = match self.encoding {
            // Accept both kinds of binary header whatever the first message had.
            Encoding::Binary { .. } => Box::new(TBinaryInputProtocol::with_config(source.clone(), false, limits)),
            Encoding::Compact => Box::new(TCompactInputProtocol::with_config(source.clone(), limits)),
        };
        (input, Binaries::new(source, self.encoding == Encoding::Compact, config.max_value_bytes))
    }

    fn output<W: Write + Send + 'static>(&self, writer: W) -> Box<dyn Write + Send> {
        if self.framed {
            Box::new(TFramedWriteTransport::new(writer))
        } else {
            Box::new(TBufferedWriteTransport::new(writer))
        }
    }

    /// Serializes a whole message first, so a failure half-way never leaves
    /// half a reply on the wire.
    fn encode(&self, message: &Outgoing) -> thrift::Result<Vec<u8>> {
        let mut buf = Vec::new();
        match self.encoding {
            Encoding::Binary { strict } => write_message(&mut TBinaryOutputProtocol::new(&mut buf, strict), message)?,
            Encoding::Compact => write_message(&mut TCompactOutputProtocol::new(&mut buf), message)?,
        }
        Ok(buf)
    }
}

fn write_message(o: &mut dyn TOutputProtocol, message: &Outgoing) -> thrift::Result<()> {
    o.write_message_begin(&message.id)?;
    value::write_struct(o, "result", &message.body)?;
    o.write_message_end()?;
    o.flush()
}

fn is_eof(e: &thrift::Error) -> bool {
    matches!(e, thrift::Error::Transport(t) if t.kind == thrift::TransportErrorKind::EndOfFile)
}

fn protocol_error(e: thrift::Error) -> io::Error {
    match e {
        thrift::Error::Transport(t) => {
            let kind = match t.kind {
                thrift::TransportErrorKind::TimedOut => io::ErrorKind::TimedOut,
                thrift::TransportErrorKind::EndOfFile => io::ErrorKind::UnexpectedEof,
                _ => io::ErrorKind::Other,
            };
            io::Error::new(kind, t.message)
        }
        // The error's own Display shows only its kind.
        thrift::Error::Protocol(p) => io::Error::new(io::ErrorKind::InvalidData, format!("{p}: {}", p.message)),
        other => io::Error::new(io::ErrorKind::InvalidData, other.to_string()),
    }
}

/// Counts connections against the cap; `acquire` waits for a free slot.
struct Slots {
    used: Mutex<usize>,
    freed: Condvar,
    max: usize,
}

/// One connection's slot, given back when dropped.
struct Permit(Arc<Slots>);

impl Slots {
    fn new(max: usize) -> Self {
        Slots { used: Mutex::new(0), freed: Condvar::new(), max }
    }

    fn acquire(slots: &Arc<Slots>) -> Permit {
        let mut used = slots.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used >= slots.max {
            used = slots.freed.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += 1;
        Permit(Arc::clone(slots))
    }

    /// Waits until every permit is given back.
    fn wait_idle(&self) {
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        while *used > 0 {
            used = self.freed.wait(used).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        *self.0.used.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        // The accept loop and a shutdown may both wait.
        self.0.freed.notify_all();
    }
}

/// Runs its closure when dropped, on the way out of a scope however it is left.
struct OnDrop<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use enma_kv::StoreOptions;
    use thrift::protocol::TType;

    #[test]
    fn sniffs_every_transport_and_protocol() {
        let wire = |framed, encoding| Some(Wire { framed, encoding });
        let strict = Encoding::Binary { strict: true };
        assert_eq!(Wire::sniff(&[0x80, 0x01, 0x00, 0x01, 0x00]), wire(false, strict));
        assert_eq!(Wire::sniff(&[0x82, 0x21, 0x01, 0x0d, b'g']), wire(false, Encoding::Compact));
        assert_eq!(Wire::sniff(&[0x00, 0x00, 0x00, 0x30, 0x80]), wire(true, strict));
        assert_eq!(Wire::sniff(&[0x00, 0x00, 0x01, 0x30, 0x82]), wire(true, Encoding::Compact));
        assert_eq!(Wire::sniff(&[0x00, 0x00, 0x00, 0x0d, b'g']), wire(false, Encoding::Binary { strict: false }));
        assert_eq!(Wire::sniff(b"GET /"), None);
        assert_eq!(Wire::sniff(&[0xff, 0xff, 0xff, 0xff, 0x80]), None);
        assert_eq!(Wire::sniff(&[0, 0, 0, 0, 0]), None);
    }

    /// A minimal client: one call, one reply, over any wire.
    fn call(stream: &TcpStream, wire: Wire, name: &str, args: Struct) -> (TMessageType, Struct) {
        let request = Outgoing { id: TMessageIdentifier::new(name, TMessageType::Call, 7), body: args };
        let mut out = wire.output(stream.try_clone().unwrap());
        out.write_all(&wire.encode(&request).unwrap()).unwrap();
        out.flush().unwrap();
        let (mut input, mut strings) = wire.reader(stream.try_clone().unwrap(), &ThriftConfig::default());
        let header = input.read_message_begin().unwrap();
        assert_eq!((header.name.as_str(), header.sequence_number), (name, 7));
        (header.message_type, value::read_struct_with(&mut *input, &mut strings).unwrap())
    }

    fn start() -> (tempfile::TempDir, SocketAddr) {
        start_with(ThriftConfig { max_connections: 2, ..ThriftConfig::default() })
    }

    #[test]
    fn bind_refuses_an_address_off_loopback() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let err = bind("0.0.0.0:0".parse().unwrap(), store, ThriftConfig::default()).err().unwrap();
        assert_eq!(err.kind(), enma_common::error::ErrorKind::Forbidden);
        assert!(err.message().contains("loopback only") && !err.message().contains("  "), "{err}");
    }

    #[tokio::test]
    async fn shutdown_closes_idle_connections_and_ends_serving() {
        use enma_service::Service as _;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let server = bind("127.0.0.1:0".parse().unwrap(), store, ThriftConfig::default()).unwrap();
        let address = server.local_addr();
        let shutdown = Shutdown::new();
        let serving = tokio::spawn(Box::new(server).serve(shutdown.clone()));
        // An idle client, connected and accepted before the shutdown.
        let mut idle = TcpStream::connect(address).unwrap();
        idle.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        shutdown.cancel();
        let served = tokio::time::timeout(Duration::from_secs(20), serving).await.expect("stopped in time");
        served.unwrap().unwrap();
        let mut buf = [0u8; 1];
        assert_eq!(idle.read(&mut buf).unwrap(), 0, "the idle connection is closed");
        assert!(TcpStream::connect(address).is_err(), "no longer listening");
    }

    fn start_with(config: ThriftConfig) -> (tempfile::TempDir, SocketAddr) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        spawn(listener, store, config);
        (dir, address)
    }

    /// Whether the server closes `stream` within `within` (reading whatever it sends first).
    fn closed_within(stream: &TcpStream, within: Duration) -> bool {
        stream.set_read_timeout(Some(within)).unwrap();
        let mut sink = Vec::new();
        match (&*stream).read_to_end(&mut sink) {
            Ok(_) => true,
            Err(e) => e.kind() == io::ErrorKind::ConnectionReset,
        }
    }

    #[test]
    fn announced_frames_idle_and_stalled_clients_cannot_lock_others_out() {
        let config = ThriftConfig {
            max_connections: 8,
            idle_timeout: Some(Duration::from_millis(600)),
            request_timeout: Duration::from_millis(400),
            ..ThriftConfig::default()
        };
        let (_dir, address) = start_with(config);
        let wire = Wire { framed: true, encoding: Encoding::Binary { strict: true } };

        // Twice as many connections as slots, each announcing a 16 MB frame and
        // sending nine bytes of it, then nothing.
        let mut hostile = Vec::new();
        for _ in 0..16 {
            let mut s = TcpStream::connect(address).unwrap();
            let mut start = 16_000_000i32.to_be_bytes().to_vec();
            start.extend_from_slice(&[0x80, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0d, b'g']);
            s.write_all(&start).unwrap();
            hostile.push(s);
        }
        // Connections that never send a byte.
        let idle: Vec<TcpStream> = (0..8).map(|_| TcpStream::connect(address).unwrap()).collect();

        // A normal client still gets served: the stalled calls time out and free their slots.
        let started = std::time::Instant::now();
        let client = TcpStream::connect(address).unwrap();
        client.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let (kind, reply) = call(&client, wire, "getTableNames", Struct::new());
        assert_eq!(kind, TMessageType::Reply);
        assert_eq!(reply.get(0), Some(&Value::list(TType::String, vec![])));
        assert!(started.elapsed() < Duration::from_secs(10), "served after {:?}", started.elapsed());
        for s in hostile.iter().chain(&idle) {
            assert!(closed_within(s, Duration::from_secs(5)), "a hostile or idle connection is still open");
        }

        // A call that trickles in a byte at a time is closed at the request timeout,
        // however steadily the bytes come.
        let mut slow = TcpStream::connect(address).unwrap();
        let request =
            Outgoing { id: TMessageIdentifier::new("getTableNames", TMessageType::Call, 7), body: Struct::new() };
        let bytes = Wire { framed: false, encoding: Encoding::Compact }.encode(&request).unwrap();
        let trickle_started = std::time::Instant::now();
        let mut cut_off = false;
        for b in &bytes[..bytes.len() - 1] {
            if slow.write_all(&[*b]).is_err() {
                cut_off = true;
                break;
            }
            thread::sleep(Duration::from_millis(100));
        }
        assert!(cut_off || closed_within(&slow, Duration::from_secs(5)));
        assert!(trickle_started.elapsed() < Duration::from_secs(5));

        // An announcement over the frame cap closes the connection at once.
        let mut big = TcpStream::connect(address).unwrap();
        big.write_all(&[0x7f, 0xff, 0xff, 0xff, 0x80, 0x01, 0x00, 0x01]).unwrap();
        assert!(closed_within(&big, Duration::from_millis(300)));

        // And the connection that was served is closed once idle for the idle timeout.
        assert!(closed_within(&client, Duration::from_secs(5)));
        let (kind, _) = call(&TcpStream::connect(address).unwrap(), wire, "getClusterId", Struct::new());
        assert_eq!(kind, TMessageType::Reply);
    }

    #[test]
    fn serves_all_four_wires_and_survives_bad_requests() {
        let (_dir, address) = start();

        // Garbage closes that connection (a reset, as it leaves bytes unread), and only that one.
        let mut junk = TcpStream::connect(address).unwrap();
        junk.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        let mut rest = Vec::new();
        match junk.read_to_end(&mut rest) {
            Ok(n) => assert_eq!(n, 0),
            Err(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset),
        }

        for framed in [false, true] {
            for encoding in [Encoding::Binary { strict: true }, Encoding::Compact, Encoding::Binary { strict: false }] {
                if framed && encoding == (Encoding::Binary { strict: false }) {
                    continue;
                }
                let wire = Wire { framed, encoding };
                let stream = TcpStream::connect(address).unwrap();
                let (kind, reply) = call(&stream, wire, "getTableNames", Struct::new());
                assert_eq!(kind, TMessageType::Reply, "{wire:?}");
                assert_eq!(reply.get(0), Some(&Value::list(TType::String, vec![])), "{wire:?}");

                // An unknown method, then a call with a missing argument, then a good call:
                // the same connection answers all three.
                let (kind, reply) = call(&stream, wire, "frobnicate", Struct::new());
                assert_eq!(kind, TMessageType::Exception);
                assert_eq!(reply.get(2), Some(&Value::I32(ApplicationErrorKind::UnknownMethod as i32)));
                let (kind, reply) = call(&stream, wire, "isTableEnabled", Struct::new());
                assert_eq!(kind, TMessageType::Reply);
                let io_error = reply.structure(1, "io").unwrap();
                assert_eq!(io_error.opt_text(1, "message").unwrap(), Some("tableName is missing"));
                let (_, reply) = call(&stream, wire, "getClusterId", Struct::new());
                assert_eq!(reply.get(0), Some(&Value::binary(&b"enma"[..])));
            }
        }
    }

    #[test]
    fn connections_beyond_the_cap_wait_for_a_free_slot() {
        let (_dir, address) = start();
        let wire = Wire { framed: false, encoding: Encoding::Compact };
        let first = TcpStream::connect(address).unwrap();
        let second = TcpStream::connect(address).unwrap();
        call(&first, wire, "getTableNames", Struct::new());
        call(&second, wire, "getTableNames", Struct::new());
        let third = TcpStream::connect(address).unwrap();
        third.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
        let request =
            Outgoing { id: TMessageIdentifier::new("getTableNames", TMessageType::Call, 7), body: Struct::new() };
        (&third).write_all(&wire.encode(&request).unwrap()).unwrap();
        let mut byte = [0u8; 1];
        assert!((&third).read(&mut byte).is_err(), "the third connection waits");
        drop(first);
        third.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        assert_eq!((&third).read(&mut byte).unwrap(), 1, "and is served once one closes");
    }
}
