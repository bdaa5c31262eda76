//! The runtime's top-level modules form layers along the data path (ARCHITECTURE.md): each uses
//! only the modules listed before it, so there is no cycle between them.

use crate::common;
use std::collections::BTreeSet;

use std::path::Path;

use common::rust_files;

/// `webhooks-runtime/src`'s top-level modules, lowest layer first.
const LAYERS: &[&str] = &[
    "hub", "answers", "error", "limits", "endpoint", "delivery", "ops", "web", "server", "testing",
];

/// The top-level modules named by `crate::<module>` paths in `text`'s code (doc comments link to
/// the facade's items, which is not a dependency).
fn crate_paths(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .flat_map(|line| [line, "\n"])
        .collect();
    code.match_indices("crate::")
        .map(|(at, _)| {
            let rest = &code[at + "crate::".len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            rest[..end].to_owned()
        })
        .collect()
}

/// `(user, used)` pairs where a module uses one of a higher layer, or one not in `LAYERS`.
fn violations(src: &Path) -> Vec<String> {
    let mut found = Vec::new();
    rust_files(src, &mut found);
    let mut problems = Vec::new();
    for file in found {
        let relative = file.strip_prefix(src).unwrap();
        let module = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        let Some(level) = LAYERS.iter().position(|layer| *layer == module) else {
            continue; // lib.rs and private.rs are the facade, above every layer
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for used in crate_paths(&text) {
            match LAYERS.iter().position(|layer| *layer == used) {
                Some(used_level) if used_level <= level => {}
                _ => problems.push(format!("{} uses crate::{used}", relative.display())),
            }
        }
    }
    problems
}

#[test]
fn runtime_modules_only_use_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("webhooks-runtime/src");
    let problems = violations(&src);
    assert!(
        problems.is_empty(),
        "modules using a higher layer (see ARCHITECTURE.md):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_check_reads_crate_paths() {
    let paths = crate_paths(
        "use crate::web::router::Router;\n/// [`run`](crate::run())\nlet x = crate::answers::NOT_FOUND;",
    );
    assert_eq!(
        paths.into_iter().collect::<Vec<_>>(),
        ["answers".to_owned(), "web".to_owned()]
    );
}
