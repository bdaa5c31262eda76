//! The files of an embedded journal: its private folder and file, the lock that keeps a data
//! dir to one process, and the check that the file was not deleted or replaced meanwhile.

use std::path::{Path, PathBuf};

use super::JournalError;
use crate::error::JournalErrorKind;

/// Takes `dir`'s lock file, held for as long as the returned file is open: a second process on the
/// same journal would requeue and run the first one's deliveries. The operating system releases
/// it when the process ends, however it ends.
pub(super) fn lock_dir(dir: &Path) -> Result<std::fs::File, JournalError> {
    let path = dir.join("deliveries.lock");
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&path).map_err(|e| {
        JournalError::new(format!("cannot create {}", path.display())).with_source(e)
    })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(JournalError::new(format!(
            "another process is using the delivery journal in {}: give each server process its own WEBHOOKS_DATA_DIR (or .data_dir(..))",
            dir.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(JournalError::new(format!("cannot lock {}", path.display())).with_source(e))
        }
    }
}

/// A file's identity: device and inode where the platform has them.
pub(super) type FileId = (u64, u64);

pub(super) fn file_id(path: &Path) -> Option<FileId> {
    let metadata = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        Some((metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        Some((0, u64::from(metadata.is_file())))
    }
}

/// Creates `dir` readable by its owner only (`0700`); an existing folder is left as it is.
pub(super) fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates the database file readable by its owner only (`0600`), or makes an existing one so:
/// it holds every delivery's body. (SQLite gives its `-wal` and `-shm` files the same mode.)
pub(super) fn private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    drop(file);
    Ok(())
}

/// A journal's file and which file it was when opened: deleting or replacing it while the server
/// runs would lose what is written after, so writes check it first.
pub(super) struct OpenedFile {
    path: PathBuf,
    opened: Option<FileId>,
}

impl OpenedFile {
    /// The file at `path`, as it is now.
    pub(super) fn at(path: PathBuf) -> Self {
        let opened = file_id(&path);
        OpenedFile { path, opened }
    }

    /// An error when the file is not the one opened any more (deleted, moved, or replaced): the
    /// store would go on writing to the old one, and what it writes would be lost.
    pub(super) fn still_there(&self) -> Result<(), JournalError> {
        if file_id(&self.path) == self.opened {
            Ok(())
        } else {
            Err(JournalError::new(format!(
                "{} was deleted or replaced while the server runs: what is written now would be lost; restart the server to open a journal there again",
                self.path.display()
            )))
        }
    }
}

/// The error of a journal file that could not be set up. When the store says the file is damaged
/// (`corrupt`), it says how to move it aside, then `recovery` (how to get deliveries back from it,
/// or nothing).
pub(super) fn set_up_failed(
    path: &Path,
    corrupt: bool,
    recovery: &str,
    source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> JournalError {
    let (advice, kind) = if corrupt {
        (
            format!(
                " (the file is damaged: move it aside to start with an empty journal, e.g. `mv {0} {0}.damaged`{recovery})",
                path.display()
            ),
            JournalErrorKind::Corrupt,
        )
    } else {
        (String::new(), JournalErrorKind::Other)
    };
    JournalError::new(format!("cannot set up {}{advice}", path.display()))
        .with_kind(kind)
        .with_source(source)
}

/// The error of a journal file written by a newer version, with a schema (`version`) above the
/// one this code knows (`known`): its tables would be misread.
pub(super) fn schema_too_new(
    path: &Path,
    version: impl std::fmt::Display,
    known: u64,
) -> JournalError {
    JournalError::new(format!(
        "{} was written by a newer version of webhooks-runtime (journal schema {version}; this one knows up to {known}): run that version, or point WEBHOOKS_DATA_DIR elsewhere",
        path.display()
    ))
    .with_kind(JournalErrorKind::SchemaTooNew)
}
