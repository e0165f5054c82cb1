//! `TYPE A`: text files sent with the network's line ends (RFC 959 §3.1.1.1).
//!
//! FTP was born in 1971, among machines that disagreed about text: one
//! ended a line with CR LF, another with LF, another with CR, and some
//! stored records with no line-end byte at all. So RFC 959 gives text one
//! form on the wire, *NVT-ASCII* (the Telnet network virtual terminal's),
//! in which every line ends with CR LF. In ASCII mode (`TYPE A`, the
//! default of RFC 959 §3.1.1.1 and §5.1) the sender turns its own line
//! ends into CR LF, and the receiver turns CR LF into its own:
//!
//! ```text
//!   Unix file         wire (TYPE A)         Unix file
//!   a LF b LF   -->   a CR LF b CR LF  -->  a LF b LF
//!         ToNetwork                FromNetwork
//! ```
//!
//! Image mode (`TYPE I`, "binary") sends the bytes as they are. Modern
//! clients (curl, lftp, browsers) ask for `TYPE I` before they transfer a
//! file, because the text conversion corrupts every file that is not
//! text, and most files are not; FileZilla's "auto" mode still picks
//! ASCII for a list of text extensions. The PNG signature is the
//! textbook case; it was designed to show exactly this damage. Sent in
//! ASCII mode from Unix to Unix:
//!
//! ```text
//! the file         89 50 4E 47 0D 0A 1A 0A
//! on the wire      89 50 4E 47 0D 0A 1A 0D 0A     (the bare LF got a CR)
//! what arrives     89 50 4E 47 0A 1A 0A           (each CR LF became LF)
//! ```
//!
//! The file is now one byte shorter, and every byte after the first line
//! end has moved: an image viewer reports a broken file, an archive fails
//! its checksum. Nothing on the wire says a conversion happened, so the
//! damage is found only when the file is opened.
//!
//! Text mode survives for listings (`LIST` and `NLST` answers are sent as
//! text lines) and for the odd user who types `ascii` in a command-line
//! client. Bytes above 127 pass through untouched: NVT-ASCII is 7-bit,
//! but every server since the 1990s sends UTF-8 text in ASCII mode.
//!
//! [`ToNetwork`] and [`FromNetwork`] are streaming state machines, as
//! [`DotEncoder`](crate::wire::dot::DotEncoder) is: a file arrives in
//! buffers of any size, and a CR may end one buffer while its LF starts
//! the next. Both have the same two methods, `encode` for each buffer and
//! `finish` at the end of the file, so one writer can drive either.

// ANCHOR: to_network
/// Converts a local text file (lines ended by LF) into NVT-ASCII (lines
/// ended by CR LF): what a server does on `RETR` in ASCII mode, and a
/// client on `STOR`.
///
/// - A bare LF becomes CR LF.
/// - A CR LF already in the file stays CR LF, not CR CR LF: a file written
///   on Windows arrives with the line ends it had.
/// - A lone CR (one not followed by LF, the line end of old Macintosh
///   files) is sent as it is. RFC 854's Telnet rule would send it as
///   CR NUL, but no FTP client removes that NUL again, so the rule would
///   put NUL bytes into the received file; sent as it is, the CR arrives
///   as it left ([`FromNetwork`] keeps a lone CR).
///
/// The output is at most twice the input, when every byte is a bare LF.
#[derive(Debug, Clone, Default)]
pub struct ToNetwork {
    /// The last byte seen was a CR, so an LF now is already in CR LF form.
    after_cr: bool,
}

impl ToNetwork {
    /// Appends `input`, converted, to `out`. The state carries over to the
    /// next call, so a file may be given in any pieces.
    pub fn encode(&mut self, input: &[u8], out: &mut Vec<u8>) {
        out.reserve(input.len());
        for &byte in input {
            if byte == b'\n' && !self.after_cr {
                out.push(b'\r');
            }
            out.push(byte);
            self.after_cr = byte == b'\r';
        }
    }

    /// Ends the file. Nothing is held back, so nothing is added: a file
    /// whose last line has no line end is sent without one. The converter
    /// is ready for the next file.
    pub fn finish(&mut self, _out: &mut Vec<u8>) {
        *self = ToNetwork::default();
    }
}
// ANCHOR_END: to_network

// ANCHOR: from_network
/// Converts NVT-ASCII (lines ended by CR LF) into a local text file (lines
/// ended by LF): what a client does on `RETR` in ASCII mode, and a server
/// on `STOR`.
///
/// - CR LF becomes LF.
/// - A lone CR (not followed by LF) is kept as it is: it is data, and
///   dropping it would lose a byte the sender meant.
/// - A bare LF is kept as it is (a sloppy sender's line end is still a
///   line end here).
///
/// A CR at the end of one buffer may be the first half of a CR LF split
/// across two reads, so it is held until the next byte shows which, or
/// until [`finish`](FromNetwork::finish). The output of one call is at
/// most the input and that one held CR.
#[derive(Debug, Clone, Default)]
pub struct FromNetwork {
    /// A CR was read and not yet written: LF next makes it a line end.
    held_cr: bool,
}

impl FromNetwork {
    /// Appends `input`, converted, to `out`; a CR at its end is held back.
    pub fn encode(&mut self, input: &[u8], out: &mut Vec<u8>) {
        out.reserve(input.len());
        for &byte in input {
            if self.held_cr {
                self.held_cr = false;
                if byte == b'\n' {
                    out.push(b'\n');
                    continue;
                }
                out.push(b'\r');
            }
            if byte == b'\r' {
                self.held_cr = true;
            } else {
                out.push(byte);
            }
        }
    }

    /// Ends the file: a CR held back was a lone CR, and is written now.
    /// The converter is ready for the next file.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if self.held_cr {
            out.push(b'\r');
        }
        *self = FromNetwork::default();
    }
}
// ANCHOR_END: from_network

#[cfg(test)]
mod tests {
    use super::*;

    fn to_network(pieces: &[&[u8]]) -> Vec<u8> {
        let mut converter = ToNetwork::default();
        let mut out = Vec::new();
        for piece in pieces {
            converter.encode(piece, &mut out);
        }
        converter.finish(&mut out);
        out
    }

    fn from_network(pieces: &[&[u8]]) -> Vec<u8> {
        let mut converter = FromNetwork::default();
        let mut out = Vec::new();
        for piece in pieces {
            converter.encode(piece, &mut out);
        }
        converter.finish(&mut out);
        out
    }

    /// `(local file, wire)` pairs for [`ToNetwork`].
    const TO_NETWORK: &[(&[u8], &[u8])] = &[
        (b"", b""),
        (b"a\nb\n", b"a\r\nb\r\n"),
        // A file already in CR LF form is not given a second CR.
        (b"a\r\nb\r\n", b"a\r\nb\r\n"),
        // Both forms in one file (a file edited on two systems).
        (b"unix\ndos\r\n", b"unix\r\ndos\r\n"),
        // A lone CR (old Macintosh line end) is sent as it is.
        (b"mac\rline\r", b"mac\rline\r"),
        (b"\r\r\n", b"\r\r\n"),
        (b"\n\n", b"\r\n\r\n"),
        // A last line without a line end gets none.
        (b"no end", b"no end"),
        // Bytes above 127 (UTF-8 here) pass through.
        ("caf\u{e9}\n".as_bytes(), b"caf\xc3\xa9\r\n"),
    ];

    /// `(wire, local file)` pairs for [`FromNetwork`].
    const FROM_NETWORK: &[(&[u8], &[u8])] = &[
        (b"", b""),
        (b"a\r\nb\r\n", b"a\nb\n"),
        // A lone CR is data and is kept, at the end too.
        (b"a\rb", b"a\rb"),
        (b"end\r", b"end\r"),
        // CR CR LF: the first CR is lone, the second ends the line.
        (b"\r\r\n", b"\r\n"),
        // A bare LF from a sloppy sender stays a line end.
        (b"a\nb", b"a\nb"),
        (b"\r\n\r\n", b"\n\n"),
        (b"\r\r\r", b"\r\r\r"),
    ];

    #[test]
    fn to_network_table() {
        for (file, wire) in TO_NETWORK {
            assert_eq!(to_network(&[file]), *wire, "{:?}", file.escape_ascii());
        }
    }

    #[test]
    fn from_network_table() {
        for (wire, file) in FROM_NETWORK {
            assert_eq!(from_network(&[wire]), *file, "{:?}", wire.escape_ascii());
        }
    }

    #[test]
    fn every_split_into_two_gives_the_same_output() {
        // The CR of a CR LF may end one read and its LF start the next.
        let inputs = TO_NETWORK
            .iter()
            .chain(FROM_NETWORK)
            .map(|(input, _)| input);
        for input in inputs {
            let whole_to = to_network(&[input]);
            let whole_from = from_network(&[input]);
            for at in 0..=input.len() {
                let (a, b) = input.split_at(at);
                assert_eq!(
                    to_network(&[a, b]),
                    whole_to,
                    "{:?} at {at}",
                    input.escape_ascii()
                );
                assert_eq!(
                    from_network(&[a, b]),
                    whole_from,
                    "{:?} at {at}",
                    input.escape_ascii()
                );
            }
        }
    }

    #[test]
    fn one_byte_at_a_time_gives_the_same_output() {
        for (input, expected) in TO_NETWORK {
            let bytes: Vec<&[u8]> = input.chunks(1).collect();
            assert_eq!(to_network(&bytes), *expected);
        }
        for (input, expected) in FROM_NETWORK {
            let bytes: Vec<&[u8]> = input.chunks(1).collect();
            assert_eq!(from_network(&bytes), *expected);
        }
    }

    #[test]
    fn a_cr_at_the_end_of_a_read_is_held_until_the_next_byte() {
        let mut converter = FromNetwork::default();
        let mut out = Vec::new();
        converter.encode(b"line\r", &mut out);
        assert_eq!(out, b"line", "the CR may be half of a CR LF");
        converter.encode(b"\nnext", &mut out);
        assert_eq!(out, b"line\nnext");
    }

    #[test]
    fn a_file_without_cr_lf_pairs_comes_back_as_it_was() {
        // Only a CR LF in the original is lost: it arrives as LF.
        for (file, _) in TO_NETWORK {
            if !file.windows(2).any(|pair| pair == b"\r\n") {
                assert_eq!(from_network(&[&to_network(&[file])]), *file);
            }
        }
        assert_eq!(from_network(&[&to_network(&[b"dos\r\n"])]), b"dos\n");
    }

    #[test]
    fn the_output_is_at_most_twice_the_input() {
        let lines = [b'\n'; 1000];
        assert_eq!(to_network(&[&lines]).len(), 2000);
        let crs = [b'\r'; 1000];
        assert_eq!(from_network(&[&crs]).len(), 1000);
    }

    #[test]
    fn a_png_sent_in_ascii_mode_is_corrupted() {
        // The PNG signature, built to reveal a text-mode transfer.
        let png: &[u8] = b"\x89PNG\r\n\x1a\n";
        let wire = to_network(&[png]);
        assert_eq!(wire, b"\x89PNG\r\n\x1a\r\n");
        assert_eq!(from_network(&[&wire]), b"\x89PNG\n\x1a\n");
    }

    #[test]
    fn finish_makes_the_converter_ready_for_the_next_file() {
        let mut converter = FromNetwork::default();
        let mut out = Vec::new();
        converter.encode(b"a\r", &mut out);
        converter.finish(&mut out);
        converter.encode(b"\nb", &mut out);
        // The LF of the second file is not joined to the first file's CR.
        assert_eq!(out, b"a\r\nb");

        let mut converter = ToNetwork::default();
        let mut out = Vec::new();
        converter.encode(b"a\r", &mut out);
        converter.finish(&mut out);
        converter.encode(b"\n", &mut out);
        assert_eq!(out, b"a\r\r\n");
    }
}
