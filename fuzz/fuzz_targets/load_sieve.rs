//! Arbitrary bytes; when they are UTF-8, load them as a Sieve script. Loading may refuse the
//! text with an error, but must never panic (nor overflow the stack: nesting is capped).
#![no_main]

use cutover::load::File;
use cutover::source::Source;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = File::parse(Source::from_text("x.sieve", text));
    }
});
