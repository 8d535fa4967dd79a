//! Documentation pages are Markdown written by stewards. Rendering escapes all text and
//! refuses raw HTML, so a page can never carry script or markup of its own; links may only
//! go to web addresses, e-mail or this site.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

/// The largest page accepted, in bytes (per language).
pub const MAX_BYTES: usize = 100_000;

/// Why a page was refused, with the line it is on (1-based) where that helps.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkdownError {
    #[error("the page is {bytes} bytes; at most {max} are accepted")]
    TooLong { bytes: usize, max: usize },
    #[error("line {line}: raw HTML is not allowed; use Markdown")]
    Html { line: usize },
    #[error("line {line}: the link {url:?} is not an http(s), mailto or site address")]
    Link { line: usize, url: String },
    #[error("the page contains a NUL character")]
    Nul,
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

fn safe_url(url: &str) -> bool {
    let u = url.trim().to_ascii_lowercase();
    u.starts_with("https://")
        || u.starts_with("http://")
        || u.starts_with("mailto:")
        || (u.starts_with('/') && !u.starts_with("//"))
        || u.starts_with('#')
}

/// Checks a page; `Ok` means it renders safely.
pub fn check(md: &str) -> Result<(), MarkdownError> {
    if md.len() > MAX_BYTES {
        return Err(MarkdownError::TooLong {
            bytes: md.len(),
            max: MAX_BYTES,
        });
    }
    if md.contains('\0') {
        return Err(MarkdownError::Nul);
    }
    let line_of = |offset: usize| md[..offset.min(md.len())].matches('\n').count() + 1;
    for (event, range) in Parser::new_ext(md, options()).into_offset_iter() {
        match event {
            Event::Html(_) | Event::InlineHtml(_) => {
                return Err(MarkdownError::Html {
                    line: line_of(range.start),
                });
            }
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. })
                if !safe_url(&dest_url) =>
            {
                return Err(MarkdownError::Link {
                    line: line_of(range.start),
                    url: dest_url.chars().take(80).collect(),
                });
            }
            _ => {}
        }
    }
    Ok(())
}

fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        HeadingLevel::H3 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// Renders a checked page to HTML. Headings move down two levels, since the page sits
/// under the source's own heading and a section heading. Anything unsafe that slipped past
/// (a page from before the rules) is shown as text, never as markup.
pub fn render(md: &str) -> String {
    let events = Parser::new_ext(md, options()).map(|e| match e {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: demote(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(demote(level))),
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if !safe_url(&dest_url) => Event::Start(Tag::Link {
            link_type,
            dest_url: CowStr::from("#"),
            title,
            id,
        }),
        Event::Start(Tag::Image { .. }) => Event::Text(CowStr::from("")),
        Event::End(TagEnd::Image) => Event::Text(CowStr::from("")),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_html_refused() {
        assert!(render("Hej <b>x</b> & *y*").contains("&lt;b&gt;x&lt;/b&gt; &amp; <em>y</em>"));
        assert_eq!(
            check("ok\n\n<script>alert(1)</script>"),
            Err(MarkdownError::Html { line: 3 })
        );
        assert_eq!(
            check("a <span>b</span>"),
            Err(MarkdownError::Html { line: 1 })
        );
        assert!(check("# Title\n\n- a\n- b\n\n| a | b |\n|---|---|\n| 1 | 2 |").is_ok());
        assert!(render("# Title\n\n## Sub").contains("<h3>Title</h3>\n<h4>Sub</h4>"));
    }

    #[test]
    fn only_safe_links() {
        assert!(check("[x](https://sundhedsdatastyrelsen.dk)").is_ok());
        assert!(check("[x](/catalog/sources/lpr)").is_ok());
        assert!(matches!(
            check("[x](javascript:alert(1))"),
            Err(MarkdownError::Link { line: 1, .. })
        ));
        assert!(matches!(
            check("[x](//evil.example)"),
            Err(MarkdownError::Link { .. })
        ));
        assert!(!render("[x](javascript:alert(1))").contains("javascript"));
    }

    #[test]
    fn size_is_limited() {
        let big = "a".repeat(MAX_BYTES + 1);
        assert!(matches!(check(&big), Err(MarkdownError::TooLong { .. })));
        assert_eq!(check("a\0b"), Err(MarkdownError::Nul));
    }
}
