//! The first paragraph of a function's doc comment, for the landing page and the OpenAPI
//! document: plain text, without rustdoc's link syntax.

use syn::{Attribute, Expr, ExprLit, Lit, Meta};

/// The first paragraph of the `///` comments (or `#[doc = "…"]` attributes) on one line.
pub(crate) fn first_paragraph(attrs: &[Attribute]) -> String {
    let lines = attrs.iter().filter_map(|attr| match &attr.meta {
        Meta::NameValue(meta) if meta.path.is_ident("doc") => match &meta.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(text),
                ..
            }) => Some(text.value()),
            _ => None,
        },
        _ => None,
    });
    let mut paragraph = Vec::new();
    for line in lines.flat_map(|text| text.split('\n').map(str::to_owned).collect::<Vec<_>>()) {
        let line = line.trim();
        if line.is_empty() {
            if paragraph.is_empty() {
                continue;
            }
            break;
        }
        paragraph.push(line.to_owned());
    }
    without_links(&paragraph.join(" "))
}

/// `[text](target)`, `[text][target]` and intra-doc `[text]` become `text`: a reader of the landing
/// page or of `/openapi.json` cannot follow rustdoc's links.
fn without_links(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']').map(|at| open + at) else {
            break;
        };
        plain.push_str(&rest[..open]);
        plain.push_str(&rest[open + 1..close]);
        rest = &rest[close + 1..];
        for (opening, closing) in [('(', ')'), ('[', ']')] {
            if rest.starts_with(opening) {
                if let Some(end) = rest.find(closing) {
                    rest = &rest[end + 1..];
                }
                break;
            }
        }
    }
    plain.push_str(rest);
    plain
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn stops_at_the_first_blank_line_and_joins_lines() {
        let item: syn::ItemFn = parse_quote! {
            ///
            /// Retrain the model
            /// when the dataset changes.
            ///
            /// Details nobody needs on the landing page.
            fn f() {}
        };
        assert_eq!(
            first_paragraph(&item.attrs),
            "Retrain the model when the dataset changes."
        );
    }

    #[test]
    fn links_keep_only_their_text() {
        let item: syn::ItemFn = parse_quote! {
            /// Answers [`WebhookPayload`]s, see [the Hub](https://hf.co/docs) and [`Json`][json], [x].
            fn f() {}
        };
        assert_eq!(
            first_paragraph(&item.attrs),
            "Answers `WebhookPayload`s, see the Hub and `Json`, x."
        );
    }

    #[test]
    fn undocumented_is_empty() {
        let item: syn::ItemFn = parse_quote! { #[inline] fn f() {} };
        assert_eq!(first_paragraph(&item.attrs), "");
    }
}
