//! [`Workspace`]: the directory the file tools are confined to, and how a path argument is checked against it.

use std::fs::{FileType, Metadata};
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, ErrorKind, Result, ToolError};

/// The longest path argument accepted, in bytes.
pub const MAX_PATH_BYTES: usize = 1024;

/// A workspace root (`WORKSPACE_ROOT`). Every path a file tool touches resolves inside it.
///
/// A path argument is relative to the root, or absolute. It is refused when it is empty where a file is needed,
/// too long or holds a NUL; when it climbs out lexically (`..`) or names an absolute place outside; and, after
/// resolving every symlink (`canonicalize`), when the real path is not under the real root. File types are checked
/// on the resolved path: device files, fifos and sockets are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// The root as given, made absolute.
    given: PathBuf,
    /// The root with every symlink resolved.
    root: PathBuf,
}

impl Workspace {
    /// The workspace rooted at `root`, which must be an existing directory.
    pub fn new(root: impl AsRef<Path>) -> Result<Self> {
        let path = root.as_ref();
        let fail = |reason: String| Error::WorkspaceRoot { path: path.to_owned(), reason };
        let given = std::path::absolute(path).map_err(|e| fail(e.to_string()))?;
        let root = std::fs::canonicalize(path).map_err(|e| fail(e.to_string()))?;
        if !root.is_dir() {
            return Err(fail("it is not a directory".to_owned()));
        }
        Ok(Workspace { given: normalize(&given).unwrap_or(given), root })
    }

    /// The root with every symlink resolved.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Resolves a path argument to a real path inside the workspace, or says why not.
    pub fn resolve(&self, argument: &str) -> Result<PathBuf, ToolError> {
        if argument.len() > MAX_PATH_BYTES {
            return Err(ToolError::bad_arguments(format!("the path is longer than {MAX_PATH_BYTES} bytes")));
        }
        if argument.contains('\0') {
            return Err(ToolError::bad_arguments("the path contains a NUL character"));
        }
        let argument = if argument.trim().is_empty() { "." } else { argument };
        let path = Path::new(argument);
        let joined = if path.is_absolute() { path.to_owned() } else { self.given.join(path) };
        // Checked lexically first, so nothing outside is even looked at.
        let inside =
            normalize(&joined).is_some_and(|p| p.starts_with(&self.given) || p.starts_with(&self.root));
        if !inside {
            return Err(outside(argument));
        }
        let real = std::fs::canonicalize(&joined).map_err(|e| io_error(argument, &e))?;
        if !real.starts_with(&self.root) {
            return Err(outside(argument));
        }
        Ok(real)
    }

    /// The path of `real` relative to the root, for messages (`.` for the root itself).
    pub fn display(&self, real: &Path) -> String {
        match real.strip_prefix(&self.root) {
            Ok(rel) if rel.as_os_str().is_empty() => ".".to_owned(),
            Ok(rel) => rel.to_string_lossy().into_owned(),
            Err(_) => "(outside the workspace)".to_owned(),
        }
    }
}

/// Refuses anything but a regular file, naming what it is.
pub(crate) fn require_regular_file(argument: &str, metadata: &Metadata) -> Result<(), ToolError> {
    let file_type = metadata.file_type();
    if file_type.is_file() {
        Ok(())
    } else if file_type.is_dir() {
        Err(ToolError::bad_arguments(format!("{argument:?} is a directory; use list_files")))
    } else {
        let what = special_kind(&file_type);
        Err(ToolError::new(ErrorKind::Refused, format!("{argument:?} is {what}, not a regular file")))
    }
}

/// A name for a file type that is neither a file nor a directory.
pub(crate) fn special_kind(file_type: &FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a fifo";
        } else if file_type.is_socket() {
            return "a socket";
        } else if file_type.is_char_device() || file_type.is_block_device() {
            return "a device file";
        }
    }
    if file_type.is_symlink() { "a symlink" } else { "a special file" }
}

/// An I/O error as a tool error, without the host path.
pub(crate) fn io_error(argument: &str, error: &io::Error) -> ToolError {
    match error.kind() {
        io::ErrorKind::NotFound => {
            ToolError::new(ErrorKind::NotFound, format!("{argument:?} does not exist"))
        }
        io::ErrorKind::PermissionDenied => {
            ToolError::new(ErrorKind::Refused, format!("{argument:?} cannot be read: permission denied"))
        }
        _ => ToolError::new(ErrorKind::Io, format!("{argument:?} cannot be read: {}", error.kind())),
    }
}

fn outside(argument: &str) -> ToolError {
    ToolError::new(ErrorKind::Refused, format!("{argument:?} is outside the workspace"))
}

/// `path` with `.` and `..` folded away, or `None` when `..` climbs above the filesystem root.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Prefix(_) | Component::RootDir => out.push(component.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() || out.as_os_str().is_empty() {
                    return None;
                }
            }
            Component::Normal(part) => out.push(part),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_dots_and_refuses_climbing_past_the_root() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), Some(PathBuf::from("/a/c")));
        assert_eq!(normalize(Path::new("/a/../..")), None);
        assert_eq!(normalize(Path::new("/..")), None);
    }
}
