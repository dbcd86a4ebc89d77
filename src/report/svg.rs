//! Inline SVG charts of the report: the NPS trend with its 95% band, the driver quadrant and a
//! small stacked bar. Plain strings, no scripts and no external references, so the report
//! renders offline in any browser.

use crate::analyze::drivers::Driver;
use crate::analyze::themes::NpsRow;
use crate::html::escape as esc;
use std::fmt::Write;

const NEG: &str = "#c0392b";
const POS: &str = "#1e8449";
const NEU: &str = "#95a5a6";
const GRID: &str = "#e5e8eb";

/// A round step for about `ticks` intervals over `span`.
fn nice_step(span: f64, ticks: f64) -> f64 {
    let raw = (span / ticks).max(1e-9);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

/// One period of the trend: key, NPS, 95% interval low and high, answers.
type TrendPoint<'a> = (&'a str, f64, f64, f64, u64);

/// A chart's size (`w` x `h`) and the margins around its plot area (left, right, top, bottom).
#[derive(Clone, Copy)]
struct PlotArea {
    w: f64,
    h: f64,
    l: f64,
    r: f64,
    t: f64,
    b: f64,
}

/// Plot area and scales of the trend chart: point `i` of `n` on x, NPS `y0..=y1` on y.
struct TrendFrame {
    area: PlotArea,
    y0: f64,
    y1: f64,
    n: usize,
}

impl TrendFrame {
    /// Fits the y range to the intervals, in round steps; returns the frame and the step.
    fn fit(pts: &[TrendPoint]) -> (TrendFrame, f64) {
        let (w, h) = (880.0, 280.0);
        // The right margin leaves room for half of the last period's label.
        let (l, r, t, b) = (56.0, 40.0, 16.0, 44.0);
        let lo = pts.iter().map(|p| p.2).fold(0.0f64, f64::min);
        let hi = pts.iter().map(|p| p.3).fold(0.0f64, f64::max);
        let step = nice_step((hi - lo).max(10.0), 5.0);
        let y0 = ((lo / step).floor() * step).max(-100.0);
        let y1 = ((hi / step).ceil() * step).min(100.0);
        let y1 = if y1 <= y0 { y0 + step } else { y1 };
        let n = pts.len();
        (
            TrendFrame {
                area: PlotArea { w, h, l, r, t, b },
                y0,
                y1,
                n,
            },
            step,
        )
    }

    fn sx(&self, i: usize) -> f64 {
        let PlotArea { l, r, w, .. } = self.area;
        if self.n == 1 {
            l + (w - l - r) / 2.0
        } else {
            l + (w - l - r) * i as f64 / (self.n - 1) as f64
        }
    }

    fn sy(&self, v: f64) -> f64 {
        let PlotArea { h, t, b, .. } = self.area;
        t + (h - t - b) * (self.y1 - v) / (self.y1 - self.y0)
    }

    /// `x,y` of each point, its NPS value read by `value`.
    fn points(&self, pts: &[TrendPoint], value: fn(&TrendPoint) -> f64) -> Vec<String> {
        pts.iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", self.sx(i), self.sy(value(p))))
            .collect()
    }
}

/// The periods with an NPS estimate, as points.
fn trend_points(rows: &[NpsRow]) -> Vec<TrendPoint<'_>> {
    rows.iter()
        .filter_map(|r| {
            r.estimate.map(|e| {
                // A period too small for an interval gets no band.
                let (low, high) = e.interval().unwrap_or((e.nps, e.nps));
                (r.key.as_str(), e.nps, low, high, e.n)
            })
        })
        .collect()
}

/// Horizontal grid lines with their NPS labels, the zero line darker.
fn trend_grid(s: &mut String, f: &TrendFrame, step: f64) {
    let PlotArea { w, l, r, .. } = f.area;
    let mut v = f.y0;
    while v <= f.y1 + 1e-9 {
        let y = f.sy(v);
        let stroke = if v.abs() < 1e-9 { "#7f8c8d" } else { GRID };
        let _ = write!(
            s,
            "<line x1=\"{l}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{stroke}\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" class=\"tick\">{v:+.0}</text>",
            w - r,
            l - 6.0,
            y + 4.0
        );
        v += step;
    }
}

/// The 95% band as a polygon and the NPS as a line over it.
fn trend_band_and_line(s: &mut String, f: &TrendFrame, pts: &[TrendPoint]) {
    let upper = f.points(pts, |p| p.3);
    let mut lower = f.points(pts, |p| p.2);
    lower.reverse();
    let _ = write!(
        s,
        "<polygon points=\"{} {}\" fill=\"#3498db\" fill-opacity=\"0.18\" stroke=\"none\"/>",
        upper.join(" "),
        lower.join(" ")
    );
    let _ = write!(
        s,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#2471a3\" stroke-width=\"2.5\"/>",
        f.points(pts, |p| p.1).join(" ")
    );
}

/// A dot per period with its tooltip, value labels while they fit, and period labels on x.
fn trend_dots_and_labels(s: &mut String, f: &TrendFrame, pts: &[TrendPoint]) {
    let PlotArea { h, b, .. } = f.area;
    let every = pts.len().div_ceil(14).max(1); // at most ~14 x labels
    for (i, p) in pts.iter().enumerate() {
        let (x, y) = (f.sx(i), f.sy(p.1));
        let _ = write!(
            s,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"#2471a3\"><title>{}: NPS {:+.1} (95% CI {:+.1} to {:+.1}), n = {}</title></circle>",
            esc(p.0),
            p.1,
            p.2,
            p.3,
            p.4
        );
        // Value labels only while they fit; the tooltips always carry the numbers.
        if pts.len() <= 16 {
            let _ = write!(
                s,
                "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"val\">{:+.0}</text>",
                y - 9.0,
                p.1
            );
        }
        if i % every == 0 {
            let _ = write!(
                s,
                "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"tick\">{}</text><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"tick n\">n={}</text>",
                h - b + 18.0,
                esc(p.0),
                h - b + 32.0,
                p.4
            );
        }
    }
}

/// The NPS per period as a line with the 95% interval as a band. Periods without scored
/// answers are left out.
pub fn trend_chart(rows: &[NpsRow]) -> String {
    let pts = trend_points(rows);
    if pts.is_empty() {
        return "<p class=\"note\">No dated, scored answers: no trend.</p>".into();
    }
    let (f, step) = TrendFrame::fit(&pts);
    let PlotArea { w, h, .. } = f.area;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"NPS trend\">"
    );
    trend_grid(&mut s, &f, step);
    trend_band_and_line(&mut s, &f, &pts);
    trend_dots_and_labels(&mut s, &f, &pts);
    s.push_str("</svg>");
    s
}

/// Label boxes already placed, to keep scatter labels from overlapping.
struct Placed(Vec<(f64, f64, f64, f64)>);

impl Placed {
    fn free(&self, x0: f64, y0: f64, x1: f64, y1: f64) -> bool {
        self.0
            .iter()
            .all(|&(a0, b0, a1, b1)| x1 < a0 || x0 > a1 || y1 < b0 || y0 > b1)
    }
}

/// Plot area and scales of the driver chart: share `0..xmax` on x, weight `-ymax..ymax` on y.
struct DriverFrame {
    area: PlotArea,
    xmax: f64,
    ymax: f64,
}

impl DriverFrame {
    /// Fits both axes to the drivers with some headroom.
    fn fit(drivers: &[Driver]) -> DriverFrame {
        let (w, h) = (880.0, 440.0);
        let (l, r, t, b) = (64.0, 24.0, 28.0, 48.0);
        let xmax = drivers.iter().map(|d| d.share).fold(0.0f64, f64::max) * 1.12;
        let xmax = if xmax > 0.0 { xmax } else { 1.0 };
        let ymax = drivers
            .iter()
            .map(|d| d.signed_percent.abs())
            .fold(0.0f64, f64::max)
            * 1.15;
        let ymax = if ymax > 0.0 { ymax } else { 1.0 };
        DriverFrame {
            area: PlotArea { w, h, l, r, t, b },
            xmax,
            ymax,
        }
    }

    fn sx(&self, v: f64) -> f64 {
        let PlotArea { w, l, r, .. } = self.area;
        l + (w - l - r) * v / self.xmax
    }

    fn sy(&self, v: f64) -> f64 {
        let PlotArea { h, t, b, .. } = self.area;
        t + (h - t - b) * (self.ymax - v) / (2.0 * self.ymax)
    }
}

/// The tinted strengths and priorities quadrants right of the mean share.
fn driver_quadrants(s: &mut String, f: &DriverFrame, qx: f64, qy: f64) {
    let PlotArea { w, h, r, t, b, .. } = f.area;
    let _ = write!(
        s,
        "<rect x=\"{qx:.1}\" y=\"{qy:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{NEG}\" fill-opacity=\"0.06\"/><rect x=\"{qx:.1}\" y=\"{t}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{POS}\" fill-opacity=\"0.06\"/>",
        w - r - qx,
        h - b - qy,
        w - r - qx,
        qy - t
    );
}

/// Grid lines with their labels: weights on y, shares on x.
fn driver_grid(s: &mut String, f: &DriverFrame) {
    let PlotArea { w, h, l, r, t, b } = f.area;
    let ymax = f.ymax;
    let step = nice_step(2.0 * ymax, 6.0);
    let mut v = -(ymax / step).floor() * step;
    while v <= ymax {
        let _ = write!(
            s,
            "<line x1=\"{l}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{GRID}\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" class=\"tick\">{v:+.0}%</text>",
            w - r,
            l - 6.0,
            f.sy(v) + 4.0,
            y = f.sy(v)
        );
        v += step;
    }
    let xstep = nice_step(f.xmax * 100.0, 6.0) / 100.0;
    let mut v = 0.0;
    while v <= f.xmax + 1e-12 {
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{t}\" y2=\"{}\" stroke=\"{GRID}\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"tick\">{:.0}%</text>",
            h - b,
            h - b + 16.0,
            v * 100.0,
            x = f.sx(v)
        );
        v += xstep;
    }
}

/// The zero and mean-share rules, the quadrant names and the axis titles.
fn driver_axes(s: &mut String, f: &DriverFrame, qx: f64, qy: f64) {
    let PlotArea { w, h, l, r, t, b } = f.area;
    let _ = write!(
        s,
        "<line x1=\"{l}\" x2=\"{}\" y1=\"{qy:.1}\" y2=\"{qy:.1}\" stroke=\"#7f8c8d\"/><line x1=\"{qx:.1}\" x2=\"{qx:.1}\" y1=\"{t}\" y2=\"{}\" stroke=\"#7f8c8d\" stroke-dasharray=\"4 3\"/>",
        w - r,
        h - b
    );
    for (x, y, anchor, text, color) in [
        (
            w - r - 6.0,
            t + 14.0,
            "end",
            "strengths: frequent, lift the score",
            POS,
        ),
        (
            w - r - 6.0,
            h - b - 8.0,
            "end",
            "priorities: frequent, pull the score down",
            NEG,
        ),
        (l + 6.0, t + 14.0, "start", "niche strengths", POS),
        (l + 6.0, h - b - 8.0, "start", "niche issues", NEG),
    ] {
        let _ = write!(
            s,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" class=\"quad\" fill=\"{color}\">{text}</text>"
        );
    }
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"axis\">share of scored answers with the feature</text><text transform=\"translate(14 {:.1}) rotate(-90)\" text-anchor=\"middle\" class=\"axis\">signed relative weight</text>",
        (l + w - r) / 2.0,
        h - 8.0,
        (t + h - b) / 2.0
    );
}

/// A dot per driver with its tooltip.
fn driver_dots(s: &mut String, drivers: &[Driver], pos: &[(f64, f64)]) {
    for (d, &(x, y)) in drivers.iter().zip(pos) {
        let color = if d.signed_percent < 0.0 { NEG } else { POS };
        let _ = write!(
            s,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5.5\" fill=\"{color}\" fill-opacity=\"0.85\"><title>{}: weight {:+.1}%, {} mentions ({:.1}%), mean score {:.2}</title></circle>",
            esc(&d.feature),
            d.signed_percent,
            d.mentions,
            d.share * 100.0,
            d.mean_score
        );
    }
}

/// The first free slot for a label `tw` wide at point `(x, y)`: right or left of it, moving up
/// or down in steps; `(x0, x1, baseline, right)`, or right of the point when none is free.
fn label_slot(f: &DriverFrame, placed: &Placed, x: f64, y: f64, tw: f64) -> (f64, f64, f64, bool) {
    let PlotArea { w, h, l, r, t, b } = f.area;
    let fits_right = x + 8.0 + tw < w - r;
    let fits_left = x - 8.0 - tw > l;
    for dy in [0.0, -14.0, 14.0, -28.0, 28.0, -42.0, 42.0] {
        for right in [true, false] {
            if (right && !fits_right) || (!right && !fits_left) {
                continue;
            }
            let (bx0, bx1) = if right {
                (x + 8.0, x + 8.0 + tw)
            } else {
                (x - 8.0 - tw, x - 8.0)
            };
            let by = y + dy;
            if by - 9.0 > t && by + 3.0 < h - b && placed.free(bx0, by - 9.0, bx1, by + 3.0) {
                return (bx0, bx1, by, right);
            }
        }
    }
    (x + 8.0, x + 8.0 + tw, y, fits_right)
}

/// The labels, heaviest drivers first, each in the first free slot (points are obstacles for
/// all of them), with a leader line when moved off its point.
fn driver_labels(s: &mut String, f: &DriverFrame, drivers: &[Driver], pos: &[(f64, f64)]) {
    let mut placed = Placed(
        pos.iter()
            .map(|&(x, y)| (x - 6.0, y - 6.0, x + 6.0, y + 6.0))
            .collect(),
    );
    let mut order: Vec<usize> = (0..drivers.len()).collect();
    order.sort_by(|&a, &b| {
        drivers[b]
            .signed_percent
            .abs()
            .total_cmp(&drivers[a].signed_percent.abs())
    });
    for k in order {
        let d = &drivers[k];
        let (x, y) = pos[k];
        let tw = 6.4 * d.feature.chars().count() as f64;
        let (bx0, bx1, by, right) = label_slot(f, &placed, x, y, tw);
        placed.0.push((bx0, by - 9.0, bx1, by + 3.0));
        if (by - y).abs() > 0.5 {
            let lx = if right { bx0 - 1.0 } else { bx1 + 1.0 };
            let _ = write!(
                s,
                "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{lx:.1}\" y2=\"{:.1}\" stroke=\"#95a5a6\" stroke-width=\"0.8\"/>",
                by - 3.0
            );
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{}\" class=\"lbl\">{}</text>",
            if right { bx0 } else { bx1 },
            by + 1.0,
            if right { "start" } else { "end" },
            esc(&d.feature)
        );
    }
}

/// Driver quadrant: frequency (share of scored answers with the feature) on x, signed relative
/// weight on y; the vertical rule is the mean share, the horizontal one is zero.
pub fn driver_chart(drivers: &[Driver]) -> String {
    if drivers.is_empty() {
        return "<p class=\"note\">No driver model (see the notes below).</p>".into();
    }
    let f = DriverFrame::fit(drivers);
    let PlotArea { w, h, .. } = f.area;
    let mean_share = drivers.iter().map(|d| d.share).sum::<f64>() / drivers.len() as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"Key drivers\">"
    );
    let (qx, qy) = (f.sx(mean_share), f.sy(0.0));
    driver_quadrants(&mut s, &f, qx, qy);
    driver_grid(&mut s, &f);
    driver_axes(&mut s, &f, qx, qy);
    // Points first, as obstacles for every label; then the labels.
    let pos: Vec<(f64, f64)> = drivers
        .iter()
        .map(|d| (f.sx(d.share), f.sy(d.signed_percent)))
        .collect();
    driver_dots(&mut s, drivers, &pos);
    driver_labels(&mut s, &f, drivers, &pos);
    s.push_str("</svg>");
    s
}

/// A horizontal stacked bar of `[negative, neutral, positive]`-like parts with their colors.
pub fn stacked_bar(parts: &[(u64, &str)], width: f64, title: &str) -> String {
    let total: u64 = parts.iter().map(|p| p.0).sum();
    let mut s = format!(
        "<svg class=\"bar\" viewBox=\"0 0 {width} 12\" width=\"{width}\" height=\"12\"><title>{}</title>",
        esc(title)
    );
    if total > 0 {
        let mut x = 0.0;
        for (n, color) in parts {
            let pw = width * *n as f64 / total as f64;
            let _ = write!(
                s,
                "<rect x=\"{x:.2}\" y=\"0\" width=\"{pw:.2}\" height=\"12\" fill=\"{color}\"/>"
            );
            x += pw;
        }
    }
    s.push_str("</svg>");
    s
}

/// Sentiment colors `[negative, neutral, positive]`.
pub const SENTIMENT_COLORS: [&str; 3] = [NEG, NEU, POS];
