package dev.lorapar.train.report.plot;

import java.util.Arrays;

/**
 * Thins a polyline to what a raster can show (M4 aggregation): per pixel column, the first, lowest,
 * highest and last point, in their original order. The drawn line then covers exactly the pixels
 * of the full line's envelope in each column, at most four points per column.
 */
final class Decimation {
    private Decimation() {
    }

    /**
     * Indices to draw of the points [from, to) with pixel positions (px, py): all of them when there
     * are at most four per column of a {@code columns}-wide area or the x positions go back anywhere.
     */
    static int[] m4(double[] px, double[] py, int from, int to, int columns) {
        int n = to - from;
        boolean sorted = true;
        for (int i = from + 1; i < to && sorted; i++) sorted = px[i] >= px[i - 1];
        if (n <= 4L * Math.max(1, columns) || !sorted) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) all[i] = from + i;
            return all;
        }
        int[] keep = new int[n];
        int count = 0;
        int i = from;
        while (i < to) {
            long column = (long) Math.floor(px[i]);
            int first = i, last = i, lo = i, hi = i;
            int j = i + 1;
            while (j < to && (long) Math.floor(px[j]) == column) {
                if (py[j] < py[lo]) lo = j;
                if (py[j] > py[hi]) hi = j;
                last = j;
                j++;
            }
            int[] four = {first, lo, hi, last};
            Arrays.sort(four);
            for (int k = 0; k < 4; k++) {
                if (count == 0 || keep[count - 1] != four[k]) keep[count++] = four[k];
            }
            i = j;
        }
        return Arrays.copyOf(keep, count);
    }
}
