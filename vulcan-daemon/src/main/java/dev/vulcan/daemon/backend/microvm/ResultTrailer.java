package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.backend.LogSink;
import dev.vulcan.daemon.backend.oci.CodeIo;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The zygote's result.json on its stderr, after the workload's own output: reading it with one more
 * agent command would cost a fork and exec under emulation in a guest whose translation cache is cold
 * (about 0.1 s, a fifth of a restore). The zygote writes {@code MARKER LEN\n BYTES} (or
 * {@code MARKER -\n}: no regular result.json) as the last thing before it exits; the marker carries a
 * nonce from this run's payload. Everything before the marker goes on to the log as usual (bytes
 * that could be the start of a marker are held back until the next chunk says they are not).
 * Without a trailer (the process was killed, or closed its stderr) the host reads the file instead.
 */
final class ResultTrailer {

    private final byte[] marker;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private ByteArrayOutputStream trailer;
    private AgentClient.OutputListener downstream;

    ResultTrailer(String nonce) {
        this.marker = marker(nonce).getBytes(StandardCharsets.UTF_8);
    }

    /** What the zygote writes before the length: NUL-delimited, so no text output matches it by chance. */
    static String marker(String nonce) {
        return "\0vulcan-result:" + nonce + "\0";
    }

    /** The listener the agent's output goes to: stdout and the workload's stderr pass on to the downstream. */
    AgentClient.OutputListener wrap(AgentClient.OutputListener next) {
        this.downstream = next;
        return this::accept;
    }

    private void accept(LogSink.Stream stream, byte[] chunk) {
        if (stream != LogSink.Stream.STDERR) {
            downstream.output(stream, chunk);
            return;
        }
        if (trailer != null) {
            // capped: a result above the limit only needs to be known as too large
            if (trailer.size() <= CodeIo.MAX_RESULT_BYTES + 64) {
                trailer.writeBytes(chunk);
            }
            return;
        }
        pending.writeBytes(chunk);
        byte[] all = pending.toByteArray();
        pending.reset();
        int at = indexOf(all, marker);
        if (at >= 0) {
            pass(all, 0, at);
            trailer = new ByteArrayOutputStream();
            trailer.write(all, at + marker.length, all.length - at - marker.length);
            return;
        }
        int keep = Math.min(all.length, marker.length - 1);
        pass(all, 0, all.length - keep);
        pending.write(all, all.length - keep, keep);
    }

    /** Passes on what was held back; call once the command has ended. */
    void flush() {
        if (pending.size() > 0) {
            byte[] rest = pending.toByteArray();
            pending.reset();
            pass(rest, 0, rest.length);
        }
    }

    private void pass(byte[] bytes, int from, int to) {
        if (to > from) {
            downstream.output(LogSink.Stream.STDERR, Arrays.copyOfRange(bytes, from, to));
        }
    }

    /** What the trailer said about result.json. */
    sealed interface Result {
        /** No trailer, or not one the zygote wrote: read the file. */
        record Unknown() implements Result {}

        /** No regular result.json. */
        record Absent() implements Result {}

        /** Its bytes (at most the cap and one more). */
        record Content(byte[] bytes) implements Result {}
    }

    Result result() {
        if (trailer == null) {
            return new Result.Unknown();
        }
        byte[] t = trailer.toByteArray();
        int nl = -1;
        for (int i = 0; i < Math.min(t.length, 24); i++) {
            if (t[i] == '\n') {
                nl = i;
                break;
            }
        }
        if (nl < 0) {
            return new Result.Unknown();
        }
        String head = new String(t, 0, nl, StandardCharsets.US_ASCII);
        if (head.equals("-")) {
            return new Result.Absent();
        }
        if (!head.matches("[0-9]{1,12}")) {
            return new Result.Unknown();
        }
        long length = Long.parseLong(head);
        int available = t.length - nl - 1;
        if (length > CodeIo.MAX_RESULT_BYTES) {
            // only its size matters: more than the cap makes it invalid_output
            return new Result.Content(Arrays.copyOfRange(t, nl + 1, nl + 1 + (int) Math.min(available, CodeIo.MAX_RESULT_BYTES + 1)));
        }
        if (available < length) {
            return new Result.Unknown(); // cut short: the file tells the truth
        }
        return new Result.Content(Arrays.copyOfRange(t, nl + 1, nl + 1 + (int) length));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
