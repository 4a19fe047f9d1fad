package dev.vulcan.daemon.instance;

import dev.vulcan.daemon.error.InvalidException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** One volume of an instance: a host path or a named volume, at a path in the container. */
sealed interface VolumeSpec {

    String guest();

    boolean readOnly();

    /** A host directory or file ("HOST:GUEST[:ro]", HOST absolute). */
    record Bind(Path host, String guest, boolean readOnly) implements VolumeSpec {}

    /** A named volume ("NAME:GUEST[:ro]"), created on first use. */
    record Named(String name, String guest, boolean readOnly) implements VolumeSpec {}

    Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}");

    static VolumeSpec parse(String text) {
        String[] parts = text == null ? new String[0] : text.split(":", -1);
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw invalid(text, "expected HOST:GUEST[:ro|rw] or NAME:GUEST[:ro|rw]");
        }
        boolean readOnly = false;
        if (parts.length == 3) {
            readOnly = switch (parts[2]) {
                case "ro" -> true;
                case "rw" -> false;
                default -> throw invalid(text, "the mode must be ro or rw");
            };
        }
        String guest = parts[1];
        if (!guest.startsWith("/") || guest.equals("/") || ("/" + guest + "/").contains("/../")) {
            throw invalid(text, "the container path must be absolute, not / and without '..'");
        }
        if (parts[0].startsWith("/")) {
            Path host = Path.of(parts[0]).normalize();
            if (!host.toFile().exists()) {
                throw invalid(text, "the host path " + host + " does not exist");
            }
            return new Bind(host, guest, readOnly);
        }
        if (!NAME.matcher(parts[0]).matches()) {
            throw invalid(text, "a volume name is letters, digits, '_', '.', '-' (a host path must be absolute)");
        }
        return new Named(parts[0], guest, readOnly);
    }

    private static InvalidException invalid(String text, String why) {
        return new InvalidException("invalid_volume", "bad volume '" + text + "': " + why);
    }
}
