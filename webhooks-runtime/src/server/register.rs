//! The server registers itself on the Hub (feature `hub`): one webhook per endpoint path, made
//! to match before the server says it is ready.

use webhooks_core::EventFilter;

use crate::endpoint::route::{Route, Routes};
use crate::error::Error;
use crate::hub::{DesiredWebhook, Domain, HubClient, Token, WatchedItem};
use crate::server::env::Env;
use crate::web::secret::Secret;

/// What to register, and with which client, resolved when the server is built.
#[derive(Debug, Clone)]
pub(crate) struct HubRegistration {
    pub(crate) watched: Vec<WatchedItem>,
    pub(crate) client: HubClient,
    /// The server's public base URL, without a trailing `/`.
    pub(crate) public_url: String,
}

/// The registration asked for, if any: the builder's watched list, else `WEBHOOKS_HUB_WATCH`;
/// its client, else one with the token and endpoint found in `env`. None when started as a Hub
/// Job (`WEBHOOK_PAYLOAD` set): a Job handles one delivery and never serves, and the image a
/// Space runs may also run as its Job, with the Space's variables but no public URL.
pub(crate) fn resolve(
    watched: Option<Vec<WatchedItem>>,
    client: Option<HubClient>,
    public_url: Option<&str>,
    env: Env<'_>,
) -> Result<Option<HubRegistration>, Error> {
    if env(crate::server::job::JOB_PAYLOAD_VARIABLE).is_some() {
        return Ok(None);
    }
    let watched = match watched {
        Some(watched) => watched,
        None => match env("WEBHOOKS_HUB_WATCH").filter(|value| !value.trim().is_empty()) {
            Some(value) => {
                crate::hub::parse_watched_list(&value).map_err(|error| Error::Config {
                    variable: "WEBHOOKS_HUB_WATCH",
                    value: value.clone(),
                    reason: error.to_string(),
                })?
            }
            None => return Ok(None),
        },
    };
    let Some(public_url) = public_url else {
        return Err(Error::Config {
            variable: "WEBHOOKS_PUBLIC_URL",
            value: String::new(),
            reason: "registering the webhooks on the Hub (WEBHOOKS_HUB_WATCH) needs the URL the Hub reaches this server at: set WEBHOOKS_PUBLIC_URL (on a Space, SPACE_HOST gives it)".to_owned(),
        });
    };
    let client = match client {
        Some(client) => client,
        None => {
            let token = Token::discover(env).map_err(|source| Error::HubRegistration {
                during: "finding a token".to_owned(),
                source,
            })?;
            HubClient::new_at(token, &env("HF_ENDPOINT").unwrap_or_default())
        }
    };
    Ok(Some(HubRegistration {
        watched,
        client,
        public_url: public_url.trim_end_matches('/').to_owned(),
    }))
}

/// Applies one webhook per endpoint path; returns the lines saying what it did.
pub(crate) async fn register(
    registration: &HubRegistration,
    routes: &Routes,
    secret: Option<&Secret>,
) -> Result<Vec<String>, Error> {
    let mut lines = Vec::new();
    for group in routes.by_path() {
        if group[0].mode.is_relay() {
            lines.push(
                "Hub: not registered: a relay takes any path; register its URL with `hf-webhooks hub apply`"
                    .to_owned(),
            );
            continue;
        }
        let url = format!("{}{}", registration.public_url, group[0].route_path);
        let mut desired =
            DesiredWebhook::new(&url, registration.watched.clone()).domains(domains_for(group));
        if let Some(secret) = secret {
            desired = desired.secret(secret.reveal());
        }
        let applied = registration
            .client
            .apply_webhook(&desired)
            .await
            .map_err(|source| Error::HubRegistration {
                during: url.clone(),
                source,
            })?;
        let line = format!("Hub: {applied} for {url}");
        tracing::info!("{line}");
        lines.push(line);
    }
    Ok(lines)
}

/// The domains the endpoints at one path need: `discussion` only when a filter takes discussion
/// scopes, `repo` only when one takes repo scopes, both when any endpoint takes every scope.
fn domains_for(group: &[Route]) -> Vec<Domain> {
    let mut domains = Vec::new();
    for route in group {
        for domain in domains_of(&route.filter) {
            if !domains.contains(&domain) {
                domains.push(domain);
            }
        }
    }
    domains.sort();
    domains
}

fn domains_of(filter: &EventFilter) -> Vec<Domain> {
    match filter.wanted_scope() {
        Some(scope) if scope == "repo" || scope.starts_with("repo.") => vec![Domain::Repo],
        Some(scope) if scope == "discussion" || scope.starts_with("discussion.") => {
            vec![Domain::Discussion]
        }
        _ => Domain::ALL.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filters_scope_chooses_its_domain_and_no_scope_takes_both() {
        assert_eq!(
            domains_of(&EventFilter::new().scope("repo.content")),
            [Domain::Repo]
        );
        assert_eq!(
            domains_of(&EventFilter::new().scope("discussion.comment")),
            [Domain::Discussion]
        );
        assert_eq!(
            domains_of(&EventFilter::new().repo_types(&["dataset"])),
            Domain::ALL
        );
    }
}
