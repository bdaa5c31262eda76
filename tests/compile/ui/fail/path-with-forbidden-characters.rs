use webhooks_runtime::webhook_endpoint;

#[webhook_endpoint("say hello")]
fn space() {}

#[webhook_endpoint("hello?x=1")]
fn query() {}

#[webhook_endpoint("hello#top")]
fn fragment() {}

#[webhook_endpoint("100%")]
fn percent() {}

#[webhook_endpoint("../admin")]
fn parent() {}

#[webhook_endpoint("a//b")]
fn empty_segment() {}

fn main() {}
