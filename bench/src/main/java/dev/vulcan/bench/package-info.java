package dev.vulcan.bench;
