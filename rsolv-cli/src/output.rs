//! Shared output helpers: JSON documents and plain aligned tables.

use std::io::Write;

use comfy_table::{ContentArrangement, Table, TableStyle};
use serde::Serialize;

/// Write `value` as pretty JSON followed by a newline.
pub(crate) fn json(out: &mut dyn Write, value: &impl Serialize) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// A borderless table with a header row, like `kubectl get` prints.
pub(crate) fn table<const N: usize>(header: [&str; N]) -> Table {
    let mut table = Table::new();
    table
        .load_style(TableStyle::new())
        .set_content_arrangement(ContentArrangement::Disabled);
    table.set_header(header);
    for column in table.column_iter_mut() {
        column.set_padding((0, 2));
    }
    table
}

/// Print a table, trimming the trailing spaces comfy-table pads with.
pub(crate) fn print_table(out: &mut dyn Write, table: &Table) -> anyhow::Result<()> {
    for line in table.lines() {
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// `text` cut to at most `max` characters, with an ellipsis when cut, and
/// on one line.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_on_char_boundaries() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("a\n  b", 10), "a b");
        assert_eq!(truncate("ééééé", 3), "éé…");
    }
}
