//! A small seeded random number generator and a byte mutator, for the
//! fuzz tests: std has no random numbers, and a fuzz test must be
//! repeatable, so that a failure found once can be found again.
//!
//! The generator is SplitMix64 (the one Java's `SplittableRandom` uses):
//! a counter stepped by an odd constant and then scrambled. It is fast,
//! passes the usual statistical tests, and any 64-bit seed is a good one.
//! It is not for cryptography, which is not needed here.

/// A repeatable stream of random numbers: the same seed, the same stream.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator whose stream is fixed by `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (0 when `bound` is 0). The small bias of
    /// the modulo does not matter for fuzzing.
    pub fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            return 0;
        }
        (self.next_u64() % bound as u64) as usize
    }

    /// A number in `low..=high` (`low` must not be above `high`).
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        match (high - low).checked_add(1) {
            Some(span) => low + self.next_u64() % span,
            None => self.next_u64(),
        }
    }

    /// True one time in `n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A random byte.
    pub fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }

    /// Up to `max_len` bytes, drawn from `alphabet` (any byte, if empty).
    pub fn bytes(&mut self, max_len: usize, alphabet: &[u8]) -> Vec<u8> {
        let len = self.below(max_len + 1);
        (0..len)
            .map(|_| match alphabet {
                [] => self.byte(),
                _ => *self.pick(alphabet),
            })
            .collect()
    }
}

/// Tokens that break parsers: numbers at the edge of every integer type
/// and past it, the delimiters of the text protocols, escapes cut short,
/// and bytes that are not UTF-8.
pub const HOSTILE_TOKENS: &[&[u8]] = &[
    b"0",
    b"-1",
    b"-0",
    b"+1",
    b"255",
    b"256",
    b"65535",
    b"65536",
    b"4294967295",
    b"4294967296",
    b"9223372036854775807",
    b"9223372036854775808",
    b"-9223372036854775808",
    b"-9223372036854775809",
    b"18446744073709551615",
    b"18446744073709551616",
    b"99999999999999",
    b"99999999999999999999999999999999999999",
    b"ffffffffffffffff",
    b"10000000000000000",
    b"1e400",
    b"1e-400",
    b"..",
    b".",
    b"/",
    b"//",
    b"/../",
    b"%",
    b"%2",
    b"%2e%2e",
    b"%2f",
    b"%00",
    b"%ff",
    b"\r",
    b"\n",
    b"\r\n",
    b"\r\n\r\n",
    b"\r\n.\r\n",
    b" ",
    b"  ",
    b"\t",
    b"\0",
    b":",
    b";",
    b",",
    b"-",
    b"=",
    b"?",
    b"#",
    b"@",
    b"[",
    b"]",
    b"{",
    b"}",
    b"\"",
    b"\\",
    b"\\u",
    b"\\ud800",
    b"\\udc00",
    b"\xff",
    b"\xc3",
    b"\xc3\xa9",
    b"\xf0\x9f\x98\x80",
];

/// Changes `input` in one to four random ways: flip a bit, overwrite,
/// insert or delete bytes, duplicate a run, splice in a piece of another
/// valid input, insert a hostile token, or cut the end off. The result is
/// at most `max_len` bytes long.
pub fn mutate(
    rng: &mut Rng,
    input: &[u8],
    corpus: &[&[u8]],
    tokens: &[&[u8]],
    max_len: usize,
) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..rng.between(1, 4) {
        let at = rng.below(out.len() + 1);
        match rng.below(9) {
            // Flip one bit.
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            // Overwrite one byte.
            1 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] = rng.byte();
            }
            // Insert a few random bytes.
            2 => {
                let bytes = rng.bytes(4, &[]);
                out.splice(at..at, bytes);
            }
            // Delete a run.
            3 => {
                let end = (at + rng.below(8) + 1).min(out.len());
                out.drain(at.min(end)..end);
            }
            // Duplicate a run: once, or many times, or (rarely) enough
            // times to pass the parsers' limits on lines and heads.
            4 => {
                let end = (at + rng.below(16) + 1).min(out.len());
                let run = out[at.min(end)..end].to_vec();
                let times = match rng.below(64) {
                    0 => rng.below(4096),
                    1..=8 => rng.below(64),
                    _ => 1,
                };
                for _ in 0..times {
                    out.splice(at..at, run.iter().copied());
                }
            }
            // Splice in a piece of another valid input.
            5 if !corpus.is_empty() => {
                let other = rng.pick(corpus);
                let start = rng.below(other.len() + 1);
                let end = start + rng.below(other.len() - start + 1);
                let replaced = (at + rng.below(8)).min(out.len());
                out.splice(at..replaced, other[start..end].iter().copied());
            }
            // Cut the end off.
            6 => out.truncate(at),
            // Insert a token: one of the parser's own, or a hostile one.
            _ => {
                let token = match rng.one_in(2) {
                    true if !tokens.is_empty() => rng.pick(tokens),
                    _ => rng.pick(HOSTILE_TOKENS),
                };
                let replaced = match rng.one_in(2) {
                    true => (at + token.len()).min(out.len()),
                    false => at,
                };
                out.splice(at..replaced, token.iter().copied());
            }
        }
    }
    out.truncate(max_len);
    out
}

/// A byte string for a test's failure message: printable ASCII as it is,
/// everything else escaped (`\r`, `\n`, `\x00`), so that it can be pasted
/// into a Rust byte-string literal.
pub fn escaped(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}
