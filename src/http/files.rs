//! The static file server: files under a root directory, as GET and HEAD.
//!
//! For each request it decides, in this order:
//!
//! 1. the method: GET and HEAD are served, other known methods get
//!    `405 Method Not Allowed` with `Allow: GET, HEAD`, unknown ones `501`;
//! 2. the path: the target is turned into segments that cannot climb out
//!    of the root ([`super::path`]), then the real path on disk (symbolic
//!    links resolved) must still be under the root, or `403 Forbidden`;
//! 3. a directory: `301` to the same path with a `/` if it lacks one (so
//!    relative links in the page work), then `index.html` or a listing;
//! 4. a file: `304 Not Modified` if the client's copy is current
//!    (`If-None-Match`, `If-Modified-Since`), `412` if a precondition
//!    fails (`If-Match`, `If-Unmodified-Since`; [`super::conditional`]),
//!    `206` or `416` for a `Range`, else `200`; the body is streamed from
//!    the file by the server. Every answer about a file carries its `ETag`.
//!
//! Small files that have not changed for a second are kept in memory
//! ([`super::cache`]), and served from there for as long as the `lstat` of
//! step 2 shows them unchanged.

use super::cache::FileCache;
use super::conditional::{evaluate, file_etag, Condition, Validators};
use super::date::format_http_date;
use super::head::Method;
use super::index::{render_index, Entry};
use super::mime::content_type;
use super::path::{safe_path, PathError, SafePath};
use super::range::{answer_range, RangeAnswer};
use super::server::{App, Body, Request, Response};
use crate::url::{percent_encode, Component};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Serves the files under one directory.
#[derive(Debug, Clone)]
pub struct StaticFiles {
    /// The root, with every symbolic link in it resolved.
    root: PathBuf,
    /// Small files kept in memory, shared by every connection.
    cache: Arc<FileCache>,
}

impl StaticFiles {
    /// Serves `root`, which must be a directory.
    pub fn new(root: impl AsRef<Path>) -> io::Result<StaticFiles> {
        let root = fs::canonicalize(root)?;
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a directory", root.display()),
            ));
        }
        Ok(StaticFiles {
            root,
            cache: Arc::new(FileCache::new()),
        })
    }
}

impl App for StaticFiles {
    fn respond(&self, request: &Request) -> Response {
        let path = match checked_target(request) {
            Ok(path) => path,
            Err(response) => return response,
        };
        match locate(&self.root, &path.segments) {
            Ok(located) => self.answer(request, &path, &located),
            Err(response) => response,
        }
    }
}

impl StaticFiles {
    /// Steps 3 and 4: what the target leads to, and the answer for it.
    ///
    /// A function of its own, never inlined into `respond`, so that what
    /// it holds on the stack (the open file, its metadata, the response
    /// being built) is not under the `lstat`s of [`locate`], the deepest
    /// calls of a request: an idle connection's thread then stays within
    /// the two pages of stack it has touched (chapter 12).
    #[inline(never)]
    fn answer(&self, request: &Request, path: &SafePath, located: &Located) -> Response {
        let real = &located.path;
        // A small file kept in memory, unchanged since: the lstat of the
        // walk is all it takes (no link on the way, so it is the file's own).
        if let (Some(metadata), false, false) =
            (&located.metadata, located.through_link, path.trailing_slash)
        {
            if let Some(bytes) = self.cache.get(real, metadata) {
                return serve_file(Source::Kept(bytes), metadata, file_name(real), request);
            }
        }
        // Only regular files and directories are served: opening anything
        // else (a named pipe, a device) can block the thread or worse.
        let kind = match (&located.metadata, located.through_link) {
            (Some(metadata), false) => metadata.file_type(),
            _ => match fs::metadata(real) {
                Ok(metadata) => metadata.file_type(),
                Err(_) => return Response::error(404, "no such file"),
            },
        };
        if !kind.is_file() && !kind.is_dir() {
            return Response::error(403, "not a regular file");
        }
        // One open and one fstat tell a file from a directory; the open
        // file is what gets served, so nothing can swap it in between.
        let (mut file, metadata) = match File::open(real).and_then(|f| Ok((f.metadata()?, f))) {
            Ok((metadata, file)) => (file, metadata),
            Err(_) => return Response::error(403, "not readable"),
        };
        if !metadata.is_dir() && path.trailing_slash {
            // "/a.txt/" names a directory that does not exist.
            return Response::error(404, "no such directory");
        }
        if metadata.is_dir() {
            return self.answer_directory(request, path, real);
        }
        let source = match located.through_link {
            true => Source::Open(file),
            false => match self
                .cache
                .load(real, &mut file, &metadata, SystemTime::now())
            {
                Ok(Some(bytes)) => Source::Kept(bytes),
                Ok(None) => Source::Open(file),
                Err(_) => return Response::error(403, "not readable"),
            },
        };
        serve_file(source, &metadata, file_name(real), request)
    }

    /// A directory: a redirect to its URL with a `/`, its `index.html`,
    /// or its listing.
    ///
    /// Apart from `answer` for the same reason as `answer` is apart from
    /// `respond`: what it holds (a second walk, for `index.html`) takes no
    /// room on the stack when a file is served.
    #[inline(never)]
    fn answer_directory(&self, request: &Request, path: &SafePath, real: &Path) -> Response {
        if !path.trailing_slash {
            // Relative links in the page resolve against the URL, so a
            // directory's URL must end with '/' (as every server does).
            // The new URL is built from the checked segments, never
            // copied from the target: `//evil.example/x` must not become
            // a redirect to another host.
            let query = path
                .query
                .as_ref()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            return Response::error(301, "moved").header(
                "Location",
                format!("{}/{query}", encode_path(&path.segments)),
            );
        }
        // index.html is a path like any other: it may be a link out.
        let mut index = path.segments.clone();
        index.push("index.html".into());
        if let Ok(found) = locate(&self.root, &index) {
            if let Ok((file, metadata)) = open_regular(&found.path) {
                return serve_file(Source::Open(file), &metadata, "index.html", request);
            }
        }
        list_directory(real, request.head.target.split('?').next().unwrap_or("/"))
    }
}

/// Steps 1 and 2 before the disk: a method this server knows, and a target
/// that names a path under the root.
///
/// Never inlined: the responses it may build would otherwise take room in
/// `respond`'s frame, under which the walk of [`locate`] runs.
#[inline(never)]
fn checked_target(request: &Request) -> Result<SafePath, Response> {
    let head = &request.head;
    match head.method {
        Method::Get | Method::Head => {}
        Method::Other(_) => {
            return Err(Response::error(501, "method not implemented").header("Allow", "GET, HEAD"))
        }
        _ => return Err(Response::error(405, "only GET and HEAD").header("Allow", "GET, HEAD")),
    }
    safe_path(&head.target).map_err(|error| match error {
        PathError::NotAPath | PathError::BadEncoding => Response::error(400, &error.to_string()),
        _ => Response::error(403, &error.to_string()),
    })
}

// ANCHOR: locate
// ANCHOR: locate_walk
/// The path of what `segments` name, if it exists and is under the root.
///
/// The segments cannot climb out by themselves ([`safe_path`] saw to
/// that), but a symbolic link inside the root can point anywhere. So
/// each step is checked with `symlink_metadata` (which looks at a link
/// itself, not at what it points to); only when a link is met is the
/// real path resolved and compared with the root. A file without links
/// on its way costs one system call per segment.
pub(crate) fn locate(root: &Path, segments: &[String]) -> Result<Located, Response> {
    let mut located = Located {
        path: root.to_path_buf(),
        metadata: None,
        through_link: false,
    };
    for segment in segments {
        located.path.push(segment);
        let lstat = fs::symlink_metadata(&located.path).map_err(refused)?;
        if located.metadata.insert(Box::new(lstat)).is_symlink() {
            check_link(root, &located.path)?;
            located.through_link = true;
        }
    }
    Ok(located)
}

/// A symbolic link met on the walk must lead inside the root.
///
/// This and [`refused`] are functions of their own, never inlined, so
/// that the `Response`s and the resolved path they hold take no room in
/// `locate`'s frame, which is on the stack under every `lstat` of the
/// walk; on the common path (no link, no error) they are never called.
#[inline(never)]
fn check_link(root: &Path, link: &Path) -> Result<(), Response> {
    let real = fs::canonicalize(link).map_err(refused)?;
    if !real.starts_with(root) {
        return Err(Response::error(403, "outside the served directory"));
    }
    Ok(())
}

/// The answer when a step of the walk cannot be looked at.
#[inline(never)]
fn refused(error: io::Error) -> Response {
    match error.kind() {
        io::ErrorKind::PermissionDenied => Response::error(403, "not readable"),
        _ => Response::error(404, "no such file"),
    }
}
// ANCHOR_END: locate_walk

/// Where a request leads, and what the walk there learnt.
pub(crate) struct Located {
    pub(crate) path: PathBuf,
    /// The `lstat` of the last segment (none for the root itself). Boxed:
    /// a `Metadata` is 176 bytes, and a `Located` is on the stack of
    /// `respond` and of `locate`, under the walk's `lstat`s; in a box it
    /// costs them 8 bytes, and one small allocation a request.
    metadata: Option<Box<fs::Metadata>>,
    /// A symbolic link was followed on the way.
    through_link: bool,
}

/// Opens a file that must be a regular file.
fn open_regular(path: &Path) -> io::Result<(File, fs::Metadata)> {
    if !fs::metadata(path)?.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    let file = File::open(path)?;
    let metadata = file.metadata()?;
    Ok((file, metadata))
}

/// The URL path of `segments`, each percent-encoded: `/a%20b/c`.
fn encode_path(segments: &[String]) -> String {
    segments
        .iter()
        .map(|segment| {
            format!(
                "/{}",
                percent_encode(segment.as_bytes(), Component::PathSegment)
            )
        })
        .collect()
}
// ANCHOR_END: locate

/// The last part of a path, as text ("" if it is not UTF-8).
fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// Where a file's bytes come from.
enum Source {
    /// The file, open at its start.
    Open(File),
    /// The whole file, kept in memory.
    Kept(Arc<[u8]>),
}

// ANCHOR: serve_file
/// Answers with a file: 304, 412, 206, 416 or 200, the body left open
/// for the server to stream (or shared with the cache).
fn serve_file(source: Source, metadata: &fs::Metadata, name: &str, request: &Request) -> Response {
    let len = metadata.len();
    let now = SystemTime::now();
    let exact = metadata.modified().ok();
    let etag = exact.map(|modified| file_etag(len, modified, now));
    let validators = Validators {
        etag: etag.as_deref(),
        // HTTP dates have whole seconds: compare at that precision.
        last_modified: exact.map(whole_seconds),
    };
    let headers = &request.head.headers;
    let condition = evaluate(&request.head.method, headers, &validators, now);
    // A 304 carries the validators a 200 would have (RFC 9110 §15.4.5).
    let mut response = match condition {
        Condition::NotModified => Response::empty(304),
        Condition::Failed => Response::error(412, "the file has changed"),
        Condition::Proceed { .. } => Response::empty(200)
            .header("Content-Type", content_type(name))
            .header("Accept-Ranges", "bytes"),
    };
    if let Some(etag) = validators.etag {
        response = response.header("ETag", etag);
    }
    if let Some(modified) = validators.last_modified {
        response = response.header("Last-Modified", format_http_date(modified));
    }
    let range = match condition {
        Condition::Proceed { range: true } => headers.get("range"),
        Condition::Proceed { range: false } => None, // If-Range: changed, send it all
        _ => return response,
    };
    let (start, count) = match answer_range(range, len) {
        RangeAnswer::Whole => (0, len),
        RangeAnswer::Partial { start, end } => {
            response.status = 206;
            response = response.header("Content-Range", format!("bytes {start}-{end}/{len}"));
            (start, end - start + 1)
        }
        RangeAnswer::Unsatisfiable => {
            return Response::error(416, "range not satisfiable")
                .header("Content-Range", format!("bytes */{len}"));
        }
    };
    response.body = match source {
        Source::Open(file) => Body::File {
            file,
            start,
            len: count,
        },
        // A kept file is at most 64 KiB: its offsets fit in a usize.
        Source::Kept(bytes) => Body::Shared {
            bytes,
            start: start as usize,
            len: count as usize,
        },
    };
    response
}
// ANCHOR_END: serve_file

fn whole_seconds(time: SystemTime) -> SystemTime {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// The HTML listing of a directory.
fn list_directory(dir: &Path, shown_as: &str) -> Response {
    let Ok(read) = fs::read_dir(dir) else {
        return Response::error(403, "not readable");
    };
    let entries: Vec<Entry> = read
        .filter_map(Result::ok)
        .filter_map(|entry| {
            // What a link leads to, as a browser following it will see.
            let metadata = fs::metadata(entry.path()).ok()?;
            Some(Entry {
                name: entry.file_name().to_string_lossy().into_owned(),
                is_dir: metadata.is_dir(),
                size: metadata.len(),
            })
        })
        .collect();
    let shown_as = crate::url::percent_decode(shown_as)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_else(|_| shown_as.to_string());
    Response::with_body(
        200,
        "text/html; charset=utf-8",
        render_index(&shown_as, &entries),
    )
}
