package dev.lorapar.demo;

/** The kinds of generated items and the system each belongs to (the hidden ground truth of the demo). */
public enum TaskKind {
    /** One fact of the generated world ("How old is Kora Velin?"). */
    FACT(DemoSystem.S1),
    /** One arithmetic operation ("What is 37 + 48?"). */
    ARITHMETIC(DemoSystem.S1),
    /** One value read from a short passage. */
    PASSAGE(DemoSystem.S1),
    /** An arithmetic word problem of 2–6 steps with a worked solution ending {@code #### n}. */
    WORD_PROBLEM(DemoSystem.S2),
    /** A question that follows 2–3 facts of the world, with the chain written out. */
    MULTI_HOP(DemoSystem.S2);

    private final DemoSystem system;

    TaskKind(DemoSystem system) {
        this.system = system;
    }

    public DemoSystem system() {
        return system;
    }
}
