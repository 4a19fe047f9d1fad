package dev.vulcan.daemon.backend.oci;

import java.io.IOException;

/** Runs a process inside an existing running container. */
public interface ContainerExec {

    ExecProcess exec(String containerId, ExecSpec spec) throws IOException;
}
