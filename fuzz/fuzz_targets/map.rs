//! Any bytes (plain or gzipped) into the map reader: it must return Ok or an error, never
//! panic, and never allocate more than the input could justify.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cryolabel::engine::read_map_bytes(data, std::path::Path::new("fuzz.mrc"));
});
