//! The confusion matrix as an SVG heatmap, written by hand.

use std::fmt::Write;

use rsolv_core::VulnClass;

use super::ApproachReport;

const CELL: usize = 14;
const LEFT: usize = 190;
const TOP: usize = 190;

/// A 54×54 heatmap of `confusion[truth][predicted]`, each row normalised
/// by its support (white 0 → dark blue 1), with label names on both axes
/// and counts as tooltips.
pub fn confusion_svg(report: &ApproachReport) -> String {
    let n = VulnClass::ALL.len();
    let size = LEFT + n * CELL + 20;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{h}" viewBox="0 0 {size} {h}" font-family="sans-serif" font-size="10">"#,
        h = size + 20
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="4" y="14" font-size="12">{} — confusion (rows: truth, columns: predicted; accuracy {:.1}%)</text>"#,
        escape(&report.name),
        100.0 * report.accuracy
    );
    for (i, label) in VulnClass::ALL.iter().enumerate() {
        let y = TOP + i * CELL + CELL - 3;
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{y}" text-anchor="end">{label}</text>"#,
            LEFT - 4
        );
        let x = LEFT + i * CELL + CELL - 3;
        let _ = writeln!(
            svg,
            r#"<text transform="translate({x},{}) rotate(-90)">{label}</text>"#,
            TOP - 4
        );
    }
    for (t, row) in report.confusion.iter().enumerate() {
        let support: usize = row.iter().sum();
        for (p, &count) in row.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let share = count as f64 / support.max(1) as f64;
            let _ = writeln!(
                svg,
                r#"<rect x="{}" y="{}" width="{CELL}" height="{CELL}" fill="{}"><title>{} → {}: {count}</title></rect>"#,
                LEFT + p * CELL,
                TOP + t * CELL,
                color(share),
                VulnClass::ALL[t],
                VulnClass::ALL[p]
            );
        }
    }
    let _ = writeln!(
        svg,
        r##"<rect x="{LEFT}" y="{TOP}" width="{w}" height="{w}" fill="none" stroke="#888"/>"##,
        w = n * CELL
    );
    svg.push_str("</svg>\n");
    svg
}

/// White to dark blue.
fn color(share: f64) -> String {
    let s = share.clamp(0.0, 1.0);
    let r = (255.0 - s * (255.0 - 8.0)) as u8;
    let g = (255.0 - s * (255.0 - 48.0)) as u8;
    let b = (255.0 - s * (255.0 - 107.0)) as u8;
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colors_span_white_to_blue() {
        assert_eq!(color(0.0), "#ffffff");
        assert_eq!(color(1.0), "#08306b");
    }
}
