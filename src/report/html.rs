//! HTML rendering of the report: one file, inline CSS and SVG, no scripts and no external
//! references. Every piece of data is HTML-escaped; every verbatim and idea label carries
//! `dir="auto"` so Hebrew, Persian and Arabic text runs right to left inside left-to-right
//! pages.

use super::insights::{none_to_list, or_note};
use super::row::Row;
use super::svg::{driver_chart, stacked_bar, trend_chart, SENTIMENT_COLORS};
use super::{ReportData, ReportOptions};
use crate::analyze::ideas::languages_text;
use crate::analyze::nps::{NpsEstimate, MIN_N_INTERVAL, Z95};
use crate::analyze::themes::{NpsRow, ThemeRow};
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
    let mut s = format!("<h3>{}</h3>", esc(title));
    Row::head()
        .plain(esc(title))
        .labels(">answers|>scored|>NPS|>95% CI|promoters / passives / detractors")
        .table(&mut s, "");
    for r in rows {
        let c = &r.counts;
        let bar = stacked_bar(
            &[
                (c.promoters, SENTIMENT_COLORS[2]),
                (c.passives, SENTIMENT_COLORS[1]),
                (c.detractors, SENTIMENT_COLORS[0]),
            ],
            160.0,
            &format!(
                "{} promoters, {} passives, {} detractors",
                c.promoters, c.passives, c.detractors
            ),
        );
        Row::body()
            .text(&r.key)
            .num(c.answers())
            .num(c.n())
            .num(
                r.estimate
                    .map(|e| signed(e.nps))
                    .unwrap_or_else(|| "–".into()),
            )
            .num(r.estimate.map(|e| ci(&e)).unwrap_or_default())
            .plain(bar)
            .end(&mut s);
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
    Row::head()
        .labels("theme|>mentions|>share|>avg score|>NPS (95% CI)|sentiment (neg / neu / pos)|>NPS impact (95% CI)")
        .table(s, "");
    for t in &d.themes {
        let child = if d.parents.contains_key(&t.theme) {
            "↳ "
        } else {
            ""
        };
        Row::body()
            .cell(" dir=\"auto\"", format!("{child}{}", esc(&t.theme)))
            .num(t.mentions)
            .num(format!("{:.1}%", t.share * 100.0))
            .num(
                t.avg_score
                    .map(|a| format!("{a:.1}"))
                    .unwrap_or_else(|| "–".into()),
            )
            .num(
                t.nps
                    .map(|e| format!("{} <span class=\"meta\">{}</span>", signed(e.nps), ci(&e)))
                    .unwrap_or_else(|| "–".into()),
            )
            .plain(sentiment_cell(t.sentiment))
            .num(impact_cell(t))
            .end(s);
    }
    s.push_str("</table>");
}

/// The NPS impact of a theme with its interval, `n.s.` when the interval contains 0.
fn impact_cell(t: &ThemeRow) -> String {
    let Some(i) = t.impact else {
        return "–".into();
    };
    format!(
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
    )
}

/// A bar of negative / neutral / positive mentions with the counts beside it.
fn sentiment_cell([neg, neu, pos]: [u64; 3]) -> String {
    let bar = stacked_bar(
        &[
            (neg, SENTIMENT_COLORS[0]),
            (neu, SENTIMENT_COLORS[1]),
            (pos, SENTIMENT_COLORS[2]),
        ],
        110.0,
        &format!("{neg} negative, {neu} neutral, {pos} positive"),
    );
    format!("{bar} <span class=\"meta\">{neg} / {neu} / {pos}</span>")
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
        Row::head()
            .labels("feature|>mentions|>share|>mean score|>coefficient|>weight")
            .table(s, "");
        for x in &a.drivers {
            let sign = if x.signed_percent < 0.0 { "neg" } else { "pos" };
            Row::body()
                .plain(esc(&x.feature))
                .num(x.mentions)
                .num(format!("{:.1}%", x.share * 100.0))
                .num(format!("{:.2}", x.mean_score))
                .num(format!("{:+.2}", x.coefficient))
                .cell(
                    &format!(" class=\"num {sign}\""),
                    format!("{:+.1}%", x.signed_percent),
                )
                .end(s);
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
    let Some(r) = or_note(&d.ideas, "No ideas", s) else {
        return;
    };
    let _ = write!(
        s,
        "<p class=\"note\">{} suggestion sentences from {} respondents, grouped by meaning across languages; ranked by distinct respondents (at least {}).</p>",
        r.suggestions, r.respondents, opts.ideas.min_count
    );
    if none_to_list(&r.ideas, "No idea was raised by enough respondents.", s) {
        return;
    }
    Row::head()
        .labels(">#|idea|>respondents|languages|>avg score|examples")
        .table(s, "");
    for i in r.ideas.iter().take(opts.ideas_shown) {
        let mut ex = String::new();
        for e in &i.examples {
            let _ = write!(ex, "<blockquote dir=\"auto\">{}</blockquote>", esc(&e.text));
        }
        let label = format!(
            "<b dir=\"auto\">{}</b><div class=\"kp\">{}</div>",
            esc(&i.label),
            esc(&i.keyphrases.join(" · "))
        );
        Row::body()
            .num(i.rank)
            .plain(label)
            .num(i.respondents)
            .plain(esc(&languages_text(&i.languages)))
            .num(
                i.avg_score
                    .map(|a| format!("{a:.1}"))
                    .unwrap_or_else(|| "–".into()),
            )
            .plain(ex)
            .end(s);
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
            Row::head()
                .labels("owner|answers to follow up")
                .table(s, " class=\"followup\"");
            for (owner, n) in rows {
                Row::body().text(owner).num(n).end(s);
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
