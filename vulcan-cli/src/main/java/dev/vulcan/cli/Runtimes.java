package dev.vulcan.cli;

import java.util.Locale;
import java.util.Optional;

/** The runtime a source file is written for, told by its extension. */
final class Runtimes {
    private Runtimes() {}

    static Optional<String> fromFileName(String fileName) {
        int dot = fileName.lastIndexOf('.');
        if (dot < 0) {
            return Optional.empty();
        }
        return Optional.ofNullable(switch (fileName.substring(dot + 1).toLowerCase(Locale.ROOT)) {
            case "js", "mjs" -> "node";
            case "ts" -> "typescript";
            case "py" -> "python";
            case "go" -> "go";
            case "sh" -> "shell";
            default -> null;
        });
    }
}
