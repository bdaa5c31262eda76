//! Checking the annotated item, producing the model `expand` writes code from.

use proc_macro2::Span;
use quote::ToTokens;
use syn::{FnArg, Ident, Item, ItemFn, Type};

use crate::args::{EndpointArgs, FilterArgs};
use crate::doc;
use crate::errors::Errors;

/// An endpoint that passed every check.
pub(crate) struct CheckedEndpoint {
    /// The user's function, emitted unchanged.
    pub(crate) function: ItemFn,
    /// The normalized path under `/webhooks/`.
    pub(crate) path: String,
    /// The first paragraph of the function's doc comment.
    pub(crate) doc: String,
    /// The argument types, in order.
    pub(crate) arg_types: Vec<Type>,
    /// The path of the `webhooks_runtime` crate.
    pub(crate) krate: syn::Path,
    /// Whether the handler runs in the background.
    pub(crate) background: bool,
    /// The events it handles.
    pub(crate) filter: FilterArgs,
}

/// Argument types that are the same value however many times they are taken.
const SINGLE_USE_KINDS: [&str; 4] = ["WebhookPayload", "WebhookRequest", "HeaderMap", "Bytes"];

pub(crate) fn check(args: EndpointArgs, item: Item) -> syn::Result<CheckedEndpoint> {
    let function = match item {
        Item::Fn(function) => function,
        other => {
            return Err(syn::Error::new(
                item_keyword_span(&other),
                "`#[webhook_endpoint]` goes on a free function, e.g. `async fn handler(payload: WebhookPayload) { … }`",
            ));
        }
    };
    let mut errors = Errors::default();
    check_signature(&function, &mut errors);
    let arg_types = check_arguments(&function, &mut errors);
    let path = endpoint_path(args.path.as_ref(), &function.sig.ident, &mut errors);
    let krate = args
        .krate
        .unwrap_or_else(|| syn::parse_quote!(::webhooks_runtime));
    let doc = doc::first_paragraph(&function.attrs);
    let background = args.background.is_some();
    let filter = args.filter;
    errors.finish(CheckedEndpoint {
        filter,
        function,
        path,
        doc,
        arg_types,
        krate,
        background,
    })
}

fn check_signature(function: &ItemFn, errors: &mut Errors) {
    let sig = &function.sig;
    if let Some(token) = &sig.constness {
        errors.at(
            token,
            "a webhook endpoint cannot be a `const fn`; remove `const`",
        );
    }
    if let syn::Safety::Unsafe(token) = &sig.safety {
        errors.at(
            token,
            "a webhook endpoint cannot be an `unsafe fn`; put the `unsafe` block inside the body",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.at(
            abi,
            "a webhook endpoint cannot be an `extern fn`; remove the ABI",
        );
    }
    if !sig.generics.params.is_empty() {
        errors.at(&sig.generics, "a webhook endpoint cannot be generic; use concrete argument types such as `Json<MyBody>`");
    }
    if let Some(clause) = &sig.generics.where_clause {
        errors.at(
            clause,
            "a webhook endpoint cannot have a `where` clause; use concrete argument types",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.at(variadic, "a webhook endpoint cannot be variadic");
    }
}

fn check_arguments(function: &ItemFn, errors: &mut Errors) -> Vec<Type> {
    let mut seen: Vec<&Ident> = Vec::new();
    let mut types = Vec::new();
    for input in &function.sig.inputs {
        let typed = match input {
            FnArg::Receiver(receiver) => {
                errors.at(
                    receiver,
                    "a webhook endpoint cannot take `self`; make it a free function outside the `impl` block",
                );
                continue;
            }
            FnArg::Typed(typed) => typed,
        };
        if let Type::ImplTrait(impl_trait) = &*typed.ty {
            errors.at(
                impl_trait,
                "a webhook endpoint cannot be generic: `impl Trait` arguments are not allowed; name the type",
            );
            continue;
        }
        if let Some(kind) = single_use_kind(&typed.ty) {
            if seen.contains(&kind) {
                errors.at(
                    &typed.ty,
                    format!("`{kind}` is already an argument of this endpoint; taking it twice gives the same value, keep one"),
                );
            } else {
                seen.push(kind);
            }
        }
        types.push((*typed.ty).clone());
    }
    types
}

/// The last segment's name, when the type is one that makes no sense to take twice.
fn single_use_kind(ty: &Type) -> Option<&Ident> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    SINGLE_USE_KINDS
        .iter()
        .any(|kind| last.ident == kind)
        .then_some(&last.ident)
}

fn endpoint_path(given: Option<&syn::LitStr>, name: &Ident, errors: &mut Errors) -> String {
    let (raw, span) = match given {
        Some(literal) => (literal.value(), literal.span()),
        None => (
            name.to_string().trim_start_matches("r#").to_owned(),
            name.span(),
        ),
    };
    match webhooks_rules::path::normalize(&raw) {
        Ok(path) => path,
        Err(message) if given.is_none() => {
            errors.push(syn::Error::new(
                span,
                format!("{message}; or give a path: `#[webhook_endpoint(\"name\")]`"),
            ));
            String::new()
        }
        Err(message) => {
            errors.push(syn::Error::new(span, message));
            String::new()
        }
    }
}

/// The keyword that says what the item is, so the error points at `struct` rather than the
/// whole item.
fn item_keyword_span(item: &Item) -> Span {
    fn first_token(tokens: impl ToTokens) -> Span {
        tokens
            .into_token_stream()
            .into_iter()
            .next()
            .map_or_else(Span::call_site, |token| token.span())
    }
    match item {
        Item::Struct(item) => item.struct_token.span,
        Item::Enum(item) => item.enum_token.span,
        Item::Impl(item) => item.impl_token.span,
        Item::Mod(item) => item.mod_token.span,
        Item::Const(item) => item.const_token.span,
        Item::Static(item) => item.static_token.span,
        Item::Trait(item) => item.trait_token.span,
        Item::Type(item) => item.type_token.span,
        Item::Use(item) => item.use_token.span,
        other => first_token(other),
    }
}
