//! samsyn: a static knowledge-site generator for the child and youth collaboration
//! in Jönköping county. See `docs/architecture.md` for the data flow.

pub mod a11y;
pub mod book;
pub mod cache;
pub mod check_memo;
pub mod cli;
pub mod confine;
pub mod csp;
pub mod diagnostics;
pub mod editorial;
pub mod exit_code;
pub mod external;
pub mod feed;
pub mod frontmatter;
pub mod glossary;
pub mod history;
pub mod lifecycle;
pub mod links;
pub mod markdown;
pub mod output;
pub mod pipeline;
pub mod plural;
pub mod precompress;
pub mod preprocessor;
pub mod render;
pub mod report;
pub mod serve;
pub mod summary;
pub mod theme;
pub mod timings;
pub mod validate;
