//! # netlessons: network programming with nothing but `std`
//!
//! This crate is the code of the course. Each module is one layer or one
//! protocol, and the lessons in `lessons/` walk through them in this order.
//!
//! | chapter | module | what it holds |
//! | --- | --- | --- |
//! | 01 addresses | [`addresses`], [`url`] | socket addresses, name resolution, a URL parser (RFC 3986) |
//! | 02 tcp | [`tcp`] | an echo server and client, two framings, half-close |
//! | 03 udp | [`udp`] | a UDP echo server that can drop datagrams, a pinger |
//! | 04 dns | [`dns`] | DNS (RFC 1035): names with compression, messages, records, EDNS, zone files; an authoritative server, a stub and an iterative resolver |
//! | 05–06 http | [`http`] | HTTP/1.1 (RFC 9112): messages, a client with keep-alive and redirects, a static file server |
//! | 07 rest-api | [`json`], [`rest`] | JSON by hand (RFC 8259); a notes API with methods, status codes and a durable file |
//! | 08–09 ftp | [`ftp`] | FTP (RFC 959): commands, data connection addresses, replies and file times, for a client and a server |
//! | 10 smtp | [`smtp`] | SMTP (RFC 5321): commands, mailbox addresses and replies, for a client and a server |
//! | 11 pop3 | [`pop3`] | POP3 (RFC 1939): commands and the server's session over a maildrop |
//! | 12 measuring | [`load`] | a load generator: latency histograms, closed and open loops, charts |
//!
//! Shared by every chapter:
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`serve`] | the one accept loop: a thread per connection, a cap, timeouts, shutdown |
//! | [`deadline`] | deadlines for slow peers: a message read in bounded time, a reply taken at a minimum rate |
//! | [`wire`] | I/O-free helpers for line protocols: line reader, dot-stuffing, multi-line replies, commands, sessions |
//! | [`accounts`] | user names and passwords, checked alike for a wrong password and an unknown name |
//! | [`atomic_file`] | files that appear whole or not at all, safe for many writers in one directory |
//! | [`maildir`] | the mailbox of chapters 10 and 11: delivery that is whole or absent, unique names, listing, deletion |
//! | [`transcript`] | the `C:`/`S:` record of a conversation, with passwords hidden |
//! | [`cli`] | the command line every example shares (`serve --port P`, `client ADDR`) |
//! | [`tour`] | the list of chapters and their demos |
//! | [`demo`] | what every chapter's demo shares: its result type and one check |
//!
//! Every protocol is split in two: a *pure* part that turns bytes into
//! values and values into bytes (no sockets, no threads, no files, so it is
//! tested with byte strings), and a thin *I/O* part that drives it over a
//! real connection.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod accounts;
pub mod addresses;
pub mod atomic_file;
pub mod cli;
pub mod deadline;
pub mod demo;
pub mod dns;
pub mod ftp;
pub mod http;
pub mod json;
pub mod load;
pub mod maildir;
pub mod pop3;
pub mod rest;
pub mod serve;
pub mod smtp;
pub mod tcp;
pub mod tour;
pub mod transcript;
pub mod udp;
pub mod url;
pub mod wire;
