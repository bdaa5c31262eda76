//! What can stop the server from starting or running.

use std::fmt;

/// Why the server could not start or stopped with a failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two or more endpoints share a path. Each clash names both functions and where they are.
    #[error("{}", DuplicateList(.0))]
    DuplicatePaths(Vec<DuplicatePath>),
}

/// Two endpoints registered at the same route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicatePath {
    /// The route both claim, `/webhooks/<path>`.
    pub route: String,
    /// The first endpoint: its function name and `file:line`.
    pub first: (String, String),
    /// The second endpoint: its function name and `file:line`.
    pub second: (String, String),
}

impl fmt::Display for DuplicatePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "two webhook endpoints are registered at {}: `{}` ({}) and `{}` ({}); give one of them another path with #[webhook_endpoint(\"other_name\")]",
            self.route, self.first.0, self.first.1, self.second.0, self.second.1
        )
    }
}

struct DuplicateList<'a>(&'a [DuplicatePath]);

impl fmt::Display for DuplicateList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, duplicate) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{duplicate}")?;
        }
        Ok(())
    }
}
