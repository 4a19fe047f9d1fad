package dev.vulcan.daemon.backend;

/** What a backend offers, as the seed's comparison table names it. */
public record BackendTraits(String networking, String filesystem, String isolationStrength) {}
