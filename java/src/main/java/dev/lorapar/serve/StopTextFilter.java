package dev.lorapar.serve;

import java.util.List;

/**
 * Streams text while cutting it before the first stop string: text that could still be the start of a stop string
 * is held back until the next delta shows it is not (or the stream ends). Not thread-safe.
 */
final class StopTextFilter {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder(); // text not released yet
    private boolean stopped;

    StopTextFilter(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** Adds {@code delta}; returns the text now safe to release ("" while held back or after a stop). */
    String accept(String delta) {
        if (stopped) {
            return "";
        }
        pending.append(delta);
        int cut = -1;
        for (String s : stops) {
            int at = pending.indexOf(s);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            stopped = true;
            String out = pending.substring(0, cut);
            pending.setLength(0);
            return out;
        }
        String text = pending.toString();
        int keep = 0; // the longest suffix of pending that is a proper prefix of a stop string
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, text.length()); len > keep; len--) {
                if (text.regionMatches(text.length() - len, s, 0, len)) {
                    keep = len;
                    break;
                }
            }
        }
        String out = pending.substring(0, pending.length() - keep);
        pending.delete(0, pending.length() - keep);
        return out;
    }

    /** True once a stop string was seen. */
    boolean stopped() {
        return stopped;
    }

    /** Ends the stream: the held-back text (no stop string completed it). */
    String finish() {
        String out = stopped ? "" : pending.toString();
        pending.setLength(0);
        return out;
    }
}
