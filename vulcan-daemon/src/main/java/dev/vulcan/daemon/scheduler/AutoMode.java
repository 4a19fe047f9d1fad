package dev.vulcan.daemon.scheduler;

import dev.vulcan.api.Isolation;
import dev.vulcan.daemon.backend.Runtime;
import java.util.function.Predicate;

/**
 * Resolves isolation "auto" deterministically from what is run (docs/runtimes.md#auto):
 * <ul>
 *   <li>JavaScript or TypeScript code -> isolate;</li>
 *   <li>an OCI image reference -> gvisor (container while gvisor is not available here, or cannot join the
 *       network the workload asks for, saying so);</li>
 *   <li>a code archive -> microvm (container while microvm is not available here, saying so);</li>
 *   <li>anything else (python, go, shell code) -> container.</li>
 * </ul>
 * An explicit isolation is kept as asked.
 */
public final class AutoMode {
    private AutoMode() {}

    /** What a workload runs: code in a language, an image's command, or an archive of code. */
    public sealed interface Source {
        record Code(Runtime runtime) implements Source {}

        record Image() implements Source {}

        /** A code archive (a tree of files with an entry point); not accepted by the API yet. */
        record Archive(Runtime runtime) implements Source {}

        /** The source of a request: an image for runtime oci, else code. */
        static Source of(Runtime runtime) {
            return runtime == Runtime.OCI ? new Image() : new Code(runtime);
        }
    }

    /** The isolation to use and why (the fallback's reason is worth telling the caller). */
    public record Decision(Isolation isolation, String reason) {}

    /**
     * @param available whether an isolation's backend can run this work on this node (available, and able to join
     *                  the workload's network if it has one); asked only for the isolation a rule prefers, so no
     *                  other backend is probed
     */
    public static Decision decide(Isolation requested, Source source, Predicate<Isolation> available) {
        if (requested != Isolation.AUTO) {
            return new Decision(requested, "asked for " + requested.wire());
        }
        return switch (source) {
            case Source.Code(Runtime runtime) -> switch (runtime.language()) {
                case JAVASCRIPT, TYPESCRIPT -> new Decision(Isolation.ISOLATE, "auto: JavaScript/TypeScript code");
                case PYTHON, GO, SHELL, OCI -> new Decision(Isolation.CONTAINER, "auto: " + runtime.wire() + " code");
            };
            case Source.Image() -> preferOrContainer(Isolation.GVISOR, "an OCI image", available);
            case Source.Archive(Runtime runtime) -> preferOrContainer(Isolation.MICROVM, "a code archive", available);
        };
    }

    private static Decision preferOrContainer(Isolation preferred, String what, Predicate<Isolation> available) {
        if (available.test(preferred)) {
            return new Decision(preferred, "auto: " + what + " runs in " + preferred.wire());
        }
        return new Decision(Isolation.CONTAINER, "auto: " + what + " runs in " + preferred.wire() + ", which is not"
                + " available for it on this node (unavailable, or it cannot join the requested network): fell back to"
                + " container");
    }

    /** {@link #decide} for code or an image (by runtime) where every isolation is available. */
    public static Isolation resolve(Isolation requested, Runtime runtime) {
        return decide(requested, Source.of(runtime), isolation -> true).isolation();
    }
}
