//! The demos of the two chapters this module serves: 05 (the client) and
//! 06 (the server).

mod client;
mod server;

pub use client::demo as client_demo;
pub use server::demo as server_demo;
