package dev.lorapar.demo;

import java.util.List;

/** The generated item sets: pretraining items for the base, and train / test splits per system. */
public record DemoCorpus(SyntheticWorld world, List<DemoItem> pretrain, List<DemoItem> trainS1,
                         List<DemoItem> trainS2, List<DemoItem> testS1, List<DemoItem> testS2) {
    public DemoCorpus {
        pretrain = List.copyOf(pretrain);
        trainS1 = List.copyOf(trainS1);
        trainS2 = List.copyOf(trainS2);
        testS1 = List.copyOf(testS1);
        testS2 = List.copyOf(testS2);
    }
}
