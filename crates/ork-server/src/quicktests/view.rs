//! A quick-test answer on the page: the table of cells and server-made SVG charts (the
//! age/sex pyramid, bars by region and by year), with suppressed cells shown as such.

use super::service::QuickTestAnswer;
use ork_quicktest::answer::ShownCell;
use ork_quicktest::cohort::Breakdown;

/// A region code's name, "not stated" for none.
pub(super) fn region_name(code: &str, lang: ork_domain::Lang) -> String {
    code.parse::<u16>()
        .ok()
        .and_then(ork_domain::Region::by_code)
        .map(|r| r.name(lang).to_owned())
        .unwrap_or_else(|| crate::i18n::text(lang, "qt.region_unknown").to_owned())
}

/// The region codes in code order, as the region chart lists them.
pub(super) fn region_codes() -> Vec<String> {
    let mut codes: Vec<u16> = ork_domain::REGIONS.iter().map(|r| r.code).collect();
    codes.sort_unstable();
    codes.iter().map(u16::to_string).collect()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One bar: its label, the sum of the shown cells behind it, and whether some of them are
/// hidden (then the bar is at least that, and says so).
pub struct Bar {
    pub label: String,
    pub value: u64,
    pub partial: bool,
}

fn shown_sum<'a>(cells: impl Iterator<Item = &'a ShownCell>) -> (u64, bool) {
    let mut sum = 0;
    let mut partial = false;
    for c in cells {
        match c.count {
            Some(n) => sum += n,
            None => partial = true,
        }
    }
    (sum, partial)
}

fn bar_label(b: &Bar, at_least: &str) -> String {
    if b.partial {
        format!("{at_least} {}", b.value)
    } else {
        b.value.to_string()
    }
}

/// A horizontal bar chart as SVG, with its title and a description naming every bar.
pub fn bar_chart(id: &str, title: &str, bars: &[Bar], at_least: &str) -> String {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    let (left, width, row) = (190.0, 320.0, 24.0);
    let h = 30.0 + row * bars.len() as f64;
    let desc: Vec<String> = bars
        .iter()
        .map(|b| format!("{}: {}", b.label, bar_label(b, at_least)))
        .collect();
    let mut s = format!(
        r#"<svg class="ork-chart" data-testid="{id}" role="img" aria-labelledby="{id}-t {id}-d" viewBox="0 0 600 {h}" width="600" height="{h}" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(&desc.join("; "))
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 20.0 + row * i as f64;
        let w = (b.value as f64 / max * width).max(if b.value > 0 { 1.0 } else { 0.0 });
        let class = if b.partial {
            "ork-bar ork-bar-partial"
        } else {
            "ork-bar"
        };
        s.push_str(&format!(
            r#"<text x="{}" y="{}" text-anchor="end" class="ork-chart-label">{}</text><rect x="{left}" y="{}" width="{w:.1}" height="{}" class="{class}"/><text x="{}" y="{}" class="ork-chart-value">{}</text>"#,
            left - 8.0,
            y + 14.0,
            esc(&b.label),
            y + 2.0,
            row - 6.0,
            left + w + 6.0,
            y + 14.0,
            esc(&bar_label(b, at_least)),
        ));
    }
    s.push_str("</svg>");
    s
}

/// The age/sex pyramid: men to the left, women to the right, oldest at the top.
pub fn pyramid(title: &str, men: &[Bar], women: &[Bar], words: (&str, &str, &str)) -> String {
    let (m_word, f_word, at_least) = words;
    let max = men
        .iter()
        .chain(women)
        .map(|b| b.value)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let (mid, half, row) = (300.0, 200.0, 22.0);
    let h = 40.0 + row * men.len() as f64;
    let desc: Vec<String> = men
        .iter()
        .zip(women)
        .map(|(m, f)| {
            format!(
                "{}: {m_word} {}, {f_word} {}",
                m.label,
                bar_label(m, at_least),
                bar_label(f, at_least)
            )
        })
        .collect();
    let mut s = format!(
        r#"<svg class="ork-chart" data-testid="qt-pyramid" role="img" aria-labelledby="qt-pyr-t qt-pyr-d" viewBox="0 0 600 {h}" width="600" height="{h}" xmlns="http://www.w3.org/2000/svg"><title id="qt-pyr-t">{}</title><desc id="qt-pyr-d">{}</desc><text x="{}" y="14" text-anchor="end" class="ork-chart-label">{}</text><text x="{}" y="14" class="ork-chart-label">{}</text>"#,
        esc(title),
        esc(&desc.join("; ")),
        mid - 40.0,
        esc(m_word),
        mid + 40.0,
        esc(f_word)
    );
    for (i, (m, f)) in men.iter().zip(women).enumerate().rev() {
        let y = 26.0 + row * (men.len() - 1 - i) as f64;
        let wm = m.value as f64 / max * (half - 60.0);
        let wf = f.value as f64 / max * (half - 60.0);
        let cm = if m.partial {
            "ork-bar ork-bar-partial"
        } else {
            "ork-bar"
        };
        let cf = if f.partial {
            "ork-bar ork-bar-alt ork-bar-partial"
        } else {
            "ork-bar ork-bar-alt"
        };
        s.push_str(&format!(
            r#"<rect x="{:.1}" y="{y}" width="{wm:.1}" height="{}" class="{cm}"/><rect x="{}" y="{y}" width="{wf:.1}" height="{}" class="{cf}"/><text x="{mid}" y="{}" text-anchor="middle" class="ork-chart-label">{}</text><text x="{:.1}" y="{}" text-anchor="end" class="ork-chart-value">{}</text><text x="{:.1}" y="{}" class="ork-chart-value">{}</text>"#,
            mid - 30.0 - wm,
            row - 5.0,
            mid + 30.0,
            row - 5.0,
            y + 13.0,
            esc(&m.label),
            mid - 34.0 - wm,
            y + 13.0,
            esc(&bar_label(m, at_least)),
            mid + 34.0 + wf,
            y + 13.0,
            esc(&bar_label(f, at_least)),
        ));
    }
    s.push_str("</svg>");
    s
}

/// The answer as the page shows it.
pub struct ResultView {
    pub count: Option<u64>,
    pub threshold: u64,
    pub price: String,
    pub rules: Vec<String>,
    pub headers: Vec<String>,
    pub rows: Vec<(Vec<String>, Option<u64>)>,
    pub charts: Vec<String>,
    pub id: i64,
}

pub(super) const BANDS: [&str; 10] = [
    "0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+",
];

pub(super) fn result_view(
    t: &crate::i18n::Tr,
    breakdown: &[Breakdown],
    a: &QuickTestAnswer,
) -> ResultView {
    let lang = t.lang;
    let cells = &a.report.cells;
    let has = |k: Breakdown| breakdown.contains(&k);
    let mut charts = Vec::new();
    if has(Breakdown::Sex) && has(Breakdown::AgeBand) {
        charts.push(pyramid_chart(t, cells));
    }
    if has(Breakdown::Region) {
        charts.push(region_chart(t, cells));
    }
    if has(Breakdown::Year) {
        charts.push(year_chart(t, cells));
    }
    let price = &a.price;
    ResultView {
        count: a.report.count,
        threshold: a.report.threshold,
        price: format!(
            "{} {:.2} ({} {:.2} {})",
            price.currency,
            price.amount,
            t.t("qt.with_vat"),
            price.amount_with_vat,
            price.tariff
        ),
        rules: a.report.rules.clone(),
        headers: breakdown
            .iter()
            .map(|b| t.t(&format!("qt.bd.{}", b.key())).to_owned())
            .collect(),
        rows: cells
            .iter()
            .map(|c| {
                (
                    breakdown
                        .iter()
                        .map(|b| {
                            let x = c.value(*b);
                            match b {
                                Breakdown::Region => region_name(x, lang),
                                Breakdown::Sex if x == "M" => t.t("qt.men").to_owned(),
                                Breakdown::Sex => t.t("qt.women").to_owned(),
                                _ => x.to_owned(),
                            }
                        })
                        .collect(),
                    c.count,
                )
            })
            .collect(),
        charts,
        id: a.id,
    }
}

/// The age/sex pyramid of the shown cells.
fn pyramid_chart(t: &crate::i18n::Tr, cells: &[ShownCell]) -> String {
    let at_least = t.t("qt.at_least");
    let side = |sex: &str| -> Vec<Bar> {
        BANDS
            .iter()
            .map(|band| {
                let (value, partial) = shown_sum(cells.iter().filter(|c| {
                    c.value(Breakdown::Sex) == sex && c.value(Breakdown::AgeBand) == *band
                }));
                Bar {
                    label: (*band).into(),
                    value,
                    partial,
                }
            })
            .collect()
    };
    pyramid(
        t.t("qt.chart.pyramid"),
        &side("M"),
        &side("F"),
        (t.t("qt.men"), t.t("qt.women"), at_least),
    )
}

/// Counts by region (and "unknown region" when a cell has none).
fn region_chart(t: &crate::i18n::Tr, cells: &[ShownCell]) -> String {
    let (lang, at_least) = (t.lang, t.t("qt.at_least"));
    let mut codes = region_codes();
    if cells.iter().any(|c| c.value(Breakdown::Region).is_empty()) {
        codes.push(String::new());
    }
    let bars: Vec<Bar> = codes
        .iter()
        .map(|code| {
            let (value, partial) =
                shown_sum(cells.iter().filter(|c| c.value(Breakdown::Region) == code));
            Bar {
                label: region_name(code, lang),
                value,
                partial,
            }
        })
        .collect();
    bar_chart("qt-regions", t.t("qt.chart.region"), &bars, at_least)
}

/// Counts by year.
fn year_chart(t: &crate::i18n::Tr, cells: &[ShownCell]) -> String {
    let at_least = t.t("qt.at_least");
    let mut years: Vec<String> = cells.iter().filter_map(|c| c.year.clone()).collect();
    years.sort();
    years.dedup();
    let bars: Vec<Bar> = years
        .iter()
        .map(|y| {
            let (value, partial) =
                shown_sum(cells.iter().filter(|c| c.value(Breakdown::Year) == y));
            Bar {
                label: if y.is_empty() {
                    t.t("qt.no_year").to_owned()
                } else {
                    y.clone()
                },
                value,
                partial,
            }
        })
        .collect();
    bar_chart("qt-years", t.t("qt.chart.year"), &bars, at_least)
}
