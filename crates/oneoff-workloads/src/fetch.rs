//! `fetch(arg)`: the one-off network call ("one HTTP call from a CLI", without HTTP): connect
//! to a loopback server, send one request line carrying `arg`, read the answer line and return
//! it parsed. The server is [`LoopbackServer`], plain `std::net` on 127.0.0.1; the client is
//! written once per network stack, each behind its own feature, because a runtime's sockets
//! work only under the reactor they register with:
//!
//! | function | feature | runs under |
//! |---|---|---|
//! | [`fetch_tokio`] | `fetch-tokio` | tokio's runtimes only (`tokio`, `tokio-mt`, `tokio-local`) |
//! | [`fetch_async_io`] | `fetch-async-io` | every backend (`async-io` drives its reactor from its own thread where no runtime does) |
//! | [`fetch_async_std`] | `fetch-async-std` | every backend (async-std's sockets are `async-io`'s) |
//! | [`fetch_compio`] | `fetch-compio` | compio only |
//! | [`fetch_monoio`] | `fetch-monoio` | monoio only |
//!
//! [`fetch_on`] picks one of them by its [`Stack`] at run time. Beside them, [`fetch_std`]
//! makes the same round trip with blocking `std::net` and no runtime: the baseline that
//! `cargo xtask compare` measures the others against.
//!
//! The wire format is one line each way: `fetch <arg>\n`, answered by `<arg * 100>\n`
//! ([`answer`], what [`work_with`](crate::work_with) returns), after which the
//! server closes the connection.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use oneoff_core::NativeIo;

use crate::answer;

/// How long the server waits for a connected client's request line before dropping it.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);

/// A network stack that [`fetch`](self) is written on.
///
/// # Examples
///
/// ```
/// use oneoff_core::NativeIo;
/// use oneoff_workloads::fetch::Stack;
///
/// assert_eq!(Stack::native(NativeIo::Tokio), Stack::Tokio);
/// assert_eq!(Stack::native(NativeIo::None), Stack::AsyncIo);
/// assert!(Stack::AsyncIo.runs_under(NativeIo::Compio));
/// assert!(!Stack::Compio.runs_under(NativeIo::AsyncIo));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stack {
    /// `tokio::net` ([`fetch_tokio`]).
    Tokio,
    /// `async-io`'s `Async<TcpStream>` ([`fetch_async_io`]).
    AsyncIo,
    /// `async_std::net` ([`fetch_async_std`]).
    AsyncStd,
    /// `compio::net` ([`fetch_compio`]).
    Compio,
    /// `monoio::net` ([`fetch_monoio`]).
    Monoio,
}

impl Stack {
    /// Every stack.
    pub const ALL: [Stack; 5] = [
        Stack::Tokio,
        Stack::AsyncIo,
        Stack::AsyncStd,
        Stack::Compio,
        Stack::Monoio,
    ];

    /// The stack a user of a backend whose own I/O is `io` (its `BackendInfo::io`)
    /// would write `fetch` with: the runtime's own sockets where it has them, `async-io`'s
    /// where it has none.
    pub fn native(io: NativeIo) -> Stack {
        match io {
            NativeIo::Tokio => Stack::Tokio,
            NativeIo::AsyncStd => Stack::AsyncStd,
            NativeIo::Compio => Stack::Compio,
            NativeIo::Monoio => Stack::Monoio,
            _ => Stack::AsyncIo,
        }
    }

    /// Whether this stack's sockets work under a backend whose own I/O is `io`: `async-io`'s
    /// (and so async-std's) everywhere, because `async-io` drives its reactor from its own
    /// thread where no runtime does; a runtime's own sockets only under that runtime.
    pub fn runs_under(self, io: NativeIo) -> bool {
        matches!(self, Stack::AsyncIo | Stack::AsyncStd) || Stack::native(io) == self
    }

    /// The stack's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Stack::Tokio => "tokio::net",
            Stack::AsyncIo => "async-io",
            Stack::AsyncStd => "async_std::net",
            Stack::Compio => "compio::net",
            Stack::Monoio => "monoio::net",
        }
    }

    /// The feature of this crate that builds the stack's `fetch`.
    pub fn feature(self) -> &'static str {
        match self {
            Stack::Tokio => "fetch-tokio",
            Stack::AsyncIo => "fetch-async-io",
            Stack::AsyncStd => "fetch-async-std",
            Stack::Compio => "fetch-compio",
            Stack::Monoio => "fetch-monoio",
        }
    }
}

/// The request line that asks for `arg`'s answer.
///
/// # Examples
///
/// ```
/// assert_eq!(oneoff_workloads::fetch::request(7), b"fetch 7\n");
/// ```
pub fn request(arg: u64) -> Vec<u8> {
    format!("fetch {arg}\n").into_bytes()
}

/// Parses what the server sent back: one line holding a number.
///
/// # Errors
///
/// `InvalidData` when the bytes are not one line holding a whole number (the server's
/// `error: ...` line for a bad request included).
///
/// # Examples
///
/// ```
/// use oneoff_workloads::fetch::parse_answer;
///
/// assert_eq!(parse_answer(b"700\n").unwrap(), 700);
/// assert!(parse_answer(b"error: bad request\n").is_err());
/// ```
pub fn parse_answer(bytes: &[u8]) -> io::Result<u64> {
    let invalid = || {
        let shown = String::from_utf8_lossy(bytes);
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the loopback server answered {shown:?}, not one line with a number"),
        )
    };
    let text = std::str::from_utf8(bytes).map_err(|_| invalid())?;
    let line = text.strip_suffix('\n').ok_or_else(invalid)?;
    line.parse().map_err(|_| invalid())
}

/// The answer line to one request line, `error: ...` for a bad one.
fn respond(line: &str) -> String {
    match line
        .trim_end()
        .strip_prefix("fetch ")
        .and_then(|arg| arg.parse::<u64>().ok())
    {
        Some(arg) => format!("{}\n", answer(arg)),
        None => format!("error: expected `fetch <whole number>`, got {line:?}\n"),
    }
}

/// A `std::net` server on 127.0.0.1 that answers `fetch` requests, one connection after the
/// other, on a thread of its own. It is bounded: it stops after `max_requests` connections, or
/// `lifetime` after it started, or when it is dropped, whichever comes first; a client that
/// connects and sends nothing is dropped after five seconds.
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
/// use std::time::Duration;
/// use oneoff_workloads::fetch::{LoopbackServer, parse_answer, request};
///
/// let server = LoopbackServer::start(1, Duration::from_secs(30)).unwrap();
/// let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
/// stream.write_all(&request(3)).unwrap();
/// let mut answer = Vec::new();
/// stream.read_to_end(&mut answer).unwrap();
/// assert_eq!(parse_answer(&answer).unwrap(), 300);
/// assert_eq!(server.stop(), 1);
/// ```
#[derive(Debug)]
pub struct LoopbackServer {
    addr: SocketAddr,
    served: Arc<AtomicU64>,
    stop: Option<Sender<()>>,
    threads: Vec<JoinHandle<()>>,
}

impl LoopbackServer {
    /// Binds a free port on 127.0.0.1 and starts answering.
    ///
    /// # Errors
    ///
    /// When the port cannot be bound or the server's threads cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let server = oneoff_workloads::fetch::LoopbackServer::start(10, Duration::from_secs(5)).unwrap();
    /// assert!(server.addr().ip().is_loopback());
    /// ```
    pub fn start(max_requests: u64, lifetime: Duration) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let served = Arc::new(AtomicU64::new(0));
        let (stop, stopped) = mpsc::channel::<()>();
        let counter = Arc::clone(&served);
        let server = thread::Builder::new()
            .name("oneoff-loopback".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if counter.load(Ordering::SeqCst) >= max_requests {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    counter.fetch_add(1, Ordering::SeqCst);
                    // A client that goes away early is its own problem, not the server's.
                    let _ = serve(stream);
                }
            })?;
        // Waits for `stop` or the end of the lifetime, then wakes the accept loop with one last
        // connection, which it does not count as served.
        let served_by_stopper = Arc::clone(&served);
        let stopper = thread::Builder::new()
            .name("oneoff-loopback-stop".into())
            .spawn(move || {
                match stopped.recv_timeout(lifetime) {
                    Ok(()) | Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {}
                }
                served_by_stopper.fetch_add(u64::MAX / 2, Ordering::SeqCst);
                let _ = TcpStream::connect(addr);
            })?;
        Ok(LoopbackServer {
            addr,
            served,
            stop: Some(stop),
            threads: vec![server, stopper],
        })
    }

    /// The address to connect to.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let server = oneoff_workloads::fetch::LoopbackServer::start(1, Duration::from_secs(5)).unwrap();
    /// assert_ne!(server.addr().port(), 0);
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server, waits for its threads and returns how many connections it served.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let server = oneoff_workloads::fetch::LoopbackServer::start(1, Duration::from_secs(5)).unwrap();
    /// assert_eq!(server.stop(), 0);
    /// ```
    pub fn stop(mut self) -> u64 {
        self.shut_down();
        self.served.load(Ordering::SeqCst) % (u64::MAX / 2)
    }

    fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// Answers one connection: reads the request line, writes the answer line, closes.
fn serve(stream: TcpStream) -> io::Result<()> {
    stream.set_read_timeout(Some(CLIENT_TIMEOUT))?;
    stream.set_nodelay(true)?;
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line)?;
    (&stream).write_all(respond(&line).as_bytes())
}

/// `fetch(arg)` on `stack`, picked at run time: one future type for every stack, for code that
/// chooses the stack by a value (`Stack::native(io)`).
///
/// # Errors
///
/// When the connection fails or the answer is not a number; `Unsupported` when this build
/// lacks the stack's feature.
///
/// # Panics
///
/// Where the stack's client panics: outside the runtime whose sockets it uses.
///
/// # Examples
///
/// ```
/// use std::io;
/// use std::time::Duration;
/// use oneoff_workloads::fetch::{LoopbackServer, Stack, fetch_on};
///
/// let server = LoopbackServer::start(1, Duration::from_secs(30)).unwrap();
/// let fetched = futures_lite::future::block_on(fetch_on(Stack::AsyncIo, server.addr(), 2));
/// if cfg!(feature = "fetch-async-io") {
///     assert_eq!(fetched.unwrap(), 200);
/// } else {
///     assert_eq!(fetched.unwrap_err().kind(), io::ErrorKind::Unsupported);
/// }
/// ```
pub async fn fetch_on(stack: Stack, addr: SocketAddr, arg: u64) -> io::Result<u64> {
    match stack {
        #[cfg(feature = "fetch-tokio")]
        Stack::Tokio => fetch_tokio(addr, arg).await,
        #[cfg(feature = "fetch-async-io")]
        Stack::AsyncIo => fetch_async_io(addr, arg).await,
        #[cfg(feature = "fetch-async-std")]
        Stack::AsyncStd => fetch_async_std(addr, arg).await,
        #[cfg(feature = "fetch-compio")]
        Stack::Compio => fetch_compio(addr, arg).await,
        #[cfg(feature = "fetch-monoio")]
        Stack::Monoio => fetch_monoio(addr, arg).await,
        #[allow(
            unreachable_patterns,
            reason = "reachable in every build without all the features"
        )]
        stack => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "fetch({arg}) from {addr}: this build has no {} client: turn on \
                 oneoff-workloads' `{}` feature",
                stack.name(),
                stack.feature()
            ),
        )),
    }
}

/// `fetch(arg)` with blocking `std::net` sockets and no runtime at all: the same round trip as
/// the async clients, the baseline they are measured against.
///
/// # Errors
///
/// When the connection fails or the answer is not a number.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use oneoff_workloads::fetch::{LoopbackServer, fetch_std};
///
/// let server = LoopbackServer::start(1, Duration::from_secs(30)).unwrap();
/// assert_eq!(fetch_std(server.addr(), 3).unwrap(), 300);
/// ```
pub fn fetch_std(addr: SocketAddr, arg: u64) -> io::Result<u64> {
    use std::io::Read;

    let mut stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    stream.write_all(&request(arg))?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    parse_answer(&answer)
}

/// `fetch(arg)` on tokio's `tokio::net`: runs under tokio's runtimes only.
///
/// # Errors
///
/// When the connection fails or the answer is not a number.
///
/// # Panics
///
/// Outside a tokio runtime (tokio's "there is no reactor running").
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use oneoff_workloads::fetch::{LoopbackServer, fetch_tokio};
///
/// let server = LoopbackServer::start(1, Duration::from_secs(30)).unwrap();
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_io().build().unwrap();
/// assert_eq!(runtime.block_on(fetch_tokio(server.addr(), 4)).unwrap(), 400);
/// ```
#[cfg(feature = "fetch-tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "fetch-tokio")))]
pub async fn fetch_tokio(addr: SocketAddr, arg: u64) -> io::Result<u64> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    stream.write_all(&request(arg)).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    parse_answer(&answer)
}

/// `fetch(arg)` on `async-io`'s `Async<TcpStream>` (what `async-net` and smol's sockets wrap):
/// runs under every backend.
///
/// # Errors
///
/// When the connection fails or the answer is not a number.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use oneoff_workloads::fetch::{LoopbackServer, fetch_async_io};
///
/// let server = LoopbackServer::start(1, Duration::from_secs(30)).unwrap();
/// let answer = futures_lite::future::block_on(fetch_async_io(server.addr(), 5));
/// assert_eq!(answer.unwrap(), 500);
/// ```
#[cfg(feature = "fetch-async-io")]
#[cfg_attr(docsrs, doc(cfg(feature = "fetch-async-io")))]
pub async fn fetch_async_io(addr: SocketAddr, arg: u64) -> io::Result<u64> {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};

    let mut stream = async_io::Async::<TcpStream>::connect(addr).await?;
    stream.get_ref().set_nodelay(true)?;
    stream.write_all(&request(arg)).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    parse_answer(&answer)
}

/// `fetch(arg)` on `async_std::net`, whose sockets are `async-io`'s: runs under every backend.
///
/// # Errors
///
/// When the connection fails or the answer is not a number.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use oneoff_workloads::fetch::{LoopbackServer, fetch_async_std};
///
/// let server = LoopbackServer::start(1, Duration::from_secs(30)).unwrap();
/// let answer = async_std::task::block_on(fetch_async_std(server.addr(), 6));
/// assert_eq!(answer.unwrap(), 600);
/// ```
#[cfg(feature = "fetch-async-std")]
#[cfg_attr(docsrs, doc(cfg(feature = "fetch-async-std")))]
pub async fn fetch_async_std(addr: SocketAddr, arg: u64) -> io::Result<u64> {
    use async_std::io::{ReadExt, WriteExt};

    let mut stream = async_std::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    stream.write_all(&request(arg)).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    parse_answer(&answer)
}

/// `fetch(arg)` on compio's `compio::net`, whose operations go to the compio runtime's driver
/// (io_uring, or polling): runs under compio only.
///
/// # Errors
///
/// When the connection fails or the answer is not a number.
///
/// # Panics
///
/// Outside a compio runtime (compio's "not in a compio runtime").
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use oneoff_workloads::fetch::{LoopbackServer, fetch_compio};
///
/// let server = LoopbackServer::start(1, Duration::from_secs(30)).unwrap();
/// let runtime = compio::runtime::Runtime::new().unwrap();
/// assert_eq!(runtime.block_on(fetch_compio(server.addr(), 7)).unwrap(), 700);
/// ```
#[cfg(feature = "fetch-compio")]
#[cfg_attr(docsrs, doc(cfg(feature = "fetch-compio")))]
pub async fn fetch_compio(addr: SocketAddr, arg: u64) -> io::Result<u64> {
    use compio::BufResult;
    use compio::io::{AsyncReadExt, AsyncWriteExt};

    let mut stream = compio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let BufResult(sent, _) = stream.write_all(request(arg)).await;
    sent?;
    let BufResult(received, answer) = stream.read_to_end(Vec::with_capacity(32)).await;
    received?;
    parse_answer(&answer)
}

/// `fetch(arg)` on monoio's `monoio::net`, whose operations go to the monoio runtime's driver
/// (io_uring, or its legacy epoll driver): runs under monoio only.
///
/// # Errors
///
/// When the connection fails or the answer is not a number.
///
/// # Panics
///
/// Outside a monoio runtime.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use oneoff_workloads::fetch::{LoopbackServer, fetch_monoio};
///
/// let server = LoopbackServer::start(1, Duration::from_secs(30)).unwrap();
/// let mut runtime = monoio::RuntimeBuilder::<monoio::FusionDriver>::new().build().unwrap();
/// assert_eq!(runtime.block_on(fetch_monoio(server.addr(), 8)).unwrap(), 800);
/// ```
#[cfg(feature = "fetch-monoio")]
#[cfg_attr(docsrs, doc(cfg(feature = "fetch-monoio")))]
pub async fn fetch_monoio(addr: SocketAddr, arg: u64) -> io::Result<u64> {
    use monoio::io::{AsyncReadRent, AsyncWriteRentExt};

    let mut stream = monoio::net::TcpStream::connect_addr(addr).await?;
    stream.set_nodelay(true)?;
    let (sent, _) = stream.write_all(request(arg)).await;
    sent?;
    let mut answer = Vec::with_capacity(32);
    loop {
        let spare = Vec::with_capacity(32);
        let (received, chunk) = stream.read(spare).await;
        if received? == 0 {
            break;
        }
        answer.extend_from_slice(&chunk);
    }
    parse_answer(&answer)
}
