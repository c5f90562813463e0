package dev.lorapar.train;

import dev.lorapar.core.Device;
import dev.lorapar.core.Lorapar;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.tokenizer.PromptFormat;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** Turns {@link TrainConfig} text into the objects a run needs (device, LoRA config, prompt template). */
public final class RunSetup {
    private RunSetup() {
    }

    /** {@code device}: cpu, cuda:N, or auto (cuda:0 when a GPU is usable, else the CPU). */
    public static Device device(TrainConfig c) {
        return device(c.text("device"));
    }

    /** cpu, cuda:N, or auto (cuda:0 when a GPU is usable, else the CPU). */
    public static Device device(String text) {
        String d = text.trim().toLowerCase(Locale.ROOT);
        if (d.equals("auto")) {
            return Lorapar.cudaAvailable() ? Device.cuda(0) : Device.CPU;
        }
        Device device = Device.parse(d);
        if (device.isCuda() && device.index() >= Lorapar.cudaDeviceCount()) {
            throw new IllegalArgumentException("device " + d + " is not available (" + Lorapar.cudaDeviceCount()
                    + " CUDA device(s) usable)");
        }
        return device;
    }

    /** lora_r, lora_alpha, lora_targets, lora_init (peft, gaussian, pissa, pissa_niter_N, olora), lora_sigma, seed. */
    public static LoraConfig lora(TrainConfig c) {
        Set<LoraTarget> targets = EnumSet.noneOf(LoraTarget.class);
        for (String t : c.list("lora_targets")) {
            targets.add(LoraTarget.parse(t));
        }
        return new LoraConfig(c.integer("lora_r"), c.real("lora_alpha"), targets, init(c), c.integer("seed"));
    }

    static LoraInit init(TrainConfig c) {
        return init(c.text("lora_init"), c.real("lora_sigma"));
    }

    /** peft (default), gaussian (N(0, sigma²) for A and B), pissa, pissa_niter_N or olora. */
    public static LoraInit init(String text, double sigma) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.equals("peft") || s.equals("default")) {
            return new LoraInit.PeftDefault();
        }
        if (s.equals("gaussian")) {
            return new LoraInit.Gaussian(sigma);
        }
        if (s.equals("pissa")) {
            return new LoraInit.Pissa(0);
        }
        if (s.startsWith("pissa_niter_")) {
            try {
                return new LoraInit.Pissa(Integer.parseInt(s.substring("pissa_niter_".length())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("lora_init '" + s + "': expected pissa_niter_<iterations>");
            }
        }
        if (s.equals("olora")) {
            return new LoraInit.Olora();
        }
        throw new IllegalArgumentException("unknown lora_init '" + s + "' (peft, gaussian, pissa, pissa_niter_N, olora)");
    }

    /** template: plain, reference or llama2-chat. */
    public static PromptFormat template(TrainConfig c) {
        return template(c.text("template"));
    }

    /** plain, reference or llama2-chat. */
    public static PromptFormat template(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "plain" -> PromptFormat.PLAIN;
            case "reference", "reference-script" -> PromptFormat.REFERENCE_SCRIPT;
            case "llama2-chat", "chat" -> PromptFormat.LLAMA2_CHAT;
            default -> throw new IllegalArgumentException("unknown template '" + text
                    + "' (plain, reference, llama2-chat)");
        };
    }
}
