package dev.lorapar.rl;

import dev.lorapar.train.data.DataReader;
import dev.lorapar.train.data.Example;
import dev.lorapar.train.data.ReadOptions;
import dev.lorapar.train.data.ReadResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * RL prompts from the training-data files of SFT ({@link DataReader}: JSONL / JSON, GSM8K question/answer with
 * {@code #### n}, Alpaca, prompt/completion, chat messages): the prompt is the question (a dialog's last user message;
 * earlier turns are not used), the reference is the answer the rewards check against.
 */
public final class GrpoData {
    private GrpoData() {
    }

    /** The items of {@code files} in file order, and what the reader reported. */
    public record Loaded(List<RlItem> items, ReadResult read) {
    }

    public static Loaded load(List<Path> files, ReadOptions options) {
        ReadResult read = DataReader.read(files, options);
        List<RlItem> items = new ArrayList<>();
        for (Example e : read.examples()) {
            switch (e) {
                case Example.SingleTurn s -> items.add(new RlItem(s.system(), s.prompt(), s.answer(),
                        s.source().toString()));
                case Example.Dialog d -> {
                    var last = d.turns().getLast();
                    items.add(new RlItem(d.system(), last.user(), last.assistant(), d.source().toString()));
                }
            }
        }
        if (items.isEmpty()) {
            throw new IllegalArgumentException("no usable records in " + files + " (" + read.malformedCount()
                    + " malformed)");
        }
        return new Loaded(items, read);
    }

    /** A fingerprint of the items and the settings that fix the order of prompts (a resume on other data is refused). */
    public static long fingerprint(List<RlItem> items, long... settings) {
        long h = 0xcbf29ce484222325L;
        for (RlItem item : items) {
            for (String s : new String[] {item.system() == null ? "\u0000" : item.system(), item.prompt(), item.answer()}) {
                for (int i = 0; i < s.length(); i++) {
                    h = (h ^ s.charAt(i)) * 0x100000001b3L;
                }
                h = (h ^ 0xff) * 0x100000001b3L;
            }
        }
        for (long v : settings) {
            h = Rollouts.mix(h ^ v);
        }
        return h;
    }

    /** The order of the items in {@code epoch}: a permutation fixed by (seed, epoch). */
    public static int[] order(int n, long seed, int epoch) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        long state = Rollouts.mix(seed ^ 0x4f52444552L) + epoch * 0x9e3779b97f4a7c15L;
        for (int i = n - 1; i > 0; i--) {
            state += 0x9e3779b97f4a7c15L;
            int j = (int) Long.remainderUnsigned(Rollouts.mix(state), i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return idx;
    }
}
