package dev.vulcan.daemon.scheduler;

import dev.vulcan.api.Isolation;
import dev.vulcan.daemon.backend.Runtime;

/**
 * Resolves isolation "auto" deterministically: JavaScript or TypeScript code runs in an isolate,
 * anything else in a container. An explicit isolation is kept as asked.
 */
public final class AutoMode {
    private AutoMode() {}

    public static Isolation resolve(Isolation requested, Runtime runtime) {
        if (requested != Isolation.AUTO) {
            return requested;
        }
        return switch (runtime.language()) {
            case JAVASCRIPT, TYPESCRIPT -> Isolation.ISOLATE;
            case PYTHON, GO, SHELL, OCI -> Isolation.CONTAINER;
        };
    }
}
