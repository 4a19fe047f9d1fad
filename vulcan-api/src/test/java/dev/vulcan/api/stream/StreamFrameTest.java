package dev.vulcan.api.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class StreamFrameTest {

    @Test
    void headerHasDockersShape() {
        byte[] bytes = StreamFrame.text(StreamFrame.Type.STDERR, "hi").encode();
        assertThat(bytes).containsExactly(5, 0, 0, 0, 0, 0, 0, 2, 'h', 'i');
    }

    @Test
    void framesRoundTripAndEndCleanly() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StreamFrame.text(StreamFrame.Type.START, "{\"cmd\":[\"sh\"]}").writeTo(out);
        new StreamFrame(StreamFrame.Type.STDIN_EOF, null).writeTo(out);
        byte[] big = new byte[70_000];
        big[69_999] = 7;
        new StreamFrame(StreamFrame.Type.STDOUT, big).writeTo(out);
        var in = new ByteArrayInputStream(out.toByteArray());
        assertThat(StreamFrame.read(in)).isEqualTo(StreamFrame.text(StreamFrame.Type.START, "{\"cmd\":[\"sh\"]}"));
        assertThat(StreamFrame.read(in)).isEqualTo(new StreamFrame(StreamFrame.Type.STDIN_EOF, new byte[0]));
        assertThat(StreamFrame.read(in).payload()).isEqualTo(big);
        assertThat(StreamFrame.read(in)).isNull();
    }

    @Test
    void truncatedOrMalformedFramesAreErrors() {
        byte[] frame = StreamFrame.text(StreamFrame.Type.STDOUT, "hello").encode();
        assertThatThrownBy(() -> StreamFrame.read(new ByteArrayInputStream(frame, 0, 5)))
                .isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> StreamFrame.read(new ByteArrayInputStream(frame, 0, 10)))
                .isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> StreamFrame.read(new ByteArrayInputStream(new byte[] {9, 0, 0, 0, 0, 0, 0, 0})))
                .hasMessageContaining("unknown stream frame type 9");
        assertThatThrownBy(() -> StreamFrame.read(new ByteArrayInputStream(new byte[] {4, 1, 0, 0, 0, 0, 0, 0})))
                .hasMessageContaining("malformed");
        assertThatThrownBy(() -> StreamFrame.read(new ByteArrayInputStream(new byte[] {4, 0, 0, 0, 127, 0, 0, 0})))
                .hasMessageContaining("exceeds");
    }
}
