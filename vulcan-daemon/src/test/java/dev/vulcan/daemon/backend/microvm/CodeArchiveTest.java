package dev.vulcan.daemon.backend.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.error.InvalidException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;

class CodeArchiveTest {

    /** A tar.gz of (name, content) pairs; a null content makes a symlink to "/etc". */
    static byte[] tarGz(String... namesAndContents) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                String content = namesAndContents[i + 1];
                TarArchiveEntry e;
                if (content == null) {
                    e = new TarArchiveEntry(namesAndContents[i], TarArchiveEntry.LF_SYMLINK);
                    e.setLinkName("/etc");
                    tar.putArchiveEntry(e);
                } else {
                    byte[] data = content.getBytes(StandardCharsets.UTF_8);
                    e = new TarArchiveEntry(namesAndContents[i]);
                    e.setSize(data.length);
                    e.setMode(0100755);
                    tar.putArchiveEntry(e);
                    tar.write(data);
                }
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void filesComeOutRelativeWithTheEntrypointAtTheTop() throws Exception {
        var entries = CodeArchive.read(tarGz("./main.py", "def handler(i): pass", "lib/util.py", "X = 1"), "main.py");
        assertThat(entries).extracting(CodeArchive.Entry::path).containsExactly("main.py", "lib/util.py");
        assertThat(new String(entries.get(1).content(), StandardCharsets.UTF_8)).isEqualTo("X = 1");
        assertThat(entries.getFirst().executable()).isTrue();
    }

    @Test
    void pathsEscapingTheTargetLinksAndAMissingEntrypointAreRefused() throws Exception {
        assertThatThrownBy(() -> CodeArchive.read(tarGz("main.py", "", "../evil", "x"), "main.py"))
                .isInstanceOf(InvalidException.class).hasMessageContaining("escapes the target");
        assertThatThrownBy(() -> CodeArchive.read(tarGz("main.py", "", "a/../../evil", "x"), "main.py"))
                .hasMessageContaining("escapes the target");
        assertThatThrownBy(() -> CodeArchive.read(tarGz("main.py", "", "link", null), "main.py"))
                .hasMessageContaining("links are refused");
        assertThatThrownBy(() -> CodeArchive.read(tarGz("lib/main.py", ""), "main.py"))
                .hasMessageContaining("no entrypoint main.py");
        assertThatThrownBy(() -> CodeArchive.read("not gzip".getBytes(StandardCharsets.UTF_8), "main.py"))
                .hasMessageContaining("not a gzipped tar");
    }

    @Test
    void absoluteNamesAreRefused() {
        assertThatThrownBy(() -> CodeArchive.normalise("/etc/passwd")).hasMessageContaining("escapes");
        assertThat(CodeArchive.normalise("./a//b/./c")).isEqualTo("a/b/c");
    }
}
