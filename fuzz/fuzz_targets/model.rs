//! Any bytes into the model reader (PDB or mmCIF, chosen from the content).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cryolabel::engine::model::parse_model(data, std::path::Path::new("fuzz.pdb"));
});
