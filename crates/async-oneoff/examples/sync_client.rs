//! A synchronous client library over async internals, built the way `reqwest::blocking` is: the
//! library's code is async (tokio's TCP streams) and a `BlockingPortal` gives it a synchronous
//! API that any thread may call, with the runtime kept on the portal's one thread. The example
//! starts a small line server on loopback (on a portal too), then four threads share one
//! `Client` and make three requests each.
//!
//! The portal's runner is `TokioCompat<oneoff::Runner>`: tokio's I/O runs on whichever backend
//! the features select (on `tokio` itself, compatibility adds nothing).
//!
//! `cargo run -q -p async-oneoff --features portal,tokio-compat --example sync_client` prints:
//!
//! ```text
//! Server listening on loopback
//! thread 0 got: HELLO FROM THREAD 0, REQUEST 0
//! thread 0 got: HELLO FROM THREAD 0, REQUEST 1
//! thread 0 got: HELLO FROM THREAD 0, REQUEST 2
//! thread 1 got: HELLO FROM THREAD 1, REQUEST 0
//! thread 1 got: HELLO FROM THREAD 1, REQUEST 1
//! thread 1 got: HELLO FROM THREAD 1, REQUEST 2
//! thread 2 got: HELLO FROM THREAD 2, REQUEST 0
//! thread 2 got: HELLO FROM THREAD 2, REQUEST 1
//! thread 2 got: HELLO FROM THREAD 2, REQUEST 2
//! thread 3 got: HELLO FROM THREAD 3, REQUEST 0
//! thread 3 got: HELLO FROM THREAD 3, REQUEST 1
//! thread 3 got: HELLO FROM THREAD 3, REQUEST 2
//! 4 threads made 12 requests through one client
//! ```

use std::thread;

use line_client::{BoxError, Client, Server};

/// The library: what a crate such as `reqwest::blocking` would export.
mod line_client {
    use std::io;
    use std::net::SocketAddr;

    use oneoff::{BlockingPortal, TokioCompat};
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::{TcpListener, TcpStream};

    /// The portal every client and server of this library runs on.
    type Portal = BlockingPortal<TokioCompat<oneoff::Runner>>;

    /// What can go wrong: the portal (`oneoff::Error`) or the connection (`io::Error`).
    pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

    /// A blocking client of a line protocol (one request line, one reply line), cheap to clone
    /// and callable from any thread.
    #[derive(Debug, Clone)]
    pub(crate) struct Client {
        portal: Portal,
        address: SocketAddr,
    }

    impl Client {
        /// Starts the client's runtime thread and checks that the server answers.
        pub(crate) fn connect(address: SocketAddr) -> Result<Client, BoxError> {
            let portal = Portal::new()?;
            portal.call(async move { TcpStream::connect(address).await.map(drop) })??;
            Ok(Client { portal, address })
        }

        /// Sends `line` and returns the server's reply, blocking the calling thread.
        pub(crate) fn request(&self, line: &str) -> Result<String, BoxError> {
            let (address, line) = (self.address, format!("{line}\n"));
            Ok(self.portal.call(exchange(address, line))??)
        }
    }

    /// The async internals: one connection per request.
    async fn exchange(address: SocketAddr, line: String) -> io::Result<String> {
        let mut stream = TcpStream::connect(address).await?;
        stream.write_all(line.as_bytes()).await?;
        let mut reply = String::new();
        BufReader::new(stream).read_line(&mut reply).await?;
        Ok(reply.trim_end().to_owned())
    }

    /// A line server on loopback that answers every line in upper case, until it is closed.
    #[derive(Debug)]
    pub(crate) struct Server {
        portal: Portal,
        address: SocketAddr,
    }

    impl Server {
        /// Binds a loopback port and starts serving on a portal of its own.
        pub(crate) fn start() -> Result<Server, BoxError> {
            let portal = Portal::new()?;
            let listener = portal.call(TcpListener::bind("127.0.0.1:0"))??;
            let address = listener.local_addr()?;
            portal.spawn(serve(listener))?.detach();
            Ok(Server { portal, address })
        }

        /// Where the server listens.
        pub(crate) fn address(&self) -> SocketAddr {
            self.address
        }

        /// Stops serving: closing the portal cancels the accept loop.
        pub(crate) fn close(self) -> Result<(), BoxError> {
            Ok(self.portal.close()?)
        }
    }

    async fn serve(listener: TcpListener) {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(answer(stream));
        }
    }

    async fn answer(stream: TcpStream) -> io::Result<()> {
        let mut stream = BufReader::new(stream);
        let mut line = String::new();
        stream.read_line(&mut line).await?;
        stream.write_all(line.to_uppercase().as_bytes()).await
    }
}

fn main() -> Result<(), BoxError> {
    let server = Server::start()?;
    println!("Server listening on loopback");
    let client = Client::connect(server.address())?;
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let client = client.clone();
            thread::spawn(move || {
                (0..3)
                    .map(|r| {
                        let reply =
                            client.request(&format!("hello from thread {t}, request {r}"))?;
                        Ok(format!("thread {t} got: {reply}"))
                    })
                    .collect::<Result<Vec<_>, BoxError>>()
            })
        })
        .collect();
    let mut lines = Vec::new();
    for thread in threads {
        lines.extend(thread.join().expect("a client thread panicked")?);
    }
    // The threads ran at once; their replies are printed in a fixed order.
    lines.sort();
    for line in &lines {
        println!("{line}");
    }
    println!("4 threads made {} requests through one client", lines.len());
    server.close()
}
