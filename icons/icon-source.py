# Draws Houqin's icon sources; needs Pillow and WenQuanYi Micro Hei (Debian: fonts-wqy-microhei).
#
#   python3 icons/icon-source.py
#   tauri icon icons/icon-source.png -o icons                # desktop set (and a first mobile set)
#   tauri icon icons/icon-mobile.json -o /tmp/houqin-mobile  # full-bleed mobile set
#   cp -r /tmp/houqin-mobile/ios /tmp/houqin-mobile/android icons/
#
# Desktop icons are a rounded square with a margin and a shadow; iOS and Android
# mask icons themselves, so theirs are full-bleed (an adaptive icon on Android).
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).parent
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
S = 2048  # drawn at 2x, downscaled for smooth edges
TOP, BOTTOM = (20, 160, 140), (12, 102, 96)  # calm teal, light to deep


def gradient():
    grad = Image.new("RGBA", (S, S))
    draw = ImageDraw.Draw(grad)
    for y in range(S):
        t = y / (S - 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(TOP, BOTTOM))
        draw.line([(0, y), (S, y)], fill=colour + (255,))
    return grad


def mark(scale=1.0):
    """The white 勤 on a faint disc, on a transparent canvas."""
    layer = Image.new("RGBA", (S, S), (0, 0, 0, 0))
    r = 0.3 * S * scale
    ImageDraw.Draw(layer).ellipse((S / 2 - r, S / 2 - r, S / 2 + r, S / 2 + r), fill=(255, 255, 255, 22))
    draw = ImageDraw.Draw(layer)
    font = ImageFont.truetype(FONT, round(900 * scale), index=0)
    stroke = max(1, round(7 * scale))
    left, top, right, bottom = draw.textbbox((0, 0), "勤", font=font, stroke_width=stroke)
    x = (S - (right - left)) / 2 - left
    y = (S - (bottom - top)) / 2 - top
    white = (255, 255, 255, 255)
    draw.text((x, y), "勤", font=font, fill=white, stroke_width=stroke, stroke_fill=white)
    return layer


def desktop():
    margin, radius = 100, 420
    box = (margin, margin, S - margin, S - margin)
    img = Image.new("RGBA", (S, S), (0, 0, 0, 0))
    shadow_mask = Image.new("L", (S, S), 0)
    ImageDraw.Draw(shadow_mask).rounded_rectangle(
        (box[0], box[1] + 24, box[2], box[3] + 24), radius=radius, fill=90
    )
    shadow = Image.new("RGBA", (S, S), (0, 0, 0, 0))
    shadow.putalpha(shadow_mask.filter(ImageFilter.GaussianBlur(30)))
    img = Image.alpha_composite(img, shadow)
    mask = Image.new("L", (S, S), 0)
    ImageDraw.Draw(mask).rounded_rectangle(box, radius=radius, fill=255)
    img.paste(gradient(), (0, 0), mask)
    return Image.alpha_composite(img, mark())


def save(img, name):
    img.resize((1024, 1024), Image.LANCZOS).save(HERE / name)


save(desktop(), "icon-source.png")
save(Image.alpha_composite(gradient(), mark(0.9)), "icon-mobile.png")
save(gradient(), "icon-android-bg.png")
save(mark(), "icon-android-fg.png")
print("ok")
