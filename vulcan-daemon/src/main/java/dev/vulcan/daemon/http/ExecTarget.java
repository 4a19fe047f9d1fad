package dev.vulcan.daemon.http;

import dev.vulcan.daemon.backend.ExecProcess;
import dev.vulcan.daemon.backend.ExecSpec;
import java.io.IOException;

/**
 * Where exec sessions run: finds the instance by name and starts the process in it. Throws a
 * {@link dev.vulcan.daemon.error.NotFoundException} for an unknown name and a
 * {@link dev.vulcan.daemon.error.ConflictException} for an instance that is not running.
 */
@FunctionalInterface
public interface ExecTarget {

    ExecProcess exec(String instanceName, ExecSpec spec) throws IOException;
}
