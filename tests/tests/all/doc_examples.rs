//! Every public type and function of the published crates carries a compiling example in its doc
//! comment (`cargo test --doc` compiles and runs them; this test makes sure none is missing),
//! except plain accessors (`fn name(&self) -> T` returning a field in one line) and constants,
//! whose one-line doc says it all. Stable rustdoc has no lint for it (`missing_doc_code_examples`
//! is nightly-only), so the sources are read.

use crate::common;

use std::path::Path;

use common::rust_files;

/// Items exempt: not public API (hidden from the docs).
const HIDDEN: &[(&str, &str)] = &[
    ("webhooks-runtime/src/endpoint/handler.rs", "start_async"),
    ("webhooks-runtime/src/endpoint/handler.rs", "run_blocking"),
    ("webhooks-core/src/lib.rs", "repo"),
];

const PUBLIC_ITEM_KINDS: &[&str] = &[
    "pub fn ",
    "pub async fn ",
    "pub const fn ",
    "pub struct ",
    "pub enum ",
    "pub trait ",
    "pub type ",
];

/// Whether the function declared at `index` is a plain accessor: `&self` alone, and a body of one
/// line.
fn is_plain_accessor(lines: &[&str], index: usize) -> bool {
    let declaration = lines[index];
    declaration.contains("(&self)")
        && declaration.trim_end().ends_with('{')
        && lines.get(index + 2).is_some_and(|line| line.trim() == "}")
}

/// The name of the public item declared on `line`, if any.
fn public_item(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let rest = PUBLIC_ITEM_KINDS
        .iter()
        .find_map(|kind| line.strip_prefix(kind))?;
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// The doc comment and attributes right above line `index`, skipping multi-line attributes.
fn doc_above(lines: &[&str], index: usize) -> Vec<String> {
    let mut doc = Vec::new();
    let mut at = index;
    while at > 0 {
        at -= 1;
        let line = lines[at].trim();
        if line.starts_with("///") || line.starts_with("#[") {
            doc.push(line.to_owned());
        } else if line.is_empty() || line.ends_with('}') || line.ends_with(';') {
            break;
        }
    }
    doc
}

/// Public items without a code example in their doc comment, as `file:line name`.
fn items_without_examples(root: &Path, crate_dir: &str) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&root.join(crate_dir).join("src"), &mut files);
    let mut missing = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let relative = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let lines: Vec<&str> = text.lines().collect();
        for (index, line) in lines.iter().enumerate() {
            if line.trim() == "#[cfg(test)]" {
                break; // unit tests sit at the end of a file
            }
            let Some(name) = public_item(line) else {
                continue;
            };
            // An empty name is a `macro_rules!` pattern (`pub enum $name`), checked where it is used.
            if name.is_empty()
                || name.starts_with("__")
                || HIDDEN.contains(&(relative.as_str(), name))
            {
                continue;
            }
            if is_plain_accessor(&lines, index) {
                continue;
            }
            let doc = doc_above(&lines, index);
            if doc.iter().any(|line| line.contains("#[doc(hidden)]")) {
                continue;
            }
            if !doc.iter().any(|line| line.contains("```")) {
                missing.push(format!("{relative}:{} {name}", index + 1));
            }
        }
    }
    missing
}

#[test]
fn every_public_item_has_a_doc_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut missing = Vec::new();
    for crate_dir in [
        "webhooks-rules",
        "webhooks-core",
        "webhooks-runtime",
        "webhooks-macros",
    ] {
        missing.extend(items_without_examples(root, crate_dir));
    }
    assert!(
        missing.is_empty(),
        "public items without a doc example:\n{}",
        missing.join("\n")
    );
}

#[test]
fn plain_accessors_need_no_example_but_other_methods_do() {
    let accessor = [
        "    pub fn path(&self) -> &str {",
        "        &self.path",
        "    }",
    ];
    assert!(is_plain_accessor(&accessor, 0));
    let computed = [
        "    pub fn route(&self) -> String {",
        "        let prefix = ROUTE_PREFIX;",
        "        format!(\"{prefix}{}\", self.path)",
        "    }",
    ];
    assert!(!is_plain_accessor(&computed, 0));
    let with_argument = [
        "    pub fn get(&self, id: Id) -> &Route {",
        "        &self.all[id]",
        "    }",
    ];
    assert!(!is_plain_accessor(&with_argument, 0));
}

#[test]
fn the_check_finds_an_item_without_an_example() {
    let lines = ["/// Documented, but no example.", "pub fn bare() {}"];
    assert_eq!(public_item(lines[1]), Some("bare"));
    assert!(!doc_above(&lines, 1).iter().any(|line| line.contains("```")));
}
