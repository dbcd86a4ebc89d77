//! Report sections of the analyst's next questions: the NPS change waterfall (`report --compare`),
//! the theme trend table with significance flags and new theme candidates, and the segments
//! against the rest. Same rules as the rest of the report page: escaped data, `dir="auto"` on
//! verbatims, inline SVG only.

use super::row::Row;
use crate::analyze::compare::{Comparison, Effect};
use crate::analyze::segments::{SegmentTable, SegmentTheme, Versus};
use crate::analyze::trends::{Candidates, Tested, Trends};
use crate::html::escape as esc;
use std::fmt::Write;

const NEG: &str = "#c0392b";
const POS: &str = "#1e8449";
const END: &str = "#2471a3";

/// One bar of the waterfall: label, start, end, whisker (low, high) and whether it is a total.
struct Step<'a> {
    label: &'a str,
    from: f64,
    to: f64,
    whisker: Option<(f64, f64)>,
    total: bool,
}

fn steps(c: &Comparison) -> Vec<Step<'_>> {
    let start = c.a.nps.unwrap_or(0.0);
    let mut out = vec![Step {
        label: &c.a.label,
        from: 0.0,
        to: start,
        whisker: None,
        total: true,
    }];
    let mut cum = start;
    for r in &c.contributions {
        let v = r.total.value;
        out.push(Step {
            label: &r.theme,
            from: cum,
            to: cum + v,
            whisker: Some((cum + r.total.low, cum + r.total.high)),
            total: false,
        });
        cum += v;
    }
    out.push(Step {
        label: &c.b.label,
        from: 0.0,
        to: c.b.nps.unwrap_or(cum),
        whisker: None,
        total: true,
    });
    out
}

/// Horizontal waterfall: NPS of A, one floating bar per theme contribution (with its 95%
/// bootstrap interval as a whisker around the running total), NPS of B.
pub fn waterfall(c: &Comparison) -> String {
    let st = steps(c);
    let (w, row, top, left, right) = (880.0, 26.0, 24.0, 190.0, 70.0);
    let h = top + row * st.len() as f64 + 16.0;
    let pts = st.iter().flat_map(|s| {
        let (a, b) = s.whisker.unwrap_or((s.from, s.to));
        [s.from, s.to, a, b]
    });
    let (lo, hi) = pts.fold((0.0f64, 0.0f64), |(l, h), v| (l.min(v), h.max(v)));
    let pad = ((hi - lo) * 0.05).max(1.0);
    let (lo, hi) = (lo - pad, hi + pad);
    let sx = |v: f64| left + (w - left - right) * (v - lo) / (hi - lo);
    let mut s = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"NPS change waterfall\">"
    );
    let _ = write!(
        s,
        "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1}\" y2=\"{2:.1}\" stroke=\"#7f8c8d\"/><text x=\"{0:.1}\" y=\"14\" text-anchor=\"middle\" class=\"tick\">0</text>",
        sx(0.0),
        top - 6.0,
        h - 10.0
    );
    for (i, p) in st.iter().enumerate() {
        let y = top + row * i as f64;
        let more = i + 1 < st.len();
        waterfall_step(&mut s, p, Place { y, row, left, more }, &sx);
    }
    s.push_str("</svg>");
    s
}

/// Where one waterfall step is drawn: its row's top `y` and height `row`, the labels' right
/// edge `left`, and whether another step follows.
struct Place {
    y: f64,
    row: f64,
    left: f64,
    more: bool,
}

/// One step of the waterfall: label, bar, whisker, the dashed link to the next step, value.
fn waterfall_step(s: &mut String, p: &Step, at: Place, sx: &dyn Fn(f64) -> f64) {
    let Place { y, row, left, more } = at;
    let (x0, x1) = (sx(p.from.min(p.to)), sx(p.from.max(p.to)));
    let color = if p.total {
        END
    } else if p.to < p.from {
        NEG
    } else {
        POS
    };
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" class=\"lbl\" direction=\"ltr\">{}</text><rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\"><title>{}: {:+.2}</title></rect>",
        left - 8.0,
        y + 16.0,
        esc(p.label),
        y + 4.0,
        (x1 - x0).max(1.0),
        row - 8.0,
        esc(p.label),
        if p.total { p.to } else { p.to - p.from }
    );
    if let Some((a, b)) = p.whisker {
        let _ = write!(
            s,
            "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#2c3e50\" stroke-width=\"1.2\"/>",
            sx(a),
            sx(b),
            y + row / 2.0,
            y + row / 2.0
        );
    }
    if !p.total && more {
        let _ = write!(
            s,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1:.1}\" y2=\"{2:.1}\" stroke=\"#95a5a6\" stroke-dasharray=\"2,2\"/>",
            sx(p.to),
            y + row - 4.0,
            y + row + 4.0
        );
    }
    let v = if p.total { p.to } else { p.to - p.from };
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" class=\"val\">{v:+.1}</text>",
        x1.max(p.whisker.map_or(x1, |(_, b)| sx(b))) + 5.0,
        y + 16.0
    );
}

fn effect(e: &Effect) -> String {
    let ns = e.low <= 0.0 && e.high >= 0.0;
    format!(
        "<span class=\"{}\">{:+.2}</span> <span class=\"meta\">{:+.1} to {:+.1}</span>{}",
        if e.value < 0.0 { "neg" } else { "pos" },
        e.value,
        e.low,
        e.high,
        if ns {
            "<span class=\"ns\">n.s.</span>"
        } else {
            ""
        }
    )
}

/// The "Why NPS changed" section: waterfall and the mix / rate table.
pub fn compare_section(c: &Comparison, s: &mut String) {
    let nps = |v: Option<f64>| v.map(|x| format!("{x:+.1}")).unwrap_or_else(|| "–".into());
    let _ = write!(
        s,
        "<h2 id=\"compare\">Why NPS changed: <span dir=\"auto\">{}</span> → <span dir=\"auto\">{}</span></h2><p class=\"note\">NPS {} (n = {}) → {} (n = {}), change {}. Each theme's contribution is its mix effect (its share of answers moved) plus its rate effect (its answers scored differently); an answer with k themes counts 1/k for each, so the bars add up exactly to the change. Whiskers and intervals: 95% bootstrap over answers ({} resamples, seed {}).</p>",
        esc(&c.a.label),
        esc(&c.b.label),
        nps(c.a.nps),
        c.a.counts.n(),
        nps(c.b.nps),
        c.b.counts.n(),
        effect(&c.change),
        c.resamples,
        c.seed
    );
    s.push_str(&waterfall(c));
    Row::head()
        .labels("theme|>mentions|>NPS of its answers|>mix effect (95% CI)|>rate effect (95% CI)|>contribution (95% CI)")
        .table(s, "");
    for r in &c.contributions {
        Row::body()
            .text(&r.theme)
            .num(format!("{} → {}", r.mentions[0], r.mentions[1]))
            .num(format!("{} → {}", nps(r.group_nps[0]), nps(r.group_nps[1])))
            .num(effect(&r.mix))
            .num(effect(&r.rate))
            .num(effect(&r.total))
            .end(s);
    }
    s.push_str("</table>");
}

/// `▲`/`▼` for a significant change, with the adjusted p-value as a tooltip.
fn flag(t: &Option<Tested>) -> String {
    match t {
        Some(t) if t.significant => format!(
            "<span class=\"{}\" title=\"BH-adjusted p = {:.4}\">{}</span>",
            if t.test.diff > 0.0 { "up" } else { "down" },
            t.q,
            if t.test.diff > 0.0 { "▲" } else { "▼" }
        ),
        _ => String::new(),
    }
}

/// The trends section: theme x period table of share and negative share, flagged changes.
pub fn trends_section(t: &Trends, s: &mut String) {
    let p = t.period.as_str();
    let _ = write!(
        s,
        "<h2 id=\"trends\">Theme trends by {p}</h2><p class=\"note\">Share of the {p}'s answers that mention the theme, and below it the negative share of those mentions. <span class=\"up\">▲</span>/<span class=\"down\">▼</span>: significantly higher / lower than all previous {p}s together (two-proportion z test, Benjamini-Hochberg over all {} tests at FDR {}; tested only with at least the minimum counts).</p>",
        t.tests, t.fdr
    );
    let head = t
        .periods
        .iter()
        .fold(Row::head().plain("theme"), |row, (k, n)| {
            row.num(format!("{}<div class=\"meta\">n={n}</div>", esc(k)))
        });
    head.table(s, " class=\"trends\"");
    for th in &t.themes {
        let row = th.cells.iter().fold(Row::body().text(&th.theme), |row, c| {
            row.num(format!(
                "{:.0}%{}<div class=\"meta\">neg {:.0}%{}</div>",
                100.0 * c.share,
                flag(&c.vs_previous.share_change),
                100.0 * c.negative_share,
                flag(&c.vs_previous.negative_change)
            ))
        });
        row.end(s);
    }
    s.push_str("</table>");
}

/// The data of a section, or `None` after a note that says why there is none
/// (`<p class="note">LEAD: WHY.</p>`).
pub(crate) fn or_note<'a, T>(
    data: &'a Result<T, String>,
    lead: &str,
    s: &mut String,
) -> Option<&'a T> {
    match data {
        Ok(v) => Some(v),
        Err(why) => {
            let _ = write!(s, "<p class=\"note\">{lead}: {}.</p>", esc(why));
            None
        }
    }
}

/// Whether a section has nothing to list, after a note that says so (`<p class="note">NOTE</p>`).
pub(crate) fn none_to_list<T>(items: &[T], note: &str, s: &mut String) -> bool {
    if items.is_empty() {
        let _ = write!(s, "<p class=\"note\">{}</p>", esc(note));
    }
    items.is_empty()
}

/// New theme candidates: keyphrases and example verbatims per cluster.
pub fn candidates_section(c: &Result<Candidates, String>, s: &mut String) {
    s.push_str("<h3 id=\"candidates\">New theme candidates</h3>");
    let Some(c) = or_note(c, "None computed", s) else {
        return;
    };
    let _ = write!(
        s,
        "<p class=\"note\">{} answers clustered into {} groups by meaning; a group is shown when no codebook theme covers most of its answers and it is new in {} or its share of answers grew significantly there. <code>verbatim trends RUN --save-codebook FILE</code> writes them as codebook entries.</p>",
        c.clustered,
        c.clusters,
        esc(&c.latest_period)
    );
    if none_to_list(&c.candidates, "No group is new or growing.", s) {
        return;
    }
    Row::head()
        .labels("candidate|>answers (latest / before)|examples")
        .table(s, "");
    for x in &c.candidates {
        let kp: Vec<String> = x
            .keyphrases
            .values()
            .flat_map(|v| v.iter().take(3).cloned())
            .collect();
        let mut ex = String::new();
        for e in x.examples.iter().take(4) {
            let _ = write!(ex, "<blockquote dir=\"auto\">{}</blockquote>", esc(e));
        }
        let new = if x.new {
            " <span class=\"tag positive\">new</span>"
        } else {
            ""
        };
        let label = format!(
            "<b>{}</b>{new}<div class=\"kp\" dir=\"auto\">{}</div>",
            esc(&x.id),
            esc(&kp.join(" · "))
        );
        Row::body()
            .plain(label)
            .num(format!("{} / {}", x.latest, x.before))
            .plain(ex)
            .end(s);
    }
    s.push_str("</table>");
}

fn versus(v: &Versus, pct: bool) -> String {
    let f = |x: f64| {
        if pct {
            format!("{:.0}%", 100.0 * x)
        } else {
            format!("{x:+.0}")
        }
    };
    format!(
        "{}{}<div class=\"meta\">rest {}</div>",
        f(v.value),
        flag(&v.tested),
        f(v.rest)
    )
}

/// The segments table: NPS and per-theme share / negative share of each value vs the rest.
pub fn segments_section(t: &SegmentTable, s: &mut String) {
    let _ = write!(
        s,
        "<h2 id=\"segments\">Segments against the rest</h2><p class=\"note\">Each segment value against all other answers: NPS, and per theme the share of answers that mention it (negative share of the mentions below). <span class=\"up\">▲</span>/<span class=\"down\">▼</span>: significantly higher / lower than the rest (two-proportion z test; NPS: z test with the NPS standard errors; Benjamini-Hochberg over all {} tests at FDR {}; untested below the minimum counts).</p>",
        t.tests, t.fdr
    );
    let Some(first) = t.rows.first() else {
        s.push_str("<p class=\"note\">No segment columns (analyze with --segment-col).</p>");
        return;
    };
    s.push_str("<div class=\"wide\">");
    let head = Row::head().plain("segment").num("answers").num("NPS");
    let head = first.themes.iter().fold(head, |row, th| {
        row.cell(" class=\"num\" dir=\"auto\"", esc(&th.theme))
    });
    head.table(s, " class=\"segments\"");
    for r in &t.rows {
        let nps = r.nps.as_ref().map(|v| versus(v, false));
        let row = Row::body()
            .text(&r.segment)
            .num(r.answers)
            .num(nps.unwrap_or_else(|| "–".into()));
        let row = r
            .themes
            .iter()
            .fold(row, |row, th| row.num(segment_theme_cell(th)));
        row.end(s);
    }
    s.push_str("</table></div>");
}

/// A theme's cell of the segments table: its share, and below it the negative share.
fn segment_theme_cell(th: &SegmentTheme) -> String {
    let neg = if th.mentions == 0 {
        "–".to_string()
    } else {
        format!("{:.0}%", 100.0 * th.negative_share.value)
    };
    format!(
        "{}<div class=\"meta\">neg {neg}{}</div>",
        versus(&th.share, true),
        flag(&th.negative_share.tested)
    )
}

/// CSS of these sections (appended to the report's style sheet).
pub const CSS: &str = ".up{color:#1e8449;font-size:11px;margin-inline-start:2px}.down{color:#c0392b;font-size:11px;margin-inline-start:2px}.wide{overflow-x:auto}table.segments td,table.trends td{white-space:nowrap}";
