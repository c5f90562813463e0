package dev.lorapar.tests.train.report;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lorapar.train.report.plot.Canvas;

/**
 * PNG decoding by an independent decoder, javax.imageio. It lives in java.desktop, which a jlink'ed
 * runtime (the GPU bundle's) may lack: then the tests that need it are skipped, saying why. The
 * product itself never needs java.desktop.
 */
final class Png {
    private Png() {
    }

    static boolean imageIoPresent() {
        return ModuleLayer.boot().findModule("java.desktop").isPresent();
    }

    /** The decoded image as [height][width] 0xRRGGBB; skips the test without java.desktop. */
    static int[][] decode(byte[] png) {
        assumeTrue(imageIoPresent(), "java.desktop (javax.imageio) is not in this runtime: PNG decoding skipped");
        return ImageIoDecoder.decode(png);
    }

    /** Asserts that the decoded PNG has the canvas's size and exactly its pixels. */
    static void assertDecodesTo(byte[] png, Canvas canvas) {
        int[][] img = decode(png);
        org.junit.jupiter.api.Assertions.assertEquals(canvas.height(), img.length, "height");
        org.junit.jupiter.api.Assertions.assertEquals(canvas.width(), img[0].length, "width");
        for (int y = 0; y < canvas.height(); y++) {
            for (int x = 0; x < canvas.width(); x++) {
                if (img[y][x] != canvas.get(x, y)) {
                    org.junit.jupiter.api.Assertions.fail(String.format("pixel (%d, %d): png %06x, canvas %06x",
                            x, y, img[y][x], canvas.get(x, y)));
                }
            }
        }
    }
}
