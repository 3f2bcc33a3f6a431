//! The reading side of a connection, written so that what a peer announces
//! costs nothing until its bytes arrive, and a peer that stops sending is let go.
//!
//! The `thrift` crate's framed transport allocates (and zeroes) the frame
//! length it reads before the frame's bytes arrive, and its protocols do the
//! same with a string's length: 64 connections announcing 16 MB frames and
//! sending nine bytes cost a gigabyte. Here nothing is sized by a claim:
//! [`Frames`] passes a frame's bytes through as they arrive (refusing frames
//! over `ThriftConfig::max_frame_bytes` outright), and [`Binaries`] reads a
//! string's bytes into a buffer that grows with what arrived. [`Timed`] puts
//! the two timeouts on the socket: `idle_timeout` between calls, and
//! `request_timeout` for all the bytes of one call once its first has come,
//! so a frame that trickles in, or stops half-way, also ends.

use std::cell::{Cell, RefCell};
use std::io::{self, Read};
use std::net::TcpStream;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use thrift::protocol::TInputProtocol;
use thrift::{ProtocolError, ProtocolErrorKind};

use super::value::Strings;

/// When the call being read must have arrived; `None` between calls.
#[derive(Clone)]
pub(super) struct Deadline {
    due: Rc<Cell<Option<Instant>>>,
    idle: Option<Duration>,
    request: Duration,
}

impl Deadline {
    pub fn new(idle: Option<Duration>, request: Duration) -> Self {
        Deadline { due: Rc::new(Cell::new(None)), idle, request }
    }

    /// The call has been read: the next read waits for a new one, with the idle timeout.
    pub fn call_read(&self) {
        self.due.set(None);
    }

    /// The socket timeout for the next read, or an error when the call is overdue.
    fn timeout(&self) -> io::Result<Option<Duration>> {
        let Some(due) = self.due.get() else { return Ok(self.idle.filter(|d| !d.is_zero())) };
        let left = due.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(self.overdue());
        }
        Ok(Some(left))
    }

    fn overdue(&self) -> io::Error {
        match self.due.get() {
            None => io::Error::new(
                io::ErrorKind::TimedOut,
                format!("idle for {:?} between calls (ThriftConfig::idle_timeout)", self.idle.unwrap_or_default()),
            ),
            Some(_) => io::Error::new(
                io::ErrorKind::TimedOut,
                format!("a call's bytes took longer than {:?} to arrive (ThriftConfig::request_timeout)", self.request),
            ),
        }
    }

    /// Bytes arrived: the first of a call starts its clock.
    fn arrived(&self) {
        if self.due.get().is_none() {
            self.due.set(Some(Instant::now() + self.request));
        }
    }
}

/// A socket whose reads time out by the [`Deadline`].
pub(super) struct Timed {
    stream: TcpStream,
    deadline: Deadline,
    /// The read timeout the socket has now, so it is set only when it changes.
    set: Option<Option<Duration>>,
}

impl Timed {
    pub fn new(stream: TcpStream, deadline: Deadline) -> Self {
        Timed { stream, deadline, set: None }
    }
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let timeout = self.deadline.timeout()?;
        // Whole milliseconds, so the timeout of every read of a call is not a new value.
        let timeout = timeout.map(|d| Duration::from_millis(d.as_millis().max(1) as u64));
        if self.set != Some(timeout) {
            self.stream.set_read_timeout(timeout)?;
            self.set = Some(timeout);
        }
        match self.stream.read(buf) {
            Ok(n) => {
                if n > 0 {
                    self.deadline.arrived();
                }
                Ok(n)
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                Err(self.deadline.overdue())
            }
            Err(e) => Err(e),
        }
    }
}

/// The framed transport's reading side: a frame's four-byte length, then its
/// bytes passed through as they arrive; nothing is buffered here.
pub(super) struct Frames<R> {
    inner: R,
    /// Bytes of the current frame not read yet.
    remaining: usize,
    max_frame: usize,
}

impl<R: Read> Frames<R> {
    pub fn new(inner: R, max_frame: usize) -> Self {
        Frames { inner, remaining: 0, max_frame }
    }
}

impl<R: Read> Read for Frames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.remaining == 0 {
            let mut header = [0u8; 4];
            self.inner.read_exact(&mut header)?;
            let announced = i32::from_be_bytes(header);
            match usize::try_from(announced) {
                Ok(len) if len <= self.max_frame => self.remaining = len,
                _ => {
                    tracing::warn!(
                        announced,
                        max = self.max_frame,
                        "Thrift frame over the cap; closing the connection"
                    );
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "a frame of {announced} bytes was announced; the most allowed is {} \
                             (ThriftConfig::max_frame_bytes)",
                            self.max_frame
                        ),
                    ));
                }
            }
        }
        let want = buf.len().min(self.remaining);
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the connection closed in the middle of a frame"));
        }
        self.remaining -= n;
        Ok(n)
    }
}

/// One connection's byte source, shared by the protocol (which reads headers,
/// numbers and lengths) and [`Binaries`] (which reads strings' bytes).
#[derive(Clone)]
pub(super) struct Source(Rc<RefCell<Box<dyn Read>>>);

impl Source {
    pub fn new(reader: impl Read + 'static) -> Self {
        Source(Rc::new(RefCell::new(Box::new(reader))))
    }
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.borrow_mut().read(buf)
    }
}

/// Reads a string's length through the protocol and its bytes from the
/// [`Source`] into a buffer that grows as they arrive.
pub(super) struct Binaries {
    source: Source,
    compact: bool,
    max: usize,
}

impl Binaries {
    pub fn new(source: Source, compact: bool, max: usize) -> Self {
        Binaries { source, compact, max }
    }
}

impl Strings for Binaries {
    fn read(&mut self, i: &mut dyn TInputProtocol) -> thrift::Result<Bytes> {
        // The binary protocol writes the length as a big-endian i32, which is
        // what its `read_i32` reads; the compact protocol writes an unsigned
        // varint, which its `read_i32` reads and zigzag-decodes, undone here.
        let len = if self.compact {
            let z = i.read_i32()?;
            u64::from(((z << 1) ^ (z >> 31)) as u32)
        } else {
            let n = i.read_i32()?;
            u64::try_from(n)
                .map_err(|_| protocol(ProtocolErrorKind::NegativeSize, format!("negative string length {n}")))?
        };
        if len > self.max as u64 {
            return Err(protocol(
                ProtocolErrorKind::SizeLimit,
                format!("a string of {len} bytes; the most allowed is {} (ThriftConfig::max_value_bytes)", self.max),
            ));
        }
        let mut out = Vec::new();
        (&mut self.source).take(len).read_to_end(&mut out)?;
        if out.len() as u64 != len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the connection closed in the middle of a string",
            )
            .into());
        }
        Ok(Bytes::from(out))
    }
}

fn protocol(kind: ProtocolErrorKind, message: String) -> thrift::Error {
    thrift::Error::Protocol(ProtocolError::new(kind, message))
}

#[cfg(test)]
mod tests {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::io::Write;

    use thrift::protocol::{
        TBinaryInputProtocol, TBinaryOutputProtocol, TCompactInputProtocol, TCompactOutputProtocol, TOutputProtocol,
    };

    use thrift::TransportErrorKind;

    use super::super::value::{self, Struct, Value};
    use super::*;

    /// The system allocator, noting the largest single allocation a thread asks
    /// for while it watches: a claim sized up front shows as one big allocation.
    struct Watching;

    thread_local! {
        static WATCHING: Cell<bool> = const { Cell::new(false) };
        static LARGEST: Cell<usize> = const { Cell::new(0) };
    }

    fn note(size: usize) {
        let _ = WATCHING.try_with(|w| {
            if w.get() {
                let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
            }
        });
    }

    unsafe impl GlobalAlloc for Watching {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            note(layout.size());
            unsafe { System.alloc(layout) }
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            note(layout.size());
            unsafe { System.alloc_zeroed(layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            note(new_size);
            unsafe { System.realloc(ptr, layout, new_size) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    #[global_allocator]
    static ALLOCATOR: Watching = Watching;

    /// The largest allocation `f` makes on this thread.
    fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
        LARGEST.with(|l| l.set(0));
        WATCHING.with(|w| w.set(true));
        let out = f();
        WATCHING.with(|w| w.set(false));
        (out, LARGEST.with(Cell::get))
    }

    const MB16: usize = 16_000_000;

    /// A frame announcing 16 MB whose first bytes start a call with a string
    /// announcing 15 MB, and then nothing more: what a hostile client sends.
    fn hostile_frame(compact: bool) -> Vec<u8> {
        let mut call = Vec::new();
        if compact {
            let mut o = TCompactOutputProtocol::new(&mut call);
            o.write_struct_begin(&thrift::protocol::TStructIdentifier::new("args")).unwrap();
            o.write_field_begin(&thrift::protocol::TFieldIdentifier::new("row", thrift::protocol::TType::String, 1i16))
                .unwrap();
            o.flush().unwrap();
            drop(o);
            // The string's length as an unsigned varint.
            let mut n = 15_000_000u32;
            while n >= 0x80 {
                call.push((n as u8) | 0x80);
                n >>= 7;
            }
            call.push(n as u8);
        } else {
            call.extend_from_slice(&[11, 0, 1]); // a string field, id 1
            call.extend_from_slice(&15_000_000i32.to_be_bytes());
        }
        call.extend_from_slice(b"abc");
        let mut frame = (MB16 as i32).to_be_bytes().to_vec();
        frame.extend_from_slice(&call);
        frame
    }

    #[test]
    fn frames_and_strings_are_not_allocated_before_their_bytes_arrive() {
        for compact in [false, true] {
            let source = Source::new(Frames::new(io::Cursor::new(hostile_frame(compact)), 16 << 20));
            let ((), largest) = largest_allocation(|| {
                let mut strings = Binaries::new(source.clone(), compact, 64 << 20);
                let err = if compact {
                    value::read_struct_with(&mut TCompactInputProtocol::new(source.clone()), &mut strings)
                } else {
                    value::read_struct_with(&mut TBinaryInputProtocol::new(source.clone(), true), &mut strings)
                }
                .unwrap_err();
                assert!(
                    matches!(&err, thrift::Error::Transport(t) if t.kind == TransportErrorKind::EndOfFile),
                    "{err:?}"
                );
            });
            assert!(largest < 64 << 10, "compact={compact}: an allocation of {largest} bytes for a few bytes received");
        }
        // The thrift crate's own framed transport is what this replaces: it sizes the claim.
        let ((), largest) = largest_allocation(|| {
            let mut framed = thrift::transport::TFramedReadTransport::new(io::Cursor::new(hostile_frame(false)));
            assert!(framed.read(&mut [0u8; 16]).is_err());
        });
        assert!(largest >= MB16, "the check above would not notice an up-front allocation");
    }

    #[test]
    fn frames_pass_calls_through_and_refuse_oversized_ones() {
        let call = Struct::new().with(1, Value::binary(vec![7u8; 100_000])).with(2, Value::I32(5));
        let mut body = Vec::new();
        value::write_struct(&mut TBinaryOutputProtocol::new(&mut body, true), "args", &call).unwrap();
        let mut wire = Vec::new();
        for _ in 0..2 {
            wire.write_all(&(body.len() as i32).to_be_bytes()).unwrap();
            wire.write_all(&body).unwrap();
        }
        let source = Source::new(Frames::new(io::Cursor::new(wire), body.len()));
        let mut strings = Binaries::new(source.clone(), false, 1 << 20);
        let mut input = TBinaryInputProtocol::new(source, true);
        for _ in 0..2 {
            assert_eq!(value::read_struct_with(&mut input, &mut strings).unwrap(), call);
        }

        let mut big = Frames::new(io::Cursor::new((1i32 << 30).to_be_bytes()), 16 << 20);
        let err = big.read(&mut [0u8; 8]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("max_frame_bytes"), "{err}");
        let mut negative = Frames::new(io::Cursor::new((-5i32).to_be_bytes()), 16 << 20);
        assert_eq!(negative.read(&mut [0u8; 8]).unwrap_err().kind(), io::ErrorKind::InvalidData);

        // A string longer than allowed is refused before its bytes are read.
        let source = Source::new(io::Cursor::new([&[11, 0, 1][..], &(2i32 << 20).to_be_bytes()].concat()));
        let mut strings = Binaries::new(source.clone(), false, 1 << 20);
        let err = value::read_struct_with(&mut TBinaryInputProtocol::new(source, true), &mut strings).unwrap_err();
        assert!(matches!(&err, thrift::Error::Protocol(p) if p.message.contains("max_value_bytes")), "{err:?}");
    }

    #[test]
    fn compact_lengths_survive_the_zigzag_round_trip() {
        for len in [0usize, 1, 2, 63, 64, 127, 128, 300, 70_000] {
            let call = Struct::new().with(1, Value::binary(vec![1u8; len]));
            let mut body = Vec::new();
            value::write_struct(&mut TCompactOutputProtocol::new(&mut body), "args", &call).unwrap();
            let source = Source::new(io::Cursor::new(body));
            let mut strings = Binaries::new(source.clone(), true, 1 << 20);
            let back = value::read_struct_with(&mut TCompactInputProtocol::new(source), &mut strings).unwrap();
            assert_eq!(back, call, "length {len}");
        }
    }
}
