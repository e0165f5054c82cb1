//! The list of chapters, and what the tour does with it.
//!
//! `cargo run --example tour` runs the demo of every chapter in this list,
//! in order; `cargo run --example NN-topic` (with no arguments) runs one.
//! Both call the same function, [`Chapter::demo`], which lives next to the
//! code it shows (`src/tcp/demo.rs`, see [`crate::demo`]), so no demo is
//! written twice.
//!
//! A demo talks over 127.0.0.1 on ports the system picks (port 0), prints
//! its conversation to the [`Transcript`] it is given, and returns an error
//! if anything did not go as the lesson says it should.

use crate::demo::DemoResult;
use crate::transcript::Transcript;

/// One chapter of the course.
#[derive(Debug, Clone, Copy)]
pub struct Chapter {
    /// Two digits, as in the lesson's folder name: `"02"`.
    pub number: &'static str,
    /// The rest of the folder name: `"tcp"`.
    pub slug: &'static str,
    /// One line saying what the chapter builds.
    pub title: &'static str,
    /// Runs the chapter's demo, printing into the transcript.
    pub demo: fn(&Transcript) -> DemoResult,
}

impl Chapter {
    /// The chapter's folder and example name: `"02-tcp"`.
    pub fn name(&self) -> String {
        format!("{}-{}", self.number, self.slug)
    }

    /// The name of the chapter's exercise test target: `"ex02"`.
    pub fn exercise(&self) -> String {
        format!("ex{}", self.number)
    }
}

/// Every chapter that has a demo, in reading order.
pub const CHAPTERS: &[Chapter] = &[
    Chapter {
        number: "01",
        slug: "addresses",
        title: "addresses: IP, ports, name resolution and URLs",
        demo: crate::addresses::demo,
    },
    Chapter {
        number: "02",
        slug: "tcp",
        title: "tcp: an echo server and client, framing, half-close",
        demo: crate::tcp::demo,
    },
    Chapter {
        number: "03",
        slug: "udp",
        title: "udp: datagrams, an echo server and a pinger",
        demo: crate::udp::demo,
    },
    Chapter {
        number: "04",
        slug: "dns",
        title: "dns: messages by hand, an authoritative server, a walk from the root",
        demo: crate::dns::demo,
    },
    Chapter {
        number: "05",
        slug: "http-client",
        title: "http client: requests, responses, chunked bodies, redirects",
        demo: crate::http::client_demo,
    },
    Chapter {
        number: "06",
        slug: "http-server",
        title: "http server: static files, keep-alive, ranges, safe paths",
        demo: crate::http::server_demo,
    },
    Chapter {
        number: "07",
        slug: "rest-api",
        title: "rest api: resources, methods, status codes, JSON",
        demo: crate::rest::demo,
    },
    Chapter {
        number: "08",
        slug: "ftp-client",
        title: "ftp client: two connections, passive and active, transfers",
        demo: crate::ftp::client_demo,
    },
    Chapter {
        number: "09",
        slug: "ftp-server",
        title: "ftp server: two connections, logins, uploads that land whole",
        demo: crate::ftp::server_demo,
    },
    Chapter {
        number: "10",
        slug: "smtp",
        title: "smtp: a client and a server, mail into Maildirs, no open relay",
        demo: crate::smtp::demo,
    },
    Chapter {
        number: "11",
        slug: "pop3",
        title: "pop3: a server over those Maildirs, and a client that fetches",
        demo: crate::pop3::demo,
    },
    Chapter {
        number: "12",
        slug: "measuring",
        title: "measuring: a load generator, latency histograms, coordinated omission",
        demo: crate::load::demo,
    },
];

/// The chapter whose number (`"2"`, `"02"`) or name (`"tcp"`, `"02-tcp"`) is `wanted`.
pub fn find(wanted: &str) -> Option<&'static Chapter> {
    CHAPTERS.iter().find(|chapter| {
        wanted == chapter.number
            || wanted == chapter.slug
            || wanted == chapter.name()
            || wanted.parse::<u32>().ok() == chapter.number.parse::<u32>().ok()
                && wanted.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Runs one chapter's demo under a heading.
pub fn run(chapter: &Chapter, transcript: &Transcript) -> DemoResult {
    transcript.say(format!("== {} {} ==", chapter.number, chapter.title));
    transcript.say("");
    let result = (chapter.demo)(transcript);
    transcript.say("");
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chapters_are_found_by_number_or_name() {
        for wanted in ["2", "02", "tcp", "02-tcp"] {
            assert_eq!(find(wanted).map(|c| c.number), Some("02"), "{wanted}");
        }
        assert!(find("99").is_none());
        assert!(find("").is_none());
    }

    #[test]
    fn chapters_are_in_reading_order() {
        let numbers: Vec<&str> = CHAPTERS.iter().map(|c| c.number).collect();
        let mut sorted = numbers.clone();
        sorted.sort();
        assert_eq!(numbers, sorted);
    }
}
