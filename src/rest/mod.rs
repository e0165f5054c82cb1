//! A REST API: notes as resources, HTTP methods as what to do with them,
//! JSON as what they look like.
//!
//! REST is a style of using HTTP, not a protocol of its own. The server
//! holds **resources**, each named by a URI: the collection of notes is
//! `/notes`, the note with id 7 is `/notes/7`. A client never touches a
//! resource itself, only **representations** of it: the JSON text
//! `{"id":7,"text":"buy milk","done":false}`. And it says what to do with
//! the standard **methods** of HTTP, whose meaning every client, proxy and
//! cache already knows: GET reads, PUT replaces, PATCH changes part,
//! DELETE removes, POST asks the collection to make something new.
//!
//! | file | part | what it holds |
//! | --- | --- | --- |
//! | [`store`] | pure | the notes, their ids, what a valid note is |
//! | [`form`] | pure | an HTML form's body, `application/x-www-form-urlencoded`, decoded |
//! | [`negotiate`] | pure | `Accept`: which representation a client prefers |
//! | [`page`] | pure | the notes as an HTML page, with a form |
//! | [`api`] | shell | routing, methods and status codes: the [`App`](crate::http::server::App); saves through `persist` |
//! | [`persist`] | I/O | the file: write, fsync, rename; and load |
//! | `demo.rs` | I/O | the chapter's demo, run by the tour |
//!
//! The HTTP itself (reading requests, writing responses, keep-alive,
//! limits) is the server of chapter 06, [`crate::http::server`]; JSON is
//! [`crate::json`].

pub mod api;
mod demo;
pub mod form;
pub mod negotiate;
pub mod page;
pub mod persist;
pub mod store;

pub use api::{route, LoadError, NotesApi, Route};
pub use demo::demo;
pub use store::{
    Draft, Full, Invalid, Note, Notes, Patch, Unchanged, MAX_COLLECTION_JSON, MAX_TEXT_LEN,
};
