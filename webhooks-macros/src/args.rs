//! The attribute's arguments.

use syn::parse::{Parse, ParseStream};
use syn::{Expr, ExprLit, Ident, Lit, LitStr, Token};

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
}

const ACCEPTED: &str = "accepted: a path string such as `\"say_hello\"`, `path = \"say_hello\"`, `background`, or `crate = \"renamed_webhooks_runtime\"`";

// Accepts, in any combination, separated by commas:
//   "path"
//   path = "path"
//   background
//   crate = "path::to::webhooks_runtime"
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
                "path" | "crate" => format!("expected `= \"…\"` after `{key}`"),
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

fn string_literal(value: &Expr) -> Option<LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(literal),
            ..
        }) => Some(literal.clone()),
        _ => None,
    }
}
