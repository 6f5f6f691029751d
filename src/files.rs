//! Files written atomically: the one writer every output goes through (reports, exports,
//! notices, derived logs, generated incidents, the inventory the TUI saves).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::error::InputError;

/// Writes `bytes` to `path` atomically (temporary file in the same folder, fsync, rename)
/// with owner-only permissions. On failure the previous file is left as it was.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    write_private_with(path, |file| Ok(file.write_all(bytes)?))
}

/// As `write_private`, the content written by `fill` into the temporary file, in as many
/// pieces as it likes (a derived log, one slice of rows at a time).
pub fn write_private_with(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> Result<()>,
) -> Result<()> {
    write_atomic(path, Access::OwnerOnly, fill)
}

/// Who may read a file written atomically.
pub enum Access {
    /// The owner only (0600): every export, notice and report.
    OwnerOnly,
    /// As the file it replaces (the inventory, which the user made).
    As(std::fs::Permissions),
}

/// The one atomic writer: `fill` writes into a temporary file in `path`'s folder, made
/// with `access`, which is then synced and renamed over `path` (the folder synced too,
/// best effort). On any failure the previous file is left as it was and the temporary
/// file is removed.
pub fn write_atomic(
    path: &Path,
    access: Access,
    fill: impl FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if path.is_dir() {
        return Err(InputError::usage(format!(
            "{}: is a directory, expected a file name",
            path.display()
        ))
        .into());
    }
    let kept = "any previous file there is left as it was";
    let temp = tempfile::Builder::new()
        .prefix(".pii-audit-")
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "cannot create a temporary file in {} to write {} ({kept})",
                dir.display(),
                path.display()
            )
        })?;
    match access {
        Access::OwnerOnly => set_owner_only(temp.path())?,
        Access::As(permissions) => std::fs::set_permissions(temp.path(), permissions)
            .with_context(|| format!("cannot set the permissions of {}", path.display()))?,
    }
    // On failure the temporary file is removed when `temp` is dropped.
    {
        let mut buffered = std::io::BufWriter::with_capacity(1 << 20, temp.as_file());
        fill(&mut buffered)
            .and_then(|()| Ok(buffered.flush()?))
            .with_context(|| format!("cannot write {} ({kept})", path.display()))?;
    }
    temp.as_file()
        .sync_all()
        .with_context(|| format!("cannot write {} ({kept})", path.display()))?;
    // Tests kill the process here, between the write and the rename of the file they name.
    #[cfg(debug_assertions)]
    if let Some(name) = path.file_name() {
        crate::hooks::forced_kill_point(&format!("atomic-rename:{}", name.to_string_lossy()));
    }
    temp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot replace {} ({kept})", path.display()))?;
    // The rename itself survives a crash once the folder is synced (best effort: not
    // every file system lets a folder be opened for that).
    if let Ok(folder) = std::fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}

#[cfg(unix)]
fn set_owner_only(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot restrict permissions of {}", path.display()))
}

#[cfg(not(unix))]
fn set_owner_only(_path: &Path) -> Result<()> {
    Ok(())
}
