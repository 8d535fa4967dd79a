//! Full-text search over sources, tables, variables and documentation, in Danish and
//! English, with tantivy: BM25 ranking (no hand-written ranking), Danish and English
//! stemming, compound-word prefixes ("lungekræft" finds "lungekræftpatienter"), one typo
//! tolerated, and facets (controller, data type, topic, coverage years).
//!
//! Every source, table and variable is a document carrying its source's facet values, so
//! a hit on a variable ("HbA1c", "aktionsdiagnose") filters like its source.

use crate::model::{Catalog, DataType, Text};
use ork_domain::Lang;
use std::collections::{BTreeMap, HashMap};
use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query as TQuery, RangeQuery, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RegexTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, StopWordFilter, TextAnalyzer, TokenStream,
};
use tantivy::{DocId, Index, IndexReader, Score, SegmentReader, TantivyDocument, Term};

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// The most words of a query that are searched.
pub const MAX_QUERY_WORDS: usize = 16;

/// What to search for. An empty `q` browses: every source that passes the filters.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub q: String,
    pub controllers: Vec<String>,
    pub data_types: Vec<DataType>,
    pub topics: Vec<String>,
    /// Sources whose coverage reaches back to this year or earlier.
    pub from_year: Option<i32>,
    /// Sources whose coverage reaches this year or later.
    pub to_year: Option<i32>,
    /// Most hits returned (sources are all returned).
    pub limit: usize,
}

/// Why a query was refused. The server words these for people in both languages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    #[error("the query is {chars} characters long; at most {max} are searched")]
    TooLong { chars: usize, max: usize },
    #[error("unknown {facet} {value:?}")]
    UnknownFacet { facet: &'static str, value: String },
    #[error("the year range {from}-{to} is empty")]
    EmptyYears { from: i32, to: i32 },
    #[error("search failed: {0}")]
    Engine(String),
}

/// One hit: a source, or a table or variable of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Index into [`Catalog::sources`].
    pub source: usize,
    pub table: Option<usize>,
    pub variable: Option<usize>,
    pub score: f32,
}

/// Facet value counts: how many matching sources have each value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facets {
    pub controllers: Vec<(String, u64)>,
    pub data_types: Vec<(DataType, u64)>,
    pub topics: Vec<(String, u64)>,
    /// Decade (1970, 1980, …) of the first year covered → sources.
    pub decades: Vec<(i32, u64)>,
}

#[derive(Debug, Clone, Default)]
pub struct Results {
    /// Best first; at most `limit`.
    pub hits: Vec<Hit>,
    /// Every matching source, best first (by name when browsing).
    pub sources: Vec<usize>,
    pub facets: Facets,
}

struct Fields {
    source: Field,
    table: Field,
    variable: Field,
    controller: Field,
    data_type: Field,
    topic: Field,
    from_year: Field,
    to_year: Field,
    title_da: Field,
    title_en: Field,
    body_da: Field,
    body_en: Field,
    ident: Field,
}

const NONE: u64 = u64::MAX;
const ONGOING: i64 = 9999;

/// The search index over one catalog.
pub struct SearchIndex {
    reader: IndexReader,
    fields: Fields,
    words: Words,
    /// Per source: facet values, for counting.
    facts: Vec<SourceFacts>,
    /// Source indices sorted by Danish and English name, for browsing.
    by_name_da: Vec<usize>,
    by_name_en: Vec<usize>,
}

/// The bilingual text of an index — titles and bodies in Danish and English, identifiers as
/// written — and the analyzers that fill them: how one word of a query is matched. The
/// catalog's index and the knowledge base's share it, so both search alike.
#[derive(Clone)]
pub(crate) struct Words {
    pub(crate) da: TextAnalyzer,
    pub(crate) en: TextAnalyzer,
    pub(crate) ident: TextAnalyzer,
    pub(crate) title_da: Field,
    pub(crate) title_en: Field,
    pub(crate) body_da: Field,
    pub(crate) body_en: Field,
    pub(crate) ident_field: Field,
}

impl Words {
    /// Adds the five text fields to a schema and registers nothing yet.
    pub(crate) fn add_fields(sb: &mut tantivy::schema::SchemaBuilder) -> Self {
        Self {
            da: analyzer(Language::Danish),
            en: analyzer(Language::English),
            ident: ident_analyzer(),
            title_da: sb.add_text_field("title_da", text_field("da")),
            title_en: sb.add_text_field("title_en", text_field("en")),
            body_da: sb.add_text_field("body_da", text_field("da")),
            body_en: sb.add_text_field("body_en", text_field("en")),
            ident_field: sb.add_text_field("ident", text_field("ident")),
        }
    }

    /// Registers the analyzers the fields name with an index built on the schema.
    pub(crate) fn register(&self, index: &Index) {
        index.tokenizers().register("da", self.da.clone());
        index.tokenizers().register("en", self.en.clone());
        index.tokenizers().register("ident", self.ident.clone());
    }

    /// A query's words, as searched: split on anything but letters, digits and `_`.
    pub(crate) fn split(q: &str) -> Vec<&str> {
        q.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .take(MAX_QUERY_WORDS)
            .collect()
    }

    /// One word of the query: exact (stemmed) matches ranked by BM25, plus prefix matches
    /// within one edit at a lower, constant score.
    pub(crate) fn query(&self, word: &str) -> Option<Box<dyn TQuery>> {
        let mut clauses: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
        let mut add = |field: Field, token: &str, boost: f32| {
            let term = Term::from_field_text(field, token);
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                    boost,
                )),
            ));
            let chars = token.chars().count();
            if chars >= 3 {
                let distance = if chars >= 5 { 1 } else { 0 };
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(FuzzyTermQuery::new_prefix(term, distance, true)),
                        boost * 0.3,
                    )),
                ));
            }
        };
        let (mut da, mut en, mut id) = (self.da.clone(), self.en.clone(), self.ident.clone());
        let (da_tokens, en_tokens) = (tokens(&mut da, word), tokens(&mut en, word));
        // A stop word in either language ("og", "and", "of") is not searched for.
        if da_tokens.is_empty() || en_tokens.is_empty() {
            return None;
        }
        for t in da_tokens {
            add(self.title_da, &t, 3.0);
            add(self.body_da, &t, 1.0);
        }
        for t in en_tokens {
            add(self.title_en, &t, 3.0);
            add(self.body_en, &t, 1.0);
        }
        for t in tokens(&mut id, word) {
            add(self.ident_field, &t, 2.0);
        }
        (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn TQuery>)
    }
}

struct SourceFacts {
    controller: String,
    data_type: DataType,
    topics: Vec<String>,
    from_year: i32,
}

fn analyzer(lang: Language) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(StopWordFilter::new(lang).expect("tantivy has stop words for da and en"))
        .filter(Stemmer::new(lang))
        .filter(AsciiFoldingFilter)
        .build()
}

/// Identifiers and codes as written: `c_adiag`, `npu_kode`, `HbA1c`, `DE11`.
fn ident_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(RegexTokenizer::new(r"[\p{L}\p{N}_]+").expect("a valid pattern"))
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

fn text_field(tokenizer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqs),
    )
}

fn tokens(a: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut s = a.token_stream(text);
    while let Some(t) = s.next() {
        out.push(t.text.clone());
    }
    out
}

impl SearchIndex {
    /// Indexes the catalog; `docs` replaces a source's shipped documentation (stewards'
    /// current versions).
    pub fn build(catalog: &Catalog, docs: &HashMap<String, Text>) -> Result<Self, SearchError> {
        let err = |e: tantivy::TantivyError| SearchError::Engine(e.to_string());
        let mut sb = Schema::builder();
        let source = sb.add_u64_field("source", FAST);
        let table = sb.add_u64_field("table", FAST);
        let variable = sb.add_u64_field("variable", FAST);
        let controller = sb.add_text_field("controller", STRING);
        let data_type = sb.add_text_field("data_type", STRING);
        let topic = sb.add_text_field("topic", STRING);
        let from_year = sb.add_i64_field("from_year", INDEXED | FAST);
        let to_year = sb.add_i64_field("to_year", INDEXED | FAST);
        let words = Words::add_fields(&mut sb);
        let fields = Fields {
            source,
            table,
            variable,
            controller,
            data_type,
            topic,
            from_year,
            to_year,
            title_da: words.title_da,
            title_en: words.title_en,
            body_da: words.body_da,
            body_en: words.body_en,
            ident: words.ident_field,
        };
        let index = Index::create_in_ram(sb.build());
        words.register(&index);
        let mut writer = index
            .writer_with_num_threads::<TantivyDocument>(2, 100_000_000)
            .map_err(err)?;
        let f = &fields;
        let mut facts = Vec::with_capacity(catalog.sources.len());
        for (si, s) in catalog.sources.iter().enumerate() {
            let to_year = s.coverage.to_year.map_or(ONGOING, i64::from);
            let base = |table: u64, variable: u64| {
                let mut d = TantivyDocument::default();
                d.add_u64(f.source, si as u64);
                d.add_u64(f.table, table);
                d.add_u64(f.variable, variable);
                d.add_text(f.controller, &s.controller);
                d.add_text(f.data_type, s.data_type.id());
                for t in &s.topics {
                    d.add_text(f.topic, t);
                }
                d.add_i64(f.from_year, s.coverage.from_year as i64);
                d.add_i64(f.to_year, to_year);
                d
            };
            let mut d = base(NONE, NONE);
            d.add_text(f.title_da, &s.name.da);
            d.add_text(f.title_en, &s.name.en);
            for k in &s.keywords.da {
                d.add_text(f.title_da, k);
                d.add_text(f.ident, k);
            }
            for k in &s.keywords.en {
                d.add_text(f.title_en, k);
                d.add_text(f.ident, k);
            }
            d.add_text(f.ident, &s.id);
            let doc = docs.get(&s.id).unwrap_or(&s.docs);
            for t in [&s.summary, &s.coverage.population, doc] {
                d.add_text(f.body_da, &t.da);
                d.add_text(f.body_en, &t.en);
            }
            if let Some(c) = catalog.controller(&s.controller) {
                d.add_text(f.body_da, &c.name.da);
                d.add_text(f.body_en, &c.name.en);
            }
            for q in &s.quality_issues {
                d.add_text(f.body_da, &q.text.da);
                d.add_text(f.body_en, &q.text.en);
            }
            writer.add_document(d).map_err(err)?;
            for (ti, t) in s.tables.iter().enumerate() {
                let mut d = base(ti as u64, NONE);
                d.add_text(f.title_da, &t.label.da);
                d.add_text(f.title_en, &t.label.en);
                d.add_text(f.body_da, &t.description.da);
                d.add_text(f.body_en, &t.description.en);
                d.add_text(f.ident, &t.name);
                writer.add_document(d).map_err(err)?;
                for (vi, v) in t.variables.iter().enumerate() {
                    let mut d = base(ti as u64, vi as u64);
                    d.add_text(f.title_da, &v.label.da);
                    d.add_text(f.title_en, &v.label.en);
                    d.add_text(f.body_da, &v.description.da);
                    d.add_text(f.body_en, &v.description.en);
                    d.add_text(f.ident, &v.name);
                    d.add_text(f.ident, &v.description.en);
                    if let Some(c) = &v.code_list {
                        d.add_text(f.ident, c);
                    }
                    if let Some(u) = &v.unit {
                        d.add_text(f.ident, u);
                    }
                    writer.add_document(d).map_err(err)?;
                }
            }
            facts.push(SourceFacts {
                controller: s.controller.clone(),
                data_type: s.data_type,
                topics: s.topics.clone(),
                from_year: s.coverage.from_year,
            });
        }
        writer.commit().map_err(err)?;
        let reader = index.reader().map_err(err)?;
        let order = |lang: Lang| {
            let mut v: Vec<usize> = (0..catalog.sources.len()).collect();
            v.sort_by_key(|&i| catalog.sources[i].name.get(lang).to_lowercase());
            v
        };
        Ok(Self {
            reader,
            fields,
            words,
            facts,
            by_name_da: order(Lang::Da),
            by_name_en: order(Lang::En),
        })
    }

    /// Checks a query's facet values against the catalog.
    fn check(&self, catalog: &Catalog, q: &Query) -> Result<(), SearchError> {
        let chars = q.q.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(SearchError::TooLong {
                chars,
                max: MAX_QUERY_CHARS,
            });
        }
        for c in &q.controllers {
            if catalog.controller(c).is_none() {
                return Err(SearchError::UnknownFacet {
                    facet: "controller",
                    value: c.clone(),
                });
            }
        }
        for t in &q.topics {
            if catalog.topic(t).is_none() {
                return Err(SearchError::UnknownFacet {
                    facet: "topic",
                    value: t.clone(),
                });
            }
        }
        if let (Some(from), Some(to)) = (q.from_year, q.to_year)
            && from > to
        {
            return Err(SearchError::EmptyYears { from, to });
        }
        Ok(())
    }

    fn filters(&self, q: &Query) -> Vec<(Occur, Box<dyn TQuery>)> {
        let f = &self.fields;
        let any_of = |field: Field, values: &[String]| -> Box<dyn TQuery> {
            Box::new(BooleanQuery::new(
                values
                    .iter()
                    .map(|v| {
                        (
                            Occur::Should,
                            Box::new(TermQuery::new(
                                Term::from_field_text(field, v),
                                IndexRecordOption::Basic,
                            )) as Box<dyn TQuery>,
                        )
                    })
                    .collect(),
            ))
        };
        let mut out: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
        if !q.controllers.is_empty() {
            out.push((Occur::Must, any_of(f.controller, &q.controllers)));
        }
        if !q.data_types.is_empty() {
            let ids: Vec<String> = q.data_types.iter().map(|d| d.id().to_owned()).collect();
            out.push((Occur::Must, any_of(f.data_type, &ids)));
        }
        if !q.topics.is_empty() {
            out.push((Occur::Must, any_of(f.topic, &q.topics)));
        }
        // Coverage reaching back to `from_year` or earlier, and on to `to_year` or later.
        if let Some(y) = q.from_year {
            out.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    std::ops::Bound::Unbounded,
                    std::ops::Bound::Included(Term::from_field_i64(f.from_year, y as i64)),
                )),
            ));
        }
        if let Some(y) = q.to_year {
            out.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    std::ops::Bound::Included(Term::from_field_i64(f.to_year, y as i64)),
                    std::ops::Bound::Unbounded,
                )),
            ));
        }
        out
    }

    /// Searches. Every word must match somewhere (in either language); stop words alone
    /// match everything.
    pub fn search(&self, catalog: &Catalog, q: &Query, lang: Lang) -> Result<Results, SearchError> {
        self.check(catalog, q)?;
        let err = |e: tantivy::TantivyError| SearchError::Engine(e.to_string());
        let searcher = self.reader.searcher();
        let mut clauses = self.filters(q);
        let words = Words::split(&q.q);
        let mut scored = false;
        for w in &words {
            if let Some(wq) = self.words.query(w) {
                clauses.push((Occur::Must, wq));
                scored = true;
            }
        }
        let browse = !scored;
        if clauses.is_empty() {
            clauses.push((Occur::Must, Box::new(tantivy::query::AllQuery)));
        }
        let query = BooleanQuery::new(clauses);
        let limit = q.limit.clamp(1, 1000);
        let (top, matched) = searcher
            .search(
                &query,
                &(TopDocs::with_limit(limit).order_by_score(), SourcesOf),
            )
            .map_err(err)?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let seg = searcher.segment_reader(addr.segment_ord);
            let ff = seg.fast_fields();
            let get = |name: &str| -> Result<u64, SearchError> {
                ff.u64(name)
                    .map_err(err)?
                    .first(addr.doc_id)
                    .ok_or_else(|| SearchError::Engine(format!("no {name} for a hit")))
            };
            let (s, t, v) = (get("source")?, get("table")?, get("variable")?);
            hits.push(Hit {
                source: s as usize,
                table: (t != NONE).then_some(t as usize),
                variable: (v != NONE).then_some(v as usize),
                score,
            });
        }
        // Matching sources: best hit first, then the rest by name.
        let order = match lang {
            Lang::En => &self.by_name_en,
            Lang::Da => &self.by_name_da,
        };
        let mut sources: Vec<usize> = Vec::new();
        let mut seen = vec![false; self.facts.len()];
        if !browse {
            for h in &hits {
                if !seen[h.source] {
                    seen[h.source] = true;
                    sources.push(h.source);
                }
            }
        }
        for &i in order {
            if matched.get(i).copied().unwrap_or(false) && !seen[i] {
                seen[i] = true;
                sources.push(i);
            }
        }
        if browse {
            hits = sources
                .iter()
                .take(limit)
                .map(|&s| Hit {
                    source: s,
                    table: None,
                    variable: None,
                    score: 0.0,
                })
                .collect();
        }
        let facets = self.facets(&sources);
        Ok(Results {
            hits,
            sources,
            facets,
        })
    }

    fn facets(&self, sources: &[usize]) -> Facets {
        let mut controllers: BTreeMap<&str, u64> = BTreeMap::new();
        let mut types: BTreeMap<DataType, u64> = BTreeMap::new();
        let mut topics: BTreeMap<&str, u64> = BTreeMap::new();
        let mut decades: BTreeMap<i32, u64> = BTreeMap::new();
        for &i in sources {
            let f = &self.facts[i];
            *controllers.entry(&f.controller).or_default() += 1;
            *types.entry(f.data_type).or_default() += 1;
            for t in &f.topics {
                *topics.entry(t).or_default() += 1;
            }
            *decades.entry(f.from_year.div_euclid(10) * 10).or_default() += 1;
        }
        Facets {
            controllers: controllers
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            data_types: types.into_iter().collect(),
            topics: topics.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            decades: decades.into_iter().collect(),
        }
    }

    /// Number of indexed documents (sources + tables + variables).
    pub fn documents(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}

/// Collects which sources have any matching document.
struct SourcesOf;

struct SourcesOfSegment {
    column: tantivy::columnar::Column<u64>,
    seen: Vec<bool>,
}

impl Collector for SourcesOf {
    type Fruit = Vec<bool>;
    type Child = SourcesOfSegment;

    fn for_segment(&self, _: u32, segment: &SegmentReader) -> tantivy::Result<SourcesOfSegment> {
        Ok(SourcesOfSegment {
            column: segment.fast_fields().u64("source")?,
            seen: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<bool>>) -> tantivy::Result<Vec<bool>> {
        let mut out: Vec<bool> = Vec::new();
        for f in fruits {
            if f.len() > out.len() {
                out.resize(f.len(), false);
            }
            for (o, x) in out.iter_mut().zip(f) {
                *o |= x;
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for SourcesOfSegment {
    type Fruit = Vec<bool>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(s) = self.column.first(doc) {
            let s = s as usize;
            if s >= self.seen.len() {
                self.seen.resize(s + 1, false);
            }
            self.seen[s] = true;
        }
    }

    fn harvest(self) -> Vec<bool> {
        self.seen
    }
}

/// A document of a [`TextIndex`]: its key and its text in both languages.
pub struct TextDoc<'a> {
    pub key: &'a str,
    pub title: &'a Text,
    /// Summaries, bodies: searched with a lower weight than the title.
    pub body: Vec<&'a Text>,
    /// Identifiers and codes, matched as written.
    pub idents: Vec<&'a str>,
}

/// How a query's words combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Every word must match (a search box).
    All,
    /// Any word may match, the more the better (suggestions from a question's text).
    Any,
}

/// A full-text index over bilingual documents other than the catalog's — the knowledge
/// base's articles — searched exactly as the catalog is: the same analyzers, stemming,
/// prefixes and typo tolerance, BM25 ranking.
pub struct TextIndex {
    reader: IndexReader,
    words: Words,
    keys: Vec<String>,
}

impl TextIndex {
    pub fn build<'a>(docs: impl IntoIterator<Item = TextDoc<'a>>) -> Result<Self, SearchError> {
        let err = |e: tantivy::TantivyError| SearchError::Engine(e.to_string());
        let mut sb = Schema::builder();
        let slot = sb.add_u64_field("slot", FAST);
        let words = Words::add_fields(&mut sb);
        let index = Index::create_in_ram(sb.build());
        words.register(&index);
        let mut writer = index
            .writer_with_num_threads::<TantivyDocument>(1, 15_000_000)
            .map_err(err)?;
        let mut keys = Vec::new();
        for d in docs {
            let mut doc = TantivyDocument::default();
            doc.add_u64(slot, keys.len() as u64);
            doc.add_text(words.title_da, &d.title.da);
            doc.add_text(words.title_en, &d.title.en);
            for b in &d.body {
                doc.add_text(words.body_da, &b.da);
                doc.add_text(words.body_en, &b.en);
            }
            doc.add_text(words.ident_field, d.key);
            for i in &d.idents {
                doc.add_text(words.ident_field, i);
            }
            writer.add_document(doc).map_err(err)?;
            keys.push(d.key.to_owned());
        }
        writer.commit().map_err(err)?;
        let reader = index.reader().map_err(err)?;
        Ok(Self {
            reader,
            words,
            keys,
        })
    }

    /// The keys of the documents that match `q`, best first, at most `limit`. A query of
    /// stop words only, or none, matches nothing.
    pub fn search(&self, q: &str, how: Match, limit: usize) -> Result<Vec<String>, SearchError> {
        let chars = q.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(SearchError::TooLong {
                chars,
                max: MAX_QUERY_CHARS,
            });
        }
        self.matches(q, how, limit)
    }

    /// As [`search`](Self::search) for a longer text (a question): its first words are
    /// used and its length is not refused.
    pub fn suggest(&self, text: &str, limit: usize) -> Result<Vec<String>, SearchError> {
        self.matches(text, Match::Any, limit)
    }

    fn matches(&self, q: &str, how: Match, limit: usize) -> Result<Vec<String>, SearchError> {
        let err = |e: tantivy::TantivyError| SearchError::Engine(e.to_string());
        let occur = match how {
            Match::All => Occur::Must,
            Match::Any => Occur::Should,
        };
        let clauses: Vec<(Occur, Box<dyn TQuery>)> = Words::split(q)
            .into_iter()
            .filter_map(|w| self.words.query(w))
            .map(|wq| (occur, wq))
            .collect();
        if clauses.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let top = searcher
            .search(
                &BooleanQuery::new(clauses),
                &TopDocs::with_limit(limit).order_by_score(),
            )
            .map_err(err)?;
        let mut out = Vec::with_capacity(top.len());
        for (_, addr) in top {
            let slot = searcher
                .segment_reader(addr.segment_ord)
                .fast_fields()
                .u64("slot")
                .map_err(err)?
                .first(addr.doc_id)
                .ok_or_else(|| SearchError::Engine("no slot for a hit".into()))?;
            if let Some(k) = self.keys.get(slot as usize) {
                out.push(k.clone());
            }
        }
        Ok(out)
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}
