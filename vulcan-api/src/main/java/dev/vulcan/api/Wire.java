package dev.vulcan.api;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Parsing of lower-case wire names into enums, with an error that lists what is accepted. */
final class Wire {
    private Wire() {}

    static <E extends Enum<E>> E parse(Class<E> type, String wire) {
        if (wire != null) {
            for (E value : type.getEnumConstants()) {
                if (value.name().equalsIgnoreCase(wire)) {
                    return value;
                }
            }
        }
        String accepted = Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        throw new IllegalArgumentException(
                "unknown " + type.getSimpleName().toLowerCase(Locale.ROOT) + " '" + wire + "' (accepted: " + accepted + ")");
    }
}
