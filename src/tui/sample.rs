//! The bundled sample incident, embedded in the binary so that `pii-audit` with no
//! arguments works from any folder. Its files are written to a private temporary folder
//! and read through the same code as anyone's files.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::load;

const INVENTORY: &[u8] = include_bytes!("../../sample-data/inventory.yaml");
const EXPOSURE: &[u8] = include_bytes!("../../sample-data/exposure.csv");
const REGISTERED: &[u8] = include_bytes!("../../sample-data/registered.csv");

/// The sample's leak window and zone (sample-data/README.txt).
pub const FROM: &str = "2017-06-22T09:00:00+09:00";
pub const TO: &str = "2017-06-22T15:00:00+09:00";
pub const TZ: &str = "Asia/Tokyo";

/// The sample's files, unpacked; the folder is removed when this is dropped.
pub struct Sample {
    dir: tempfile::TempDir,
    pub input: load::Options,
}

impl Sample {
    /// The temporary folder, as text.
    pub fn dir(&self) -> String {
        self.dir.path().display().to_string()
    }
}

/// Unpacks the sample into a fresh owner-only temporary folder.
pub fn unpack() -> Result<Sample> {
    let dir = tempfile::Builder::new()
        .prefix("pii-audit-sample-")
        .tempdir()
        .context("cannot create a temporary folder for the sample incident")?;
    // The temporary-file library makes folders with the umask's mode (0755, readable by
    // every user): closed here, before anything is written into it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
            .context("cannot make the sample's temporary folder owner-only")?;
    }
    let write = |name: &str, bytes: &[u8]| -> Result<PathBuf> {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    };
    let input = load::Options {
        registered: Some(write("registered.csv", REGISTERED)?),
        from: Some(FROM.to_string()),
        to: Some(TO.to_string()),
        tz: TZ.to_string(),
        ..load::Options::new(
            write("inventory.yaml", INVENTORY)?,
            &write("exposure.csv", EXPOSURE)?,
        )
    };
    Ok(Sample { dir, input })
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    /// The sample (synthetic, but shaped like personal data) is unpacked into a folder of
    /// its own that only its owner can open, and is gone once dropped.
    #[test]
    fn the_sample_is_unpacked_into_an_owner_only_folder_removed_after() {
        let sample = super::unpack().unwrap();
        let folder = std::path::PathBuf::from(sample.dir());
        let mode = std::fs::metadata(&folder).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert!(sample.input.inventory.starts_with(&folder));
        drop(sample);
        assert!(!folder.exists());
    }
}
