//! A table as a download: CSV (UTF-8 with a BOM, so spreadsheet programs
//! read the Chinese right) or XLSX (`rust_xlsxwriter`), with a file name.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ApiResult};

/// A cell: text or a number.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<f64> for Cell {
    fn from(x: f64) -> Cell {
        Cell::Number(x)
    }
}

impl From<Option<f64>> for Cell {
    fn from(x: Option<f64>) -> Cell {
        x.map_or(Cell::Empty, Cell::Number)
    }
}

/// `format`: `csv` or `xlsx` (anything else is refused, field `format`).
/// `name` is the file name without its extension; `sheet` the XLSX sheet's.
pub fn table(
    format: &str,
    name: &str,
    sheet: &str,
    headers: &[&str],
    rows: &[Vec<Cell>],
) -> ApiResult<Response> {
    let (bytes, mime) = match format {
        "csv" => {
            let mut out = Vec::from("\u{FEFF}".as_bytes());
            {
                let mut w = csv::Writer::from_writer(&mut out);
                let fail = |e: csv::Error| ApiError::Internal(format!("csv: {e}"));
                w.write_record(headers).map_err(fail)?;
                for row in rows {
                    w.write_record(row.iter().map(|c| match c {
                        Cell::Text(s) => s.clone(),
                        Cell::Number(x) => format!("{x}"),
                        Cell::Empty => String::new(),
                    }))
                    .map_err(fail)?;
                }
                w.flush()
                    .map_err(|e| ApiError::Internal(format!("csv: {e}")))?;
            }
            (out, "text/csv; charset=utf-8")
        }
        "xlsx" => {
            use rust_xlsxwriter::{Format, Workbook};
            let fail = |e: rust_xlsxwriter::XlsxError| ApiError::Internal(format!("xlsx: {e}"));
            let mut book = Workbook::new();
            let ws = book.add_worksheet();
            ws.set_name(sheet).map_err(fail)?;
            let bold = Format::new().set_bold();
            for (c, h) in headers.iter().enumerate() {
                let c = u16::try_from(c).unwrap_or(u16::MAX);
                ws.write_string_with_format(0, c, *h, &bold).map_err(fail)?;
                ws.set_column_width(c, 18).map_err(fail)?;
            }
            for (r, row) in rows.iter().enumerate() {
                let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
                for (c, cell) in row.iter().enumerate() {
                    let c = u16::try_from(c).unwrap_or(u16::MAX);
                    match cell {
                        Cell::Text(s) => {
                            ws.write_string(r, c, s).map_err(fail)?;
                        }
                        Cell::Number(x) => {
                            ws.write_number(r, c, *x).map_err(fail)?;
                        }
                        Cell::Empty => {}
                    }
                }
            }
            (
                book.save_to_buffer().map_err(fail)?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        }
        _ => return Err(ApiError::validation("format", "must be csv or xlsx")),
    };
    let mut response = (StatusCode::OK, bytes).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.{format}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
