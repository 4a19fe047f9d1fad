package dev.vulcan.daemon.backend.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentFrameTest {

    @Test
    void execCarriesFlagsTimeoutCountsAndNulTerminatedStrings() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("A", "1");
        env.put("B", "x=y");
        AgentFrame frame = AgentFrame.exec(new CommandRequest(List.of("sh", "-c", "echo"), env, "/tmp",
                Duration.ofMillis(1500), new byte[0]));
        ByteBuffer wire = frame.encode();
        assertThat(wire.get()).isEqualTo((byte) 'X');
        int length = wire.getInt();
        assertThat(length).isEqualTo(wire.remaining());
        assertThat(wire.getInt()).isEqualTo(AgentFrame.EXEC_STDIN);
        assertThat(wire.getInt()).isEqualTo(1500);
        assertThat(wire.getInt()).isEqualTo(3);
        assertThat(wire.getInt()).isEqualTo(2);
        byte[] rest = new byte[wire.remaining()];
        wire.get(rest);
        assertThat(new String(rest, StandardCharsets.UTF_8)).isEqualTo("/tmp\0sh\0-c\0echo\0A=1\0B=x=y\0");
    }

    @Test
    void noTimeoutAndNoStdinAreZero() {
        ByteBuffer p = ByteBuffer.wrap(AgentFrame.exec(CommandRequest.of("true")).payload());
        assertThat(p.getInt()).isZero();
        assertThat(p.getInt()).isZero();
    }

    @Test
    void doneDecodesKindCodeDurationAndMessage() {
        byte[] message = "exec x: No such file or directory".getBytes(StandardCharsets.UTF_8);
        ByteBuffer p = ByteBuffer.allocate(13 + message.length).put((byte) 3).putInt(127).putLong(2_500).put(message);
        CommandResult r = new AgentFrame(AgentFrame.DONE, p.array()).done();
        assertThat(r).isEqualTo(new CommandResult(CommandResult.Kind.NOT_STARTED, 127, Duration.ofMillis(2).plusNanos(500_000),
                "exec x: No such file or directory"));
        assertThat(r.succeeded()).isFalse();
    }

    @Test
    void doneRejectsUnknownKindsAndShortFrames() {
        assertThatThrownBy(() -> new AgentFrame(AgentFrame.DONE, new byte[3]).done()).isInstanceOf(IllegalStateException.class);
        byte[] bad = ByteBuffer.allocate(13).put((byte) 9).array();
        assertThatThrownBy(() -> new AgentFrame(AgentFrame.DONE, bad).done()).hasMessageContaining("kind 9");
    }

    @Test
    void requestsRejectWhatTheWireCannotCarry() {
        assertThatThrownBy(() -> new CommandRequest(List.of(), Map.of(), "", null, null)).hasMessageContaining("argv");
        assertThatThrownBy(() -> CommandRequest.of("a\0b")).hasMessageContaining("NUL");
        assertThatThrownBy(() -> new CommandRequest(List.of("x"), Map.of("A=B", "1"), "", null, null)).hasMessageContaining("A=B");
        assertThatThrownBy(() -> CommandRequest.of("x").withTimeout(Duration.ZERO)).hasMessageContaining("timeout");
    }

    @Test
    void aRootfsCommandSetsItsFlagAndMountCarriesDeviceAndType() {
        CommandRequest inRoot = new CommandRequest(List.of("true"), Map.of(), "/", null, new byte[0], true);
        assertThat(ByteBuffer.wrap(AgentFrame.exec(inRoot).payload()).getInt()).isEqualTo(AgentFrame.EXEC_STDIN | AgentFrame.EXEC_ROOTFS);
        AgentFrame mount = AgentFrame.mount("/dev/vda", "ext4");
        assertThat(mount.type()).isEqualTo(AgentFrame.MOUNT);
        assertThat(new String(mount.payload(), StandardCharsets.UTF_8)).isEqualTo("/dev/vda\0ext4\0");
    }
}
