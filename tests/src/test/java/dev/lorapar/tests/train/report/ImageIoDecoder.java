package dev.lorapar.tests.train.report;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** The only class of these tests that touches java.desktop; loaded only when {@link Png} found it. */
final class ImageIoDecoder {
    private ImageIoDecoder() {
    }

    static int[][] decode(byte[] png) {
        System.setProperty("java.awt.headless", "true");
        try {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
            if (img == null) throw new AssertionError("ImageIO found no image in " + png.length + " bytes");
            int[][] out = new int[img.getHeight()][img.getWidth()];
            for (int y = 0; y < out.length; y++) {
                for (int x = 0; x < out[y].length; x++) out[y][x] = img.getRGB(x, y) & 0xFFFFFF;
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("ImageIO could not read the PNG", e);
        }
    }
}
