//! A camera for Chromium that sees a QR code: a Y4M video file for
//! `--use-file-for-fake-video-capture`, the way a phone held over a
//! printed asset tag would see it; and a photo of one, as a PNG.

use std::io::Write;

use anyhow::{Context, Result};

const WIDTH: usize = 640;
const HEIGHT: usize = 480;
/// Frames in the file (Chromium plays it in a loop).
const FRAMES: usize = 4;

/// The frame's grey picture: `text` as a QR code in the middle.
fn frame(text: &str) -> Result<Vec<u8>> {
    let code = qrcode::QrCode::new(text.as_bytes()).context("a QR code")?;
    let modules = code.width();
    let colors = code.to_colors();
    let paper = modules + 8;
    let scale = (HEIGHT * 8 / 10) / paper;
    anyhow::ensure!(scale >= 3, "the text is too long to film: {text}");
    let (left, top) = ((WIDTH - paper * scale) / 2, (HEIGHT - paper * scale) / 2);
    let mut luma = vec![110u8; WIDTH * HEIGHT];
    for y in 0..paper * scale {
        for x in 0..paper * scale {
            let (mx, my) = ((x / scale).wrapping_sub(4), (y / scale).wrapping_sub(4));
            let dark =
                mx < modules && my < modules && colors[my * modules + mx] == qrcode::Color::Dark;
            luma[(top + y) * WIDTH + left + x] = if dark { 20 } else { 235 };
        }
    }
    Ok(luma)
}

/// A temporary Y4M file showing `text` as a QR code in the middle of a
/// grey frame, dark modules on white paper with a quiet zone.
pub fn qr_video(text: &str) -> Result<tempfile::NamedTempFile> {
    let luma = frame(text)?;
    let chroma = vec![128u8; (WIDTH / 2) * (HEIGHT / 2)];
    let mut file = tempfile::Builder::new()
        .prefix("houqin-e2e-camera-")
        .suffix(".y4m")
        .tempfile()
        .context("a temp file")?;
    writeln!(file, "YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg").context("y4m header")?;
    for _ in 0..FRAMES {
        file.write_all(b"FRAME\n").context("y4m frame")?;
        file.write_all(&luma).context("y4m frame")?;
        file.write_all(&chroma).context("y4m frame")?;
        file.write_all(&chroma).context("y4m frame")?;
    }
    file.flush().context("y4m")?;
    Ok(file)
}

/// A temporary PNG photo of `text` as a QR code (as a phone's camera app
/// would save it).
pub fn qr_photo(text: &str) -> Result<tempfile::NamedTempFile> {
    let luma = frame(text)?;
    let file = tempfile::Builder::new()
        .prefix("houqin-e2e-photo-")
        .suffix(".png")
        .tempfile()
        .context("a temp file")?;
    let width = u32::try_from(WIDTH).context("width")?;
    let height = u32::try_from(HEIGHT).context("height")?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file.reopen()?), width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().context("png header")?;
    writer.write_image_data(&luma).context("png data")?;
    writer.finish().context("png")?;
    Ok(file)
}
