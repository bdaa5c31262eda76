//! The journal on a real PostgreSQL (a throwaway cluster per test): the conformance suite every
//! store passes, and what is PostgreSQL's own: migrations by several processes at once, a
//! database from a newer version refused, errors that name the database but not the password.

use crate::common;

use common::postgres::Cluster;
use webhooks_runtime::deliveries::{JournalErrorKind, PostgresJournal};

#[test]
fn the_postgres_journal_conforms() {
    let Some(cluster) = Cluster::start("the_postgres_journal_conforms") else {
        return;
    };
    webhooks_runtime::testing::check_journal(|| {
        Box::new(PostgresJournal::connect(&cluster.new_database()).unwrap())
    });
}

#[test]
fn journals_opened_at_once_on_an_empty_database_all_migrate_and_a_newer_schema_is_refused() {
    let Some(cluster) = Cluster::start("journals_opened_at_once_on_an_empty_database") else {
        return;
    };
    let url = cluster.new_database();
    let opened: Vec<Result<PostgresJournal, String>> = std::thread::scope(|scope| {
        let openings: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| PostgresJournal::connect(&url).map_err(|e| e.to_string())))
            .collect();
        openings.into_iter().map(|o| o.join().unwrap()).collect()
    });
    for journal in &opened {
        assert!(journal.is_ok(), "{journal:?}");
    }
    let database = url.rsplit('/').next().unwrap().split('?').next().unwrap();
    assert_eq!(
        cluster.sql(
            database,
            "SELECT string_agg(version::text, ',') FROM webhooks_journal_schema"
        ),
        "2",
        "one schema row, at the latest version"
    );
    drop(opened);

    cluster.sql(database, "UPDATE webhooks_journal_schema SET version = 99");
    let error = PostgresJournal::connect(&url).unwrap_err();
    assert_eq!(error.kind(), JournalErrorKind::SchemaTooNew);
    let error = error.to_string();
    assert!(
        error.contains("written by a newer version of webhooks-runtime (journal schema 99; this one knows up to 2)"),
        "{error}"
    );
}

#[test]
fn a_refused_connection_names_the_database_and_never_the_password() {
    let Some(cluster) = Cluster::start("a_refused_connection_names_the_database") else {
        return;
    };
    let url = cluster
        .url("no_such_database")
        .replace("webhooks@", "webhooks:hunter2@");
    let error = PostgresJournal::connect(&url).unwrap_err();
    assert_eq!(error.kind(), JournalErrorKind::Unavailable);
    let error = error.to_string();
    assert!(
        error.contains("cannot use PostgreSQL at webhooks@127.0.0.1:")
            && error.contains("/no_such_database"),
        "{error}"
    );
    assert!(
        error.contains("does not exist"),
        "what PostgreSQL said: {error}"
    );
    assert!(!error.contains("hunter2"), "{error}");

    // A wrong password, checked by the server (SCRAM): said, and not repeated.
    cluster.role_with_password("hubbot", "right-horse-battery");
    let wrong = cluster
        .url("postgres")
        .replace("webhooks@", "hubbot:wrong-staple@");
    let error = PostgresJournal::connect(&wrong).unwrap_err().to_string();
    assert!(
        error.contains("cannot use PostgreSQL at hubbot@127.0.0.1:")
            && error.contains("password authentication failed for user \"hubbot\""),
        "{error}"
    );
    assert!(!error.contains("wrong-staple"), "{error}");
}

#[test]
fn tls_checks_the_server_certificate_against_the_authority_given() {
    let Some(cluster) = Cluster::start_with_tls("tls_checks_the_server_certificate") else {
        return;
    };
    cluster.sql("postgres", "CREATE DATABASE over_tls");
    let url = cluster.tls_url("over_tls");
    let unknown = PostgresJournal::connect(&url).unwrap_err().to_string();
    assert!(
        unknown.contains("cannot use PostgreSQL at webhooks@localhost:")
            && unknown.to_lowercase().contains("certificate"),
        "a certificate from an unknown authority is refused: {unknown}"
    );
    let authority = cluster.authority();
    let trusted = format!(
        "{url}&sslrootcert={}",
        authority.to_str().unwrap().replace('/', "%2F")
    );
    let journal = PostgresJournal::connect(&trusted).unwrap();
    let encrypted: u32 = cluster
        .sql(
            "over_tls",
            "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE ssl AND datname = 'over_tls'",
        )
        .parse()
        .unwrap();
    assert!(encrypted >= 1, "the journal's connection is encrypted");
    drop(journal);
}
