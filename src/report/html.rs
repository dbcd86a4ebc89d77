//! HTML rendering of the report: one file, inline CSS and SVG, no scripts and no external
//! references. Every piece of data is HTML-escaped; every verbatim and idea label carries
//! `dir="auto"` so Hebrew, Persian and Arabic text runs right to left inside left-to-right
//! pages.

use super::svg::{driver_chart, stacked_bar, trend_chart, SENTIMENT_COLORS};
use super::{ReportData, ReportOptions};
use crate::analyze::ideas::languages_text;
use crate::analyze::nps::{NpsEstimate, MIN_N_INTERVAL, Z95};
use crate::analyze::themes::NpsRow;
use std::fmt::Write;

/// [`crate::html::escape`], the report's short name for it.
pub use crate::html::escape as esc;

const CSS: &str = r#"
body{font-family:-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Hebrew","Noto Sans Arabic",Arial,sans-serif;color:#2c3e50;margin:0;background:#f4f6f8}
main{max-width:960px;margin:0 auto;padding:24px 28px 48px;background:#fff}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:34px 0 8px;border-bottom:2px solid #e5e8eb;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
.sub{color:#7f8c8d;margin:0 0 18px}.note{color:#7f8c8d;font-size:13px}
.cards{display:flex;gap:14px;flex-wrap:wrap}.card{flex:1;min-width:170px;border:1px solid #e5e8eb;border-radius:8px;padding:12px 16px}
.big{font-size:40px;font-weight:700;line-height:1.1}.lab{font-size:12px;color:#7f8c8d;text-transform:uppercase;letter-spacing:.04em}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}th,td{padding:5px 7px;border-bottom:1px solid #eef0f2;text-align:left;vertical-align:top}
th{background:#f7f9fa;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.ns{color:#7f8c8d;font-size:11px;border:1px solid #c9cfd4;border-radius:3px;padding:0 3px;margin-left:4px}
.neg{color:#c0392b}.pos{color:#1e8449}
svg.chart{max-width:100%;height:auto;font-size:12px}svg .tick{fill:#7f8c8d;font-size:11px}svg .tick.n{font-size:10px}
svg .val{fill:#2471a3;font-size:11px;font-weight:600}svg .lbl{fill:#2c3e50;font-size:11.5px}svg .quad{font-size:12px;font-style:italic}svg .axis{fill:#7f8c8d;font-size:12px}
blockquote{margin:4px 0;padding:4px 10px;border-inline-start:3px solid #d5dbdf;background:#fafbfc;font-size:13.5px}
.meta{color:#7f8c8d;font-size:11.5px;margin-inline-start:6px}.tag{display:inline-block;font-size:11px;border-radius:3px;padding:0 4px;color:#fff}
.tag.negative{background:#c0392b}.tag.neutral{background:#95a5a6}.tag.positive{background:#1e8449}
.kp{color:#7f8c8d;font-size:12px}
footer{color:#95a5a6;font-size:11.5px;margin-top:36px}
"#;

fn signed(v: f64) -> String {
    format!("{v:+.1}")
}

/// The 95% interval, or a "n<10" mark for a group too small for one.
fn ci(e: &NpsEstimate) -> String {
    match e.interval() {
        Some((low, high)) => format!("{} to {}", signed(low), signed(high)),
        None => format!(
            "<span class=\"ns\" title=\"fewer than {MIN_N_INTERVAL} scored answers: no interval\">n&lt;{MIN_N_INTERVAL}</span>"
        ),
    }
}

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        "–".into()
    } else {
        format!("{:.0}%", 100.0 * part as f64 / whole as f64)
    }
}

fn nps_table(title: &str, rows: &[NpsRow]) -> String {
    let mut s = format!(
        "<h3>{}</h3><table><tr><th>{}</th><th class=\"num\">answers</th><th class=\"num\">scored</th><th class=\"num\">NPS</th><th class=\"num\">95% CI</th><th>promoters / passives / detractors</th></tr>",
        esc(title),
        esc(title)
    );
    for r in rows {
        let c = &r.counts;
        let _ = write!(
            s,
            "<tr><td dir=\"auto\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&r.key),
            c.answers(),
            c.n(),
            r.estimate.map(|e| signed(e.nps)).unwrap_or_else(|| "–".into()),
            r.estimate.map(|e| ci(&e)).unwrap_or_default(),
            stacked_bar(
                &[
                    (c.promoters, SENTIMENT_COLORS[2]),
                    (c.passives, SENTIMENT_COLORS[1]),
                    (c.detractors, SENTIMENT_COLORS[0])
                ],
                160.0,
                &format!(
                    "{} promoters, {} passives, {} detractors",
                    c.promoters, c.passives, c.detractors
                )
            )
        );
    }
    s.push_str("</table>");
    s
}

fn headline(d: &ReportData, s: &mut String) {
    let o = &d.nps.overall;
    let c = &o.counts;
    let _ = write!(
        s,
        "<div class=\"cards\"><div class=\"card\"><div class=\"lab\">Net Promoter Score</div>"
    );
    match o.estimate {
        Some(e) if e.small_n() => {
            let _ = write!(
                s,
                "<div class=\"big\">{}</div><div class=\"note\">n = {} scored: fewer than {MIN_N_INTERVAL}, no interval</div>",
                signed(e.nps),
                e.n
            );
        }
        Some(e) => {
            let _ = write!(
                s,
                "<div class=\"big\">{}</div><div class=\"note\">95% CI {} (±{:.1}), n = {} scored</div>",
                signed(e.nps),
                ci(&e),
                Z95 * e.se,
                e.n
            );
        }
        None => s.push_str("<div class=\"big\">–</div><div class=\"note\">no scored answers</div>"),
    }
    let _ = write!(
        s,
        "</div><div class=\"card\"><div class=\"lab\">Promoters / passives / detractors</div><div class=\"big\" style=\"font-size:26px\"><span class=\"pos\">{}</span> / {} / <span class=\"neg\">{}</span></div>{}</div>",
        pct(c.promoters, c.n()),
        pct(c.passives, c.n()),
        pct(c.detractors, c.n()),
        stacked_bar(
            &[
                (c.promoters, SENTIMENT_COLORS[2]),
                (c.passives, SENTIMENT_COLORS[1]),
                (c.detractors, SENTIMENT_COLORS[0])
            ],
            200.0,
            "promoters, passives, detractors"
        )
    );
    let _ = write!(
        s,
        "<div class=\"card\"><div class=\"lab\">Answers</div><div class=\"big\">{}</div><div class=\"note\">{} languages · {} with a suggestion</div></div></div>",
        d.answers,
        d.nps.languages.len(),
        d.suggestions
    );
}

fn themes_section(d: &ReportData, s: &mut String) {
    s.push_str("<h2>Themes</h2><p class=\"note\">Mentions count answers (respondents). Impact = NPS of all answers minus NPS of the answers without the theme, with a 95% bootstrap interval; <span class=\"ns\">n.s.</span> marks an interval that contains 0.</p>");
    s.push_str("<table><tr><th>theme</th><th class=\"num\">mentions</th><th class=\"num\">share</th><th class=\"num\">avg score</th><th class=\"num\">NPS (95% CI)</th><th>sentiment (neg / neu / pos)</th><th class=\"num\">NPS impact (95% CI)</th></tr>");
    for t in &d.themes {
        let impact = match t.impact {
            Some(i) => format!(
                "<span class=\"{}\">{}</span> <span class=\"meta\">{} to {}</span>{}",
                if i.impact < 0.0 { "neg" } else { "pos" },
                signed(i.impact),
                signed(i.low),
                signed(i.high),
                if i.contains_zero {
                    "<span class=\"ns\" title=\"the interval contains 0\">n.s.</span>"
                } else {
                    ""
                }
            ),
            None => "–".into(),
        };
        let [neg, neu, pos] = t.sentiment;
        let _ = write!(
            s,
            "<tr><td dir=\"auto\">{}{}</td><td class=\"num\">{}</td><td class=\"num\">{:.1}%</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{} <span class=\"meta\">{} / {} / {}</span></td><td class=\"num\">{}</td></tr>",
            if d.parents.contains_key(&t.theme) { "↳ " } else { "" },
            esc(&t.theme),
            t.mentions,
            t.share * 100.0,
            t.avg_score.map(|a| format!("{a:.1}")).unwrap_or_else(|| "–".into()),
            t.nps
                .map(|e| format!("{} <span class=\"meta\">{}</span>", signed(e.nps), ci(&e)))
                .unwrap_or_else(|| "–".into()),
            stacked_bar(
                &[
                    (neg, SENTIMENT_COLORS[0]),
                    (neu, SENTIMENT_COLORS[1]),
                    (pos, SENTIMENT_COLORS[2])
                ],
                110.0,
                &format!("{neg} negative, {neu} neutral, {pos} positive")
            ),
            neg,
            neu,
            pos,
            impact
        );
    }
    s.push_str("</table>");
}

fn drivers_section(d: &ReportData, s: &mut String) {
    let a = &d.drivers;
    let _ = write!(
        s,
        "<h2>Key drivers</h2><p class=\"note\">Johnson relative weights of theme indicators (split by sentiment where both sides have support) on the 0–10 score; n = {}, R² = {:.3}. The sign follows the regression coefficient: negative pulls the score down.</p>",
        a.n, a.r_squared
    );
    s.push_str(&driver_chart(&a.drivers));
    if !a.drivers.is_empty() {
        s.push_str("<table><tr><th>feature</th><th class=\"num\">mentions</th><th class=\"num\">share</th><th class=\"num\">mean score</th><th class=\"num\">coefficient</th><th class=\"num\">weight</th></tr>");
        for x in &a.drivers {
            let _ = write!(
                s,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{:.1}%</td><td class=\"num\">{:.2}</td><td class=\"num\">{:+.2}</td><td class=\"num {}\">{:+.1}%</td></tr>",
                esc(&x.feature),
                x.mentions,
                x.share * 100.0,
                x.mean_score,
                x.coefficient,
                if x.signed_percent < 0.0 { "neg" } else { "pos" },
                x.signed_percent
            );
        }
        s.push_str("</table>");
    }
    if !a.notes.is_empty() {
        s.push_str("<ul class=\"note\">");
        for n in &a.notes {
            let _ = write!(s, "<li>{}</li>", esc(n));
        }
        s.push_str("</ul>");
    }
}

fn ideas_section(d: &ReportData, opts: &ReportOptions, s: &mut String) {
    s.push_str("<h2>Improvement ideas</h2>");
    let Some(r) = super::insights::or_note(&d.ideas, "No ideas", s) else {
        return;
    };
    let _ = write!(
        s,
        "<p class=\"note\">{} suggestion sentences from {} respondents, grouped by meaning across languages; ranked by distinct respondents (at least {}).</p>",
        r.suggestions, r.respondents, opts.ideas.min_count
    );
    if r.ideas.is_empty() {
        s.push_str("<p class=\"note\">No idea was raised by enough respondents.</p>");
        return;
    }
    s.push_str("<table><tr><th class=\"num\">#</th><th>idea</th><th class=\"num\">respondents</th><th>languages</th><th class=\"num\">avg score</th><th>examples</th></tr>");
    for i in r.ideas.iter().take(opts.ideas_shown) {
        let mut ex = String::new();
        for e in &i.examples {
            let _ = write!(ex, "<blockquote dir=\"auto\">{}</blockquote>", esc(&e.text));
        }
        let _ = write!(
            s,
            "<tr><td class=\"num\">{}</td><td><b dir=\"auto\">{}</b><div class=\"kp\">{}</div></td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            i.rank,
            esc(&i.label),
            esc(&i.keyphrases.join(" · ")),
            i.respondents,
            esc(&languages_text(&i.languages)),
            i.avg_score.map(|a| format!("{a:.1}")).unwrap_or_else(|| "–".into()),
            ex
        );
    }
    s.push_str("</table>");
}

fn examples_section(d: &ReportData, s: &mut String) {
    if d.examples.is_empty() {
        return;
    }
    s.push_str("<h2>What people say, by theme</h2>");
    for t in &d.themes {
        let Some(list) = d.examples.get(&t.theme) else {
            continue;
        };
        let _ = write!(s, "<h3 dir=\"auto\">{}</h3>", esc(&t.theme));
        for e in list {
            let _ = write!(
                s,
                "<blockquote dir=\"auto\">{}<span class=\"meta\"><span class=\"tag {}\">{}</span> {} · score {}</span></blockquote>",
                esc(&e.text),
                e.sentiment.as_str(),
                e.sentiment.as_str(),
                esc(&e.lang),
                e.score.map(|x| x.to_string()).unwrap_or_else(|| "–".into())
            );
        }
    }
}

fn followup_section(d: &ReportData, s: &mut String) {
    s.push_str("<h2>Follow-up</h2><p class=\"note\">Answers that need a response: detractors, negative sentences about a theme with an <code>owner:</code> in the codebook, and requests to be contacted, by owner. <code>verbatim followup RUN</code> writes one CSV per owner, worst first.</p>");
    match &d.followup {
        Err(why) => {
            let _ = write!(s, "<p class=\"note\">No follow-up counts: {}</p>", esc(why));
        }
        Ok(rows) => {
            s.push_str(
                "<table class=\"followup\"><tr><th>owner</th><th>answers to follow up</th></tr>",
            );
            for (owner, n) in rows {
                let _ = write!(
                    s,
                    "<tr><td dir=\"auto\">{}</td><td class=\"num\">{n}</td></tr>",
                    esc(owner)
                );
            }
            s.push_str("</table>");
        }
    }
}

/// Renders the whole report.
pub fn render(d: &ReportData, opts: &ReportOptions) -> String {
    let mut s = String::with_capacity(64 * 1024);
    let _ = write!(
        s,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Feedback report – {}</title><style>{CSS}{}</style></head><body><main>",
        esc(&d.run_name),
        super::insights::CSS
    );
    let _ = write!(
        s,
        "<h1>Feedback report</h1><p class=\"sub\">Run <b dir=\"auto\">{}</b>{}</p>",
        esc(&d.run_name),
        d.date_range
            .as_ref()
            .map(|(a, b)| format!(" · answers from {} to {}", esc(a), esc(b)))
            .unwrap_or_default()
    );
    headline(d, &mut s);
    if let Some(c) = &d.comparison {
        super::insights::compare_section(c, &mut s);
    }
    let _ = write!(
        s,
        "<h2>NPS by {}</h2><p class=\"note\">Line: NPS; band: 95% confidence interval (SE = 100·√((p+d−(p−d)²)/n)).{}</p>",
        d.nps.period.as_str(),
        if d.nps.undated > 0 {
            format!(" {} answers have no usable date.", d.nps.undated)
        } else {
            String::new()
        }
    );
    s.push_str(&trend_chart(&d.nps.periods));
    drivers_section(d, &mut s);
    themes_section(d, &mut s);
    match &d.trends {
        Ok(t) => super::insights::trends_section(t, &mut s),
        Err(why) => {
            let _ = write!(s, "<h2>Theme trends</h2><p class=\"note\">{}</p>", esc(why));
        }
    }
    super::insights::candidates_section(&d.candidates, &mut s);
    ideas_section(d, opts, &mut s);
    followup_section(d, &mut s);
    s.push_str("<h2>NPS breakdowns</h2>");
    s.push_str(&nps_table("language", &d.nps.languages));
    s.push_str(&nps_table("segment", &d.nps.segments));
    if let Ok(t) = &d.segments {
        super::insights::segments_section(t, &mut s);
    }
    examples_section(d, &mut s);
    s.push_str("<footer>Made by verbatim. Tables: drivers.csv, themes.csv, ideas.csv, nps.csv beside this file.</footer></main></body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::{esc, nps_table};
    use crate::analyze::nps::NpsCounts;
    use crate::analyze::themes::NpsRow;

    #[test]
    fn a_group_below_ten_scored_answers_shows_no_interval() {
        let row = |key: &str, detractors: u64, promoters: u64| {
            let counts = NpsCounts {
                detractors,
                promoters,
                ..NpsCounts::default()
            };
            NpsRow {
                key: key.into(),
                estimate: counts.estimate(),
                counts,
            }
        };
        let html = nps_table("segment", &[row("one", 1, 0), row("many", 10, 30)]);
        assert!(!html.contains("-100.0 to -100.0"), "{html}");
        assert!(html.contains("n&lt;10"), "{html}");
        assert!(
            html.contains(" to +"),
            "the large group keeps its interval: {html}"
        );
        let csv = super::super::tables::nps_csv(&crate::analyze::themes::NpsTables {
            overall: row("all", 1, 0),
            segments: vec![],
            languages: vec![],
            period: crate::analyze::period::Period::Month,
            periods: vec![],
            undated: 0,
        });
        assert!(
            csv.ends_with("overall,all,1,1,0,0,1,-100.00,0.000,,,true\n"),
            "{csv}"
        );
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<b a=\"x\">'&'</b>"),
            "&lt;b a=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;"
        );
    }
}
