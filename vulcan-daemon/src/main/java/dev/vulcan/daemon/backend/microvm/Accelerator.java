package dev.vulcan.daemon.backend.microvm;

import java.util.List;
import java.util.Objects;

/** How guests run: hardware virtualisation (KVM) or QEMU's emulator (TCG), with the reason for it. */
public sealed interface Accelerator {

    /** "kvm" or "tcg", as shown in /v1/backends. */
    String name();

    /** Why this accelerator was chosen (e.g. why KVM was not usable). */
    String reason();

    record Kvm(String reason) implements Accelerator {
        public Kvm {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public String name() {
            return "kvm";
        }
    }

    record Tcg(String reason) implements Accelerator {
        public Tcg {
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public String name() {
            return "tcg";
        }
    }

    /** QEMU options: the host CPU model under KVM; TCG's default model (emulating "max" costs boot time). */
    static List<String> qemuArgs(Accelerator accelerator) {
        return switch (accelerator) {
            case Kvm k -> List.of("-accel", "kvm", "-cpu", "host");
            case Tcg t -> List.of("-accel", "tcg");
        };
    }

    /** Kernel arguments: TCG's microvm needs the TSC frequency given (see TscFrequency). */
    static List<String> kernelArgs(Accelerator accelerator, TscFrequency tsc) {
        return switch (accelerator) {
            case Kvm k -> List.of();
            case Tcg t -> List.of("tsc_early_khz=" + tsc.khz());
        };
    }
}
