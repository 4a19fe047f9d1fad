package dev.vulcan.daemon.backend.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** The platform probe's decisions with runsc's answers scripted; GvisorIT runs the real runsc. */
class RunscProbeTest {

    private static final ProcessRunner.Result OK = new ProcessRunner.Result(0, "");
    /** What ProcessRunner.Native answers for a command killed at its deadline. */
    private static final ProcessRunner.Result HUNG = new ProcessRunner.Result(-1, "timed out after PT4S");

    @TempDir
    Path temp;

    /** Answers runsc calls (version, then run per platform as given) and records each run's deadline. */
    private static final class Scripted implements ProcessRunner {
        final List<String> runs = new ArrayList<>();
        final List<Duration> runDeadlines = new ArrayList<>();
        final Result kvm;
        final Result ptrace;

        Scripted(Result kvm, Result ptrace) {
            this.kvm = kvm;
            this.ptrace = ptrace;
        }

        @Override
        public Result run(List<String> argv, Duration deadline) {
            if (argv.contains("--version")) return new Result(0, "runsc version 0.0~20221219.0\nspec: 1.0.2-dev\n");
            if (argv.contains("run")) {
                String platform = argv.stream().filter(a -> a.startsWith("--platform=")).findFirst().orElseThrow();
                runs.add(platform);
                runDeadlines.add(deadline);
                return platform.equals("--platform=kvm") ? kvm : ptrace;
            }
            return OK;
        }
    }

    private OciRuntime.Probe probe(RunscProbe.Platform platform, Scripted runner, boolean kvmDevice) throws Exception {
        Path busybox = Files.writeString(temp.resolve("busybox"), "not really");
        return RunscProbe.probe("runsc", platform, temp.resolve("root"), temp.resolve("scratch"), busybox, runner,
                new BundleBuilder(JsonMapper.builder().build(), runner), kvmDevice);
    }

    @Test
    void aHangingKvmIsCutAtItsDeadlineAndPtraceIsUsedSayingWhy() throws Exception {
        Scripted runner = new Scripted(HUNG, OK);
        OciRuntime runsc = ((OciRuntime.Probe.Available) probe(RunscProbe.Platform.AUTO, runner, true)).runtime();
        assertThat(runner.runs).containsExactly("--platform=kvm", "--platform=ptrace");
        assertThat(runner.runDeadlines.getFirst()).isEqualTo(RunscProbe.KVM_DEADLINE);
        assertThat(RunscProbe.platform(runsc)).isEqualTo("ptrace");
        assertThat(runsc.reason()).contains("platform ptrace", "platform kvm: no answer within 4000 ms (hangs)");
        assertThat(runsc.command()).containsExactly("runsc", "--root=" + temp.resolve("root"), "--platform=ptrace",
                "--network=none");
        assertThat(runsc.stateRoot()).isEqualTo(temp.resolve("root"));
        assertThat(runsc.version()).isEqualTo("runsc 0.0~20221219.0");
    }

    @Test
    void aWorkingKvmIsUsed() throws Exception {
        Scripted runner = new Scripted(OK, OK);
        OciRuntime runsc = ((OciRuntime.Probe.Available) probe(RunscProbe.Platform.AUTO, runner, true)).runtime();
        assertThat(RunscProbe.platform(runsc)).isEqualTo("kvm");
        assertThat(runner.runs).containsExactly("--platform=kvm");
    }

    @Test
    void withoutDevKvmOnlyPtraceIsTried() throws Exception {
        Scripted runner = new Scripted(OK, OK);
        OciRuntime runsc = ((OciRuntime.Probe.Available) probe(RunscProbe.Platform.AUTO, runner, false)).runtime();
        assertThat(runner.runs).containsExactly("--platform=ptrace");
        assertThat(runsc.reason()).contains("no /dev/kvm");
    }

    @Test
    void whenNothingRunsTheBackendIsUnavailableWithEveryReason() throws Exception {
        Scripted runner = new Scripted(HUNG, new ProcessRunner.Result(128, "lots of log\nFATAL ERROR: cannot create sandbox"));
        OciRuntime.Probe probe = probe(RunscProbe.Platform.AUTO, runner, true);
        assertThat(probe).isInstanceOf(OciRuntime.Probe.Unavailable.class);
        assertThat(((OciRuntime.Probe.Unavailable) probe).reason()).contains("platform kvm: no answer",
                "platform ptrace: exit 128: FATAL ERROR: cannot create sandbox");
    }

    @Test
    void aForcedKvmDoesNotFallBack() throws Exception {
        Scripted runner = new Scripted(HUNG, OK);
        assertThat(probe(RunscProbe.Platform.KVM, runner, true)).isInstanceOf(OciRuntime.Probe.Unavailable.class);
        assertThat(runner.runs).containsExactly("--platform=kvm");
    }

    @Test
    void inANetnsRunscUsesThatNamespacesHostStack() {
        OciRuntime runsc = new OciRuntime(OciRuntime.Kind.RUNSC, RunscProbe.command("runsc", Path.of("/s/runsc"), "ptrace"),
                "runsc 1", "why");
        assertThat(runsc.inNetns(null)).isSameAs(runsc);
        assertThat(runsc.inNetns(Path.of("/var/run/netns/w1")).argv("run", "id")).containsExactly("nsenter",
                "--net=/var/run/netns/w1", "runsc", "--root=/s/runsc", "--platform=ptrace", "--network=host", "run", "id");
        OciRuntime crun = new OciRuntime(OciRuntime.Kind.CRUN, List.of("crun"), "crun 1", "why");
        assertThat(crun.inNetns(Path.of("/var/run/netns/w1"))).isSameAs(crun);
    }

    @Test
    void gvisorLimitsLeaveRoomForTheSentryAndContainerLimitsStay() {
        var asked = new ContainerSpec.Resources(64L << 20, 1, 8);
        assertThat(GvisorLimits.forRuntime(OciRuntime.Kind.CRUN, asked)).isEqualTo(asked);
        assertThat(GvisorLimits.forRuntime(OciRuntime.Kind.RUNSC, asked))
                .isEqualTo(new ContainerSpec.Resources((64L << 20) + (32L << 20), 1, 8 * 10 + 128));
        assertThat(GvisorLimits.forRuntime(OciRuntime.Kind.RUNSC, ContainerSpec.Resources.NONE))
                .isEqualTo(ContainerSpec.Resources.NONE);
    }
}
