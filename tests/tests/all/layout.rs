//! The runtime's top-level modules form layers along the data path (ARCHITECTURE.md): each uses
//! only the modules listed before it, so there is no cycle between them. Below them, no two files
//! use each other, directly or around a longer circle (a file using its parent `mod.rs` aside).

use crate::common;
use std::collections::{BTreeMap, BTreeSet};

use std::path::Path;

use common::rust_files;

/// `webhooks-runtime/src`'s top-level modules, lowest layer first.
const LAYERS: &[&str] = &[
    "hub", "answers", "error", "limits", "tasks", "endpoint", "delivery", "ops", "web", "server",
    "testing",
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

/// `webhooks-runtime/src`.
fn runtime_src() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("webhooks-runtime/src")
}

#[test]
fn runtime_modules_only_use_lower_layers() {
    let src = runtime_src();
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

/// The code of `text`, comments and the unit tests' module left out.
fn code_of(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .flat_map(|line| [line, "\n"])
        .collect()
}

/// The module paths a file's code names: `crate::a::b::c`, each item of `crate::a::{b, c::d}`, and
/// `super::b` (as seen from `parent`).
fn named_paths(code: &str, parent: &str) -> Vec<String> {
    let is_path_char = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    let mut paths = Vec::new();
    for (prefix, base) in [("crate::", String::new()), ("super::", parent.to_owned())] {
        for (at, _) in code.match_indices(prefix) {
            if code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
                continue; // `self::super::`, `a::crate::` are not paths from the root
            }
            let rest = &code[at + prefix.len()..];
            let end = rest.find(|c| !is_path_char(c)).unwrap_or(rest.len());
            let path = rest[..end].trim_end_matches(':');
            let joined = |tail: &str| {
                [base.as_str(), tail]
                    .iter()
                    .filter(|part| !part.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join("::")
            };
            paths.push(joined(path));
            if rest[end..].starts_with('{') {
                let group = &rest[end + 1
                    ..rest[end..]
                        .find('}')
                        .map_or(rest.len(), |close| end + close)];
                for item in group.split(',') {
                    let item = item.trim().trim_start_matches('{');
                    if !item.is_empty() {
                        paths.push(joined(&format!("{path}::{item}")));
                    }
                }
            }
        }
    }
    paths
}

/// Each file's module (`delivery::record`; `mod.rs` is its folder's module) and the modules of
/// the other files it uses, its own ancestors left out.
fn file_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut found = Vec::new();
    rust_files(src, &mut found);
    let module_of = |file: &Path| {
        let relative = file.strip_prefix(src).unwrap().with_extension("");
        let parts: Vec<String> = relative
            .components()
            .map(|part| part.as_os_str().to_string_lossy().into_owned())
            .filter(|part| part != "mod" && part != "lib")
            .collect();
        parts.join("::")
    };
    let modules: BTreeSet<String> = found.iter().map(|file| module_of(file)).collect();
    let longest_module = |path: &str| {
        let parts: Vec<&str> = path.split("::").collect();
        (1..=parts.len())
            .rev()
            .map(|len| parts[..len].join("::"))
            .find(|candidate| modules.contains(candidate))
    };
    let mut graph = BTreeMap::new();
    for file in &found {
        let module = module_of(file);
        // `super` is the folder's module for a file, and the folder's parent for a `mod.rs`: the
        // module path without its last part, either way.
        let parent = module
            .rsplit_once("::")
            .map_or("", |(parent, _)| parent)
            .to_owned();
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        let used: BTreeSet<String> = named_paths(&code, &parent)
            .iter()
            .filter_map(|path| longest_module(path))
            .filter(|used| *used != module && !module.starts_with(&format!("{used}::")))
            .filter(|used| !used.is_empty())
            .collect();
        graph.insert(module, used);
    }
    graph
}

/// The circles of `graph`: its strongly connected components of more than one module.
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Kosaraju: finish order on the graph, then components on the reversed graph.
    fn finish<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        seen: &mut BTreeSet<&'a str>,
        order: &mut Vec<&'a str>,
    ) {
        if !seen.insert(node) {
            return;
        }
        for next in graph.get(node).into_iter().flatten() {
            finish(next, graph, seen, order);
        }
        order.push(node);
    }
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    for node in graph.keys() {
        finish(node, graph, &mut seen, &mut order);
    }
    let mut reversed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in graph {
        for to in tos {
            reversed.entry(to.clone()).or_default().insert(from.clone());
        }
    }
    let mut assigned = BTreeSet::new();
    let mut found = Vec::new();
    for node in order.into_iter().rev() {
        let mut component = Vec::new();
        finish(node, &reversed, &mut assigned, &mut component);
        if component.len() > 1 {
            component.sort();
            found.push(component.into_iter().map(str::to_owned).collect());
        }
    }
    found
}

#[test]
fn no_two_runtime_files_use_each_other() {
    let src = runtime_src();
    let graph = file_graph(&src);
    assert!(
        graph.len() > 50 && graph["delivery::record"].contains("delivery::journal"),
        "the check reads the files: {graph:?}"
    );
    let found = circles(&graph);
    assert!(found.is_empty(), "files that use each other: {found:?}");
}

#[test]
fn the_circle_check_finds_a_circle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", &["b"][..]),
        ("b", &["c"][..]),
        ("c", &["a"][..]),
        ("d", &["a"][..]),
    ]
    .into_iter()
    .map(|(from, tos)| {
        (
            from.to_owned(),
            tos.iter().map(|to| (*to).to_owned()).collect(),
        )
    })
    .collect();
    assert_eq!(circles(&graph), [["a", "b", "c"]]);
    let paths = named_paths(
        "use crate::delivery::{journal::Stored, record};\nuse super::keys::Key;",
        "delivery::journal",
    );
    assert_eq!(
        paths,
        [
            "delivery",
            "delivery::journal::Stored",
            "delivery::record",
            "delivery::journal::keys::Key"
        ]
    );
}
