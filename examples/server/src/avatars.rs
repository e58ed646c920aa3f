//! The uploaded avatars: files in one directory (`AVATAR_DIR`), each named
//! `<32 lowercase hex random>.<png|jpg|gif|webp>`, public at
//! `<PUBLIC_BASE_URL>/avatars/<name>`.
//!
//! A file is written under a temporary name in the same directory (`<name>.part`, which
//! no lookup matches), flushed to disk, then renamed: a reader sees the whole file or
//! none. Only names [`crate::profile::avatar_name_kind`] accepts are ever read or
//! removed, so no request can reach another path. The directory is created on the first
//! upload, so a server that never gets one leaves no trace.

use crate::errors::FileError;
use crate::profile::{avatar_name_kind, ImageKind};
use std::io::ErrorKind;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many uploads may be read at once: each holds up to 1 MiB in memory until its file
/// is written, so 32 cap that at 32 MiB whatever the number of connections.
pub const MAX_UPLOADS: usize = 32;

/// The avatar directory and the base of its public URLs.
#[derive(Debug, Clone)]
pub struct AvatarDir {
    dir: PathBuf,
    public_base: String,
    uploads: Arc<Semaphore>,
}

impl AvatarDir {
    /// Files in `dir`, served under `public_base` (`https://api.example.com`, no trailing
    /// slash).
    pub fn new(dir: impl Into<PathBuf>, public_base: &str) -> Self {
        AvatarDir {
            dir: dir.into(),
            public_base: public_base.trim_end_matches('/').to_string(),
            uploads: Arc::new(Semaphore::new(MAX_UPLOADS)),
        }
    }

    /// A place for one more upload in memory, held until the permit drops; `None` when
    /// [`MAX_UPLOADS`] are being read already (answer 503 and let the client try again).
    pub fn admit(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.uploads).try_acquire_owned().ok()
    }

    /// The public URL of the stored file `name`.
    pub fn url(&self, name: &str) -> String {
        format!("{}/avatars/{name}", self.public_base)
    }

    /// Stores `bytes` (an image of `kind`) under a fresh random name; returns the name.
    pub async fn save(&self, bytes: &[u8], kind: ImageKind) -> Result<String, FileError> {
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| FileError::io("create the directory", &e))?;
        let mut random = [0u8; 16];
        getrandom::fill(&mut random)
            .map_err(|_| FileError("the OS random source failed".into()))?;
        let name = format!("{}.{}", hex::encode(random), kind.extension());
        let partial = self.dir.join(format!("{name}.part"));
        let written = async {
            let mut file = tokio::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&partial)
                .await
                .map_err(|e| FileError::io("create", &e))?;
            file.write_all(bytes)
                .await
                .map_err(|e| FileError::io("write", &e))?;
            file.sync_all()
                .await
                .map_err(|e| FileError::io("flush", &e))?;
            tokio::fs::rename(&partial, self.dir.join(&name))
                .await
                .map_err(|e| FileError::io("rename", &e))
        }
        .await;
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(e);
        }
        Ok(name)
    }

    /// The stored file `name` and its kind; `None` for a name the server never makes or a
    /// file that is not there.
    pub async fn read(&self, name: &str) -> Result<Option<(Vec<u8>, ImageKind)>, FileError> {
        let Some(kind) = avatar_name_kind(name) else {
            return Ok(None);
        };
        match tokio::fs::read(self.dir.join(name)).await {
            Ok(bytes) => Ok(Some((bytes, kind))),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(FileError::io("read", &e)),
        }
    }

    /// Removes the stored file `name` (one already gone, or a name the server never
    /// makes: nothing). A failure is logged, never answered: the profile that referred to
    /// the file has already changed.
    pub async fn remove(&self, name: &str) {
        if avatar_name_kind(name).is_none() {
            return;
        }
        match tokio::fs::remove_file(self.dir.join(name)).await {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => tracing::warn!("{}", FileError::io("remove an old avatar", &e)),
        }
    }
}
