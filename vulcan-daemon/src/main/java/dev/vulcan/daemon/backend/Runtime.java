package dev.vulcan.daemon.backend;

import java.util.Locale;

/**
 * The language a workload's code is written in. node, javascript and js are JavaScript;
 * typescript, ts and deno are TypeScript. oci is an image's own command, not a language.
 */
public enum Runtime {
    JAVASCRIPT(Language.JAVASCRIPT),
    TYPESCRIPT(Language.TYPESCRIPT),
    PYTHON(Language.PYTHON),
    GO(Language.GO),
    SHELL(Language.SHELL),
    /** Not a language: the command of an OCI image. */
    OCI(Language.OCI);

    public enum Language { JAVASCRIPT, TYPESCRIPT, PYTHON, GO, SHELL, OCI }

    private final Language language;

    Runtime(Language language) {
        this.language = language;
    }

    public Language language() {
        return language;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a runtime name with its aliases; throws IllegalArgumentException listing the accepted ones. */
    public static Runtime parse(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("runtime is required (accepted: " + ACCEPTED + ")");
        }
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "node", "nodejs", "javascript", "js" -> JAVASCRIPT;
            case "typescript", "ts", "deno" -> TYPESCRIPT;
            case "python", "python3", "py" -> PYTHON;
            case "go", "golang" -> GO;
            case "shell", "sh" -> SHELL;
            case "oci" -> OCI;
            default -> throw new IllegalArgumentException("unknown runtime '" + name + "' (accepted: " + ACCEPTED + ")");
        };
    }

    private static final String ACCEPTED =
            "node, nodejs, javascript, js, typescript, ts, deno, python, python3, py, go, golang, shell, sh, oci";
}
