//! The attribute's arguments.

use syn::parse::{Parse, ParseStream};
use syn::{Expr, ExprLit, Ident, Lit, LitStr, Token};

use webhooks_rules::filter::{self, FilterKey};

use crate::errors::Errors;

/// What the attribute was given.
#[derive(Default)]
pub(crate) struct EndpointArgs {
    /// The path, as written, when one was given.
    pub(crate) path: Option<LitStr>,
    /// The path of the `webhooks_runtime` crate, when renamed.
    pub(crate) krate: Option<syn::Path>,
    /// `background`: journal the delivery, answer 202, run the handler afterwards.
    pub(crate) background: Option<Ident>,
    /// The events the endpoint handles.
    pub(crate) filter: FilterArgs,
}

/// `scope = …`, `action = …`, `repo_type = …`, `repo = …`, `updated_ref = …`, `filter = path`.
#[derive(Default)]
pub(crate) struct FilterArgs {
    pub(crate) scope: Option<LitStr>,
    pub(crate) actions: Vec<LitStr>,
    pub(crate) repo_types: Vec<LitStr>,
    pub(crate) repos: Vec<LitStr>,
    pub(crate) updated_refs: Vec<LitStr>,
    pub(crate) function: Option<syn::Path>,
}

const ACCEPTED: &str = "accepted: a path string such as `\"say_hello\"`, `path = \"say_hello\"`, `background`, `crate = \"renamed_webhooks_runtime\"`, and the event filters `scope`, `action`, `repo_type`, `repo`, `updated_ref`, `filter`";

// Accepts, in any combination, separated by commas:
//   "path"
//   path = "path"
//   background
//   crate = "path::to::webhooks_runtime"
//   scope = "repo.content"
//   action = "update" | action = ["create", "delete"]   (so do repo_type, repo, updated_ref)
//   filter = path::to::function
// Every problem is reported, each at its own tokens.
impl Parse for EndpointArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = EndpointArgs::default();
        let mut errors = Errors::default();
        while !input.is_empty() {
            if input.peek(LitStr) {
                let literal: LitStr = input.parse()?;
                args.set_path(literal, &mut errors);
            } else if input.peek(Token![crate]) || input.peek(Ident) {
                let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
                if key == "background" && !input.peek(Token![=]) {
                    if args.background.is_some() {
                        errors.at(&key, "`background` is given twice; keep one");
                    }
                    args.background = Some(key);
                } else {
                    args.parse_key_value(key, input, &mut errors)?;
                }
            } else {
                let value: Expr = input.parse()?;
                errors.at(
                    &value,
                    "the path must be a string literal, e.g. `#[webhook_endpoint(\"say_hello\")]`",
                );
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        errors.finish(args)
    }
}

impl EndpointArgs {
    /// `key = value`, after `key`.
    fn parse_key_value(
        &mut self,
        key: Ident,
        input: ParseStream<'_>,
        errors: &mut Errors,
    ) -> syn::Result<()> {
        if !input.peek(Token![=]) {
            let message = match key.to_string().as_str() {
                "path" | "crate" | "scope" | "action" | "repo_type" | "repo" | "updated_ref" => {
                    format!("expected `= \"…\"` after `{key}`")
                }
                "filter" => "expected `= path::to::function` after `filter`".to_owned(),
                name => {
                    format!("the path must be a string literal: `#[webhook_endpoint(\"{name}\")]`")
                }
            };
            return Err(syn::Error::new(key.span(), message));
        }
        input.parse::<Token![=]>()?;
        let value: Expr = input.parse()?;
        match key.to_string().as_str() {
            "path" => match string_literal(&value) {
                Some(literal) => self.set_path(literal, errors),
                None => errors.at(
                    &value,
                    "the path must be a string literal, e.g. `path = \"say_hello\"`",
                ),
            },
            "crate" => self.set_crate(&value, errors),
            "scope" => self.filter.set_scope(&key, &value, errors),
            "action" => set_list(
                &key,
                &value,
                FilterKey::Action,
                &mut self.filter.actions,
                errors,
            ),
            "repo_type" => set_list(
                &key,
                &value,
                FilterKey::RepoType,
                &mut self.filter.repo_types,
                errors,
            ),
            "repo" => set_list(
                &key,
                &value,
                FilterKey::Repo,
                &mut self.filter.repos,
                errors,
            ),
            "updated_ref" => set_list(
                &key,
                &value,
                FilterKey::UpdatedRef,
                &mut self.filter.updated_refs,
                errors,
            ),
            "filter" => self.filter.set_function(&key, value, errors),
            other => errors.at(&key, format!("unknown argument `{other}`; {ACCEPTED}")),
        }
        Ok(())
    }

    fn set_path(&mut self, literal: LitStr, errors: &mut Errors) {
        if self.path.is_some() {
            errors.at(&literal, "the path is given twice; keep one");
        } else {
            self.path = Some(literal);
        }
    }

    fn set_crate(&mut self, value: &Expr, errors: &mut Errors) {
        let parsed = string_literal(value).map(|literal| literal.parse::<syn::Path>());
        match parsed {
            Some(Ok(path)) if self.krate.is_none() => self.krate = Some(path),
            Some(Ok(_)) => errors.at(value, "`crate` is given twice; keep one"),
            Some(Err(_)) | None => errors.at(
                value,
                "`crate` must be a string holding a path, e.g. `crate = \"my_webhooks\"`",
            ),
        }
    }
}

impl FilterArgs {
    fn set_scope(&mut self, key: &Ident, value: &Expr, errors: &mut Errors) {
        if self.scope.is_some() {
            return errors.at(key, "`scope` is given twice; keep one");
        }
        match string_literal(value) {
            Some(literal) => {
                if let Some(problem) = filter::problem(FilterKey::Scope, &literal.value()) {
                    errors.at(&literal, problem);
                }
                self.scope = Some(literal);
            }
            None => errors.at(
                value,
                "`scope` takes one string, e.g. `scope = \"repo.content\"`",
            ),
        }
    }

    fn set_function(&mut self, key: &Ident, value: Expr, errors: &mut Errors) {
        if self.function.is_some() {
            return errors.at(key, "`filter` is given twice; keep one");
        }
        match value {
            Expr::Path(path) if path.qself.is_none() => self.function = Some(path.path),
            other => errors.at(
                &other,
                "`filter` names a function `fn(&WebhookPayload) -> bool`, e.g. `filter = is_main_branch`",
            ),
        }
    }
}

/// `key = "value"` or `key = ["a", "b"]`, each value checked.
fn set_list(
    key: &Ident,
    value: &Expr,
    checked_as: FilterKey,
    values: &mut Vec<LitStr>,
    errors: &mut Errors,
) {
    if !values.is_empty() {
        return errors.at(
            key,
            format!("`{key}` is given twice; list the values once: `{key} = [\"a\", \"b\"]`"),
        );
    }
    let literals: Vec<LitStr> = match value {
        Expr::Array(array) => {
            let mut literals = Vec::new();
            for element in &array.elems {
                match string_literal(element) {
                    Some(literal) => literals.push(literal),
                    None => errors.at(element, format!("`{key}` takes strings")),
                }
            }
            if array.elems.is_empty() {
                errors.at(
                    value,
                    format!("`{key} = []` matches nothing; remove it to take every event"),
                );
            }
            literals
        }
        other => {
            match string_literal(other) {
                Some(literal) => vec![literal],
                None => {
                    return errors.at(
                    other,
                    format!("`{key}` takes a string or a list of strings, e.g. `{key} = [\"a\", \"b\"]`"),
                );
                }
            }
        }
    };
    for literal in &literals {
        if let Some(problem) = filter::problem(checked_as, &literal.value()) {
            errors.at(literal, problem);
        }
    }
    *values = literals;
}

fn string_literal(value: &Expr) -> Option<LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(literal),
            ..
        }) => Some(literal.clone()),
        _ => None,
    }
}
