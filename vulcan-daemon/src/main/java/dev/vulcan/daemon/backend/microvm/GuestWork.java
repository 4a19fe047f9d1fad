package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.backend.oci.CodeImage;
import dev.vulcan.daemon.image.ImageReference;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** What one workload runs in its VM: a script in the initramfs, a command in an image, or code in a runtime image. */
sealed interface GuestWork {

    /** Where the runtime images' entrypoints find the code and input, and leave result.json (as in containers). */
    String IO = CodeImage.IO_MOUNT;

    /** The image whose rootfs the VM gets, or null for the initramfs alone. */
    ImageReference image();

    /** A shell script run by the initramfs's busybox: no disk at all. */
    record Shell(String script) implements GuestWork {
        @Override
        public ImageReference image() {
            return null;
        }
    }

    /** An image's command, chrooted into its rootfs with its Env and WorkingDir; the output is its stdout. */
    record InImage(ImageReference image, List<String> argv, Map<String, String> env, String cwd) implements GuestWork {
        public InImage {
            Objects.requireNonNull(image, "image");
            argv = List.copyOf(argv);
            env = Map.copyOf(env);
        }
    }

    /** Code in a runtime image: written to {@link #IO} with input.json, run by the image's entrypoint. */
    record Code(CodeImage code, ImageReference image, String source, byte[] archive) implements GuestWork {
        public Code {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(image, "image");
        }
    }

    /** "PATH=/bin" and the like from an image config into a map; entries without '=' are dropped, as Docker does. */
    static Map<String, String> env(List<String> entries) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        for (String e : entries) {
            int eq = e.indexOf('=');
            if (eq > 0) {
                env.put(e.substring(0, eq), e.substring(eq + 1));
            }
        }
        return env;
    }
}
