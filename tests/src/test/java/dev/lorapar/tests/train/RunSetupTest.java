package dev.lorapar.tests.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lorapar.core.Device;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.tokenizer.PromptFormat;
import dev.lorapar.train.RunSetup;
import dev.lorapar.train.TrainConfig;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** Config text → LoRA config, init, template and device. */
class RunSetupTest {
    static TrainConfig config(String... extra) {
        String[] base = {"--model", "m", "--train_data", "d"};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return TrainConfig.parse(all);
    }

    @Test
    void loraSettings() {
        LoraConfig l = RunSetup.lora(config("--lora_r", "8", "--lora_alpha", "64", "--lora_targets",
                "q_proj,k_proj,v_proj,gate_proj,up_proj,down_proj", "--lora_init", "gaussian", "--lora_sigma", "0.01"));
        assertEquals(8, l.rank());
        assertEquals(8f, l.scale());
        assertEquals(EnumSet.of(LoraTarget.Q, LoraTarget.K, LoraTarget.V, LoraTarget.GATE, LoraTarget.UP,
                LoraTarget.DOWN), l.targets());
        assertEquals(new LoraInit.Gaussian(0.01), l.init());
        assertEquals(new LoraInit.Pissa(4), RunSetup.lora(config("--lora_init", "pissa_niter_4")).init());
        assertEquals(new LoraInit.Olora(), RunSetup.lora(config("--lora_init", "OLoRA")).init());
        assertThrows(IllegalArgumentException.class, () -> RunSetup.lora(config("--lora_init", "loftq")));
        assertThrows(IllegalArgumentException.class, () -> RunSetup.lora(config("--lora_targets", "w_proj")));
    }

    @Test
    void templateAndDevice() {
        assertEquals(PromptFormat.REFERENCE_SCRIPT, RunSetup.template(config()));
        assertEquals(PromptFormat.LLAMA2_CHAT, RunSetup.template(config("--template", "llama2_chat")));
        assertThrows(IllegalArgumentException.class, () -> RunSetup.template(config("--template", "alpaca")));
        assertEquals(Device.CPU, RunSetup.device(config("--device", "cpu")));
        assertThrows(IllegalArgumentException.class, () -> RunSetup.device(config("--device", "cuda:7")));
    }
}
