//! `Json<T>`: a body parsed into, or a response serialized from, any serde type.

/// A JSON body of your own type.
///
/// As a handler argument, the body is parsed into `T` (a 422 naming the field when it does not
/// fit); as a return value, `T` is serialized with `content-type: application/json`.
///
/// ```
/// use webhooks_core::Json;
///
/// #[derive(serde::Deserialize)]
/// struct OnlyTheScope { event: Event }
/// #[derive(serde::Deserialize)]
/// struct Event { scope: String }
///
/// fn handler(Json(body): Json<OnlyTheScope>) -> Json<String> {
///     Json(body.event.scope)
/// }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);
