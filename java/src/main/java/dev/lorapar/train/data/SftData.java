package dev.lorapar.train.data;

import java.nio.file.Path;
import java.util.List;

/**
 * The whole data pipeline in one call: read the files, hold out the eval examples (by seed, before tokenisation, so
 * that no eval example is ever trained on), encode both parts. Build a {@link BatchPlan} over {@link #train()}.
 *
 * @param train   the training samples, in file order
 * @param eval    the held-out samples, in file order
 * @param summary counts for the log
 */
public record SftData(List<Sample> train, List<Sample> eval, DataSummary summary) {
    public SftData {
        train = List.copyOf(train);
        eval = List.copyOf(eval);
    }

    /**
     * Reads, splits and encodes.
     *
     * @throws DataFormatException under {@link MalformedPolicy#FAIL}, at the first bad record; or for a broken file
     * @throws IllegalArgumentException when no training sample is left
     */
    public static SftData load(List<Path> files, ReadOptions readOptions, SampleEncoder encoder, EvalSize evalSize,
                               long seed, Progress progress) {
        ReadResult read = DataReader.read(files, readOptions);
        HeldOutSplit<Example> split = HeldOutSplit.of(read.examples(), evalSize, seed);
        EncodeResult train = encoder.encodeAll(split.train(), progress);
        EncodeResult eval = encoder.encodeAll(split.eval(), Progress.NONE);
        DataSummary summary = DataSummary.of(read, train, eval);
        if (train.samples().isEmpty()) {
            throw new IllegalArgumentException("no training samples left:\n" + summary);
        }
        return new SftData(train.samples(), eval.samples(), summary);
    }
}
