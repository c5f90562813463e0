package dev.lorapar.train.report.plot;

import java.util.Arrays;

/**
 * An RGB raster ({@code width × height}, row-major, 0xRRGGBB per pixel) with the few drawing
 * primitives plots need: rectangles, anti-aliased lines of any width, discs, and text in the
 * built-in {@link BitmapFont}. Pure Java, no java.desktop: it works headless, without fonts installed,
 * and in a jlink'ed runtime. Drawing outside the canvas or the clip rectangle is ignored.
 */
public final class Canvas {
    private final int width;
    private final int height;
    private final int[] rgb;
    private int clipX0;
    private int clipY0;
    private int clipX1;
    private int clipY1;

    /** A canvas filled with {@code background} (0xRRGGBB). Sizes 1 … 16384. */
    public Canvas(int width, int height, int background) {
        if (width < 1 || height < 1 || width > 16384 || height > 16384) {
            throw new IllegalArgumentException("canvas size " + width + "×" + height + " is not within 1…16384");
        }
        this.width = width;
        this.height = height;
        this.rgb = new int[width * height];
        Arrays.fill(rgb, background & 0xFFFFFF);
        resetClip();
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The pixel at (x, y) as 0xRRGGBB. */
    public int get(int x, int y) {
        if (x < 0 || y < 0 || x >= width || y >= height) {
            throw new IndexOutOfBoundsException("pixel (" + x + ", " + y + ") outside " + width + "×" + height);
        }
        return rgb[y * width + x];
    }

    /** A copy of the pixels, row-major [height][width] flattened. */
    public int[] pixels() {
        return rgb.clone();
    }

    /** Restricts drawing to [x0, x1) × [y0, y1) (intersected with the canvas). */
    public void clip(int x0, int y0, int x1, int y1) {
        clipX0 = Math.max(0, x0);
        clipY0 = Math.max(0, y0);
        clipX1 = Math.min(width, x1);
        clipY1 = Math.min(height, y1);
    }

    public void resetClip() {
        clip(0, 0, width, height);
    }

    public void set(int x, int y, int color) {
        if (x >= clipX0 && y >= clipY0 && x < clipX1 && y < clipY1) rgb[y * width + x] = color & 0xFFFFFF;
    }

    /** Mixes {@code color} into (x, y) with weight {@code coverage} in [0, 1]. */
    public void blend(int x, int y, int color, double coverage) {
        if (!(coverage > 0) || x < clipX0 || y < clipY0 || x >= clipX1 || y >= clipY1) return;
        if (coverage >= 1) {
            rgb[y * width + x] = color & 0xFFFFFF;
            return;
        }
        int i = y * width + x;
        int old = rgb[i];
        rgb[i] = mix(old, color, coverage);
    }

    /** (1 − t)·a + t·b per channel. */
    public static int mix(int a, int b, double t) {
        int r = (int) Math.round(((a >> 16) & 0xFF) * (1 - t) + ((b >> 16) & 0xFF) * t);
        int g = (int) Math.round(((a >> 8) & 0xFF) * (1 - t) + ((b >> 8) & 0xFF) * t);
        int bl = (int) Math.round((a & 0xFF) * (1 - t) + (b & 0xFF) * t);
        return (r << 16) | (g << 8) | bl;
    }

    /** Fills [x, x + w) × [y, y + h). */
    public void fillRect(int x, int y, int w, int h, int color) {
        int x0 = Math.max(x, clipX0);
        int y0 = Math.max(y, clipY0);
        int x1 = (int) Math.min((long) x + w, clipX1);
        int y1 = (int) Math.min((long) y + h, clipY1);
        for (int yy = y0; yy < y1; yy++) Arrays.fill(rgb, yy * width + x0, yy * width + Math.max(x0, x1), color & 0xFFFFFF);
    }

    /** A one-pixel outline of [x, x + w) × [y, y + h). */
    public void strokeRect(int x, int y, int w, int h, int color) {
        fillRect(x, y, w, 1, color);
        fillRect(x, y + h - 1, w, 1, color);
        fillRect(x, y, 1, h, color);
        fillRect(x + w - 1, y, 1, h, color);
    }

    /**
     * An anti-aliased segment of width {@code lineWidth} (pixels) between pixel-space points; pixel
     * (x, y) covers [x, x+1) × [y, y+1). Non-finite endpoints draw nothing.
     */
    public void line(double x0, double y0, double x1, double y1, double lineWidth, int color) {
        if (!(Double.isFinite(x0) && Double.isFinite(y0) && Double.isFinite(x1) && Double.isFinite(y1))) return;
        double half = Math.max(0.5, lineWidth / 2);
        double reach = half + 1;
        int bx0 = (int) Math.max(clipX0, Math.floor(Math.min(x0, x1) - reach));
        int by0 = (int) Math.max(clipY0, Math.floor(Math.min(y0, y1) - reach));
        int bx1 = (int) Math.min(clipX1 - 1, Math.ceil(Math.max(x0, x1) + reach));
        int by1 = (int) Math.min(clipY1 - 1, Math.ceil(Math.max(y0, y1) + reach));
        double dx = x1 - x0;
        double dy = y1 - y0;
        double len2 = dx * dx + dy * dy;
        for (int py = by0; py <= by1; py++) {
            double cy = py + 0.5;
            for (int px = bx0; px <= bx1; px++) {
                double cx = px + 0.5;
                double t = len2 == 0 ? 0 : ((cx - x0) * dx + (cy - y0) * dy) / len2;
                t = Math.max(0, Math.min(1, t));
                double ex = cx - (x0 + t * dx);
                double ey = cy - (y0 + t * dy);
                double d = Math.sqrt(ex * ex + ey * ey);
                blend(px, py, color, half + 0.5 - d);
            }
        }
    }

    /** An anti-aliased filled disc of radius {@code r} around pixel-space (cx, cy). */
    public void disc(double cx, double cy, double r, int color) {
        if (!(Double.isFinite(cx) && Double.isFinite(cy) && r > 0)) return;
        int x0 = (int) Math.max(clipX0, Math.floor(cx - r - 1));
        int y0 = (int) Math.max(clipY0, Math.floor(cy - r - 1));
        int x1 = (int) Math.min(clipX1 - 1, Math.ceil(cx + r + 1));
        int y1 = (int) Math.min(clipY1 - 1, Math.ceil(cy + r + 1));
        for (int py = y0; py <= y1; py++) {
            for (int px = x0; px <= x1; px++) {
                double d = Math.hypot(px + 0.5 - cx, py + 0.5 - cy);
                blend(px, py, color, r + 0.5 - d);
            }
        }
    }

    /** Text left to right, the top of its capitals at y; glyph pixels are {@code scale}×{@code scale}. */
    public void text(String s, int x, int y, int scale, int color) {
        int cx = x;
        for (int i = 0; i < s.length(); i++) {
            boolean[][] g = BitmapFont.glyph(s.charAt(i));
            for (int gy = 0; gy < g.length; gy++) {
                for (int gx = 0; gx < BitmapFont.WIDTH; gx++) {
                    if (g[gy][gx]) fillRect(cx + gx * scale, y + gy * scale, scale, scale, color);
                }
            }
            cx += BitmapFont.ADVANCE * scale;
        }
    }

    /**
     * Text rotated a quarter turn counter-clockwise (read bottom to top), starting at the bottom,
     * x being the left edge of its capitals' tops.
     */
    public void textUp(String s, int x, int yBottom, int scale, int color) {
        int along = 0;
        for (int i = 0; i < s.length(); i++) {
            boolean[][] g = BitmapFont.glyph(s.charAt(i));
            for (int gy = 0; gy < g.length; gy++) {
                for (int gx = 0; gx < BitmapFont.WIDTH; gx++) {
                    if (g[gy][gx]) fillRect(x + gy * scale, yBottom - (along + gx + 1) * scale, scale, scale, color);
                }
            }
            along += BitmapFont.ADVANCE;
        }
    }

    /** Width in pixels of {@code s} drawn at {@code scale} (no trailing spacing). */
    public static int textWidth(String s, int scale) {
        return s.isEmpty() ? 0 : (s.length() * BitmapFont.ADVANCE - 1) * scale;
    }

    /** Height in pixels of a capital at {@code scale}. */
    public static int capHeight(int scale) {
        return BitmapFont.CAP_HEIGHT * scale;
    }
}
