package dev.lorapar.tests.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaForwardBackward;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraGradients;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.model.RopeStyle;
import dev.lorapar.model.TokenBatch;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.pipeline.partition.StageMasks;
import dev.lorapar.pipeline.score.ImportanceMatrix;
import dev.lorapar.pipeline.score.ImportanceScorer;
import dev.lorapar.pipeline.score.ImportanceScores;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.train.data.Sample;
import dev.lorapar.train.data.SourceLine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Row layouts on a llama2.c model (adjacent-pairs RoPE, where lorapar's q/k rows differ from Hugging Face's): the
 * importance file holds q/k lora_B rows in the PEFT (rotate-half) order — checked against the element's own
 * |g·φ − ½(g·φ)²| computed from lorapar's gradient in memory — and a stage mask written from those files and put on
 * an adapter with {@link StageMasks#apply} lands on the same in-memory elements.
 */
class MaskLayoutTest {
    @Test
    void importanceAndMasksFollowTheRows(@TempDir Path dir) throws IOException {
        Path model = SharedData.require("llama2c-stories260K/stories260K.bin");
        Stream cpu = Stream.create(Device.CPU);
        Sample sample = new Sample(new int[] {1, 300, 301, 302, 303, 304}, new int[] {-1, -1, 310, 311, 312, 2},
                new SourceLine(Path.of("x.jsonl"), 1));
        LoraConfig lora = new LoraConfig(4, 8, EnumSet.of(LoraTarget.Q, LoraTarget.K, LoraTarget.V), new LoraInit.Gaussian(0.05), 5);
        try (Checkpoint ckpt = Checkpoints.open(model);
             LlamaWeights w = LlamaWeights.upload(ckpt, cpu, DType.F32);
             LoraAdapter adapter = LoraAdapter.create(w, lora, cpu);
             ImportanceScorer scorer = new ImportanceScorer(adapter, cpu, 8);
             LlamaForwardBackward fb = LlamaForwardBackward.create(w, cpu, LlamaForwardBackward.Options.of(8));
             LoraGradients g = new LoraGradients(adapter, cpu)) {
            assertEquals(RopeStyle.ADJACENT_PAIRS, w.config().ropeStyle());
            int headDim = w.config().headDim();
            ImportanceScores scores = scorer.score("s1", List.of(sample), null);
            fb.forwardBackward(new TokenBatch(new int[][] {sample.tokens()}, new int[][] {sample.targets()}, null, null),
                    adapter, LlamaForwardBackward.Gradients.lora(g), 1f / sample.targetCount());
            int moved = 0;
            for (ImportanceMatrix m : scores.matrices()) {
                LoraPair p = adapter.pair(m.layer(), m.target());
                float[] phi = (m.isA() ? p.a() : p.b()).toFloatArray(cpu);                 // [rows×cols] in memory
                float[] grad = (m.isA() ? g.a(m.layer(), m.target()) : g.b(m.layer(), m.target())).toFloatArray(cpu);
                boolean rows = !m.isA() && m.target() != LoraTarget.V;
                for (int r = 0; r < m.rows(); r++) {
                    int fileRow = rows ? RopeStyle.rotateHalfRow(r, headDim) : r;
                    if (fileRow != r) moved++;
                    for (int c = 0; c < m.cols(); c++) {
                        double x = (double) grad[r * m.cols() + c] * phi[r * m.cols() + c];
                        double want = Math.abs(x - 0.5 * x * x);
                        float got = scores.values()[(int) (m.offset() + (long) fileRow * m.cols() + c)];
                        assertEquals(want, got, 1e-6 * Math.abs(want) + 1e-12, m.name() + " row " + r + " col " + c);
                    }
                }
            }
            assertTrue(moved > 0, "q/k rows do move on this model");

            // a mask marking in the file's layout the elements above the median importance, applied to an adapter
            float[] sorted = scores.values().clone();
            java.util.Arrays.sort(sorted);
            float median = sorted[sorted.length / 2];
            byte[] flat = new byte[sorted.length];
            for (int i = 0; i < flat.length; i++) flat[i] = (byte) (scores.values()[i] > median ? 1 : 0);
            StageMasks.write(dir.resolve("m"), scores.matrices(), flat);
            List<Tensor> made = StageMasks.apply(dir.resolve("m"), adapter, cpu);
            try {
                for (ImportanceMatrix m : scores.matrices()) {
                    LoraPair p = adapter.pair(m.layer(), m.target());
                    byte[] mask = (m.isA() ? p.maskA() : p.maskB()).toByteArray(cpu); // [rows×cols] in memory
                    boolean rows = !m.isA() && m.target() != LoraTarget.V;
                    for (int r = 0; r < m.rows(); r++) {
                        int fileRow = rows ? RopeStyle.rotateHalfRow(r, headDim) : r;
                        for (int c = 0; c < m.cols(); c++) {
                            assertEquals(flat[(int) (m.offset() + (long) fileRow * m.cols() + c)], mask[r * m.cols() + c],
                                    m.name() + " mask row " + r + " col " + c);
                        }
                    }
                }
            } finally {
                made.forEach(Tensor::close);
            }
        }
    }
}
