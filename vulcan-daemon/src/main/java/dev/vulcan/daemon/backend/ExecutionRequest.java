package dev.vulcan.daemon.backend;

/**
 * What a backend needs to run one workload.
 *
 * @param inputJson the input as JSON text ("null" when there is none)
 */
public record ExecutionRequest(String workloadId, Runtime runtime, String code, String inputJson, Limits limits) {}
