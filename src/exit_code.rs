//! Process exit codes shared by the command line (`cli`) and the preview server (`serve`),
//! so that neither has to import the other.

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for errors in the content.
pub const EXIT_CONTENT: i32 = 1;
/// Exit code for usage and configuration errors.
pub const EXIT_CONFIG: i32 = 2;
