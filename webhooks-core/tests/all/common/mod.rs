//! Reading the Hub bodies in `fixtures/` at the workspace root.

// Each test binary uses a different part of this module, and `pub` is how it shares them.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};

/// The folder of real Hub bodies.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// Every `*.json` file directly in `dir`, sorted by name, with its bytes.
pub fn json_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}
