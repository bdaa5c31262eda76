//! Random mutations of real Hub bodies never panic the parser, and whatever parses round-trips.

use crate::common;

use proptest::prelude::*;
use webhooks_core::WebhookPayload;

fn fixtures() -> Vec<Vec<u8>> {
    common::json_files(&common::fixtures_dir())
        .into_iter()
        .map(|(_, body)| body)
        .collect()
}

/// A change to a body: overwrite, insert or delete a byte, or cut the body short.
#[derive(Debug, Clone)]
enum Mutation {
    Overwrite(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Overwrite(at, byte)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Insert(at, byte)),
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(body: &mut Vec<u8>, mutation: &Mutation) {
    if body.is_empty() {
        return;
    }
    match *mutation {
        Mutation::Overwrite(at, byte) => {
            let at = at % body.len();
            body[at] = byte;
        }
        Mutation::Insert(at, byte) => body.insert(at % (body.len() + 1), byte),
        Mutation::Delete(at) => {
            body.remove(at % body.len());
        }
        Mutation::Truncate(at) => body.truncate(at % body.len()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn mutated_fixtures_never_panic(index in any::<usize>(), mutations in prop::collection::vec(mutation(), 1..8)) {
        let all = fixtures();
        let mut body = all[index % all.len()].clone();
        for mutation in &mutations {
            apply(&mut body, mutation);
        }
        match WebhookPayload::from_slice(&body) {
            Ok(payload) => {
                let written = serde_json::to_vec(&payload).unwrap();
                prop_assert_eq!(WebhookPayload::from_slice(&written).unwrap(), payload);
            }
            Err(err) => prop_assert!(!err.to_string().is_empty()),
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = WebhookPayload::from_slice(&body);
    }
}
