//! The fuzz targets' checks, on stable Rust, over every fixture and a few hand-picked inputs.

use crate::common;

use webhooks_tests::fuzz_checks::{check_payload, check_request};

fn corpus() -> Vec<Vec<u8>> {
    let mut inputs = vec![
        Vec::new(),
        b"{}".to_vec(),
        b"[".to_vec(),
        b"\xEF\xBB\xBF{}".to_vec(),
    ];
    for folder in [
        common::fixtures_dir(),
        common::fixtures_dir().join("invalid"),
    ] {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "json") {
                inputs.push(std::fs::read(path).unwrap());
            }
        }
    }
    inputs
}

#[test]
fn payload_check_holds_for_the_corpus() {
    for input in corpus() {
        check_payload(&input);
    }
}

#[test]
fn request_check_holds_for_the_corpus_under_every_selector() {
    for input in corpus() {
        for selector in 0..=u8::MAX {
            let mut data = vec![selector];
            data.extend(&input);
            check_request(&data);
        }
    }
}
