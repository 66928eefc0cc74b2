//! The site theme: minijinja templates and the CSS/JS assets, embedded in the binary
//! from `theme/` or read from a folder given with `--theme`.

use include_dir::{Dir, include_dir};
use std::path::{Path, PathBuf};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/theme");

/// Templates every theme must have.
pub const TEMPLATES: &[&str] = &[
    "base.html",
    "page.html",
    "index.html",
    "register.html",
    "404.html",
    "toc.html",
    "tillganglighet.html",
    "changes.html",
    "diff.html",
    "nytt.html",
    "sok.html",
    "list-pages.html",
];

/// Assets only the live preview uses; static builds leave them out.
pub const PREVIEW_ONLY_ASSETS: &[&str] = &["js/live-reload.js", "css/live-reload.css"];

/// Folders of the theme copied to the site (prepared by [`prepare_asset`]).
pub const ASSET_DIRS: &[&str] = &["css", "js", "search", "icons"];

/// Assets with this extension (the search's wasm reader) are written raw-DEFLATE
/// compressed, named `NAME.deflate`: the search worker inflates them with
/// `DecompressionStream`, so no server needs to compress (or know the wasm MIME type).
pub const SHIPPED_COMPRESSED: &str = ".wasm";

/// The search's wasm reader in the theme.
const SEARCH_WASM: &str = "search/search_index.wasm";

/// The live preview's wasm reader (search-index/build-wasm.sh, feature `overlay`).
static PREVIEW_WASM: &[u8] = include_bytes!("serve/search_index_preview.wasm");

/// The embedded wasm reader, compressed when samsyn was compiled (build.rs, Zopfli).
static EMBEDDED_WASM_DEFLATE: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/search_index.wasm.deflate"));

/// Prepares the theme's assets for the site ([`prepare_asset`]) and names each by its
/// content ([`Asset::path`]). A script or style sheet that names another asset as a
/// string (`"search/search.css"`) gets that asset's site path in its place, so it is named
/// after the assets it names, which are prepared first. Deterministic: the same bytes and
/// names every build. Sorted by name. Fails when assets name each other in a cycle.
fn prepare_assets(raw: RawAssets) -> Result<Vec<Asset>, String> {
    // The names assets are known by once prepared (a wasm module gets `.deflate`).
    let shipped: Vec<(String, Vec<u8>)> = raw
        .into_iter()
        .map(|(mut name, bytes)| {
            if name.ends_with(SHIPPED_COMPRESSED) {
                name.push_str(".deflate");
            }
            (name, bytes)
        })
        .collect();
    // Each asset with the other assets its text names as a quoted string (found once).
    let quoted = |name: &str| ['"', '\''].map(|q| format!("{q}{name}{q}"));
    let mut pending: Vec<(String, Vec<u8>, Vec<String>)> = shipped
        .iter()
        .map(|(name, bytes)| {
            let text = std::str::from_utf8(bytes).unwrap_or("");
            let named = shipped
                .iter()
                .map(|(other, _)| other)
                .filter(|other| *other != name)
                .filter(|other| quoted(other).iter().any(|q| text.contains(q.as_str())))
                .cloned()
                .collect();
            (name.clone(), bytes.clone(), named)
        })
        .collect();
    pending.sort();
    let mut done: Vec<Asset> = Vec::new();
    while !pending.is_empty() {
        let path_of = |name: &str| done.iter().find(|a| a.name == name).map(|a| a.path.clone());
        let ready = pending
            .iter()
            .position(|(_, _, named)| named.iter().all(|n| path_of(n).is_some()));
        let Some(i) = ready else {
            let left: Vec<&str> = pending.iter().map(|(n, _, _)| n.as_str()).collect();
            return Err(format!(
                "filerna {} nämner varandra i en ring; en fil kan inte få ett namn efter \
                 innehållet innan filerna den nämner har fått sina",
                left.join(", ")
            ));
        };
        let (name, mut bytes, named) = pending.remove(i);
        if !named.is_empty() {
            let mut text = String::from_utf8_lossy(&bytes).into_owned();
            for other in &named {
                let path = path_of(other).unwrap_or_default();
                for (from, to) in quoted(other).iter().zip(quoted(&path)) {
                    text = text.replace(from.as_str(), &to);
                }
            }
            bytes = text.into_bytes();
        }
        let in_theme = match name.strip_suffix(".deflate") {
            Some(stem) if stem.ends_with(SHIPPED_COMPRESSED) => stem,
            _ => name.as_str(),
        };
        prepare_asset(in_theme, &mut bytes);
        let path = content_path(&name, &bytes);
        done.push(Asset { name, path, bytes });
    }
    done.sort();
    Ok(done)
}

/// `dir/stem.rest` → `dir/stem.<8 hex digits of SHA-256 of bytes>.rest` (the hash before
/// the file name's first dot, so that the extension stays what servers read the type from).
pub fn content_path(name: &str, bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(bytes);
    let hash = format!("{:02x}{:02x}{:02x}{:02x}", h[0], h[1], h[2], h[3]);
    let file_at = name.rfind('/').map_or(0, |i| i + 1);
    match name[file_at..].find('.') {
        Some(dot) if dot > 0 => {
            let (stem, rest) = name.split_at(file_at + dot);
            format!("{stem}.{hash}{rest}")
        }
        _ => format!("{name}.{hash}"),
    }
}

/// Prepares an asset for the site: JavaScript minified by [`minify_js`] and CSS by
/// `minifier` (the site's scripts shrink by half, which every page view and the search's
/// first query pay for), the wasm compressed (see [`SHIPPED_COMPRESSED`]; the embedded one
/// as build.rs compressed it, any other at DEFLATE's level 6).
fn prepare_asset(rel: &str, bytes: &mut Vec<u8>) {
    if rel.ends_with(SHIPPED_COMPRESSED) {
        let embedded = EMBEDDED.get_file(SEARCH_WASM).map(|f| f.contents());
        *bytes = if embedded == Some(bytes.as_slice()) {
            EMBEDDED_WASM_DEFLATE.to_vec()
        } else {
            search_index::format::compress(bytes)
        };
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        let minified = if rel.ends_with(".js") {
            minify_js(text)
        } else if rel.ends_with(".css") {
            minifier::css::minify(text).ok().map(|m| m.to_string())
        } else {
            None
        };
        if let Some(m) = minified.filter(|m| m.len() < bytes.len()) {
            *bytes = m.into_bytes();
        }
    }
}

/// A script minified as browsers will run it (a classic script, not a module): comments
/// and spaces dropped, expressions folded and local names shortened; names at the top level
/// stay, since the theme's scripts share globals. `None` when the script does not parse:
/// it is shipped as written, and the browser's console names the error.
fn minify_js(source: &str) -> Option<String> {
    use oxc_allocator::Allocator;
    use oxc_codegen::{Codegen, CodegenOptions};
    use oxc_minifier::{Minifier, MinifierOptions};
    use oxc_parser::Parser;
    use oxc_span::SourceType;

    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, source, SourceType::script()).parse();
    if parsed.panicked || !parsed.diagnostics.is_empty() {
        return None;
    }
    let mut program = parsed.program;
    let minified = Minifier::new(MinifierOptions::default()).minify(&allocator, &mut program);
    let code = Codegen::new()
        .with_options(CodegenOptions::minify())
        .with_scoping(minified.scoping)
        .build(&program)
        .code;
    Some(code)
}

/// A theme file as the site ships it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Asset {
    /// Its name in the theme (`css/samsyn.css`; a compressed one with its `.deflate`
    /// suffix, see [`SHIPPED_COMPRESSED`]): what templates ask for with `asset(…)` and
    /// scripts write as a string.
    pub name: String,
    /// Its path in the site: the name with a hash of the content before the first dot of
    /// the file name (`css/samsyn.1f2e3d4c.css`), so that it can be cached for a year.
    pub path: String,
    pub bytes: Vec<u8>,
}

/// A loaded theme.
#[derive(Debug, Clone)]
pub struct Theme {
    /// Template name and source.
    pub templates: Vec<(String, String)>,
    /// The assets, prepared and named by content (by name).
    pub assets: Vec<Asset>,
    /// Where the theme came from, when it is a folder on disk.
    pub dir: Option<PathBuf>,
    /// Its search reader opens the live preview's overlays ([`Theme::for_preview`] with the
    /// built-in reader).
    pub opens_overlays: bool,
}

/// A theme's files before they are prepared: name (as in the theme folder) and bytes.
type RawAssets = Vec<(String, Vec<u8>)>;

impl Theme {
    /// The theme built into samsyn.
    pub fn embedded() -> Theme {
        let (templates, raw) = Theme::embedded_unprepared();
        Theme::prepared(templates, raw, None).expect("the built-in theme's scripts name no cycle")
    }

    /// The built-in templates and assets as they are in `theme/` (not yet minified).
    fn embedded_unprepared() -> (Vec<(String, String)>, RawAssets) {
        let mut templates = Vec::new();
        for name in TEMPLATES {
            if let Some(f) = EMBEDDED.get_file(name) {
                templates.push((
                    name.to_string(),
                    String::from_utf8_lossy(f.contents()).into_owned(),
                ));
            }
        }
        let mut assets = Vec::new();
        for dir in ASSET_DIRS {
            if let Some(d) = EMBEDDED.get_dir(dir) {
                collect_embedded(d, &mut assets);
            }
        }
        (templates, assets)
    }

    /// A theme folder on disk (same layout as `theme/` in the samsyn repository). It
    /// overrides the built-in theme file by file, as mdBook's theme folders do: a template
    /// or asset the folder lacks is the built-in one, so a theme made for an older samsyn
    /// keeps building when a release adds a page template.
    pub fn from_dir(dir: &Path) -> Result<Theme, String> {
        let (templates, assets) = Theme::from_dir_unprepared(dir)?;
        Theme::prepared(templates, assets, Some(dir))
    }

    /// The theme as the live preview serves it (the folder's, else the built-in one): the
    /// built-in search reader is the preview's, which also searches the overlay of the
    /// pages changed since the search index was built (a theme's own reader stays).
    pub fn for_preview(dir: Option<&Path>) -> Result<Theme, String> {
        let (templates, mut assets) = match dir {
            Some(dir) => Theme::from_dir_unprepared(dir)?,
            None => Theme::embedded_unprepared(),
        };
        let embedded = EMBEDDED.get_file(SEARCH_WASM).map(|f| f.contents());
        let mut opens_overlays = false;
        for (name, bytes) in &mut assets {
            if name == SEARCH_WASM && embedded == Some(bytes.as_slice()) {
                *bytes = PREVIEW_WASM.to_vec();
                opens_overlays = true;
            }
        }
        Ok(Theme {
            opens_overlays,
            ..Theme::prepared(templates, assets, dir)?
        })
    }

    fn prepared(
        templates: Vec<(String, String)>,
        assets: RawAssets,
        dir: Option<&Path>,
    ) -> Result<Theme, String> {
        Ok(Theme {
            templates,
            assets: prepare_assets(assets).map_err(|e| match dir {
                Some(dir) => format!("temamappen `{}`: {e}", dir.display()),
                None => e,
            })?,
            dir: dir.map(Path::to_path_buf),
            opens_overlays: false,
        })
    }

    /// [`Theme::from_dir`]'s templates and assets, not yet prepared.
    fn from_dir_unprepared(dir: &Path) -> Result<(Vec<(String, String)>, RawAssets), String> {
        if !dir.is_dir() {
            return Err(format!("temamappen `{}` finns inte", dir.display()));
        }
        let (mut templates, mut assets) = Theme::embedded_unprepared();
        for (name, source) in &mut templates {
            let path = dir.join(name.as_str());
            if path.exists() {
                *source = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: kan inte läsa mallen: {e}", path.display()))?;
            }
        }
        for sub in ASSET_DIRS {
            let base = dir.join(sub);
            for entry in walkdir::WalkDir::new(&base)
                .into_iter()
                .filter_map(Result::ok)
            {
                if !entry.file_type().is_file() {
                    continue;
                }
                let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
                let rel = rel.to_string_lossy().replace('\\', "/");
                let bytes = std::fs::read(entry.path())
                    .map_err(|e| format!("{}: {e}", entry.path().display()))?;
                match assets.iter_mut().find(|(r, _)| *r == rel) {
                    Some((_, old)) => *old = bytes,
                    None => assets.push((rel, bytes)),
                }
            }
        }
        Ok((templates, assets))
    }

    /// The site path of the asset a theme calls `name` (see [`Asset`]).
    pub fn asset_path(&self, name: &str) -> Option<&str> {
        self.assets
            .binary_search_by(|a| a.name.as_str().cmp(name))
            .ok()
            .map(|i| self.assets[i].path.as_str())
    }

    /// A template environment with this theme's templates. `asset("css/samsyn.css")` gives
    /// an asset's site path (relative to the site root); a name the theme lacks is an error
    /// of the template that asks for it.
    /// Adds what pages rendered with this theme are made from (its templates, its assets'
    /// names and content-named paths) to a cache key ([`crate::cache`]).
    pub fn digest_into(&self, h: &mut crate::cache::KeyHasher) {
        for (name, source) in &self.templates {
            h.part(name.as_bytes()).part(source.as_bytes());
        }
        for asset in &self.assets {
            h.part(asset.name.as_bytes()).part(asset.path.as_bytes());
        }
    }

    pub fn environment(&self) -> Result<minijinja::Environment<'static>, String> {
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        env.set_formatter(html_output);
        let paths: std::collections::BTreeMap<String, String> = self
            .assets
            .iter()
            .map(|a| (a.name.clone(), a.path.clone()))
            .collect();
        env.add_function("asset", move |name: &str| {
            paths.get(name).cloned().ok_or_else(|| {
                minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("temat har ingen fil `{name}` (asset(\"{name}\"))"),
                )
            })
        });
        for (name, source) in &self.templates {
            env.add_template_owned(name.clone(), source.clone())
                .map_err(|e| format!("mallen {name} i temat har ett fel: {e}"))?;
        }
        Ok(env)
    }
}

/// The templates' output formatter. Strings are escaped for HTML text and attributes
/// (`&`, `<`, `>`, `"`, `'`) but, unlike minijinja's default, `/` is left alone, so URLs
/// stay readable (`href="barndialogen/index.html"`). NUL characters (which a
/// front-matter string can carry as `"\u0000"`) become U+FFFD, as CommonMark asks of the
/// page text, so that no value a template inserts puts a NUL into the HTML.
fn html_output(
    out: &mut minijinja::Output<'_>,
    state: &minijinja::State<'_, '_>,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    let Some(text) = value.as_str() else {
        return minijinja::escape_formatter(out, state, value);
    };
    let mut text = std::borrow::Cow::Borrowed(text);
    if text.contains('\0') {
        crate::markdown::replace_nul(text.to_mut());
    }
    let escaped = match state.auto_escape() {
        minijinja::AutoEscape::Html if !value.is_safe() => {
            html_escape::encode_quoted_attribute(&text)
        }
        _ => text,
    };
    out.write_str(&escaped).map_err(|e| {
        minijinja::Error::new(
            minijinja::ErrorKind::WriteFailure,
            "the page could not be written",
        )
        .with_source(e)
    })
}

fn collect_embedded(dir: &Dir<'static>, out: &mut Vec<(String, Vec<u8>)>) {
    for f in dir.files() {
        out.push((
            f.path().to_string_lossy().replace('\\', "/"),
            f.contents().to_vec(),
        ));
    }
    for d in dir.dirs() {
        collect_embedded(d, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_theme_folder_overrides_the_built_in_theme_file_by_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("toc.html"), "egen {{ x }}").unwrap();
        std::fs::create_dir_all(dir.path().join("css")).unwrap();
        std::fs::write(dir.path().join("css/egen.css"), "a{}").unwrap();
        let theme = Theme::from_dir(dir.path()).unwrap();
        let template = |name: &str| {
            theme
                .templates
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, s)| s.clone())
        };
        assert_eq!(template("toc.html").as_deref(), Some("egen {{ x }}"));
        let built_in = Theme::embedded();
        for name in TEMPLATES.iter().filter(|n| **n != "toc.html") {
            let embedded = built_in.templates.iter().find(|(n, _)| n == name);
            assert_eq!(template(name).as_ref(), embedded.map(|(_, s)| s), "{name}");
        }
        let assets: Vec<&str> = theme.assets.iter().map(|a| a.name.as_str()).collect();
        assert!(assets.contains(&"css/egen.css") && assets.contains(&"css/samsyn.css"));
        assert!(
            theme
                .asset_path("css/egen.css")
                .is_some_and(|p| p.starts_with("css/egen."))
        );
        assert!(theme.environment().is_ok());
    }

    /// Each asset is named by its content, and a script names the other assets by those
    /// names: a change to a style sheet that only a script loads renames the script too,
    /// and the scripts that load that one.
    #[test]
    fn assets_are_named_by_their_content_and_scripts_by_what_they_load() {
        let theme = Theme::embedded();
        for a in &theme.assets {
            assert_eq!(a.path, content_path(&a.name, &a.bytes), "{}", a.name);
            assert_ne!(a.path, a.name);
        }
        let text = |t: &Theme, name: &str| {
            let a = t.assets.iter().find(|a| a.name == name).unwrap();
            String::from_utf8(a.bytes.clone()).unwrap()
        };
        let search = text(&theme, "search/search.js");
        for loaded in [
            "search/search.css",
            "search/search-worker.js",
            "search/search_index.wasm.deflate",
            "search/arrival.js",
        ] {
            let path = theme.asset_path(loaded).unwrap();
            assert!(search.contains(path), "search.js does not load {path}");
            assert!(!search.contains(&format!("\"{loaded}\"")), "{loaded}");
        }
        assert!(
            text(&theme, "js/live-reload.js")
                .contains(theme.asset_path("css/live-reload.css").unwrap())
        );

        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("search")).unwrap();
        let css = EMBEDDED.get_file("search/arrival.css").unwrap().contents();
        let mut changed = css.to_vec();
        changed.extend_from_slice(b"\nmark.egen{outline:1px solid}\n");
        std::fs::write(dir.path().join("search/arrival.css"), changed).unwrap();
        let custom = Theme::from_dir(dir.path()).unwrap();
        for (name, renamed) in [
            ("search/arrival.css", true),
            ("search/arrival.js", true),
            ("search/search.js", true),
            ("search/search-worker.js", false),
            ("css/samsyn.css", false),
        ] {
            assert_eq!(
                custom.asset_path(name) != theme.asset_path(name),
                renamed,
                "{name}"
            );
        }
    }

    /// Theme files that name each other in a ring cannot be named by content: the theme
    /// folder is refused, naming them; a template asking for a file the theme lacks fails.
    #[test]
    fn a_ring_of_theme_files_and_an_unknown_asset_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("js")).unwrap();
        std::fs::write(dir.path().join("js/a.js"), "load(\"js/b.js\");").unwrap();
        std::fs::write(dir.path().join("js/b.js"), "load('js/a.js');").unwrap();
        let err = Theme::from_dir(dir.path()).unwrap_err();
        assert!(err.contains("js/a.js, js/b.js"), "{err}");

        let mut theme = Theme::embedded();
        theme.templates = vec![(
            "t.html".into(),
            "{{ asset(\"css/finns-inte.css\") }}".into(),
        )];
        let env = theme.environment().unwrap();
        let err = env.get_template("t.html").unwrap().render(()).unwrap_err();
        assert!(format!("{err:#}").contains("css/finns-inte.css"), "{err:#}");
    }

    #[test]
    fn a_content_path_puts_the_hash_before_the_first_dot_of_the_file_name() {
        let h = |name: &str| content_path(name, b"x");
        let hash = &h("a.css")[2..10];
        assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()), "{hash}");
        assert_eq!(h("css/samsyn.css"), format!("css/samsyn.{hash}.css"));
        assert_eq!(
            h("search/search_index.wasm.deflate"),
            format!("search/search_index.{hash}.wasm.deflate")
        );
        assert_eq!(h("v1.2/README"), format!("v1.2/README.{hash}"));
    }

    /// Renders `source` as an HTML template of a theme's environment.
    fn render(source: &str, ctx: minijinja::Value) -> String {
        let mut theme = Theme::embedded();
        theme.templates = vec![("t.html".into(), source.into())];
        let env = theme.environment().unwrap();
        env.get_template("t.html").unwrap().render(ctx).unwrap()
    }

    #[test]
    fn templates_insert_no_nul_and_still_escape() {
        let html = render(
            "{{ a }}|{{ b }}",
            minijinja::context! {
                a => "x\0<y>",
                b => minijinja::Value::from_safe_string("<i>\0</i>".into()),
            },
        );
        assert_eq!(html, "x\u{FFFD}&lt;y&gt;|<i>\u{FFFD}</i>");
    }

    /// URLs keep their slashes: attribute escaping only (minijinja's default writes
    /// `&#x2f;`), and quotes and markup are still escaped.
    #[test]
    fn urls_keep_their_slashes_and_quotes_are_escaped() {
        let html = render(
            "<a href=\"{{ u }}\">{{ t }}</a>",
            minijinja::context! {
                u => "barndialogen/index.html?a=1&b=\"'",
                t => "<b>/</b>",
            },
        );
        assert_eq!(
            html,
            "<a href=\"barndialogen/index.html?a=1&amp;b=&quot;&#x27;\">&lt;b&gt;/&lt;/b&gt;</a>"
        );
    }

    /// The embedded theme's wasm reader as shipped (compressed) and the committed module.
    fn shipped_and_committed_wasm() -> (Vec<u8>, &'static [u8]) {
        let shipped = Theme::embedded()
            .assets
            .into_iter()
            .find(|a| a.name == "search/search_index.wasm.deflate")
            .expect("search/search_index.wasm.deflate")
            .bytes;
        let raw = EMBEDDED
            .get_file("search/search_index.wasm")
            .unwrap()
            .contents();
        (shipped, raw)
    }

    /// The embedded wasm reader is shipped as build.rs compressed it (Zopfli): smaller than
    /// DEFLATE's best level, by what the first search of every visitor saves.
    #[test]
    fn the_embedded_wasm_is_shipped_smaller_than_deflate_level_9() {
        let (shipped, raw) = shipped_and_committed_wasm();
        let level9 = search_index::format::compress_at(raw, 9).len();
        assert!(
            shipped.len() + 2000 < level9,
            "{} bytes, DEFLATE level 9 {level9}",
            shipped.len()
        );
    }

    /// The wasm reader is shipped compressed, and inflates to the committed module.
    #[test]
    fn the_wasm_is_shipped_raw_deflate() {
        let theme = Theme::embedded();
        let paths: Vec<&str> = theme.assets.iter().map(|a| a.path.as_str()).collect();
        assert!(!paths.iter().any(|n| n.ends_with(".wasm")), "{paths:?}");
        let (shipped, raw) = shipped_and_committed_wasm();
        assert_eq!(search_index::format::decompress(&shipped).unwrap(), raw);
        assert!(
            shipped.len() < raw.len() * 3 / 5,
            "{} of {}",
            shipped.len(),
            raw.len()
        );
        // A theme folder gets the same treatment.
        let dir = tempfile::tempdir().unwrap();
        for name in TEMPLATES {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        std::fs::create_dir(dir.path().join("search")).unwrap();
        std::fs::write(dir.path().join("search/x.wasm"), raw).unwrap();
        let custom = Theme::from_dir(dir.path()).unwrap();
        let x = custom
            .assets
            .iter()
            .find(|a| a.name.starts_with("search/x."));
        assert_eq!(
            x.map(|a| (a.name.as_str(), &a.bytes)),
            Some(("search/x.wasm.deflate", &shipped.to_vec()))
        );
    }

    /// Scripts and style sheets are shipped minified: no comments, same code (the browser
    /// tests run the minified scripts).
    #[test]
    fn scripts_and_styles_are_minified() {
        let theme = Theme::embedded();
        for Asset { name, bytes, .. } in &theme.assets {
            if !(name.ends_with(".js") || name.ends_with(".css")) {
                continue;
            }
            let source = EMBEDDED.get_file(name).unwrap().contents();
            let text = std::str::from_utf8(bytes).unwrap();
            assert!(
                bytes.len() < source.len() * 9 / 10,
                "{name}: {} of {}",
                bytes.len(),
                source.len()
            );
            assert!(!text.contains("/*") && !text.contains("\n  "), "{name}");
        }
        let js = &theme
            .assets
            .iter()
            .find(|a| a.name == "search/search.js")
            .unwrap()
            .bytes;
        let js = std::str::from_utf8(js).unwrap();
        // The minifier may write a string with other quotes: `search-input`.
        assert!(
            js.contains("getElementById(") && js.contains("search-input"),
            "{js}"
        );
    }

    /// Local names are shortened, names at the top level (shared between the theme's
    /// scripts) kept; a script that does not parse is shipped as written.
    #[test]
    fn scripts_keep_their_top_level_names_and_a_broken_one_is_left_alone() {
        let source = "function sharedHelper(firstArgument) {\n  var localCounter = firstArgument + 1;\n  return localCounter * 2;\n}\n";
        let minified = minify_js(source).unwrap();
        assert!(minified.contains("sharedHelper"), "{minified}");
        assert!(
            !minified.contains("firstArgument") && !minified.contains("localCounter"),
            "{minified}"
        );
        assert_eq!(minify_js("function (a { return"), None);
        let mut bytes = b"var a = ;".to_vec();
        prepare_asset("js/broken.js", &mut bytes);
        assert_eq!(bytes, b"var a = ;");
    }

    #[test]
    fn the_preview_serves_the_reader_that_searches_overlays_and_sites_do_not() {
        let reader = |t: &Theme| {
            let a = t
                .assets
                .iter()
                .find(|a| a.name == "search/search_index.wasm.deflate");
            search_index::format::decompress(&a.unwrap().bytes).unwrap()
        };
        // The magic of the meta file combined with an overlay (search_index::format).
        let has_overlay = |wasm: &[u8]| wasm.windows(4).any(|w| w == b"SSO1");
        let site = Theme::embedded();
        let preview = Theme::for_preview(None).unwrap();
        assert!(!has_overlay(&reader(&site)));
        assert!(has_overlay(&reader(&preview)));
        assert!(!site.opens_overlays && preview.opens_overlays);
        assert_ne!(
            site.asset_path("search/search.js"),
            preview.asset_path("search/search.js"),
            "search.js names the preview's reader"
        );
        // A theme folder's own reader is served as it is.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("search")).unwrap();
        let own = PREVIEW_WASM[..PREVIEW_WASM.len() / 2].to_vec();
        std::fs::write(dir.path().join("search/search_index.wasm"), &own).unwrap();
        let theirs = Theme::for_preview(Some(dir.path())).unwrap();
        assert_eq!(reader(&theirs), own);
        assert!(
            !theirs.opens_overlays,
            "the preview writes no overlay for it"
        );
    }
}
