//! Markdown tables, as the notices summary and the reports to the regulator write them.

/// `| a | b |` rows; pipes in cells are escaped.
fn md_row(cells: &[String]) -> String {
    let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
    format!("| {} |\n", cells.join(" | "))
}

/// A Markdown table: the header, its rule, then the rows.
pub(crate) fn md_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = md_row(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    out.push_str(&md_row(
        &header.iter().map(|_| "---".to_string()).collect::<Vec<_>>(),
    ));
    for row in rows {
        out.push_str(&md_row(row));
    }
    out
}
