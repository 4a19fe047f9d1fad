package dev.vulcan.daemon.backend.oci;

import dev.vulcan.daemon.backend.ExecSpec;
import dev.vulcan.daemon.backend.ExecProcess;
import java.io.IOException;

/** Runs a process inside an existing running container. */
public interface ContainerExec {

    ExecProcess exec(String containerId, ExecSpec spec) throws IOException;
}
