//! Which I/O driver the io_uring backends use on this machine: io_uring where the kernel
//! offers every operation the runtime needs, their fallback (compio's `polling`, monoio's
//! legacy epoll driver) otherwise. `MONOIO_FORCE_LEGACY_DRIVER=1` forces monoio's fallback.
//!
//! ```sh
//! cargo run -q -p async-oneoff --no-default-features --features compio,monoio --example io_drivers
//! ```
//!
//! prints one line per backend, for example `compio: io_uring`.

use oneoff::{Compio, Monoio};

fn main() -> Result<(), oneoff::Error> {
    println!("compio: {}", Compio::new()?.driver());
    println!("monoio: {}", Monoio::new()?.driver());
    Ok(())
}
