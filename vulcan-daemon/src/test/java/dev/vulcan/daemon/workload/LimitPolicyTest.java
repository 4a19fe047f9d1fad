package dev.vulcan.daemon.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.api.Isolation;
import dev.vulcan.daemon.backend.Limits;
import dev.vulcan.daemon.backend.Runtime;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.TooLargeException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LimitPolicyTest {

    /** Defaults 1 cpu, 128 MB, 30 s; at most 4 cpus, 1024 MB, 600 s, 100 bytes of code, 200 of input. */
    private final LimitPolicy policy = new LimitPolicy(1, 128, 30, 4, 1024, 600, 100, 200);

    @Test
    void limitsNotGivenTakeTheDefaults() {
        assertThat(policy.apply(spec(null, null, null))).isEqualTo(new Limits(1, 128, Duration.ofSeconds(30)));
    }

    @Test
    void limitsGivenAreKept() {
        assertThat(policy.apply(spec(3, 512, 120))).isEqualTo(new Limits(3, 512, Duration.ofSeconds(120)));
    }

    @ParameterizedTest(name = "cpus={0} mem_mb={1} timeout_s={2}")
    @CsvSource({"1, 16, 1", "4, 1024, 600"})
    void theBoundsThemselvesAreAccepted(int cpus, int memMb, int timeoutS) {
        assertThat(policy.apply(spec(cpus, memMb, timeoutS)))
                .isEqualTo(new Limits(cpus, memMb, Duration.ofSeconds(timeoutS)));
    }

    @ParameterizedTest(name = "{0}={1} is rejected")
    @CsvSource({
        "cpus, 0, 'cpus must be between 1 and 4 on this node, got 0'",
        "cpus, 5, 'cpus must be between 1 and 4 on this node, got 5'",
        "cpus, -1, 'cpus must be between 1 and 4 on this node, got -1'",
        "mem_mb, 15, 'mem_mb must be between 16 and 1024 on this node, got 15'",
        "mem_mb, 1025, 'mem_mb must be between 16 and 1024 on this node, got 1025'",
        "timeout_s, 0, 'timeout_s must be between 1 and 600 on this node, got 0'",
        "timeout_s, 601, 'timeout_s must be between 1 and 600 on this node, got 601'",
    })
    void aLimitOutOfBoundsIsRejectedNamingTheFieldAndItsRange(String field, int value, String message) {
        WorkloadSpec spec = switch (field) {
            case "cpus" -> spec(value, null, null);
            case "mem_mb" -> spec(null, value, null);
            case "timeout_s" -> spec(null, null, value);
            default -> throw new IllegalArgumentException(field);
        };

        assertThatThrownBy(() -> policy.apply(spec))
                .isInstanceOfSatisfying(InvalidException.class, e -> assertThat(e.code()).isEqualTo("invalid_limits"))
                .hasMessage(message);
    }

    @Test
    void aDefaultAboveTheMachineMaximumIsRejectedToo() {
        LimitPolicy small = new LimitPolicy(1, 128, 30, 4, 64, 600, 100, 200);

        assertThatThrownBy(() -> small.apply(spec(null, null, null)))
                .isInstanceOf(InvalidException.class)
                .hasMessage("mem_mb must be between 16 and 64 on this node, got 128");
    }

    @Test
    void codeUpToTheLimitIsAccepted() {
        assertThat(policy.apply(spec("x".repeat(100), null))).isNotNull();
    }

    @Test
    void codeOverTheLimitIsTooLarge() {
        assertThatThrownBy(() -> policy.apply(spec("x".repeat(101), null)))
                .isInstanceOfSatisfying(TooLargeException.class, e -> assertThat(e.code()).isEqualTo("code_too_large"))
                .hasMessage("code is 101 bytes; the limit is 100");
    }

    @Test
    void inputUpToTheLimitIsAccepted() {
        assertThat(policy.apply(spec("1", jsonString(200)))).isNotNull();
    }

    @Test
    void inputOverTheLimitIsTooLarge() {
        assertThatThrownBy(() -> policy.apply(spec("1", jsonString(201))))
                .isInstanceOfSatisfying(TooLargeException.class, e -> assertThat(e.code()).isEqualTo("input_too_large"))
                .hasMessage("input is 201 bytes; the limit is 200");
    }

    @Test
    void codeSizeIsMeasuredInUtf8BytesNotCharacters() {
        // 62 characters, but "é" is 2 bytes in UTF-8: 122 bytes, over the 100-byte limit.
        String code = "\"" + "é".repeat(60) + "\"";

        assertThatThrownBy(() -> policy.apply(spec(code, null)))
                .isInstanceOfSatisfying(TooLargeException.class, e -> assertThat(e.code()).isEqualTo("code_too_large"))
                .hasMessage("code is 122 bytes; the limit is 100");
    }

    @Test
    void inputSizeIsMeasuredInUtf8BytesNotCharacters() {
        // 150 characters, but "€" is 3 bytes in UTF-8: 446 bytes, over the 200-byte limit.
        String input = "\"" + "€".repeat(148) + "\"";

        assertThatThrownBy(() -> policy.apply(spec("1", input)))
                .isInstanceOfSatisfying(TooLargeException.class,
                        e -> assertThat(e.code()).isEqualTo("input_too_large"))
                .hasMessage("input is 446 bytes; the limit is 200");
    }

    @Test
    void pidsDefaultTo1024AndAreKeptWhenGiven() {
        assertThat(policy.apply(spec(null, null, null)).pids()).isEqualTo(1024);
        assertThat(policy.apply(pids(64))).isEqualTo(new Limits(1, 128, Duration.ofSeconds(30), 64));
        assertThat(policy.apply(pids(1)).pids()).isEqualTo(1);
    }

    @ParameterizedTest(name = "pids={0} is rejected")
    @CsvSource({"0", "-5", "4194305"})
    void pidsOutOfBoundsAreRejected(int value) {
        assertThatThrownBy(() -> policy.apply(pids(value)))
                .isInstanceOfSatisfying(InvalidException.class, e -> assertThat(e.code()).isEqualTo("invalid_limits"))
                .hasMessage("pids must be between 1 and 4194304 on this node, got " + value);
    }

    private static WorkloadSpec pids(int pids) {
        return new WorkloadSpec(Runtime.OCI, Isolation.CONTAINER, null, null, null, null, null,
                new dev.vulcan.daemon.backend.ExecutionRequest.ImageCommand("a/b:1", List.of(), false), pids, null);
    }

    @Test
    void theMachinePolicyUsesTheSeedDefaultsAndTheMachineAsMaxima() {
        LimitPolicy machine = LimitPolicy.forMachine(8, 16_384);

        assertThat(machine).isEqualTo(new LimitPolicy(1, 128, 30, 8, 16_384, 3600, 1 << 20, 4 << 20));
        assertThat(machine.apply(spec(null, null, null))).isEqualTo(new Limits(1, 128, Duration.ofSeconds(30)));
    }

    @Test
    void aMachineWithMoreMemoryThanAnIntCanCountIsCappedRatherThanOverflowing() {
        assertThat(LimitPolicy.forMachine(1, Long.MAX_VALUE).maxMemMb()).isEqualTo(Integer.MAX_VALUE);
    }

    private static WorkloadSpec spec(Integer cpus, Integer memMb, Integer timeoutS) {
        return new WorkloadSpec(Runtime.JAVASCRIPT, Isolation.AUTO, "1 + 1", null, cpus, memMb, timeoutS);
    }

    private static WorkloadSpec spec(String code, String inputJson) {
        return new WorkloadSpec(Runtime.JAVASCRIPT, Isolation.AUTO, code, inputJson, null, null, null);
    }

    /** A JSON string literal of exactly the given length in characters (and ASCII bytes). */
    private static String jsonString(int length) {
        return "\"" + "a".repeat(length - 2) + "\"";
    }
}
