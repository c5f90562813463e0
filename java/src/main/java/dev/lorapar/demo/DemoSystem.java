package dev.lorapar.demo;

/** System 1 (one-step recall) or System 2 (multi-step reasoning): the label every generated item carries. */
public enum DemoSystem {
    S1, S2
}
