package dev.vulcan.cli.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {

    private final List<SseEvent> events = new ArrayList<>();
    private final SseParser parser = new SseParser(event -> {
        events.add(event);
        return true;
    });

    private void feedByteByByte(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            parser.feed(bytes, i, 1);
        }
    }

    @Test
    void parsesEventsFedOneByteAtATime() throws IOException {
        feedByteByByte("event: stdout\ndata: {\"line\":\"é\"}\n\nevent: end\ndata: {}\n\n");

        assertThat(events).containsExactly(
                new SseEvent("stdout", "{\"line\":\"é\"}", ""),
                new SseEvent("end", "{}", ""));
    }

    @Test
    void acceptsCrLfAndBareCrLineEnds() throws IOException {
        feedByteByByte("event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\r");

        assertThat(events).containsExactly(new SseEvent("a", "1", ""), new SseEvent("b", "2", ""));
    }

    @Test
    void joinsDataLinesSkipsCommentsAndDefaultsTheType() throws IOException {
        feedByteByByte(": keep-alive\n\ndata:first\ndata: second\ndata\nid: 7\nretry: 100\nfoo: bar\n\n");

        assertThat(events).containsExactly(new SseEvent("message", "first\nsecond\n", "7"));
    }

    @Test
    void anEventWithoutDataIsNotDispatched() throws IOException {
        feedByteByByte("event: nothing\n\ndata: x\n\n");

        assertThat(events).containsExactly(new SseEvent("message", "x", ""));
    }

    @Test
    void dropsAnEventTheStreamCutShort() throws IOException {
        boolean ended = SseParser.read(new ByteArrayInputStream(
                "data: whole\n\ndata: half".getBytes(StandardCharsets.UTF_8)), event -> {
                    events.add(event);
                    return true;
                });

        assertThat(ended).isTrue();
        assertThat(events).containsExactly(new SseEvent("message", "whole", ""));
    }

    @Test
    void stopsWhenTheListenerAsks() throws IOException {
        List<String> seen = new ArrayList<>();
        boolean ended = SseParser.read(new ByteArrayInputStream(
                "data: 1\n\ndata: 2\n\n".getBytes(StandardCharsets.UTF_8)), event -> {
                    seen.add(event.data());
                    return false;
                });

        assertThat(ended).isFalse();
        assertThat(seen).containsExactly("1");
    }
}
