//! Large terminal tables, drawn a piece at a time on every core and streamed out.
//!
//! A large org's failed controls are hundreds of thousands of rows. Building them as one
//! comfy-table held every cell, then the whole text, in memory, and comfy-table's general layout
//! (constraints, wrapping, styling) was a quarter of a table scan's time. Without a terminal
//! width nothing wraps, so the layout is just each column's widest line: this module measures
//! the widths first, then draws the rows with the same characters, padding and borders comfy-table
//! draws for [`comfy_table::presets::UTF8_FULL_CONDENSED`]. A test holds the bytes equal to
//! comfy-table's for tricky cells (several lines, wide and zero-width characters, empty columns).

use unicode_width::UnicodeWidthStr;

/// Rows drawn per piece: a piece's cells are built, drawn and dropped together.
pub(super) const ROWS_PER_PIECE: usize = 2_000;

/// A column wider than this is left to comfy-table, whose widths stop at `u16::MAX` and which
/// wraps what does not fit; no real cell comes near it.
pub(super) const WIDEST_DRAWN_COLUMN: usize = 10_000;

/// The display width of a cell: its widest line, as comfy-table measures it.
fn cell_width(text: &str) -> usize {
    text.split('\n').map(UnicodeWidthStr::width).max().unwrap_or(0)
}

/// Each column's content width over the header and every row, measured a piece at a time on
/// every core.
pub(super) fn column_widths<const N: usize>(
    header: [&str; N],
    rows: usize,
    row: &(impl Fn(usize) -> [String; N] + Sync),
) -> [usize; N] {
    let piece_widths = on_every_core(rows.div_ceil(ROWS_PER_PIECE), |piece| {
        let mut widths = [0; N];
        for index in piece_rows(piece, rows) {
            for (width, cell) in widths.iter_mut().zip(row(index)) {
                *width = (*width).max(cell_width(&cell));
            }
        }
        widths
    });
    let mut widths = header.map(cell_width);
    for piece in piece_widths {
        for (width, piece_width) in widths.iter_mut().zip(piece) {
            *width = (*width).max(piece_width);
        }
    }
    // comfy-table gives an empty column one character.
    widths.map(|width| width.max(1))
}

/// Draws the table (top border, header, rows, bottom border) and hands it to `sink` a piece at
/// a time, in order; at most a few pieces are held at once.
pub(super) fn draw<const N: usize>(
    widths: &[usize; N],
    header: [&str; N],
    rows: usize,
    row: &(impl Fn(usize) -> [String; N] + Sync),
    sink: &mut dyn FnMut(String),
) {
    let mut head = border(widths, ['┌', '─', '┬', '┐']);
    draw_row(&mut head, widths, &header);
    head.push_str(&border(widths, ['╞', '═', '╪', '╡']));
    sink(head);
    let pieces = rows.div_ceil(ROWS_PER_PIECE);
    let batch = workers() * 2;
    for first in (0..pieces).step_by(batch) {
        let drawn = on_every_core(batch.min(pieces - first), |offset| {
            let mut text = String::new();
            for index in piece_rows(first + offset, rows) {
                draw_row(&mut text, widths, &row(index));
            }
            text
        });
        drawn.into_iter().for_each(&mut *sink);
    }
    sink(border(widths, ['└', '─', '┴', '┘']));
}

fn piece_rows(piece: usize, rows: usize) -> std::ops::Range<usize> {
    piece * ROWS_PER_PIECE..rows.min((piece + 1) * ROWS_PER_PIECE)
}

/// A border line: left corner, fill, junction between columns, right corner.
fn border<const N: usize>(widths: &[usize; N], [left, fill, junction, right]: [char; 4]) -> String {
    let mut line = String::new();
    line.push(left);
    for (column, width) in widths.iter().enumerate() {
        if column > 0 {
            line.push(junction);
        }
        line.extend(std::iter::repeat_n(fill, width + 2));
    }
    line.push(right);
    line.push('\n');
    line
}

/// One row, as many lines tall as its tallest cell; each cell line is padded to its column.
fn draw_row<const N: usize, S: AsRef<str>>(out: &mut String, widths: &[usize; N], cells: &[S; N]) {
    let mut lines = cells.each_ref().map(|cell| cell.as_ref().split('\n'));
    let height = cells.iter().map(|cell| cell.as_ref().split('\n').count()).max().unwrap_or(1);
    for _ in 0..height {
        out.push('│');
        for (column, (width, cell_lines)) in widths.iter().zip(&mut lines).enumerate() {
            if column > 0 {
                out.push('┆');
            }
            let line = cell_lines.next().unwrap_or("");
            out.push(' ');
            out.push_str(line);
            let padding = width.saturating_sub(line.width()) + 1;
            out.extend(std::iter::repeat_n(' ', padding));
        }
        out.push_str("│\n");
    }
}

fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from).clamp(1, 8)
}

/// `work` for each of `0..count`, split between the cores, in order.
fn on_every_core<T: Send>(count: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let workers = workers().min(count.max(1));
    if workers == 1 {
        return (0..count).map(work).collect();
    }
    let per_worker = count.div_ceil(workers);
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                let range = worker * per_worker..count.min((worker + 1) * per_worker);
                scope.spawn(move || range.map(work).collect::<Vec<T>>())
            })
            .collect();
        // Drawing text does not panic; if it did, the panic is the caller's, as if it ran here.
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}
