//! A self-contained SVG latency percentile plot, drawn by hand.
//!
//! Like HdrHistogram's plots: the x axis is the percentile on a log scale of 1/(1-p) (ticks at
//! 0%, 90%, 99%, 99.9%, ...), the y axis the latency, drawn as a step line.

use hdrhistogram::Histogram;
use std::fmt::Write as _;

const W: f64 = 960.0;
const H: f64 = 540.0;
const LEFT: f64 = 90.0;
const RIGHT: f64 = 60.0;
const TOP: f64 = 60.0;
const BOTTOM: f64 = 70.0;

/// The percentile plot of `hist` (recorded in nanoseconds) as an SVG document.
pub fn percentile_svg(hist: &Histogram<u64>, title: &str) -> String {
    let points = curve(hist);
    let x_max = points.last().map(|p| p.0).unwrap_or(1.0).max(1.0).ceil();
    let y_max_raw = points.iter().map(|p| p.1).fold(0.0, f64::max);
    let (unit, scale) = if y_max_raw >= 10_000.0 {
        ("ms", 1000.0)
    } else {
        ("µs", 1.0)
    };
    let (y_step, y_max) = nice_axis(y_max_raw / scale);
    let pw = W - LEFT - RIGHT;
    let ph = H - TOP - BOTTOM;
    let px = |x: f64| LEFT + x / x_max * pw;
    let py = |y: f64| TOP + ph - (y / scale) / y_max * ph;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="13">"#
    );
    let _ = writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="28" text-anchor="middle" font-size="17" font-weight="bold">{}</text>"#,
        W / 2.0,
        xml_escape(title)
    );
    if !hist.is_empty() {
        let q = |p: f64| hist.value_at_quantile(p) as f64 / 1000.0;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="47" text-anchor="middle" fill="gray">n={} · p50 {:.1} µs · p99 {:.1} µs · p99.9 {:.1} µs · max {:.1} µs</text>"#,
            W / 2.0,
            hist.len(),
            q(0.5),
            q(0.99),
            q(0.999),
            hist.max() as f64 / 1000.0
        );
    }
    // Grid and y labels.
    let mut y = 0.0;
    while y <= y_max + y_step / 2.0 {
        let yy = TOP + ph - y / y_max * ph;
        let _ = writeln!(
            s,
            "<line x1=\"{LEFT}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\" stroke=\"#ddd\"/>",
            LEFT + pw
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 8.0,
            yy + 4.0,
            fmt_num(y)
        );
        y += y_step;
    }
    // x ticks: 0%, 90%, 99%, ...
    for k in 0..=(x_max as usize) {
        let xx = px(k as f64);
        let _ = writeln!(
            s,
            "<line x1=\"{xx:.1}\" y1=\"{TOP}\" x2=\"{xx:.1}\" y2=\"{:.1}\" stroke=\"#ddd\"/>",
            TOP + ph
        );
        let _ = writeln!(
            s,
            r#"<text x="{xx:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            TOP + ph + 20.0,
            percentile_label(k)
        );
    }
    // Axes.
    let _ = writeln!(
        s,
        r#"<path d="M{LEFT},{TOP} V{:.1} H{:.1}" fill="none" stroke="black"/>"#,
        TOP + ph,
        LEFT + pw
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">percentile</text>"#,
        LEFT + pw / 2.0,
        H - 20.0
    );
    let _ = writeln!(
        s,
        r#"<text transform="translate(22,{:.1}) rotate(-90)" text-anchor="middle">latency ({unit})</text>"#,
        TOP + ph / 2.0
    );
    // The step line.
    if points.is_empty() {
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">no samples</text>"#,
            LEFT + pw / 2.0,
            TOP + ph / 2.0
        );
    } else {
        let mut d = String::new();
        let mut prev_y = 0.0;
        for (i, &(x, yv)) in points.iter().enumerate() {
            if i == 0 {
                let _ = write!(d, "{:.1},{:.1}", px(x), py(yv));
            } else {
                let _ = write!(
                    d,
                    " {:.1},{:.1} {:.1},{:.1}",
                    px(x),
                    py(prev_y),
                    px(x),
                    py(yv)
                );
            }
            prev_y = yv;
        }
        let _ = writeln!(
            s,
            "<polyline points=\"{d}\" fill=\"none\" stroke=\"#1f6fd1\" stroke-width=\"2\"/>"
        );
    }
    s.push_str("</svg>\n");
    s
}

/// (x = log10(1/(1-q)), latency in µs) points of the percentile curve.
fn curve(hist: &Histogram<u64>) -> Vec<(f64, f64)> {
    if hist.is_empty() {
        return Vec::new();
    }
    // The highest percentile worth drawing is 1 - 1/n.
    let x_end = (hist.len() as f64).log10().clamp(1.0, 7.0);
    let mut pts = Vec::new();
    let steps = 400;
    for i in 0..steps {
        let x = x_end * i as f64 / steps as f64;
        let q = 1.0 - 10f64.powf(-x);
        pts.push((x, hist.value_at_quantile(q) as f64 / 1000.0));
    }
    pts.push((x_end, hist.max() as f64 / 1000.0));
    pts
}

fn percentile_label(k: usize) -> String {
    match k {
        0 => "0%".into(),
        1 => "90%".into(),
        2 => "99%".into(),
        k => format!("99.{}%", "9".repeat(k - 2)),
    }
}

/// A tick step of 1, 2 or 5 × 10^n giving about 6 ticks, and the axis top (a multiple of it).
fn nice_axis(max: f64) -> (f64, f64) {
    let max = if max > 0.0 { max } else { 1.0 };
    let raw = max / 6.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    (step, (max / step).ceil() * step)
}

fn fmt_num(v: f64) -> String {
    if v == v.trunc() {
        format!("{v:.0}")
    } else if v >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::report::new_histogram;

    #[test]
    fn draws_a_curve() {
        let mut h = new_histogram();
        for i in 1..=10_000u64 {
            h.record(i * 100).unwrap();
        }
        let svg = percentile_svg(&h, "a <test>");
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("<polyline"));
        assert!(svg.contains("99.99%"));
        assert!(svg.contains("a &lt;test&gt;"));
        assert!(svg.trim_end().ends_with("</svg>"));
        let empty = percentile_svg(&new_histogram(), "empty");
        assert!(empty.contains("no samples"));
    }

    #[test]
    fn axis_steps() {
        assert_eq!(nice_axis(100.0), (20.0, 100.0));
        assert_eq!(nice_axis(7.0), (2.0, 8.0));
    }
}
