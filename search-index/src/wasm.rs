//! wasm-bindgen exports of the browser reader (feature `wasm`). The Web Worker
//! (`theme/search/search-worker.js`) fetches the files the engine names and calls again.

use wasm_bindgen::prelude::*;

use crate::reader::{self, Engine, Filters, Request};

/// The browser search engine over the static index.
#[wasm_bindgen]
pub struct SearchEngine {
    engine: Engine,
}

#[wasm_bindgen]
impl SearchEngine {
    /// Opens the index from the bytes of its meta file.
    #[wasm_bindgen(constructor)]
    pub fn new(meta: &[u8]) -> Result<SearchEngine, JsError> {
        Ok(SearchEngine {
            engine: Engine::new(meta).map_err(|e| JsError::new(&e.to_string()))?,
        })
    }

    /// Hands over a fetched file.
    #[wasm_bindgen(js_name = addFile)]
    pub fn add_file(&mut self, name: &str, bytes: Vec<u8>) {
        self.engine.add_file(name, bytes);
    }

    /// Facet values as JSON: `{"kinds":[[value,count]...],"groups":...,"services":...}`.
    pub fn facets(&self) -> String {
        crate::json::facets_json(&self.engine.meta)
    }

    /// One search step as JSON (`budget`: bytes of posting blocks beyond the first ones
    /// before the best sections found so far are returned; 0 = exact): `{"need":[file...]}` (fetch them, add them, call again) or
    /// `{"hits":[...],"fallback":bool,"suggestion":string|null}`.
    #[allow(clippy::too_many_arguments)] // one flat call from the worker
    pub fn search(
        &mut self,
        query: &str,
        kind: &str,
        group: &str,
        service: &str,
        limit: usize,
        fragments: usize,
        budget: usize,
    ) -> Result<String, JsError> {
        let opt = |s: &str| {
            if s.is_empty() {
                None
            } else {
                Some(s.to_string())
            }
        };
        let req = Request {
            query: query.to_string(),
            filters: Filters {
                kind: opt(kind),
                group: opt(group),
                service: opt(service),
            },
            limit: limit.min(200),
            fragments: fragments.min(50),
            budget,
        };
        let step = self
            .engine
            .search(&req)
            .map_err(|e| JsError::new(&e.to_string()))?;
        Ok(crate::json::step_json(&step))
    }
}
