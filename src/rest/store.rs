//! The notes themselves: the collection, and the rules a note must follow.
//!
//! This file is pure: it knows JSON values and Rust types, not HTTP, not
//! sockets, not files. The API ([`super::api`]) turns requests into calls
//! here and the results into responses; persistence ([`super::persist`])
//! stores what [`Notes::to_json`] gives and reads it back with
//! [`Notes::from_json`].
//!
//! A note, as clients see it:
//!
//! ```text
//! {"id": 1, "text": "buy milk", "done": false}
//! ```
//!
//! The server assigns ids: 1, 2, 3 ... in order, and never reuses one,
//! even after the note that had it is deleted. A client that kept the URI
//! `/notes/2` of a deleted note gets 404 for ever, never someone else's
//! note that happened to get the same number later.

use crate::json::Value;
use std::collections::BTreeMap;
use std::fmt;

// ANCHOR: limits
/// The largest the collection may be, in bytes of its JSON as `GET /notes`
/// serves it; a change that would make it larger (a POST, or a PUT or PATCH
/// with a longer text) is refused with 507 Insufficient Storage.
///
/// Every note lives in memory, a `GET /notes` answers with all of them in
/// one body, and every change rewrites the whole file. So the size that
/// costs is the size of the JSON, not the number of notes or the length of
/// their texts: JSON writes most control characters, one byte each in a
/// text, as six (`\u0001`), so a cap of 10,000 notes of 1000 bytes would
/// allow a list of 60 MB. While a slow client reads its list, the server holds that
/// body in memory, once per connection, so the worst case is this limit
/// times the connection cap: 1 MiB × 1024 (the default cap of
/// [`crate::serve::Config`]) = 1 GiB, the same as the HTTP server already
/// allows for request bodies (1 MiB each). 1 MiB is also more than a person
/// reads in a list; a real service would page its lists
/// (`GET /notes?page=2`) and keep its data in a database instead.
pub const MAX_COLLECTION_JSON: usize = 1024 * 1024;

/// The longest text a note may have, in bytes of UTF-8 (1000 ASCII
/// characters, fewer if they need more bytes each). A note is a line or a
/// paragraph; anything longer is most likely a mistake or an abuse.
pub const MAX_TEXT_LEN: usize = 1000;
// ANCHOR_END: limits

/// One note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Assigned by the server: positive, never reused.
    pub id: u64,
    /// What the note says: not blank, at most [`MAX_TEXT_LEN`] bytes.
    pub text: String,
    /// Whether it is done.
    pub done: bool,
}

impl Note {
    /// The note's representation: `{"id":1,"text":"buy milk","done":false}`.
    pub fn to_json(&self) -> Value {
        Value::object([
            ("id", Value::Number(self.id as f64)),
            ("text", self.text.as_str().into()),
            ("done", self.done.into()),
        ])
    }

    /// The note's URI: `/notes/1`.
    pub fn path(&self) -> String {
        format!("/notes/{}", self.id)
    }
}

/// What a client sends to create a note (POST) or replace one (PUT):
/// the fields it may set, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// The text, already checked.
    pub text: String,
    /// Whether it is done (false when not given).
    pub done: bool,
}

/// A change to some fields of a note (PATCH): `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patch {
    /// A new text, already checked.
    pub text: Option<String>,
    /// A new state.
    pub done: Option<bool>,
}

/// Why a JSON document sent by a client is not an acceptable note: the
/// document is JSON, but not a note (422 Unprocessable Content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// The document is not a JSON object (`[1]`, `"text"`, `null`).
    NotAnObject,
    /// A note needs a text, and the document has none.
    MissingText,
    /// `text` is there, but not a string.
    TextNotAString,
    /// `text` is empty, or only white space.
    BlankText,
    /// `text` is longer than [`MAX_TEXT_LEN`] bytes; this many.
    TextTooLong(usize),
    /// `done` is there, but not `true` or `false`.
    DoneNotABool,
    /// A patch sets `text` or `done` to `null`, which in a merge patch
    /// means "remove this member"; a note cannot lose either.
    CannotRemove(&'static str),
    /// A POST names an `id`: ids are the server's to give.
    IdGivenByClient,
    /// A PUT or PATCH names an `id` other than the one in its URI.
    IdMismatch,
    /// A member this API does not know (a typo such as `"txt"`, most likely).
    UnknownField(String),
    /// A form names the same field twice (`text=a&text=b`): which one the
    /// client meant is anyone's guess.
    DuplicateField(&'static str),
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::NotAnObject => f.write_str("a note must be a JSON object"),
            Invalid::MissingText => f.write_str("\"text\" is missing"),
            Invalid::TextNotAString => f.write_str("\"text\" must be a string"),
            Invalid::BlankText => f.write_str("\"text\" must not be empty"),
            Invalid::TextTooLong(len) => write!(
                f,
                "\"text\" is {len} bytes long; the most is {MAX_TEXT_LEN}"
            ),
            Invalid::DoneNotABool => f.write_str("\"done\" must be true or false"),
            Invalid::CannotRemove(field) => {
                write!(f, "\"{field}\" cannot be removed (null); send a new value")
            }
            Invalid::IdGivenByClient => f.write_str("\"id\" is assigned by the server"),
            Invalid::IdMismatch => f.write_str("\"id\" does not match the note's URI"),
            Invalid::UnknownField(name) => {
                // The name comes from the client: show a bounded part of it.
                let shown: String = name.chars().take(40).collect();
                let more = if shown.len() < name.len() { "..." } else { "" };
                write!(
                    f,
                    "unknown field \"{shown}{more}\" (a note has \"text\" and \"done\")"
                )
            }
            Invalid::DuplicateField(field) => write!(f, "\"{field}\" is given twice"),
        }
    }
}

impl std::error::Error for Invalid {}

/// The collection is full: the change would make its JSON larger than
/// [`MAX_COLLECTION_JSON`] bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

impl fmt::Display for Full {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the notes would take more than {MAX_COLLECTION_JSON} bytes as JSON, \
             the most this server keeps; delete or shorten some"
        )
    }
}

impl std::error::Error for Full {}

/// Why [`Notes::replace`] or [`Notes::patch`] changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unchanged {
    /// There is no note with that id (404).
    NoSuchNote,
    /// The new text would make the collection too large (507).
    Full(Full),
}

// ANCHOR: draft
/// Checks a document sent to create or replace a note.
///
/// `{"text": "...", "done": true}`; `done` may be left out (false). An
/// `id` is accepted only on a PUT, and only if it is the one in the URI
/// (`uri_id`), so that a client may send back what it got from a GET.
/// Anything else is refused: a misspelt `"dnoe": true` silently ignored
/// would leave the client believing it had set something it had not.
pub fn draft_from_json(value: &Value, uri_id: Option<u64>) -> Result<Draft, Invalid> {
    let members = value.as_object().ok_or(Invalid::NotAnObject)?;
    let mut text = None;
    let mut done = false;
    for (name, member) in members {
        match name.as_str() {
            "text" => text = Some(check_text(member)?),
            "done" => done = member.as_bool().ok_or(Invalid::DoneNotABool)?,
            "id" => check_id(member, uri_id)?,
            _ => return Err(Invalid::UnknownField(name.clone())),
        }
    }
    let text = text.ok_or(Invalid::MissingText)?;
    Ok(Draft { text, done })
}
// ANCHOR_END: draft

// ANCHOR: draft_from_form
/// Checks the fields of a form sent to create a note, by the same rules
/// as [`draft_from_json`]: `text=buy+milk`, and `done=true` or
/// `done=false` if the form has it. Every value of a form is text, so
/// `done` is the word, and a field given twice is refused rather than
/// one of the two picked at random.
pub fn draft_from_form(fields: &[(String, String)]) -> Result<Draft, Invalid> {
    let mut text = None;
    let mut done = None;
    for (name, value) in fields {
        let (slot, field) = match name.as_str() {
            "text" => (&mut text, "text"),
            "done" => (&mut done, "done"),
            _ => return Err(Invalid::UnknownField(name.clone())),
        };
        if slot.replace(value.as_str()).is_some() {
            return Err(Invalid::DuplicateField(field));
        }
    }
    let done = match done {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(Invalid::DoneNotABool),
    };
    let text = check_text_str(text.ok_or(Invalid::MissingText)?)?;
    Ok(Draft { text, done })
}
// ANCHOR_END: draft_from_form

// ANCHOR: patch
/// Checks a JSON merge patch (RFC 7396) for the note `uri_id`.
///
/// A merge patch is an object holding only the members to change:
/// `{"done": true}` changes `done` and leaves `text` alone. In a merge
/// patch, `null` means "remove this member"; a note cannot lose its text
/// or its state, so `null` is refused rather than guessed at.
pub fn patch_from_json(value: &Value, uri_id: u64) -> Result<Patch, Invalid> {
    // RFC 7396 §2: a patch that is not an object replaces the whole
    // target, which would turn the note into something that is not a
    // note; refusing it comes to the same thing.
    let members = value.as_object().ok_or(Invalid::NotAnObject)?;
    let mut patch = Patch::default();
    for (name, member) in members {
        match name.as_str() {
            "text" if member.is_null() => return Err(Invalid::CannotRemove("text")),
            "done" if member.is_null() => return Err(Invalid::CannotRemove("done")),
            "text" => patch.text = Some(check_text(member)?),
            "done" => patch.done = Some(member.as_bool().ok_or(Invalid::DoneNotABool)?),
            "id" => check_id(member, Some(uri_id))?,
            _ => return Err(Invalid::UnknownField(name.clone())),
        }
    }
    Ok(patch)
}
// ANCHOR_END: patch

/// A note's text: a string, not blank, not too long.
fn check_text(value: &Value) -> Result<String, Invalid> {
    check_text_str(value.as_str().ok_or(Invalid::TextNotAString)?)
}

/// A note's text, whichever way it came: not blank, not too long.
fn check_text_str(text: &str) -> Result<String, Invalid> {
    if text.trim().is_empty() {
        return Err(Invalid::BlankText);
    }
    if text.len() > MAX_TEXT_LEN {
        return Err(Invalid::TextTooLong(text.len()));
    }
    Ok(text.to_owned())
}

/// An `id` member is allowed only where it repeats the URI's id.
fn check_id(value: &Value, uri_id: Option<u64>) -> Result<(), Invalid> {
    let Some(uri_id) = uri_id else {
        return Err(Invalid::IdGivenByClient);
    };
    match value.as_i64() {
        Some(id) if u64::try_from(id) == Ok(uri_id) => Ok(()),
        _ => Err(Invalid::IdMismatch),
    }
}

/// The collection: every note, by id, and the id the next one gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notes {
    /// Ordered by id, so a list comes out in the order notes were made.
    notes: BTreeMap<u64, Note>,
    /// The id the next note gets; only ever goes up, so no id is reused.
    next_id: u64,
    /// The sum of [`json_len`] over every note, kept up to date by every
    /// change, so that checking a change against [`MAX_COLLECTION_JSON`]
    /// costs one note's length, not a rewrite of the whole list.
    notes_json_len: usize,
}

/// How many bytes `note` takes in a JSON list, escapes included:
/// `{"id":1,"text":"a\u0001","done":false}` is 38.
fn json_len(note: &Note) -> usize {
    note.to_json().to_string().len()
}

impl Default for Notes {
    fn default() -> Notes {
        Notes::new()
    }
}

impl Notes {
    /// No notes; the first gets id 1.
    pub fn new() -> Notes {
        Notes {
            notes: BTreeMap::new(),
            next_id: 1,
            notes_json_len: 0,
        }
    }

    /// How many notes there are.
    pub fn len(&self) -> usize {
        self.notes.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.notes.is_empty()
    }

    /// How many bytes [`list_json`](Self::list_json) takes as JSON:
    /// `[`, the notes separated by commas, `]`.
    pub fn json_len(&self) -> usize {
        let commas = self.notes.len().saturating_sub(1);
        "[]".len() + self.notes_json_len + commas
    }

    /// Every note, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Note> {
        self.notes.values()
    }

    /// The note `id`, if it exists.
    pub fn get(&self, id: u64) -> Option<&Note> {
        self.notes.get(&id)
    }

    // ANCHOR: create
    /// Adds a note with the next id, unless that would make the
    /// collection's JSON larger than [`MAX_COLLECTION_JSON`]; a refused
    /// note changes nothing, not even the next id.
    pub fn create(&mut self, draft: Draft) -> Result<&Note, Full> {
        let note = Note {
            id: self.next_id,
            text: draft.text,
            done: draft.done,
        };
        let len = json_len(&note);
        let comma = usize::from(!self.notes.is_empty());
        if self.json_len() + comma + len > MAX_COLLECTION_JSON {
            return Err(Full);
        }
        self.next_id += 1;
        self.notes_json_len += len;
        Ok(self.notes.entry(note.id).or_insert(note))
    }
    // ANCHOR_END: create

    /// Replaces the note `id` (PUT). PUT does not create here, since ids
    /// are the server's to give: no such note is [`Unchanged::NoSuchNote`].
    pub fn replace(&mut self, id: u64, draft: Draft) -> Result<&Note, Unchanged> {
        self.change(id, |note| {
            note.text = draft.text;
            note.done = draft.done;
        })
    }

    /// Changes some fields of the note `id` (PATCH).
    pub fn patch(&mut self, id: u64, patch: Patch) -> Result<&Note, Unchanged> {
        self.change(id, |note| {
            if let Some(text) = patch.text {
                note.text = text;
            }
            if let Some(done) = patch.done {
                note.done = done;
            }
        })
    }

    /// Applies `edit` to a copy of the note `id`, and keeps the copy only
    /// if the collection still fits within [`MAX_COLLECTION_JSON`]: a
    /// longer text, or one with more characters to escape, makes it grow.
    fn change(&mut self, id: u64, edit: impl FnOnce(&mut Note)) -> Result<&Note, Unchanged> {
        let total = self.json_len();
        let note = self.notes.get_mut(&id).ok_or(Unchanged::NoSuchNote)?;
        let mut changed = note.clone();
        edit(&mut changed);
        let (old_len, new_len) = (json_len(note), json_len(&changed));
        if total - old_len + new_len > MAX_COLLECTION_JSON {
            return Err(Unchanged::Full(Full));
        }
        self.notes_json_len = self.notes_json_len - old_len + new_len;
        *note = changed;
        Ok(note)
    }

    /// Removes the note `id`, and returns it; `None` if there was none.
    pub fn delete(&mut self, id: u64) -> Option<Note> {
        let note = self.notes.remove(&id)?;
        self.notes_json_len -= json_len(&note);
        Some(note)
    }

    /// Puts the note `id` back as it was before a change (`None`: it did
    /// not exist). The API calls this when a change could not be saved, so
    /// that memory never holds what the file does not.
    pub fn restore(&mut self, id: u64, before: Option<Note>) {
        if let Some(now) = self.notes.remove(&id) {
            self.notes_json_len -= json_len(&now);
        }
        if let Some(note) = before {
            self.notes_json_len += json_len(&note);
            self.notes.insert(id, note);
        }
    }

    /// The list clients get from `GET /notes`: an array of notes, by id.
    pub fn list_json(&self) -> Value {
        self.notes.values().map(Note::to_json).collect()
    }

    // ANCHOR: file_format
    /// The whole collection as stored on disk:
    ///
    /// ```text
    /// {"next_id": 3, "notes": [{"id": 1, "text": "buy milk", "done": false}]}
    /// ```
    ///
    /// `next_id` is stored too: without it, a restart after deleting the
    /// newest note would give its id to the next one.
    pub fn to_json(&self) -> Value {
        Value::object([
            ("next_id", Value::Number(self.next_id as f64)),
            ("notes", self.list_json()),
        ])
    }
    // ANCHOR_END: file_format

    /// Reads back what [`to_json`](Self::to_json) wrote, checking it as
    /// strictly as a request: a file edited by hand, or damaged, is
    /// refused with the reason rather than half read.
    pub fn from_json(value: &Value) -> Result<Notes, String> {
        let members = value.as_object().ok_or("not a JSON object")?;
        let mut next_id = None;
        let mut list = None;
        for (name, member) in members {
            match name.as_str() {
                "next_id" => next_id = Some(positive_id(member).ok_or("bad \"next_id\"")?),
                "notes" => list = Some(member.as_array().ok_or("\"notes\" is not an array")?),
                _ => return Err(format!("unknown member {:?}", name)),
            }
        }
        let next_id = next_id.ok_or("\"next_id\" is missing")?;
        let list = list.ok_or("\"notes\" is missing")?;
        let mut notes = BTreeMap::new();
        let mut notes_json_len = 0;
        for (index, value) in list.iter().enumerate() {
            let id = value
                .get("id")
                .and_then(positive_id)
                .ok_or_else(|| format!("note {index}: bad or missing \"id\""))?;
            if id >= next_id {
                return Err(format!(
                    "note {index}: id {id} is not below next_id {next_id}"
                ));
            }
            let draft = draft_from_json(value, Some(id))
                .map_err(|invalid| format!("note {index}: {invalid}"))?;
            let note = Note {
                id,
                text: draft.text,
                done: draft.done,
            };
            notes_json_len += json_len(&note);
            if notes.insert(id, note).is_some() {
                return Err(format!("note {index}: id {id} appears twice"));
            }
        }
        let notes = Notes {
            notes,
            next_id,
            notes_json_len,
        };
        // A file larger than this server lets the collection grow was not
        // written by it; serving it would break the memory bound.
        if notes.json_len() > MAX_COLLECTION_JSON {
            return Err(format!(
                "the notes take {} bytes as JSON, more than {MAX_COLLECTION_JSON}",
                notes.json_len()
            ));
        }
        Ok(notes)
    }
}

/// A JSON number that is a whole number of 1 or more: an id.
fn positive_id(value: &Value) -> Option<u64> {
    value
        .as_i64()
        .and_then(|id| u64::try_from(id).ok())
        .filter(|&id| id > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    fn json(text: &str) -> Value {
        parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn a_draft_needs_a_text_and_done_defaults_to_false() {
        let draft = draft_from_json(&json(r#"{"text":"buy milk"}"#), None).unwrap();
        assert_eq!(
            draft,
            Draft {
                text: "buy milk".into(),
                done: false
            }
        );
    }

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn a_form_makes_the_same_draft_as_json() {
        let table: [(&[(&str, &str)], Draft); 3] = [
            (
                &[("text", "buy milk")],
                Draft {
                    text: "buy milk".into(),
                    done: false,
                },
            ),
            (
                &[("done", "true"), ("text", "call")],
                Draft {
                    text: "call".into(),
                    done: true,
                },
            ),
            (
                &[("text", "x"), ("done", "false")],
                Draft {
                    text: "x".into(),
                    done: false,
                },
            ),
        ];
        for (pairs, expected) in table {
            assert_eq!(draft_from_form(&form(pairs)), Ok(expected), "{pairs:?}");
        }
    }

    #[test]
    fn forms_that_are_not_notes_are_refused_with_the_reason() {
        let long = "a".repeat(MAX_TEXT_LEN + 1);
        let table: [(&[(&str, &str)], Invalid); 8] = [
            (&[], Invalid::MissingText),
            (&[("done", "true")], Invalid::MissingText),
            (&[("text", " ")], Invalid::BlankText),
            (&[("text", &long)], Invalid::TextTooLong(MAX_TEXT_LEN + 1)),
            (&[("text", "a"), ("done", "on")], Invalid::DoneNotABool),
            (
                &[("text", "a"), ("text", "b")],
                Invalid::DuplicateField("text"),
            ),
            (
                &[("done", "true"), ("text", "a"), ("done", "true")],
                Invalid::DuplicateField("done"),
            ),
            (
                &[("id", "3"), ("text", "a")],
                Invalid::UnknownField("id".into()),
            ),
        ];
        for (pairs, expected) in table {
            assert_eq!(draft_from_form(&form(pairs)), Err(expected), "{pairs:?}");
        }
        assert_eq!(
            Invalid::DuplicateField("text").to_string(),
            "\"text\" is given twice"
        );
    }

    #[test]
    fn drafts_that_are_not_notes_are_refused_with_the_reason() {
        let long = format!(r#"{{"text":"{}"}}"#, "a".repeat(MAX_TEXT_LEN + 1));
        let table: [(&str, Invalid); 9] = [
            ("[]", Invalid::NotAnObject),
            ("{}", Invalid::MissingText),
            (r#"{"text":7}"#, Invalid::TextNotAString),
            (r#"{"text":"  "}"#, Invalid::BlankText),
            (&long, Invalid::TextTooLong(MAX_TEXT_LEN + 1)),
            (r#"{"text":"a","done":"yes"}"#, Invalid::DoneNotABool),
            (r#"{"text":"a","done":null}"#, Invalid::DoneNotABool),
            (r#"{"text":"a","id":3}"#, Invalid::IdGivenByClient),
            (
                r#"{"text":"a","dnoe":true}"#,
                Invalid::UnknownField("dnoe".into()),
            ),
        ];
        for (text, expected) in table {
            assert_eq!(draft_from_json(&json(text), None), Err(expected), "{text}");
        }
    }

    #[test]
    fn a_text_of_exactly_the_limit_is_accepted() {
        // Counted in bytes: 500 two-byte characters are 1000 bytes.
        let text = "é".repeat(MAX_TEXT_LEN / 2);
        let document = Value::object([("text", text.as_str().into())]);
        assert_eq!(draft_from_json(&document, None).unwrap().text, text);
    }

    #[test]
    fn a_put_may_repeat_the_id_of_its_uri_but_not_another() {
        let document = json(r#"{"id":4,"text":"a"}"#);
        assert!(draft_from_json(&document, Some(4)).is_ok());
        assert_eq!(
            draft_from_json(&document, Some(5)),
            Err(Invalid::IdMismatch)
        );
    }

    #[test]
    fn a_patch_changes_only_what_it_names_and_refuses_null() {
        assert_eq!(
            patch_from_json(&json(r#"{"done":true}"#), 1),
            Ok(Patch {
                text: None,
                done: Some(true)
            })
        );
        assert_eq!(patch_from_json(&json("{}"), 1), Ok(Patch::default()));
        assert_eq!(
            patch_from_json(&json(r#"{"text":null}"#), 1),
            Err(Invalid::CannotRemove("text"))
        );
        assert_eq!(patch_from_json(&json("true"), 1), Err(Invalid::NotAnObject));
    }

    #[test]
    fn ids_count_up_and_are_never_reused() {
        let mut notes = Notes::new();
        let draft = || Draft {
            text: "a".into(),
            done: false,
        };
        assert_eq!(notes.create(draft()).unwrap().id, 1);
        assert_eq!(notes.create(draft()).unwrap().id, 2);
        notes.delete(2);
        assert_eq!(notes.create(draft()).unwrap().id, 3);
    }

    fn draft(text: &str) -> Draft {
        Draft {
            text: text.into(),
            done: false,
        }
    }

    /// What the note `id` with a text written `text_as_json` adds to a
    /// list's JSON that holds other notes already: the note, written out
    /// by hand, and its comma.
    fn cost(id: u64, text_as_json: &str) -> usize {
        format!(r#",{{"id":{id},"text":"{text_as_json}","done":false}}"#).len()
    }

    /// A collection with room for exactly one more note, whose text is
    /// written `text_as_json`: one byte more would not fit.
    fn with_room_for(text_as_json: &str) -> Notes {
        let mut notes = Notes::new();
        let filler = "x".repeat(MAX_TEXT_LEN / 2);
        let longest = "x".repeat(MAX_TEXT_LEN);
        loop {
            // The bytes left once the note to make room for is in, if the
            // next note were the last before it.
            let room = cost(notes.next_id + 1, text_as_json);
            let left = MAX_COLLECTION_JSON - notes.json_len() - room;
            if left <= cost(notes.next_id, &longest) {
                // One last note takes up exactly what is left.
                let last = "x".repeat(left - cost(notes.next_id, ""));
                notes.create(draft(&last)).unwrap();
                assert_eq!(notes.json_len() + room, MAX_COLLECTION_JSON);
                return notes;
            }
            notes.create(draft(&filler)).unwrap();
        }
    }

    /// A collection exactly [`MAX_COLLECTION_JSON`] bytes long.
    fn full() -> Notes {
        let mut notes = with_room_for("x");
        notes.create(draft("x")).unwrap();
        assert_eq!(notes.json_len(), MAX_COLLECTION_JSON);
        notes
    }

    #[test]
    fn the_running_size_is_the_size_of_the_json_served() {
        let mut notes = Notes::new();
        let check =
            |notes: &Notes| assert_eq!(notes.json_len(), notes.list_json().to_string().len());
        check(&notes);
        notes.create(draft("one")).unwrap();
        check(&notes);
        notes
            .create(draft("tab\there, \"quoted\", \u{1}, é, 😀"))
            .unwrap();
        check(&notes);
        notes.replace(1, draft("a longer one")).unwrap();
        check(&notes);
        notes
            .patch(
                2,
                Patch {
                    text: Some("\u{0}".into()),
                    done: Some(true),
                },
            )
            .unwrap();
        check(&notes);
        let before = notes.get(1).cloned();
        notes.delete(1).unwrap();
        check(&notes);
        notes.restore(1, before);
        check(&notes);
        notes.restore(2, None);
        check(&notes);
        let again = Notes::from_json(&notes.to_json()).unwrap();
        assert_eq!(again.json_len(), notes.json_len());
    }

    #[test]
    fn a_note_that_fits_exactly_is_made_and_one_byte_more_is_refused() {
        let mut notes = with_room_for("abc");
        let before = notes.clone();
        assert_eq!(notes.create(draft("abcd")).err(), Some(Full));
        assert_eq!(
            notes, before,
            "a refused note changes nothing, not even next_id"
        );
        notes.create(draft("abc")).unwrap();
        assert_eq!(notes.json_len(), MAX_COLLECTION_JSON);
    }

    #[test]
    fn escaped_characters_count_at_their_escaped_size() {
        // U+0001 is one byte in the text and six in the JSON: \u0001.
        let mut notes = with_room_for("xxxxxx");
        assert_eq!(notes.create(draft("\u{1}\u{1}")).err(), Some(Full));
        notes.create(draft("\u{1}")).unwrap();
        assert_eq!(notes.json_len(), MAX_COLLECTION_JSON);
    }

    #[test]
    fn a_put_or_patch_that_grows_a_full_collection_is_refused() {
        let mut notes = full();
        let before = notes.clone();
        let longer = "y".repeat(MAX_TEXT_LEN);
        assert_eq!(
            notes.replace(1, draft(&longer)).err(),
            Some(Unchanged::Full(Full))
        );
        let patch = Patch {
            text: Some(longer),
            done: None,
        };
        assert_eq!(notes.patch(1, patch).err(), Some(Unchanged::Full(Full)));
        assert_eq!(notes, before);
        // The same size, or smaller, still goes through; and `done` costs
        // a byte more as `false` than as `true`.
        let same = notes.get(1).unwrap().text.replace('x', "z");
        notes.replace(1, draft(&same)).unwrap();
        notes
            .patch(
                1,
                Patch {
                    text: None,
                    done: Some(true),
                },
            )
            .unwrap();
        notes.replace(2, draft("short")).unwrap();
        assert!(notes.json_len() < MAX_COLLECTION_JSON);
        assert_eq!(
            notes.replace(999_999, draft("a")).err(),
            Some(Unchanged::NoSuchNote)
        );
    }

    #[test]
    fn a_file_form_larger_than_the_limit_is_refused() {
        let notes = full();
        let mut value = notes.to_json();
        assert!(Notes::from_json(&value).is_ok());
        // One byte more: a note's text one character longer.
        let mut text = notes.get(1).unwrap().text.clone();
        text.push('x');
        if let Value::Object(members) = &mut value {
            if let Value::Array(list) = &mut members[1].1 {
                list[0] = Note {
                    id: 1,
                    text,
                    done: false,
                }
                .to_json();
            }
        }
        let error = Notes::from_json(&value).unwrap_err();
        assert!(error.contains("more than"), "{error}");
    }

    #[test]
    fn the_file_form_reads_back_as_the_same_collection() {
        let mut notes = Notes::new();
        notes
            .create(Draft {
                text: "one".into(),
                done: true,
            })
            .unwrap();
        notes
            .create(Draft {
                text: "two".into(),
                done: false,
            })
            .unwrap();
        notes.delete(2);
        let again = Notes::from_json(&json(&notes.to_json().to_string())).unwrap();
        assert_eq!(again, notes);
        assert_eq!(again.next_id, 3, "the deleted id 2 must not come back");
    }

    #[test]
    fn a_damaged_file_form_is_refused() {
        let table = [
            "[]",
            r#"{"notes":[]}"#,
            r#"{"next_id":1}"#,
            r#"{"next_id":0,"notes":[]}"#,
            r#"{"next_id":2,"notes":[{"id":2,"text":"a","done":false}]}"#,
            r#"{"next_id":3,"notes":[{"id":1,"text":"a"},{"id":1,"text":"b"}]}"#,
            r#"{"next_id":2,"notes":[{"id":1,"text":""}]}"#,
            r#"{"next_id":2,"notes":[{"text":"a"}]}"#,
        ];
        for text in table {
            assert!(Notes::from_json(&json(text)).is_err(), "{text}");
        }
    }
}
