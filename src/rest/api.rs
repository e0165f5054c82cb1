//! The API: HTTP requests in, JSON responses out.
//!
//! [`NotesApi`] is an [`App`] for the HTTP server of chapter 06: the server
//! reads each request whole (head and body, within its limits) and hands
//! it here; what comes back is written to the client. This file decides
//! everything between the two:
//!
//! ```text
//!  /             GET HEAD     200  the notes as an HTML page, with a form
//!  /notes        GET HEAD     200  every note, as a JSON array (the page if
//!                                  the client prefers text/html)
//!                POST         201  a new note; Location: /notes/{id}
//!                                  (303 to / for a form from a browser)
//!  /notes/{id}   GET HEAD     200  the note                  404 if none
//!                PUT          200  the note, replaced        404 if none
//!                PATCH        200  the note, changed         404 if none
//!                DELETE       204  gone                      404 if none
//!  all three     OPTIONS      204  Allow: what the URI supports
//!                other        405  Allow: what the URI supports
//!  anything else              404
//! ```
//!
//! A request with a body is checked in the order a client can act on:
//! its type (`415` unless JSON, or for a POST a form), its syntax (`400`,
//! with the byte where the JSON or the form went wrong), its meaning
//! (`422`, with what is wrong with the note), and only then is the
//! collection locked and changed (`404` for a note that does not exist,
//! `507` when the change would make the collection's JSON larger than
//! [`MAX_COLLECTION_JSON`](super::store::MAX_COLLECTION_JSON)). Checking
//! before locking keeps the parsing of one client's body from holding up
//! every other client.
//!
//! Every response with a body carries `Content-Type: application/json`,
//! errors included: `{"error": "no note with id 7"}`. A client that
//! speaks JSON should never have to parse an HTML or text error page.
//! The exceptions are for browsers, and only when they ask: the page
//! ([`super::page`]), for `GET /` and for a `GET /notes` whose `Accept`
//! prefers HTML ([`super::negotiate`]), and the `303 See Other` that
//! answers a form ([`super::form`]) posted from it.

use super::form::parse_form;
use super::negotiate::choose;
use super::page::{render_page, see_other_page, HTML};
use super::persist::{self, SaveError};
use super::store::{
    draft_from_form, draft_from_json, patch_from_json, Draft, Invalid, Note, Notes, Unchanged,
};
use crate::http::head::Method;
use crate::http::server::{App, Request, Response};
use crate::json::{self, JsonError, Value};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The media type of every body this API sends, and the one it accepts.
/// RFC 8259 §11 defines no `charset` parameter for it: JSON is UTF-8.
pub const JSON: &str = "application/json";

/// The media type of a JSON merge patch (RFC 7396 §4), accepted by PATCH.
pub const MERGE_PATCH: &str = "application/merge-patch+json";

/// The media type of an HTML form's body (WHATWG URL Standard §5),
/// accepted by POST as well as JSON.
pub const FORM: &str = "application/x-www-form-urlencoded";

/// The methods each kind of URI supports, for `Allow` (RFC 9110 §10.2.1).
const PAGE_METHODS: &str = "GET, HEAD, OPTIONS";
const COLLECTION_METHODS: &str = "GET, HEAD, POST, OPTIONS";
const NOTE_METHODS: &str = "GET, HEAD, PUT, PATCH, DELETE, OPTIONS";

/// What a PATCH accepts, for `Accept-Patch` (RFC 5789 §3.1).
const PATCH_TYPES: &str = "application/merge-patch+json, application/json";

/// What a POST accepts, for `Accept-Post` (W3C Linked Data Platform 1.0
/// §7.1, the POST twin of `Accept-Patch`).
const POST_TYPES: &str = "application/json, application/x-www-form-urlencoded";

/// The notes API: the collection, and the file it is kept in (if any).
#[derive(Debug)]
pub struct NotesApi {
    /// Many connections are served at once, each on its own thread; the
    /// lock makes each change happen whole, one after another.
    notes: Mutex<Notes>,
    /// Where every change is saved before it is acknowledged.
    file: Option<PathBuf>,
}

/// Why the notes file cannot be used: the server must not start.
#[derive(Debug)]
pub enum LoadError {
    /// The file cannot be read, or the directory cannot be written.
    Io(PathBuf, std::io::Error),
    /// The file is not JSON.
    Json(PathBuf, JsonError),
    /// The file is JSON, but not a collection of notes.
    Invalid(PathBuf, String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io(path, error) => write!(f, "{}: {error}", path.display()),
            LoadError::Json(path, error) => write!(
                f,
                "{}: not valid JSON ({error}); repair or move the file, \
                 the server will not start over it",
                path.display()
            ),
            LoadError::Invalid(path, why) => write!(
                f,
                "{}: not a notes file ({why}); repair or move the file, \
                 the server will not start over it",
                path.display()
            ),
        }
    }
}

impl std::error::Error for LoadError {}

impl NotesApi {
    /// An API whose notes live in memory only: gone when it stops.
    pub fn in_memory() -> NotesApi {
        NotesApi {
            notes: Mutex::new(Notes::new()),
            file: None,
        }
    }

    // ANCHOR: open
    /// An API whose notes are kept in the file at `path`: read from it now
    /// if it exists, saved to it on every change.
    ///
    /// A file that exists but cannot be read as notes is an error, never an
    /// empty start: starting empty would overwrite the file at the first
    /// change, and lose every note in it for good. A leftover temporary
    /// file from a crash ([`persist::temp_path`]) is ignored.
    pub fn open(path: impl Into<PathBuf>) -> Result<NotesApi, LoadError> {
        let path = path.into();
        let io_error = |error| LoadError::Io(path.clone(), error);
        let notes = match persist::load(&path).map_err(io_error)? {
            None => Notes::new(),
            Some(bytes) => {
                let value = json::parse(&bytes).map_err(|e| LoadError::Json(path.clone(), e))?;
                Notes::from_json(&value).map_err(|why| LoadError::Invalid(path.clone(), why))?
            }
        };
        // Save once now: a directory we cannot write to should stop the
        // server at start, not fail the first client who changes something.
        save(&path, &notes).map_err(|failure| io_error(failure.into()))?;
        Ok(NotesApi {
            notes: Mutex::new(notes),
            file: Some(path),
        })
    }
    // ANCHOR_END: open

    /// How many notes there are.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> MutexGuard<'_, Notes> {
        // A poisoned lock means a thread panicked while holding it. Every
        // change below is made whole before anything that could panic, so
        // the notes are still consistent: carry on rather than fail every
        // request from now on.
        self.notes.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What a request's target names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `/`: the page, for a browser.
    Page,
    /// `/notes`: the collection.
    Collection,
    /// `/notes/{id}`: one note.
    Note(u64),
}

// ANCHOR: route
/// The resource a request target names, if any.
///
/// The query (`?...`) is ignored. An id is the canonical decimal form of a
/// positive integer: `/notes/7`, not `/notes/07`, `/notes/+7` or
/// `/notes/0`, so that each note has exactly one URI; anything else names
/// no resource (404), just as `/notes/seven` does.
pub fn route(target: &str) -> Option<Route> {
    let path = target.split_once('?').map_or(target, |(path, _)| path);
    match path {
        "/" => return Some(Route::Page),
        "/notes" => return Some(Route::Collection),
        _ => {}
    }
    let id = path.strip_prefix("/notes/")?;
    let canonical =
        !id.is_empty() && !id.starts_with('0') && id.bytes().all(|byte| byte.is_ascii_digit());
    if !canonical {
        return None;
    }
    // Too many digits for a u64 is no note either.
    id.parse().ok().map(Route::Note)
}
// ANCHOR_END: route

// ANCHOR: respond
impl App for NotesApi {
    /// Errors the HTTP layer finds (a malformed request, a body too large,
    /// a full server) are JSON too, like every other answer of the API.
    fn error(&self, status: u16, detail: &str) -> Response {
        error(status, detail)
    }

    fn respond(&self, request: &Request) -> Response {
        let target = &request.head.target;
        let Some(route) = route(target) else {
            return error(404, &format!("no resource at {}", shown(target)));
        };
        let method = &request.head.method;
        match (route, method) {
            // HEAD is GET without the body; the server leaves the body out.
            (Route::Page, Method::Get | Method::Head) => self.page(),
            (Route::Collection, Method::Get | Method::Head) => {
                // The answer depends on Accept: a cache must know (RFC 9110 §12.5.5).
                let response = if prefers_html(request) {
                    self.page()
                } else {
                    json_response(200, &self.lock().list_json())
                };
                response.header("Vary", "Accept")
            }
            (Route::Collection, Method::Post) => self.create(request),
            (Route::Note(id), Method::Get | Method::Head) => match self.lock().get(id) {
                Some(note) => json_response(200, &note.to_json()),
                None => no_note(id),
            },
            (Route::Note(id), Method::Put) => self.replace(id, request),
            (Route::Note(id), Method::Patch) => self.patch(id, request),
            (Route::Note(id), Method::Delete) => self.delete(id),
            (route, Method::Options) => {
                let response = Response::empty(204).header("Allow", allowed(route));
                match route {
                    Route::Note(_) => response.header("Accept-Patch", PATCH_TYPES),
                    Route::Collection => response.header("Accept-Post", POST_TYPES),
                    Route::Page => response,
                }
            }
            (route, method) => error(
                405,
                &format!(
                    "{} is not allowed on {}",
                    shown(method.as_str()),
                    shown(target)
                ),
            )
            .header("Allow", allowed(route)),
        }
    }
}
// ANCHOR_END: respond

impl NotesApi {
    /// `GET /`: the page, with the newest notes on it.
    fn page(&self) -> Response {
        Response::with_body(200, HTML, render_page(&self.lock()))
    }

    // ANCHOR: create
    /// `POST /notes`: a new note, at a URI the server chooses.
    ///
    /// The body is JSON or a form. A form from a client that prefers HTML
    /// (a browser, whose `Accept` weighs `text/html` above JSON) is
    /// answered with `303 See Other` to the page: the browser then GETs
    /// `/`, and a reload reloads the page instead of posting the form
    /// again. Any other client gets `201 Created` and the note as JSON, as
    /// for a JSON body: `curl -d` and python's `requests` send
    /// `Accept: */*`, which prefers nothing, and get what a program reads.
    fn create(&self, request: &Request) -> Response {
        let from_form = match content_type(request) {
            Ok(content_type) => is_form_type(content_type),
            Err(response) => return response,
        };
        let draft = match read_draft(request, from_form) {
            Ok(draft) => draft,
            Err(response) => return response,
        };
        let note = match self.insert(draft) {
            Ok(note) => note,
            Err(response) => return response,
        };
        if from_form && prefers_html(request) {
            // §15.4.4: 303 tells the browser to GET the Location, whatever
            // the method was; the POST is done, and off the history.
            return Response::with_body(303, HTML, see_other_page("/"))
                .header("Location", "/")
                .header("Vary", "Accept");
        }
        // RFC 9110 §15.3.2: 201 Created, and Location names the new resource.
        let created = json_response(201, &note.to_json()).header("Location", note.path());
        // For a form, Accept chose between this and the 303: say so.
        if from_form {
            created.header("Vary", "Accept")
        } else {
            created
        }
    }
    // ANCHOR_END: create

    /// Adds the note and saves, or returns the response that says why not.
    fn insert(&self, draft: Draft) -> Result<Note, Response> {
        let mut notes = self.lock();
        let note = match notes.create(draft) {
            Ok(note) => note.clone(),
            // RFC 4918 §11.5: the server "is unable to store the
            // representation needed to successfully complete the request".
            // Not 409 Conflict: nothing about the request conflicts with
            // the state of the note it names; there is no room for it.
            Err(full) => return Err(error(507, &full.to_string())),
        };
        self.save_or_undo(&mut notes, note.id, None)?;
        Ok(note)
    }

    // ANCHOR: replace
    /// `PUT /notes/{id}`: the note becomes what the body says.
    ///
    /// PUT may create a resource at the URI the client chose (RFC 9110
    /// §9.3.4), but here the server chooses ids, so a PUT to a note that
    /// does not exist is 404: a client cannot reserve `/notes/1000000`.
    fn replace(&self, id: u64, request: &Request) -> Response {
        let draft = match read_json(request, false).and_then(|value| {
            draft_from_json(&value, Some(id)).map_err(|invalid| unprocessable(&invalid))
        }) {
            Ok(draft) => draft,
            Err(response) => return response,
        };
        let mut notes = self.lock();
        let before = notes.get(id).cloned();
        let note = match notes.replace(id, draft) {
            Ok(note) => note.clone(),
            Err(unchanged) => return refused(id, unchanged),
        };
        match self.save_or_undo(&mut notes, id, before) {
            Ok(()) => json_response(200, &note.to_json()),
            Err(response) => response,
        }
    }
    // ANCHOR_END: replace

    /// `PATCH /notes/{id}`: only the fields the body names change.
    fn patch(&self, id: u64, request: &Request) -> Response {
        let patch = match read_json(request, true).and_then(|value| {
            patch_from_json(&value, id).map_err(|invalid| unprocessable(&invalid))
        }) {
            Ok(patch) => patch,
            Err(response) => return response,
        };
        let mut notes = self.lock();
        let before = notes.get(id).cloned();
        let note = match notes.patch(id, patch) {
            Ok(note) => note.clone(),
            Err(unchanged) => return refused(id, unchanged),
        };
        match self.save_or_undo(&mut notes, id, before) {
            Ok(()) => json_response(200, &note.to_json()),
            Err(response) => response,
        }
    }

    /// `DELETE /notes/{id}`: 204 No Content, and 404 from then on.
    fn delete(&self, id: u64) -> Response {
        let mut notes = self.lock();
        let Some(before) = notes.delete(id) else {
            return no_note(id);
        };
        match self.save_or_undo(&mut notes, id, Some(before)) {
            Ok(()) => Response::empty(204),
            Err(response) => response,
        }
    }

    // ANCHOR: save_or_undo
    /// Saves the collection after a change to note `id`, while the lock is
    /// still held; if saving fails, returns the 500 to send instead of the
    /// success, and makes memory agree with the file ([`after_failed_save`]).
    ///
    /// Saving under the lock keeps the file in step with memory: two
    /// changes are saved in the order they were made. The success response
    /// is only built after this returns, so a client that got 201, 200 or
    /// 204 knows its change is on disk.
    fn save_or_undo(
        &self,
        notes: &mut Notes,
        id: u64,
        before: Option<Note>,
    ) -> Result<(), Response> {
        let Some(path) = &self.file else {
            return Ok(());
        };
        save(path, notes).map_err(|failure| after_failed_save(notes, id, before, failure))
    }
    // ANCHOR_END: save_or_undo
}

// ANCHOR: after_failed_save
/// What a failed save means for memory and for the client: memory must
/// hold what the file holds, and the 500 must say which that is.
///
/// - Not written (a full disk, a permission): the file is as it was, so
///   the note goes back to what it was (`before`): the change was not made.
/// - Written but not confirmed durable (the directory fsync failed after
///   the rename): the file already holds the change, and a restart would
///   read it back, so it stays in memory too. Undoing it only in memory
///   would show the client one thing now and another after a restart.
///
/// The reason itself (the `io::Error`) is for the operator, not the client.
/// Making a sync call fail on demand needs a broken disk, so the tests
/// below call this function directly with each kind of failure.
fn after_failed_save(
    notes: &mut Notes,
    id: u64,
    before: Option<Note>,
    failure: SaveError,
) -> Response {
    match failure {
        SaveError::NotWritten(_) => {
            notes.restore(id, before);
            error(500, "the change could not be saved, and was not made")
        }
        SaveError::NotDurable(_) => error(
            500,
            "the change was made and written to the file, but the disk did \
             not confirm that it is safe: a crash of the machine could still lose it",
        ),
    }
}
// ANCHOR_END: after_failed_save

/// Writes the whole collection to `path`, atomically.
fn save(path: &Path, notes: &Notes) -> Result<(), SaveError> {
    let mut text = notes.to_json().to_pretty();
    text.push('\n');
    persist::save(path, text.as_bytes())
}

// ANCHOR: read_draft
/// A POST's body as a note to make, or the response that says why not:
/// a form or JSON, each checked for its syntax (400) then its meaning
/// (422); any other type is 415, and says which two would do.
fn read_draft(request: &Request, from_form: bool) -> Result<Draft, Response> {
    let content_type = content_type(request)?;
    if from_form {
        let fields = parse_form(&request.body).map_err(|bad| error(400, &bad.to_string()))?;
        return draft_from_form(&fields).map_err(|invalid| unprocessable(&invalid));
    }
    if !is_json_type(content_type, false) {
        let accepted = format!("{JSON} or {FORM}");
        return Err(unsupported(content_type, &accepted).header("Accept-Post", POST_TYPES));
    }
    let value = read_json(request, false)?;
    draft_from_json(&value, None).map_err(|invalid| unprocessable(&invalid))
}
// ANCHOR_END: read_draft

// ANCHOR: read_json
/// The request's body as JSON, or the response that says why it is not.
///
/// First the declared type (415 if it is not JSON: the client sent a
/// form, or forgot the header), then the bytes themselves (400, saying
/// where the JSON goes wrong).
fn read_json(request: &Request, is_patch: bool) -> Result<Value, Response> {
    let content_type = content_type(request)?;
    if !is_json_type(content_type, is_patch) {
        if !is_patch {
            return Err(unsupported(content_type, JSON));
        }
        let accepted = "application/merge-patch+json or application/json";
        // RFC 5789 §3.1: a 415 to a PATCH says which patch types would do.
        return Err(unsupported(content_type, accepted).header("Accept-Patch", PATCH_TYPES));
    }
    json::parse(&request.body).map_err(|error| {
        let body = Value::object([
            ("error", format!("invalid JSON: {}", error.kind).into()),
            ("at", Value::Number(error.offset as f64)),
        ]);
        json_response(400, &body)
    })
}
// ANCHOR_END: read_json

/// The request's `Content-Type`, if it has one, or a 400 if it has more.
///
/// The field names one type (RFC 9110 §8.3), so two lines of it are not a
/// list but a contradiction: a server that read the first and a proxy in
/// front of it that read the last would disagree about what the body is.
/// RFC 9110 §5.3 lets a recipient refuse such a message; this one does,
/// rather than guess.
fn content_type(request: &Request) -> Result<Option<&str>, Response> {
    let mut lines = request.head.headers.get_all("content-type");
    let first = lines.next();
    let more = lines.count();
    if more > 0 {
        let message = format!(
            "the request has {} Content-Type fields; a body has one type",
            more + 1
        );
        return Err(error(400, &message));
    }
    Ok(first)
}

/// 415: the body is not of a type the resource takes.
fn unsupported(content_type: Option<&str>, accepted: &str) -> Response {
    let sent = match content_type {
        Some(content_type) => format!("not {}", shown(content_type)),
        None => "and has no Content-Type".to_string(),
    };
    error(415, &format!("the body must be {accepted}, {sent}"))
}

// ANCHOR: prefers_html
/// Whether the client would rather have the page than JSON.
///
/// JSON is offered first, so it wins every true tie: `Accept: */*` (curl,
/// python's `requests`), no `Accept` at all, and an `Accept` that accepts
/// neither (the server then sends JSON anyway, as RFC 9110 §12.5.1 lets
/// it, rather than a 406 that helps nobody). A browser's
/// `text/html,...,*/*;q=0.8` gives HTML 1 and JSON 0.8: the page; so does
/// w3m's, which weighs both 1 but names only `text/html` itself.
fn prefers_html(request: &Request) -> bool {
    // A client may split Accept over several lines; they are one list
    // (RFC 9110 §5.3).
    let lines: Vec<&str> = request.head.headers.get_all("accept").collect();
    let accept = (!lines.is_empty()).then(|| lines.join(","));
    choose(accept.as_deref(), &[JSON, "text/html"]) == Some("text/html")
}
// ANCHOR_END: prefers_html

/// Whether a `Content-Type` value is JSON: `application/json`, or for a
/// PATCH also `application/merge-patch+json`, with any parameters except
/// a `charset` other than UTF-8.
///
/// ```text
/// Content-Type = type "/" subtype *( OWS ";" OWS parameter )   (RFC 9110 §8.3)
/// ```
///
/// Types and parameter names are case-insensitive; `charset=utf-8` is
/// harmless (and common: browsers' `fetch` adds it), but a body in any
/// other charset is not JSON (RFC 8259 §8.1).
pub fn is_json_type(value: Option<&str>, is_patch: bool) -> bool {
    let types: &[&str] = if is_patch {
        &[JSON, MERGE_PATCH]
    } else {
        &[JSON]
    };
    is_utf8_type(value, types)
}

/// Whether a `Content-Type` value is a form, `application/x-www-form-urlencoded`,
/// with any parameters except a `charset` other than UTF-8 (the encoding
/// has no parameters of its own, but some clients add `charset=UTF-8`).
pub fn is_form_type(value: Option<&str>) -> bool {
    is_utf8_type(value, &[FORM])
}

/// Whether `value` is one of `types`, and not in a charset other than UTF-8.
fn is_utf8_type(value: Option<&str>, types: &[&str]) -> bool {
    let Some(value) = value else {
        return false;
    };
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    let type_ok = types
        .iter()
        .any(|type_| essence.eq_ignore_ascii_case(type_));
    type_ok
        && parts.all(|parameter| match parameter.split_once('=') {
            Some((name, charset)) if name.trim().eq_ignore_ascii_case("charset") => charset
                .trim()
                .trim_matches('"')
                .eq_ignore_ascii_case("utf-8"),
            _ => true,
        })
}

/// `Allow` for a route.
fn allowed(route: Route) -> &'static str {
    match route {
        Route::Page => PAGE_METHODS,
        Route::Collection => COLLECTION_METHODS,
        Route::Note(_) => NOTE_METHODS,
    }
}

/// A response whose body is `value`, as JSON.
fn json_response(status: u16, value: &Value) -> Response {
    // A final newline, so that `curl` leaves the prompt on a line of its own.
    Response::with_body(status, JSON, format!("{value}\n"))
}

/// An error response: `{"error": "..."}`.
fn error(status: u16, message: &str) -> Response {
    json_response(status, &Value::object([("error", message.into())]))
}

/// 422: the body is JSON, but not what this resource takes.
fn unprocessable(invalid: &Invalid) -> Response {
    error(422, &invalid.to_string())
}

/// Why a PUT or PATCH changed nothing: 404, or 507 when the new text
/// would make the collection too large.
fn refused(id: u64, unchanged: Unchanged) -> Response {
    match unchanged {
        Unchanged::NoSuchNote => no_note(id),
        Unchanged::Full(full) => error(507, &full.to_string()),
    }
}

/// 404 for a note that does not exist (never did, or was deleted).
fn no_note(id: u64) -> Response {
    error(404, &format!("no note with id {id}"))
}

/// Text from the request, for an error message: cut short, so that a
/// client's 8 KiB target is not echoed back whole.
fn shown(text: &str) -> String {
    const MAX_SHOWN: usize = 60;
    match text.char_indices().nth(MAX_SHOWN) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_name_the_collection_or_one_note() {
        let table = [
            ("/notes", Some(Route::Collection)),
            ("/notes?sort=id", Some(Route::Collection)),
            ("/notes/1", Some(Route::Note(1))),
            ("/notes/42?x", Some(Route::Note(42))),
            ("/notes/18446744073709551615", Some(Route::Note(u64::MAX))),
            ("/notes/18446744073709551616", None),
            ("/notes/0", None),
            ("/notes/07", None),
            ("/notes/+7", None),
            ("/notes/-1", None),
            ("/notes/seven", None),
            ("/notes/", None),
            ("/notes/1/", None),
            ("/notes/1/x", None),
            ("/note", None),
            ("/", Some(Route::Page)),
            ("/?from=bookmark", Some(Route::Page)),
            ("/index.html", None),
            ("*", None),
        ];
        for (target, expected) in table {
            assert_eq!(route(target), expected, "{target}");
        }
    }

    #[test]
    fn json_content_types_are_recognised() {
        let table = [
            (Some("application/json"), false, true),
            (Some("Application/JSON"), false, true),
            (Some("application/json; charset=utf-8"), false, true),
            (Some("application/json;charset=\"UTF-8\""), false, true),
            (Some("application/json; charset=latin1"), false, false),
            (Some("application/merge-patch+json"), true, true),
            (Some("application/merge-patch+json"), false, false),
            (Some("text/plain"), false, false),
            (Some("application/jsonx"), false, false),
            (None, false, false),
        ];
        for (value, is_patch, expected) in table {
            assert_eq!(
                is_json_type(value, is_patch),
                expected,
                "{value:?} {is_patch}"
            );
        }
    }

    #[test]
    fn form_content_types_are_recognised() {
        let table = [
            (Some("application/x-www-form-urlencoded"), true),
            (Some("Application/X-WWW-Form-URLEncoded"), true),
            (
                Some("application/x-www-form-urlencoded; charset=UTF-8"),
                true,
            ),
            (
                Some("application/x-www-form-urlencoded;charset=windows-1252"),
                false,
            ),
            (Some("multipart/form-data; boundary=x"), false),
            (Some("application/json"), false),
            (None, false),
        ];
        for (value, expected) in table {
            assert_eq!(is_form_type(value), expected, "{value:?}");
        }
    }

    fn note(text: &str) -> Note {
        Note {
            id: 1,
            text: text.into(),
            done: false,
        }
    }

    /// A collection in which note 1 has just been changed from "before"
    /// to "after", as `replace` leaves it before the save.
    fn changed() -> Notes {
        let mut notes = Notes::new();
        let draft = |text: &str| crate::rest::Draft {
            text: text.into(),
            done: false,
        };
        notes.create(draft("before")).unwrap();
        notes.replace(1, draft("after")).unwrap();
        notes
    }

    fn body_of(response: &Response) -> String {
        match &response.body {
            crate::http::server::Body::Bytes(bytes) => String::from_utf8_lossy(bytes).into(),
            _ => panic!("an error has a body"),
        }
    }

    #[test]
    fn a_change_that_was_not_written_is_undone() {
        let mut notes = changed();
        let failure = SaveError::NotWritten(std::io::Error::other("disk full"));
        let response = after_failed_save(&mut notes, 1, Some(note("before")), failure);
        assert_eq!(response.status, 500);
        assert_eq!(notes.get(1), Some(&note("before")));
        assert!(body_of(&response).contains("was not made"));
    }

    #[test]
    fn a_change_written_but_not_confirmed_durable_stays_and_the_500_says_so() {
        // The rename happened: the file holds "after", so memory must too.
        let mut notes = changed();
        let failure = SaveError::NotDurable(std::io::Error::other("I/O error"));
        let response = after_failed_save(&mut notes, 1, Some(note("before")), failure);
        assert_eq!(response.status, 500);
        assert_eq!(notes.get(1), Some(&note("after")));
        let body = body_of(&response);
        assert!(body.contains("was made and written"), "{body}");
    }

    #[test]
    fn the_largest_file_this_server_writes_is_one_it_reads_back() {
        // The most bytes of indentation per byte of JSON: the smallest notes.
        let mut notes = Notes::new();
        let smallest = || crate::rest::Draft {
            text: "x".into(),
            done: false,
        };
        while notes.create(smallest()).is_ok() {}
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.json");
        save(&path, &notes).unwrap();
        let len = std::fs::metadata(&path).unwrap().len();
        assert!(len <= persist::MAX_FILE_LEN / 2 + 100_000, "{len} bytes");
        let api = NotesApi::open(&path).unwrap();
        assert_eq!(api.len(), notes.len());
    }

    #[test]
    fn long_request_text_is_cut_in_messages() {
        assert_eq!(shown("/short"), "/short");
        assert_eq!(shown(&"é".repeat(100)), format!("{}...", "é".repeat(60)));
    }
}
